//! Hostile-input testing (tests only): a seeded generator, mutators that
//! know what breaks XML, HTTP and framing code, a per-thread allocation
//! meter, and a runner that counts the cases and names a failing one.
//!
//! The property tests beside each protocol module (`hostile.rs`) use it:
//! every case must return a value or a typed error — a panic fails the test
//! with the case's seed, so it can be replayed — and the memory a case
//! allocates at its peak stays within a bound linear in its input (or, for
//! the streaming decoders, within their caps whatever the input length).
//!
//! Each test prints one line to stderr (not captured by the test harness):
//! `hostile: <target>: <N> cases, <a> accepted, <r> rejected (<kinds>),
//! peak <bytes>`. `BWCSTA_HOSTILE_CASES=<factor>` multiplies the default
//! counts for a longer run.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The seeded generator of the test tools (SplitMix64,
/// `bwcsta_integration::rng`) with what hostile inputs need on top.
pub struct Rng(bwcsta_integration::rng::Rng);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(bwcsta_integration::rng::Rng::new(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.0.below(n)
    }

    /// True once in `n` draws.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.0.one_in(n)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }

    /// Random bytes of a random length up to `max` (see [`Rng::len`]).
    pub fn junk(&mut self, max: usize) -> Vec<u8> {
        let n = self.len(max);
        self.bytes(n)
    }

    /// A length that is usually small and sometimes large (up to `max`).
    pub fn len(&mut self, max: usize) -> usize {
        match self.below(10) {
            0..=5 => self.below(16.min(max + 1)),
            6..=8 => self.below(256.min(max + 1)),
            _ => self.below(max + 1),
        }
    }

    /// `data` cut into random pieces (each at least one byte).
    pub fn split<'a>(&mut self, data: &'a [u8]) -> Vec<&'a [u8]> {
        let mut out = Vec::new();
        let mut rest = data;
        while !rest.is_empty() {
            let n = 1 + self.len(rest.len() - 1);
            let (a, b) = rest.split_at(n.min(rest.len()));
            out.push(a);
            rest = b;
        }
        out
    }
}

