//! Process lifecycle: SIGTERM stops the daemon within 2 s with exit 0 and
//! removes its pid file; a live pid file refuses a second instance; a busy
//! CSTA port is a runtime failure (exit 1) that never wrote the pid file;
//! the status file appears. The
//! init script has its own tests (`init_script.rs`).

use std::time::Duration;

use bwcsta_integration::support::{free_port, test_config, wait_until, Bwcsta, TempDir};

const BIN: &str = env!("CARGO_BIN_EXE_bwcsta");

fn unreachable_xsp() -> Vec<String> {
    // Nothing listens there: the links stay down, which must not matter.
    vec![format!("http://127.0.0.1:{}", free_port())]
}

#[test]
fn sigterm_stops_cleanly_within_two_seconds_and_removes_pid_file() {
    let dir = TempDir::new("life-term");
    let cfg = test_config(dir.path(), free_port(), &unreachable_xsp());
    let mut b = Bwcsta::start(BIN.as_ref(), dir, &cfg);
    assert!(b.wait_listening(Duration::from_secs(10)), "{}", b.log());
    let pid_path = b.path("bwcsta.pid");
    assert!(wait_until(Duration::from_secs(5), || pid_path.exists()));
    let pid: u32 = std::fs::read_to_string(&pid_path)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(pid, b.pid());
    // The status file shows the link down and overall disabled.
    assert!(
        b.wait_status(Duration::from_secs(5), |s| s["status"] == "disabled"
            && s["pid"] == pid
            && s["xsp"][0]["name"] == "xsp1")
    );

    let (status, took) = b.terminate(Duration::from_secs(5)).expect("stopped");
    assert_eq!(status.code(), Some(0), "{}", b.log());
    assert!(took < Duration::from_secs(2), "stop took {took:?}");
    assert!(!pid_path.exists(), "pid file removed");
    let log = b.log();
    assert!(log.contains("bwcsta stopped"), "{log}");
    assert!(!log.contains("secret"), "password in the log");
}

#[test]
fn live_pid_file_refuses_a_second_instance() {
    let dir = TempDir::new("life-pid");
    let cfg = test_config(dir.path(), free_port(), &unreachable_xsp());
    let mut first = Bwcsta::start(BIN.as_ref(), dir, &cfg);
    assert!(first.wait_listening(Duration::from_secs(10)));

    // Same pid file, another port.
    let dir2 = TempDir::new("life-pid2");
    let mut cfg2 = cfg.clone();
    cfg2["csta"]["listen"] = serde_json::json!(format!("127.0.0.1:{}", free_port()));
    cfg2["log"]["file"] = serde_json::json!(dir2.path().join("second.log"));
    cfg2["status_file"] = serde_json::json!(dir2.path().join("status.json"));
    let mut second = Bwcsta::start(BIN.as_ref(), dir2, &cfg2);
    assert!(wait_until(Duration::from_secs(5), || !second.is_running()));
    let (status, _) = second.terminate(Duration::from_secs(1)).unwrap_or_else(|| {
        panic!("second instance still running: {}", second.log());
    });
    assert_eq!(status.code(), Some(1));
    assert!(second.log().contains("already running"), "{}", second.log());
    assert!(first.is_running());
    assert!(
        first.path("bwcsta.pid").exists(),
        "first keeps its pid file"
    );
}

#[test]
fn busy_port_is_a_runtime_failure_without_a_pid_file() {
    let blocker = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = blocker.local_addr().unwrap().port();
    let dir = TempDir::new("life-port");
    // The pid file alone in its directory, whose modification time is set
    // far back: creating (and removing) a file there would change it.
    let run = dir.path().join("run");
    std::fs::create_dir(&run).unwrap();
    let past = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    std::fs::File::open(&run)
        .unwrap()
        .set_modified(past)
        .unwrap();
    let mut cfg = test_config(dir.path(), port, &unreachable_xsp());
    cfg["pid_file"] = serde_json::json!(run.join("bwcsta.pid"));
    let mut b = Bwcsta::start(BIN.as_ref(), dir, &cfg);
    assert!(wait_until(Duration::from_secs(5), || !b.is_running()));
    let (status, _) = b.terminate(Duration::from_secs(1)).expect("exited");
    assert_eq!(status.code(), Some(1), "{}", b.log());
    assert!(
        b.log().contains(&format!("127.0.0.1:{port}")),
        "{}",
        b.log()
    );
    assert!(
        !b.path("run/bwcsta.pid").exists(),
        "pid file not left behind"
    );
    assert_eq!(
        std::fs::metadata(b.path("run"))
            .unwrap()
            .modified()
            .unwrap(),
        past,
        "the pid file is written only once the port is bound: never here"
    );
}

#[test]
fn sighup_reopens_the_log_file_after_logrotate_renamed_it() {
    let dir = TempDir::new("life-hup");
    let cfg = test_config(dir.path(), free_port(), &unreachable_xsp());
    let mut b = Bwcsta::start(BIN.as_ref(), dir, &cfg);
    assert!(b.wait_listening(Duration::from_secs(10)));
    let log = b.path("bwcsta.log");
    let rotated = b.path("bwcsta.log.rotated");
    std::fs::rename(&log, &rotated).unwrap();
    let _ = std::process::Command::new("kill")
        .args(["-HUP", &b.pid().to_string()])
        .status();
    // The next line written goes to a fresh file at the configured path.
    let _ = std::net::TcpStream::connect(b.csta);
    assert!(wait_until(Duration::from_secs(5), || {
        std::fs::read_to_string(&log).is_ok_and(|t| t.contains("reopened after SIGHUP"))
    }));
    assert!(b.is_running(), "SIGHUP does not stop the daemon");
    let (status, _) = b.terminate(Duration::from_secs(5)).unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(std::fs::read_to_string(&log)
        .unwrap()
        .contains("bwcsta stopped"));
}
