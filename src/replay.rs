//! `bwcsta replay`: a capture run through the translator offline.
//!
//! The records are taken in file order. Xsi documents go through the same
//! path as in the daemon — parse, deduplicate and order
//! ([`Translator::accept`], with the capture's timestamps as the clock, so
//! gap waits expire as they did), translate for the monitors of the event's
//! target — and every CSTA event is printed as the frame the client would
//! get: `TIME CLIENT XML`, one per line. Lines starting with `#` say what
//! happened on the Xsi side (each event, channel changes, gaps in the
//! capture).
//!
//! The monitors are rebuilt from the captured CSTA frames: a `MonitorStart`
//! from a client and the `MonitorStartResponse` with the same invoke id
//! give the device, its filter and the monitorCrossRefID; a `MonitorStop`
//! or the end of the connection remove it. A capture without any CSTA
//! frame (the customer sent only the XSP side) is replayed for one client,
//! `replay`, monitoring every target user under its own name (the domain
//! removed).
//!
//! At the end the events replayed for each client are compared with the
//! events the daemon actually sent it, when the capture holds those.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use crate::capture::format::{decode, Kind, LinkChange, Record};
use crate::capture::{Meta, FILE_NAME};
use crate::csta::edition::Edition;
use crate::csta::parse::{self, Message, MonitorFilter};
use crate::time::rfc3339_micros;
use crate::translate::fanout::{
    fan_out, user_for, wants, Monitor, MonitorTable, Watch, UNMONITORED_GRACE,
};
use crate::translate::{CstaEvent, Translator};
use crate::xsi::parse::{parse_doc, EventData, XsiDoc, XsiEvent};

/// Choices of the command line.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Namespace of every replayed event, whatever the clients used.
    pub edition: Option<Edition>,
    /// `xsi.default_domain` to assume instead of the capture's.
    pub domain: Option<String>,
}

/// What a replay did, for the closing lines.
#[derive(Debug, Default)]
pub struct Summary {
    pub files: usize,
    pub records: usize,
    pub xsi_events: usize,
    pub csta_events: usize,
    /// Per client: events captured (sent by the daemon) and replayed.
    pub clients: BTreeMap<String, (Vec<String>, Vec<String>)>,
    /// Problems met while reading (damaged files), already printed.
    pub warnings: Vec<String>,
}

impl Summary {
    /// One line per client comparing the replay with the capture.
    pub fn comparison(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for (client, (captured, replayed)) in &self.clients {
            if captured.is_empty() && client == VIRTUAL_CLIENT {
                continue;
            }
            let verdict = match captured.iter().zip(replayed).position(|(a, b)| a != b) {
                _ if captured == replayed => "identical".to_owned(),
                Some(i) => format!("they differ from event {}", i + 1),
                None => "one is a prefix of the other".to_owned(),
            };
            lines.push(format!(
                "{client}: {} events captured, {} replayed: {verdict}",
                captured.len(),
                replayed.len()
            ));
        }
        lines
    }
}

/// The capture files a path stands for: a directory gives its
/// `bwcsta.cap.N` … `bwcsta.cap`, oldest first; a file is itself.
pub fn files_of(path: &Path) -> io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut numbered: Vec<(u32, PathBuf)> = Vec::new();
    let mut current = None;
    for entry in std::fs::read_dir(path)? {
        let p = entry?.path();
        let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name == FILE_NAME {
            current = Some(p.clone());
        } else if let Some(n) = name
            .strip_prefix(FILE_NAME)
            .and_then(|r| r.strip_prefix('.'))
            .and_then(|n| n.parse().ok())
        {
            numbered.push((n, p.clone()));
        }
    }
    numbered.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    let mut files: Vec<PathBuf> = numbered.into_iter().map(|(_, p)| p).collect();
    files.extend(current);
    if files.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("no {FILE_NAME} files in {}", path.display()),
        ));
    }
    Ok(files)
}

/// Replays the files (in the given order) to `out`.
pub fn replay_files(
    paths: &[PathBuf],
    opts: &Options,
    out: &mut dyn Write,
) -> Result<Summary, String> {
    let mut records = Vec::new();
    let mut warnings = Vec::new();
    for path in paths {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let (mut found, error) = decode(&bytes);
        if let Some(e) = error {
            warnings.push(format!(
                "{}: {e}; the rest of that file is skipped",
                path.display()
            ));
        }
        records.append(&mut found);
    }
    let mut summary =
        replay(&records, opts, out).map_err(|e| format!("cannot write the replay: {e}"))?;
    summary.files = paths.len();
    summary.warnings = warnings;
    Ok(summary)
}

