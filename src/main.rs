//! `bwcsta` — command line, start-up and orderly shutdown.
//!
//! ```text
//! bwcsta --config FILE           run until SIGINT/SIGTERM, then stop cleanly (exit 0)
//! bwcsta --config FILE --check   validate the configuration (exit 0 or 2)
//! bwcsta --version
//! bwcsta replay [--edition EDn] [--domain D] CAPTURE...   replay a capture offline
//! ```
//! Exit codes: 0 clean stop, 2 bad usage or configuration, 1 runtime failure.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, select, unbounded};

use bwcsta::capture::{self, Capture};
use bwcsta::config::Config;
use bwcsta::csta::edition::Edition;
use bwcsta::csta::server::{Listener, ListenerConfig};
use bwcsta::dispatcher::{ActionQueue, Ctx, Dispatcher, DispatcherConfig};
use bwcsta::event::{Event, LinkId};
use bwcsta::pidfile::PidFile;
use bwcsta::status::StatusWriter;
use bwcsta::xsi::client::LinkFlags;
use bwcsta::xsi::executor::Executor;
use bwcsta::xsi::known::KnownSubscriptions;
use bwcsta::xsi::link::LinkHandle;
use bwcsta::xsi::settings::XsiSettings;
use bwcsta::xsi::subscriber::{self, Subscriber};
use bwcsta::{logging, replay, signals, thread};

const USAGE: &str = "\
usage: bwcsta --config FILE [--check]
       bwcsta replay [--edition EDn] [--domain DOMAIN] CAPTURE...
       bwcsta --version
       bwcsta --help

  --config FILE   configuration file (JSON)
  --check         validate the configuration, print \"config OK\" or each problem, and exit
  --version       print the version
  replay          feed capture files (or a capture directory) through the translator
                  offline and print the CSTA events it would send, one per line
    --edition EDn   namespace of the printed events (ed2..ed6) [the clients' own]
    --domain D      xsi.default_domain to assume [the captured daemon's]
";

/// Everything stops within this long after SIGTERM.
const SHUTDOWN_BUDGET: Duration = Duration::from_millis(1500);
/// Messages waiting for the dispatcher; a full inbox slows the XSP readers
/// and CSTA readers (TCP back-pressure) rather than growing memory. An XSP
/// reader sends one message per socket read (a batch of events), a CSTA
/// reader one per request: 8 Ki messages are seconds of traffic, and a
/// client pipelining 100 000 MonitorStarts waits at the door instead of
/// parking tens of megabytes of parsed requests here.
const INBOX: usize = 8 * 1024;
/// Call-control jobs waiting for a worker; beyond, requests are answered
/// `resourceBusy` (jobs on one device wait in the dispatcher instead).
const ACTION_QUEUE: usize = 256;

enum Command {
    Run(PathBuf),
    Check(PathBuf),
    Replay(Vec<PathBuf>, replay::Options),
    Version,
    Help,
}

fn parse_args(args: impl Iterator<Item = std::ffi::OsString>) -> Result<Command, String> {
    let mut args = args.peekable();
    if args.peek().and_then(|a| a.to_str()) == Some("replay") {
        args.next();
        return parse_replay_args(args);
    }
    let mut config = None;
    let mut check = false;
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--config") | Some("-c") => {
                let v = args.next().ok_or("--config needs a file name")?;
                config = Some(PathBuf::from(v));
            }
            Some(s) if s.starts_with("--config=") => {
                config = Some(PathBuf::from(&s["--config=".len()..]));
            }
            Some("--check") => check = true,
            Some("--version") | Some("-V") => return Ok(Command::Version),
            Some("--help") | Some("-h") => return Ok(Command::Help),
            _ => return Err(format!("unknown argument {}", arg.to_string_lossy())),
        }
    }
    let config = config.ok_or("--config FILE is required")?;
    Ok(if check {
        Command::Check(config)
    } else {
        Command::Run(config)
    })
}

fn parse_replay_args(args: impl Iterator<Item = std::ffi::OsString>) -> Result<Command, String> {
    let mut opts = replay::Options::default();
    let mut paths = Vec::new();
    let mut args = args;
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--edition") => {
                let v = args.next().ok_or("--edition needs ed2..ed6")?;
                let name = v.to_string_lossy();
                let edition = Edition::from_name(&name)
                    .ok_or_else(|| format!("--edition: unknown edition {name} (ed2..ed6)"))?;
                opts.edition = Some(edition);
            }
            Some("--domain") => {
                let v = args.next().ok_or("--domain needs a domain")?;
                opts.domain = Some(v.to_string_lossy().into_owned());
            }
            Some("--help") | Some("-h") => return Ok(Command::Help),
            Some(s) if s.starts_with('-') => return Err(format!("replay: unknown option {s}")),
            _ => paths.push(PathBuf::from(arg)),
        }
    }
    if paths.is_empty() {
        return Err("replay needs a capture file or directory".into());
    }
    Ok(Command::Replay(paths, opts))
}

