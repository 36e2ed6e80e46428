//! Whole documents: well-formedness, encodings, shape limits, error text.

use super::*;
use crate::xml::shape::{MAX_ATTRIBUTES, MAX_DEPTH};

/// The error of a document beyond the shape limits.
fn too_complex(what: &str, limit: usize) -> ParseError {
    ParseError::NotWellFormed(format!("more than {limit} {what}"))
}

#[test]
fn not_well_formed_or_badly_encoded() {
    let cases: &[&[u8]] = &[
        b"",
        b"   \n",
        b"<?xml version=\"1.0\"?>",
        b"plain text",
        b"<MonitorStart>",
        b"<MonitorStart></MonitorStop>",
        b"<a/><b/>",
        b"<<",
        b"<a>x</a>trailing",
        b"<p:MonitorStart/>",
        b"<a>&nbsp;</a>",
        b"<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
        b"<a attr=noquotes/>",
        b"\0\0\0\x0c0001<a/>",
    ];
    for input in cases {
        let got = parse(input);
        assert!(
            matches!(got, Err(ParseError::NotWellFormed(_))),
            "{:?} gave {got:?}",
            input.escape_ascii().to_string()
        );
    }
}

#[test]
fn encodings() {
    const UTF8: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
    const LATIN1: &[u8] = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>";
    const LATIN1_ALIAS: &[u8] = b"<?xml version='1.0' encoding='latin1'?>";
    const LATIN1_SPACED: &[u8] = b"<?xml version=\"1.0\" encoding = \"iso-8859-1\" ?>";
    const CP1252: &[u8] = b"<?xml version=\"1.0\" encoding=\"windows-1252\"?>";
    /// Bytes before the document, raw bytes of the device id, and the
    /// device id expected back or text the encoding error must contain.
    type Case = (
        &'static [u8],
        &'static [u8],
        Result<&'static str, &'static str>,
    );
    let cases: &[Case] = &[
        (b"", b"caf\xc3\xa9", Ok("caf\u{e9}")),
        (UTF8, b"caf\xc3\xa9", Ok("caf\u{e9}")),
        (b"\xef\xbb\xbf", b"bom", Ok("bom")),
        (LATIN1, b"caf\xe9", Ok("caf\u{e9}")),
        (LATIN1, b"ascii", Ok("ascii")),
        (LATIN1_ALIAS, b"\xc3\xa9", Ok("\u{c3}\u{a9}")), // declared latin-1 wins
        (LATIN1_SPACED, b"\xff", Ok("\u{ff}")),
        (UTF8, b"caf\xe9", Err("invalid UTF-8 at byte 73")),
        (b"", b"caf\xe9", Err("invalid UTF-8 at byte 35")),
        (CP1252, b"\x80", Err("\"windows-1252\" is not supported")),
        (b"\xff\xfe", b"utf-16 bom", Err("invalid UTF-8 at byte 0")),
    ];
    for (prefix, device, want) in cases {
        let mut input = prefix.to_vec();
        input.extend_from_slice(b"<SnapshotDevice><snapshotObject>");
        input.extend_from_slice(device);
        input.extend_from_slice(b"</snapshotObject></SnapshotDevice>");
        let label = input.escape_ascii().to_string();
        match (parse(&input).map(|i| i.message), want) {
            (Ok(Message::SnapshotDevice { device }), Ok(want)) => {
                assert_eq!(device, *want, "{label}");
            }
            (Err(ParseError::Encoding(detail)), Err(needle)) => {
                assert!(detail.contains(needle), "{label}: {detail}");
            }
            (got, want) => panic!("{label}: got {got:?}, want {want:?}"),
        }
    }
}

/// `depth` nested `<x>` elements (plus the root) before the cross ref.
fn nested_monitor_stop(depth: usize) -> String {
    let body = format!("{}{}", "<x>".repeat(depth), "</x>".repeat(depth));
    doc(
        "MonitorStop",
        &format!("{body}<monitorCrossRefID>9</monitorCrossRefID>"),
    )
}

/// A MonitorStop whose root carries `n` attributes.
fn attributed_monitor_stop(n: usize) -> String {
    let attrs: String = (0..n).map(|i| format!(" a{i}=\"v>/\"")).collect();
    format!("<MonitorStop{attrs}><monitorCrossRefID>9</monitorCrossRefID></MonitorStop>")
}

#[test]
fn shape_limits() {
    let ok = || Ok(Message::MonitorStop { cross_ref: s("9") });
    let too_deep = || Err(too_complex("levels of element nesting", MAX_DEPTH));
    let too_wide = || Err(too_complex("attributes on one element", MAX_ATTRIBUTES));
    let cases: Vec<(String, Result<Message, ParseError>)> = vec![
        (nested_monitor_stop(MAX_DEPTH - 1), ok()),
        (nested_monitor_stop(MAX_DEPTH), too_deep()),
        (nested_monitor_stop(20_000), too_deep()),
        (format!("<a>{}", "<x>".repeat(30_000)), too_deep()),
        (attributed_monitor_stop(MAX_ATTRIBUTES), ok()),
        (attributed_monitor_stop(MAX_ATTRIBUTES + 1), too_wide()),
        (attributed_monitor_stop(5_000), too_wide()),
        // Siblings, self-closing tags and markup inside comments, CDATA,
        // processing instructions and quoted values do not add depth.
        (
            doc(
                "MonitorStop",
                &format!(
                    "{}<!--{}--><?pi {}?><y a='>/>&gt;'/><![CDATA[{}]]>\
                     <monitorCrossRefID>9</monitorCrossRefID>",
                    "<x/><x></x>".repeat(5_000),
                    "<x>".repeat(100),
                    "<x>".repeat(100),
                    "<x>".repeat(100),
                ),
            ),
            ok(),
        ),
    ];
    for (xml, want) in cases {
        let got = message(&xml);
        assert_eq!(got, want, "{}", xml.get(..80).unwrap_or(&xml));
    }
}

#[test]
fn shape_scan_is_fast_on_hostile_frames() {
    let hostile = [
        "<x>".repeat(21_000),
        format!("<r{}/>", " a=''".repeat(13_000)),
        "<!--".repeat(16_000),
        "<".repeat(65_000),
        "<a '".repeat(16_000),
    ];
    let started = std::time::Instant::now();
    for xml in &hostile {
        assert!(parse(xml.as_bytes()).is_err());
    }
    // Quadratic behaviour would take seconds in a debug build.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn error_display() {
    let cases: &[(ParseError, &str)] = &[
        (
            ParseError::NotWellFormed(s("at 3")),
            "not well-formed XML: at 3",
        ),
        (
            ParseError::Encoding(s("invalid UTF-8 at byte 3")),
            "bad character encoding: invalid UTF-8 at byte 3",
        ),
        (
            missing("MonitorStart", "monitorObject"),
            "MonitorStart lacks mandatory element <monitorObject>",
        ),
        (
            invalid("MonitorStart", "callObject", "C1"),
            "MonitorStart has an invalid <callObject>: \"C1\"",
        ),
    ];
    for (err, want) in cases {
        assert!(err.to_string().contains(want), "{err}");
    }
}
