//! ECMA-323 editions and their XML namespaces.
//!
//! Peers in the wild use editions 2 to 6. Edition 2 lived on the old
//! `www.ecma.ch` host; later editions use `www.ecma-international.org`. A
//! namespace may carry a vendor suffix (`.../ed3/priv2` for Avaya private
//! data, `.../ed6/short_tags`), which does not change the edition.
//!
//! Invariants: [`Edition::namespace`] always returns the canonical URI for
//! the edition (the one the server sends), and
//! `Edition::from_namespace(e.namespace()) == Some(e)` for every edition.

use std::fmt;

/// Namespace of ECMA-354 application session messages
/// (`StartApplicationSession` and friends).
pub const APPL_SESSION_NS: &str =
    "http://www.ecma-international.org/standards/ecma-354/appl_session";

/// Path shared by every ECMA-323 namespace, after the host.
const CSTA_PATH: &str = "/standards/ecma-323/csta/";

/// Hosts that have published ECMA-323 namespaces (ed2 on the first).
const HOSTS: [&str; 2] = ["www.ecma.ch", "www.ecma-international.org"];

/// An ECMA-323 edition, which selects the namespace of sent messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Edition {
    Ed2,
    Ed3,
    Ed4,
    Ed5,
    Ed6,
}

impl Edition {
    /// Every edition, oldest first.
    pub const ALL: [Edition; 5] = [
        Edition::Ed2,
        Edition::Ed3,
        Edition::Ed4,
        Edition::Ed5,
        Edition::Ed6,
    ];

    /// The canonical namespace URI of this edition.
    pub fn namespace(self) -> &'static str {
        match self {
            Edition::Ed2 => "http://www.ecma.ch/standards/ecma-323/csta/ed2",
            Edition::Ed3 => "http://www.ecma-international.org/standards/ecma-323/csta/ed3",
            Edition::Ed4 => "http://www.ecma-international.org/standards/ecma-323/csta/ed4",
            Edition::Ed5 => "http://www.ecma-international.org/standards/ecma-323/csta/ed5",
            Edition::Ed6 => "http://www.ecma-international.org/standards/ecma-323/csta/ed6",
        }
    }

    /// The edition of an ECMA-323 namespace URI, on either host, with or
    /// without a suffix such as `/priv2` or `/short_tags`. `None` for any
    /// other URI (including the ECMA-354 one).
    pub fn from_namespace(ns: &str) -> Option<Edition> {
        let rest = ns
            .strip_prefix("http://")
            .or_else(|| ns.strip_prefix("https://"))?;
        let rest = HOSTS
            .iter()
            .find_map(|host| rest.strip_prefix(host))?
            .strip_prefix(CSTA_PATH)?;
        // The edition is the first path segment; anything after it is a
        // vendor or conformance variant of the same schema.
        let segment = rest.split('/').next().unwrap_or_default();
        Edition::from_name(segment)
    }

    /// Parses `"ed2"` .. `"ed6"` (ASCII case-insensitive), as written in
    /// configuration.
    pub fn from_name(s: &str) -> Option<Edition> {
        Edition::ALL
            .into_iter()
            .find(|e| e.name().eq_ignore_ascii_case(s))
    }

    /// The short name, e.g. `"ed3"`.
    pub fn name(self) -> &'static str {
        match self {
            Edition::Ed2 => "ed2",
            Edition::Ed3 => "ed3",
            Edition::Ed4 => "ed4",
            Edition::Ed5 => "ed5",
            Edition::Ed6 => "ed6",
        }
    }
}