/// `bwcsta replay`: the CSTA events on stdout, the summary on stderr.
fn run_replay(paths: &[PathBuf], opts: &replay::Options) -> ExitCode {
    let mut files = Vec::new();
    for p in paths {
        match replay::files_of(p) {
            Ok(mut f) => files.append(&mut f),
            Err(e) => {
                eprintln!("bwcsta replay: {}: {e}", p.display());
                return ExitCode::from(1);
            }
        }
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let summary = match replay::replay_files(&files, opts, &mut out) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bwcsta replay: {e}");
            return ExitCode::from(1);
        }
    };
    if let Err(e) = std::io::Write::flush(&mut out) {
        eprintln!("bwcsta replay: cannot write the replay: {e}");
        return ExitCode::from(1);
    }
    for w in &summary.warnings {
        eprintln!("bwcsta replay: warning: {w}");
    }
    eprintln!(
        "bwcsta replay: {} file(s), {} records, {} Xsi events, {} CSTA events",
        summary.files, summary.records, summary.xsi_events, summary.csta_events
    );
    for line in summary.comparison() {
        eprintln!("bwcsta replay: {line}");
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let command = match parse_args(std::env::args_os().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bwcsta: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Version => {
            println!("bwcsta {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Command::Help => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Command::Replay(paths, opts) => run_replay(&paths, &opts),
        Command::Check(path) => match Config::load(&path) {
            // What start-up derives from the configuration is built too
            // (the TLS connector), so "config OK" means start-up accepts it.
            Ok(config) => match XsiSettings::from_config(&config) {
                Ok(_) => {
                    println!("config OK");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("bwcsta: {}: {e}", path.display());
                    ExitCode::from(2)
                }
            },
            Err(e) => {
                report_config_error(&path, &e);
                ExitCode::from(2)
            }
        },
        Command::Run(path) => {
            let config = match Config::load(&path) {
                Ok(c) => c,
                Err(e) => {
                    report_config_error(&path, &e);
                    return ExitCode::from(2);
                }
            };
            match run(config) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    log::error!("{e}");
                    eprintln!("bwcsta: {e}");
                    ExitCode::from(1)
                }
            }
        }
    }
}

fn report_config_error(path: &std::path::Path, e: &bwcsta::config::ConfigError) {
    for p in &e.problems {
        eprintln!("bwcsta: {}: {p}", path.display());
    }
}

