//! The state one XSP link shares between its link thread
//! ([`xsi::link`](crate::xsi::link)), that channel's control thread
//! ([`xsi::control`](crate::xsi::control)) and the link's handle: whether
//! the link is stopping, and the means to end the open channel from
//! another thread. Both thread modules import it; neither imports the
//! other for it.

use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;

/// State shared between the link thread, its control thread and the handle.
#[derive(Default)]
pub struct LinkShared {
    stopping: AtomicBool,
    /// The stream socket, to unblock a read from another thread.
    socket: Mutex<Option<TcpStream>>,
    /// Why the channel was killed (a heartbeat failure, say), which is
    /// then the reason it ended rather than the failed read's.
    kill_reason: Mutex<Option<String>>,
}

impl LinkShared {
    /// The link is stopping (the connector shuts down).
    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Marks the link as stopping.
    pub fn set_stopping(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// Ends the current channel: the blocked stream read fails at once.
    pub fn kill(&self, reason: String) {
        *self.kill_reason.lock() = Some(reason);
        if let Some(s) = self.socket.lock().as_ref() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    /// A channel is open on `socket` (a handle to the stream's socket):
    /// [`kill`](Self::kill) shuts it down from now on. Forgets the kill
    /// reason of an earlier channel.
    pub fn channel_open(&self, socket: TcpStream) {
        *self.socket.lock() = Some(socket);
        *self.kill_reason.lock() = None;
    }

    /// The channel is over: nothing left to shut down.
    pub fn channel_closed(&self) {
        *self.socket.lock() = None;
    }

    /// Like [`channel_closed`](Self::channel_closed), also forgetting a
    /// kill reason (after a panic, where nobody read it).
    pub fn reset(&self) {
        *self.socket.lock() = None;
        *self.kill_reason.lock() = None;
    }

    /// Why the channel was killed, if it was; taken once.
    pub fn take_kill_reason(&self) -> Option<String> {
        self.kill_reason.lock().take()
    }
}
