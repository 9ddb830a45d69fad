//! How statistics are answered: JSON `{"count", "items"}` by default, or a file (`output=CSV` or
//! `EXCEL`, named by `filename`, zipped with `archive=true`).
//!
//! CSV is written for Excel as Russian users open it by double-click: UTF-8 with a byte-order
//! mark (without one Excel reads Cyrillic as cp1251), `;` between fields (Excel's list separator
//! in the Russian locale, where `,` is the decimal separator), CRLF line ends, fields quoted when
//! they hold `;`, `"` or line breaks, amounts with a decimal comma (`1,79`) and times as
//! `2022-06-29 08:44:26` (UTC), which Excel reads as dates. EXCEL is a real XLSX workbook
//! (rust_xlsxwriter, constant-memory mode) with typed cells: numbers, booleans, dates with a
//! date format, amounts as numbers with two decimals. Files are built on a blocking thread.

use std::io::Write;

use axum::Json;
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Timelike, Utc};
use parley_domain::campaign_service::search::{FieldValue, Line, SearchResult};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq};

use crate::common::error::ApiError;
use crate::faces::twin::error::TwinError;

/// The longest text a spreadsheet cell holds.
const CELL_MAX: usize = 32_767;

/// The format asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `{"count", "items"}`.
    Json,
    /// CSV for Excel.
    Csv,
    /// An XLSX workbook.
    Excel,
}

/// How to answer: the format, and for files their name and whether to zip them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    format: Kind,
    filename: Option<String>,
    archive: bool,
}

impl Output {
    /// From `output`, `filename` and `archive`; an unknown `output` is 400.
    pub fn new(
        format: Option<&str>,
        filename: Option<String>,
        archive: bool,
    ) -> Result<Self, TwinError> {
        let format = match format.map(|f| f.trim().to_ascii_uppercase()).as_deref() {
            None | Some("JSON") => Kind::Json,
            Some("CSV") => Kind::Csv,
            Some("EXCEL" | "XLSX") => Kind::Excel,
            Some(other) => {
                return Err(TwinError::invalid(format!(
                    "`output` must be CSV or EXCEL (or absent for JSON), not `{other}`"
                )));
            }
        };
        Ok(Self {
            format,
            filename,
            archive,
        })
    }

    /// Whether the whole period is exported (CSV or Excel).
    pub fn is_file(&self) -> bool {
        self.format != Kind::Json
    }
}

/// The URL a call's recording is served at, without the id: the request's own scheme, host and
/// prefix (`/cis`, `/analyse` or none).
pub fn record_base(headers: &HeaderMap, uri: &Uri) -> String {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let scheme = text("x-forwarded-proto").unwrap_or("http");
    let host = text("x-forwarded-host")
        .or_else(|| text(header::HOST.as_str()))
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .unwrap_or("localhost");
    let path = uri.path();
    let prefix = path.find("/api/v1/").map_or("", |at| &path[..at]);
    format!("{scheme}://{host}{prefix}/api/v1/search/cis/calls")
}

/// The answer for `result`.
pub async fn respond(
    result: SearchResult,
    output: &Output,
    base: &str,
) -> Result<Response, TwinError> {
    if output.format == Kind::Json && output.filename.is_none() && !output.archive {
        return Ok(Json(Page {
            result: &result,
            base,
        })
        .into_response());
    }
    let output = output.clone();
    let base = base.to_owned();
    tokio::task::spawn_blocking(move || file(&result, &output, &base))
        .await
        .map_err(|e| TwinError::from(ApiError::internal(&format!("building an export: {e}"))))?
}

fn file(result: &SearchResult, output: &Output, base: &str) -> Result<Response, TwinError> {
    let (bytes, extension, content_type) = match output.format {
        Kind::Json => (
            serde_json::to_vec(&Page { result, base })
                .map_err(|e| ApiError::internal(&format!("writing JSON: {e}")))?,
            "json",
            "application/json",
        ),
        Kind::Csv => (csv(result, base), "csv", "text/csv; charset=utf-8"),
        Kind::Excel => (
            xlsx(result, base)?,
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    };
    let stem = output
        .filename
        .as_deref()
        .map(|name| name.trim().replace(['/', '\\', '"', '\r', '\n'], "_"))
        .unwrap_or_else(|| "statistics".to_owned());
    let inner = format!("{stem}.{extension}");
    let (bytes, name, content_type) = if output.archive {
        (
            zip(&inner, &bytes)?,
            format!("{stem}.zip"),
            "application/zip",
        )
    } else {
        (bytes, inner, content_type)
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition(&name)),
        ],
        bytes,
    )
        .into_response())
}

