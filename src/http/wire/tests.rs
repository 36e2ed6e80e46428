//! Tests of the sans-IO HTTP/1.1 pieces: requests, response heads, chunked
//! bodies, Basic credentials.

use super::*;

const MAX: usize = 8 * 1024;

fn head(text: &str) -> Result<Option<(ResponseHead, usize)>, WireError> {
    parse_response_head(text.as_bytes(), MAX)
}

/// Decodes `input` fed in the given pieces; returns the payload, the
/// total consumed and whether the body ended.
pub(super) fn dechunk(pieces: &[&[u8]]) -> Result<(Vec<u8>, usize, bool), WireError> {
    let mut decoder = ChunkedDecoder::new();
    let mut out = Vec::new();
    let mut consumed = 0;
    for piece in pieces {
        let used = decoder.decode(piece, &mut out)?;
        assert!(used <= piece.len());
        consumed += used;
        if decoder.is_done() {
            break;
        }
        assert_eq!(used, piece.len(), "an unfinished decoder takes everything");
    }
    Ok((out, consumed, decoder.is_done()))
}

#[test]
fn request_serialisation() {
    let version = env!("CARGO_PKG_VERSION");
    let cases: Vec<(Vec<u8>, String)> = vec![
        (
            {
                let mut out = Vec::new();
                write_request(&mut out, "PUT", "/x/heartbeat", "xsp1:8080", None, None, b"");
                out
            },
            format!("PUT /x/heartbeat HTTP/1.1\r\nHost: xsp1:8080\r\nUser-Agent: bwcsta/{version}\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"),
        ),
        (
            {
                let mut out = b"previous".to_vec();
                write_request(
                    &mut out,
                    "POST",
                    "/a b",
                    "h",
                    Some("Basic dTpw"),
                    Some("application/xml; charset=UTF-8"),
                    b"<x/>",
                );
                out
            },
            format!("previousPOST /a%20b HTTP/1.1\r\nHost: h\r\nUser-Agent: bwcsta/{version}\r\nAuthorization: Basic dTpw\r\nContent-Type: application/xml; charset=UTF-8\r\nContent-Length: 4\r\nConnection: keep-alive\r\n\r\n<x/>"),
        ),
        (
            {
                let mut out = Vec::new();
                write_request(&mut out, "GET", "/p\r\nX: y", "h\r\nEvil: 1", Some("B\nC"), None, b"");
                out
            },
            format!("GET /pX:%20y HTTP/1.1\r\nHost: hEvil: 1\r\nUser-Agent: bwcsta/{version}\r\nAuthorization: BC\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"),
        ),
    ];
    for (bytes, expected) in cases {
        assert_eq!(String::from_utf8_lossy(&bytes), expected);
    }
}

#[test]
fn a_request_in_two_parts_is_the_whole_request() {
    for body in [&b""[..], b"<x/>", &[b'a'; 12345]] {
        let mut whole = Vec::new();
        write_request(&mut whole, "POST", "/p q", "h", Some("A"), Some("t"), body);
        let mut parts = b"x".to_vec();
        write_request_start(&mut parts, "POST", "/p q", "h", Some("A"), Some("t"));
        write_request_end(&mut parts, body);
        assert_eq!(&parts[1..], &whole[..]);
    }
}

