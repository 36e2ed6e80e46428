//! Wall-clock timestamps as RFC 3339 UTC strings (`2026-11-25T10:00:00Z`),
//! for the status file and log notes, without a date-time dependency.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339_now() -> String {
    rfc3339(SystemTime::now())
}

/// `t` as `YYYY-MM-DDTHH:MM:SSZ` (times before 1970 print as the epoch).
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `t` as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (microseconds), for capture records.
pub fn rfc3339_micros(t: SystemTime) -> String {
    let micros = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_micros());
    let whole = rfc3339(t);
    format!("{}.{micros:06}Z", &whole[..whole.len() - 1])
}

/// Parses what [`rfc3339`] and [`rfc3339_micros`] write (UTC, `Z`, an
/// optional fraction of up to nine digits). `None` for anything else.
pub fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let s = s.strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let mut d = date.splitn(3, '-');
    let y: i64 = digits(d.next()?, 4)?.try_into().ok()?;
    let m = digits(d.next()?, 2)?;
    let day = digits(d.next()?, 2)?;
    let (hms, frac) = match time.split_once('.') {
        Some((hms, frac)) => (hms, Some(frac)),
        None => (time, None),
    };
    let mut t = hms.splitn(3, ':');
    let (hh, mm, ss) = (
        digits(t.next()?, 2)?,
        digits(t.next()?, 2)?,
        digits(t.next()?, 2)?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let nanos = match frac {
        Some(f) if !f.is_empty() && f.len() <= 9 => {
            digits(f, f.len())? * 10u64.pow(9 - f.len() as u32)
        }
        Some(_) => return None,
        None => 0,
    };
    let days = days_from_civil(y, m as u32, day as u32);
    let secs = u64::try_from(days * 86_400).ok()? + hh * 3600 + mm * 60 + ss;
    Some(UNIX_EPOCH + std::time::Duration::new(secs, nanos as u32))
}

/// Exactly `len` ASCII digits as a number.
fn digits(s: &str, len: usize) -> Option<u64> {
    if s.len() != len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// (year, month, day) → days since 1970-01-01, Howard Hinnant's algorithm.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 → (year, month, day), Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn known_instants() {
        let cases: &[(u64, &str)] = &[
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_709_164_800, "2024-02-29T00:00:00Z"),
            (1_795_600_800, "2026-11-25T10:00:00Z"),
            (4_102_444_799, "2099-12-31T23:59:59Z"),
        ];
        for &(secs, want) in cases {
            assert_eq!(
                rfc3339(UNIX_EPOCH + Duration::from_secs(secs)),
                want,
                "{secs}"
            );
            assert_eq!(
                parse_rfc3339(want),
                Some(UNIX_EPOCH + Duration::from_secs(secs)),
                "{want}"
            );
        }
    }

    #[test]
    fn micros_round_trip() {
        for (secs, micros) in [
            (0u64, 0u32),
            (1_795_600_800, 123_456),
            (951_782_399, 999_999),
        ] {
            let t = UNIX_EPOCH + Duration::new(secs, micros * 1000);
            let text = rfc3339_micros(t);
            assert_eq!(text.len(), "2026-11-25T10:00:00.123456Z".len(), "{text}");
            assert_eq!(parse_rfc3339(&text), Some(t), "{text}");
        }
        assert_eq!(
            rfc3339_micros(UNIX_EPOCH + Duration::new(1_795_600_800, 5_000)),
            "2026-11-25T10:00:00.000005Z"
        );
    }

    #[test]
    fn malformed_times_are_refused() {
        for bad in [
            "",
            "Z",
            "2026-11-25T10:00:00",
            "2026-11-25 10:00:00Z",
            "2026-13-25T10:00:00Z",
            "2026-11-25T24:00:00Z",
            "2026-11-25T10:00:00.Z",
            "2026-11-25T10:00:00.1234567890Z",
            "2026-1-25T10:00:00Z",
            "+026-11-25T10:00:00Z",
            "2026-11-25T10:0a:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }
}
