//! The `capture` section.

use super::*;

#[test]
fn absent_means_no_capture() {
    assert_eq!(load_ok(&minimal()).capture, None);
}

#[test]
fn defaults_and_relative_dir() {
    let config = load_ok(&with("capture", json!({ "dir": "capture" })));
    assert_eq!(
        config.capture,
        Some(CaptureConfig {
            dir: PathBuf::from("/etc/bwcsta/capture"),
            max_bytes: 10 * 1024 * 1024,
            keep: 5,
        })
    );
    let config = load_ok(&with(
        "capture",
        json!({ "dir": "/var/log/bwcsta/capture", "max_bytes": 65536, "keep": 0 }),
    ));
    let capture = config.capture.expect("capture");
    assert_eq!(capture.max_bytes, 65536);
    assert_eq!(capture.keep, 0);
}

#[test]
fn problems_name_their_key() {
    let cases = [
        (json!({}), "capture.dir: missing"),
        (
            json!({ "dir": "" }),
            "capture.dir: expected a file name, found \"\"",
        ),
        (
            json!({ "dir": "c", "max_bytes": 100 }),
            "capture.max_bytes:",
        ),
        (json!({ "dir": "c", "keep": -1 }), "capture.keep:"),
        (
            json!({ "dir": "c", "size": 1 }),
            "capture.size: unknown key",
        ),
        (json!("on"), "capture: expected an object"),
    ];
    for (value, want) in cases {
        let found = lines(&with("capture", value.clone()));
        assert!(
            found.iter().any(|l| l.starts_with(want)),
            "{value}: {found:?}"
        );
    }
}
