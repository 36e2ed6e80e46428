//! Named threads with an owner.
//!
//! Every thread of the service is started through [`spawn`], which names it
//! (the name shows up in every log line, in panic messages and in `top -H`)
//! and returns a [`Handle`] that owns it. Dropping a `Handle` joins the
//! thread, so a component that holds its handles after the channels that feed
//! the thread cannot leak it: put the stop signal (a `Sender`, usually) in a
//! field *before* the `Handle` so that it is dropped first and the thread sees
//! its inbox disconnect before the join starts.
//!
//! Shutdown has a deadline: [`Handle::join_deadline`] waits at most until the
//! given instant and reports a thread that did not stop, instead of hanging the
//! whole process on one stuck socket.

use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError};

/// A running named thread. Joins on drop.
pub struct Handle {
    name: String,
    thread: Option<JoinHandle<()>>,
    /// Disconnects (the sender is dropped) when the thread's closure returns
    /// or unwinds; lets `join_deadline` wait with a timeout.
    done: Receiver<()>,
}

/// Starts `f` on a new OS thread called `name`.
///
/// Fails only when the OS refuses a thread (resource exhaustion); callers
/// treat that as a runtime failure of the component they were starting.
pub fn spawn<F>(name: impl Into<String>, f: F) -> std::io::Result<Handle>
where
    F: FnOnce() + Send + 'static,
{
    let name = name.into();
    let (done_tx, done) = bounded::<()>(0);
    let thread = std::thread::Builder::new()
        .name(name.clone())
        .spawn(move || {
            // Held for the life of the closure; dropped on return or unwind.
            let _done = done_tx;
            f();
        })?;
    Ok(Handle {
        name,
        thread: Some(thread),
        done,
    })
}

impl Handle {
    /// The thread's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// True once the thread's closure has returned (or panicked).
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }

    /// Waits until the thread has finished or `until` has passed; true when
    /// it has finished. The thread stays owned by the handle.
    pub fn wait_until(&self, until: Instant) -> bool {
        if self.is_finished() {
            return true;
        }
        let timeout = until.saturating_duration_since(Instant::now());
        matches!(
            self.done.recv_timeout(timeout),
            Err(RecvTimeoutError::Disconnected)
        )
    }

    /// Waits for the thread until `deadline`. Returns false (and leaves the
    /// thread detached) when it is still running then.
    pub fn join_deadline(mut self, deadline: Instant) -> bool {
        let timeout = deadline.saturating_duration_since(Instant::now());
        match self.done.recv_timeout(timeout) {
            Err(RecvTimeoutError::Disconnected) => {
                self.join_now();
                true
            }
            // Nobody ever sends on `done`; a timeout means it is still running.
            Ok(()) | Err(RecvTimeoutError::Timeout) => {
                log::warn!("thread {} did not stop before the deadline", self.name);
                self.thread.take(); // detach: the process exit will end it
                false
            }
        }
    }

    /// Lets the thread run on unowned (the process is about to exit on an
    /// error path and must not wait for a thread that waits for input).
    pub fn detach(mut self) {
        self.thread.take();
    }

    fn join_now(&mut self) {
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                log::error!("thread {} panicked", self.name);
            }
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.join_now();
    }
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle").field("name", &self.name).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn thread_gets_its_name() {
        let (tx, rx) = bounded(1);
        let h = spawn("probe-1", move || {
            let _ = tx.send(std::thread::current().name().map(str::to_owned));
        })
        .unwrap();
        assert_eq!(rx.recv().unwrap().as_deref(), Some("probe-1"));
        assert_eq!(h.name(), "probe-1");
    }

    #[test]
    fn drop_joins_after_inbox_disconnects() {
        let (stop_tx, stop_rx) = bounded::<()>(0);
        let (seen_tx, seen_rx) = bounded(1);
        let h = spawn("waiter", move || {
            // Ends when the sender is dropped.
            let _ = stop_rx.recv();
            let _ = seen_tx.send(());
        })
        .unwrap();
        drop(stop_tx);
        drop(h);
        assert!(
            seen_rx.try_recv().is_ok(),
            "thread finished before drop returned"
        );
    }

    #[test]
    fn join_deadline_reports_stuck_thread() {
        let (stop_tx, stop_rx) = bounded::<()>(0);
        let h = spawn("stuck", move || {
            let _ = stop_rx.recv();
        })
        .unwrap();
        let started = Instant::now();
        assert!(!h.join_deadline(Instant::now() + Duration::from_millis(50)));
        assert!(started.elapsed() < Duration::from_secs(2));
        drop(stop_tx);
    }

    #[test]
    fn wait_until_reports_running_and_finished() {
        let (stop_tx, stop_rx) = bounded::<()>(0);
        let h = spawn("waited", move || {
            let _ = stop_rx.recv();
        })
        .unwrap();
        assert!(!h.wait_until(Instant::now() + Duration::from_millis(20)));
        drop(stop_tx);
        assert!(h.wait_until(Instant::now() + Duration::from_secs(5)));
        assert!(h.is_finished() || h.wait_until(Instant::now() + Duration::from_secs(5)));
    }

    #[test]
    fn join_deadline_succeeds_for_finished_thread() {
        let h = spawn("quick", || {}).unwrap();
        assert!(h.join_deadline(Instant::now() + Duration::from_secs(5)));
    }

    #[test]
    fn panicking_thread_is_joined_not_propagated() {
        let h = spawn("boom", || panic!("expected in test")).unwrap();
        assert!(h.join_deadline(Instant::now() + Duration::from_secs(5)));
    }
}
