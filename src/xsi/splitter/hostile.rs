//! Hostile input against the channel-stream splitter: streams of real
//! documents cut anywhere, damaged streams, and a document that never ends.

use super::*;
use crate::fuzz::{self, Rng};

const LIMIT: usize = 64 * 1024;

/// Documents that follow each other on a channel stream.
fn seeds() -> Vec<Vec<u8>> {
    let mut out = fuzz::corpus("xsi");
    out.push(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
          <ChannelHeartBeat xmlns=\"http://schema.broadsoft.com/xsi\"/>"
            .to_vec(),
    );
    out.push(b"<!-- a comment --><a x='>'><![CDATA[</a>]]><?pi </a>?></a>".to_vec());
    out
}

/// Pushes the pieces, draining after each; the documents or the error.
fn split_all(limit: usize, pieces: &[&[u8]]) -> Result<Vec<Vec<u8>>, SplitError> {
    let mut splitter = DocSplitter::new(limit);
    let mut docs = Vec::new();
    for piece in pieces {
        splitter.push(piece);
        while let Some(doc) = splitter.next_doc()? {
            assert!(doc.len() <= limit, "{} > {limit}", doc.len());
            docs.push(doc);
        }
        assert!(
            splitter.buffered() <= limit + piece.len(),
            "{} buffered",
            splitter.buffered()
        );
    }
    Ok(docs)
}

/// Several documents with the whitespace BroadWorks may put between them.
fn stream(rng: &mut Rng, seeds: &[Vec<u8>]) -> (Vec<u8>, usize) {
    let n = 1 + rng.below(8);
    let mut out = Vec::new();
    const BETWEEN: [&[u8]; 4] = [b"", b"\n", b"\r\n", b"  \t\n"];
    for _ in 0..n {
        let doc: &Vec<u8> = rng.pick(seeds);
        out.extend_from_slice(doc);
        let gap: &[u8] = BETWEEN[rng.below(BETWEEN.len())];
        out.extend_from_slice(gap);
    }
    (out, n)
}

#[test]
fn documents_come_out_whole_however_the_stream_is_cut() {
    let seeds = seeds();
    fuzz::run(
        "xsi splitter, documents cut anywhere",
        fuzz::cases(1500),
        0x5B17_0001,
        |n| 4 * n + 4096,
        |rng| {
            let (input, n) = stream(rng, &seeds);
            let whole = split_all(LIMIT, &[&input]).expect("valid stream");
            assert_eq!(whole.len(), n, "one document per seed");
            let pieces = rng.split(&input);
            let (outcome, docs) = fuzz::metered(input.len(), || split_all(LIMIT, &pieces));
            assert_eq!(docs, Ok(whole), "same documents");
            outcome
        },
    );
}

#[test]
fn damaged_streams_give_documents_or_a_typed_error() {
    let seeds = seeds();
    fuzz::run(
        "xsi splitter, damaged streams",
        fuzz::cases(3000),
        0x5B17_0002,
        |n| 4 * n + 4096,
        |rng| {
            let (mut input, _) = stream(rng, &seeds);
            fuzz::mutate(rng, &mut input, &seeds);
            // Small limits too, so TooLarge is reached often.
            let limit = if rng.one_in(3) {
                1 + rng.below(2000)
            } else {
                LIMIT
            };
            let pieces = rng.split(&input);
            fuzz::outcome(input.len(), || split_all(limit, &pieces))
        },
    );
}

#[test]
fn a_document_that_never_ends_is_cut_off_at_the_cap() {
    // What a broken XSP may send: an Event that never closes, 10 MiB in
    // 64 KiB reads, against the daemon's 1 MiB document cap.
    let cap = 1024 * 1024;
    let start = b"<?xml version=\"1.0\"?><xsi:Event xmlns:xsi=\"http://schema.broadsoft.com/xsi\">";
    let body: Vec<u8> = b"<xsi:a>x</xsi:a>".repeat(4096);
    let mut pushed = 0;
    let mut result = Ok(None);
    let (_, peak) = fuzz::measure(|| {
        let mut splitter = DocSplitter::new(cap);
        splitter.push(start);
        while pushed < 10 << 20 {
            splitter.push(&body);
            pushed += body.len();
            result = splitter.next_doc();
            if result.is_err() {
                break;
            }
        }
    });
    assert_eq!(result, Err(SplitError::TooLarge { limit: cap }));
    assert!(pushed <= cap + body.len(), "cut off after {pushed} bytes");
    assert!(peak <= 3 * cap, "peak {peak} bytes");
    let kinds = [("TooLarge".to_owned(), 1)].into_iter().collect();
    fuzz::report("xsi splitter, never-ending document", 1, &kinds, peak);
}
