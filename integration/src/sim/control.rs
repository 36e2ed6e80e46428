//! The control API: plain HTTP/1.1 with JSON replies, for the `xsp-sim` binary and demos.
//!
//! Commands are `POST /sim/<command>?key=value…` (a form-encoded body works too; GET is
//! accepted as well). `GET /sim/stats` returns the stats JSON. Errors are
//! `{"error": "..."}` with status 400 (404 for an unknown command).
//!
//! | command | parameters | reply |
//! |---|---|---|
//! | `call`, `click_to_dial`, `busy` | `from`, `to` | `{"call": N}` |
//! | `answer` | `call` | `{"ok": true}` |
//! | `hold`, `retrieve`, `release` | `call`, `by` | |
//! | `transfer` | `call`, `by`, `to` | |
//! | `consult_transfer` | `held`, `active`, `by` | |
//! | `conference` | `a`, `b`, `by` | |
//! | `as_failover` | `dn` | |
//! | `park_retrieve` | `by`, `at` (the park location) | `{"call": N}` |
//! | `contact/call_center` | `dn`, `agents` (comma-separated) | |
//! | `contact/route_point` | `dn` | |
//! | `acd/call` | `from`, `cc` | `{"call": N}` |
//! | `acd/offer` | `call`, `agent` (optional: the first Available agent) | |
//! | `acd/overflow` | `call`, `to` | |
//! | `rp/call` | `from`, `rp` | `{"call": N}` |
//! | `rp/complete` | `call`, `reason` (`Timeout`, `EOF`, `NoMatch`, …) | |
//! | `agent/state` | `dn`, `state` (`Sign-In`, `Available`, `Unavailable`, `Wrap-Up`, `Sign-Out`) | |
//! | `agent/join` | `dn`, `cc`, `joined` (1/0) | |
//! | `rp/state` | `rp`, `failed` (1: RoutePointFailed, 0: RoutePointRecovered) | |
//! | `rp/reject` | `from`, `rp` (admission control refuses the call) | `{"call": N}` |
//! | `acd/strand` | `call` (no agent available: ACDCallStrandedUnavailable) | |
//! | `whisper` | `call` (ACD / RoutePoint WhisperStarted) | |
//! | `delivery` | `mode` = `normal`, `duplicate`, `swap` | |
//! | `chunking` | `mode` = `one`, `split`, `coalesce` | |
//! | `fault/close` | `xsp` | `{"closed": n}` |
//! | `fault/terminate` | `xsp`, `reason` | `{"terminated": n}` |
//! | `fault/stall`, `fault/down` | `xsp`, `on` (1/0) | |
//! | `fault/status` | `xsp`, `code`, `count` | |
//! | `fault/acks` | `xsp`, `code`, `count` (EventResponses only) | |
//! | `fault/action_status` | `xsp`, `code`, `count` (Xsi-Actions requests only) | |
//! | `fault/action_delay` | `xsp`, `ms` (0 = none), optional `only` (the last path segment: `new`, `Hold`, …) | |
//! | `fault/action_drop` | `xsp`, `count` (carried out, then the connection closed unanswered) | |
//! | `flood` | `dns` (comma-separated), `count`, optional `rate` (events/s) and `probe` (1/0) | |
//! | `probe` | | `{"sent": [[key, ns], …]}`: write times of probed flood events, emptied |
//! | `delay` | `kind` (`channel`, `heartbeat`, `ack`, `subscribe`, `refresh`, `unsubscribe`, `actions`, `all`), `seconds` | `{"ok": true}` |
//! | `fault/heartbeats` | `xsp`, `code`, `count` (heartbeats only) | |
//! | `fault/lose_acks` | `xsp`, `count`: EventResponses answered 200 but never applied | |
//! | `fault/ack_timeout` | `seconds`: unacknowledged events re-sent this long after their send | |
//! | `fault/terminate_subscriptions` | `dns` (comma-separated): SubscriptionTerminatedEvent | `{"terminated": n}` |
//! | `as_failover_many` | `dns` (comma-separated) | |
//!
//! `GET /sim/stats?brief=1` leaves out the lists of channels, subscriptions and requests.
//!
//! A call operation that does not apply (unknown call, party not in the call, wrong state)
//! answers 400.

