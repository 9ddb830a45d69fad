//! A candidate's `timezone`: the callee's offset from UTC, which decides the calling hours
//! instead of the zone of the number (a Russian mobile number says nothing of the region).
//!
//! Twin24 clients send minutes (the Go SDK: "отклонение от UTC+0 в минутах", `180` for
//! Moscow). Also read: whole hours (`3`: no zone is 1 to 14 minutes off UTC), offsets as text
//! (`"+03:00"`, `"UTC+3"`, `"GMT-0530"`) and IANA names (`"Asia/Vladivostok"`). `0` and `null`
//! mean not given (Go leaves a zero out, and the number's zone is the better guess).

use chrono_tz::Tz;
use serde_json::Value;

/// Offsets that are not whole hours, and the zone (without daylight saving, or the one such
/// offset names) that keeps them.
const PART_HOURS: [(i32, &str); 10] = [
    (-570, "Pacific/Marquesas"),
    (-210, "America/St_Johns"),
    (210, "Asia/Tehran"),
    (270, "Asia/Kabul"),
    (330, "Asia/Kolkata"),
    (345, "Asia/Kathmandu"),
    (390, "Asia/Yangon"),
    (525, "Australia/Eucla"),
    (570, "Australia/Darwin"),
    (765, "Pacific/Chatham"),
];

/// The zone `value` names; `Ok(None)` when it names none. The error says what is accepted.
pub fn candidate_zone(value: &Value) -> Result<Option<Tz>, String> {
    let minutes = match value {
        Value::Null => return Ok(None),
        Value::Number(n) => loose_minutes(n.as_i64().ok_or_else(|| refused(value))?),
        Value::String(text) => {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            if let Ok(zone) = text.parse::<Tz>() {
                return Ok(Some(zone));
            }
            // "+0530" is ±HHMM; "-300" or "180" is a number of minutes.
            let hhmm = text.len() == 5 && text.starts_with(['+', '-']);
            match text.parse::<i64>() {
                Ok(n) if !hhmm => loose_minutes(n),
                _ => offset_text(text).ok_or_else(|| refused(value))?,
            }
        }
        _ => return Err(refused(value)),
    };
    if minutes == 0 {
        return Ok(None);
    }
    zone_of_offset(minutes)
        .map(Some)
        .ok_or_else(|| refused(value))
}

/// A bare number as minutes: up to 14 either way it can only be hours.
fn loose_minutes(n: i64) -> i64 {
    if n.abs() <= 14 { n * 60 } else { n }
}

/// Minutes from `±H`, `±HH:MM` or `±HHMM`, after an optional `UTC` / `GMT`.
fn offset_text(text: &str) -> Option<i64> {
    let upper = text.to_ascii_uppercase();
    let rest = upper
        .strip_prefix("UTC")
        .or_else(|| upper.strip_prefix("GMT"))
        .unwrap_or(&upper);
    let (sign, digits) = if let Some(digits) = rest.strip_prefix('+') {
        (1, digits)
    } else if let Some(digits) = rest.strip_prefix('-').or_else(|| rest.strip_prefix('−')) {
        (-1, digits)
    } else {
        return None;
    };
    let (hours, minutes) = match digits.split_once(':') {
        Some((h, m)) => (h, m),
        None if digits.len() == 4 => digits.split_at(2),
        None => (digits, "0"),
    };
    let hours: i64 = hours.parse().ok().filter(|h| (0..=14).contains(h))?;
    let minutes: i64 = minutes.parse().ok().filter(|m| (0..60).contains(m))?;
    Some(sign * (hours * 60 + minutes))
}

/// The zone keeping `minutes` east of UTC: `Etc/GMT∓H` for whole hours, else a zone of that
/// offset; `None` when no zone has it.
fn zone_of_offset(minutes: i64) -> Option<Tz> {
    if minutes % 60 == 0 {
        let hours = minutes / 60;
        if !(-12..=14).contains(&hours) {
            return None;
        }
        // The Etc zones count the other way: Etc/GMT-3 is three hours east of UTC.
        return format!("Etc/GMT{:+}", -hours).parse().ok();
    }
    PART_HOURS
        .iter()
        .find(|(offset, _)| i64::from(*offset) == minutes)
        .and_then(|(_, name)| name.parse().ok())
}

fn refused(value: &Value) -> String {
    format!(
        "`timezone` {value} is not an offset from UTC in minutes (180 for UTC+3), an offset \
         such as \"+03:00\", or a zone name such as \"Asia/Vladivostok\""
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn offsets_and_names_become_zones() {
        let cases = [
            (json!(180), Some("Etc/GMT-3")),
            (json!(600), Some("Etc/GMT-10")),
            (json!(-300), Some("Etc/GMT+5")),
            (json!(3), Some("Etc/GMT-3")),
            (json!("180"), Some("Etc/GMT-3")),
            (json!("+03:00"), Some("Etc/GMT-3")),
            (json!("UTC+3"), Some("Etc/GMT-3")),
            (json!("GMT-03:30"), Some("America/St_Johns")),
            (json!("-5"), Some("Etc/GMT+5")),
            (json!("+0530"), Some("Asia/Kolkata")),
            (json!(330), Some("Asia/Kolkata")),
            (json!("Asia/Vladivostok"), Some("Asia/Vladivostok")),
            (json!(0), None),
            (json!(null), None),
            (json!(""), None),
        ];
        for (value, expected) in cases {
            match candidate_zone(&value) {
                Ok(zone) => assert_eq!(zone.map(|z| z.name()), expected, "{value}"),
                Err(error) => assert!(expected.is_none(), "{value}: {error}"),
            }
        }
    }

    #[test]
    fn what_no_zone_has_is_refused() {
        for value in [
            json!(17),
            json!(1000),
            json!(-800),
            json!(2.5),
            json!("Mars/Olympus"),
            json!("+25:00"),
            json!("GMT-0530"),
            json!("+3:75"),
            json!(true),
            json!([180]),
        ] {
            let error = candidate_zone(&value).unwrap_err();
            assert!(error.contains("`timezone`"), "{value}: {error}");
        }
    }

    #[test]
    fn a_zone_keeps_its_offset() {
        use chrono::{Offset, TimeZone, Utc};
        let now = Utc::now();
        for (minutes, _) in PART_HOURS {
            let zone = zone_of_offset(i64::from(minutes)).unwrap();
            let offset = zone.offset_from_utc_datetime(&now.naive_utc()).fix();
            // Chatham and St John's keep daylight saving part of the year.
            let seconds = offset.local_minus_utc();
            assert!(
                seconds == minutes * 60 || seconds == (minutes + 60) * 60,
                "{minutes}: {seconds}"
            );
        }
    }
}
