//! The blocking listener and connection loops shared by the XSP and control servers.
//!
//! A listener thread accepts connections and starts one named thread per connection. The
//! connection thread reads into a buffer, answers every complete request found there in order
//! (pipelined requests batch their responses into one write), and either keeps going, closes, or
//! hands the socket to a streaming body (the event channel). An XSP listener honours the XSP's
//! `down` flag by closing its listening socket and binding it again when the flag clears.
//!
//! An XSP configured for HTTPS runs the TLS handshake on the connection's own thread first; a
//! failed handshake (the client refused the certificate) is counted and logged. Like a real
//! XSP, a request connection left idle for the keep-alive timeout is closed (its responses
//! say `Keep-Alive: timeout=N`).

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::http::{parse_request, write_response, HttpError, Parsed, Request};
use super::hub::{Hub, Owner};
use super::reply::{Reply, XML};
use super::tls::SimStream;

/// Read timeout of request connections (bounds how late a shutdown or an idle connection is
/// noticed); shorter when the keep-alive timeout is.
const READ_TICK: Duration = Duration::from_millis(250);

/// What a handler does with a request.
pub(crate) enum Outcome {
    Reply(Reply),
    /// The connection becomes a streaming response: the closure owns the socket from here on
    /// (earlier pipelined responses have been written).
    Stream(Box<dyn FnOnce(SimStream)>),
    /// The connection is closed without an answer (earlier pipelined responses are written).
    Drop,
}

/// A request handler for one listener.
pub(crate) trait Service: Send + Sync + 'static {
    /// How long after its arrival `req` is handled (see `delay`).
    fn delay(&self, _req: &Request<'_>) -> Duration {
        Duration::ZERO
    }
    fn handle(&self, req: &Request<'_>) -> Outcome;
    /// The answer to an unparsable request (the connection is closed after it).
    fn bad_request(&self, err: &HttpError) -> Reply;
}

fn header_refs<'a>(headers: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    headers.iter().map(|(n, v)| (*n, v.as_str())).collect()
}

fn flush(stream: &mut SimStream, out: &mut Vec<u8>) -> std::io::Result<()> {
    if !out.is_empty() {
        stream.write_all(out)?;
        out.clear();
    }
    Ok(())
}

/// An XML answer goes through the schema check (when it is on).
fn check_reply(hub: &Hub, reply: &Reply) {
    if reply.content_type == XML && !reply.body.is_empty() {
        hub.check_sent(&reply.body);
    }
}

/// Serves one connection until it closes, fails, idles out, or becomes a stream.
pub(crate) fn serve(hub: &Hub, mut stream: SimStream, service: &dyn Service) {
    let idle_timeout = hub.cfg.keep_alive_timeout;
    let keep_alive = format!("timeout={}", idle_timeout.as_secs_f64().ceil().max(1.0));
    let tick = READ_TICK
        .min(idle_timeout / 4)
        .max(Duration::from_millis(5));
    let _ = stream.tcp().set_nodelay(true);
    let _ = stream.tcp().set_read_timeout(Some(tick));
    let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut out: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut chunk = vec![0u8; 64 * 1024];
    let mut last_activity = Instant::now();
    let mut continued = false;
    loop {
        let mut used = 0;
        loop {
            match parse_request(&buf[used..]) {
                Ok(Parsed::Complete(req, n)) => {
                    used += n;
                    continued = false;
                    let delay = service.delay(&req);
                    if !delay.is_zero() {
                        // Earlier answers go now; this one when its delay has passed since
                        // it arrived (pipelined requests wait together, not in turn).
                        if flush(&mut stream, &mut out).is_err() {
                            return;
                        }
                        hub.delays
                            .wait_until(last_activity + delay, || hub.is_shutting_down());
                    }
                    let keep = req.keep_alive();
                    match service.handle(&req) {
                        Outcome::Reply(reply) => {
                            check_reply(hub, &reply);
                            write_response(
                                &mut out,
                                reply.status,
                                reply.content_type,
                                &header_refs(&reply.headers),
                                &reply.body,
                                keep.then_some(keep_alive.as_str()),
                            );
                            if (reply.after.is_some() || !keep)
                                && flush(&mut stream, &mut out).is_err()
                            {
                                return;
                            }
                            if let Some(after) = reply.after {
                                after();
                            }
                            if !keep {
                                return;
                            }
                        }
                        Outcome::Stream(run) => {
                            if flush(&mut stream, &mut out).is_ok() {
                                run(stream);
                            }
                            return;
                        }
                        Outcome::Drop => {
                            let _ = flush(&mut stream, &mut out);
                            return;
                        }
                    }
                }
                Ok(Parsed::Partial { expect_continue }) => {
                    if expect_continue && !continued {
                        out.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
                        continued = true;
                    }
                    break;
                }
                Err(err) => {
                    let reply = service.bad_request(&err);
                    check_reply(hub, &reply);
                    write_response(
                        &mut out,
                        reply.status,
                        reply.content_type,
                        &header_refs(&reply.headers),
                        &reply.body,
                        None,
                    );
                    let _ = flush(&mut stream, &mut out);
                    return;
                }
            }
        }
        buf.drain(..used);
        if flush(&mut stream, &mut out).is_err() {
            return;
        }
        match stream.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                last_activity = Instant::now();
            }
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) =>
            {
                if hub.is_shutting_down() {
                    return;
                }
                if last_activity.elapsed() >= idle_timeout {
                    hub.keep_alive_closes.fetch_add(1, Ordering::Relaxed);
                    stream.close();
                    return;
                }
            }
            Err(_) => return,
        }
    }
}

