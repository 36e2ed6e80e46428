use std::time::UNIX_EPOCH;

use super::*;
use crate::capture::format::decode;
use crate::testdir::TempDir;

fn meta() -> Meta {
    Meta {
        bwcsta: "0.1.0".into(),
        pid: 42,
        edition: "ed3".into(),
        default_domain: Some("example.net".into()),
        links: vec!["xsp1".into(), "xsp2".into()],
        reorder_wait_s: Some(5.0),
    }
}

fn record(i: usize, payload: &str) -> Record {
    Record {
        time: UNIX_EPOCH + Duration::from_secs(1_795_600_800 + i as u64),
        kind: Kind::Xsi,
        source: "xsp1".into(),
        tag: "-".into(),
        payload: payload.as_bytes().to_vec(),
    }
}

fn numbered(dir: &Path, n: u32) -> PathBuf {
    dir.join(format!("{FILE_NAME}.{n}"))
}

/// Every record of one file, checking that it reads without error and
/// starts with the meta record.
fn read(path: &Path) -> Vec<Record> {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(MAGIC.as_bytes()), "{}", path.display());
    let (records, error) = decode(&bytes);
    assert_eq!(error, None, "{}", path.display());
    assert_eq!(records[0].kind, Kind::Meta, "{}", path.display());
    let m: Meta = serde_json::from_slice(&records[0].payload).unwrap();
    assert_eq!(m, meta());
    records[1..].to_vec()
}

#[test]
fn rotates_before_the_cap_keeping_whole_records() {
    let tmp = TempDir::new("capture-rotate");
    let dir = tmp.path();
    let max = 2000;
    let mut f = CaptureFile::open(dir, max, 2, &meta(), Vec::new()).unwrap();
    let payload = "x".repeat(150);
    for i in 0..60 {
        f.write(&record(i, &payload)).unwrap();
    }
    f.flush().unwrap();
    assert!(numbered(dir, 1).exists() && numbered(dir, 2).exists());
    assert!(!numbered(dir, 3).exists(), "only `keep` old files");
    let mut seen = Vec::new();
    for path in [numbered(dir, 2), numbered(dir, 1), dir.join(FILE_NAME)] {
        let size = std::fs::metadata(&path).unwrap().len();
        assert!(size <= max, "{} is {size} bytes", path.display());
        seen.extend(read(&path));
    }
    // The newest records survive, in order, none split or repeated.
    assert!(seen.len() >= 20, "{}", seen.len());
    let first = 60 - seen.len();
    for (k, r) in seen.iter().enumerate() {
        assert_eq!(r, &record(first + k, &payload));
    }
}

#[test]
fn keep_zero_starts_the_file_again() {
    let tmp = TempDir::new("capture-keep0");
    let dir = tmp.path();
    let mut f = CaptureFile::open(dir, 1000, 0, &meta(), Vec::new()).unwrap();
    for i in 0..20 {
        f.write(&record(i, &"y".repeat(100))).unwrap();
    }
    f.flush().unwrap();
    assert!(!numbered(dir, 1).exists());
    let records = read(&dir.join(FILE_NAME));
    assert!(!records.is_empty() && records.len() < 20);
    assert_eq!(records.last().unwrap(), &record(19, &"y".repeat(100)));
}

#[test]
fn a_record_larger_than_the_cap_still_gets_written() {
    let tmp = TempDir::new("capture-big");
    let dir = tmp.path();
    let mut f = CaptureFile::open(dir, 500, 1, &meta(), Vec::new()).unwrap();
    f.write(&record(0, &"z".repeat(2000))).unwrap();
    f.write(&record(1, "small")).unwrap();
    f.flush().unwrap();
    assert_eq!(read(&numbered(dir, 1)), vec![record(0, &"z".repeat(2000))]);
    assert_eq!(read(&dir.join(FILE_NAME)), vec![record(1, "small")]);
}

#[test]
fn secrets_never_reach_the_file() {
    let tmp = TempDir::new("capture-secret");
    let dir = tmp.path();
    let secrets = vec![b"hunter2".to_vec(), b"Y3RpOmh1bnRlcjI=".to_vec()];
    let mut f = CaptureFile::open(dir, 1 << 20, 1, &meta(), secrets).unwrap();
    f.write(&record(0, "<ErrorInfo>bad password hunter2</ErrorInfo>"))
        .unwrap();
    f.write(&record(1, "Authorization: Basic Y3RpOmh1bnRlcjI=\r\n"))
        .unwrap();
    f.flush().unwrap();
    let text = String::from_utf8(std::fs::read(dir.join(FILE_NAME)).unwrap()).unwrap();
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!text.contains("Y3RpOmh1bnRlcjI="), "{text}");
    assert!(text.contains("bad password ********"), "{text}");
}

#[test]
fn files_and_directories_are_not_for_others() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = TempDir::new("capture-modes");
    let dir = tmp.path().join("capture").join("run");
    let mut f = CaptureFile::open(&dir, 600, 1, &meta(), Vec::new()).unwrap();
    for i in 0..4 {
        f.write(&record(i, &"m".repeat(200))).unwrap();
    }
    f.flush().unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    for d in [dir.parent().unwrap(), dir.as_path()] {
        // At most 0750 (less with a stricter umask).
        assert_eq!(mode(d) & !0o750, 0, "{}: {:o}", d.display(), mode(d));
        assert_eq!(mode(d) & 0o700, 0o700, "{}", d.display());
    }
    // The current file and one made by a rotation: at most 0640.
    for p in [dir.join(FILE_NAME), numbered(&dir, 1)] {
        assert_eq!(mode(&p) & !0o640, 0, "{}: {:o}", p.display(), mode(&p));
        assert_eq!(mode(&p) & 0o600, 0o600, "{}", p.display());
    }
}

#[test]
fn a_restart_appends_with_its_own_meta_record() {
    let tmp = TempDir::new("capture-reopen");
    let dir = tmp.path();
    for run in 0..2 {
        let mut f = CaptureFile::open(dir, 1 << 20, 1, &meta(), Vec::new()).unwrap();
        f.write(&record(run, "doc")).unwrap();
        f.flush().unwrap();
    }
    let (records, error) = decode(&std::fs::read(dir.join(FILE_NAME)).unwrap());
    assert_eq!(error, None);
    let kinds: Vec<Kind> = records.iter().map(|r| r.kind).collect();
    assert_eq!(kinds, [Kind::Meta, Kind::Xsi, Kind::Meta, Kind::Xsi]);
}
