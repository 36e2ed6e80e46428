//! The suite's output: one Markdown table (figure, value, target, PASS/MISS), then notes on what
//! the load generators cost and what was checked along the way.

use std::fmt::Write as _;

/// How a figure compares with its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Miss,
    /// No target: a figure for information.
    Info,
    /// A target exists, but the quick mode's small loads say nothing about it.
    Quick,
}

impl Verdict {
    pub fn of(pass: bool, quick: bool) -> Verdict {
        match (quick, pass) {
            (true, _) => Verdict::Quick,
            (false, true) => Verdict::Pass,
            (false, false) => Verdict::Miss,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Miss => "MISS",
            Verdict::Info => "",
            Verdict::Quick => "(quick)",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Row {
    pub figure: String,
    pub value: String,
    pub target: String,
    pub verdict: Verdict,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub title: String,
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
    /// What went wrong beyond figures: events lost, MonitorStarts not
    /// answered or out of order (whatever the mode).
    pub failures: Vec<String>,
}

impl crate::tool::Outcome for Report {
    fn render(&self) -> String {
        Report::render(self)
    }

    /// Every part ran and its checks held, whatever the verdicts.
    fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

impl Report {
    pub fn row(&mut self, figure: String, value: String, target: &str, verdict: Verdict) {
        self.rows.push(Row {
            figure,
            value,
            target: target.to_owned(),
            verdict,
        });
    }

    pub fn info(&mut self, figure: String, value: String) {
        self.row(figure, value, "", Verdict::Info);
    }

    pub fn note(&mut self, text: String) {
        self.notes.push(text);
    }

    /// Records a failed check when `ok` is false.
    pub fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.failures.push(what());
        }
    }

    /// Rows whose verdict is MISS.
    pub fn misses(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.verdict == Verdict::Miss)
            .count()
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}\n", self.title);
        let _ = writeln!(out, "| # | figure | value | target | |");
        let _ = writeln!(out, "|---|---|---|---|---|");
        for (i, r) in self.rows.iter().enumerate() {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                i + 1,
                r.figure,
                r.value,
                r.target,
                r.verdict.word()
            );
        }
        if !self.notes.is_empty() {
            out.push('\n');
            for n in &self.notes {
                let _ = writeln!(out, "- {n}");
            }
        }
        for f in &self.failures {
            let _ = writeln!(out, "- CHECK FAILED: {f}");
        }
        out
    }
}

/// `12345.6` → `12 346` (thousands separated by a thin space, for reading).
pub fn thousands(n: f64) -> String {
    let whole = n.round() as u64;
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Milliseconds with sensible precision.
pub fn ms(us: f64) -> String {
    let ms = us / 1000.0;
    if ms < 10.0 {
        format!("{ms:.2}")
    } else if ms < 100.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_with_verdicts() {
        let mut r = Report {
            title: "T".into(),
            ..Report::default()
        };
        r.info("rate".into(), "5".into());
        r.row(
            "p99".into(),
            "0.5 ms".into(),
            "< 1 ms",
            Verdict::of(true, false),
        );
        r.row(
            "rss".into(),
            "120 MB".into(),
            "< 100 MB",
            Verdict::of(false, false),
        );
        r.row("x".into(), "1".into(), "< 2", Verdict::of(false, true));
        r.note("sim 0.1 s".into());
        r.check(true, || unreachable!());
        assert_eq!(r.misses(), 1);
        let text = r.render();
        assert!(text.contains("| 1 | rate | 5 |  |  |"), "{text}");
        assert!(
            text.contains("| 2 | p99 | 0.5 ms | < 1 ms | PASS |"),
            "{text}"
        );
        assert!(
            text.contains("| 3 | rss | 120 MB | < 100 MB | MISS |"),
            "{text}"
        );
        assert!(text.contains("| 4 | x | 1 | < 2 | (quick) |"), "{text}");
        assert!(text.ends_with("- sim 0.1 s\n"), "{text}");
        r.check(false, || "2 events lost".into());
        assert!(r.render().ends_with("- CHECK FAILED: 2 events lost\n"));
    }

    #[test]
    fn numbers_for_reading() {
        assert_eq!(thousands(1234567.4), "1 234 567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(ms(650.0), "0.65");
        assert_eq!(ms(12_340.0), "12.3");
        assert_eq!(ms(2_100_000.0), "2100");
    }
}
