//! ECMA-323 "CSTA XML without SOAP" TCP framing (Annex G.2 in editions up to
//! 4, J.2 in editions 5 and 6).
//!
//! Every message on the socket is an 8-byte header followed by one XML
//! document:
//!
//! ```text
//! 00 00 | LL LL                      | D D D D             | <?xml ...
//! format| u16 big-endian total length| invoke id, 4 ASCII  | payload
//!       | INCLUDING these 8 bytes    | decimal digits      |
//! ```
//!
//! Invariants:
//! - a [`Frame`] never exceeds [`MAX_FRAME`] bytes on the wire, so its XML is
//!   at most `MAX_FRAME - HEADER_LEN` bytes; [`encode`] refuses anything larger;
//! - an [`InvokeId`] is always in `0..=9999`; `9999` ([`InvokeId::EVENT`]) marks
//!   unsolicited events, the server's own requests use `0001..=9998` from an
//!   [`InvokeCounter`];
//! - [`FrameDecoder`] never panics on any byte sequence. After it returns a
//!   [`FrameError`] its state is unspecified: the stream has lost
//!   synchronisation (there is no resync marker in this framing), so the
//!   caller must close the session instead of calling it again.

use std::fmt;

/// Size of the fixed header in front of every XML payload.
pub const HEADER_LEN: usize = 8;

/// Largest frame (header included) that the u16 length field can describe.
pub const MAX_FRAME: usize = 65535;

/// The two format bytes of a plain-XML (non-SOAP) frame.
const FORMAT: [u8; 2] = [0, 0];

/// Highest value of the four decimal digits.
const MAX_INVOKE_ID: u16 = 9999;

/// Range of the server's own request ids; `0000` was never seen on the wire
/// and `9999` belongs to events.
const FIRST_OWN_ID: u16 = 1;
const LAST_OWN_ID: u16 = 9998;

/// The 4-digit invoke id that pairs a request with its response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InvokeId(u16);

impl InvokeId {
    /// The id every unsolicited event frame carries.
    pub const EVENT: InvokeId = InvokeId(MAX_INVOKE_ID);

    /// `None` when `n` does not fit in four decimal digits.
    pub fn new(n: u16) -> Option<InvokeId> {
        (n <= MAX_INVOKE_ID).then_some(InvokeId(n))
    }

    /// The numeric value, `0..=9999`.
    pub fn get(self) -> u16 {
        self.0
    }

    /// The zero-padded wire form, e.g. `*b"0007"`.
    pub fn to_ascii(self) -> [u8; 4] {
        let n = self.0;
        // `% 10` keeps every byte a digit; each quotient is already < 10.
        [
            ascii_digit(n / 1000),
            ascii_digit(n / 100),
            ascii_digit(n / 10),
            ascii_digit(n),
        ]
    }

    /// Reads the wire form; `None` unless all four bytes are ASCII digits.
    pub fn from_ascii(digits: [u8; 4]) -> Option<InvokeId> {
        digits
            .iter()
            .try_fold(0u16, |acc, &b| {
                b.is_ascii_digit().then(|| acc * 10 + u16::from(b - b'0'))
            })
            .map(InvokeId)
    }
}

/// The last decimal digit of `n` as an ASCII byte.
fn ascii_digit(n: u16) -> u8 {
    // `n % 10` is below 10, so the narrowing cannot lose anything.
    b'0' + (n % 10) as u8
}

impl fmt::Display for InvokeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.0)
    }
}

/// One decoded frame: its invoke id and the raw XML bytes (not yet decoded
/// as text; [`crate::csta::parse`] handles the character encoding).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub invoke_id: InvokeId,
    pub xml: Vec<u8>,
}

/// Why a header could not be decoded, or a frame could not be encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The first two bytes were not `00 00` (SOAP or a foreign protocol).
    BadFormat([u8; 2]),
    /// The length field is smaller than the header it includes.
    BadLength(u16),
    /// The invoke id field is not four ASCII decimal digits.
    BadInvokeId([u8; 4]),
    /// Encoding only: the whole frame (header included) would be this many
    /// bytes, more than [`MAX_FRAME`].
    TooLarge(usize),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::BadFormat([a, b]) => {
                write!(f, "frame format bytes are {a:02x} {b:02x}, expected 00 00")
            }
            FrameError::BadLength(n) => {
                write!(
                    f,
                    "frame length {n} is shorter than the {HEADER_LEN}-byte header"
                )
            }
            FrameError::BadInvokeId(d) => write!(
                f,
                "invoke id \"{}\" is not 4 ASCII digits",
                d.as_slice().escape_ascii()
            ),
            FrameError::TooLarge(n) => {
                write!(f, "frame of {n} bytes exceeds the {MAX_FRAME}-byte maximum")
            }
        }
    }
}

