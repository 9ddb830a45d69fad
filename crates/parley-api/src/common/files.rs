//! Files over HTTP: a stored file as a download response (its type, a `Content-Disposition` with
//! the UTF-8 name) and a raw upload body read up to the upload limit.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use parley_domain::dialog_service::{DEFAULT_CONTENT_TYPE, MAX_FILE_BYTES};
use parley_domain::file::FileMeta;

use crate::common::error::ApiError;

/// The file as a response: its bytes, its content type, `Content-Disposition: attachment` with an
/// ASCII fallback name and the exact name in `filename*` (RFC 6266 / RFC 8187), and `nosniff`.
pub fn download(meta: &FileMeta, bytes: Vec<u8>) -> Response {
    let content_type = HeaderValue::from_str(&meta.content_type)
        .unwrap_or(HeaderValue::from_static(DEFAULT_CONTENT_TYPE));
    let disposition = HeaderValue::from_str(&content_disposition(&meta.name))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// `attachment; filename="<ascii>"; filename*=UTF-8''<percent-encoded>`.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Reads an upload body of at most [`MAX_FILE_BYTES`]; a larger one (by its `Content-Length` or
/// as it streams) is `413` naming the limit.
pub async fn upload_body(headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_FILE_BYTES as u64) {
        return Err(ApiError::payload_too_large(MAX_FILE_BYTES));
    }
    axum::body::to_bytes(body, MAX_FILE_BYTES)
        .await
        .map_err(|_| ApiError::payload_too_large(MAX_FILE_BYTES))
}

/// The file name from `Content-Disposition` (`filename*=UTF-8''…` preferred over `filename=`).
pub fn disposition_name(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_DISPOSITION)?.to_str().ok()?;
    let mut plain = None;
    for part in value.split(';').map(str::trim) {
        let Some((key, val)) = part.split_once('=') else {
            continue;
        };
        match key.trim().to_ascii_lowercase().as_str() {
            "filename*" => {
                let (charset, rest) = val.trim().split_once('\'')?;
                let encoded = rest.split_once('\'')?.1;
                if charset.eq_ignore_ascii_case("utf-8") {
                    return percent_decode(encoded);
                }
            }
            "filename" => plain = Some(val.trim().trim_matches('"').to_owned()),
            _ => {}
        }
    }
    plain
}

fn percent_decode(text: &str) -> Option<String> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(byte) = bytes.next() {
        if byte == b'%' {
            let hex = [bytes.next()?, bytes.next()?];
            out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
        } else {
            out.push(byte);
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions_carry_utf8_names_both_ways() {
        let value = content_disposition("Счёт \"1\".pdf");
        assert_eq!(
            value,
            "attachment; filename=\"____ _1_.pdf\"; filename*=UTF-8''%D0%A1%D1%87%D1%91%D1%82%20%221%22.pdf"
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&value).unwrap(),
        );
        assert_eq!(disposition_name(&headers).unwrap(), "Счёт \"1\".pdf");
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"a.txt\""),
        );
        assert_eq!(disposition_name(&headers).unwrap(), "a.txt");
    }
}
