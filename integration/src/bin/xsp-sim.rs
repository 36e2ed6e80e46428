//! `xsp-sim`: run the XSP simulator as a process, or drive a running one.
//!
//! `xsp-sim serve …` starts the simulator with a control API and logs notable events to stdout
//! until the process is killed. `xsp-sim ctl --control ADDR COMMAND [key=value …]` sends one
//! control command and prints the JSON reply (exit 0 on 2xx, 1 otherwise).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use bwcsta_integration::sim::{RequestKind, SimConfig, Simulator};

const USAGE: &str = "\
xsp-sim: a BroadWorks XSP (Xsi-Events and Xsi-Actions) simulator

USAGE:
  xsp-sim serve --xsp NAME=ADDR [--xsp NAME=ADDR ...] --control ADDR
                --user USER --password PASSWORD [--domain DOMAIN]
                [--ack-timeout SECONDS] [--event-timeout SECONDS] [--channel-expires SECONDS]
                [--delay KIND=SECONDS ...] [--schema-check on|off]
  xsp-sim ctl --control ADDR COMMAND [key=value ...]
  xsp-sim --help

serve   Runs until killed. Prints \"NAME listening on http://ADDR\" per XSP and
        \"control on ADDR\", then one line per notable event.
          --xsp NAME=ADDR        an XSP and its listen address (repeatable; port 0 = any)
          --control ADDR         control API listen address
          --user, --password     Basic-auth credentials every XSP request must carry
          --domain DOMAIN        DN 2001 is user 2001@DOMAIN [example.net]
          --ack-timeout S        re-send unacknowledged events after S seconds [2]
          --event-timeout S      close channels without a heartbeat for S seconds [off]
          --channel-expires S    channel expires to grant [what was asked, at least 3600]
          --delay KIND=S         answer requests of KIND S seconds after they arrive, each on
                                 its own (repeatable); KIND: channel, heartbeat, ack, subscribe,
                                 refresh, unsubscribe, actions, all [none]
          --schema-check on|off  check every document sent and every XML body received
                                 against the BroadWorks Xsi schema; violations are logged
                                 and counted in `stats` (schema) [on]

ctl     Sends COMMAND to the control API: POST /sim/COMMAND?key=value&...
        (GET /sim/stats for `stats`) and prints the JSON reply.
        Commands: call from= to= | click_to_dial from= to= | busy from= to= |
          answer call= | hold call= by= | retrieve call= by= | release call= by= |
          transfer call= by= to= | consult_transfer held= active= by= |
          conference a= b= by= | as_failover dn= | delivery mode=normal|duplicate|swap |
          chunking mode=one|split|coalesce | fault/close xsp= |
          fault/terminate xsp= reason= | fault/stall xsp= on=1|0 |
          fault/status xsp= code= count= | fault/acks xsp= code= count= |
          fault/down xsp= on=1|0 |
          fault/action_status xsp= code= count= | fault/action_delay xsp= ms= |
          flood dns=2001,2002 count= [rate=] [probe=1] | probe | delay kind= seconds= |
          stats [brief=1]

EXAMPLE:
  xsp-sim serve --xsp xsp1=127.0.0.1:18081 --xsp xsp2=127.0.0.1:18082 \\
                --control 127.0.0.1:18090 --user cti@example.net --password secret
  xsp-sim ctl --control 127.0.0.1:18090 call from=2001 to=2002
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None | Some("--help" | "-h" | "help") => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some("serve") => serve(&args[1..]),
        Some("ctl") => ctl(&args[1..]),
        Some(other) => Err(format!("unknown command {other:?}")),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("xsp-sim: {message}\n(run `xsp-sim --help` for usage)");
            ExitCode::from(2)
        }
    }
}

/// Splits `--flag value` pairs; every flag takes exactly one value.
fn flag_pairs(args: &[String]) -> Result<Vec<(&str, &str)>, String> {
    let mut pairs = Vec::new();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--help" || flag == "-h" {
            return Err("--help".into());
        }
        if !flag.starts_with("--") {
            return Err(format!("unexpected argument {flag:?}"));
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        pairs.push((flag.as_str(), value.as_str()));
    }
    Ok(pairs)
}