#[test]
fn response_heads() {
    let cases: Vec<(&str, u16, &str, BodyKind, bool, usize)> = vec![
        ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200, "OK", BodyKind::Length(5), true, 1),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 200, "OK", BodyKind::Chunked, true, 1),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 9\r\n\r\n", 200, "OK", BodyKind::Chunked, true, 2),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 200, "OK", BodyKind::UntilClose, false, 1),
        ("HTTP/1.1 200 OK\r\n\r\n", 200, "OK", BodyKind::UntilClose, false, 0),
        ("HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n", 204, "No Content", BodyKind::None, true, 1),
        ("HTTP/1.1 304 Not Modified\r\n\r\n", 304, "Not Modified", BodyKind::None, true, 0),
        ("HTTP/1.1 100 Continue\r\n\r\n", 100, "Continue", BodyKind::None, true, 0),
        ("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n", 404, "", BodyKind::Length(0), true, 1),
        ("HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n", 404, "", BodyKind::Length(0), true, 1),
        ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\n", 200, "OK", BodyKind::Length(3), false, 2),
        ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nconnection: Upgrade, CLOSE\r\n\r\n", 200, "OK", BodyKind::Length(3), false, 2),
        ("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\n", 200, "OK", BodyKind::Length(3), false, 1),
        ("HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: Keep-Alive\r\n\r\n", 200, "OK", BodyKind::Length(3), true, 2),
        ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n", 200, "OK", BodyKind::Length(3), true, 2),
        ("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\n", 200, "OK", BodyKind::Length(3), true, 1),
        ("HTTP/1.1 200 OK\nContent-Length: 1\n\n", 200, "OK", BodyKind::Length(1), true, 1),
        ("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate:Basic realm=\"x\"  \r\nContent-Length: 0\r\n\r\n", 401, "Unauthorized", BodyKind::Length(0), true, 2),
        ("HTTP/1.1 500 Internal Server Error\r\nX-Empty:\r\nContent-Length: 18446744073709551615\r\n\r\n", 500, "Internal Server Error", BodyKind::Length(u64::MAX), true, 2),
    ];
    for (text, status, reason, body, keep_alive, header_count) in cases {
        let parsed = head(text);
        let Ok(Some((parsed, used))) = parsed else {
            panic!("{text:?}: {parsed:?}");
        };
        assert_eq!(
            (parsed.status, parsed.reason()),
            (status, reason),
            "{text:?}"
        );
        assert_eq!(parsed.body, body, "{text:?}");
        assert_eq!(parsed.keep_alive(), keep_alive, "{text:?}");
        assert_eq!(parsed.headers().count(), header_count, "{text:?}");
        let head_len = text
            .find("\r\n\r\n")
            .map(|i| i + 4)
            .or_else(|| text.find("\n\n").map(|i| i + 2));
        assert_eq!(Some(used), head_len, "{text:?}");
    }
}

#[test]
fn header_lookup_is_case_insensitive() {
    let text = "HTTP/1.1 200 OK\r\nContent-Type: text/xml;charset=UTF-8\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n\r\n";
    let Ok(Some((parsed, _))) = head(text) else {
        panic!();
    };
    let cases = [
        ("content-type", Some("text/xml;charset=UTF-8")),
        ("CONTENT-TYPE", Some("text/xml;charset=UTF-8")),
        ("Set-Cookie", Some("a=1")),
        ("Content-Length", None),
    ];
    for (name, value) in cases {
        assert_eq!(parsed.header(name), value, "{name}");
    }
}

#[test]
fn bad_heads() {
    let cases: &[(&str, WireError)] = &[
        ("HTTP/2 200 OK\r\n\r\n", WireError::BadStatusLine),
        ("HTTP/1.1 20 OK\r\n\r\n", WireError::BadStatusLine),
        ("HTTP/1.1 2000 OK\r\n\r\n", WireError::BadStatusLine),
        ("HTTP/1.1 099 X\r\n\r\n", WireError::BadStatusLine),
        ("HTTP/1.1  200 OK\r\n\r\n", WireError::BadStatusLine),
        ("HTTP/1.x 200 OK\r\n\r\n", WireError::BadStatusLine),
        ("ICY 200 OK\r\n\r\n", WireError::BadStatusLine),
        ("\r\n\r\n", WireError::BadStatusLine),
        ("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", WireError::BadHeader),
        (
            "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
            WireError::BadHeader,
        ),
        ("HTTP/1.1 200 OK\r\nName : x\r\n\r\n", WireError::BadHeader),
        ("HTTP/1.1 200 OK\r\n: x\r\n\r\n", WireError::BadHeader),
        (
            "HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n",
            WireError::BadHeader,
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            WireError::BadContentLength,
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n",
            WireError::BadContentLength,
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n",
            WireError::BadContentLength,
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n",
            WireError::BadContentLength,
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            WireError::BadContentLength,
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n",
            WireError::BadContentLength,
        ),
    ];
    for (text, err) in cases {
        assert_eq!(head(text).map(|_| ()), Err(*err), "{text:?}");
    }
}

#[test]
fn head_size_limit() {
    let text = "HTTP/1.1 200 OK\r\nA: b\r\n\r\n"; // 25 bytes
    let cases: &[(usize, usize, Result<bool, WireError>)] = &[
        // (limit, bytes offered, Ok(complete) or error)
        (25, 25, Ok(true)),
        (24, 25, Err(WireError::HeadTooLarge { limit: 24 })),
        (24, 24, Ok(false)),
        (10, 11, Err(WireError::HeadTooLarge { limit: 10 })),
        (10, 10, Ok(false)),
        (0, 1, Err(WireError::HeadTooLarge { limit: 0 })),
    ];
    for (limit, offered, expected) in cases {
        let parsed = parse_response_head(&text.as_bytes()[..*offered], *limit);
        assert_eq!(
            parsed.map(|h| h.is_some()),
            *expected,
            "limit {limit} offered {offered}"
        );
    }
}

