//! `GET /api/v{1,2}/conversations` (filtered, paged, object-keyed list) and
//! `GET /api/v1/conversation/{id}`, `GET /api/v2/conversation/{uuid}` (one, with its data).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::Uri;
use chrono::{DateTime, Utc};
use parley_domain::dialog::DialogFilter;
use parley_domain::ids::{AgentId, DialogId, Ref, Uuid};
use parley_domain::values::Page;
use parley_domain::{Detail, Services};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::common::auth::Basic;
use crate::common::error::ApiError;
use crate::common::query::{DayEnd, Path, QueryParams, iso8601};
use crate::faces::botone::dto::{Conversation, conversation, data};

/// Page size when `PageCount` is absent.
pub const DEFAULT_PAGE_COUNT: u64 = 40;

/// The list's filters, by the vendor's names.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(rename = "BotID")]
    bot_id: Option<i64>,
    #[serde(rename = "PageNumber")]
    page_number: Option<u64>,
    #[serde(rename = "PageCount")]
    page_count: Option<u64>,
    #[serde(rename = "CreatedFrom")]
    created_from: Option<String>,
    #[serde(rename = "CreatedTo")]
    created_to: Option<String>,
    #[serde(rename = "UpdatedFrom")]
    updated_from: Option<String>,
    #[serde(rename = "UpdatedTo")]
    updated_to: Option<String>,
}

/// v1: integer ids.
pub async fn list_v1(
    services: State<Arc<Services>>,
    who: Basic,
    uri: Uri,
    query: QueryParams<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    list(services, who, uri, query, |c| json!(c.id.0)).await
}

/// v2: UUIDs.
pub async fn list_v2(
    services: State<Arc<Services>>,
    who: Basic,
    uri: Uri,
    query: QueryParams<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    list(services, who, uri, query, |c| json!(c.uuid.to_string())).await
}

async fn list(
    State(services): State<Arc<Services>>,
    Basic(who): Basic,
    uri: Uri,
    QueryParams(query): QueryParams<ListQuery>,
    id: fn(&parley_domain::dialog::Dialog) -> Value,
) -> Result<Json<Value>, ApiError> {
    let page = page(query.page_number, query.page_count)?;
    let filter = DialogFilter {
        agent_id: query.bot_id.map(AgentId),
        status: None,
        created_from: date("CreatedFrom", query.created_from, DayEnd::Start)?,
        created_to: date("CreatedTo", query.created_to, DayEnd::End)?,
        updated_from: date("UpdatedFrom", query.updated_from, DayEnd::Start)?,
        updated_to: date("UpdatedTo", query.updated_to, DayEnd::End)?,
    };
    let found = services.dialogs.list(who.company_id, &filter, page).await?;
    let v2 = uri.path().starts_with("/api/v2/");
    let mut out = Map::new();
    let count = found.items.len();
    for (n, dialog) in found.items.iter().enumerate() {
        let item = conversation(dialog, id(dialog), v2);
        out.insert(n.to_string(), to_value(&item)?);
    }
    let current = page.offset / page.limit + 1;
    let total_pages = found.total.div_ceil(page.limit);
    let mut links = Map::new();
    if current > 1 {
        links.insert("previous".into(), json!(link(&uri, current - 1)));
    }
    if current < total_pages {
        links.insert("next".into(), json!(link(&uri, current + 1)));
    }
    out.insert(
        "meta".into(),
        json!({ "pagination": {
            "total": found.total,
            "count": count,
            "per_page": page.limit,
            "current_page": current,
            "total_pages": total_pages,
            "links": links,
        }}),
    );
    Ok(Json(Value::Object(out)))
}

/// `GET /api/v1/conversation/{id}`.
pub async fn get_v1(
    State(services): State<Arc<Services>>,
    Basic(who): Basic,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id: i64 = id
        .trim()
        .parse()
        .map_err(|_| ApiError::invalid(format!("`{id}` is not a conversation id (an integer)")))?;
    let details = services
        .dialogs
        .details(who.company_id, Ref::Id(DialogId(id)))
        .await?;
    let mut item = conversation(&details.dialog, id, false);
    item.data = Some(data(details.answers, details.files));
    Ok(Json(to_value(&item)?))
}

/// `GET /api/v2/conversation/{uuid}`.
pub async fn get_v2(
    State(services): State<Arc<Services>>,
    Basic(who): Basic,
    Path(uuid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let uuid = parse_uuid(&uuid)?;
    let details = services
        .dialogs
        .details(who.company_id, Ref::Uuid(uuid))
        .await?;
    let mut item = conversation(&details.dialog, uuid.to_string(), true);
    item.data = Some(data(details.answers, details.files));
    Ok(Json(to_value(&item)?))
}

/// A conversation UUID from a path.
pub fn parse_uuid(text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text.trim())
        .map_err(|_| ApiError::invalid(format!("`{text}` is not a conversation uuid")))
}

fn to_value<I: serde::Serialize>(item: &Conversation<I>) -> Result<Value, ApiError> {
    serde_json::to_value(item).map_err(|e| ApiError::internal(&e.to_string()))
}

fn invalid_param(name: &str, problem: String) -> ApiError {
    ApiError::invalid(format!("query parameter `{name}`: {problem}")).with_details([Detail {
        field: Some(name.to_owned()),
        ..Detail::new(problem)
    }])
}

fn page(number: Option<u64>, count: Option<u64>) -> Result<Page, ApiError> {
    let count = count.unwrap_or(DEFAULT_PAGE_COUNT);
    if count == 0 || count > Page::MAX_LIMIT {
        return Err(invalid_param(
            "PageCount",
            format!("{count} is out of range (1–{})", Page::MAX_LIMIT),
        ));
    }
    let number = number.unwrap_or(1);
    if number == 0 {
        return Err(invalid_param(
            "PageNumber",
            "pages are numbered from 1".into(),
        ));
    }
    Page::new((number - 1).saturating_mul(count), count).map_err(ApiError::from)
}

fn date(name: &str, text: Option<String>, end: DayEnd) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(text) = text else { return Ok(None) };
    iso8601(&text, end).map(Some).ok_or_else(|| {
        invalid_param(
            name,
            format!("`{text}` is not an ISO 8601 date or date-time (e.g. 2023-05-01 or 2023-05-01T10:00:00+03:00)"),
        )
    })
}

/// The same list at page `number`.
fn link(uri: &Uri, number: u64) -> String {
    let query = uri.query().unwrap_or_default();
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if key != "PageNumber" {
            out.append_pair(&key, &value);
        }
    }
    out.append_pair("PageNumber", &number.to_string());
    format!("{}?{}", uri.path(), out.finish())
}