/// The address to connect to in order to reach a listener bound to `addr`.
pub(crate) fn reachable(addr: SocketAddr) -> SocketAddr {
    let mut target = addr;
    if addr.ip().is_unspecified() {
        target.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    target
}

/// Wakes a listener blocked in `accept` by connecting to it.
pub(crate) fn poke(addr: SocketAddr) {
    let _ = TcpStream::connect_timeout(&reachable(addr), Duration::from_millis(500));
}

fn is_down(hub: &Hub, owner: Owner) -> bool {
    match owner {
        Owner::Xsp(i) => *hub.xsps[i].down.lock(),
        Owner::Control => false,
    }
}

/// Accepts connections on `listener` (bound to `addr`) until shutdown; see the module docs.
pub(crate) fn run_listener(
    hub: Arc<Hub>,
    owner: Owner,
    listener: TcpListener,
    addr: SocketAddr,
    service: Arc<dyn Service>,
    prefix: String,
) {
    let mut listener = Some(listener);
    loop {
        if hub.is_shutting_down() {
            return;
        }
        if let Owner::Xsp(i) = owner {
            let flags = &hub.xsps[i];
            let mut down = flags.down.lock();
            if *down {
                listener = None;
                while *down && !hub.is_shutting_down() {
                    flags
                        .down_changed
                        .wait_for(&mut down, Duration::from_millis(100));
                }
                continue;
            }
        }
        let Some(l) = listener.as_ref() else {
            match TcpListener::bind(addr) {
                Ok(l) => listener = Some(l),
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
            continue;
        };
        match l.accept() {
            Ok((stream, _)) => {
                if hub.is_shutting_down() {
                    return;
                }
                if is_down(&hub, owner) {
                    continue;
                }
                let Some(id) = hub.register_socket(owner, &stream) else {
                    continue;
                };
                let (hub2, service2) = (hub.clone(), service.clone());
                let tls = match owner {
                    Owner::Xsp(i) => hub.cfg.https.get(i).cloned().flatten(),
                    Owner::Control => None,
                };
                let name = prefix.clone();
                let spawned = hub.spawn(format!("{prefix}-conn-{id}"), move || {
                    let stream = match &tls {
                        None => Some(SimStream::Plain(stream)),
                        Some(acceptor) => match SimStream::accept(acceptor, stream) {
                            Ok(stream) => Some(stream),
                            Err(why) => {
                                hub2.tls_failures.fetch_add(1, Ordering::Relaxed);
                                hub2.log(|| format!("{name}: TLS handshake failed: {why}"));
                                None
                            }
                        },
                    };
                    if let Some(stream) = stream {
                        serve(&hub2, stream, &*service2);
                    }
                    hub2.unregister_socket(id);
                });
                if spawned.is_err() {
                    hub.unregister_socket(id);
                }
            }
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}
