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
//! given instant and reports a thread that did not stop ([`Late`], which the
//! owners hand up to `main`), instead of hanging the whole process on one
//! stuck socket.
//!
//! No thread dies silently: the panic hook ([`install_panic_hook`], installed
//! by the first [`spawn`]) logs every panic with the thread name and message,
//! and a thread that owns something others rely on (a link, a session) holds
//! an [`EndGuard`] that reports its end, normal or by panic, to whoever must
//! know (the link sends `Down`, the session `Closed`). [`Handle::done`] lets
//! an owner wait for a thread's end in a `select!`.

use std::cell::RefCell;
use std::sync::Once;
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
    install_panic_hook();
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

/// Starts `count` threads named `<prefix>-<n>`, each running `make(n)`.
/// When one cannot be started, those already running are detached (they
/// wait on inputs whose senders are still alive, so joining them would
/// hang) and the error returned.
pub fn spawn_pool<F>(
    prefix: &str,
    count: usize,
    mut make: impl FnMut(usize) -> F,
) -> std::io::Result<Vec<Handle>>
where
    F: FnOnce() + Send + 'static,
{
    let mut threads = Vec::with_capacity(count);
    for n in 0..count {
        match spawn(format!("{prefix}-{n}"), make(n)) {
            Ok(t) => threads.push(t),
            Err(e) => {
                threads.into_iter().for_each(Handle::detach);
                return Err(e);
            }
        }
    }
    Ok(threads)
}

impl Handle {
    /// The thread's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Disconnects when the thread's closure has returned or unwound: a
    /// `recv` on it in a `select!` wakes the owner at the thread's end
    /// (nothing is ever sent on it).
    pub fn done(&self) -> &Receiver<()> {
        &self.done
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

    /// Waits for the thread until `deadline`. When it is still running then,
    /// it is left detached and named in the [`Late`] returned.
    pub fn join_deadline(mut self, deadline: Instant) -> Late {
        let timeout = deadline.saturating_duration_since(Instant::now());
        match self.done.recv_timeout(timeout) {
            Err(RecvTimeoutError::Disconnected) => {
                self.join_now();
                Late::default()
            }
            // Nobody ever sends on `done`; a timeout means it is still running.
            Ok(()) | Err(RecvTimeoutError::Timeout) => {
                self.thread.take(); // detach: the process exit will end it
                Late(vec![std::mem::take(&mut self.name)])
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

/// The threads that were still running at their shutdown deadline, by
/// name; empty when every thread stopped in time. Owners of several threads
/// gather theirs (`collect`, [`add`](Late::add)) and hand them up, so that
/// `main` reports them all in one line.
#[must_use = "a thread that did not stop in time is to be reported"]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Late(Vec<String>);

impl Late {
    /// Every thread stopped in time.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The threads that did not, in the order they were joined.
    pub fn names(&self) -> &[String] {
        &self.0
    }

    /// Adds the threads `other` names.
    pub fn add(&mut self, other: Late) {
        self.0.extend(other.0);
    }
}

impl FromIterator<Late> for Late {
    fn from_iter<I: IntoIterator<Item = Late>>(iter: I) -> Late {
        Late(iter.into_iter().flat_map(|late| late.0).collect())
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

thread_local! {
    /// What the hook saw of the panic this thread is unwinding from.
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs (once per process) the panic hook: every panic is logged as one
/// error line with the thread name, the message and where it happened (the
/// default hook only prints to stderr, which an init script discards), and
/// remembered for the thread's [`EndGuard`]. The previous hook still runs.
pub fn install_panic_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = payload_text(info.payload());
            let text = match info.location() {
                Some(at) => format!("{message} (at {}:{})", at.file(), at.line()),
                None => message,
            };
            let name = std::thread::current().name().unwrap_or("?").to_owned();
            log::error!("thread {name} panicked: {text}");
            PANIC.with(|p| *p.borrow_mut() = Some(text));
            default(info);
        }));
    });
}

/// The message of the panic the current thread is unwinding from, as the
/// hook recorded it.
fn panic_message() -> String {
    PANIC
        .with(|p| p.borrow_mut().take())
        .unwrap_or_else(|| "(message not recorded)".to_owned())
}

/// Reports the end of the work of a thread exactly once: with the value
/// given to [`EndGuard::finish`], or, when the thread unwinds from a panic
/// (or the guard is dropped unfinished), with `Err` and the panic message.
/// The report runs during unwinding, so it must not panic itself: send on a
/// channel, shut a socket down, set a flag.
pub struct EndGuard<T, F: FnOnce(Result<T, String>)> {
    report: Option<F>,
    _value: std::marker::PhantomData<fn(T)>,
}

/// An [`EndGuard`] calling `report`.
pub fn on_end<T, F: FnOnce(Result<T, String>)>(report: F) -> EndGuard<T, F> {
    EndGuard {
        report: Some(report),
        _value: std::marker::PhantomData,
    }
}

impl<T, F: FnOnce(Result<T, String>)> EndGuard<T, F> {
    /// The work ended normally with `value`.
    pub fn finish(mut self, value: T) {
        if let Some(report) = self.report.take() {
            report(Ok(value));
        }
    }
}

impl<T, F: FnOnce(Result<T, String>)> Drop for EndGuard<T, F> {
    fn drop(&mut self) {
        if let Some(report) = self.report.take() {
            let why = if std::thread::panicking() {
                panic_message()
            } else {
                "ended without reporting how".to_owned()
            };
            report(Err(why));
        }
    }
}

/// The text of a panic payload caught with `catch_unwind`.
pub fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    match payload.downcast_ref::<&str>() {
        Some(text) => (*text).to_owned(),
        None => match payload.downcast_ref::<String>() {
            Some(text) => text.clone(),
            None => "(no message)".to_owned(),
        },
    }
}

/// Runs `f`; a panic (logged by the hook) comes back as its message.
pub fn run_caught<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|p| payload_text(&*p))
}

