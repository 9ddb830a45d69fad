//! Loading `ask` blocks: answer types, their options, re-asks and voice timeouts.

use crate::blocks::{ANSWER_TYPES, AnswerKind, Ask, BlockKind, ChoiceOption};
use crate::template::Tpl;
use crate::util::did_you_mean;
use crate::yaml::{Node, NodeKind};

use super::block::{buttons, voice};
use super::ctx::{Ctx, Fields};

/// Re-asks after the first failed answer, unless `retries` says otherwise.
pub(crate) const DEFAULT_RETRIES: u32 = 2;
/// How long a voice ask waits for speech, unless `no_input_timeout_ms` says otherwise.
pub(crate) const DEFAULT_NO_INPUT_MS: u64 = 4000;

/// Options that only some answer types take.
const TYPE_OPTIONS: [(&str, &str); 4] = [
    ("min", "number"),
    ("max", "number"),
    ("options", "choice"),
    ("pattern", "text"),
];

pub(crate) fn load_ask(cx: &mut Ctx, f: &Fields<'_>, value: &Node) -> Option<BlockKind> {
    let prompt = cx.template(value, "`ask` (the prompt)");
    let type_name = match f.get("type") {
        None => Some("text".to_owned()),
        Some(n) => cx.text(n, "`type`").and_then(|t| {
            if ANSWER_TYPES.contains(&t.as_str()) {
                Some(t)
            } else {
                let hint = did_you_mean(&t, ANSWER_TYPES)
                    .unwrap_or_else(|| format!("use one of: {}", ANSWER_TYPES.join(", ")));
                cx.err_hint(n.pos, format!("unknown answer type `{t}`"), Some(hint));
                None
            }
        }),
    };
    if let Some(t) = &type_name {
        for (key, for_type) in TYPE_OPTIONS {
            if let Some(pos) = f.key_pos(key)
                && t != for_type
            {
                cx.err(pos, format!("`{key}` only applies to `type: {for_type}` asks, and this one is `type: {t}`"));
            }
        }
    }
    let answer = match type_name.as_deref() {
        Some("number") => number_kind(cx, f),
        Some("choice") => choice_kind(cx, f),
        Some("yes_no") => Some(AnswerKind::YesNo),
        Some("phone") => Some(AnswerKind::Phone),
        Some("date") => Some(AnswerKind::Date),
        Some("email") => Some(AnswerKind::Email),
        Some(_) => text_kind(cx, f),
        None => None,
    };
    let buttons = match f.get("buttons") {
        Some(n) if type_name.as_deref() == Some("choice") => {
            cx.err_hint(
                n.pos,
                "a `choice` ask shows its `options` as buttons; it takes no `buttons`",
                Some("move the buttons into `options`".into()),
            );
            Vec::new()
        }
        Some(n) => buttons(cx, n),
        None => Vec::new(),
    };
    let var = f.get("var").and_then(|n| cx.var_name(n, "`var`"));
    let retries = match f.get("retries") {
        Some(n) => cx.int_in(n, "`retries`", 0, 10, "").map(|r| r as u32),
        None => Some(DEFAULT_RETRIES),
    };
    let timeout = match f.get("no_input_timeout_ms") {
        Some(n) => cx
            .int_in(n, "`no_input_timeout_ms`", 500, 60_000, " milliseconds")
            .map(|t| t as u64),
        None => Some(DEFAULT_NO_INPUT_MS),
    };
    let opt_tpl = |cx: &mut Ctx, key: &str| -> Option<Option<Tpl>> {
        match f.get(key) {
            Some(n) => cx.template(n, &format!("`{key}`")).map(Some),
            None => Some(None),
        }
    };
    let retry_prompt = opt_tpl(cx, "retry_prompt");
    let no_input_prompt = opt_tpl(cx, "no_input_prompt");
    let voice = f.get("voice").and_then(|n| voice(cx, n));
    let on_fail = cx.opt_ref(f, "on_fail");
    let next = cx.opt_ref(f, "next");
    Some(BlockKind::Ask(Box::new(Ask {
        prompt: prompt?,
        answer: answer?,
        var,
        buttons,
        voice,
        retry_prompt: retry_prompt?,
        retries: retries?,
        on_fail,
        no_input_timeout_ms: timeout?,
        no_input_prompt: no_input_prompt?,
        next,
    })))
}

fn text_kind(cx: &mut Ctx, f: &Fields<'_>) -> Option<AnswerKind> {
    let Some(node) = f.get("pattern") else {
        return Some(AnswerKind::Text { pattern: None });
    };
    let source = cx.text(node, "`pattern`")?;
    match regex::Regex::new(&source) {
        Ok(re) => Some(AnswerKind::Text { pattern: Some(re) }),
        Err(e) => {
            let msg = super::block::regex_error(&e);
            cx.err(node.pos, format!("invalid regex in `pattern`: {msg}"));
            None
        }
    }
}

fn number_kind(cx: &mut Ctx, f: &Fields<'_>) -> Option<AnswerKind> {
    let min = f.get("min").map(|n| cx.number(n, "`min`"));
    let max = f.get("max").map(|n| cx.number(n, "`max`"));
    if let (Some(Some(lo)), Some(Some(hi))) = (min, max)
        && lo > hi
        && let Some(pos) = f.key_pos("min")
    {
        cx.err_hint(
            pos,
            format!("`min` ({lo}) is greater than `max` ({hi})"),
            Some("swap them".into()),
        );
        return None;
    }
    Some(AnswerKind::Number {
        min: min.flatten(),
        max: max.flatten(),
    })
}

fn choice_kind(cx: &mut Ctx, f: &Fields<'_>) -> Option<AnswerKind> {
    let Some(node) = f.get("options") else {
        cx.err_hint(
            f.pos,
            "a `choice` ask has no `options`",
            Some("add `options:` with a list of `{id, text, synonyms}`".into()),
        );
        return None;
    };
    let items = cx.list(node, "`options`")?;
    if items.is_empty() {
        cx.err(
            node.pos,
            "`options` is empty; a `choice` ask needs at least one option",
        );
        return None;
    }
    let mut options: Vec<ChoiceOption> = Vec::new();
    for item in items {
        let (id, text_node, synonyms) = match &item.kind {
            NodeKind::Map(_) => {
                let Some(of) = cx.fields(item, "an option", &["id", "text", "synonyms"]) else {
                    continue;
                };
                let id = cx
                    .required(&of, "id", "an option")
                    .and_then(|n| cx.text(n, "an option `id`"));
                let text = cx.required(&of, "text", "an option");
                let synonyms: Vec<String> = match of.get("synonyms") {
                    Some(n) => cx
                        .list(n, "`synonyms`")
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|s| cx.text(s, "a synonym"))
                        .collect(),
                    None => Vec::new(),
                };
                (id, text, synonyms)
            }
            _ => (cx.text(item, "an option"), Some(item), Vec::new()),
        };
        let (Some(id), Some(text_node)) = (id, text_node) else {
            continue;
        };
        let Some(text) = cx.template(text_node, "an option `text`") else {
            continue;
        };
        if options.iter().any(|o| o.id == id) {
            cx.err(item.pos, format!("duplicate option id `{id}`"));
            continue;
        }
        let mut phrases = vec![id.clone()];
        if let Tpl::Plain(t) = &text {
            phrases.push(t.clone());
        }
        phrases.extend(synonyms);
        options.push(ChoiceOption { id, text, phrases });
    }
    Some(AnswerKind::Choice { options })
}
