//! Loading blocks: kind detection, the keys each kind allows, and the simple kinds (say, branch, set, transfer, goto, end).

use crate::Voice;
use crate::blocks::{
    Block, BlockKind, Branch, ButtonSpec, Case, CaseTest, Goto, KINDS, Say, SetValue,
};
use crate::yaml::{Node, NodeKind};

use super::ctx::{Ctx, Fields, entries};

/// Keys every block may have besides its kind.
const COMMON: [&str; 2] = ["id", "description"];

/// The keys each kind allows (besides [`COMMON`] and the kind itself).
pub(crate) fn kind_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "say" => &["buttons", "voice", "next"],
        "ask" => &[
            "type",
            "var",
            "min",
            "max",
            "options",
            "pattern",
            "buttons",
            "voice",
            "retry_prompt",
            "retries",
            "on_fail",
            "no_input_timeout_ms",
            "no_input_prompt",
            "next",
        ],
        "branch" => &["default"],
        "set" | "transfer" => &["next"],
        "webhook" => &[
            "method",
            "headers",
            "body",
            "timeout_ms",
            "save",
            "on_error",
            "next",
        ],
        "custom" => &["params", "save_as", "next"],
        _ => &[],
    }
}

/// Loads one block; `None` when it is too broken to use (diagnostics are in `cx`).
pub(crate) fn load_block(cx: &mut Ctx, name: &str, node: &Node) -> Option<(Block, i64)> {
    let what = format!("block `{name}`");
    let NodeKind::Map(map) = &node.kind else {
        cx.err(
            node.pos,
            format!(
                "{what} must be a mapping with an `id` and a kind such as `say:`, found {}",
                node.type_name()
            ),
        );
        return None;
    };
    let kinds: Vec<_> = map
        .iter()
        .filter(|(k, _)| KINDS.contains(&k.text.as_str()))
        .collect();
    let kind = match kinds.as_slice() {
        [] => {
            let hint = map
                .iter()
                .find_map(|(k, _)| {
                    crate::util::closest(&k.text, KINDS).map(|kind| {
                        format!("`{}` is not a block kind; did you mean `{kind}`?", k.text)
                    })
                })
                .unwrap_or_else(|| format!("add one of: {}", KINDS.join(", ")));
            cx.err_hint(node.pos, format!("{what} has no kind"), Some(hint));
            return None;
        }
        [(k, _)] => k.text.as_str(),
        [(first, _), (second, _), ..] => {
            cx.err_hint(
                second.pos,
                format!(
                    "{what} has two kinds, `{}` and `{}`",
                    first.text, second.text
                ),
                Some("a block does one thing: split it into two blocks joined by `next`".into()),
            );
            return None;
        }
    };
    let mut allowed: Vec<&str> = COMMON.to_vec();
    allowed.push(kind);
    allowed.extend_from_slice(kind_keys(kind));
    let other = |key: &str| {
        KINDS
            .iter()
            .find(|k| kind_keys(k).contains(&key))
            .map(|k| format!("`{key}` belongs to `{k}` blocks, and this is a `{kind}` block"))
    };
    let f = cx.fields_with(node, &what, &allowed, &other)?;
    let id = cx.required(&f, "id", &what).and_then(|n| cx.int(n, "`id`"));
    if let Some(d) = f.get("description") {
        cx.text(d, "`description`");
    }
    let value = f.get(kind)?;
    let kind = match kind {
        "say" => load_say(cx, &f, value),
        "ask" => super::ask::load_ask(cx, &f, value),
        "branch" => load_branch(cx, &f, value),
        "set" => load_set(cx, &f, value),
        "webhook" => super::webhook::load_webhook(cx, &f, value),
        "custom" => super::webhook::load_custom(cx, &f, value),
        "transfer" => {
            let reason = optional_template(cx, value, "`transfer` (the reason)");
            let next = cx.opt_ref(&f, "next");
            reason.map(|reason| BlockKind::Transfer { reason, next })
        }
        "goto" => load_goto(cx, value),
        _ => optional_template(cx, value, "`end` (the result)")
            .map(|result| BlockKind::End { result }),
    }?;
    Some((
        Block {
            name: name.to_owned(),
            kind,
        },
        id?,
    ))
}

