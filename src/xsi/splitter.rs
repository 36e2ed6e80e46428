//! Sans-IO splitter that cuts the de-chunked Xsi-Events channel stream into
//! complete XML documents.
//!
//! The event channel is one endless HTTP body holding a sequence of XML
//! documents (`<Channel>`, `<ChannelHeartBeat/>`, `<xsi:Event>` …). BroadWorks
//! writes one document per chunk today, but nothing guarantees it: a document
//! may span several reads and one read may carry several documents, so we cut
//! on document boundaries, never on chunk or read boundaries.
//!
//! The splitter is a small XML *tokenizer*, not a parser: it only tracks what
//! is needed to find the end of the top-level element (tags, their quoted
//! attribute values, comments, processing instructions, CDATA sections and
//! DOCTYPE declarations). Well-formedness is left to the real parser that
//! receives each document.
//!
//! Invariants:
//! - `start <= doc_start <= scan <= buf.len()` (when a document has begun):
//!   bytes before `start` are consumed, bytes from `scan` on are not yet
//!   tokenized. The tokenizer state survives between pushes, so each byte is
//!   examined once (apart from a short look-behind at terminators), whatever
//!   the push sizes.
//! - A returned document starts at the first `<` of its prolog (leading
//!   whitespace between documents is dropped) and ends with the `>` that closes
//!   its root element.
//! - No document longer than `max_doc` bytes is ever returned or buffered
//!   beyond `max_doc` plus one push; after an error the splitter is broken and
//!   returns that error forever.

use std::fmt;

/// Why the stream cannot be split any further. After either error the
/// stream is out of sync and the connection has to be dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitError {
    /// A document grew beyond the configured limit.
    TooLarge {
        /// The per-document limit in bytes.
        limit: usize,
    },
    /// A non-whitespace byte outside any element (text before or between
    /// documents, a stray end tag, CDATA outside the root).
    Garbage(u8),
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitError::TooLarge { limit } => {
                write!(f, "XML document on the event stream exceeds {limit} bytes")
            }
            SplitError::Garbage(byte) => write!(
                f,
                "unexpected byte 0x{byte:02x} outside any XML element on the event stream"
            ),
        }
    }
}

impl std::error::Error for SplitError {}

/// Where the tokenizer is. Positions are absolute indices into `buf`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Outside the root element: before it (prolog) or between documents.
    /// Only whitespace and markup may appear.
    Outside,
    /// Inside the root element, in character data: looking for the next `<`.
    Content,
    /// Saw `<` at `at`; waiting for enough bytes to know what markup it opens.
    Open { at: usize },
    /// Inside a start tag (or an empty-element tag). `quote` is the open
    /// attribute-value quote, or 0 outside a value.
    StartTag { quote: u8 },
    /// Inside an end tag, looking for `>`.
    EndTag,
    /// Processing instruction whose target starts at `body`: ends at `?>`.
    Pi { body: usize },
    /// Comment whose text starts at `body`: ends at `-->`.
    Comment { body: usize },
    /// CDATA section whose text starts at `body`: ends at `]]>`.
    CData { body: usize },
    /// `<!DOCTYPE …>` or another `<!` declaration: ends at the first `>`
    /// outside quotes and outside the `[ … ]` internal subset.
    Decl { quote: u8, brackets: u32 },
}

/// Result of one tokenizer step.
enum Step {
    /// Keep going with the bytes that are left.
    Continue,
    /// The buffer is exhausted; wait for the next push.
    NeedMore,
    /// The root element closed; the document ends just before this index.
    Complete(usize),
}

/// Splits a byte stream into complete XML documents (see the module doc).
pub struct DocSplitter {
    buf: Vec<u8>,
    /// First byte not yet handed out or discarded.
    start: usize,
    /// First byte not yet tokenized.
    scan: usize,
    /// First byte of the document being assembled, once its first `<` is seen.
    doc_start: Option<usize>,
    mode: Mode,
    /// Open elements of the current document.
    depth: usize,
    max_doc: usize,
    broken: Option<SplitError>,
}

/// Sizes and state only: the buffer may hold a large partial document.
impl fmt::Debug for DocSplitter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DocSplitter")
            .field("buffered", &self.buffered())
            .field("mode", &self.mode)
            .field("depth", &self.depth)
            .field("max_doc", &self.max_doc)
            .field("broken", &self.broken)
            .finish()
    }
}

const COMMENT_OPEN: &[u8] = b"<!--";
const CDATA_OPEN: &[u8] = b"<![CDATA[";

