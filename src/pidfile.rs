//! The pid file: written at start, removed at exit, and a guard against two
//! instances sharing one configuration.
//!
//! A pid file whose process is still alive makes start-up fail; a stale one
//! (its process is gone, e.g. after a crash or a reboot) is replaced. The
//! file is created with `create_new` after the check so that two instances
//! starting at the same moment cannot both win.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Removes the pid file on drop, if it still holds our pid.
#[derive(Debug)]
pub struct PidFile {
    path: PathBuf,
    pid: u32,
}

#[derive(Debug)]
pub enum PidFileError {
    /// Another live process holds the file.
    Running {
        path: PathBuf,
        pid: u32,
    },
    Io {
        path: PathBuf,
        source: io::Error,
    },
}

impl std::fmt::Display for PidFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PidFileError::Running { path, pid } => write!(
                f,
                "pid file {} belongs to running process {pid}; is bwcsta already running?",
                path.display()
            ),
            PidFileError::Io { path, source } => {
                write!(f, "pid file {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for PidFileError {}

impl PidFile {
    /// Claims `path` for the current process.
    pub fn create(path: &Path) -> Result<PidFile, PidFileError> {
        Self::create_for(path, std::process::id())
    }

    fn create_for(path: &Path, pid: u32) -> Result<PidFile, PidFileError> {
        let io_err = |source| PidFileError::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(other) = read_pid(path) {
            if other != pid && process_alive(other) {
                return Err(PidFileError::Running {
                    path: path.to_owned(),
                    pid: other,
                });
            }
        }
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(e)),
        }
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(io_err)?;
        writeln!(file, "{pid}").map_err(io_err)?;
        Ok(PidFile {
            path: path.to_owned(),
            pid,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        // Only remove what is ours: a second instance started with --force
        // by hand (or a restart race) may have rewritten it.
        if read_pid(&self.path) == Some(self.pid) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn read_pid(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// `kill(pid, 0)`: 0 or EPERM means a process with that pid exists.
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 performs only the existence and permission check.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(tag: &str) -> PathBuf {
        std::env::temp_dir().join(format!("bwcsta-pidtest-{tag}-{}.pid", std::process::id()))
    }

    #[test]
    fn writes_and_removes() {
        let path = temp_path("basic");
        let _ = std::fs::remove_file(&path);
        let pf = PidFile::create(&path).unwrap();
        assert_eq!(read_pid(&path), Some(std::process::id()));
        drop(pf);
        assert!(!path.exists());
    }

    #[test]
    fn refuses_live_owner() {
        let path = temp_path("live");
        // pid 1 (init) is always alive.
        std::fs::write(&path, "1\n").unwrap();
        match PidFile::create(&path) {
            Err(PidFileError::Running { pid: 1, .. }) => {}
            other => panic!("expected Running, got {other:?}"),
        }
        assert_eq!(read_pid(&path), Some(1), "left untouched");
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn replaces_stale_and_garbage() {
        for content in ["999999999\n", "not a pid", ""] {
            let path = temp_path("stale");
            std::fs::write(&path, content).unwrap();
            let pf = PidFile::create(&path).unwrap();
            assert_eq!(read_pid(&path), Some(std::process::id()), "{content:?}");
            drop(pf);
        }
    }

    #[test]
    fn does_not_remove_foreign_file() {
        let path = temp_path("foreign");
        let _ = std::fs::remove_file(&path);
        let pf = PidFile::create_for(&path, 4_000_000).unwrap();
        std::fs::write(&path, "1\n").unwrap();
        drop(pf);
        assert_eq!(read_pid(&path), Some(1));
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn missing_directory_is_an_io_error_naming_the_path() {
        let path = PathBuf::from("/nonexistent-bwcsta-dir/x.pid");
        let err = PidFile::create(&path).unwrap_err();
        assert!(err.to_string().contains("/nonexistent-bwcsta-dir/x.pid"));
    }
}
