//! Hostile input against the frame codec: arbitrary byte streams cut at
//! arbitrary points, valid frames cut anywhere, oversize payloads, and a
//! long stream of maximal frames to show the buffer stays bounded.

use super::*;
use crate::fuzz::{self, Rng};

/// Pushes the pieces one by one and drains frames after each push; the
/// frames, or the error that ends the session.
fn decode_all(pieces: &[&[u8]]) -> Result<Vec<Frame>, FrameError> {
    let mut decoder = FrameDecoder::new();
    let mut frames = Vec::new();
    let mut pushed = 0;
    for piece in pieces {
        decoder.push(piece);
        pushed += piece.len();
        while let Some(frame) = decoder.next_frame()? {
            assert!(frame.xml.len() <= MAX_FRAME - HEADER_LEN);
            frames.push(frame);
        }
        assert!(decoder.buffered() <= pushed);
        // A partial frame never holds more than one frame's worth.
        assert!(decoder.buffered() < MAX_FRAME, "{}", decoder.buffered());
    }
    Ok(frames)
}

fn invoke_id(rng: &mut Rng) -> InvokeId {
    InvokeId::new(rng.below(10_000) as u16).unwrap_or(InvokeId::EVENT)
}

/// A stream that is mostly frames, damaged here and there.
fn stream(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..rng.below(6) {
        if rng.one_in(4) {
            out.extend(rng.junk(200));
        } else {
            let id = invoke_id(rng);
            let xml = rng.junk(300);
            out.extend(encode(id, &xml).expect("small"));
        }
    }
    if rng.one_in(2) {
        fuzz::mutate(rng, &mut out, &[]);
    }
    out
}

#[test]
fn any_byte_stream_gives_frames_or_a_typed_error() {
    fuzz::run(
        "csta frame decoder, damaged streams",
        fuzz::cases(3000),
        0xC57A_0001,
        |n| 3 * n + 1024,
        |rng| {
            let input = stream(rng);
            let pieces = rng.split(&input);
            fuzz::outcome(input.len(), || decode_all(&pieces))
        },
    );
}

#[test]
fn valid_frames_survive_any_split() {
    fuzz::run(
        "csta frame decoder, valid frames split anywhere",
        fuzz::cases(1000),
        0xC57A_0002,
        |n| 3 * n + 1024,
        |rng| {
            let mut sent = Vec::new();
            let mut wire = Vec::new();
            for _ in 0..1 + rng.below(8) {
                let id = invoke_id(rng);
                let len = if rng.one_in(50) {
                    MAX_FRAME - HEADER_LEN
                } else {
                    rng.len(2000)
                };
                let xml = rng.bytes(len);
                encode_into(&mut wire, id, &xml).expect("fits");
                sent.push(Frame { invoke_id: id, xml });
            }
            let pieces = rng.split(&wire);
            let (outcome, frames) = fuzz::metered(wire.len(), || decode_all(&pieces));
            assert_eq!(frames, Ok(sent), "frames come back whole");
            outcome
        },
    );
}

#[test]
fn encoding_refuses_what_does_not_fit() {
    fuzz::run(
        "csta frame encoder, sizes around the limit",
        fuzz::cases(300),
        0xC57A_0003,
        |n| n + 1024,
        |rng| {
            let len = MAX_FRAME - HEADER_LEN - 50 + rng.below(100);
            let xml = vec![b'x'; len];
            let (outcome, encoded) = fuzz::metered(len, || encode(InvokeId::EVENT, &xml));
            match encoded {
                Ok(frame) => assert_eq!(frame.len(), len + HEADER_LEN),
                Err(e) => {
                    assert_eq!(e, FrameError::TooLarge(len + HEADER_LEN));
                    assert!(len + HEADER_LEN > MAX_FRAME);
                }
            }
            outcome
        },
    );
}

#[test]
fn ten_megabytes_of_frames_keep_the_buffer_bounded() {
    // 10 MiB of maximal frames in 64 KiB reads, as a flooding client sends
    // them: the decoder never holds more than a frame and a read.
    let frame = encode(InvokeId::EVENT, &vec![b'<'; MAX_FRAME - HEADER_LEN]).unwrap();
    let stream: Vec<u8> = frame.iter().copied().cycle().take(10 << 20).collect();
    let mut frames = 0;
    let (_, peak) = fuzz::measure(|| {
        let mut decoder = FrameDecoder::new();
        for read in stream.chunks(64 * 1024) {
            decoder.push(read);
            while let Ok(Some(_)) = decoder.next_frame() {
                frames += 1;
            }
        }
    });
    assert!(frames >= 150, "{frames}");
    assert!(peak < 4 * MAX_FRAME, "peak {peak} bytes");
    let kinds = [("accepted".to_owned(), 1)].into_iter().collect();
    fuzz::report("csta frame decoder, 10 MiB flood", 1, &kinds, peak);
}