/// `~` or a template.
fn optional_template(
    cx: &mut Ctx,
    node: &Node,
    what: &str,
) -> Option<Option<crate::template::Tpl>> {
    match node.kind {
        NodeKind::Null => Some(None),
        _ => cx.template(node, what).map(Some),
    }
}

fn load_say(cx: &mut Ctx, f: &Fields<'_>, value: &Node) -> Option<BlockKind> {
    let text = cx.template(value, "`say`");
    let buttons = f.get("buttons").map(|n| buttons(cx, n)).unwrap_or_default();
    let voice = f.get("voice").and_then(|n| voice(cx, n));
    let next = cx.opt_ref(f, "next");
    Some(BlockKind::Say(Say {
        text: text?,
        buttons,
        voice,
        next,
    }))
}

/// Buttons: a list of `{id, text}` or of plain strings (the text is the id).
pub(crate) fn buttons(cx: &mut Ctx, node: &Node) -> Vec<ButtonSpec> {
    let mut out: Vec<ButtonSpec> = Vec::new();
    let Some(items) = cx.list(node, "`buttons`") else {
        return out;
    };
    for item in items {
        let (id, text) = match &item.kind {
            NodeKind::Map(_) => {
                let Some(f) = cx.fields(item, "a button", &["id", "text"]) else {
                    continue;
                };
                let id = cx
                    .required(&f, "id", "a button")
                    .and_then(|n| cx.text(n, "a button `id`"));
                let text = cx
                    .required(&f, "text", "a button")
                    .and_then(|n| cx.template(n, "a button `text`"));
                (id, text)
            }
            _ => {
                let id = cx.text(item, "a button");
                let text = id.as_deref().and_then(|_| cx.template(item, "a button"));
                (id, text)
            }
        };
        if let (Some(id), Some(text)) = (id, text) {
            if out.iter().any(|b| b.id == id) {
                cx.err(item.pos, format!("duplicate button id `{id}`"));
            }
            out.push(ButtonSpec { id, text });
        }
    }
    out
}

/// A voice override: `{tts, speed, pitch, emotion}`.
pub(crate) fn voice(cx: &mut Ctx, node: &Node) -> Option<Voice> {
    let f = cx.fields(node, "`voice`", &["tts", "speed", "pitch", "emotion"])?;
    let positive = |cx: &mut Ctx, key: &str| {
        let node = f.get(key)?;
        let n = cx.number(node, &format!("`voice.{key}`"))?;
        if n <= 0.0 {
            cx.err(
                node.pos,
                format!("`voice.{key}` must be greater than 0, found {n}"),
            );
            return None;
        }
        Some(n)
    };
    let speed = positive(cx, "speed");
    let pitch = positive(cx, "pitch");
    Some(Voice {
        tts: f.get("tts").and_then(|n| cx.text(n, "`voice.tts`")),
        speed,
        pitch,
        emotion: f.get("emotion").and_then(|n| cx.text(n, "`voice.emotion`")),
    })
}

fn load_branch(cx: &mut Ctx, f: &Fields<'_>, value: &Node) -> Option<BlockKind> {
    let default = cx.required(f, "default", "a branch block");
    let default = default.and_then(|n| cx.block_ref(n, "default"));
    let NodeKind::Seq(items) = &value.kind else {
        cx.err(
            value.pos,
            format!(
                "`branch` must be a list of cases, found {}",
                value.type_name()
            ),
        );
        return None;
    };
    let mut cases = Vec::new();
    for item in items {
        if let Some(case) = load_case(cx, item) {
            cases.push(case);
        }
    }
    Some(BlockKind::Branch(Branch {
        cases,
        default: default?,
    }))
}

