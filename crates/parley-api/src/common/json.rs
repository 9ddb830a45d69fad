//! Body extractors that answer malformed JSON, wrong types, missing fields, oversized bodies and
//! unsupported content types with an [`ApiError`] naming the field and position, never axum's
//! plain-text rejections.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use parley_domain::Detail;
use serde::de::DeserializeOwned;

use crate::common::error::ApiError;

/// A JSON object request body (`Content-Type: application/json` or `application/*+json`).
/// Top-level arrays are refused, though serde would read a struct from one by position.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match media_type(req.headers()) {
            Some(media) if is_json_type(&media) => {}
            _ => return Err(ApiError::unsupported_media_type("application/json")),
        }
        let bytes = read_body(req, state).await?;
        parse_json_object(&bytes).map(JsonBody)
    }
}

/// A body that is either a JSON object or a raw YAML document (`application/yaml`,
/// `application/x-yaml`, `text/yaml`, `text/x-yaml`), for routes that take scenario files.
#[derive(Debug, Clone)]
pub enum JsonOrYaml<T> {
    /// A JSON body, parsed.
    Json(T),
    /// A YAML body, as text (parsed by the domain).
    Yaml(String),
}

/// What [`JsonOrYaml`] accepts, for error messages.
const JSON_OR_YAML: &str = "application/json or application/yaml";

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonOrYaml<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let media = media_type(req.headers()).unwrap_or_default();
        if is_json_type(&media) {
            let bytes = read_body(req, state).await?;
            return parse_json_object(&bytes).map(JsonOrYaml::Json);
        }
        if is_yaml_type(&media) {
            let bytes = read_body(req, state).await?;
            return String::from_utf8(bytes.to_vec())
                .map(JsonOrYaml::Yaml)
                .map_err(|e| {
                    ApiError::invalid(format!(
                        "the YAML body is not valid UTF-8 (byte {})",
                        e.utf8_error().valid_up_to()
                    ))
                });
        }
        Err(ApiError::unsupported_media_type(JSON_OR_YAML))
    }
}

/// The lower-cased media type of the request (`application/json` from
/// `Application/JSON; charset=utf-8`), `None` without a `Content-Type` header.
pub fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase(),
    )
}

/// Whether a media type (or a whole `Content-Type` value) is JSON.
pub fn is_json_type(content_type: &str) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

/// Whether a media type is YAML.
pub fn is_yaml_type(media: &str) -> bool {
    matches!(
        media,
        "application/yaml" | "application/x-yaml" | "text/yaml" | "text/x-yaml"
    )
}

/// Reads the whole body; over the limit is `PayloadTooLarge`.
pub async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::payload_too_large(crate::BODY_LIMIT)
        } else {
            ApiError::invalid(format!(
                "could not read the request body: {}",
                rejection.body_text()
            ))
        }
    })
}

/// Parses a JSON object into `T`, refusing any other top-level value.
pub fn parse_json_object<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None | Some(b'{') => parse_json(bytes),
        Some(_) => Err(ApiError::invalid(
            "the request body must be a JSON object (`{...}`)",
        )),
    }
}

/// Parses JSON into `T`; errors name the offending field (`settings.delay_seconds`) or the line
/// and column of a syntax error.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid(
            "the request body is empty; expected a JSON object",
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let field = error.path().to_string();
        json_error(error.into_inner(), Some(field))
    })?;
    deserializer
        .end()
        .map_err(|error| json_error(error, None))?;
    Ok(value)
}

/// Parses a JSON body, a blank one as `{}` (vendor clients that send no body mean "no fields",
/// so the target type's required fields are named in the error).
pub fn parse_lenient<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return parse_json(b"{}");
    }
    parse_json(bytes)
}

fn json_error(error: serde_json::Error, field: Option<String>) -> ApiError {
    let position = format!(" at line {} column {}", error.line(), error.column());
    let full = error.to_string();
    let text = full.strip_suffix(&position).unwrap_or(&full).to_owned();
    let located = Detail {
        line: Some(error.line()),
        column: Some(error.column()),
        ..Detail::new(text.clone())
    };
    match error.classify() {
        serde_json::error::Category::Data => {
            let field = field.filter(|f| f != ".");
            let message = match &field {
                Some(field) => format!("invalid request body: `{field}`: {text}"),
                None => format!("invalid request body: {text}"),
            };
            ApiError::invalid(message).with_details([Detail { field, ..located }])
        }
        serde_json::error::Category::Syntax
        | serde_json::error::Category::Eof
        | serde_json::error::Category::Io => ApiError::invalid(format!(
            "the request body is not valid JSON: {text}{position}"
        ))
        .with_details([located]),
    }
}

/// For `Option<Option<T>>` fields of partial updates, with `#[serde(default, deserialize_with =
/// "nullable")]`: absent is `None` (keep), `null` is `Some(None)` (clear), a value is `Some(Some(v))`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

/// A phone number sent as a JSON number, as its digits: `79161234567`, also when written
/// `79161234567.0` or `7.9161234567e10` (whose text would read as another number); `None` for a
/// fraction, a negative or zero.
pub fn phone_digits(number: &serde_json::Number) -> Option<String> {
    if let Some(n) = number.as_u64() {
        return Some(n.to_string());
    }
    let n = number.as_f64()?;
    (n.fract() == 0.0 && n > 0.0 && n < 1e16).then(|| format!("{n:.0}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "fields are only deserialized")]
    struct Probe {
        name: String,
        limits: Limits,
    }

    #[derive(Debug, serde::Deserialize)]
    #[expect(dead_code, reason = "fields are only deserialized")]
    struct Limits {
        total: u32,
    }

    fn fails(body: &str) -> ApiError {
        parse_json::<Probe>(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn errors_name_the_field_or_the_position() {
        let wrong_type = fails(r#"{"name": "a", "limits": {"total": -1}}"#);
        assert_eq!(
            wrong_type.details()[0].field.as_deref(),
            Some("limits.total")
        );
        assert!(
            wrong_type.message().contains("`limits.total`"),
            "{}",
            wrong_type.message()
        );

        let syntax = fails("{\"name\": \n oops}");
        assert_eq!(
            (syntax.details()[0].line, syntax.details()[0].column),
            (Some(2), Some(2))
        );
        assert!(
            syntax
                .message()
                .starts_with("the request body is not valid JSON")
        );

        let missing = fails(r#"{"name": "a"}"#);
        assert!(
            missing.message().contains("missing field `limits`"),
            "{}",
            missing.message()
        );
        assert_eq!(missing.details()[0].field, None);

        let unknown = fails(r#"{"name": "a", "limits": {"total": 1}, "extra": 1}"#);
        assert!(unknown.message().contains("unknown field `extra`"));

        let trailing = fails(r#"{"name": "a", "limits": {"total": 1}} x"#);
        assert!(trailing.message().contains("trailing characters"));

        assert!(fails("  ").message().contains("empty"));
        let array = parse_json_object::<Probe>(br#"["a", {"total": 1}]"#).unwrap_err();
        assert!(array.message().contains("must be a JSON object"));
        assert!(parse_json_object::<Probe>(br#" {"name": "a", "limits": {"total": 1}}"#).is_ok());
    }

    #[test]
    fn media_types() {
        assert!(is_json_type("Application/JSON; charset=utf-8"));
        assert!(is_json_type("application/problem+json"));
        assert!(!is_json_type("text/json+x"));
        assert!(is_yaml_type("text/yaml") && !is_yaml_type("text/plain"));
    }
}