/// The service: start everything, wait for a stop signal, stop everything.
fn run(config: Config) -> Result<(), String> {
    logging::init(&config.log)?;
    thread::install_panic_hook();
    let stop_signal = signals::install()?;
    log::info!(
        "bwcsta {} starting (pid {}), {} XSP(s)",
        env!("CARGO_PKG_VERSION"),
        std::process::id(),
        config.xsi.servers.len()
    );

    let settings = Arc::new(XsiSettings::from_config(&config)?);
    if settings.trust.accepts_invalid_certs() {
        log::warn!(
            "xsi.tls.accept_invalid_certs is true: XSP certificates and host names are NOT \
             checked; anyone on the path can read and change the Xsi traffic (lab use only)"
        );
    }
    let known = Arc::new(KnownSubscriptions::new());
    let flags = Arc::new(LinkFlags::new(settings.servers.len()));
    let (inbox_tx, inbox) = bounded::<Event>(INBOX);
    let (jobs_tx, jobs) = unbounded();
    let (actions_tx, actions) = bounded(ACTION_QUEUE);
    let (dispatch_stop_tx, dispatch_stop) = bounded::<()>(0);

    let (status_poke_tx, status_poke) = bounded::<()>(1);
    let dispatcher = Dispatcher::new(Ctx {
        cfg: DispatcherConfig {
            edition: config.csta.edition,
            system_status_on_connect: config.csta.system_status_on_connect,
            default_domain: config.xsi.default_domain.clone(),
            link_names: settings.servers.iter().map(|s| s.0.clone()).collect(),
            reorder_wait: config.xsi.reorder_wait,
            subscription_workers: config.xsi.subscription_workers,
            event_package: config.xsi.event_package.clone(),
            feature_packages: config.xsi.feature_packages.clone(),
            devices: config.devices.clone(),
        },
        jobs: jobs_tx,
        actions: ActionQueue {
            jobs: actions_tx,
            attempt_timeout: settings.request_timeout,
            servers: settings.servers.len(),
        },
        known: known.clone(),
        flags: flags.clone(),
        status_poke: Some(status_poke_tx),
    });
    let listener = Listener::start(
        ListenerConfig {
            listen: config.csta.listen,
            allow: config.csta.allow.clone(),
            max_sessions: config.csta.max_sessions,
            idle_timeout: config.csta.idle_timeout,
            clients: config.csta.clients.clone(),
            tls: config.csta.tls.clone(),
        },
        inbox_tx.clone(),
    )?;
    // Only once the port is bound: the init script takes the pid file as
    // the sign of a start that got past its likeliest failure. Its lock
    // still guards everything written below (capture, status).
    let _pid = match &config.pid_file {
        Some(path) => Some(PidFile::create(path).map_err(|e| e.to_string())?),
        None => None,
    };
    let capture = match &config.capture {
        Some(cfg) => Some(start_capture(cfg, &config)?),
        None => None,
    };
    let status = match &config.status_file {
        Some(path) => Some(
            StatusWriter::start(
                path.clone(),
                config.status_interval,
                dispatcher.snapshot_fn(),
                status_poke,
            )
            .map_err(|e| format!("cannot start status writer: {e}"))?,
        ),
        None => None,
    };
    let subscriber = Subscriber::start(
        settings.clone(),
        flags.clone(),
        config.xsi.subscription_workers,
        jobs,
        inbox_tx.clone(),
    )
    .map_err(|e| format!("cannot start subscription workers: {e}"))?;
    let executor = match Executor::start(
        settings.clone(),
        flags.clone(),
        config.xsi.action_workers,
        actions,
        inbox_tx.clone(),
    ) {
        Ok(executor) => executor,
        Err(e) => {
            // The dispatcher holds the subscription job sender: drop it
            // first, or joining the subscription workers would hang.
            drop(dispatcher);
            return Err(format!("cannot start call-control workers: {e}"));
        }
    };
    let dispatch = DispatchHandle {
        stop: dispatch_stop_tx,
        thread: thread::spawn("dispatcher", move || dispatcher.run(inbox, dispatch_stop))
            .map_err(|e| format!("cannot start dispatcher: {e}"))?,
    };

    let mut links = Vec::new();
    for i in 0..settings.servers.len() {
        let link = LinkHandle::start(LinkId(i), settings.clone(), inbox_tx.clone(), known.clone())
            .map_err(|e| format!("cannot start link thread: {e}"))?;
        links.push(link);
    }
    drop(inbox_tx);
    log::info!("bwcsta running");

    wait_for_stop(&stop_signal, &dispatch.thread)?;
    log::info!("stop requested: shutting down");
    let deadline = Instant::now() + SHUTDOWN_BUDGET;

    // CSTA first, so clients see the connection close promptly.
    let mut late = listener.stop(deadline);
    // Channels: delete them (each link in parallel), then the threads end.
    for link in &mut links {
        link.begin_stop();
    }
    for link in links {
        late.add(link.finish_stop(deadline));
    }
    let DispatchHandle { stop, thread } = dispatch;
    drop(stop);
    late.add(thread.join_deadline(deadline));
    // The dispatcher dropped the job senders: workers drain and end.
    late.add(subscriber.join_deadline(deadline));
    late.add(executor.join_deadline(deadline));
    if let Some(capture) = capture {
        late.add(capture.stop(deadline));
    }
    let ids = known.ids();
    if !ids.is_empty() {
        subscriber::delete_all(&settings, &flags, &ids, deadline);
    }
    if let Some(status) = status {
        late.add(status.stop(deadline));
    }
    stopped(&late)
}

/// How a stop ended: clean, or (exit status 1) with the threads still
/// running at the shutdown deadline, named in one line.
fn stopped(late: &thread::Late) -> Result<(), String> {
    if late.is_empty() {
        log::info!("bwcsta stopped");
        return Ok(());
    }
    Err(format!(
        "stopped with {} thread(s) still running after the {:.1} s shutdown budget: {}",
        late.names().len(),
        SHUTDOWN_BUDGET.as_secs_f64(),
        late.names().join(", ")
    ))
}