/// Replays `records` to `out`.
pub fn replay(records: &[Record], opts: &Options, out: &mut dyn Write) -> io::Result<Summary> {
    let any_csta = records
        .iter()
        .any(|r| matches!(r.kind, Kind::CstaIn | Kind::CstaOut));
    let mut engine = Engine::new(opts, !any_csta);
    for r in records {
        engine.record(r, out)?;
    }
    engine.finish(out)?;
    engine.summary.records = records.len();
    Ok(engine.summary)
}

/// The client a capture without CSTA frames is replayed for.
pub const VIRTUAL_CLIENT: &str = "replay";

/// A MonitorStart waiting for its response: the events the daemon sent
/// meanwhile (with the monitorCrossRefID the response will show) are held
/// until then.
struct Pending {
    user: String,
    device: String,
    filter: MonitorFilter,
    held: Vec<(SystemTime, CstaEvent)>,
}

#[derive(Default)]
struct Client {
    edition: Option<Edition>,
    /// MonitorStarts waiting for their response, by invoke id. The daemon
    /// delivers events to a monitor from its MonitorStart on.
    pending: HashMap<String, Pending>,
}

struct Engine<'o> {
    opts: &'o Options,
    /// No CSTA frames in the capture: every target is monitored by
    /// [`VIRTUAL_CLIENT`].
    all_targets: bool,
    translator: Translator,
    pid: Option<u32>,
    /// Link names in configuration order (their index is the link id).
    links: Vec<String>,
    default_domain: Option<String>,
    edition: Edition,
    clients: BTreeMap<String, Client>,
    /// The answered monitors, by user (the client is its capture name).
    monitors: MonitorTable<String>,
    /// The virtual client's monitors so far (its cross-refs).
    virtual_monitors: usize,
    /// user → the subscriptions its events came from (an agent has two).
    subscriptions: HashMap<String, BTreeSet<String>>,
    /// Users nobody monitors any more, until the end of their grace period
    /// (as in the daemon: their subscriptions and models are kept).
    idle: HashMap<String, Instant>,
    clock: Option<(SystemTime, Instant)>,
    now: Option<Instant>,
    time: SystemTime,
    summary: Summary,
}

impl<'o> Engine<'o> {
    fn new(opts: &'o Options, all_targets: bool) -> Self {
        Engine {
            opts,
            all_targets,
            translator: Translator::default(),
            pid: None,
            links: Vec::new(),
            default_domain: opts.domain.clone(),
            edition: Edition::Ed3,
            clients: BTreeMap::new(),
            monitors: MonitorTable::default(),
            virtual_monitors: 0,
            subscriptions: HashMap::new(),
            idle: HashMap::new(),
            clock: None,
            now: None,
            time: SystemTime::UNIX_EPOCH,
            summary: Summary::default(),
        }
    }

    /// The capture's time as an `Instant` of this run, never going back.
    fn instant(&mut self, t: SystemTime) -> Instant {
        let (t0, i0) = *self.clock.get_or_insert((t, Instant::now()));
        let at = i0 + t.duration_since(t0).unwrap_or_default();
        let now = self.now.map_or(at, |n| n.max(at));
        self.now = Some(now);
        now
    }

    fn record(&mut self, r: &Record, out: &mut dyn Write) -> io::Result<()> {
        let now = self.instant(r.time);
        self.time = r.time;
        self.end_graces(now);
        for ev in self.translator.expire(now) {
            self.deliver(&ev, out)?;
        }
        let ts = rfc3339_micros(r.time);
        match r.kind {
            Kind::Meta => self.meta(r, &ts, out)?,
            Kind::Xsi => self.xsi(r, now, &ts, out)?,
            Kind::Link => self.link(r, now, &ts, out)?,
            Kind::CstaIn => self.csta_in(r),
            Kind::CstaOut => self.csta_out(r, out)?,
            Kind::CstaClose => self.close(&r.source),
            Kind::Dropped => writeln!(
                out,
                "# {ts} the capture dropped {} records here (queue full): expect gaps",
                String::from_utf8_lossy(&r.payload)
            )?,
        }
        Ok(())
    }

