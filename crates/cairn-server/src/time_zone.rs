//! The server's time zone as an IANA name, for clients that preview when cron schedules on the local
//! clock fire (the scheduler uses the zone of the process: `TZ`, else the system's).
/// `TZ` when it names a zone (`Europe/Berlin`, `:Europe/Berlin`, `UTC`), else the system zone; empty
/// when neither can be told (e.g. `TZ` holds a POSIX rule such as `CET-1CEST`).
pub fn local() -> String {
    match std::env::var("TZ") {
        Ok(tz) => from_tz(&tz).unwrap_or_default(),
        Err(_) => iana_time_zone::get_timezone().unwrap_or_default(),
    }
}

fn from_tz(tz: &str) -> Option<String> {
    let name = tz.strip_prefix(':').unwrap_or(tz);
    let is_name = name == "UTC"
        || (name.contains('/') && !name.starts_with('/') && !name.contains(['<', ',', '>']));
    is_name.then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::from_tz;

    #[test]
    fn tz_names_are_taken_and_posix_rules_are_not() {
        assert_eq!(from_tz("Europe/Berlin").as_deref(), Some("Europe/Berlin"));
        assert_eq!(
            from_tz(":America/New_York").as_deref(),
            Some("America/New_York")
        );
        assert_eq!(from_tz("UTC").as_deref(), Some("UTC"));
        assert_eq!(from_tz("CET-1CEST,M3.5.0,M10.5.0/3"), None);
        assert_eq!(from_tz("/usr/share/zoneinfo/Europe/Paris"), None);
    }
}