/// Every proper prefix of a valid head is "need more"; the whole head
/// parses and the consumed count stops before the body.
#[test]
fn response_split_at_every_byte() {
    let text = "HTTP/1.1 200 OK\r\nTrackingID: NA_7ea1ccb3\r\nContent-Type: text/xml;charset=UTF-8\r\nTransfer-Encoding: chunked\r\nKeep-Alive: timeout=4\r\nConnection: keep-alive\r\n\r\nb5\r\n";
    let bytes = text.as_bytes();
    let head_len = text.find("\r\n\r\n").unwrap_or(0) + 4;
    for cut in 0..head_len {
        assert_eq!(
            parse_response_head(&bytes[..cut], MAX),
            Ok(None),
            "cut {cut}"
        );
    }
    for cut in head_len..=bytes.len() {
        let parsed = parse_response_head(&bytes[..cut], MAX);
        let Ok(Some((parsed, used))) = parsed else {
            panic!("cut {cut}: {parsed:?}");
        };
        assert_eq!(used, head_len);
        assert_eq!(parsed.body, BodyKind::Chunked);
        assert_eq!(parsed.header("keep-alive"), Some("timeout=4"));
    }
}

#[test]
fn chunked_bodies() {
    let cases: &[(&str, &str)] = &[
        ("0\r\n\r\n", ""),
        ("5\r\nhello\r\n0\r\n\r\n", "hello"),
        ("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world"),
        ("A\r\n0123456789\r\n0\r\n\r\n", "0123456789"),
        ("a\r\n0123456789\r\n0\r\n\r\n", "0123456789"),
        ("005\r\nhello\r\n000\r\n\r\n", "hello"),
        ("5;name=value;x\r\nhello\r\n0;last\r\n\r\n", "hello"),
        ("5 ; ext\r\nhello\r\n0\r\n\r\n", "hello"),
        (
            "5\r\nhello\r\n0\r\nExpires: never\r\nX-A: b\r\n\r\n",
            "hello",
        ),
        ("5\nhello\n0\n\n", "hello"),
        ("3\r\n\r\n\n\r\n0\r\n\r\n", "\r\n\n"),
    ];
    for (input, payload) in cases {
        let bytes = input.as_bytes();
        assert_eq!(
            dechunk(&[bytes]),
            Ok((payload.as_bytes().to_vec(), bytes.len(), true)),
            "{input:?}"
        );
        for cut in 0..=bytes.len() {
            let (left, right) = bytes.split_at(cut);
            assert_eq!(
                dechunk(&[left, right]),
                Ok((payload.as_bytes().to_vec(), bytes.len(), true)),
                "{input:?} cut {cut}"
            );
        }
        let single: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(
            dechunk(&single),
            Ok((payload.as_bytes().to_vec(), bytes.len(), true)),
            "{input:?} byte by byte"
        );
    }
}

#[test]
fn bad_chunks() {
    let long_ext = format!("5;{}\r\nhello\r\n0\r\n\r\n", "x".repeat(MAX_CHUNK_LINE));
    let long_trailer = format!("0\r\nX: {}\r\n\r\n", "y".repeat(MAX_TRAILERS));
    let zeros = format!("{}5\r\nhello\r\n", "0".repeat(MAX_CHUNK_LINE + 1));
    let cases: Vec<(String, WireError)> = vec![
        ("\r\n".into(), WireError::BadChunk),
        ("x\r\n".into(), WireError::BadChunk),
        (";x\r\n".into(), WireError::BadChunk),
        ("-1\r\n".into(), WireError::BadChunk),
        ("5\r\nhelloX".into(), WireError::BadChunk),
        ("5\r\nhello\rX".into(), WireError::BadChunk),
        ("5\x00\r\n".into(), WireError::BadChunk),
        ("10000000000000000\r\n".into(), WireError::BadChunk),
        (
            long_ext,
            WireError::ChunkLineTooLong {
                limit: MAX_CHUNK_LINE,
            },
        ),
        (zeros, WireError::BadChunk),
        (
            long_trailer,
            WireError::TrailersTooLarge {
                limit: MAX_TRAILERS,
            },
        ),
    ];
    for (input, err) in cases {
        assert_eq!(
            dechunk(&[input.as_bytes()]).map(|_| ()),
            Err(err),
            "{input:?}"
        );
    }
    // Sixteen hex digits still fit in a u64.
    let mut decoder = ChunkedDecoder::new();
    let mut out = Vec::new();
    assert_eq!(decoder.decode(b"ffffffffffffffff\r\nabc", &mut out), Ok(21));
    assert_eq!(out, b"abc");
    assert!(!decoder.is_done());
}