impl std::error::Error for FrameError {}

/// Reassembles frames from a TCP byte stream: buffers partial frames and
/// splits several frames received in one read.
///
/// Consumed bytes are skipped with an offset and only moved out of the
/// buffer once they are at least as many as the bytes still waiting, so a
/// burst of many small frames costs linear time, not quadratic.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    /// Start of the first unconsumed byte; always `<= buf.len()`.
    start: usize,
}

impl FrameDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes read from the socket.
    pub fn push(&mut self, bytes: &[u8]) {
        self.compact();
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete frame, `Ok(None)` if more bytes are needed.
    ///
    /// A bad header is reported as soon as the offending bytes arrive, so a
    /// peer speaking another protocol is caught without waiting for 8 bytes.
    /// After an error the decoder must not be used again (see the module
    /// docs).
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        let avail = self.buf.get(self.start..).unwrap_or_default();
        let Some((invoke_id, len)) = check_header(avail)? else {
            return Ok(None);
        };
        let Some(xml) = avail.get(HEADER_LEN..len) else {
            return Ok(None);
        };
        let frame = Frame {
            invoke_id,
            xml: xml.to_vec(),
        };
        self.start += len;
        Ok(Some(frame))
    }

    /// Bytes received but not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.buf.len().saturating_sub(self.start)
    }

    /// Drops consumed bytes when that is cheap relative to what was
    /// consumed: moving the tail costs at most as much as the bytes already
    /// skipped, which keeps the total copying linear in the input.
    fn compact(&mut self) {
        if self.start == 0 {
            return;
        }
        if self.start >= self.buffered() {
            self.buf.drain(..self.start.min(self.buf.len()));
            self.start = 0;
        }
    }
}

/// Validates as much of the header as `avail` holds. `Ok(None)` while the
/// header is incomplete, otherwise the invoke id and the total frame length.
fn check_header(avail: &[u8]) -> Result<Option<(InvokeId, usize)>, FrameError> {
    if let Some(format) = avail.first_chunk::<2>() {
        if *format != FORMAT {
            return Err(FrameError::BadFormat(*format));
        }
    }
    if let Some(&[_, _, hi, lo]) = avail.first_chunk::<4>() {
        let len = u16::from_be_bytes([hi, lo]);
        if usize::from(len) < HEADER_LEN {
            return Err(FrameError::BadLength(len));
        }
    }
    let Some(&[_, _, hi, lo, d0, d1, d2, d3]) = avail.first_chunk::<HEADER_LEN>() else {
        return Ok(None);
    };
    let digits = [d0, d1, d2, d3];
    let invoke_id = InvokeId::from_ascii(digits).ok_or(FrameError::BadInvokeId(digits))?;
    Ok(Some((invoke_id, usize::from(u16::from_be_bytes([hi, lo])))))
}

/// One complete frame for `xml`.
pub fn encode(invoke_id: InvokeId, xml: &[u8]) -> Result<Vec<u8>, FrameError> {
    let mut out = Vec::new();
    encode_into(&mut out, invoke_id, xml)?;
    Ok(out)
}

/// Appends one complete frame for `xml` to `out` (which is left untouched on
/// error), so a writer can batch several frames into one buffer.
pub fn encode_into(out: &mut Vec<u8>, invoke_id: InvokeId, xml: &[u8]) -> Result<(), FrameError> {
    let total = xml.len().saturating_add(HEADER_LEN);
    // MAX_FRAME is u16::MAX, so the conversion is exactly the size check.
    let len = u16::try_from(total).map_err(|_| FrameError::TooLarge(total))?;
    out.reserve(total);
    out.extend_from_slice(&FORMAT);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&invoke_id.to_ascii());
    out.extend_from_slice(xml);
    Ok(())
}

/// A frame [`encode`] made, cut into its invoke id's four digits and its
/// XML (for the capture); empty parts where `frame` is too short.
pub fn parts(frame: &[u8]) -> (&[u8], &[u8]) {
    let digits = frame.get(4..HEADER_LEN).unwrap_or_default();
    let xml = frame.get(HEADER_LEN..).unwrap_or_default();
    (digits, xml)
}

/// Allocates the server's own invoke ids (for SystemStatus, server-initiated
/// MonitorStop, ...): `0001`, `0002`, ... `9998`, then `0001` again. Never
/// yields `0000` or the event id `9999`.
#[derive(Debug)]
pub struct InvokeCounter {
    next: u16,
}

