//! Loading the blocks that wait for the outside world: `webhook` and `custom`.

use crate::Value;
use crate::blocks::{BlockKind, Body, Custom, Webhook};
use crate::template::ValueTpl;
use crate::util::split_path;
use crate::yaml::{Node, NodeKind};

use super::ctx::{Ctx, Fields};

/// Webhook timeout unless `timeout_ms` says otherwise.
pub(crate) const DEFAULT_TIMEOUT_MS: u64 = 5000;
/// The longest a webhook may take.
pub(crate) const MAX_TIMEOUT_MS: i64 = 30_000;
const METHODS: [&str; 6] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];

pub(crate) fn load_webhook(cx: &mut Ctx, f: &Fields<'_>, value: &Node) -> Option<BlockKind> {
    let url = cx.template(value, "`webhook` (the URL)");
    let body = match f.get("body") {
        None => Some(None),
        Some(n) => match &n.kind {
            NodeKind::Str(_) => cx.template(n, "`body`").map(|t| Some(Body::Text(t))),
            _ => cx.value_template(n, "`body`").map(|t| Some(Body::Json(t))),
        },
    };
    let method = match f.get("method") {
        None if matches!(body, Some(Some(_))) => Some("POST".to_owned()),
        None => Some("GET".to_owned()),
        Some(n) => cx.text(n, "`method`").and_then(|m| {
            let upper = m.to_uppercase();
            if METHODS.contains(&upper.as_str()) {
                Some(upper)
            } else {
                cx.err_hint(
                    n.pos,
                    format!("unsupported HTTP method `{m}`"),
                    Some(format!("use one of: {}", METHODS.join(", "))),
                );
                None
            }
        }),
    };
    let mut headers = Vec::new();
    if let Some(n) = f.get("headers") {
        match &n.kind {
            NodeKind::Map(map) => {
                for (k, v) in map {
                    if let Some(t) = cx.template(v, &format!("header `{}`", k.text)) {
                        headers.push((k.text.clone(), t));
                    }
                }
            }
            _ => cx.err(
                n.pos,
                format!(
                    "`headers` must be a mapping of header names to values, found {}",
                    n.type_name()
                ),
            ),
        }
    }
    let timeout = match f.get("timeout_ms") {
        Some(n) => cx
            .int_in(
                n,
                "`timeout_ms`",
                100,
                MAX_TIMEOUT_MS,
                " milliseconds (30 seconds at most)",
            )
            .map(|t| t as u64),
        None => Some(DEFAULT_TIMEOUT_MS),
    };
    let mut save = Vec::new();
    if let Some(n) = f.get("save") {
        match &n.kind {
            NodeKind::Map(map) => {
                for (k, v) in map {
                    let var = cx.check_var_name(&k.text, k.pos, "the variable");
                    let path = cx.text(v, "a `save` path").and_then(|p| {
                        let segments = split_path(&p);
                        if segments.is_none() {
                            cx.err_hint(
                                v.pos,
                                format!("invalid path `{p}`"),
                                Some("write keys and list indexes separated by dots, e.g. `data.items.0.name`, or `.` for the whole reply".into()),
                            );
                        }
                        segments
                    });
                    if let (Some(var), Some(path)) = (var, path) {
                        save.push((var, path));
                    }
                }
            }
            _ => cx.err(
                n.pos,
                format!(
                    "`save` must be a mapping of variable names to paths, found {}",
                    n.type_name()
                ),
            ),
        }
    }
    for builtin in ["http_status", "http_error"] {
        cx.vars.insert(builtin.to_owned());
    }
    let on_error = cx.opt_ref(f, "on_error");
    let next = cx.opt_ref(f, "next");
    Some(BlockKind::Webhook(Box::new(Webhook {
        method: method?,
        url: url?,
        headers,
        body: body?,
        timeout_ms: timeout?,
        save,
        on_error,
        next,
    })))
}

pub(crate) fn load_custom(cx: &mut Ctx, f: &Fields<'_>, value: &Node) -> Option<BlockKind> {
    let url = match value.kind {
        NodeKind::Null => Some(None),
        _ => cx.template(value, "`custom` (the URL)").map(Some),
    };
    let params = match f.get("params") {
        Some(n) => cx.value_template(n, "`params`"),
        None => Some(ValueTpl::Literal(Value::Object(serde_json::Map::new()))),
    };
    let save_as = f.get("save_as").and_then(|n| cx.var_name(n, "`save_as`"));
    let next = cx.opt_ref(f, "next");
    Some(BlockKind::Custom(Custom {
        url: url?,
        params: params?,
        save_as,
        next,
    }))
}
