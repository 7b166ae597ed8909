//! Schedule rules (cron, interval, disabled) and the cron parser cairn uses everywhere: standard
//! 5-field expressions (minute hour day-of-month month day-of-week), the `@hourly`-style aliases, and
//! the longer forms Backrest's parser also reads: 6 fields add a year at the end, 7 fields put seconds
//! first and a year last.
use super::Check;
use cairn_proto::quoted;
use cairn_proto::v1::__buffa::oneof::schedule::Schedule as Kind;
use cairn_proto::v1::Schedule;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

const FIELD_NAMES: &str = "minute hour day-of-month month day-of-week";

/// Why a cron expression is refused, in words a person can act on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    /// Nothing was given.
    #[error("is empty; give 5 fields: {FIELD_NAMES}")]
    Empty,
    /// Not five fields (nor Backrest's six or seven).
    #[error("{} has {found} field(s), cron needs 5: {FIELD_NAMES} (or 6 with a year last, or 7 with seconds first and a year last)", quoted(.expr))]
    FieldCount {
        /// The expression as given.
        expr: String,
        /// How many fields it has.
        found: usize,
    },
    /// 7 for Sunday, which the parser would read differently from Backrest.
    #[error("{} uses 7 for day-of-week; use 0 for Sunday", quoted(.0))]
    SundaySeven(String),
    /// The parser refused it.
    #[error("{} is not a valid cron expression: {reason}", quoted(.expr))]
    Invalid {
        /// The expression as given.
        expr: String,
        /// The parser's reason.
        reason: String,
    },
    /// It parses but matches no moment (e.g. 31 February).
    #[error("{} never fires", quoted(.0))]
    NeverFires(String),
}

/// Parses a 5-field cron expression (or an `@alias`), explaining any problem in words.
pub fn parse_cron(expr: &str) -> Result<Cron, CronError> {
    let expr = expr.trim();
    if expr.is_empty() {
        return Err(CronError::Empty);
    }
    let mut pattern = expr.to_string();
    let mut long = false;
    if !expr.starts_with('@') {
        let fields: Vec<&str> = expr.split_whitespace().collect();
        let dow = match fields.len() {
            5 | 6 => fields[4],
            7 => fields[5],
            found => {
                return Err(CronError::FieldCount {
                    expr: expr.to_string(),
                    found,
                });
            }
        };
        if has_dow_seven(dow) {
            return Err(CronError::SundaySeven(expr.to_string()));
        }
        if fields.len() == 6 {
            // Backrest's six fields end with a year; the parser's seven start with seconds.
            pattern = format!("0 {}", fields.join(" "));
        }
        long = fields.len() > 5;
    }
    let (seconds, year) = if long {
        (Seconds::Required, Year::Required)
    } else {
        (Seconds::Disallowed, Year::Disallowed)
    };
    let parser = CronParser::builder().seconds(seconds).year(year).build();
    let cron = parser.parse(&pattern).map_err(|e| CronError::Invalid {
        expr: expr.to_string(),
        reason: e.to_string(),
    })?;
    cron.find_next_occurrence(&chrono::Utc::now(), false)
        .map_err(|_| CronError::NeverFires(expr.to_string()))?;
    Ok(cron)
}

/// True if a day-of-week field names 7 as a value (ranges and lists included, steps excluded).
fn has_dow_seven(field: &str) -> bool {
    field.split(',').any(|part| {
        let range = part.split('/').next().unwrap_or("");
        range.split('-').any(|v| v == "7")
    })
}

/// True if the schedule would ever run (set, not disabled).
pub fn is_enabled(schedule: Option<&Schedule>) -> bool {
    matches!(schedule.and_then(|s| s.schedule.as_ref()), Some(k) if !matches!(k, Kind::Disabled(true)))
}

/// Checks a schedule field at `path`; an unset schedule never runs and is valid.
pub(super) fn check_field(k: &mut Check, path: &str, schedule: Option<&Schedule>) {
    let Some(kind) = schedule.and_then(|s| s.schedule.as_ref()) else {
        return;
    };
    match kind {
        Kind::Disabled(false) => k.err(
            format!("{path}.disabled"),
            "must be true (or remove the schedule)",
        ),
        Kind::Cron(expr) => {
            if let Err(e) = parse_cron(expr) {
                k.err(format!("{path}.cron"), e.to_string());
            }
        }
        Kind::MaxFrequencyDays(n) if *n < 1 => {
            k.err(
                format!("{path}.maxFrequencyDays"),
                format!("must be at least 1 (got {n})"),
            );
        }
        Kind::MaxFrequencyHours(n) if *n < 1 => {
            k.err(
                format!("{path}.maxFrequencyHours"),
                format!("must be at least 1 (got {n})"),
            );
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cron_errors_say_what_is_wrong() {
        assert_eq!(
            parse_cron("* * *").unwrap_err().to_string(),
            "\"* * *\" has 3 field(s), cron needs 5: minute hour day-of-month month day-of-week (or 6 with a year last, or 7 with seconds first and a year last)"
        );
        assert!(
            parse_cron("0 0 * * 7")
                .unwrap_err()
                .to_string()
                .contains("use 0 for Sunday")
        );
        assert!(
            parse_cron("0 0 * * 5-7")
                .unwrap_err()
                .to_string()
                .contains("use 0 for Sunday")
        );
        assert!(
            parse_cron("61 * * * *")
                .unwrap_err()
                .to_string()
                .contains("not a valid cron")
        );
        assert!(parse_cron("").unwrap_err().to_string().contains("is empty"));
        assert!(
            parse_cron("0 0 31 2 *")
                .unwrap_err()
                .to_string()
                .contains("never fires")
        );
    }

    #[test]
    fn valid_expressions_parse() {
        for ok in [
            "0 * * * *",
            "*/15 2-4 * * 1-5",
            "0 3 1 * *",
            "0 0 * * */7",
            "@daily",
            "30 2 * * SUN",
        ] {
            assert!(parse_cron(ok).is_ok(), "{ok}");
        }
    }

    /// Backrest's parser also reads a year after the five fields, and seconds before them.
    #[test]
    fn backrests_six_and_seven_field_forms_mean_what_they_mean_there() {
        use chrono::{TimeZone, Utc};
        let from = Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap();
        let next = |e: &str| {
            parse_cron(e)
                .unwrap()
                .find_next_occurrence(&from, false)
                .unwrap()
        };
        assert_eq!(
            next("30 4 * * * 2028"),
            Utc.with_ymd_and_hms(2028, 1, 1, 4, 30, 0).unwrap()
        );
        assert_eq!(
            next("15 30 4 * * * *"),
            Utc.with_ymd_and_hms(2026, 12, 4, 4, 30, 15).unwrap()
        );
        assert!(
            parse_cron("0 0 * * 7 2027")
                .unwrap_err()
                .to_string()
                .contains("use 0 for Sunday")
        );
        assert!(
            parse_cron("0 0 0 * * 7 *")
                .unwrap_err()
                .to_string()
                .contains("use 0 for Sunday")
        );
        assert!(
            parse_cron("0 0 * * * 2020")
                .unwrap_err()
                .to_string()
                .contains("never fires")
        );
    }
}
