//! Reading is74 request bodies: the body as JSON whatever its `Content-Type`, and lenient
//! readers for its fields (integers also as numeric strings, strings also as numbers, as the
//! vendor's pydantic models coerce them), with every problem of a body gathered in [`Problems`]
//! so one 422 names them all.

use serde_json::{Map, Value};

use crate::faces::is74::error::Is74Error;

/// Parses a body as a JSON object.
pub fn object(bytes: &[u8]) -> Result<Map<String, Value>, Is74Error> {
    match serde_json::from_slice(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Is74Error::invalid("the body must be a JSON object")),
        Err(e) => Err(Is74Error::invalid(format!(
            "the body is not valid JSON: {e}"
        ))),
    }
}

/// The problems found in one body, each naming its field (`campaign.schedule.date`).
#[derive(Debug, Default)]
pub struct Problems(Vec<String>);

impl Problems {
    /// Notes a problem.
    pub fn push(&mut self, problem: impl Into<String>) {
        self.0.push(problem.into());
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when nothing was found, else one 422 listing every problem.
    pub fn check(self) -> Result<(), Is74Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Is74Error::invalid(self.0.join("; ")))
        }
    }

    /// A required integer `path` (absent or `null` is "field required").
    pub fn int(&mut self, value: Option<&Value>, path: &str) -> Option<i64> {
        match optional_int(value) {
            Ok(Some(n)) => Some(n),
            Ok(None) => {
                self.push(format!("`{path}`: field required"));
                None
            }
            Err(()) => {
                self.push(format!("`{path}`: must be an integer"));
                None
            }
        }
    }

    /// An optional integer `path`.
    pub fn opt_int(&mut self, value: Option<&Value>, path: &str) -> Option<i64> {
        optional_int(value).unwrap_or_else(|()| {
            self.push(format!("`{path}`: must be an integer"));
            None
        })
    }

    /// A required non-blank string `path`.
    pub fn text(&mut self, value: Option<&Value>, path: &str) -> Option<String> {
        match self.opt_text(value, path) {
            Some(text) if !text.trim().is_empty() => Some(text),
            Some(_) => {
                self.push(format!("`{path}`: must not be empty"));
                None
            }
            None => {
                if optional_text(value).is_ok() {
                    self.push(format!("`{path}`: field required"));
                }
                None
            }
        }
    }

    /// An optional string `path`.
    pub fn opt_text(&mut self, value: Option<&Value>, path: &str) -> Option<String> {
        optional_text(value).unwrap_or_else(|()| {
            self.push(format!("`{path}`: must be a string"));
            None
        })
    }

    /// A required JSON object `path`.
    pub fn object<'a>(
        &mut self,
        value: Option<&'a Value>,
        path: &str,
    ) -> Option<&'a Map<String, Value>> {
        match value {
            Some(Value::Object(map)) => Some(map),
            None | Some(Value::Null) => {
                self.push(format!("`{path}`: field required"));
                None
            }
            Some(_) => {
                self.push(format!("`{path}`: must be an object"));
                None
            }
        }
    }
}

/// An integer (also written as a float without a fraction, `5.0`, as pydantic takes it), or a
/// string holding one; `None` for absent or `null`.
pub(crate) fn optional_int(value: Option<&Value>) -> Result<Option<i64>, ()> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| {
                let f = n.as_f64()?;
                // Within ±2^53 every whole float is exact.
                (f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0).then_some(f as i64)
            })
            .map(Some)
            .ok_or(()),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| ()),
        Some(_) => Err(()),
    }
}

/// A string, or a number as its text; `None` for absent or `null`.
pub(crate) fn optional_text(value: Option<&Value>) -> Result<Option<String>, ()> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn lenient_fields_and_gathered_problems() {
        let mut problems = Problems::default();
        assert_eq!(problems.int(Some(&json!("7")), "a"), Some(7));
        assert_eq!(problems.int(Some(&json!(7)), "a"), Some(7));
        assert_eq!(problems.int(Some(&json!(7.0)), "a"), Some(7));
        assert_eq!(problems.text(Some(&json!(5)), "b").as_deref(), Some("5"));
        assert!(problems.is_empty());
        assert_eq!(problems.int(None, "c"), None);
        assert_eq!(problems.int(Some(&json!(1.5)), "d"), None);
        assert_eq!(problems.text(Some(&json!(" ")), "e"), None);
        assert_eq!(problems.text(Some(&json!([])), "f"), None);
        let message = problems.check().unwrap_err().error().message().to_owned();
        assert_eq!(
            message,
            "`c`: field required; `d`: must be an integer; `e`: must not be empty; \
             `f`: must be a string"
        );
    }
}
