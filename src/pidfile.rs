//! The pid file: written at start, removed at exit, and a guard against two
//! instances sharing one configuration.
//!
//! The guard is an exclusive `flock` on the file, held for the life of the
//! process: the kernel releases it when the process dies, so a stale file
//! (after a crash or a reboot) never blocks a start, and two instances
//! starting at the same moment cannot both win. The file's content is the
//! pid, for operators and the init script.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

/// Holds the lock; removes the file on drop.
#[derive(Debug)]
pub struct PidFile {
    path: PathBuf,
    /// Kept open: closing it would release the lock.
    file: File,
}

#[derive(Debug)]
pub enum PidFileError {
    /// Another live process holds the file.
    Running {
        path: PathBuf,
        pid: Option<u32>,
    },
    Io {
        path: PathBuf,
        source: io::Error,
    },
}

impl std::fmt::Display for PidFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PidFileError::Running { path, pid } => {
                let who = pid.map_or("another process".to_owned(), |p| format!("process {p}"));
                write!(
                    f,
                    "pid file {} is held by {who}; is bwcsta already running?",
                    path.display()
                )
            }
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
        let io_err = |source| PidFileError::Io {
            path: path.to_owned(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io_err)?;
        if !try_lock(&file).map_err(io_err)? {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            return Err(PidFileError::Running {
                path: path.to_owned(),
                pid: text.trim().parse().ok(),
            });
        }
        file.set_len(0).map_err(io_err)?;
        file.rewind().map_err(io_err)?;
        writeln!(file, "{}", std::process::id()).map_err(io_err)?;
        file.sync_data().map_err(io_err)?;
        Ok(PidFile {
            path: path.to_owned(),
            file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        // Still locked by us: nobody else can have taken it over.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.flush();
    }
}

/// `flock(LOCK_EX | LOCK_NB)`: Ok(false) when another process holds it.
fn try_lock(file: &File) -> io::Result<bool> {
    // SAFETY: flock on a file descriptor we own; no memory is involved.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let err = io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdir::TempDir;

    fn read_pid(path: &Path) -> Option<u32> {
        std::fs::read_to_string(path).ok()?.trim().parse().ok()
    }

    #[test]
    fn writes_and_removes() {
        let dir = TempDir::new("pid-basic");
        let path = dir.path().join("bwcsta.pid");
        let pf = PidFile::create(&path).unwrap();
        assert_eq!(read_pid(&path), Some(std::process::id()));
        assert_eq!(pf.path(), path);
        drop(pf);
        assert!(!path.exists());
    }

    #[test]
    fn second_claim_is_refused_while_the_first_holds_it() {
        let dir = TempDir::new("pid-held");
        let path = dir.path().join("bwcsta.pid");
        let first = PidFile::create(&path).unwrap();
        // A second open file description conflicts even within one process.
        match PidFile::create(&path) {
            Err(PidFileError::Running { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("expected Running, got {other:?}"),
        }
        assert_eq!(read_pid(&path), Some(std::process::id()), "left untouched");
        drop(first);
        let again = PidFile::create(&path).unwrap();
        drop(again);
    }

    #[test]
    fn stale_and_garbage_files_are_replaced() {
        let dir = TempDir::new("pid-stale");
        for content in ["999999999\n", "1\n", "not a pid", ""] {
            let path = dir.path().join("bwcsta.pid");
            std::fs::write(&path, content).unwrap();
            let pf = PidFile::create(&path).unwrap();
            assert_eq!(read_pid(&path), Some(std::process::id()), "{content:?}");
            drop(pf);
        }
    }

    #[test]
    fn missing_directory_is_an_io_error_naming_the_path() {
        let dir = TempDir::new("pid-missing");
        let path = dir.path().join("missing").join("x.pid");
        let err = PidFile::create(&path).unwrap_err();
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
    }
}
