//! UUID-like identifiers for channels, subscriptions and events.
//!
//! Every id is 128 bits: a random per-process half and a bijective mix of a counter, so ids never
//! repeat within a process and look random. Event ids are parsed back into the 128-bit key
//! ([`parse`]), which keeps the unacknowledged-event map free of string hashing.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// Generator of unique UUID-shaped ids.
pub(crate) struct IdGen {
    seed_hi: u64,
    seed_lo: u64,
    counter: AtomicU64,
}

fn random_u64() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(std::process::id() as u64);
    h.finish()
}

/// SplitMix64 finaliser: a bijection on u64.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const MASK62: u64 = (1 << 62) - 1;

/// A bijection on 62-bit values (xor-shifts and odd multipliers modulo 2^62), so that the
/// two UUID variant bits can be set without losing uniqueness.
fn mix62(mut z: u64) -> u64 {
    z &= MASK62;
    z = (z ^ (z >> 31)).wrapping_mul(0xbf58_476d_1ce4_e5b9) & MASK62;
    z = (z ^ (z >> 29)).wrapping_mul(0x94d0_49bb_1331_11eb) & MASK62;
    z ^ (z >> 32)
}

impl IdGen {
    pub(crate) fn new() -> IdGen {
        IdGen {
            seed_hi: random_u64(),
            seed_lo: random_u64(),
            counter: AtomicU64::new(1),
        }
    }

    /// A fresh id: its 128-bit key and its text form.
    pub(crate) fn next(&self) -> (u128, String) {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        // Version 4 in the random half; the unique half is a bijection of the counter (62 bits
        // of it, below the RFC 4122 variant bits `10`).
        let hi = (mix(self.seed_hi ^ n.rotate_left(17)) & !0xf000) | 0x4000;
        let lo = 0b10 << 62 | mix62(n ^ self.seed_lo);
        let key = (hi as u128) << 64 | lo as u128;
        (key, format_uuid(key))
    }

    /// A fresh id's text form.
    pub(crate) fn text(&self) -> String {
        self.next().1
    }
}

/// `8-4-4-4-12` lower-case hex.
pub(crate) fn format_uuid(key: u128) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for i in 0..32 {
        if matches!(i, 8 | 12 | 16 | 20) {
            out.push('-');
        }
        out.push(HEX[(key >> (124 - 4 * i) & 15) as usize] as char);
    }
    out
}

/// The key of an id produced by [`IdGen`]; `None` for anything else.
pub(crate) fn parse(text: &str) -> Option<u128> {
    let text = text.trim();
    if text.len() != 36 {
        return None;
    }
    let mut key: u128 = 0;
    for (i, b) in text.bytes().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if b != b'-' {
                return None;
            }
            continue;
        }
        key = key << 4 | (b as char).to_digit(16)? as u128;
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_parse_back() {
        let ids = IdGen::new();
        let mut seen = HashSet::new();
        for _ in 0..10_000 {
            let (key, text) = ids.next();
            assert_eq!(text.len(), 36);
            assert_eq!(&text[14..15], "4", "{text}");
            assert!(matches!(&text[19..20], "8" | "9" | "a" | "b"), "{text}");
            assert_eq!(parse(&text), Some(key));
            assert!(seen.insert(key));
        }
        for bad in [
            "",
            "x",
            "0123456789abcdef0123456789abcdef0123",
            "g1234567-1234-1234-1234-123456789012",
            "+1234567-1234-1234-1234-123456789012",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