use std::sync::Arc;

use serde_json::{json, Value};

use super::delay::RequestKind;
use super::http::{query_pairs, HttpError, Request};
use super::hub::Hub;
use super::reply::Reply;
use super::server::{Outcome, Service};
use super::{CallId, Chunking, Delivery, Pace};

mod chaos;

const JSON: Option<&str> = Some("application/json");

fn json_reply(status: u16, value: &Value) -> Reply {
    Reply::new(status, JSON, value.to_string())
}

type Failure = (u16, String);

fn bad(text: impl Into<String>) -> Failure {
    (400, text.into())
}

/// The parameters of one command.
struct Params(Vec<(String, String)>);

impl Params {
    fn text(&self, key: &str) -> Result<&str, Failure> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| bad(format!("missing parameter {key}")))
    }

    fn number(&self, key: &str) -> Result<u64, Failure> {
        let text = self.text(key)?;
        text.trim()
            .parse()
            .map_err(|_| bad(format!("parameter {key} is not a number: {text}")))
    }

    fn call(&self, key: &str) -> Result<CallId, Failure> {
        self.number(key).map(CallId)
    }

    fn flag(&self, key: &str) -> Result<bool, Failure> {
        match self.text(key)?.to_ascii_lowercase().as_str() {
            "1" | "true" | "on" | "yes" => Ok(true),
            "0" | "false" | "off" | "no" => Ok(false),
            other => Err(bad(format!("parameter {key} must be 1 or 0, not {other}"))),
        }
    }

    /// A comma-separated list, empty items left out; an error when nothing is left.
    fn list(&self, key: &str) -> Result<Vec<&str>, Failure> {
        let items: Vec<&str> = self
            .text(key)?
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .collect();
        if items.is_empty() {
            return Err(bad(format!("{key} is empty")));
        }
        Ok(items)
    }

    /// The `count` parameter of a fault: how many requests it applies to.
    fn count(&self) -> Result<u32, Failure> {
        u32::try_from(self.number("count")?).map_err(|_| bad("count too large"))
    }

    /// The `code` parameter of a fault: an HTTP status code (100 to 999).
    fn status_code(&self) -> Result<u16, Failure> {
        let code = self.number("code")?;
        u16::try_from(code)
            .ok()
            .filter(|c| (100..=999).contains(c))
            .ok_or_else(|| bad(format!("bad status code {code}")))
    }
}

/// The control API handler.
pub(crate) struct ControlService {
    pub hub: Arc<Hub>,
}

impl Service for ControlService {
    fn handle(&self, req: &Request<'_>) -> Outcome {
        Outcome::Reply(match self.command(req) {
            Ok(value) => json_reply(200, &value),
            Err((status, text)) => json_reply(status, &json!({ "error": text })),
        })
    }

    fn bad_request(&self, err: &HttpError) -> Reply {
        json_reply(err.status(), &json!({ "error": err.text() }))
    }
}

fn applied(did: bool) -> Result<Value, Failure> {
    if did {
        Ok(json!({ "ok": true }))
    } else {
        Err(bad(
            "operation not applicable (unknown call, party not in the call, or wrong state)",
        ))
    }
}

impl ControlService {
    fn xsp(&self, p: &Params) -> Result<usize, Failure> {
        let n = p.number("xsp")?;
        match usize::try_from(n) {
            Ok(i) if i < self.hub.xsps.len() => Ok(i),
            _ => Err(bad(format!(
                "no xsp {n} (there are {})",
                self.hub.xsps.len()
            ))),
        }
    }

