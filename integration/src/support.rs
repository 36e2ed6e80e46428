//! Running the real `bwcsta` binary in tests: a private directory with a
//! generated configuration (short timers), the process, and waits on its
//! status file and log — every wait is a condition with a timeout, never a
//! fixed sleep.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// A file of the test fixtures (`integration/data/<name>`).
pub fn data_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

/// A TLS server identity for the simulator from `integration/data/tls/<name>.pem` and
/// `<name>.key` (`xsp`: signed by the test CA; `other-xsp`: by the other CA).
pub fn tls_identity(name: &str) -> crate::sim::TlsAcceptor {
    let read = |ext: &str| {
        let path = data_file(&format!("tls/{name}.{ext}"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    crate::sim::tls_acceptor(&read("pem"), &read("key")).expect("TLS identity")
}

/// A directory removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        // Never remove or reuse a directory found there: processes in other
        // PID namespaces sharing /tmp may hold the same pid. A clock-derived
        // suffix, and `create_dir` failing on an existing name, keep it unique.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        for attempt in 0u32.. {
            let dir = std::env::temp_dir().join(format!(
                "bwcsta-{tag}-{}-{n}-{:08x}",
                std::process::id(),
                nanos.wrapping_add(attempt.wrapping_mul(7919))
            ));
            match std::fs::create_dir(&dir) {
                Ok(()) => return TempDir(dir),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {}
                Err(e) => panic!("cannot create {}: {e}", dir.display()),
            }
        }
        unreachable!("the loop returns or panics")
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("BWCSTA_KEEP_TEST_DIRS").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A free TCP port on 127.0.0.1 (bound and released).
///
/// Chosen below the kernel's ephemeral range (32768 and up on Linux), so
/// that no outgoing connection of a parallel test (whose local port comes
/// from that range) can take it between this check and the bind of the
/// process under test; spread by pid, a counter and the clock so parallel
/// test processes rarely try the same one.
pub fn free_port() -> u16 {
    const FIRST: u32 = 20_000;
    const SPAN: u32 = 12_000;
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let seed = std::process::id()
        .wrapping_mul(2_654_435_761)
        .wrapping_add(nanos);
    for _ in 0..SPAN {
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let port = FIRST + seed.wrapping_add(n.wrapping_mul(7_919)) % SPAN;
        if let Ok(port) = u16::try_from(port) {
            if TcpListener::bind(("127.0.0.1", port)).is_ok() {
                return port;
            }
        }
    }
    panic!("no free port in {FIRST}..{}", FIRST + SPAN)
}

/// Polls `f` every 10 ms until it returns true or `timeout` passes.
pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The configuration tests start from: fast timers, files in `dir`.
pub fn test_config(dir: &Path, csta_port: u16, xsp_urls: &[String]) -> Value {
    let servers: Vec<Value> = xsp_urls
        .iter()
        .enumerate()
        .map(|(i, url)| json!({ "name": format!("xsp{}", i + 1), "url": url }))
        .collect();
    json!({
        "csta": { "listen": format!("127.0.0.1:{csta_port}"), "idle_timeout_s": 30 },
        "xsi": {
            "servers": servers,
            "username": "cti@example.net",
            "password": "secret",
            "application_id": "bwcsta-test",
            "channel_set_id": "bwcsta-test-set",
            "default_domain": "example.net",
            "heartbeat_interval_s": 0.5,
            "reconnect_initial_s": 0.1,
            "reconnect_max_s": 0.5,
            "request_timeout_s": 2
        },
        "log": { "file": dir.join("bwcsta.log"), "level": "debug" },
        "status_file": dir.join("status.json"),
        "status_interval_s": 0.2,
        "pid_file": dir.join("bwcsta.pid")
    })
}

/// A running `bwcsta` process.
pub struct Bwcsta {
    child: Option<Child>,
    pub dir: TempDir,
    pub csta: SocketAddr,
}

impl Bwcsta {
    /// Writes `config` and starts `bin --config <file>`.
    pub fn start(bin: &Path, dir: TempDir, config: &Value) -> Bwcsta {
        Bwcsta::start_with_env(bin, dir, config, &[])
    }

    /// As [`Bwcsta::start`], with extra environment variables (OpenSSL's
    /// `SSL_CERT_FILE`, say).
    pub fn start_with_env(
        bin: &Path,
        dir: TempDir,
        config: &Value,
        env: &[(&str, &Path)],
    ) -> Bwcsta {
        let port = config["csta"]["listen"]
            .as_str()
            .and_then(|s| s.parse::<SocketAddr>().ok())
            .expect("csta.listen in test config");
        let path = dir.path().join("bwcsta.json");
        std::fs::write(&path, serde_json::to_vec_pretty(config).expect("json"))
            .expect("write config");
        let stderr = std::fs::File::create(dir.path().join("stderr.txt")).expect("stderr file");
        let child = Command::new(bin)
            .envs(env.iter().copied())
            .arg("--config")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start bwcsta");
        Bwcsta {
            child: Some(child),
            dir,
            csta: port,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path("bwcsta.log")).unwrap_or_default()
            + &std::fs::read_to_string(self.path("stderr.txt")).unwrap_or_default()
    }

    pub fn status(&self) -> Option<Value> {
        let text = std::fs::read_to_string(self.path("status.json")).ok()?;
        serde_json::from_str(&text).ok()
    }

    pub fn wait_status(&self, timeout: Duration, pred: impl Fn(&Value) -> bool) -> bool {
        wait_until(timeout, || self.status().is_some_and(|s| pred(&s)))
    }

    /// Waits until the CSTA port accepts connections.
    pub fn wait_listening(&self, timeout: Duration) -> bool {
        wait_until(timeout, || {
            TcpStream::connect_timeout(&self.csta, Duration::from_millis(100)).is_ok()
        })
    }

    /// Waits until every XSP link reports `up` in the status file.
    pub fn wait_links_up(&self, n: usize, timeout: Duration) -> bool {
        self.wait_status(timeout, |s| {
            s["xsp"]
                .as_array()
                .is_some_and(|a| a.len() == n && a.iter().all(|x| x["state"] == "up"))
        })
    }

    /// Sends SIGTERM; returns the exit status and how long the exit took.
    pub fn terminate(&mut self, timeout: Duration) -> Option<(ExitStatus, Duration)> {
        let child = self.child.as_mut()?;
        let started = Instant::now();
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Some((status, started.elapsed()));
            }
            if started.elapsed() > timeout {
                return None;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }
}

impl Drop for Bwcsta {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