    fn meta(&mut self, r: &Record, ts: &str, out: &mut dyn Write) -> io::Result<()> {
        let Ok(meta) = serde_json::from_slice::<Meta>(&r.payload) else {
            return writeln!(out, "# {ts} unreadable meta record ignored");
        };
        let reorder_wait = meta
            .reorder_wait_s
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
            .unwrap_or(crate::config::DEFAULT_REORDER_WAIT);
        if self.pid != Some(meta.pid) {
            if self.pid.is_some() {
                writeln!(
                    out,
                    "# {ts} bwcsta restarted (pid {}): replay state reset",
                    meta.pid
                )?;
            }
            self.translator = Translator::new(reorder_wait);
            self.clients.clear();
            self.monitors.clear();
            self.virtual_monitors = 0;
            self.subscriptions.clear();
            self.idle.clear();
        }
        self.pid = Some(meta.pid);
        self.links = meta.links;
        if self.opts.domain.is_none() {
            self.default_domain = meta.default_domain;
        }
        self.edition = Edition::from_name(&meta.edition).unwrap_or(Edition::Ed3);
        Ok(())
    }

    fn xsi(&mut self, r: &Record, now: Instant, ts: &str, out: &mut dyn Write) -> io::Result<()> {
        let link = &r.source;
        match parse_doc(&r.payload) {
            Err(e) => writeln!(out, "# {ts} {link} unparsable document: {e}"),
            Ok(XsiDoc::Event(ev)) => {
                self.summary.xsi_events += 1;
                let line = format!(
                    "# {ts} {link} {} seq {} {} target {}",
                    ev.event_id,
                    ev.sequence_number,
                    data_name(&ev.data),
                    ev.target_id.as_deref().unwrap_or("-")
                );
                let duplicates = self.translator.duplicates_dropped();
                let link_index = self.link_index(link);
                let ready = self.translator.accept(ev, link_index, now);
                if self.translator.duplicates_dropped() > duplicates {
                    writeln!(out, "{line} (duplicate: dropped)")?;
                } else {
                    writeln!(out, "{line}")?;
                }
                for ready in ready {
                    self.deliver(&ready, out)?;
                }
                Ok(())
            }
            Ok(XsiDoc::ChannelTerminated { reason, .. }) => {
                writeln!(out, "# {ts} {link} channel terminated ({reason})")
            }
            Ok(_) => Ok(()),
        }
    }

    /// A channel change as the daemon's sequencer learnt it.
    fn link(&mut self, r: &Record, now: Instant, ts: &str, out: &mut dyn Write) -> io::Result<()> {
        let text = String::from_utf8_lossy(&r.payload);
        let (word, rest) = text.split_once(' ').unwrap_or((&text, ""));
        let Some(news) = LinkChange::parse(word) else {
            return writeln!(out, "# {ts} {} unknown link record {text:?}", r.source);
        };
        let index = self.link_index(&r.source);
        self.translator.channel_news(index, news, now);
        writeln!(out, "# {ts} {} channel {word} {rest}", r.source)
    }

    /// The index of link `name` in the captured daemon's `xsi.servers`.
    fn link_index(&self, name: &str) -> usize {
        self.links
            .iter()
            .position(|l| l == name)
            .unwrap_or(self.links.len())
    }

    fn csta_in(&mut self, r: &Record) {
        let Ok(incoming) = parse::parse(&r.payload) else {
            return;
        };
        let client = self.clients.entry(r.source.clone()).or_default();
        if client.edition.is_none() {
            client.edition = incoming.edition;
        }
        match incoming.message {
            Message::StartApplicationSession {
                protocol_versions, ..
            } => {
                if let Some(e) = protocol_versions
                    .iter()
                    .find_map(|v| Edition::from_namespace(v))
                {
                    client.edition = Some(e);
                }
            }
            Message::MonitorStart { device, filter } => {
                let device = device.trim().to_owned();
                let monitor = Pending {
                    user: user_for(&device, self.default_domain.as_deref()),
                    device,
                    filter,
                    held: Vec::new(),
                };
                // Within its grace the device's subscriptions are adopted.
                self.idle.remove(&monitor.user);
                client.pending.insert(r.tag.clone(), monitor);
            }
            Message::MonitorStop { cross_ref } => self.stop_monitor(&r.source, &cross_ref),
            _ => {}
        }
    }

