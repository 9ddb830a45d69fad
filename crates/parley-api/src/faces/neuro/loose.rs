//! Lenient field readers for `#[serde(default, deserialize_with = "...")]`: Neuro clients send
//! numbers as numbers or strings (`"recall_count": "1"`), booleans as strings, and `null` for
//! "not given". Errors say what was expected; the body parser adds the field name.

use serde::de::{Deserializer, Error};
use serde_json::Value;

/// What a field may hold, read leniently.
fn value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
    <Value as serde::Deserialize>::deserialize(deserializer)
}

/// A number from a JSON number or a numeric string; `None` for `null` and `""`.
fn number(value: &Value) -> Result<Option<f64>, String> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_f64()),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Some)
            .ok_or_else(|| format!("expected a number, got `{s}`")),
        other => Err(format!("expected a number, got {other}")),
    }
}

/// A whole non-negative number that fits in `u32`, as a number or a string; `null` is `None`.
pub fn u32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    let value = value(deserializer)?;
    let Some(n) = number(&value).map_err(D::Error::custom)? else {
        return Ok(None);
    };
    if n.fract() != 0.0 || !(0.0..=f64::from(u32::MAX)).contains(&n) {
        return Err(D::Error::custom(format!(
            "expected a whole number from 0 to {}, got {value}",
            u32::MAX
        )));
    }
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "checked above: whole and within u32"
    )]
    Ok(Some(n as u32))
}

/// A number as a number or a string: absent is `None`, `null` is `Some(None)` (clear).
pub fn nullable_f64<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<f64>>, D::Error> {
    let value = value(deserializer)?;
    number(&value).map(Some).map_err(D::Error::custom)
}

/// Text from a string or a number (`"flag": 1` is `"1"`); `null` is `None`.
pub fn string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    match value(deserializer)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        other => Err(D::Error::custom(format!("expected text, got {other}"))),
    }
}

/// Text as [`string`], but `null` is `Some(None)` (clear) and absent is `None`.
pub fn nullable_string<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<String>>, D::Error> {
    string(deserializer).map(Some)
}

/// A boolean from `true`/`false`, `"true"`/`"false"`, `1`/`0` (also as strings); `null` is `None`.
pub fn bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    let value = value(deserializer)?;
    let text = match &value {
        Value::Null => return Ok(None),
        Value::Bool(b) => return Ok(Some(*b)),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_ascii_lowercase(),
        _ => String::new(),
    };
    match text.as_str() {
        "" if value.is_string() => Ok(None),
        "true" | "1" => Ok(Some(true)),
        "false" | "0" => Ok(Some(false)),
        _ => Err(D::Error::custom(format!(
            "expected true or false, got {value}"
        ))),
    }
}

/// One value or a list of them (`"uuids": "a"` is `["a"]`); `null` is empty.
pub fn one_or_many<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let value = value(deserializer)?;
    let items = match value {
        Value::Null => Vec::new(),
        Value::Array(items) => items,
        one => vec![one],
    };
    items
        .into_iter()
        .map(|item| serde_json::from_value(item).map_err(D::Error::custom))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "super::u32")]
        count: Option<u32>,
        #[serde(default, deserialize_with = "super::bool")]
        flag: Option<bool>,
        #[serde(default, deserialize_with = "super::nullable_f64")]
        speed: Option<Option<f64>>,
        #[serde(default, deserialize_with = "super::one_or_many")]
        ids: Vec<String>,
    }

    fn probe(text: &str) -> Result<Probe, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn numbers_strings_and_nulls() {
        let p = probe(r#"{"count": "12", "flag": "True", "speed": null, "ids": "a"}"#).unwrap();
        assert_eq!(
            (p.count, p.flag, p.speed, p.ids),
            (Some(12), Some(true), Some(None), vec!["a".to_owned()])
        );
        let p = probe(r#"{"count": 3.0, "flag": 0, "speed": "1.5", "ids": ["a", "b"]}"#).unwrap();
        assert_eq!(
            (p.count, p.flag, p.speed, p.ids.len()),
            (Some(3), Some(false), Some(Some(1.5)), 2)
        );
        let p = probe("{}").unwrap();
        assert_eq!((p.count, p.flag, p.speed), (None, None, None));
        assert!(
            probe(r#"{"count": -1}"#)
                .unwrap_err()
                .contains("whole number")
        );
        assert!(
            probe(r#"{"count": "x"}"#)
                .unwrap_err()
                .contains("expected a number")
        );
        assert!(
            probe(r#"{"flag": "yes"}"#)
                .unwrap_err()
                .contains("true or false")
        );
    }
}