    fn command(&self, req: &Request<'_>) -> Result<Value, Failure> {
        let mut pairs = query_pairs(req.query());
        if !req.body.is_empty() {
            pairs.extend(query_pairs(req.body_text().trim()));
        }
        let p = Params(pairs);
        let hub = &self.hub;
        let command = req.path().strip_prefix("/sim/").unwrap_or("");
        if !matches!(req.method, "GET" | "POST") {
            return Err((405, format!("method {} not allowed", req.method)));
        }
        match command {
            "stats" if p.0.iter().any(|(k, v)| k == "brief" && v != "0") => {
                Ok(hub.op_stats().brief_json())
            }
            "stats" => Ok(hub.op_stats().to_json()),
            "delay" => {
                let kinds = RequestKind::parse(p.text("kind")?).ok_or_else(|| {
                    bad("unknown kind (channel, heartbeat, ack, subscribe, refresh, unsubscribe, actions, all)")
                })?;
                let text = p.text("seconds")?;
                let delay = text
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .and_then(|s| std::time::Duration::try_from_secs_f64(s).ok())
                    .ok_or_else(|| bad(format!("seconds is not a duration: {text}")))?;
                for kind in kinds {
                    hub.delays.set(kind, delay);
                }
                Ok(json!({ "ok": true }))
            }
            "call" => Ok(json!({ "call": hub.op_call(p.text("from")?, p.text("to")?).0 })),
            "click_to_dial" => {
                Ok(json!({ "call": hub.op_click_to_dial(p.text("from")?, p.text("to")?).0 }))
            }
            "busy" => Ok(json!({ "call": hub.op_busy(p.text("from")?, p.text("to")?).0 })),
            "answer" => applied(hub.op_answer(p.call("call")?)),
            "hold" => applied(hub.op_hold(p.call("call")?, p.text("by")?)),
            "retrieve" => applied(hub.op_retrieve(p.call("call")?, p.text("by")?)),
            "release" => applied(hub.op_release(p.call("call")?, p.text("by")?)),
            "transfer" => {
                applied(hub.op_blind_transfer(p.call("call")?, p.text("by")?, p.text("to")?))
            }
            "consult_transfer" => {
                applied(hub.op_consult_transfer(p.call("held")?, p.call("active")?, p.text("by")?))
            }
            "conference" => applied(hub.op_conference(p.call("a")?, p.call("b")?, p.text("by")?)),
            "as_failover" => applied(hub.op_as_failover(p.text("dn")?)),
            "park_retrieve" => match hub.op_park_retrieve(p.text("by")?, p.text("at")?) {
                Some(call) => Ok(json!({ "call": call.0 })),
                None => Err(bad("no call parked there")),
            },
            "contact/call_center" => {
                let agents = p.text("agents").unwrap_or("");
                let agents: Vec<&str> = agents
                    .split(',')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .collect();
                hub.op_add_call_center(p.text("dn")?, &agents);
                Ok(json!({ "ok": true }))
            }
            "contact/route_point" => {
                hub.op_add_route_point(p.text("dn")?);
                Ok(json!({ "ok": true }))
            }
            "acd/call" | "rp/call" => {
                let from = p.text("from")?;
                let call = if command == "acd/call" {
                    hub.op_acd_call(from, p.text("cc")?)
                } else {
                    hub.op_rp_call(from, p.text("rp")?)
                };
                match call {
                    Some(call) => Ok(json!({ "call": call.0 })),
                    None => Err(bad("no such call centre or route point")),
                }
            }
            "acd/offer" => applied(hub.op_acd_offer(p.call("call")?, p.text("agent").ok())),
            "acd/overflow" => applied(hub.op_acd_overflow(p.call("call")?, p.text("to")?)),
            "rp/complete" => applied(hub.op_complete_treatment(p.call("call")?, p.text("reason")?)),
            "agent/state" => applied(hub.op_set_agent_state(p.text("dn")?, p.text("state")?)),
            "agent/join" => {
                hub.op_agent_join(p.text("dn")?, p.text("cc")?, p.flag("joined")?);
                Ok(json!({ "ok": true }))
            }
            "rp/state" => applied(hub.op_rp_state(p.text("rp")?, p.flag("failed")?)),
            "rp/reject" => match hub.op_rp_reject(p.text("from")?, p.text("rp")?) {
                Some(call) => Ok(json!({ "call": call.0 })),
                None => Err(bad("no such route point")),
            },
            "acd/strand" => applied(hub.op_acd_strand(p.call("call")?)),
            "whisper" => applied(hub.op_whisper(p.call("call")?)),
            "delivery" => {
                let mode = match p.text("mode")? {
                    "normal" => Delivery::Normal,
                    "duplicate" => Delivery::Duplicate,
                    "swap" => Delivery::SwapPairs,
                    other => {
                        return Err(bad(format!(
                            "unknown delivery mode {other} (normal, duplicate, swap)"
                        )))
                    }
                };
                hub.op_set_delivery(mode);
                Ok(json!({ "ok": true }))
            }
            "chunking" => {
                let mode = match p.text("mode")? {
                    "one" => Chunking::OnePerDoc,
                    "split" => Chunking::Split,
                    "coalesce" => Chunking::Coalesce,
                    other => {
                        return Err(bad(format!(
                            "unknown chunking mode {other} (one, split, coalesce)"
                        )))
                    }
                };
                hub.op_set_chunking(mode);
                Ok(json!({ "ok": true }))
            }
            "fault/close" => Ok(json!({ "closed": hub.op_close_channels(self.xsp(&p)?) })),
            "fault/terminate" => {
                let xsp = self.xsp(&p)?;
                Ok(json!({ "terminated": hub.op_terminate_channels(xsp, p.text("reason")?) }))
            }
            "fault/stall" => {
                hub.op_stall(self.xsp(&p)?, p.flag("on")?);
                Ok(json!({ "ok": true }))
            }
            "fault/down" => {
                hub.op_down(self.xsp(&p)?, p.flag("on")?);
                Ok(json!({ "ok": true }))
            }
            "fault/status" | "fault/acks" | "fault/action_status" => {
                let xsp = self.xsp(&p)?;
                let code = p.status_code()?;
                let count = p.count()?;
                match command {
                    "fault/acks" => hub.op_fail_acks(xsp, code, count),
                    "fault/status" => hub.op_fail_requests(xsp, code, count),
                    _ => hub.op_fail_actions(xsp, code, count),
                }
                Ok(json!({ "ok": true }))
            }
            "fault/action_delay" => {
                let xsp = self.xsp(&p)?;
                let ms = p.number("ms")?;
                let delay = std::time::Duration::from_millis(ms);
                hub.op_delay_actions(xsp, delay, p.text("only").ok());
                Ok(json!({ "ok": true }))
            }
            "fault/action_drop" => {
                let xsp = self.xsp(&p)?;
                hub.op_drop_actions(xsp, p.count()?);
                Ok(json!({ "ok": true }))
            }
            "flood" => {
                let dns = p.list("dns")?;
                let rate = match p.text("rate") {
                    Ok(text) => Some(
                        text.trim()
                            .parse::<f64>()
                            .ok()
                            .filter(|r| r.is_finite() && *r > 0.0)
                            .ok_or_else(|| bad(format!("rate is not a positive number: {text}")))?,
                    ),
                    Err(_) => None,
                };
                let probe = p.0.iter().any(|(k, _)| k == "probe") && p.flag("probe")?;
                hub.op_flood(&dns, p.number("count")?, Pace { rate, probe });
                Ok(json!({ "ok": true }))
            }
            "probe" => {
                let sent: Vec<Value> = hub
                    .probes
                    .take()
                    .into_iter()
                    .map(|(key, ns)| json!([key, ns]))
                    .collect();
                Ok(json!({ "sent": sent }))
            }
            _ => self
                .chaos_command(command, &p)
                .unwrap_or_else(|| Err((404, format!("unknown command {}", req.path())))),
        }
    }
}
