//! Loading the `tests:` section: conversation tests with their steps and expectations.

use chrono::{DateTime, Utc};

use crate::convtest::{BotCheck, ConversationTest, Expectation, RequestCheck, StepKind, TestStep};
use crate::util::did_you_mean;
use crate::yaml::{Node, NodeKind};
use crate::{EventKind, Status, Value};

use super::ctx::{Ctx, entries};

const STEP_KINDS: [&str; 10] = [
    "bot",
    "user",
    "button",
    "dtmf",
    "no_input",
    "http",
    "http_failed",
    "custom",
    "operator_release",
    "expect",
];

pub(crate) fn load_tests(cx: &mut Ctx, node: &Node) -> Vec<ConversationTest> {
    let NodeKind::Seq(items) = &node.kind else {
        cx.err(
            node.pos,
            format!(
                "`tests` must be a list of tests, found {}",
                node.type_name()
            ),
        );
        return Vec::new();
    };
    let mut out: Vec<ConversationTest> = Vec::new();
    for item in items {
        let Some(f) = cx.fields(
            item,
            "a test",
            &["name", "entry", "variables", "at", "steps"],
        ) else {
            continue;
        };
        let name = cx
            .required(&f, "name", "a test")
            .and_then(|n| cx.text(n, "a test `name`"));
        if let Some(name) = &name
            && out.iter().any(|t| t.name == *name)
        {
            cx.err(item.pos, format!("two tests are named `{name}`"));
        }
        let entry = f.get("entry").and_then(|n| cx.text(n, "`entry`"));
        let variables = match f.get("variables") {
            Some(n) => match n.to_json() {
                Value::Object(m) => m,
                _ => {
                    cx.err(
                        n.pos,
                        format!("`variables` must be a mapping, found {}", n.type_name()),
                    );
                    Default::default()
                }
            },
            None => Default::default(),
        };
        let at = f.get("at").and_then(|n| {
            let text = cx.text(n, "`at`")?;
            match DateTime::parse_from_rfc3339(&text) {
                Ok(t) => Some(t.with_timezone(&Utc)),
                Err(_) => {
                    cx.err_hint(
                        n.pos,
                        format!("`at` is not a timestamp: `{text}`"),
                        Some("write it as RFC 3339, e.g. `2025-01-15T10:00:00Z`".into()),
                    );
                    None
                }
            }
        });
        let steps = match cx.required(&f, "steps", "a test") {
            Some(n) => match &n.kind {
                NodeKind::Seq(steps) => steps.iter().filter_map(|s| load_step(cx, s)).collect(),
                _ => {
                    cx.err(
                        n.pos,
                        format!("`steps` must be a list, found {}", n.type_name()),
                    );
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        if let Some(name) = name {
            out.push(ConversationTest {
                name,
                line: item.pos.line,
                entry,
                variables,
                at,
                steps,
            });
        }
    }
    out
}

fn load_step(cx: &mut Ctx, node: &Node) -> Option<TestStep> {
    let f = cx.fields(node, "a test step", &STEP_KINDS)?;
    let [(key, value)] = entries(node) else {
        cx.err_hint(
            node.pos,
            "a test step must have exactly one key",
            Some(format!("use one of: {}", STEP_KINDS.join(", "))),
        );
        return None;
    };
    let _ = f;
    if !STEP_KINDS.contains(&key.text.as_str()) {
        return None;
    }
    let what = format!("`{}`", key.text);
    let kind = match key.text.as_str() {
        "bot" => StepKind::Bot(bot_check(cx, value)?),
        "user" => StepKind::Send(EventKind::Text(cx.text(value, &what)?)),
        "button" => StepKind::Send(EventKind::Button(cx.text(value, &what)?)),
        "dtmf" => StepKind::Send(EventKind::Dtmf(cx.text(value, &what)?)),
        "http_failed" => StepKind::Send(EventKind::HttpFailed {
            error: cx.text(value, &what)?,
        }),
        "custom" => StepKind::Send(EventKind::CustomCompleted {
            data: value.to_json(),
        }),
        "no_input" | "operator_release" => {
            if cx.bool(value, &what)? {
                StepKind::Send(if key.text == "no_input" {
                    EventKind::NoInput
                } else {
                    EventKind::OperatorReleased
                })
            } else {
                cx.err(
                    value.pos,
                    format!("{what} must be `true`; leave the step out otherwise"),
                );
                return None;
            }
        }
        "http" => {
            let hf = cx.fields(value, "`http`", &["status", "body"])?;
            let status = match hf.get("status") {
                Some(n) => cx.int_in(n, "`status`", 100, 599, "")? as u16,
                None => 200,
            };
            let body = match hf.get("body") {
                Some(Node {
                    kind: NodeKind::Str(s),
                    ..
                }) => s.clone(),
                Some(n) => n.to_json().to_string(),
                None => String::new(),
            };
            StepKind::Send(EventKind::HttpResponse { status, body })
        }
        _ => StepKind::Expect(Box::new(expectation(cx, value)?)),
    };
    Some(TestStep {
        line: node.pos.line,
        kind,
    })
}

fn bot_check(cx: &mut Ctx, node: &Node) -> Option<BotCheck> {
    if let NodeKind::Map(_) = node.kind {
        let f = cx.fields(node, "`bot`", &["text", "contains", "buttons"])?;
        let text = f.get("text").and_then(|n| cx.text(n, "`text`"));
        let contains = f.get("contains").and_then(|n| cx.text(n, "`contains`"));
        let buttons = f.get("buttons").and_then(|n| {
            let items = cx.list(n, "`buttons`")?;
            Some(
                items
                    .into_iter()
                    .filter_map(|b| cx.text(b, "a button id"))
                    .collect(),
            )
        });
        return Some(BotCheck {
            text,
            contains,
            buttons,
        });
    }
    Some(BotCheck {
        text: Some(cx.text(node, "`bot`")?),
        ..BotCheck::default()
    })
}

fn expectation(cx: &mut Ctx, node: &Node) -> Option<Expectation> {
    let keys = [
        "status",
        "result",
        "variables",
        "block",
        "transfer",
        "goto",
        "request",
        "error",
    ];
    let f = cx.fields(node, "`expect`", &keys)?;
    let mut e = Expectation::default();
    if let Some(n) = f.get("status") {
        let word = cx.text(n, "`status`")?;
        e.status = Status::parse(&word);
        if e.status.is_none() {
            let words = Status::ALL.map(Status::as_str);
            let hint = did_you_mean(&word, words)
                .unwrap_or_else(|| format!("use one of: {}", words.join(", ")));
            cx.err_hint(n.pos, format!("unknown status `{word}`"), Some(hint));
        }
    }
    if let Some(n) = f.get("result") {
        e.result = Some(match n.kind {
            NodeKind::Null => None,
            _ => Some(cx.text(n, "`result`")?),
        });
    }
    if let Some(n) = f.get("variables") {
        match n.to_json() {
            Value::Object(m) => e.variables = m,
            _ => cx.err(
                n.pos,
                format!("`variables` must be a mapping, found {}", n.type_name()),
            ),
        }
    }
    e.block = f.get("block").and_then(|n| cx.text(n, "`block`"));
    e.transfer = f.get("transfer").and_then(|n| cx.bool(n, "`transfer`"));
    e.goto = f.get("goto").and_then(|n| cx.text(n, "`goto`"));
    e.error = f.get("error").and_then(|n| cx.text(n, "`error`"));
    if let Some(n) = f.get("request") {
        let rf = cx.fields(n, "`request`", &["method", "url", "body"])?;
        e.request = Some(RequestCheck {
            method: rf.get("method").and_then(|m| cx.text(m, "`method`")),
            url: rf.get("url").and_then(|m| cx.text(m, "`url`")),
            body: rf.get("body").map(Node::to_json),
        });
    }
    Some(e)
}