/// Starts recording for a support case; the password and the Basic
/// credentials are masked in everything recorded.
fn start_capture(cfg: &bwcsta::config::CaptureConfig, config: &Config) -> Result<Capture, String> {
    let meta = capture::Meta {
        bwcsta: env!("CARGO_PKG_VERSION").into(),
        pid: std::process::id(),
        edition: config.csta.edition.name().into(),
        default_domain: config.xsi.default_domain.clone(),
        links: config.xsi.servers.iter().map(|s| s.name.clone()).collect(),
        reorder_wait_s: Some(config.xsi.reorder_wait.as_secs_f64()),
    };
    let password = config.xsi.password.expose();
    let basic = bwcsta::http::wire::basic_auth(&config.xsi.username, password);
    let token = basic.trim_start_matches("Basic ").to_owned();
    Capture::start(
        cfg,
        &meta,
        vec![password.as_bytes().to_vec(), token.into_bytes()],
    )
}

/// The dispatcher thread and its stop signal. Field order matters: on an
/// early return the sender is dropped first, so the join cannot hang.
struct DispatchHandle {
    stop: crossbeam_channel::Sender<()>,
    thread: thread::Handle,
}

/// Waits for SIGINT/SIGTERM, or for the dispatcher's end, which is fatal
/// (nothing would answer clients or handle links any more): noticed the
/// moment its thread ends, not by polling.
fn wait_for_stop(
    stop_signal: &crossbeam_channel::Receiver<()>,
    dispatcher: &thread::Handle,
) -> Result<(), String> {
    select! {
        recv(stop_signal) -> _ => Ok(()),
        recv(dispatcher.done()) -> _ => Err("dispatcher thread ended unexpectedly".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Command, String> {
        parse_args(list.iter().map(std::ffi::OsString::from))
    }

    #[test]
    fn a_stop_with_threads_still_running_fails_naming_them() {
        assert_eq!(stopped(&thread::Late::default()), Ok(()));
        let (hold, held) = bounded::<()>(0);
        let stuck = thread::spawn("stuck-test", move || {
            let _ = held.recv();
        })
        .unwrap();
        let late = stuck.join_deadline(Instant::now());
        drop(hold);
        assert_eq!(
            stopped(&late),
            Err(
                "stopped with 1 thread(s) still running after the 1.5 s shutdown budget: \
                 stuck-test"
                    .to_owned()
            )
        );
    }

    #[test]
    fn a_dead_dispatcher_ends_the_wait_at_once() {
        let (_stop_tx, stop) = bounded::<()>(1);
        let dispatcher = thread::spawn("dispatcher-test", || panic!("expected in test")).unwrap();
        assert_eq!(
            wait_for_stop(&stop, &dispatcher),
            Err("dispatcher thread ended unexpectedly".to_owned())
        );
        let (stop_tx, stop) = bounded::<()>(1);
        let (hold, held) = bounded::<()>(0);
        let running = thread::spawn("dispatcher-test-2", move || {
            let _ = held.recv();
        })
        .unwrap();
        stop_tx.send(()).unwrap();
        assert_eq!(wait_for_stop(&stop, &running), Ok(()));
        drop(hold);
    }

    #[test]
    fn command_lines() {
        assert!(matches!(args(&["--version"]), Ok(Command::Version)));
        assert!(matches!(args(&["--help"]), Ok(Command::Help)));
        assert!(
            matches!(args(&["--config", "a.json"]), Ok(Command::Run(p)) if p == std::path::Path::new("a.json"))
        );
        assert!(matches!(
            args(&["--config=a.json", "--check"]),
            Ok(Command::Check(_))
        ));
        assert!(matches!(
            args(&["--check", "--config", "a.json"]),
            Ok(Command::Check(_))
        ));
        for bad in [
            &[][..],
            &["--config"],
            &["--check"],
            &["--bogus"],
            &["a.json"],
            &["replay"],
            &["replay", "--edition", "ed9", "x.cap"],
            &["replay", "--edition"],
            &["replay", "--bogus", "x.cap"],
        ] {
            assert!(args(bad).is_err(), "{bad:?}");
        }
        match args(&[
            "replay",
            "--edition",
            "ed4",
            "--domain",
            "d.net",
            "a.cap",
            "dir",
        ]) {
            Ok(Command::Replay(paths, opts)) => {
                assert_eq!(paths, [PathBuf::from("a.cap"), PathBuf::from("dir")]);
                assert_eq!(opts.edition, Some(Edition::Ed4));
                assert_eq!(opts.domain.as_deref(), Some("d.net"));
            }
            _ => panic!("replay arguments"),
        }
    }
}