    fn csta_out(&mut self, r: &Record, out: &mut dyn Write) -> io::Result<()> {
        if r.tag == "9999" {
            let xml = String::from_utf8_lossy(&r.payload).into_owned();
            self.summary
                .clients
                .entry(r.source.clone())
                .or_default()
                .0
                .push(xml);
            return Ok(());
        }
        let Ok(incoming) = parse::parse(&r.payload) else {
            return Ok(());
        };
        match incoming.message {
            Message::MonitorStartResponse { cross_ref } => {
                let Some(client) = self.clients.get_mut(&r.source) else {
                    return Ok(());
                };
                let Some(pending) = client.pending.remove(&r.tag) else {
                    return Ok(());
                };
                let ns = self.ns_of(&r.source);
                for (time, event) in &pending.held {
                    let xml = event.to_xml(ns, &cross_ref, &pending.device);
                    self.print(out, *time, &r.source, xml)?;
                }
                let monitor = Monitor {
                    client: r.source.clone(),
                    cross_ref,
                    device: pending.device,
                    filter: pending.filter,
                };
                self.monitors.add(&pending.user, monitor);
            }
            // A server-initiated MonitorStop (all links down, subscription gone).
            Message::MonitorStop { cross_ref } => self.stop_monitor(&r.source, &cross_ref),
            _ => {
                if let Some(c) = self.clients.get_mut(&r.source) {
                    c.pending.remove(&r.tag);
                }
            }
        }
        Ok(())
    }

    fn print(
        &mut self,
        out: &mut dyn Write,
        time: SystemTime,
        client: &str,
        xml: String,
    ) -> io::Result<()> {
        writeln!(out, "{} {client} {xml}", rfc3339_micros(time))?;
        self.summary.csta_events += 1;
        self.summary
            .clients
            .entry(client.to_owned())
            .or_default()
            .1
            .push(xml);
        Ok(())
    }

