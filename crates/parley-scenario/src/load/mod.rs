//! Loading a scenario: YAML with positions → checked model, collecting every diagnostic on the way.

mod ask;
mod block;
mod convtests;
mod ctx;
mod webhook;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::blocks::{Block, BlockKind, Goto};
use crate::model::Blocks;
use crate::util::did_you_mean;
use crate::yaml::{self, Node, NodeKind, Pos};
use crate::{Diagnostic, InputVar, OutputKind, OutputVar, Scenario};

use ctx::Ctx;

/// The format this version reads.
pub(crate) const FORMAT: &str = "parley.scenario/v1";
const TOP_KEYS: [&str; 10] = [
    "format",
    "name",
    "description",
    "language",
    "inputs",
    "outputs",
    "entry_points",
    "default_entry",
    "blocks",
    "tests",
];
/// Variables every dialog has.
pub(crate) const BUILTIN_VARS: [&str; 5] =
    ["last_input", "http_status", "http_error", "now", "today"];

pub(crate) fn parse(source: &str) -> Result<Scenario, Vec<Diagnostic>> {
    let (root, yaml_diags) = yaml::load(source).map_err(|d| vec![d])?;
    let mut cx = Ctx::new();
    cx.diags = yaml_diags;
    let Some(f) = cx.fields(&root, "the scenario", &TOP_KEYS) else {
        return Err(finish(cx.diags));
    };
    match f.get("format") {
        None => cx.err_hint(
            Pos { line: 1, column: 1 },
            "the scenario has no `format`",
            Some(format!("start the file with `format: {FORMAT}`")),
        ),
        Some(n) => {
            let text = cx.text(n, "`format`");
            if let Some(t) = text
                && t != FORMAT
            {
                cx.err_hint(
                    n.pos,
                    format!("unsupported format `{t}`"),
                    Some(format!("this version of Parley reads `{FORMAT}`")),
                );
            }
        }
    }
    let name = cx
        .required(&f, "name", "the scenario")
        .and_then(|n| cx.text(n, "`name`"));
    let description = f
        .get("description")
        .and_then(|n| cx.text(n, "`description`"));
    let language = f.get("language").and_then(|n| cx.text(n, "`language`"));
    let inputs = f
        .get("inputs")
        .map(|n| load_inputs(&mut cx, n))
        .unwrap_or_default();
    let outputs = f
        .get("outputs")
        .map(|n| load_outputs(&mut cx, n))
        .unwrap_or_default();
    for builtin in BUILTIN_VARS {
        cx.vars.insert(builtin.to_owned());
    }

    // Blocks.
    let mut blocks: Vec<Block> = Vec::new();
    let mut ids: HashMap<i64, (String, usize)> = HashMap::new();
    let mut block_ids = Vec::new();
    let mut block_lines = Vec::new();
    if let Some(n) = cx.required(&f, "blocks", "the scenario") {
        match &n.kind {
            NodeKind::Map(map) if map.is_empty() => cx.err(
                n.pos,
                "`blocks` is empty; a scenario needs at least one block",
            ),
            NodeKind::Map(map) => {
                for (key, node) in map {
                    let id_node = ctx::entries(node)
                        .iter()
                        .find(|(k, _)| k.text == "id")
                        .map(|(_, v)| v);
                    if let Some(Node {
                        kind: NodeKind::Int(id),
                        pos,
                    }) = id_node
                    {
                        if let Some((other, line)) = ids.get(id) {
                            cx.err_hint(
                                *pos,
                                format!("duplicate block id {id}: block `{other}` (line {line}) has it too"),
                                Some("every block needs its own `id`".into()),
                            );
                        } else {
                            ids.insert(*id, (key.text.clone(), key.pos.line));
                        }
                    }
                    let Some((block, id)) = block::load_block(&mut cx, &key.text, node) else {
                        continue;
                    };
                    block_ids.push(id);
                    block_lines.push(key.pos.line);
                    blocks.push(block);
                }
            }
            _ => cx.err(
                n.pos,
                format!(
                    "`blocks` must be a mapping of block names to blocks, found {}",
                    n.type_name()
                ),
            ),
        }
    }
    let all_names: Vec<String> = f
        .get("blocks")
        .map(|n| {
            ctx::entries(n)
                .iter()
                .map(|(k, _)| k.text.clone())
                .collect()
        })
        .unwrap_or_default();

    // Entry points.
    let mut entries: Vec<(String, String)> = Vec::new();
    if let Some(n) = cx.required(&f, "entry_points", "the scenario") {
        match &n.kind {
            NodeKind::Map(map) if !map.is_empty() => {
                for (key, target) in map {
                    if let Some(block) = cx.entry_ref(target, &key.text) {
                        entries.push((key.text.clone(), block));
                    }
                }
            }
            _ => cx.err_hint(
                n.pos,
                "`entry_points` must map at least one entry name to a block",
                Some("for example `entry_points: {main: greet}`".into()),
            ),
        }
    }
    let default_entry = match f.get("default_entry") {
        Some(n) => cx.text(n, "`default_entry`").and_then(|e| {
            if entries.iter().any(|(name, _)| *name == e) {
                Some(e)
            } else {
                let hint = did_you_mean(&e, entries.iter().map(|(n, _)| n.as_str()));
                cx.err_hint(
                    n.pos,
                    format!("`default_entry` names `{e}`, which is not an entry point"),
                    hint,
                );
                None
            }
        }),
        None => entries.first().map(|(name, _)| name.clone()),
    };

    // Tests.
    let tests = f
        .get("tests")
        .map(|n| convtests::load_tests(&mut cx, n))
        .unwrap_or_default();
    if let Some(n) = f.get("tests") {
        for test in &tests {
            if let Some(entry) = &test.entry
                && !entries.iter().any(|(name, _)| name == entry)
            {
                let pos = test_entry_pos(n, &test.name).unwrap_or(Pos {
                    line: test.line,
                    column: 1,
                });
                let hint = did_you_mean(entry, entries.iter().map(|(n, _)| n.as_str()));
                cx.err_hint(
                    pos,
                    format!(
                        "test `{}` starts at entry `{entry}`, which is not an entry point",
                        test.name
                    ),
                    hint,
                );
            }
        }
    }

    // References between blocks.
    for r in std::mem::take(&mut cx.refs) {
        if !all_names.contains(&r.target) {
            let hint = did_you_mean(&r.target, all_names.iter().map(String::as_str));
            cx.err_hint(
                r.pos,
                format!("unknown block `{}` referenced by {}", r.target, r.via),
                hint,
            );
        }
    }

    if !cx.diags.is_empty() {
        return Err(finish(cx.diags));
    }
    let (Some(name), Some(default_entry)) = (name, default_entry) else {
        return Err(finish(cx.diags));
    };
    let mut known: BTreeSet<String> = cx.vars.clone();
    known.extend(inputs.iter().map(|i| i.name.clone()));
    let blocks = Blocks::new(blocks, block_ids, block_lines);
    let warnings = warnings(&blocks, &entries, &outputs, &known);
    Ok(Scenario {
        name,
        description,
        language,
        inputs,
        outputs,
        entries,
        default_entry,
        tests,
        warnings,
        blocks,
        templates: Arc::new(cx.templates),
        engine: Arc::new(cx.engine),
        known_vars: known.into_iter().collect(),
    })
}