impl Default for InvokeCounter {
    fn default() -> Self {
        InvokeCounter { next: FIRST_OWN_ID }
    }
}

impl InvokeCounter {
    pub fn new() -> Self {
        Self::default()
    }

    /// The next id; wraps after `9998`.
    // Not `Iterator`: the sequence never ends, so `Option` would only add noise.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> InvokeId {
        let id = InvokeId(self.next);
        self.next = if self.next >= LAST_OWN_ID {
            FIRST_OWN_ID
        } else {
            self.next + 1
        };
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/integration/data/csta/");

    fn id(n: u16) -> InvokeId {
        InvokeId::new(n).expect("test ids are <= 9999")
    }

    fn frame(n: u16, xml: &str) -> Vec<u8> {
        encode(id(n), xml.as_bytes()).expect("test frames are small")
    }

    /// Drains every complete frame currently buffered.
    fn drain(decoder: &mut FrameDecoder) -> Vec<Frame> {
        let mut out = Vec::new();
        while let Some(f) = decoder.next_frame().expect("valid stream") {
            out.push(f);
        }
        out
    }

    #[test]
    fn invoke_id_new_and_get() {
        let cases: &[(u16, Option<u16>)] = &[
            (0, Some(0)),
            (1, Some(1)),
            (42, Some(42)),
            (9998, Some(9998)),
            (9999, Some(9999)),
            (10000, None),
            (u16::MAX, None),
        ];
        for &(n, want) in cases {
            assert_eq!(InvokeId::new(n).map(InvokeId::get), want, "new({n})");
        }
        assert_eq!(InvokeId::EVENT.get(), 9999);
    }

    #[test]
    fn invoke_id_text_forms() {
        let cases: &[(u16, &str)] = &[
            (0, "0000"),
            (7, "0007"),
            (42, "0042"),
            (305, "0305"),
            (1234, "1234"),
            (9999, "9999"),
        ];
        for &(n, text) in cases {
            assert_eq!(id(n).to_string(), text);
            assert_eq!(&id(n).to_ascii(), text.as_bytes());
            assert_eq!(InvokeId::from_ascii(id(n).to_ascii()), Some(id(n)));
        }
    }

    #[test]
    fn invoke_id_from_ascii_rejects_non_digits() {
        let cases: &[&[u8; 4]] = &[
            b" 001",
            b"001 ",
            b"-001",
            b"+001",
            b"00a1",
            b"0x01",
            b"\0\0\0\0",
            b"\xff001",
            b"\xd9\xa1\xd9\xa1", // Arabic-Indic digits are not ASCII digits.
        ];
        for digits in cases {
            assert_eq!(InvokeId::from_ascii(**digits), None, "{digits:?}");
        }
    }

    #[test]
    fn counter_starts_at_one_and_wraps_after_9998() {
        let mut counter = InvokeCounter::new();
        assert_eq!(counter.next(), id(1));
        assert_eq!(counter.next(), id(2));
        for _ in 3..9998 {
            counter.next();
        }
        assert_eq!(counter.next(), id(9998));
        assert_eq!(
            counter.next(),
            id(1),
            "wraps to 0001, skipping 9999 and 0000"
        );
        let mut counter = InvokeCounter::default();
        for _ in 0..30_000 {
            let n = counter.next().get();
            assert!((1..=9998).contains(&n), "{n} is outside 0001..=9998");
        }
    }

    #[test]
    fn encode_writes_header_then_payload() {
        let cases: &[(u16, &str, [u8; 8])] = &[
            (1, "<a/>", *b"\0\0\0\x0c0001"),
            (9999, "", *b"\0\0\0\x089999"),
            (42, "<x>\u{e9}</x>", *b"\0\0\0\x110042"), // length counts bytes, not chars
        ];
        for (n, xml, header) in cases {
            let bytes = frame(*n, xml);
            assert_eq!(bytes.get(..HEADER_LEN), Some(header.as_slice()), "{xml}");
            assert_eq!(bytes.get(HEADER_LEN..), Some(xml.as_bytes()));
            let digits = format!("{n:04}");
            assert_eq!(parts(&bytes), (digits.as_bytes(), xml.as_bytes()), "{xml}");
        }
        assert_eq!(parts(b"\0\0\0"), (&b""[..], &b""[..]));
    }

    #[test]
    fn encode_into_appends_and_leaves_buffer_alone_on_error() {
        let mut out = b"prefix".to_vec();
        encode_into(&mut out, id(3), b"<a/>").expect("small frame");
        assert_eq!(out, b"prefix\0\0\0\x0c0003<a/>");
        let too_big = vec![b'x'; MAX_FRAME];
        assert_eq!(
            encode_into(&mut out, id(3), &too_big),
            Err(FrameError::TooLarge(MAX_FRAME + HEADER_LEN))
        );
        assert_eq!(out, b"prefix\0\0\0\x0c0003<a/>");
    }