/// The `.xml` files of `integration/data/<dir>`: valid inputs to start
/// mutations from.
pub fn corpus(dir: &str) -> Vec<Vec<u8>> {
    let path = format!("{}/integration/data/{dir}", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect()
}

/// Fragments that make parsers and tokenizers take unusual paths.
pub const TOKENS: &[&[u8]] = &[
    b"<",
    b">",
    b"</",
    b"/>",
    b"<?",
    b"?>",
    b"<!--",
    b"-->",
    b"<![CDATA[",
    b"]]>",
    b"<!DOCTYPE x [<!ENTITY e \"&#x26;#60;\">]>",
    b"&",
    b"&amp;",
    b"&#0;",
    b"&#x110000;",
    b"&#xD800;",
    b"&lt;",
    b"&unknown;",
    b"\"",
    b"'",
    b"=",
    b" xmlns=\"urn:x\"",
    b" xmlns:p=\"\"",
    b"p:",
    b":",
    b"\x00",
    b"\xff\xfe",
    b"\xc3\x28",
    b"\xef\xbf\xbf",
    b"\xed\xa0\x80",
    b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
    b"<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
    b"99999999999999999999",
    b"-1",
    b"\r\n",
    b"\n",
    b"\r",
    b"\t",
    b"0\r\n\r\n",
    b"ffffffffffffffff\r\n",
    b";ext=1",
    b"Transfer-Encoding: chunked\r\n",
    b"Content-Length: 18446744073709551616\r\n",
    b"HTTP/1.1 200 OK\r\n",
    b"\x00\x00\xff\xff0001",
    b"\x00\x00\x00\x07",
];

/// Applies one to eight random edits to `data`, some of them borrowing
/// pieces of `pool` (other valid inputs) or [`TOKENS`].
pub fn mutate(rng: &mut Rng, data: &mut Vec<u8>, pool: &[Vec<u8>]) {
    let edits = if rng.one_in(2) { 1 } else { 1 + rng.below(8) };
    for _ in 0..edits {
        let at = rng.below(data.len() + 1);
        match rng.below(11) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] = rng.next_u64() as u8;
            }
            2 => {
                let token = rng.pick(TOKENS);
                data.splice(at..at, token.iter().copied());
            }
            3 => {
                let n = rng.len(64);
                let bytes = rng.bytes(n);
                data.splice(at..at, bytes);
            }
            4 => {
                let end = (at + rng.len(64)).min(data.len());
                data.drain(at..end);
            }
            5 => {
                let end = (at + rng.len(256)).min(data.len());
                let copy = data[at..end].to_vec();
                for _ in 0..1 + rng.below(4) {
                    data.splice(at..at, copy.iter().copied());
                }
            }
            6 => data.truncate(at),
            7 if !pool.is_empty() => {
                let other = rng.pick(pool);
                let from = rng.below(other.len() + 1);
                let end = (from + rng.len(other.len())).min(other.len());
                data.splice(at..at, other[from..end].iter().copied());
            }
            8 => {
                // Nesting or repetition far beyond what real traffic has.
                const REPEATED: [&[u8]; 4] = [b"<a>", b"<a b=\"1\" ", b" c=\"2\"", b"&amp;"];
                let token = *rng.pick(&REPEATED);
                let n = 1 + rng.len(4000);
                let blob: Vec<u8> = token
                    .iter()
                    .copied()
                    .cycle()
                    .take(token.len() * n)
                    .collect();
                data.splice(at..at, blob);
            }
            9 if !data.is_empty() => {
                // Swap two regions.
                let a = rng.below(data.len());
                let b = rng.below(data.len());
                data.swap(a, b);
            }
            _ => {
                let token = rng.pick(TOKENS);
                let end = (at + token.len()).min(data.len());
                data.splice(at..end, token.iter().copied());
            }
        }
    }
}

/// Default case count scaled by `BWCSTA_HOSTILE_CASES`.
pub fn cases(default: usize) -> usize {
    let factor = std::env::var("BWCSTA_HOSTILE_CASES")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1);
    default * factor.max(1)
}

/// What one case ended with.
pub enum Verdict {
    Accepted,
    /// A typed error; the label names its kind (the variant).
    Rejected(String),
}

/// The variant name of an error's `Debug` form (`TooLarge { limit: 3 }` →
/// `TooLarge`).
pub fn kind_of(error: &impl std::fmt::Debug) -> String {
    let text = format!("{error:?}");
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    text[..end].to_owned()
}

/// What one case did: its verdict, the size of its input and the most
/// bytes the code under test held allocated at once.
pub struct Outcome {
    pub verdict: Verdict,
    pub size: usize,
    pub peak: usize,
}

/// Runs `f` (the code under test, on an input of `size` bytes) under the
/// meter; an `Err` is a typed rejection named by its variant.
pub fn outcome<T, E: std::fmt::Debug>(size: usize, f: impl FnOnce() -> Result<T, E>) -> Outcome {
    metered(size, f).0
}

/// Like [`outcome`], and hands back the result too, so a case that checks
/// what the code under test returned runs it once.
pub fn metered<T, E: std::fmt::Debug>(
    size: usize,
    f: impl FnOnce() -> Result<T, E>,
) -> (Outcome, Result<T, E>) {
    let (result, peak) = measure(f);
    let verdict = match &result {
        Ok(_) => Verdict::Accepted,
        Err(e) => Verdict::Rejected(kind_of(e)),
    };
    let outcome = Outcome {
        verdict,
        size,
        peak,
    };
    (outcome, result)
}

