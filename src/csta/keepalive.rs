//! TCP keep-alive on CSTA client sockets, so that a client whose host
//! vanished (power cut, cable pulled, a firewall dropping the flow) is
//! noticed even while it has nothing to say: its socket reports an error
//! after about [`IDLE`] + [`COUNT`] × [`INTERVAL`] without an answer from
//! the peer's TCP stack. Clients that merely keep quiet are answered by
//! their TCP stack and stay; they are probed at the CSTA level instead
//! (`csta.idle_timeout_s`, see `csta::session`).

use std::io;
use std::net::TcpStream;
use std::os::fd::AsRawFd;

/// Seconds of silence before the first keep-alive probe.
pub const IDLE: i32 = 30;
/// Seconds between unanswered probes.
pub const INTERVAL: i32 = 10;
/// Unanswered probes before the connection counts as dead.
pub const COUNT: i32 = 3;

/// Turns keep-alive on for `stream` with the timers above.
pub fn enable(stream: &TcpStream) -> io::Result<()> {
    let fd = stream.as_raw_fd();
    set(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1)?;
    #[cfg(target_os = "linux")]
    {
        set(fd, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, IDLE)?;
        set(fd, libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, INTERVAL)?;
        set(fd, libc::IPPROTO_TCP, libc::TCP_KEEPCNT, COUNT)?;
    }
    Ok(())
}

fn set(
    fd: libc::c_int,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    // SAFETY: `fd` is an open socket owned by the caller's TcpStream for the
    // duration of the call; the option value is a c_int on the stack whose
    // size is passed along.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const libc::c_int).cast::<libc::c_void>(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn get(fd: libc::c_int, level: libc::c_int, name: libc::c_int) -> libc::c_int {
        let mut value: libc::c_int = -1;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: as in `set`, with a writable c_int and its length.
        let rc = unsafe {
            libc::getsockopt(
                fd,
                level,
                name,
                (&mut value as *mut libc::c_int).cast::<libc::c_void>(),
                &mut len,
            )
        };
        assert_eq!(rc, 0, "{}", io::Error::last_os_error());
        value
    }

    #[test]
    fn keepalive_is_on_with_our_timers() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let fd = server.as_raw_fd();
        assert_eq!(get(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE), 0);
        enable(&server).unwrap();
        assert_ne!(get(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE), 0);
        #[cfg(target_os = "linux")]
        {
            assert_eq!(get(fd, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE), IDLE);
            assert_eq!(get(fd, libc::IPPROTO_TCP, libc::TCP_KEEPINTVL), INTERVAL);
            assert_eq!(get(fd, libc::IPPROTO_TCP, libc::TCP_KEEPCNT), COUNT);
        }
        drop(client);
    }
}