/// `attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266).
fn disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

fn zip(name: &str, bytes: &[u8]) -> Result<Vec<u8>, TwinError> {
    let internal = |e: zip::result::ZipError| {
        TwinError::from(ApiError::internal(&format!("zipping an export: {e}")))
    };
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    writer.start_file(name, options).map_err(internal)?;
    writer
        .write_all(bytes)
        .map_err(|e| internal(zip::result::ZipError::Io(e)))?;
    Ok(writer.finish().map_err(internal)?.into_inner())
}

/// A JSON page: `count` and the items with their fields in the order selected.
struct Page<'a> {
    result: &'a SearchResult,
    base: &'a str,
}

impl Serialize for Page<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("count", &self.result.total)?;
        map.serialize_entry("items", &Items(self))?;
        map.end()
    }
}

struct Items<'a>(&'a Page<'a>);

impl Serialize for Items<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let page = self.0;
        let mut seq = serializer.serialize_seq(Some(page.result.rows.len()))?;
        for row in &page.result.rows {
            seq.serialize_element(&Item {
                fields: &page.result.fields,
                values: row,
                base: page.base,
            })?;
        }
        seq.end()
    }
}

struct Item<'a> {
    fields: &'a [&'static str],
    values: &'a [FieldValue],
    base: &'a str,
}

impl Serialize for Item<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for (name, value) in self.fields.iter().zip(self.values) {
            map.serialize_entry(name, &json_value(value, self.base))?;
        }
        map.end()
    }
}

/// A transcript line as Twin24 writes it.
#[derive(Serialize)]
struct MessageDto<'a> {
    text: &'a str,
    author: &'a str,
    created_at: String,
}

fn json_value(value: &FieldValue, base: &str) -> serde_json::Value {
    use serde_json::Value;
    match value {
        FieldValue::Null => Value::Null,
        FieldValue::Text(text) => Value::String(text.clone()),
        FieldValue::Int(n) => Value::from(*n),
        FieldValue::Bool(b) => Value::Bool(*b),
        FieldValue::Money(minor) => Value::String(money(*minor, '.')),
        FieldValue::Time(at) => Value::String(time(at, 'T', true)),
        FieldValue::Messages(lines) => serde_json::to_value(messages(lines)).unwrap_or(Value::Null),
        FieldValue::Recording(uuid) => Value::String(format!("{base}/{uuid}/record")),
    }
}

fn messages(lines: &[Line]) -> Vec<MessageDto<'_>> {
    lines
        .iter()
        .map(|line| MessageDto {
            text: &line.text,
            author: line.author,
            created_at: time(&line.at, 'T', false) + "Z",
        })
        .collect()
}

/// `2022-06-29T08:44:26.000000Z` (with `micros`) or `2022-06-29 08:44:26` / `…T08:44:26`,
/// written field by field: chrono's `format` parses its pattern on every call, which shows in
/// exports of 50,000 rows.
fn time(at: &DateTime<Utc>, separator: char, micros: bool) -> String {
    let mut date = String::with_capacity(27);
    write_time(&mut date, at, separator);
    if micros {
        use std::fmt::Write as _;
        let _ = write!(date, ".{:06}Z", at.timestamp_subsec_micros().min(999_999));
    }
    date
}

fn money(minor: i64, point: char) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.unsigned_abs();
    format!("{sign}{}{point}{:02}", minor / 100, minor % 100)
}

/// Text of a value in a CSV field or a text cell.
fn text(value: &FieldValue, base: &str) -> String {
    match value {
        FieldValue::Null => String::new(),
        FieldValue::Text(text) => text.clone(),
        FieldValue::Int(n) => n.to_string(),
        FieldValue::Bool(b) => b.to_string(),
        FieldValue::Money(minor) => money(*minor, ','),
        FieldValue::Time(at) => time(at, ' ', false),
        FieldValue::Messages(lines) => serde_json::to_string(&messages(lines)).unwrap_or_default(),
        FieldValue::Recording(uuid) => format!("{base}/{uuid}/record"),
    }
}

