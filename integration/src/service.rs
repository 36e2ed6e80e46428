//! Running bwcsta the way an operator does: through its init script, and
//! looking at the resulting process in `/proc` (state, session, process
//! group, user). Used by the init-script and package tests.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::support::wait_until;

/// One init script with the environment it runs under.
#[derive(Clone)]
pub struct InitScript {
    pub script: PathBuf,
    pub env: Vec<(String, OsString)>,
    pub pid_file: PathBuf,
}

impl InitScript {
    /// `script` driving `bin` on `config`. The host's `/etc/default/bwcsta`
    /// is never read, and the daemon runs as the caller unless `user` says
    /// otherwise (`BWCSTA_USER`).
    pub fn new(script: &Path, bin: &Path, config: &Path, pid_file: &Path) -> InitScript {
        InitScript {
            script: script.to_owned(),
            env: vec![
                ("BWCSTA_BIN".into(), bin.into()),
                ("BWCSTA_CONFIG".into(), config.into()),
                ("BWCSTA_DEFAULTS".into(), "/dev/null".into()),
                ("BWCSTA_USER".into(), "".into()),
                ("BWCSTA_STOP_TIMEOUT".into(), "5".into()),
            ],
            pid_file: pid_file.to_owned(),
        }
    }

    /// Sets (or replaces) one environment variable.
    pub fn with(mut self, key: &str, value: impl Into<OsString>) -> InitScript {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.into()));
        self
    }

    /// `sh SCRIPT action`, its output captured.
    pub fn command(&self, action: &str) -> Command {
        let mut c = Command::new("sh");
        c.arg(&self.script).arg(action);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    pub fn run(&self, action: &str) -> Output {
        self.command(action).output().expect("run the init script")
    }

    /// Runs `action` and returns its exit code and everything it printed.
    pub fn code(&self, action: &str) -> (Option<i32>, String) {
        let o = self.run(action);
        let text =
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
        (o.status.code(), text)
    }

    /// The pid the pid file names, if it holds one.
    pub fn pid(&self) -> Option<u32> {
        std::fs::read_to_string(&self.pid_file)
            .ok()?
            .trim()
            .parse()
            .ok()
    }
}

/// Fields of `/proc/<pid>/stat` after the command name: state, ppid, pgrp,
/// session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcStat {
    pub state: char,
    pub ppid: u32,
    pub pgrp: u32,
    pub session: u32,
}

pub fn proc_stat(pid: u32) -> Option<ProcStat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    let mut f = rest.split_whitespace();
    let state = f.next()?.chars().next()?;
    let ppid = f.next()?.parse().ok()?;
    let pgrp = f.next()?.parse().ok()?;
    let session = f.next()?.parse().ok()?;
    Some(ProcStat {
        state,
        ppid,
        pgrp,
        session,
    })
}

/// A process that exists and is not a zombie.
pub fn is_live(pid: u32) -> bool {
    proc_stat(pid).is_some_and(|s| !matches!(s.state, 'Z' | 'X' | 'x'))
}

/// The real uid of `pid` (`/proc/<pid>/status`).
pub fn uid_of(pid: u32) -> Option<u32> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Where file descriptor `fd` of `pid` points.
pub fn fd_target(pid: u32, fd: u32) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).ok()
}

/// True when the tests run as root (the init script then switches users).
pub fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Sends `signal` (a name like `KILL`) to a pid, or to a process group
/// when `pid` is negative.
pub fn kill(signal: &str, pid: i64) -> bool {
    Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(pid.to_string())
        .status()
        .is_ok_and(|s| s.success())
}

/// Waits until `pid` is gone or a zombie.
pub fn wait_gone(pid: u32, timeout: Duration) -> bool {
    wait_until(timeout, || !is_live(pid))
}

/// Kills the daemon a test started through a script if the test fails
/// before stopping it, so a failed run leaves no process behind.
pub struct KillOnDrop(pub Option<u32>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            if is_live(pid) {
                kill("KILL", i64::from(pid));
            }
        }
    }
}