    #[test]
    fn encode_size_limit() {
        let cases: &[(usize, Result<usize, FrameError>)] = &[
            (0, Ok(8)),
            (MAX_FRAME - HEADER_LEN - 1, Ok(MAX_FRAME - 1)),
            (MAX_FRAME - HEADER_LEN, Ok(MAX_FRAME)),
            (
                MAX_FRAME - HEADER_LEN + 1,
                Err(FrameError::TooLarge(MAX_FRAME + 1)),
            ),
            (MAX_FRAME, Err(FrameError::TooLarge(MAX_FRAME + HEADER_LEN))),
        ];
        for (xml_len, want) in cases {
            let xml = vec![b'x'; *xml_len];
            let got = encode(id(1), &xml).map(|f| f.len());
            assert_eq!(&got, want, "xml of {xml_len} bytes");
        }
    }

    #[test]
    fn max_size_frame_round_trips() {
        let xml = vec![b'y'; MAX_FRAME - HEADER_LEN];
        let bytes = encode(id(9), &xml).expect("exactly MAX_FRAME");
        assert_eq!(bytes.get(2..4), Some([0xff, 0xff].as_slice()));
        let mut decoder = FrameDecoder::new();
        decoder.push(&bytes);
        let got = decoder.next_frame().expect("valid").expect("complete");
        assert_eq!(got.invoke_id, id(9));
        assert_eq!(got.xml.len(), MAX_FRAME - HEADER_LEN);
        assert_eq!(decoder.buffered(), 0);
    }

    #[test]
    fn split_at_every_byte_boundary() {
        let bytes = frame(77, "<MonitorStart><monitorObject/></MonitorStart>");
        for cut in 0..=bytes.len() {
            let (head, tail) = bytes.split_at(cut);
            let mut decoder = FrameDecoder::new();
            decoder.push(head);
            if cut < bytes.len() {
                assert_eq!(decoder.next_frame(), Ok(None), "cut at {cut}");
                assert_eq!(decoder.buffered(), cut);
            }
            decoder.push(tail);
            let got = decoder.next_frame().expect("valid").expect("complete");
            assert_eq!(
                encode(got.invoke_id, &got.xml).as_ref(),
                Ok(&bytes),
                "cut {cut}"
            );
            assert_eq!(decoder.next_frame(), Ok(None));
            assert_eq!(decoder.buffered(), 0);
        }
    }

    #[test]
    fn several_frames_in_any_chunking() {
        let frames: &[(u16, &str)] = &[
            (1, "<a/>"),
            (9999, "<DeliveredEvent/>"),
            (2, ""),
            (3, "<b>\u{20ac}</b>"),
            (9998, "<c/>"),
        ];
        let stream: Vec<u8> = frames.iter().flat_map(|(n, x)| frame(*n, x)).collect();
        for chunk in [1, 2, 3, 7, 8, 9, 64, stream.len()] {
            let mut decoder = FrameDecoder::new();
            let mut got = Vec::new();
            for piece in stream.chunks(chunk) {
                decoder.push(piece);
                got.extend(drain(&mut decoder));
            }
            let got: Vec<(u16, Vec<u8>)> = got
                .into_iter()
                .map(|f| (f.invoke_id.get(), f.xml))
                .collect();
            let want: Vec<(u16, Vec<u8>)> = frames
                .iter()
                .map(|(n, x)| (*n, x.as_bytes().to_vec()))
                .collect();
            assert_eq!(got, want, "chunk size {chunk}");
            assert_eq!(decoder.buffered(), 0);
        }
    }

