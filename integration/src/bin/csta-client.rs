//! `csta-client` — watch a running bwcsta: connect, start monitors, print
//! every message received as one line.
//!
//! ```text
//! csta-client --connect 127.0.0.1:1040 --monitor 2001 --monitor 2002
//!             [--edition ed3] [--session] [--count N] [--duration SECONDS] [--idle SECONDS]
//!             [--raw] [--quiet] [--stats]
//!             [--tls --ca FILE [--cert FILE --key FILE] [--server-name NAME]]
//! ```
//! `--tls` connects to a CSTA port with `csta.tls`: `--ca` is the PEM file
//! of the CA that signed the server's certificate (the system roots are not
//! used), `--cert`/`--key` the client's own certificate and PKCS#8 key when
//! the port asks for one, `--server-name` the name the server's
//! certificate must carry (the address's IP by default).
//! `--count` exits after N events, `--duration` after that many seconds,
//! `--idle` once events have arrived and then none for that many seconds;
//! `--stats` prints the number of events and the rate at the end (used by
//! the benchmark); `--quiet` prints no per-event lines and only counts event
//! frames, without parsing them, so it is a cheap load generator.
//!
//! Call control: each line on standard input is a command (see
//! [`bwcsta_integration::commands`]), e.g. `make 2001 2002`,
//! `answer 7:1 2002`, `clear 7:1 2001`; the request is sent at once and its
//! response printed like any other message. `quit` ends the client.

use std::io::BufRead;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use bwcsta::csta::edition::Edition;
use bwcsta::csta::parse;
use bwcsta_integration::client::{describe, start_application_session_xml, CstaClient, TlsOptions};
use bwcsta_integration::commands::{command_xml, HELP};
use crossbeam_channel::{unbounded, Receiver};

const USAGE: &str = "usage: csta-client --connect HOST:PORT [--monitor DEVICE]... [--edition edN] \
[--session] [--count N] [--duration SECONDS] [--idle SECONDS] [--raw] [--quiet] [--stats] \
[--tls --ca FILE [--cert FILE --key FILE] [--server-name NAME]]

Call-control commands, one per line on standard input (`quit` ends):";

struct Args {
    connect: SocketAddr,
    monitors: Vec<String>,
    edition: Edition,
    session: bool,
    count: Option<u64>,
    duration: Option<Duration>,
    idle: Option<Duration>,
    raw: bool,
    quiet: bool,
    stats: bool,
    /// `--tls`: the files as given, read in [`tls_options`].
    tls: Option<TlsFiles>,
}