impl fmt::Display for Edition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_namespace_round_trips() {
        for e in Edition::ALL {
            assert_eq!(Edition::from_namespace(e.namespace()), Some(e), "{e}");
            assert_eq!(Edition::from_name(e.name()), Some(e));
            assert_eq!(e.to_string(), e.name());
            assert!(e.namespace().ends_with(e.name()));
        }
    }

    #[test]
    fn from_namespace_cases() {
        let cases: &[(&str, Option<Edition>)] = &[
            (
                "http://www.ecma.ch/standards/ecma-323/csta/ed2",
                Some(Edition::Ed2),
            ),
            (
                "http://www.ecma-international.org/standards/ecma-323/csta/ed2",
                Some(Edition::Ed2),
            ),
            (
                "http://www.ecma-international.org/standards/ecma-323/csta/ed2/priv1",
                Some(Edition::Ed2),
            ),
            (
                "http://www.ecma-international.org/standards/ecma-323/csta/ed3",
                Some(Edition::Ed3),
            ),
            (
                "http://www.ecma-international.org/standards/ecma-323/csta/ed3/priv2",
                Some(Edition::Ed3),
            ),
            (
                "http://www.ecma-international.org/standards/ecma-323/csta/ed3/priv7",
                Some(Edition::Ed3),
            ),
            (
                "http://www.ecma-international.org/standards/ecma-323/csta/ed4",
                Some(Edition::Ed4),
            ),
            (
                "http://www.ecma-international.org/standards/ecma-323/csta/ed4/",
                Some(Edition::Ed4),
            ),
            (
                "http://www.ecma-international.org/standards/ecma-323/csta/ed5",
                Some(Edition::Ed5),
            ),
            (
                "http://www.ecma-international.org/standards/ecma-323/csta/ed6",
                Some(Edition::Ed6),
            ),
            (
                "http://www.ecma-international.org/standards/ecma-323/csta/ed6/short_tags",
                Some(Edition::Ed6),
            ),
            (
                "https://www.ecma-international.org/standards/ecma-323/csta/ed6",
                Some(Edition::Ed6),
            ),
            (
                "http://www.ecma.ch/standards/ecma-323/csta/ed3",
                Some(Edition::Ed3),
            ),
            ("", None),
            (APPL_SESSION_NS, None),
            (
                "http://www.ecma-international.org/standards/ecma-323/csta/ed1",
                None,
            ),
            (
                "http://www.ecma-international.org/standards/ecma-323/csta/ed7",
                None,
            ),
            (
                "http://www.ecma-international.org/standards/ecma-323/csta/ed33",
                None,
            ),
            (
                "http://www.ecma-international.org/standards/ecma-323/csta/",
                None,
            ),
            (
                "http://www.ecma-international.org/standards/ecma-323/csta",
                None,
            ),
            (
                "http://www.ecma-international.org/standards/ecma-323/csta/ed3x",
                None,
            ),
            ("http://www.avaya.com/csta", None),
            ("http://www.siemens.com/schema/csta", None),
            ("http://schemas.xmlsoap.org/soap/envelope/", None),
            ("http://example.com/standards/ecma-323/csta/ed3", None),
            (
                "www.ecma-international.org/standards/ecma-323/csta/ed3",
                None,
            ),
            ("ed3", None),
        ];
        for (ns, want) in cases {
            assert_eq!(Edition::from_namespace(ns), *want, "{ns:?}");
        }
    }

    #[test]
    fn from_name_cases() {
        let cases: &[(&str, Option<Edition>)] = &[
            ("ed2", Some(Edition::Ed2)),
            ("ed3", Some(Edition::Ed3)),
            ("ed4", Some(Edition::Ed4)),
            ("ed5", Some(Edition::Ed5)),
            ("ed6", Some(Edition::Ed6)),
            ("ED3", Some(Edition::Ed3)),
            ("Ed6", Some(Edition::Ed6)),
            ("ed1", None),
            ("ed7", None),
            ("3", None),
            ("", None),
            (" ed3", None),
            ("ed3/priv2", None),
        ];
        for (name, want) in cases {
            assert_eq!(Edition::from_name(name), *want, "{name:?}");
        }
    }

    #[test]
    fn editions_have_distinct_namespaces_and_names() {
        for a in Edition::ALL {
            for b in Edition::ALL {
                assert_eq!(a == b, a.namespace() == b.namespace(), "{a} vs {b}");
                assert_eq!(a == b, a.name() == b.name(), "{a} vs {b}");
            }
        }
        assert_ne!(Edition::Ed2.namespace(), APPL_SESSION_NS);
    }
}