fn addr(text: &str) -> Result<SocketAddr, String> {
    text.to_socket_addrs()
        .map_err(|e| format!("bad address {text:?}: {e}"))?
        .next()
        .ok_or_else(|| format!("bad address {text:?}"))
}

fn seconds(flag: &str, text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| format!("{flag} wants seconds, not {text:?}"))
}

fn serve(args: &[String]) -> Result<ExitCode, String> {
    let pairs = match flag_pairs(args) {
        Err(e) if e == "--help" => {
            print!("{USAGE}");
            return Ok(ExitCode::SUCCESS);
        }
        other => other?,
    };
    let mut cfg = SimConfig {
        xsps: Vec::new(),
        ..SimConfig::default()
    };
    let (mut user, mut password) = (None, None);
    for (flag, value) in pairs {
        match flag {
            "--xsp" => {
                let (name, a) = value
                    .split_once('=')
                    .ok_or_else(|| format!("--xsp wants NAME=ADDR, not {value:?}"))?;
                cfg.xsps.push((name.to_string(), addr(a)?));
            }
            "--control" => cfg.control = Some(addr(value)?),
            "--user" => user = Some(value.to_string()),
            "--password" => password = Some(value.to_string()),
            "--domain" => cfg.domain = value.to_string(),
            "--ack-timeout" => cfg.ack_timeout = seconds(flag, value)?,
            "--event-timeout" => cfg.event_timeout = Some(seconds(flag, value)?),
            "--channel-expires" => {
                cfg.channel_expires = Some(
                    value
                        .parse()
                        .map_err(|_| format!("--channel-expires wants seconds, not {value:?}"))?,
                )
            }
            "--delay" => {
                let (kind, secs) = value
                    .split_once('=')
                    .ok_or_else(|| format!("--delay wants KIND=SECONDS, not {value:?}"))?;
                let kinds = RequestKind::parse(kind)
                    .ok_or_else(|| format!("--delay: unknown request kind {kind:?}"))?;
                let d = seconds(flag, secs)?;
                cfg.delays.extend(kinds.into_iter().map(|k| (k, d)));
            }
            "--schema-check" => {
                cfg.schema_check = match value {
                    "on" => true,
                    "off" => false,
                    _ => return Err(format!("--schema-check wants on or off, not {value:?}")),
                }
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if cfg.xsps.is_empty() {
        return Err("at least one --xsp NAME=ADDR is required".into());
    }
    if cfg.control.is_none() {
        return Err("--control ADDR is required".into());
    }
    cfg.username = user.ok_or("--user is required")?;
    cfg.password = password.ok_or("--password is required")?;
    cfg.log = Some(std::sync::Arc::new(|line: &str| println!("{line}")));
    let _sim = match Simulator::start(cfg) {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("xsp-sim: cannot start: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    // Runs until the process is killed; the OS closes the sockets.
    loop {
        std::thread::park();
    }
}

/// Percent-encodes everything but unreserved characters.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~,".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn ctl(args: &[String]) -> Result<ExitCode, String> {
    let mut control = None;
    let mut command = None;
    let mut params = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--help" | "-h" => {
                print!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            "--control" => control = Some(addr(it.next().ok_or("--control needs a value")?)?),
            _ if command.is_none() && !arg.contains('=') => command = Some(arg.clone()),
            _ => {
                let (k, v) = arg
                    .split_once('=')
                    .ok_or_else(|| format!("expected key=value, not {arg:?}"))?;
                params.push(format!("{}={}", encode(k), encode(v)));
            }
        }
    }
    let control = control.ok_or("--control ADDR is required")?;
    let command = command.ok_or("a command is required")?;
    let command = match command.strip_prefix("fault-") {
        Some(rest) => format!("fault/{rest}"),
        None => command,
    };
    let method = if command == "stats" { "GET" } else { "POST" };
    let mut target = format!("/sim/{command}");
    if !params.is_empty() {
        target.push('?');
        target.push_str(&params.join("&"));
    }
    match http_request(control, method, &target) {
        Ok((status, body)) => {
            println!("{body}");
            Ok(if (200..300).contains(&status) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Err(e) => {
            eprintln!("xsp-sim: control API at {control}: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// One request on a fresh connection (`Connection: close`): (status, body).
fn http_request(addr: SocketAddr, method: &str, target: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let request = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, "malformed response")
        })?;
    Ok((status, body.to_string()))
}
