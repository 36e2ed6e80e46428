//! The control API commands of the soak's faults (see `sim::chaos`).

use std::time::Duration;

use serde_json::{json, Value};

use super::{bad, ControlService, Failure, Params};

const OK: fn() -> Value = || json!({ "ok": true });

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
                hub.op_fail_heartbeats(xsp, p.status_code()?, p.count()?);
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