/// The CSV file. Each cell is written into one reusable buffer (no `String` per cell) and
/// copied into the file, quoted only when it must be: with 50,000 rows of 31 fields the
/// per-cell allocations were a fifth of an export's time.
fn csv(result: &SearchResult, base: &str) -> Vec<u8> {
    use std::fmt::Write as _;
    let mut out = Vec::with_capacity(64 + result.rows.len() * 700);
    out.extend_from_slice("\u{feff}".as_bytes());
    let mut cell = String::with_capacity(1024);
    let push = |out: &mut Vec<u8>, cell: &str| {
        if cell.contains([';', '"', '\n', '\r']) {
            out.push(b'"');
            for piece in cell.split_inclusive('"') {
                out.extend_from_slice(piece.as_bytes());
                if piece.ends_with('"') {
                    out.push(b'"');
                }
            }
            out.push(b'"');
        } else {
            out.extend_from_slice(cell.as_bytes());
        }
    };
    for (i, name) in result.fields.iter().enumerate() {
        if i > 0 {
            out.push(b';');
        }
        push(&mut out, name);
    }
    out.extend_from_slice(b"\r\n");
    for row in &result.rows {
        for (i, value) in row.iter().enumerate() {
            if i > 0 {
                out.push(b';');
            }
            cell.clear();
            match value {
                FieldValue::Null => {}
                FieldValue::Text(text) => cell.push_str(text),
                FieldValue::Int(n) => {
                    let _ = write!(cell, "{n}");
                }
                FieldValue::Bool(b) => cell.push_str(if *b { "true" } else { "false" }),
                FieldValue::Money(minor) => write_money(&mut cell, *minor, ','),
                FieldValue::Time(at) => write_time(&mut cell, at, ' '),
                FieldValue::Messages(lines) => {
                    if let Ok(json) = serde_json::to_string(&messages(lines)) {
                        cell.push_str(&json);
                    }
                }
                FieldValue::Recording(uuid) => {
                    let _ = write!(cell, "{base}/{uuid}/record");
                }
            }
            push(&mut out, &cell);
        }
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// [`time`] without micros, appended to `cell`.
fn write_time(cell: &mut String, at: &DateTime<Utc>, separator: char) {
    use std::fmt::Write as _;
    let _ = write!(
        cell,
        "{:04}-{:02}-{:02}{separator}{:02}:{:02}:{:02}",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
}

/// [`money`], appended to `cell`.
fn write_money(cell: &mut String, minor: i64, point: char) {
    use std::fmt::Write as _;
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.unsigned_abs();
    let _ = write!(cell, "{sign}{}{point}{:02}", minor / 100, minor % 100);
}

fn xlsx(result: &SearchResult, base: &str) -> Result<Vec<u8>, TwinError> {
    let internal = |e: rust_xlsxwriter::XlsxError| {
        TwinError::from(ApiError::internal(&format!("writing a workbook: {e}")))
    };
    let mut workbook = Workbook::new();
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .map_err(internal)?;
    sheet.set_name("Statistics").map_err(internal)?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let amount = Format::new().set_num_format("0.00");
    for (col, name) in result.fields.iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        sheet
            .write_string_with_format(0, col, *name, &bold)
            .map_err(internal)?;
    }
    for (index, row) in result.rows.iter().enumerate() {
        let r = u32::try_from(index + 1).unwrap_or(u32::MAX);
        for (col, value) in row.iter().enumerate() {
            let c = u16::try_from(col).unwrap_or(u16::MAX);
            match value {
                FieldValue::Null => continue,
                FieldValue::Int(n) => sheet.write_number(r, c, *n as f64),
                FieldValue::Bool(b) => sheet.write_boolean(r, c, *b),
                FieldValue::Money(minor) => {
                    sheet.write_number_with_format(r, c, *minor as f64 / 100.0, &amount)
                }
                FieldValue::Time(at) => {
                    let when = ExcelDateTime::from_timestamp(at.timestamp()).map_err(internal)?;
                    sheet.write_datetime_with_format(r, c, &when, &date)
                }
                other => {
                    let mut text = text(other, base);
                    if text.len() > CELL_MAX {
                        let mut end = CELL_MAX;
                        while !text.is_char_boundary(end) {
                            end -= 1;
                        }
                        text.truncate(end);
                    }
                    sheet.write_string(r, c, text)
                }
            }
            .map_err(internal)?;
        }
    }
    workbook.save_to_buffer().map_err(internal)
}
