//! Tests of the channel-stream splitter: documents cut at every byte, real
//! samples, size limits, broken streams.

use super::*;

const HEARTBEAT: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><ChannelHeartBeat xmlns=\"http://schema.broadsoft.com/xsi\"/>";
const LIMIT: usize = 64 * 1024;

fn sample(name: &str) -> Vec<u8> {
    let path = format!("{}/integration/data/xsi/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// Pushes `pieces` one after the other, draining after each push.
fn split_pieces(limit: usize, pieces: &[&[u8]]) -> (Vec<Vec<u8>>, Option<SplitError>) {
    let mut splitter = DocSplitter::new(limit);
    let mut docs = Vec::new();
    for piece in pieces {
        splitter.push(piece);
        loop {
            match splitter.next_doc() {
                Ok(Some(doc)) => docs.push(doc),
                Ok(None) => break,
                Err(err) => return (docs, Some(err)),
            }
        }
    }
    (docs, None)
}

fn split_all(input: &[u8]) -> (Vec<Vec<u8>>, Option<SplitError>) {
    split_pieces(LIMIT, &[input])
}

fn strs(docs: &[Vec<u8>]) -> Vec<String> {
    docs.iter()
        .map(|d| String::from_utf8_lossy(d).into_owned())
        .collect()
}

/// Every input is split into exactly the expected documents, whole and
/// split at every byte boundary and fed byte by byte.
#[test]
fn splits_table_at_every_boundary() {
    let cases: &[(&str, &[&str])] = &[
        ("<a/>", &["<a/>"]),
        ("<a></a>", &["<a></a>"]),
        ("<a>text</a><b/>", &["<a>text</a>", "<b/>"]),
        ("  \r\n\t<a/>\n\n<b x='1'/>  ", &["<a/>", "<b x='1'/>"]),
        (
            "<?xml version=\"1.0\"?><r/>",
            &["<?xml version=\"1.0\"?><r/>"],
        ),
        (
            "<?xml version=\"1.0\"?>\n<r>x</r>",
            &["<?xml version=\"1.0\"?>\n<r>x</r>"],
        ),
        (
            "<?xml version=\"1.0\"?><r/><?xml version=\"1.0\"?>\n<s/>",
            &[
                "<?xml version=\"1.0\"?><r/>",
                "<?xml version=\"1.0\"?>\n<s/>",
            ],
        ),
        ("<a><a><a/></a></a><b/>", &["<a><a><a/></a></a>", "<b/>"]),
        ("<a x=\"></a>\"/><b/>", &["<a x=\"></a>\"/>", "<b/>"]),
        ("<a x='/>'></a>", &["<a x='/>'></a>"]),
        ("<a x='\"' y=\"'>\"/>", &["<a x='\"' y=\"'>\"/>"]),
        ("<a><!-- </a> --></a>", &["<a><!-- </a> --></a>"]),
        ("<a><!----></a>", &["<a><!----></a>"]),
        ("<a><!-- -> --- --></a>", &["<a><!-- -> --- --></a>"]),
        ("<!-- prolog <x> --><a/>", &["<!-- prolog <x> --><a/>"]),
        ("<a><![CDATA[</a>]]></a>", &["<a><![CDATA[</a>]]></a>"]),
        ("<a><![CDATA[]]]]></a>", &["<a><![CDATA[]]]]></a>"]),
        ("<a><![CDATA[>]>]]></a>", &["<a><![CDATA[>]>]]></a>"]),
        ("<a><?pi </a> ?></a>", &["<a><?pi </a> ?></a>"]),
        ("<?pi > ? >?><a/>", &["<?pi > ? >?><a/>"]),
        ("<?pi ?>\n<a/>", &["<?pi ?>\n<a/>"]),
        (
            "<!DOCTYPE a [<!ENTITY e \"]>\">]><a/>",
            &["<!DOCTYPE a [<!ENTITY e \"]>\">]><a/>"],
        ),
        ("<a>1 &lt; 2 &gt; 0</a>", &["<a>1 &lt; 2 &gt; 0</a>"]),
        ("<a\n  b = \"c\"\n/>", &["<a\n  b = \"c\"\n/>"]),
        (
            "<x:a xmlns:x=\"u\"><x:b/></x:a>",
            &["<x:a xmlns:x=\"u\"><x:b/></x:a>"],
        ),
    ];
    for (input, expected) in cases {
        let bytes = input.as_bytes();
        let (whole, err) = split_all(bytes);
        assert_eq!(err, None, "input {input:?}");
        assert_eq!(strs(&whole), *expected, "whole input {input:?}");
        for cut in 0..=bytes.len() {
            let (left, right) = bytes.split_at(cut);
            let (docs, err) = split_pieces(LIMIT, &[left, right]);
            assert_eq!(err, None, "input {input:?} cut at {cut}");
            assert_eq!(strs(&docs), *expected, "input {input:?} cut at {cut}");
        }
        let single: Vec<&[u8]> = bytes.chunks(1).collect();
        let (docs, _) = split_pieces(LIMIT, &single);
        assert_eq!(strs(&docs), *expected, "byte by byte {input:?}");
    }
}

#[test]
fn incomplete_documents_wait_for_more() {
    let cases: &[(&str, usize)] = &[
        ("", 0),
        ("   ", 0),
        ("<", 1),
        ("<a", 2),
        ("<a>", 3),
        ("<a x='>", 7),
        ("<a><b/>", 7),
        ("<a><!-- --", 10),
        ("<a><!-->", 8),
        ("<a><![CDATA[ ]]", 15),
        ("<a><![CDAT", 10),
        ("<?xml ?", 7),
        ("<?xml version=\"1.0\"?>", 21),
        ("<r/>  <a", 2),
        ("<r/>\n", 0),
    ];
    for (input, buffered) in cases {
        let mut splitter = DocSplitter::new(LIMIT);
        splitter.push(input.as_bytes());
        while let Ok(Some(_)) = splitter.next_doc() {}
        assert_eq!(splitter.next_doc(), Ok(None), "input {input:?}");
        assert_eq!(splitter.buffered(), *buffered, "input {input:?}");
    }
}

#[test]
fn heartbeat_split_at_every_byte_between_events() {
    let event = sample("CallSubscriptionEvent-kimwinther.xml");
    let stream = [HEARTBEAT, event.as_slice(), HEARTBEAT].concat();
    for cut in 0..=stream.len() {
        let (left, right) = stream.split_at(cut);
        let (docs, err) = split_pieces(LIMIT, &[left, right]);
        assert_eq!(err, None, "cut at {cut}");
        assert_eq!(
            docs,
            vec![HEARTBEAT.to_vec(), event.clone(), HEARTBEAT.to_vec()]
        );
    }
}

/// The real samples, concatenated as a channel would deliver them (the
/// pretty-printed ones keep their indentation and trailing newline).
#[test]
fn real_samples_concatenated() {
    let names = [
        "ChannelAddResponse-kimwinther.xml",
        "CallSubscriptionEvent-kimwinther.xml",
        "CallAnsweredEvent-httpContact-laravelbroadsoft.xml",
        "AgentStateEvent-httpContact-laravelbroadsoft.xml",
        "SubscriptionResponse-kimwinther.xml",
        "SubscriptionRequest-kimwinther.xml",
    ];
    let files: Vec<Vec<u8>> = names.iter().map(|n| sample(n)).collect();
    let mut stream = Vec::new();
    for file in &files {
        stream.extend_from_slice(file);
        stream.extend_from_slice(HEARTBEAT);
    }
    let mut expected = Vec::new();
    for file in &files {
        expected.push(file.trim_ascii().to_vec());
        expected.push(HEARTBEAT.to_vec());
    }
    for piece in [1, 2, 3, 7, 181, 500, 4096, stream.len()] {
        let pieces: Vec<&[u8]> = stream.chunks(piece).collect();
        let (docs, err) = split_pieces(LIMIT, &pieces);
        assert_eq!(err, None, "pieces of {piece}");
        assert_eq!(docs, expected, "pieces of {piece}");
    }
    // The channel-add response is exactly the 181-byte first chunk.
    assert_eq!(files[0].len(), 0xb5);
}

#[test]
fn oversize_documents_are_rejected() {
    // (limit, input, documents before the error)
    let cases: &[(usize, &str, usize)] = &[
        (4, "<ab/>", 0),
        (5, "<ab/><abc/>", 1),
        (8, "<a>123456789", 0),
        (8, "<a><!-- long comment", 0),
        (8, "<?xml version=\"1.0\"?>", 0),
        (10, "<a/>  <b x='12345678'/>", 1),
    ];
    for (limit, input, good) in cases {
        let (_, unlimited) = split_all(input.as_bytes());
        assert_eq!(unlimited, None, "input {input:?} under the big limit");
        let (docs, err) = split_pieces(*limit, &[input.as_bytes()]);
        assert_eq!(docs.len(), *good, "input {input:?}");
        assert_eq!(
            err,
            Some(SplitError::TooLarge { limit: *limit }),
            "input {input:?}"
        );
    }
    // Exactly at the limit is fine.
    let (docs, err) = split_pieces(4, &[b"<a/>", b"<b/>"]);
    assert_eq!((docs.len(), err), (2, None));
}

#[test]
fn oversize_is_detected_while_the_document_grows() {
    let mut splitter = DocSplitter::new(100);
    splitter.push(b"<a>");
    for _ in 0..9 {
        splitter.push(b"0123456789");
        assert_eq!(splitter.next_doc(), Ok(None));
    }
    splitter.push(b"0123456789");
    assert_eq!(
        splitter.next_doc(),
        Err(SplitError::TooLarge { limit: 100 })
    );
    // Broken for good: later input is ignored and the error repeats.
    splitter.push(b"</a><b/>");
    assert_eq!(
        splitter.next_doc(),
        Err(SplitError::TooLarge { limit: 100 })
    );
    assert_eq!(splitter.buffered(), 0);
}

#[test]
fn garbage_outside_elements_breaks_the_stream() {
    // (input, offending byte, documents before the error)
    let cases: &[(&str, u8, usize)] = &[
        ("x<a/>", b'x', 0),
        ("<a/>x", b'x', 1),
        ("<a/>\n0\r\n", b'0', 1),
        ("</a>", b'/', 0),
        ("<a/></a>", b'/', 1),
        ("<![CDATA[x]]><a/>", b'!', 0),
        ("\u{feff}<a/>", 0xef, 0),
        ("<?xml version=\"1.0\"?>text<a/>", b't', 0),
    ];
    for (input, byte, good) in cases {
        let (docs, err) = split_all(input.as_bytes());
        assert_eq!(docs.len(), *good, "input {input:?}");
        assert_eq!(err, Some(SplitError::Garbage(*byte)), "input {input:?}");
    }
}

#[test]
fn consumed_bytes_are_released() {
    let mut splitter = DocSplitter::new(LIMIT);
    for round in 0..1000 {
        splitter.push(HEARTBEAT);
        splitter.push(b"\r\n");
        assert_eq!(
            splitter.next_doc(),
            Ok(Some(HEARTBEAT.to_vec())),
            "round {round}"
        );
        assert_eq!(splitter.next_doc(), Ok(None));
        assert_eq!(splitter.buffered(), 0);
    }
    assert!(splitter.buf.capacity() < 4 * HEARTBEAT.len());
}

#[test]
fn errors_display_their_cause() {
    let cases = [
        (SplitError::TooLarge { limit: 10 }, "exceeds 10 bytes"),
        (SplitError::Garbage(b'x'), "0x78"),
    ];
    for (err, text) in cases {
        assert!(err.to_string().contains(text), "{err}");
    }
}

#[test]
fn find_any_agrees_with_a_plain_search() {
    // Every position, every alignment, needles present once, twice or not.
    let needles = [
        [b'>'; 3],
        [b'"', b'\'', b'>'],
        [b'<'; 3],
        [0x80, 0xff, 0x01],
    ];
    for len in 0..40 {
        for at in 0..=len {
            for n in needles {
                let mut hay = vec![b'a'; len];
                if at < len {
                    hay[at] = n[2];
                }
                if at + 3 < len {
                    hay[at + 3] = n[0];
                }
                // Bytes next to a needle value must not confuse the search.
                for b in hay.iter_mut().filter(|b| **b == b'a').step_by(3) {
                    *b = n[0].wrapping_add(1);
                }
                let want = hay.iter().position(|b| n.contains(b));
                assert_eq!(super::find_any(&hay, n), want, "{hay:?} {n:?}");
            }
        }
    }
}