fn load_case(cx: &mut Ctx, node: &Node) -> Option<Case> {
    let f = cx.fields(
        node,
        "a branch case",
        &["keywords", "regex", "expr", "intent", "var", "next"],
    )?;
    let tests: Vec<&str> = ["keywords", "regex", "expr", "intent"]
        .into_iter()
        .filter(|k| f.has(k))
        .collect();
    let next = cx
        .required(&f, "next", "a branch case")
        .and_then(|n| cx.block_ref(n, "next"));
    let var = match f.get("var") {
        Some(n) => cx.var_name(n, "`var`"),
        None => Some("last_input".to_owned()),
    };
    let test = match tests.as_slice() {
        [] => {
            cx.err_hint(
                f.pos,
                "a branch case has no condition",
                Some("add `keywords`, `regex` or `expr`".into()),
            );
            return None;
        }
        ["keywords"] => {
            let node = f.get("keywords")?;
            let phrases: Vec<String> = cx
                .list(node, "`keywords`")?
                .into_iter()
                .filter_map(|n| cx.text(n, "a keyword"))
                .collect();
            if phrases.is_empty() {
                cx.err(node.pos, "`keywords` is empty");
            }
            CaseTest::Keywords { phrases, var: var? }
        }
        ["regex"] => {
            let node = f.get("regex")?;
            let source = cx.text(node, "`regex`")?;
            match regex::Regex::new(&source) {
                Ok(regex) => {
                    for group in regex.capture_names().flatten() {
                        cx.check_var_name(group, node.pos, "the capture group");
                    }
                    CaseTest::Regex { regex, var: var? }
                }
                Err(e) => {
                    cx.err(node.pos, format!("invalid regex: {}", regex_error(&e)));
                    return None;
                }
            }
        }
        ["expr"] => {
            if let Some(k) = f.key_pos("var") {
                cx.err(k, "`var` applies to `keywords` and `regex` cases; an `expr` names its variables itself");
            }
            CaseTest::Expr(cx.script(f.get("expr")?, "`expr`")?)
        }
        [_] => {
            cx.err_hint(
                f.key_pos("intent").unwrap_or(f.pos),
                "`intent` cases are not supported yet",
                Some("use `keywords` or `regex` for now".into()),
            );
            return None;
        }
        [a, b, ..] => {
            cx.err_hint(
                f.key_pos(b).unwrap_or(f.pos),
                format!("a branch case has two conditions, `{a}` and `{b}`"),
                Some("write one case per condition; cases are tried in order".into()),
            );
            return None;
        }
    };
    Some(Case { test, next: next? })
}

/// The last line of a regex error (the explanation), without its `error:` prefix.
pub(crate) fn regex_error(e: &regex::Error) -> String {
    let msg = e.to_string();
    let last = msg
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(&msg)
        .trim();
    last.strip_prefix("error: ").unwrap_or(last).to_owned()
}

fn load_set(cx: &mut Ctx, f: &Fields<'_>, value: &Node) -> Option<BlockKind> {
    let next = cx.opt_ref(f, "next");
    let NodeKind::Map(map) = &value.kind else {
        cx.err(
            value.pos,
            format!(
                "`set` must be a mapping of variable names to values, found {}",
                value.type_name()
            ),
        );
        return None;
    };
    let mut out = Vec::new();
    for (key, node) in map {
        let Some(var) = cx.check_var_name(&key.text, key.pos, "the variable") else {
            continue;
        };
        let spec = entries(node);
        let value = match spec {
            [(k, v)] if k.text == "expr" => cx.script(v, "`expr`").map(SetValue::Expr),
            [(k, v)] if k.text == "template" => {
                cx.template(v, "`template`").map(SetValue::Template)
            }
            [(k, v)] if k.text == "value" => Some(SetValue::Literal(v.to_json())),
            _ => Some(SetValue::Literal(node.to_json())),
        };
        if let Some(value) = value {
            out.push((var, value));
        }
    }
    Some(BlockKind::Set(out, next))
}

fn load_goto(cx: &mut Ctx, value: &Node) -> Option<BlockKind> {
    if let NodeKind::Map(_) = value.kind {
        let f = cx.fields(value, "`goto`", &["agent", "entry"])?;
        let agent = cx
            .required(&f, "agent", "`goto`")
            .and_then(|n| cx.text(n, "`goto.agent`"));
        let entry = f.get("entry").and_then(|n| cx.text(n, "`goto.entry`"));
        return Some(BlockKind::Goto(Goto::Agent {
            agent: agent?,
            entry,
        }));
    }
    cx.block_ref(value, "goto")
        .map(|b| BlockKind::Goto(Goto::Block(b)))
}