    #[test]
    fn header_errors_and_incomplete_headers() {
        // Ok(Some(())) = a complete frame, Ok(None) = need more bytes.
        type Outcome = Result<Option<()>, FrameError>;
        let cases: &[(&[u8], Outcome)] = &[
            (b"", Ok(None)),
            (b"\0", Ok(None)),
            (b"\0\0", Ok(None)),
            (b"\0\0\0", Ok(None)),
            (b"\0\0\0\x08", Ok(None)),
            (b"\0\0\0\x0800", Ok(None)),
            (b"\0\0\0\x08000", Ok(None)),
            (b"\0\0\0\x0c0001<a/", Ok(None)),
            (b"\0\0\0\x080001", Ok(Some(()))),
            (b"\x01", Ok(None)),
            (b"\x01\0", Err(FrameError::BadFormat([1, 0]))),
            (b"\0\x01\0\x08", Err(FrameError::BadFormat([0, 1]))),
            (b"00\0\x0c0001<a/>", Err(FrameError::BadFormat(*b"00"))),
            (b"<?xml version", Err(FrameError::BadFormat(*b"<?"))),
            (b"GET / HTTP/1.1\r\n", Err(FrameError::BadFormat(*b"GE"))),
            (b"\0\0\0\0", Err(FrameError::BadLength(0))),
            (b"\0\0\0\x07", Err(FrameError::BadLength(7))),
            (b"\0\0\0\x070001", Err(FrameError::BadLength(7))),
            (b"\0\0\0\x08abcd", Err(FrameError::BadInvokeId(*b"abcd"))),
            (b"\0\0\0\x08 001", Err(FrameError::BadInvokeId(*b" 001"))),
            (
                b"\0\0\0\x08000x<a/>",
                Err(FrameError::BadInvokeId(*b"000x")),
            ),
            (b"\0\0\0\x08-001", Err(FrameError::BadInvokeId(*b"-001"))),
        ];
        for (input, want) in cases {
            let mut decoder = FrameDecoder::new();
            decoder.push(input);
            let got = decoder.next_frame().map(|f| f.map(|_| ()));
            assert_eq!(&got, want, "input {:?}", input.escape_ascii().to_string());
        }
    }

    #[test]
    fn header_only_frame_has_empty_payload() {
        let mut decoder = FrameDecoder::new();
        decoder.push(b"\0\0\0\x0812340\0");
        let got = decoder.next_frame().expect("valid").expect("complete");
        assert_eq!((got.invoke_id, got.xml.len()), (id(1234), 0));
        assert_eq!(decoder.buffered(), 2, "the next frame's first bytes stay");
    }

    #[test]
    fn error_after_good_frame_is_reported_on_the_next_call() {
        let mut stream = frame(5, "<ok/>");
        stream.extend_from_slice(b"\x30\x30\0\x0c0006<a/>");
        let mut decoder = FrameDecoder::new();
        decoder.push(&stream);
        let first = decoder.next_frame().expect("valid").expect("complete");
        assert_eq!(first.xml, b"<ok/>");
        assert_eq!(decoder.next_frame(), Err(FrameError::BadFormat(*b"00")));
    }

    #[test]
    fn buffer_stays_bounded_with_many_small_frames() {
        let one = frame(1, "<SystemStatusResponse/>");
        let mut decoder = FrameDecoder::new();
        // Each push ends with half a frame, so the buffer is never empty.
        let mut stream: Vec<u8> = Vec::new();
        for _ in 0..10_000 {
            stream.extend_from_slice(&one);
        }
        let mut seen = 0;
        for piece in stream.chunks(one.len() * 3 + one.len() / 2) {
            decoder.push(piece);
            seen += drain(&mut decoder).len();
            assert!(
                decoder.buf.len() <= one.len() * 8,
                "buffer grew to {}",
                decoder.buf.len()
            );
        }
        assert_eq!(seen, 10_000);
        assert_eq!(decoder.buffered(), 0);
    }

    #[test]
    fn sample_frame_decodes_to_its_xml() {
        let bin = std::fs::read(format!(
            "{SAMPLES}16-MonitorStart-ed4-no-declaration.frame.bin"
        ))
        .expect("sample frame");
        let xml = std::fs::read(format!("{SAMPLES}16-MonitorStart-ed4-no-declaration.xml"))
            .expect("sample");
        let mut decoder = FrameDecoder::new();
        decoder.push(&bin);
        let got = decoder.next_frame().expect("valid").expect("complete");
        assert_eq!(got.invoke_id, id(1));
        // The .xml file ends with a newline that the frame does not carry.
        assert_eq!(got.xml.as_slice(), xml.trim_ascii_end());
        assert_eq!(decoder.buffered(), 0);
        assert_eq!(
            encode(got.invoke_id, &got.xml),
            Ok(bin),
            "encode(decode(x)) == x"
        );
    }

    #[test]
    fn error_messages_name_the_problem() {
        let cases: &[(FrameError, &str)] = &[
            (FrameError::BadFormat(*b"00"), "30 30"),
            (FrameError::BadLength(3), "length 3"),
            (FrameError::BadInvokeId(*b"a\n01"), "a\\n01"),
            (FrameError::TooLarge(70000), "70000"),
        ];
        for (err, needle) in cases {
            let text = err.to_string();
            assert!(text.contains(needle), "{text:?} should contain {needle:?}");
        }
    }
}

#[cfg(test)]
mod hostile;