/// A size has at most 16 hex digits (leading zeros included), so it
/// always fits in a u64.
#[test]
fn size_digits_are_limited_to_sixteen() {
    let cases: &[(&str, Result<bool, WireError>)] = &[
        ("0000000000000005\r\nhello\r\n0\r\n\r\n", Ok(true)),
        (
            "00000000000000005\r\nhello\r\n0\r\n\r\n",
            Err(WireError::BadChunk),
        ),
        ("000000000000000\r\n\r\n", Ok(true)),
    ];
    for (input, expected) in cases {
        assert_eq!(
            dechunk(&[input.as_bytes()]).map(|(_, _, done)| done),
            *expected,
            "{input:?}"
        );
    }
}

/// The first chunk of the real wire trace: size `b5` carries the
/// 181-byte channel-add response; the next chunk starts a new document.
#[test]
fn wire_trace_chunk_sizes() {
    let path = format!(
        "{}/integration/data/xsi/ChannelAddResponse-kimwinther.xml",
        env!("CARGO_MANIFEST_DIR")
    );
    let channel = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let event = br#"<?xml version="1.0" encoding="UTF-8"?><ChannelHeartBeat xmlns="http://schema.broadsoft.com/xsi"/>"#;
    let mut stream = b"b5\r\n".to_vec();
    stream.extend_from_slice(&channel);
    stream.extend_from_slice(b"\r\n61\r\n");
    stream.extend_from_slice(event);
    stream.extend_from_slice(b"\r\n");
    assert_eq!(event.len(), 0x61);
    let expected = [channel.as_slice(), event.as_slice()].concat();
    for cut in 0..=stream.len() {
        let (left, right) = stream.split_at(cut);
        let mut decoder = ChunkedDecoder::new();
        let mut out = Vec::new();
        assert_eq!(decoder.decode(left, &mut out), Ok(left.len()));
        assert_eq!(decoder.decode(right, &mut out), Ok(right.len()));
        assert_eq!(out, expected, "cut {cut}");
        assert!(!decoder.is_done(), "the channel stream never ends");
    }
}

/// Three responses back to back in one buffer: each parse consumes
/// exactly its own bytes.
#[test]
fn pipelined_responses_in_one_buffer() {
    let buffer = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n\
HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n\
HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnopeHTTP/1.1 2";
    let mut pos = 0;
    let mut seen = Vec::new();
    while let Ok(Some((parsed, used))) = parse_response_head(&buffer[pos..], MAX) {
        pos += used;
        let body = match parsed.body {
            BodyKind::Length(n) => {
                let n = n as usize;
                let body = buffer[pos..pos + n].to_vec();
                pos += n;
                body
            }
            BodyKind::Chunked => {
                let mut decoder = ChunkedDecoder::new();
                let mut out = Vec::new();
                pos += decoder.decode(&buffer[pos..], &mut out).unwrap_or(0);
                assert!(decoder.is_done());
                out
            }
            other => panic!("{other:?}"),
        };
        seen.push((parsed.status, body));
    }
    assert_eq!(
        seen,
        vec![
            (200, b"".to_vec()),
            (200, b"abc".to_vec()),
            (404, b"nope".to_vec())
        ]
    );
    assert_eq!(&buffer[pos..], b"HTTP/1.1 2");
}

#[test]
fn base64_rfc4648_vectors() {
    let vectors = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];
    for (input, encoded) in vectors {
        assert_eq!(base64(input.as_bytes()), encoded, "{input}");
    }
    assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
}

#[test]
fn basic_auth_values() {
    let cases = [
        (
            "Aladdin",
            "open sesame",
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
        ),
        ("cti@example.net", "", "Basic Y3RpQGV4YW1wbGUubmV0Og=="),
        ("u", "p:w", "Basic dTpwOnc="),
        ("ü", "é", "Basic w7w6w6k="),
    ];
    for (user, password, value) in cases {
        assert_eq!(basic_auth(user, password), value);
    }
}

#[test]
fn errors_display() {
    let cases = [
        (WireError::HeadTooLarge { limit: 9 }, "exceeds 9 bytes"),
        (WireError::BadStatusLine, "status line"),
        (WireError::BadHeader, "header"),
        (WireError::BadChunk, "chunked"),
        (WireError::ChunkLineTooLong { limit: 3 }, "exceeds 3"),
        (WireError::TrailersTooLarge { limit: 4 }, "exceeds 4"),
        (WireError::BadContentLength, "Content-Length"),
    ];
    for (err, text) in cases {
        assert!(err.to_string().contains(text), "{err}");
    }
}