    /// The namespace of the events replayed for `client`.
    fn ns_of(&self, client: &str) -> &'static str {
        let edition = self.clients.get(client).and_then(|c| c.edition);
        self.opts
            .edition
            .or(edition)
            .unwrap_or(self.edition)
            .namespace()
    }

    fn close(&mut self, source: &str) {
        let Some(client) = self.clients.remove(source) else {
            return;
        };
        let mut users = self.monitors.remove_client(&source.to_owned());
        users.extend(client.pending.into_values().map(|p| p.user));
        for user in users {
            self.released(&user);
        }
    }

    fn stop_monitor(&mut self, source: &str, xref: &str) {
        if let Some(user) = self.monitors.remove(&source.to_owned(), xref) {
            self.released(&user);
        }
    }

    /// A monitor on `user` ended: after the last one, and its grace
    /// period, the user's call model and the sequencing of its
    /// subscriptions are dropped, as the daemon does.
    fn released(&mut self, user: &str) {
        if self.monitored(user) {
            return;
        }
        let now = self.now.unwrap_or_else(Instant::now);
        self.idle.insert(user.to_owned(), now + UNMONITORED_GRACE);
    }

    /// Forgets the users whose grace period is over.
    fn end_graces(&mut self, now: Instant) {
        if self.idle.is_empty() {
            return;
        }
        let over: Vec<String> = self
            .idle
            .iter()
            .filter(|(_, until)| **until <= now)
            .map(|(user, _)| user.clone())
            .collect();
        for user in over {
            self.idle.remove(&user);
            self.translator.forget_user(&user);
            for sub in self.subscriptions.remove(&user).unwrap_or_default() {
                self.translator.forget_subscription(&sub, now);
            }
        }
    }

    /// Someone monitors `user`, answered or not.
    fn monitored(&self, user: &str) -> bool {
        self.monitors.is_monitored(user)
            || self
                .clients
                .values()
                .any(|c| c.pending.values().any(|p| p.user == user))
    }

    fn deliver(&mut self, ev: &XsiEvent, out: &mut dyn Write) -> io::Result<()> {
        let Some(user) = ev.target_id.clone() else {
            return Ok(());
        };
        if let EventData::SubscriptionTerminated = ev.data {
            return Ok(());
        }
        let subs = self.subscriptions.entry(user.clone()).or_default();
        if !subs.contains(&ev.subscription_id) {
            subs.insert(ev.subscription_id.clone());
        }
        if self.all_targets {
            self.watch(&user);
        }
        if !self.monitored(&user) {
            // Nobody monitored the user then: the daemon kept its model up
            // to date in its grace period only, and sent nothing.
            if self.idle.contains_key(&user) {
                self.translator.translate(&user, ev);
            }
            return Ok(());
        }
        let events = self.translator.translate(&user, ev);
        // The answered monitors, as the daemon's fan-out renders them.
        let mut frames: Vec<(String, String)> = Vec::new();
        let watches = self.monitors.of(&user).iter().map(|m| Watch {
            client: m.client.as_str(),
            ns: self.ns_of(&m.client),
            cross_ref: &m.cross_ref,
            device: &m.device,
            filter: Some(&m.filter),
        });
        fan_out(&events, watches, |client, xml| {
            frames.push((client.to_owned(), xml));
        });
        for (client, xml) in frames {
            self.print(out, self.time, &client, xml)?;
        }
        // Those not answered yet hold theirs.
        let time = self.time;
        for client in self.clients.values_mut() {
            for p in client.pending.values_mut().filter(|p| p.user == user) {
                let wanted = events.iter().filter(|e| wants(Some(&p.filter), e));
                p.held.extend(wanted.map(|e| (time, e.clone())));
            }
        }
        Ok(())
    }

    /// The virtual client monitors `user` under its own name.
    fn watch(&mut self, user: &str) {
        let device = match (&self.default_domain, user.split_once('@')) {
            (Some(domain), Some((local, d))) if d == domain => local.to_owned(),
            _ => user.to_owned(),
        };
        self.clients.entry(VIRTUAL_CLIENT.into()).or_default();
        let client = VIRTUAL_CLIENT.to_owned();
        if self.monitors.of(user).iter().any(|m| m.client == client) {
            return;
        }
        self.idle.remove(user);
        self.virtual_monitors += 1;
        let monitor = Monitor {
            client,
            cross_ref: self.virtual_monitors.to_string(),
            device,
            filter: MonitorFilter::default(),
        };
        self.monitors.add(user, monitor);
    }

    /// Releases what still waits behind a sequence gap.
    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let Some(now) = self.now else {
            return Ok(());
        };
        let later = now + Duration::from_secs(24 * 3600);
        let waiting = self.translator.expire(later);
        if !waiting.is_empty() {
            writeln!(
                out,
                "# end of capture: {} event(s) still waited behind a sequence gap",
                waiting.len()
            )?;
        }
        for ev in waiting {
            self.deliver(&ev, out)?;
        }
        Ok(())
    }
}

fn data_name(data: &EventData) -> String {
    match data {
        EventData::Call { kind, .. } => kind.type_name().to_owned(),
        EventData::Redirected { .. } => "CallRedirectedEvent".into(),
        EventData::Subscription { resync: false, .. } => "CallSubscriptionEvent".into(),
        EventData::Subscription { resync: true, .. } => "CallSubscriptionResyncEvent".into(),
        EventData::HookStatus { .. } => "HookStatusEvent".into(),
        EventData::Conference { kind, .. } => kind.type_name().to_owned(),
        EventData::SubscriptionTerminated => "SubscriptionTerminatedEvent".into(),
        EventData::Queue { kind, .. } => kind.type_name().to_owned(),
        EventData::QueueSnapshot {
            route_point: false, ..
        } => "ACDSubscriptionEvent".into(),
        EventData::QueueSnapshot {
            route_point: true, ..
        } => "RoutePointSubscriptionEvent".into(),
        EventData::AgentState {
            snapshot: false, ..
        } => "AgentStateEvent".into(),
        EventData::AgentState { snapshot: true, .. } => "AgentSubscriptionEvent".into(),
        EventData::AgentJoin { .. } => "ACDAgentJoinUpdateEvent".into(),
        EventData::Feature(event) => event.type_name().into(),
        EventData::RoutePointState { failed: true, .. } => "RoutePointFailedEvent".into(),
        EventData::RoutePointState { failed: false, .. } => "RoutePointRecoveredEvent".into(),
        EventData::Unknown { type_name } => type_name.clone(),
        EventData::Malformed { type_name, .. } => format!("{type_name} (unreadable)"),
    }
}

#[cfg(test)]
mod tests;
