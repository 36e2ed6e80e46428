//! The soak's one table, and, when it failed, the seed and the first violated check with what
//! both sides saw around it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::oracle::Findings;
use super::resources::Trend;
use super::traffic::TrafficCounts;

/// bwcsta's own counters from its status file at the end.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counters {
    pub late_delivered: u64,
    pub late_ignored: u64,
    pub gaps_given_up: u64,
    pub gaps_given_up_early: u64,
    pub max_hold_ms: u64,
    pub duplicates_dropped: u64,
    pub events_in: u64,
    pub events_out: u64,
}

impl Counters {
    pub fn from_status(status: &serde_json::Value) -> Counters {
        let n = |k: &str| status[k].as_u64().unwrap_or(0);
        Counters {
            late_delivered: n("late_events_delivered"),
            late_ignored: n("late_events_ignored"),
            gaps_given_up: n("gaps_given_up"),
            gaps_given_up_early: n("gaps_given_up_early"),
            max_hold_ms: n("max_hold_ms"),
            duplicates_dropped: n("duplicates_dropped"),
            events_in: n("events_in"),
            events_out: n("events_out"),
        }
    }
}

/// Everything the table shows.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub seed: u64,
    pub minutes: f64,
    /// Chaos, then the drain, in seconds.
    pub chaos_s: f64,
    pub drain_s: f64,
    pub xsps: usize,
    pub devices: usize,
    pub calls_per_s: f64,
    pub clients: Vec<(String, u64)>,
    pub traffic: TrafficCounts,
    pub faults: BTreeMap<&'static str, usize>,
    pub findings: Findings,
    pub counters: Counters,
    pub trends: Vec<Trend>,
    /// Checks beyond the oracle's that failed (the run could not settle, say).
    pub failures: Vec<String>,
}

impl crate::tool::Outcome for Summary {
    fn render(&self) -> String {
        Summary::render(self)
    }

    fn passed(&self) -> bool {
        Summary::passed(self)
    }
}

impl Summary {
    pub fn passed(&self) -> bool {
        self.findings.passed() && self.failures.is_empty() && self.trends.iter().all(|t| !t.grows)
    }

    pub fn render(&self) -> String {
        let f = &self.findings;
        let mut rows: Vec<(String, String)> = Vec::new();
        let mut row = |k: &str, v: String| rows.push((k.to_owned(), v));
        row(
            "duration",
            format!(
                "{:.1} min of faults and traffic, then {:.0} s to drain",
                self.chaos_s / 60.0,
                self.drain_s
            ),
        );
        row("seed", self.seed.to_string());
        row(
            "set-up",
            format!(
                "{} XSPs, {} devices (+ agents and a call centre), {} calls/s, {} CSTA clients",
                self.xsps,
                self.devices,
                self.calls_per_s,
                self.clients.len()
            ),
        );
        row(
            "calls placed / script steps / agent state changes",
            format!(
                "{} / {} / {}",
                self.traffic.calls, self.traffic.steps, self.traffic.agent_changes
            ),
        );
        row(
            "events emitted by the simulator / CSTA events received",
            format!(
                "{} / {} ({})",
                f.emitted,
                f.received,
                self.clients
                    .iter()
                    .map(|(n, e)| format!("{n} {e}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        let total: usize = self.faults.values().sum();
        row("faults", total.to_string());
        for (kind, n) in &self.faults {
            row(&format!("— {kind}"), n.to_string());
        }
        row("events required of the clients", f.required.to_string());
        row("lost", f.lost.to_string());
        row("duplicated", f.duplicated.to_string());
        row("unexpected or out of order", f.unexpected.to_string());
        row(
            "stuck calls / missing calls at the end",
            format!("{} / {}", f.stuck, f.missing),
        );
        row(
            "allowed exceptions (events not required, not delivered)",
            f.exceptions.values().sum::<u64>().to_string(),
        );
        for (why, n) in &f.exceptions {
            row(&format!("— {why}"), n.to_string());
        }
        row(
            "late delivered / ignored (bwcsta)",
            format!(
                "{} / {}",
                self.counters.late_delivered, self.counters.late_ignored
            ),
        );
        row(
            "gaps given up (early) (bwcsta)",
            format!(
                "{} ({})",
                self.counters.gaps_given_up, self.counters.gaps_given_up_early
            ),
        );
        row(
            "max hold behind a gap (bwcsta)",
            format!("{} ms", self.counters.max_hold_ms),
        );
        row(
            "duplicates dropped (bwcsta)",
            self.counters.duplicates_dropped.to_string(),
        );
        row(
            "call-control requests: unanswered / answered twice",
            format!("{}: {} / {}", f.requests, f.unanswered, f.answered_twice),
        );
        row(
            "SystemStatus changes received",
            f.status_changes.to_string(),
        );
        for t in &self.trends {
            let unit = if t.unit.is_empty() {
                String::new()
            } else {
                format!(" {}", t.unit)
            };
            row(
                &format!("{}: first → last (growth, limit)", t.name),
                format!(
                    "{:.0} → {:.0}{unit} ({:+.1}, {:.1}){}",
                    t.first,
                    t.last,
                    t.growth,
                    t.limit,
                    if t.grows { " GROWS" } else { "" }
                ),
            );
        }
        row(
            "unmodelled / orphaned events (not judged)",
            format!("{} / {}", f.unmodelled, f.orphaned),
        );
        let verdict = if self.passed() { "PASS" } else { "FAIL" };
        row("result", verdict.to_owned());
        let mut out = String::new();
        let _ = writeln!(out, "| soak | |\n|---|---|");
        for (k, v) in rows {
            let _ = writeln!(out, "| {k} | {v} |");
        }
        if !self.passed() {
            let _ = writeln!(
                out,
                "\nFAIL with seed {} (replay: --seed {}).",
                self.seed, self.seed
            );
            for failure in &self.failures {
                let _ = writeln!(out, "- {failure}");
            }
            if let Some(v) = f.violations.first() {
                let _ = writeln!(
                    out,
                    "First violated check ({} in all): {}",
                    f.violations.len(),
                    v.what
                );
                for line in &v.context {
                    let _ = writeln!(out, "    {line}");
                }
            }
            for v in f.violations.iter().skip(1).take(9) {
                let _ = writeln!(out, "- then: {}", v.what);
            }
            if std::env::var_os("SOAK_ALL_VIOLATIONS").is_some() {
                for v in f.violations.iter().skip(1) {
                    let _ = writeln!(out, "\n{}", v.what);
                    for line in &v.context {
                        let _ = writeln!(out, "    {line}");
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soak::oracle::Violation;

    #[test]
    fn a_table_then_the_first_violation() {
        let mut s = Summary {
            seed: 42,
            chaos_s: 60.0,
            ..Summary::default()
        };
        s.faults.insert("all XSPs down", 1);
        let text = s.render();
        assert!(text.contains("| seed | 42 |"), "{text}");
        assert!(text.contains("| — all XSPs down | 1 |"), "{text}");
        assert!(text.ends_with("| result | PASS |\n"), "{text}");
        s.findings.violations.push(Violation {
            at: std::time::Instant::now(),
            what: "client A lost HeldEvent".into(),
            context: vec!["+1.000 s simulator emitted CallHeldEvent".into()],
        });
        let text = s.render();
        assert!(text.contains("| result | FAIL |"), "{text}");
        assert!(text.contains("FAIL with seed 42"), "{text}");
        assert!(
            text.contains(
                "First violated check (1 in all): client A lost HeldEvent\n    +1.000 s simulator"
            ),
            "{text}"
        );
    }
}