fn test_entry_pos(tests: &Node, name: &str) -> Option<Pos> {
    let NodeKind::Seq(items) = &tests.kind else {
        return None;
    };
    items.iter().find_map(|item| {
        let e = ctx::entries(item);
        let named = e
            .iter()
            .any(|(k, v)| k.text == "name" && v.scalar_text().as_deref() == Some(name));
        if named {
            e.iter()
                .find(|(k, _)| k.text == "entry")
                .map(|(_, v)| v.pos)
        } else {
            None
        }
    })
}

/// Sorts diagnostics by position and drops exact duplicates.
fn finish(mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diags.sort_by_key(|d| (d.line, d.column));
    diags.dedup();
    diags
}

fn load_inputs(cx: &mut Ctx, node: &Node) -> Vec<InputVar> {
    let mut out: Vec<InputVar> = Vec::new();
    let Some(items) = cx.list(node, "`inputs`") else {
        return out;
    };
    for item in items {
        let input = match &item.kind {
            NodeKind::Map(_) => {
                let Some(f) = cx.fields(
                    item,
                    "an input",
                    &["name", "synthesis", "required", "default"],
                ) else {
                    continue;
                };
                let Some(name) = cx
                    .required(&f, "name", "an input")
                    .and_then(|n| cx.var_name(n, "the input"))
                else {
                    continue;
                };
                let synthesis = f
                    .get("synthesis")
                    .and_then(|n| cx.bool(n, "`synthesis`"))
                    .unwrap_or(false);
                let required = f
                    .get("required")
                    .and_then(|n| cx.bool(n, "`required`"))
                    .unwrap_or(false);
                let default = f.get("default").map(Node::to_json);
                if required && default.is_some() {
                    cx.err_hint(
                        f.key_pos("default").unwrap_or(f.pos),
                        format!("input `{name}` is required and also has a default"),
                        Some(
                            "drop `required: true` (the default fills it) or drop the default"
                                .into(),
                        ),
                    );
                }
                InputVar {
                    name,
                    synthesis,
                    required,
                    default,
                }
            }
            _ => {
                let Some(name) = cx.var_name(item, "the input") else {
                    continue;
                };
                InputVar {
                    name,
                    synthesis: false,
                    required: false,
                    default: None,
                }
            }
        };
        if out.iter().any(|i| i.name == input.name) {
            cx.err(
                item.pos,
                format!("input `{}` is declared twice", input.name),
            );
            continue;
        }
        out.push(input);
    }
    out
}