#[derive(Default)]
struct TlsFiles {
    ca: Option<String>,
    cert: Option<String>,
    key: Option<String>,
    server_name: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut connect = None;
    let mut a = Args {
        connect: SocketAddr::from(([127, 0, 0, 1], 1040)),
        monitors: Vec::new(),
        edition: Edition::Ed3,
        session: false,
        count: None,
        duration: None,
        idle: None,
        raw: false,
        quiet: false,
        stats: false,
        tls: None,
    };
    let mut tls = TlsFiles::default();
    let mut use_tls = false;
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--connect" => {
                let v = value("--connect")?;
                connect = Some(v.parse().map_err(|_| format!("bad address {v}"))?);
            }
            "--monitor" => a.monitors.push(value("--monitor")?),
            "--edition" => {
                let v = value("--edition")?;
                a.edition = Edition::from_name(&v).ok_or(format!("unknown edition {v}"))?;
            }
            "--session" => a.session = true,
            "--count" => a.count = Some(value("--count")?.parse().map_err(|_| "bad --count")?),
            "--duration" => {
                let s: f64 = value("--duration")?.parse().map_err(|_| "bad --duration")?;
                a.duration = Some(Duration::from_secs_f64(s.max(0.0)));
            }
            "--idle" => {
                let s: f64 = value("--idle")?.parse().map_err(|_| "bad --idle")?;
                a.idle = Some(Duration::from_secs_f64(s.max(0.0)));
            }
            "--raw" => a.raw = true,
            "--quiet" => a.quiet = true,
            "--stats" => a.stats = true,
            "--tls" => use_tls = true,
            "--ca" => tls.ca = Some(value("--ca")?),
            "--cert" => tls.cert = Some(value("--cert")?),
            "--key" => tls.key = Some(value("--key")?),
            "--server-name" => tls.server_name = Some(value("--server-name")?),
            "--help" | "-h" => {
                println!("{USAGE}\n{HELP}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    a.connect = connect.ok_or("--connect is required")?;
    if use_tls {
        if tls.ca.is_none() {
            return Err("--tls needs --ca FILE".into());
        }
        if tls.cert.is_some() != tls.key.is_some() {
            return Err("--cert and --key go together".into());
        }
        a.tls = Some(tls);
    } else if tls.ca.is_some() || tls.cert.is_some() || tls.key.is_some() {
        return Err("--ca, --cert and --key need --tls".into());
    }
    Ok(a)
}

/// The files of `--tls`, read.
fn tls_options(files: &TlsFiles) -> std::io::Result<TlsOptions> {
    let read = |path: &str| {
        std::fs::read(path).map_err(|e| std::io::Error::new(e.kind(), format!("{path}: {e}")))
    };
    let identity = match (&files.cert, &files.key) {
        (Some(cert), Some(key)) => Some((read(cert)?, read(key)?)),
        _ => None,
    };
    Ok(TlsOptions {
        ca: read(files.ca.as_deref().unwrap_or_default())?,
        identity,
        server_name: files.server_name.clone(),
    })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("csta-client: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("csta-client: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &Args) -> std::io::Result<()> {
    let mut client = match &args.tls {
        Some(files) => CstaClient::connect_tls(args.connect, args.edition, &tls_options(files)?)?,
        None => CstaClient::connect(args.connect, args.edition)?,
    };
    let t = Duration::from_secs(10);
    if args.session {
        let id = client.request(&start_application_session_xml("csta-client", args.edition))?;
        let r = client.response(id, t)?;
        println!("{}", describe(&r));
    }
    for device in &args.monitors {
        match client.monitor_start(device, t)? {
            Ok(xref) => println!("monitoring {device}: monitorCrossRefID {xref}"),
            Err(e) => println!("monitoring {device} failed: {e}"),
        }
    }
    let commands = read_commands();
    let started = Instant::now();
    let mut first_event: Option<Instant> = None;
    let mut last_event = Instant::now();
    let mut events = 0u64;
    loop {
        if args.count.is_some_and(|n| events >= n) {
            break;
        }
        let remaining = match args.duration {
            Some(d) => match d.checked_sub(started.elapsed()) {
                Some(r) => r,
                None => break,
            },
            None => Duration::from_secs(3600),
        };
        if let (Some(idle), Some(_)) = (args.idle, first_event) {
            if last_event.elapsed() >= idle {
                break;
            }
        }
        let wait = remaining.min(Duration::from_millis(100));
        for line in commands.try_iter() {
            if line.trim() == "quit" {
                return Ok(());
            }
            match command_xml(client.ns(), &line) {
                Ok(Some(xml)) => {
                    let id = client.request(&xml)?;
                    let root = parse::parse(xml.as_bytes()).map(|i| i.root);
                    println!("sent {} (#{id})", root.unwrap_or_default());
                }
                Ok(None) => {}
                Err(e) => println!("error: {e}"),
            }
        }
        if args.quiet {
            // Counting only: no XML parsing, so the client stays a cheap load.
            let n = client.count_events(wait)?;
            if n > 0 {
                events += n;
                last_event = Instant::now();
                first_event.get_or_insert(last_event);
            }
            continue;
        }
        let Some(r) = client.recv(wait)? else {
            continue;
        };
        if r.is_event() {
            events += 1;
            last_event = Instant::now();
            first_event.get_or_insert(last_event);
        }
        if !args.quiet {
            if args.raw {
                println!("{} {}", r.invoke_id, r.xml);
            } else {
                println!("{}", describe(&r));
            }
        }
    }
    if args.stats {
        let secs = first_event.map_or(0.0, |t| last_event.duration_since(t).as_secs_f64());
        let rate = if secs > 0.0 {
            events as f64 / secs
        } else {
            0.0
        };
        println!("events {events} in {secs:.3}s = {rate:.0} events/s");
    }
    Ok(())
}

/// Lines of standard input, read on a thread of their own; the channel
/// just ends at end of input.
fn read_commands() -> Receiver<String> {
    let (tx, rx) = unbounded();
    let spawned = std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    if let Err(e) = spawned {
        eprintln!("csta-client: no command input: {e}");
    }
    rx
}
