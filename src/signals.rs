//! Process signals: SIGINT/SIGTERM start an orderly shutdown, SIGHUP asks for
//! the log file to be reopened (external logrotate).
//!
//! `ctrlc` (with its `termination` feature) delivers SIGINT and SIGTERM to a
//! closure on its own thread; we turn that into a message on a channel so the
//! main thread can wait for it with `select!`. `ctrlc` also claims SIGHUP for
//! termination, which is wrong for a daemon, so SIGHUP is re-registered
//! afterwards with a plain `sigaction` whose handler only sets an atomic flag
//! (the one thing a signal handler may safely do). The logger polls the flag
//! at its next write.

use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam_channel::{bounded, Receiver};

static HUP: AtomicBool = AtomicBool::new(false);

/// Installs the handlers. The receiver yields one `()` per SIGINT/SIGTERM.
pub fn install() -> Result<Receiver<()>, String> {
    let (tx, rx) = bounded(4);
    ctrlc::set_handler(move || {
        // A full channel means a stop is already pending; that is enough.
        let _ = tx.try_send(());
    })
    .map_err(|e| format!("cannot install SIGINT/SIGTERM handler: {e}"))?;
    install_hup()?;
    Ok(rx)
}

extern "C" fn on_hup(_signal: libc::c_int) {
    HUP.store(true, Ordering::SeqCst);
}

fn install_hup() -> Result<(), String> {
    // SAFETY: `sigaction` with a zeroed struct, an empty mask and a handler
    // that only touches an atomic is the documented async-signal-safe use.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_hup as *const () as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        if libc::sigaction(libc::SIGHUP, &action, std::ptr::null_mut()) != 0 {
            return Err(format!(
                "cannot install SIGHUP handler: {}",
                std::io::Error::last_os_error()
            ));
        }
    }
    Ok(())
}

/// True once per SIGHUP received since the last call.
pub fn take_hup() -> bool {
    HUP.swap(false, Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hup_flag_is_taken_once() {
        HUP.store(true, Ordering::SeqCst);
        assert!(take_hup());
        assert!(!take_hup());
    }
}
