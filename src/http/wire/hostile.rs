//! Hostile input against the HTTP/1.1 response parser and the chunked
//! decoder: mutated heads, valid chunked bodies cut anywhere, damaged
//! bodies, and streams that never end a line.

use super::*;
use crate::fuzz::{self, Rng};

const HEADS: [&str; 6] = [
    "HTTP/1.1 200 OK\r\nContent-Type: application/xml; charset=UTF-8\r\nTransfer-Encoding: chunked\r\n\r\n",
    "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"BroadWorks\"\r\nContent-Length: 12\r\n\r\n",
    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    "HTTP/1.0 204 No Content\n\n",
    "HTTP/1.1 500 Internal Server Error\r\nServer: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
    "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\n",
];

fn heads() -> Vec<Vec<u8>> {
    HEADS.iter().map(|h| h.as_bytes().to_vec()).collect()
}

#[test]
fn response_heads_parse_or_give_a_typed_error() {
    let seeds = heads();
    fuzz::run(
        "http response head parser, mutated heads",
        fuzz::cases(4000),
        0x4777_0001,
        |n| 4 * n + 4096,
        |rng| {
            let mut input = rng.pick(&seeds).clone();
            fuzz::mutate(rng, &mut input, &seeds);
            let max_head = 16 + rng.below(512);
            let (outcome, parsed) =
                fuzz::metered(input.len(), || parse_response_head(&input, max_head));
            match parsed {
                Ok(Some((head, used))) => {
                    assert!(used <= input.len() && used <= max_head + 4, "{used}");
                    assert!((100..=999).contains(&head.status), "{}", head.status);
                }
                Ok(None) => assert!(input.len() <= max_head + 4, "{} bytes pending", input.len()),
                Err(_) => {}
            }
            outcome
        },
    );
}

/// `payload` as a chunked body: random chunk sizes, hex case and
/// extensions, optional trailers.
fn chunked(rng: &mut Rng, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in rng.split(payload) {
        let size = if rng.one_in(2) {
            format!("{:x}", piece.len())
        } else {
            format!("{:X}", piece.len())
        };
        out.extend_from_slice(size.as_bytes());
        if rng.one_in(4) {
            out.extend_from_slice(b";name=\"value\"");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n");
    if rng.one_in(4) {
        out.extend_from_slice(b"X-Trailer: 1\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// The decoder on `pieces` (see the unit tests' `dechunk`), checking that
/// it never produces more bytes than it consumed.
fn dechunk(pieces: &[&[u8]]) -> Result<(Vec<u8>, usize, bool), WireError> {
    let result = super::tests::dechunk(pieces)?;
    assert!(result.0.len() <= result.1, "no amplification");
    Ok(result)
}

#[test]
fn chunked_bodies_decode_whole_however_they_are_cut() {
    fuzz::run(
        "http chunked decoder, valid bodies cut anywhere",
        fuzz::cases(2000),
        0x4777_0002,
        |n| 4 * n + 4096,
        |rng| {
            let payload = rng.junk(5000);
            let body = chunked(rng, &payload);
            // A pipelined response follows; it must not be consumed.
            let mut wire = body.clone();
            wire.extend_from_slice(HEADS[2].as_bytes());
            let pieces = rng.split(&wire);
            let (outcome, decoded) = fuzz::metered(wire.len(), || dechunk(&pieces));
            assert_eq!(decoded, Ok((payload, body.len(), true)));
            outcome
        },
    );
}

#[test]
fn damaged_chunked_bodies_give_data_or_a_typed_error() {
    fuzz::run(
        "http chunked decoder, damaged bodies",
        fuzz::cases(3000),
        0x4777_0003,
        |n| 4 * n + 4096,
        |rng| {
            let payload = rng.junk(2000);
            let mut body = chunked(rng, &payload);
            fuzz::mutate(rng, &mut body, &[]);
            let pieces = rng.split(&body);
            fuzz::outcome(body.len(), || dechunk(&pieces))
        },
    );
}

#[test]
fn lines_that_never_end_hit_their_caps() {
    let mut endless_size = b"1;ext=".to_vec();
    endless_size.extend(b"x".repeat(10 << 20));
    let mut endless_trailers = b"0\r\n".to_vec();
    endless_trailers.extend(b"X: y\r\n".repeat(2 << 20));
    let mut kinds = std::collections::BTreeMap::new();
    let mut peak = 0;
    for (input, want) in [
        (
            &endless_size,
            WireError::ChunkLineTooLong {
                limit: MAX_CHUNK_LINE,
            },
        ),
        (
            &endless_trailers,
            WireError::TrailersTooLarge {
                limit: MAX_TRAILERS,
            },
        ),
    ] {
        let (result, p) = fuzz::measure(|| {
            let mut decoder = ChunkedDecoder::new();
            let mut out = Vec::new();
            for read in input.chunks(64 * 1024) {
                decoder.decode(read, &mut out)?;
            }
            Ok(out.len())
        });
        assert_eq!(result, Err(want));
        assert!(p < 64 * 1024, "peak {p}");
        peak = peak.max(p);
        *kinds.entry(fuzz::kind_of(&want)).or_default() += 1;
    }
    let head = b"HTTP/1.1 200 OK\r\n".repeat(1 << 16);
    let (result, p) = fuzz::measure(|| parse_response_head(&head, 64 * 1024));
    assert_eq!(
        result.map(|_| ()),
        Err(WireError::HeadTooLarge { limit: 64 * 1024 })
    );
    *kinds.entry("HeadTooLarge".to_owned()).or_default() += 1;
    fuzz::report("http wire, endless lines", 3, &kinds, peak.max(p));
}
