//! Calendar dates from Lever values: epoch milliseconds are read in the
//! configured time zone; a value that is already a date is kept, never shifted.

use chrono::{DateTime, Datelike, NaiveDate};
use chrono_tz::Tz;

use crate::types::FieldValue;

/// Parse an IANA time zone name (`America/New_York`, `UTC`).
pub fn parse_timezone(name: &str) -> Result<Tz, String> {
    name.trim().parse::<Tz>().map_err(|_| {
        format!("unknown time zone \"{}\"; use an IANA name such as America/New_York, Europe/London or UTC", name.trim())
    })
}

/// The calendar date of an epoch-milliseconds instant in `tz`.
pub fn date_of_millis(ms: i64, tz: Tz) -> Option<String> {
    // Checked in UTC first: chrono panics turning an instant near its last
    // one into the local time of a zone ahead of UTC.
    let utc = DateTime::from_timestamp_millis(ms).filter(|t| (0..=9999).contains(&t.year()))?;
    plain(utc.with_timezone(&tz).date_naive())
}

/// A date as `YYYY-MM-DD`, or `None` when its year does not fit in four
/// digits: chrono would write `+262142-12-31`, which is no date for Namely.
fn plain(date: NaiveDate) -> Option<String> {
    (0..=9999).contains(&date.year()).then(|| date.format("%Y-%m-%d").to_string())
}

/// A date from an offer or form value, as `YYYY-MM-DD`.
///
/// Numbers (and digit-only text) are epoch milliseconds. Text dates are read
/// as `YYYY-MM-DD` (also the date part of an ISO timestamp), `YYYY/MM/DD` or
/// the US `MM/DD/YYYY`.
pub fn date_of_value(v: &FieldValue, tz: Tz) -> Result<String, String> {
    match v {
        FieldValue::Number(n) if n.is_finite() && n.fract() == 0.0 => {
            date_of_millis(*n as i64, tz).ok_or_else(|| format!("{n} is not a valid timestamp"))
        }
        FieldValue::Number(n) => Err(format!("{n} is not a timestamp in milliseconds")),
        FieldValue::Text(t) => {
            let t = t.trim();
            if t.len() >= 10 && t.bytes().all(|b| b.is_ascii_digit()) {
                let ms: i64 = t.parse().map_err(|_| format!("\"{t}\" is not a valid timestamp"))?;
                return date_of_millis(ms, tz).ok_or_else(|| format!("\"{t}\" is not a valid timestamp"));
            }
            parse_text_date(t).and_then(plain).ok_or_else(|| {
                format!("\"{t}\" is not a date (expected YYYY-MM-DD, MM/DD/YYYY or epoch milliseconds)")
            })
        }
    }
}

fn parse_text_date(t: &str) -> Option<NaiveDate> {
    // The date part of an ISO 8601 timestamp is the date the writer meant.
    let head = t.split(['T', ' ']).next().unwrap_or(t);
    for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(head, fmt) {
            return Some(d);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const JAN_1_2024_UTC: f64 = 1_704_067_200_000.0;

    #[test]
    fn millis_are_read_in_the_time_zone() {
        let v = FieldValue::Number(JAN_1_2024_UTC);
        assert_eq!(date_of_value(&v, chrono_tz::UTC).unwrap(), "2024-01-01");
        // Midnight UTC is still New Year's Eve in Los Angeles.
        assert_eq!(date_of_value(&v, parse_timezone("America/Los_Angeles").unwrap()).unwrap(), "2023-12-31");
        assert_eq!(date_of_value(&FieldValue::Text("1704067200000".into()), chrono_tz::UTC).unwrap(), "2024-01-01");
    }

    #[test]
    fn date_strings_are_never_shifted() {
        let la = parse_timezone("America/Los_Angeles").unwrap();
        let tokyo = parse_timezone("Asia/Tokyo").unwrap();
        for tz in [la, tokyo] {
            assert_eq!(date_of_value(&FieldValue::Text("2024-02-01".into()), tz).unwrap(), "2024-02-01");
            assert_eq!(date_of_value(&FieldValue::Text("2024-02-01T00:00:00Z".into()), tz).unwrap(), "2024-02-01");
            assert_eq!(date_of_value(&FieldValue::Text("02/01/2024".into()), tz).unwrap(), "2024-02-01");
            assert_eq!(date_of_value(&FieldValue::Text("2024/2/1".into()), tz).unwrap(), "2024-02-01");
        }
    }

    #[test]
    fn unreadable_dates_say_why() {
        let e = date_of_value(&FieldValue::Text("next Monday".into()), chrono_tz::UTC).unwrap_err();
        assert!(e.contains("next Monday"), "{e}");
        assert!(date_of_value(&FieldValue::Text("2024-13-45".into()), chrono_tz::UTC).is_err());
        assert!(date_of_value(&FieldValue::Number(1.5), chrono_tz::UTC).is_err());
        assert!(date_of_value(&FieldValue::Number(1e300), chrono_tz::UTC).is_err());
    }

    /// Found by fuzzing: an archive time in the year 262142 (or before year
    /// 0) became the start date "+262142-12-31", or a panic in a zone ahead
    /// of UTC; it is no date at all now.
    #[test]
    fn dates_beyond_four_digit_years_are_not_dates() {
        assert_eq!(date_of_millis(8_210_266_876_799_999, chrono_tz::UTC), None);
        assert_eq!(date_of_millis(-62_167_219_200_001, chrono_tz::UTC), None);
        assert_eq!(date_of_millis(253_402_300_799_999, chrono_tz::UTC).as_deref(), Some("9999-12-31"));
        assert_eq!(date_of_millis(-62_167_219_200_000, chrono_tz::UTC).as_deref(), Some("0000-01-01"));
        // chrono's last instant, in a zone ahead of UTC, was a panic.
        for zone in ["Asia/Kathmandu", "Pacific/Kiritimati"] {
            assert_eq!(date_of_millis(8_210_266_876_799_999, parse_timezone(zone).unwrap()), None, "{zone}");
        }
        let e = date_of_value(&FieldValue::Number(8.2e15), chrono_tz::UTC).unwrap_err();
        assert!(e.contains("not a valid timestamp"), "{e}");
    }

    #[test]
    fn unknown_time_zones_are_named() {
        let e = parse_timezone("Mars/Olympus").unwrap_err();
        assert!(e.contains("Mars/Olympus"), "{e}");
    }
}
