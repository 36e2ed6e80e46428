//! The control API commands of the soak's faults (see `sim::chaos`).

use std::time::Duration;

use serde_json::{json, Value};

use super::{bad, ControlService, Failure, Params};

const OK: fn() -> Value = || json!({ "ok": true });

impl Params {
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

    fn count(&self) -> Result<u32, Failure> {
        u32::try_from(self.number("count")?).map_err(|_| bad("count too large"))
    }
}

impl ControlService {
    /// One of the commands of the table above; `None` for another command.
    pub(super) fn chaos_command(
        &self,
        command: &str,
        p: &Params,
    ) -> Option<Result<Value, Failure>> {
        let hub = &self.hub;
        Some(match command {
            "fault/heartbeats" => (|| {
                let xsp = self.xsp(p)?;
                let code = u16::try_from(p.number("code")?)
                    .ok()
                    .filter(|c| (100..=999).contains(c))
                    .ok_or_else(|| bad("bad status code"))?;
                hub.op_fail_heartbeats(xsp, code, p.count()?);
                Ok(OK())
            })(),
            "fault/lose_acks" => (|| {
                hub.op_lose_acks(self.xsp(p)?, p.count()?);
                Ok(OK())
            })(),
            "fault/ack_timeout" => (|| {
                let text = p.text("seconds")?;
                let timeout = text
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .and_then(|s| Duration::try_from_secs_f64(s).ok())
                    .ok_or_else(|| bad(format!("seconds is not a duration: {text}")))?;
                hub.op_set_ack_timeout(timeout);
                Ok(OK())
            })(),
            "fault/terminate_subscriptions" => p
                .list("dns")
                .map(|dns| json!({ "terminated": hub.op_terminate_subscriptions(&dns) })),
            "as_failover_many" => p.list("dns").map(|dns| {
                for dn in dns {
                    hub.op_as_failover(dn);
                }
                OK()
            }),
            _ => return None,
        })
    }
}