/// A worker's loop: each job of `jobs` is run with `run`; one whose run
/// panics is answered by `failed` with the panic's message, and the worker
/// goes on with the next. Every answer goes to `send`; the loop ends when
/// `jobs` is closed or `send` says its receiver is gone.
pub fn serve_jobs<J, R>(
    jobs: Receiver<J>,
    run: impl Fn(&J) -> R,
    failed: impl Fn(J, String) -> R,
    send: impl Fn(R) -> bool,
) {
    for job in jobs {
        let answer = match run_caught(|| run(&job)) {
            Ok(answer) => answer,
            Err(why) => failed(job, why),
        };
        if !send(answer) {
            break;
        }
    }
}

/// Test-only panic injection: a thread whose name was armed with
/// [`inject::arm`] panics when it passes the [`panic_point`] of that name.
/// In other builds `panic_point` is an empty inline function.
#[cfg(test)]
pub mod inject {
    use parking_lot::Mutex;

    static ARMED: Mutex<Vec<(String, &'static str)>> = Mutex::new(Vec::new());

    /// The next time the thread called `thread` passes `point`, it panics.
    pub fn arm(thread: &str, point: &'static str) {
        ARMED.lock().push((thread.to_owned(), point));
    }

    pub(super) fn hit(point: &str) {
        let current = std::thread::current();
        let Some(name) = current.name() else { return };
        let mut armed = ARMED.lock();
        if let Some(i) = armed.iter().position(|(t, p)| t == name && *p == point) {
            armed.remove(i);
            drop(armed);
            panic!("injected panic at {point}");
        }
    }
}

/// A place where tests can make the current thread panic (see [`inject`]).
#[cfg(test)]
pub fn panic_point(point: &'static str) {
    inject::hit(point);
}

/// A place where tests can make the current thread panic; nothing here.
#[cfg(not(test))]
#[inline(always)]
pub fn panic_point(_point: &'static str) {}

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
        let late = h.join_deadline(Instant::now() + Duration::from_millis(50));
        assert_eq!(late.names(), ["stuck"]);
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
    fn late_threads_gather_in_order() {
        let one = |name: &str| Late(vec![name.to_owned()]);
        let mut late: Late = [one("a"), Late::default(), one("b")].into_iter().collect();
        late.add(Late::default());
        late.add(one("c"));
        assert_eq!(late.names(), ["a", "b", "c"]);
        assert!(!late.is_empty());
        assert!(Late::default().is_empty());
    }

    #[test]
    fn join_deadline_succeeds_for_finished_thread() {
        let h = spawn("quick", || {}).unwrap();
        assert!(h
            .join_deadline(Instant::now() + Duration::from_secs(5))
            .is_empty());
    }

    #[test]
    fn end_guard_reports_the_normal_end_once() {
        let (tx, rx) = bounded(4);
        let h = spawn("ends-well", move || {
            let guard = on_end(move |end: Result<u32, String>| {
                let _ = tx.send(end);
            });
            guard.finish(7);
        })
        .unwrap();
        assert!(h
            .join_deadline(Instant::now() + Duration::from_secs(5))
            .is_empty());
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), vec![Ok(7)]);
    }

    #[test]
    fn end_guard_reports_a_panic_with_its_message() {
        let (tx, rx) = bounded(4);
        let h = spawn("ends-badly", move || {
            let guard = on_end(move |end: Result<(), String>| {
                let _ = tx.send(end);
            });
            let numbers: Vec<u32> = Vec::new();
            if numbers.is_empty() {
                panic!("expected in test: no numbers");
            }
            guard.finish(());
        })
        .unwrap();
        // The owner's select! wakes up when the thread ends.
        let done = h.done().clone();
        crossbeam_channel::select! {
            recv(done) -> msg => assert!(msg.is_err(), "nothing is sent on done"),
            default(Duration::from_secs(5)) => panic!("done did not disconnect"),
        }
        let ends: Vec<_> = rx.try_iter().collect();
        assert_eq!(ends.len(), 1, "{ends:?}");
        let why = ends[0].clone().expect_err("a panic");
        assert!(
            why.starts_with("expected in test: no numbers (at src/thread.rs:"),
            "{why}"
        );
    }

    #[test]
    fn injected_panics_hit_only_the_armed_thread_and_point() {
        inject::arm("injected-1", "here");
        let run = |name: &'static str, point: &'static str| {
            let (tx, rx) = bounded(1);
            let h = spawn(name, move || {
                let guard = on_end(move |end: Result<(), String>| {
                    let _ = tx.send(end);
                });
                panic_point(point);
                guard.finish(());
            })
            .unwrap();
            assert!(h
                .join_deadline(Instant::now() + Duration::from_secs(5))
                .is_empty());
            rx.recv().unwrap()
        };
        assert_eq!(run("injected-2", "here"), Ok(()));
        assert_eq!(run("injected-1", "elsewhere"), Ok(()));
        let why = run("injected-1", "here").expect_err("armed");
        assert!(why.starts_with("injected panic at here"), "{why}");
        // Armed once: the next pass goes through.
        assert_eq!(run("injected-1", "here"), Ok(()));
    }

    #[test]
    fn payloads_become_text() {
        let caught = std::panic::catch_unwind(|| panic!("formatted {}", 1)).unwrap_err();
        assert_eq!(payload_text(&*caught), "formatted 1");
        let caught = std::panic::catch_unwind(|| panic!("static")).unwrap_err();
        assert_eq!(payload_text(&*caught), "static");
        let caught = std::panic::catch_unwind(|| std::panic::panic_any(5u8)).unwrap_err();
        assert_eq!(payload_text(&*caught), "(no message)");
    }

    #[test]
    fn panicking_thread_is_joined_not_propagated() {
        let h = spawn("boom", || panic!("expected in test")).unwrap();
        assert!(h
            .join_deadline(Instant::now() + Duration::from_secs(5))
            .is_empty());
    }
}