impl DocSplitter {
    /// A splitter that rejects documents longer than `max_doc` bytes.
    pub fn new(max_doc: usize) -> Self {
        DocSplitter {
            buf: Vec::new(),
            start: 0,
            scan: 0,
            doc_start: None,
            mode: Mode::Outside,
            depth: 0,
            max_doc,
            broken: None,
        }
    }

    /// Appends bytes read from the stream. Call [`next_doc`](Self::next_doc)
    /// until it returns `Ok(None)` after every push, otherwise the buffer
    /// grows with the pushes.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.broken.is_some() {
            return;
        }
        self.compact();
        self.buf.extend_from_slice(bytes);
    }

    /// Returns the next complete document, `Ok(None)` when more bytes are
    /// needed, or the error that broke the stream.
    pub fn next_doc(&mut self) -> Result<Option<Vec<u8>>, SplitError> {
        if let Some(err) = self.broken {
            return Err(err);
        }
        match self.run() {
            Ok(Some(end)) => self.take_doc(end),
            Ok(None) => self.check_pending_size().map(|()| None),
            Err(err) => Err(self.fail(err)),
        }
    }

    /// Bytes pushed but not yet returned in a document (partial document and
    /// not-yet-skipped whitespace).
    pub fn buffered(&self) -> usize {
        self.buf.len().saturating_sub(self.start)
    }

    fn fail(&mut self, err: SplitError) -> SplitError {
        self.broken = Some(err);
        // The rest of the stream is meaningless now; free the memory.
        self.buf = Vec::new();
        self.start = 0;
        self.scan = 0;
        self.doc_start = None;
        err
    }

    /// Cuts the finished document `doc_start..end` and resets for the next.
    fn take_doc(&mut self, end: usize) -> Result<Option<Vec<u8>>, SplitError> {
        let begin = self.doc_start.take().unwrap_or(self.start);
        if end.saturating_sub(begin) > self.max_doc {
            return Err(self.fail(SplitError::TooLarge {
                limit: self.max_doc,
            }));
        }
        let doc = self.buf.get(begin..end).map(<[u8]>::to_vec);
        self.start = end;
        self.scan = end;
        self.mode = Mode::Outside;
        self.depth = 0;
        // `begin..end` lies inside the buffer by the module invariants; an
        // empty result would mean a bug, reported as "need more" rather than
        // a panic.
        Ok(doc)
    }

    /// A document still being assembled must not outgrow the limit.
    fn check_pending_size(&mut self) -> Result<(), SplitError> {
        match self.doc_start {
            Some(begin) if self.buf.len().saturating_sub(begin) > self.max_doc => {
                Err(self.fail(SplitError::TooLarge {
                    limit: self.max_doc,
                }))
            }
            _ => Ok(()),
        }
    }

    /// Drops consumed bytes from the front of the buffer. Done lazily (only
    /// when at least half the buffer is dead) so the copying stays amortised
    /// O(1) per byte.
    fn compact(&mut self) {
        if self.start == 0 {
            return;
        }
        if self.start >= self.buf.len() {
            self.buf.clear();
        } else if self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
        } else {
            return;
        }
        let shift = self.start;
        self.start = 0;
        self.scan = self.scan.saturating_sub(shift);
        self.doc_start = self.doc_start.map(|p| p.saturating_sub(shift));
        self.mode = match self.mode {
            Mode::Open { at } => Mode::Open {
                at: at.saturating_sub(shift),
            },
            Mode::Pi { body } => Mode::Pi {
                body: body.saturating_sub(shift),
            },
            Mode::Comment { body } => Mode::Comment {
                body: body.saturating_sub(shift),
            },
            Mode::CData { body } => Mode::CData {
                body: body.saturating_sub(shift),
            },
            other => other,
        };
    }

    /// Runs the tokenizer over the unscanned bytes until a document completes
    /// or the buffer runs out.
    fn run(&mut self) -> Result<Option<usize>, SplitError> {
        loop {
            let step = match self.mode {
                Mode::Outside => self.step_outside()?,
                Mode::Content => self.step_content(),
                Mode::Open { at } => self.step_open(at)?,
                Mode::StartTag { quote } => self.step_start_tag(quote),
                Mode::EndTag => self.step_end_tag(),
                Mode::Pi { body } => self.step_terminated(b"?>", body),
                Mode::Comment { body } => self.step_terminated(b"-->", body),
                Mode::CData { body } => self.step_terminated(b"]]>", body),
                Mode::Decl { quote, brackets } => self.step_decl(quote, brackets),
            };
            match step {
                Step::Continue => {}
                Step::NeedMore => return Ok(None),
                Step::Complete(end) => return Ok(Some(end)),
            }
        }
    }

    fn unscanned(&self) -> &[u8] {
        self.buf.get(self.scan..).unwrap_or(&[])
    }

    /// Prolog or between documents: skip whitespace, anything else must be `<`.
    fn step_outside(&mut self) -> Result<Step, SplitError> {
        let Some(offset) = self.unscanned().iter().position(|b| !is_xml_space(*b)) else {
            self.scan = self.buf.len();
            if self.doc_start.is_none() {
                // Whitespace between documents belongs to nobody: drop it.
                self.start = self.scan;
            }
            return Ok(Step::NeedMore);
        };
        let at = self.scan + offset;
        match self.buf.get(at) {
            Some(b'<') => {
                if self.doc_start.is_none() {
                    self.doc_start = Some(at);
                    self.start = at;
                }
                self.mode = Mode::Open { at };
                self.scan = at + 1;
                Ok(Step::Continue)
            }
            Some(other) => Err(SplitError::Garbage(*other)),
            None => Ok(Step::NeedMore),
        }
    }

    /// Character data inside the root: jump to the next `<`.
    fn step_content(&mut self) -> Step {
        match find_any(self.unscanned(), [b'<'; 3]) {
            Some(offset) => {
                let at = self.scan + offset;
                self.mode = Mode::Open { at };
                self.scan = at + 1;
                Step::Continue
            }
            None => {
                self.scan = self.buf.len();
                Step::NeedMore
            }
        }
    }

    /// Decides what the `<` at `at` opens. `<!--` and `<![CDATA[` need up to
    /// nine bytes of look-ahead, which may not have arrived yet.
    fn step_open(&mut self, at: usize) -> Result<Step, SplitError> {
        let head = self.buf.get(at..).unwrap_or(&[]);
        let Some(&second) = head.get(1) else {
            return Ok(Step::NeedMore);
        };
        let outside = self.depth == 0;
        self.mode = match second {
            b'?' => Mode::Pi { body: at + 2 },
            b'/' if outside => return Err(SplitError::Garbage(b'/')),
            b'/' => Mode::EndTag,
            b'!' => match classify_bang(head) {
                None => return Ok(Step::NeedMore),
                Some(Bang::Comment) => Mode::Comment {
                    body: at + COMMENT_OPEN.len(),
                },
                Some(Bang::CData) if outside => return Err(SplitError::Garbage(b'!')),
                Some(Bang::CData) => Mode::CData {
                    body: at + CDATA_OPEN.len(),
                },
                Some(Bang::Decl) => Mode::Decl {
                    quote: 0,
                    brackets: 0,
                },
            },
            _ => Mode::StartTag { quote: 0 },
        };
        self.scan = at + 2;
        Ok(Step::Continue)
    }

    /// Start tag: find the `>` that is not inside a quoted attribute value.
    fn step_start_tag(&mut self, mut quote: u8) -> Step {
        let rest = self.unscanned();
        let mut found = None;
        let mut from = 0;
        while let Some(tail) = rest.get(from..) {
            if quote != 0 {
                match find_any(tail, [quote; 3]) {
                    Some(offset) => {
                        quote = 0;
                        from += offset + 1;
                    }
                    None => break,
                }
                continue;
            }
            match find_any(tail, [b'"', b'\'', b'>']) {
                Some(offset) if tail[offset] == b'>' => {
                    found = Some(from + offset);
                    break;
                }
                Some(offset) => {
                    quote = tail[offset];
                    from += offset + 1;
                }
                None => break,
            }
        }
        let Some(offset) = found else {
            self.scan = self.buf.len();
            self.mode = Mode::StartTag { quote };
            return Step::NeedMore;
        };
        let gt = self.scan + offset;
        self.scan = gt + 1;
        // `/>` ends an empty element; the `/` cannot be inside a quote
        // because the quote would have to close right before the `>`.
        let empty = gt > 0 && self.buf.get(gt - 1) == Some(&b'/');
        if empty {
            self.after_markup(true)
        } else {
            self.depth += 1;
            self.mode = Mode::Content;
            Step::Continue
        }
    }

    /// End tag: no quotes possible, the first `>` closes it.
    fn step_end_tag(&mut self) -> Step {
        match find_any(self.unscanned(), [b'>'; 3]) {
            Some(offset) => {
                self.scan += offset + 1;
                self.depth = self.depth.saturating_sub(1);
                self.after_markup(true)
            }
            None => {
                self.scan = self.buf.len();
                Step::NeedMore
            }
        }
    }

    /// Comment, PI or CDATA: ends at `terminator`, whose last byte is `>`.
    /// The terminator must lie entirely after `body` (so `<!-->` is not a
    /// whole comment). Only `>` is searched for; the look-behind reaches
    /// bytes that stay buffered because they belong to the current document.
    fn step_terminated(&mut self, terminator: &[u8], body: usize) -> Step {
        let lead = terminator.len() - 1;
        loop {
            let Some(offset) = find_any(self.unscanned(), [b'>'; 3]) else {
                self.scan = self.buf.len();
                return Step::NeedMore;
            };
            let gt = self.scan + offset;
            self.scan = gt + 1;
            let closes = gt >= body + lead
                && self
                    .buf
                    .get(gt - lead..=gt)
                    .is_some_and(|t| t == terminator);
            if closes {
                return self.after_markup(false);
            }
        }
    }

    /// `<!DOCTYPE …>`: quotes and the internal subset may contain `>`.
    fn step_decl(&mut self, mut quote: u8, mut brackets: u32) -> Step {
        let rest = self.unscanned();
        let mut found = None;
        for (offset, &b) in rest.iter().enumerate() {
            if quote != 0 {
                if b == quote {
                    quote = 0;
                }
                continue;
            }
            match b {
                b'"' | b'\'' => quote = b,
                b'[' => brackets += 1,
                b']' => brackets = brackets.saturating_sub(1),
                b'>' if brackets == 0 => {
                    found = Some(offset);
                    break;
                }
                _ => {}
            }
        }
        match found {
            Some(offset) => {
                self.scan += offset + 1;
                self.after_markup(false)
            }
            None => {
                self.scan = self.buf.len();
                self.mode = Mode::Decl { quote, brackets };
                Step::NeedMore
            }
        }
    }

    /// After a piece of markup closed: back to content, or the document is
    /// complete when `element` (a tag, not a comment, PI or declaration)
    /// closed at depth 0, i.e. the root element just ended.
    fn after_markup(&mut self, element: bool) -> Step {
        if self.depth > 0 {
            self.mode = Mode::Content;
            return Step::Continue;
        }
        self.mode = Mode::Outside;
        if element {
            Step::Complete(self.scan)
        } else {
            Step::Continue
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bang {
    Comment,
    CData,
    Decl,
}

/// Index of the first byte of `hay` equal to one of `needles` (repeat a
/// needle to look for fewer). The tokenizer spends its time here: this looks
/// at eight bytes per step (SWAR: a byte of `w ^ needle×0x01…01` is zero
/// where `w` holds the needle; the lowest flagged byte is exact).
fn find_any(hay: &[u8], needles: [u8; 3]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let zero_bytes = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let spread = needles.map(|n| LO * u64::from(n));
    let mut chunks = hay.chunks_exact(8);
    for (i, chunk) in chunks.by_ref().enumerate() {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        let w = u64::from_le_bytes(bytes);
        let hits =
            zero_bytes(w ^ spread[0]) | zero_bytes(w ^ spread[1]) | zero_bytes(w ^ spread[2]);
        if hits != 0 {
            return Some(i * 8 + (hits.trailing_zeros() / 8) as usize);
        }
    }
    let done = hay.len() - chunks.remainder().len();
    chunks
        .remainder()
        .iter()
        .position(|b| needles.contains(b))
        .map(|p| done + p)
}

/// Classifies markup starting with `<!`, or `None` when the bytes so far
/// are a proper prefix of `<!--` or `<![CDATA[` and more must arrive.
fn classify_bang(head: &[u8]) -> Option<Bang> {
    if head.starts_with(COMMENT_OPEN) {
        return Some(Bang::Comment);
    }
    if head.starts_with(CDATA_OPEN) {
        return Some(Bang::CData);
    }
    let is_prefix_of = |open: &[u8]| head.len() < open.len() && open.starts_with(head);
    if is_prefix_of(COMMENT_OPEN) || is_prefix_of(CDATA_OPEN) {
        return None;
    }
    Some(Bang::Decl)
}

/// XML `S` production: space, tab, CR, LF.
fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod hostile;
