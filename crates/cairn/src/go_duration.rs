//! Durations written as Go's `time.ParseDuration` reads them (`90s`, `10m`, `1h30m`, `1.5h`, `250ms`),
//! for Backrest's `-multihost-heartbeat-interval` and its environment variable.
use cairn_proto::quoted;
use std::time::Duration;

/// Go's units; where one name starts another (`m`, `ms`), the longest that matches is taken.
const UNITS: [(&str, f64); 8] = [
    ("ns", 1e-9),
    ("us", 1e-6),
    ("µs", 1e-6),
    ("μs", 1e-6),
    ("ms", 1e-3),
    ("s", 1.0),
    ("m", 60.0),
    ("h", 3600.0),
];

/// Parses a non-negative Go duration; `0` alone is zero.
pub fn parse(text: &str) -> anyhow::Result<Duration> {
    let bad = || {
        anyhow::anyhow!(
            "{} is not a duration; write it as Go does, e.g. 90s, 10m or 1h30m",
            quoted(text)
        )
    };
    let mut rest = text.trim();
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(bad());
    }
    let mut secs = 0.0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let number: f64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let (unit, scale) = UNITS
            .iter()
            .filter(|(u, _)| rest.starts_with(u))
            .max_by_key(|(u, _)| u.len())
            .ok_or_else(bad)?;
        secs += number * scale;
        rest = &rest[unit.len()..];
    }
    Duration::try_from_secs_f64(secs).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::parse;
    use std::time::Duration;

    #[test]
    fn gos_forms_parse_and_others_are_refused() {
        assert_eq!(parse("600s").unwrap(), Duration::from_secs(600));
        assert_eq!(parse("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse("1.5h").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse("0").unwrap(), Duration::ZERO);
        for bad in ["", "10", "5 minutes", "-1s", "1x", "h"] {
            let e = parse(bad).unwrap_err().to_string();
            assert!(e.contains("not a duration"), "{bad}: {e}");
        }
    }
}