/// Runs `n` cases of `case`, each with its own seed derived from `seed`.
/// A case whose code under test allocated more than `bound(size)` at its
/// peak fails, as does a panic (the message names the case's seed).
/// Prints the summary line and returns the counts by verdict.
pub fn run(
    target: &str,
    n: usize,
    seed: u64,
    bound: impl Fn(usize) -> usize,
    mut case: impl FnMut(&mut Rng) -> Outcome,
) -> BTreeMap<String, usize> {
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut peak_seen = 0;
    let mut master = Rng::new(seed);
    for i in 0..n {
        let case_seed = master.next_u64();
        let mut rng = Rng::new(case_seed);
        let outcome = match catch_unwind(AssertUnwindSafe(|| case(&mut rng))) {
            Ok(outcome) => outcome,
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                panic!("{target}: case {i} (seed {case_seed:#x}) panicked: {msg}");
            }
        };
        let limit = bound(outcome.size);
        assert!(
            outcome.peak <= limit,
            "{target}: case {i} (seed {case_seed:#x}) allocated {} bytes at its peak \
             for a {}-byte input (bound {limit})",
            outcome.peak,
            outcome.size
        );
        peak_seen = peak_seen.max(outcome.peak);
        let label = match outcome.verdict {
            Verdict::Accepted => "accepted".to_owned(),
            Verdict::Rejected(kind) => kind,
        };
        *kinds.entry(label).or_default() += 1;
    }
    report(target, n, &kinds, peak_seen);
    kinds
}

/// The summary line, written past the test harness's output capture.
pub fn report(target: &str, n: usize, kinds: &BTreeMap<String, usize>, peak: usize) {
    let accepted = kinds.get("accepted").copied().unwrap_or(0);
    let rejected: Vec<String> = kinds
        .iter()
        .filter(|(k, _)| k.as_str() != "accepted")
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let line = format!(
        "hostile: {target}: {n} cases, {accepted} accepted, {} rejected with a typed error ({}), \
         no panic, peak allocation {peak} bytes\n",
        n - accepted,
        rejected.join(", ")
    );
    let _ = std::io::stderr().write_all(line.as_bytes());
}

// --- the allocation meter ------------------------------------------------

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

/// Counts the bytes each thread has allocated and not freed, and their
/// peak, so a test can bound what parsing one input costs.
pub struct Meter;

fn account(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| {
            if now > peak.get() {
                peak.set(now);
            }
        });
    });
}

// SAFETY: every call is forwarded to the system allocator unchanged; the
// accounting only touches const-initialised thread-locals without
// destructors, which never allocate.
unsafe impl GlobalAlloc for Meter {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            account(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            account(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        account(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            account(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static METER: Meter = Meter;

/// Runs `f` and returns its result with the most bytes it held allocated
/// at once on this thread (beyond what was allocated before).
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    let peak = PEAK.with(Cell::get);
    (out, (peak - base).max(0) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_meter_sees_allocations() {
        let (v, peak) = measure(|| vec![0u8; 100_000]);
        assert!(peak >= 100_000, "{peak}");
        drop(v);
        let (_, peak) = measure(|| {
            let a = vec![0u8; 10_000];
            drop(a);
            let b = vec![0u8; 10_000];
            drop(b);
        });
        assert!((10_000..20_000).contains(&peak), "{peak}");
    }

    #[test]
    fn the_generator_is_seeded() {
        let a: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let mut r = Rng::new(7);
        assert_eq!(a, (0..5).map(|_| r.next_u64()).collect::<Vec<_>>());
        let mut r = Rng::new(1);
        let data = r.bytes(1000);
        let parts = r.split(&data);
        assert_eq!(parts.concat(), data);
        assert!(parts.iter().all(|p| !p.is_empty()));
    }

    #[test]
    fn a_panicking_case_names_its_seed() {
        let result = catch_unwind(|| {
            run(
                "probe",
                3,
                1,
                |_| usize::MAX,
                |_| -> Outcome { panic!("boom") },
            );
        });
        let msg = *result.unwrap_err().downcast::<String>().unwrap();
        assert!(
            msg.contains("probe: case 0 (seed 0x") && msg.contains("boom"),
            "{msg}"
        );
    }
}
