//! Creating dialogs: `GET /api/v{1,2}/dialog/{BotID}/create` stores one without starting it;
//! `POST /api/v2/dialog/{BotID}/create` creates and starts it, reading `variables` and
//! `response` from the query or a JSON body (the body wins), `variables` as a JSON string or
//! an object. Everything is checked before anything is created.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use parley_domain::dialog_service::StartDialog;
use parley_domain::ids::{AgentId, Ref};
use parley_domain::{Detail, Services};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::common::auth::Basic;
use crate::common::client::ClientIp;
use crate::common::error::ApiError;
use crate::common::json::{is_json_type, media_type, parse_json_object, read_body};
use crate::common::query::{Path, QueryParams};

/// The query of the GET create.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateQuery {
    variables: Option<String>,
}

/// The query of the POST create.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartQuery {
    variables: Option<String>,
    response: Option<String>,
}

/// The JSON body of the POST create.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StartBody {
    variables: Option<Value>,
    response: Option<Value>,
}

/// `GET …/dialog/{BotID}/create`: created, not started → `{"dialogId": "<uuid>"}`.
pub async fn create(
    State(services): State<Arc<Services>>,
    Basic(who): Basic,
    ClientIp(ip): ClientIp,
    Path(bot): Path<String>,
    QueryParams(query): QueryParams<CreateQuery>,
) -> Result<Json<Value>, ApiError> {
    let request = StartDialog {
        agent: bot_ref(&bot)?,
        entry: None,
        variables: match query.variables {
            Some(text) => variables_from_text(&text)?,
            None => Map::new(),
        },
        source: "api".into(),
        ip,
        location: None,
    };
    let dialog = services.dialogs.create(&who, request).await?;
    Ok(Json(json!({ "dialogId": dialog.uuid.to_string() })))
}

/// `POST /api/v2/dialog/{BotID}/create`: created and started; with `response=true` →
/// `{"dialogId": <int>, "dialogUUID": "<uuid>"}`, else `{}`.
pub async fn create_and_start(
    State(services): State<Arc<Services>>,
    Basic(who): Basic,
    ClientIp(ip): ClientIp,
    Path(bot): Path<String>,
    QueryParams(query): QueryParams<StartQuery>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let agent = bot_ref(&bot)?;
    let mut variables = match query.variables {
        Some(text) => Some(variables_from_text(&text)?),
        None => None,
    };
    let mut response = match query.response {
        Some(text) => flag(&Value::String(text))?,
        None => false,
    };
    if let Some(body) = body(request).await? {
        if let Some(value) = body.variables.filter(|v| !v.is_null()) {
            variables = Some(variables_from_value(value)?);
        }
        if let Some(value) = body.response {
            response = flag(&value)?;
        }
    }
    let request = StartDialog {
        agent,
        entry: None,
        variables: variables.unwrap_or_default(),
        source: "api".into(),
        ip,
        location: None,
    };
    let outcome = services.dialogs.start(&who, request).await?;
    Ok(Json(if response {
        json!({ "dialogId": outcome.dialog.id.0, "dialogUUID": outcome.dialog.uuid.to_string() })
    } else {
        json!({})
    }))
}

/// The optional JSON body (none when empty).
async fn body(request: Request) -> Result<Option<StartBody>, ApiError> {
    let media = media_type(request.headers());
    let bytes = read_body(request, &()).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if media.as_deref().is_some_and(|m| !is_json_type(m)) {
        return Err(ApiError::unsupported_media_type("application/json"));
    }
    parse_json_object(&bytes).map(Some)
}

fn bot_ref(text: &str) -> Result<Ref<AgentId>, ApiError> {
    text.trim()
        .parse::<i64>()
        .map(|id| Ref::Id(AgentId(id)))
        .map_err(|_| ApiError::invalid(format!("`{text}` is not a BotID (an integer)")))
}

fn bad_variables(problem: String) -> ApiError {
    ApiError::invalid(format!("parameter `variables`: {problem}")).with_details([Detail {
        field: Some("variables".into()),
        ..Detail::new(problem)
    }])
}

fn variables_from_text(text: &str) -> Result<Map<String, Value>, ApiError> {
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(bad_variables("must be a JSON object".into())),
        Err(e) => Err(bad_variables(format!("not valid JSON: {e}"))),
    }
}

fn variables_from_value(value: Value) -> Result<Map<String, Value>, ApiError> {
    match value {
        Value::Object(map) => Ok(map),
        Value::String(text) => variables_from_text(&text),
        _ => Err(bad_variables(
            "must be a JSON object or a string holding one".into(),
        )),
    }
}

fn flag(value: &Value) -> Result<bool, ApiError> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if matches!(s.trim(), "true" | "1") => Ok(true),
        Value::String(s) if matches!(s.trim(), "false" | "0" | "") => Ok(false),
        other => {
            let problem = format!("`{other}` is not a boolean (true or false)");
            Err(
                ApiError::invalid(format!("parameter `response`: {problem}")).with_details([
                    Detail {
                        field: Some("response".into()),
                        ..Detail::new(problem)
                    },
                ]),
            )
        }
    }
}
