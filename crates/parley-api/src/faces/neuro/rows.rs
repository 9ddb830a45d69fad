//! Dialog rows as clients send them: `msisdn` (or the older `phone`) as a string or a number,
//! `script_entry_point` naming the scenario entry point, and every other key (`script_name`
//! included) an initial entity kept as the dialog's input variable, numbers as numbers.
//!
//! Group uploads are read raw (up to [`crate::HARD_BODY_LIMIT`], so 100,000 spreadsheet rows fit
//! whatever the configured body limit) and only their shape is checked here: an array of objects
//! (one object is one row), none holding a NUL character. Numbers and entry points are the upload
//! worker's to check, per row.
//!
//! NUL (U+0000) is refused in any key or string of a row, here and in `dialog-initial`: PostgreSQL
//! text cannot hold it, so a dialog carrying one would be queued and dialed, and then its call
//! could not be recorded.

use axum::body::Body as RawBody;
use parley_domain::campaign::UploadRow;
use serde_json::{Map, Number, Value};

use crate::common::error::ApiError;
use crate::common::json::phone_digits;
use crate::faces::neuro::error::NeuroError;

/// Keys that name the number to call, in order of preference.
const PHONE_KEYS: [&str; 2] = ["msisdn", "phone"];

/// The key that names the entry point (not kept as a variable).
const ENTRY_KEY: &str = "script_entry_point";

/// One row: the number (empty when the row has none), the entry point, the variables.
pub fn row(mut fields: Map<String, Value>) -> UploadRow {
    let phone = PHONE_KEYS
        .iter()
        .find_map(|key| fields.get(*key).and_then(text))
        .unwrap_or_default();
    let entry = fields
        .remove(ENTRY_KEY)
        .as_ref()
        .and_then(text)
        .filter(|e| !e.is_empty());
    UploadRow {
        phone,
        entry,
        variables: fields,
        external_id: None,
    }
}

/// A scalar as text: strings trimmed, whole numbers without a fraction (`7.9e10` from a
/// spreadsheet is `79000000000`); anything else is `None`.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(number_text(n)),
        _ => None,
    }
}

fn number_text(n: &Number) -> String {
    phone_digits(n).unwrap_or_else(|| n.to_string())
}

pub use parley_domain::campaign::{NUL_MESSAGE, has_nul};

/// Reads a group upload's body into rows.
pub async fn read_rows(body: RawBody) -> Result<Vec<UploadRow>, NeuroError> {
    let bytes = axum::body::to_bytes(body, crate::HARD_BODY_LIMIT)
        .await
        .map_err(|_| ApiError::payload_too_large(crate::HARD_BODY_LIMIT))?;
    parse_rows(&bytes)
}

/// Parses a group upload: a JSON array of objects, or one object.
pub fn parse_rows(bytes: &[u8]) -> Result<Vec<UploadRow>, NeuroError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(NeuroError::invalid(
            "the request body is empty; expected a JSON array of dialogs",
        ));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        NeuroError::invalid(format!(
            "the request body is not valid JSON ({e}); expected a JSON array of dialogs"
        ))
    })?;
    let items = match value {
        Value::Array(items) => items,
        one @ Value::Object(_) => vec![one],
        _ => {
            return Err(NeuroError::invalid(
                "expected a JSON array of dialogs (objects with `msisdn` and initial entities)",
            ));
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::Object(fields) if has_nul(&fields) => {
                Err(NeuroError::invalid(format!("dialog {i}: {NUL_MESSAGE}")))
            }
            Value::Object(fields) => Ok(row(fields)),
            other => Err(NeuroError::invalid(format!(
                "dialog {i} is {}, not an object with `msisdn` and initial entities",
                kind(&other)
            ))),
        })
        .collect()
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn one(value: Value) -> UploadRow {
        match value {
            Value::Object(map) => row(map),
            _ => unreachable!("tests pass objects"),
        }
    }

    #[test]
    fn numbers_entry_points_and_entities() {
        let r = one(
            json!({"phone": 79991231212_u64, "script_name": "outgoing_call",
                           "script_entry_point": "straight", "age": 42}),
        );
        assert_eq!(r.phone, "79991231212");
        assert_eq!(r.entry.as_deref(), Some("straight"));
        assert_eq!(r.variables["age"], json!(42));
        assert_eq!(r.variables["script_name"], json!("outgoing_call"));
        assert!(!r.variables.contains_key(ENTRY_KEY));
        assert_eq!(one(json!({"msisdn": 7.9991231212e10})).phone, "79991231212");
        assert_eq!(
            one(json!({"msisdn": " +7 999 ", "phone": "1"})).phone,
            "+7 999"
        );
        assert_eq!(one(json!({"name": "x"})).phone, "");
        assert_eq!(
            one(json!({"msisdn": "1", "script_entry_point": ""})).entry,
            None
        );
    }

    #[test]
    fn group_shapes() {
        assert_eq!(
            parse_rows(br#"[{"msisdn": "1"}, {"msisdn": 2}]"#)
                .map(|r| r.len())
                .ok(),
            Some(2)
        );
        assert_eq!(
            parse_rows(br#"{"msisdn": "1"}"#).map(|r| r.len()).ok(),
            Some(1)
        );
        for bad in [
            &b""[..],
            b"[1]",
            b"\"x\"",
            b"[{]",
            br#"[{"msisdn": "1", "name": "a\u0000"}]"#,
            br#"[{"msisdn": "1", "k\u0000": 1}]"#,
            br#"[{"msisdn": "1", "deep": [{"x": ["\u0000"]}]}]"#,
        ] {
            assert!(parse_rows(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