fn load_outputs(cx: &mut Ctx, node: &Node) -> Vec<OutputVar> {
    let mut out: Vec<OutputVar> = Vec::new();
    let Some(items) = cx.list(node, "`outputs`") else {
        return out;
    };
    let types = ["string", "number", "datetime", "boolean"];
    for item in items {
        let Some(f) = cx.fields(item, "an output", &["name", "type", "cell"]) else {
            continue;
        };
        let name = cx.required(&f, "name", "an output").and_then(|n| {
            let text = cx.text(n, "the output")?;
            cx.check_identifier(&text, n.pos, "the output")
        });
        let kind = match f.get("type") {
            None => Some(OutputKind::String),
            Some(n) => cx.text(n, "`type`").and_then(|t| {
                let kind = OutputKind::parse(&t);
                if kind.is_none() {
                    let hint = did_you_mean(&t, types)
                        .unwrap_or_else(|| format!("use one of: {}", types.join(", ")));
                    cx.err_hint(n.pos, format!("unknown output type `{t}`"), Some(hint));
                }
                kind
            }),
        };
        let cell = match f.get("cell") {
            Some(n) => cx.int(n, "`cell`").and_then(|c| match u32::try_from(c) {
                Ok(c) => Some(Some(c)),
                Err(_) => {
                    cx.err(n.pos, format!("`cell` must be 0 or more, found {c}"));
                    None
                }
            }),
            None => Some(None),
        };
        let (Some(name), Some(kind), Some(cell)) = (name, kind, cell) else {
            continue;
        };
        if out.iter().any(|o| o.name == name) {
            cx.err(item.pos, format!("output `{name}` is declared twice"));
            continue;
        }
        if let Some(c) = cell
            && let Some(other) = out.iter().find(|o| o.cell == Some(c))
        {
            cx.err(
                item.pos,
                format!("outputs `{}` and `{name}` both use cell {c}", other.name),
            );
            continue;
        }
        out.push(OutputVar { name, kind, cell });
    }
    out
}

/// Problems that do not stop the scenario: unreachable blocks, outputs nothing sets.
fn warnings(
    blocks: &Blocks,
    entries: &[(String, String)],
    outputs: &[OutputVar],
    known: &BTreeSet<String>,
) -> Vec<Diagnostic> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut todo: Vec<&str> = entries.iter().map(|(_, b)| b.as_str()).collect();
    while let Some(name) = todo.pop() {
        if !seen.insert(name) {
            continue;
        }
        if let Some(block) = blocks.get(name) {
            todo.extend(targets(block));
        }
    }
    let mut out = Vec::new();
    for (block, line) in blocks.iter_with_lines() {
        if !seen.contains(block.name.as_str()) {
            out.push(
                Diagnostic::new(
                    line,
                    1,
                    format!(
                        "block `{}` cannot be reached from any entry point",
                        block.name
                    ),
                )
                .with_hint("link it with `next` or remove it"),
            );
        }
    }
    for o in outputs {
        if !known.contains(&o.name) {
            out.push(
                Diagnostic::new(
                    1,
                    1,
                    format!("output `{}` is never set by any block", o.name),
                )
                .with_hint("store it with an ask `var`, a `set` block or a webhook `save`"),
            );
        }
    }
    out
}

/// Blocks a block can continue to.
fn targets(block: &Block) -> Vec<&str> {
    let mut t: Vec<&Option<String>> = Vec::new();
    let mut out: Vec<&str> = Vec::new();
    match &block.kind {
        BlockKind::Say(s) => t.push(&s.next),
        BlockKind::Ask(a) => t.extend([&a.next, &a.on_fail]),
        BlockKind::Branch(b) => {
            out.push(&b.default);
            out.extend(b.cases.iter().map(|c| c.next.as_str()));
        }
        BlockKind::Set(_, next) | BlockKind::Transfer { next, .. } => t.push(next),
        BlockKind::Webhook(w) => t.extend([&w.next, &w.on_error]),
        BlockKind::Custom(c) => t.push(&c.next),
        BlockKind::Goto(Goto::Block(b)) => out.push(b),
        BlockKind::Goto(Goto::Agent { .. }) | BlockKind::End { .. } => {}
    }
    out.extend(t.into_iter().flatten().map(String::as_str));
    out
}
