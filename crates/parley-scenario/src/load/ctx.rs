//! The loader's context: collected diagnostics, typed field readers and cross-references to check later.

use std::collections::BTreeSet;

use rhai::Engine;

use crate::Diagnostic;
use crate::expr::{self, Script};
use crate::template::{Templates, Tpl, ValueTpl};
use crate::util::{did_you_mean, is_identifier};
use crate::yaml::{Key, Node, NodeKind, Pos};

/// A reference to a block, checked once every block is known.
#[derive(Debug, Clone)]
pub(crate) struct BlockRef {
    pub target: String,
    pub pos: Pos,
    /// What holds the reference, e.g. "`next`", "entry point `main`".
    pub via: String,
}

/// Everything the loader accumulates while walking the document.
pub(crate) struct Ctx {
    pub diags: Vec<Diagnostic>,
    pub templates: Templates,
    pub engine: Engine,
    pub refs: Vec<BlockRef>,
    /// Variable names the scenario declares or assigns.
    pub vars: BTreeSet<String>,
}

/// The entries of a mapping whose keys have been checked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields<'a> {
    pub pos: Pos,
    entries: &'a [(Key, Node)],
}

impl<'a> Fields<'a> {
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.text == key)
            .map(|(_, v)| v)
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn key_pos(&self, key: &str) -> Option<Pos> {
        self.entries
            .iter()
            .find(|(k, _)| k.text == key)
            .map(|(k, _)| k.pos)
    }
}

/// Entries of a mapping node (empty for anything else).
pub(crate) fn entries(node: &Node) -> &[(Key, Node)] {
    match &node.kind {
        NodeKind::Map(e) => e,
        _ => &[],
    }
}

impl Ctx {
    pub fn new() -> Self {
        Self {
            diags: Vec::new(),
            templates: Templates::new(),
            engine: expr::engine(),
            refs: Vec::new(),
            vars: BTreeSet::new(),
        }
    }

    pub fn err(&mut self, pos: Pos, message: impl Into<String>) {
        self.diags.push(pos.diag(message));
    }

    pub fn err_hint(&mut self, pos: Pos, message: impl Into<String>, hint: Option<String>) {
        let mut d = pos.diag(message);
        d.hint = hint;
        self.diags.push(d);
    }

    fn wrong_type(&mut self, node: &Node, what: &str, expected: &str) {
        self.err(
            node.pos,
            format!("{what} must be {expected}, found {}", node.type_name()),
        );
    }

    /// Opens a mapping and reports every key not in `allowed`; `other` may hint
    /// where an unknown key belongs instead.
    pub fn fields_with<'a>(
        &mut self,
        node: &'a Node,
        what: &str,
        allowed: &[&str],
        other: &dyn Fn(&str) -> Option<String>,
    ) -> Option<Fields<'a>> {
        let NodeKind::Map(entries) = &node.kind else {
            self.wrong_type(node, what, "a mapping");
            return None;
        };
        for (key, _) in entries {
            if !allowed.contains(&key.text.as_str()) {
                let hint =
                    did_you_mean(&key.text, allowed.iter().copied()).or_else(|| other(&key.text));
                self.err_hint(
                    key.pos,
                    format!("unknown key `{}` in {what}", key.text),
                    hint,
                );
            }
        }
        Some(Fields {
            pos: node.pos,
            entries,
        })
    }

    pub fn fields<'a>(
        &mut self,
        node: &'a Node,
        what: &str,
        allowed: &[&str],
    ) -> Option<Fields<'a>> {
        self.fields_with(node, what, allowed, &|_| None)
    }

    /// A required key; reports it missing at the mapping.
    pub fn required<'a>(&mut self, f: &Fields<'a>, key: &str, what: &str) -> Option<&'a Node> {
        let node = f.get(key);
        if node.is_none() {
            self.err(f.pos, format!("{what} is missing the required key `{key}`"));
        }
        node
    }

    /// Any scalar as text (numbers and booleans written out).
    pub fn text(&mut self, node: &Node, what: &str) -> Option<String> {
        let text = node.scalar_text();
        if text.is_none() {
            self.wrong_type(node, what, "a string");
        }
        text
    }

    pub fn bool(&mut self, node: &Node, what: &str) -> Option<bool> {
        match node.kind {
            NodeKind::Bool(b) => Some(b),
            _ => {
                self.wrong_type(node, what, "`true` or `false`");
                None
            }
        }
    }

    pub fn int(&mut self, node: &Node, what: &str) -> Option<i64> {
        match node.kind {
            NodeKind::Int(i) => Some(i),
            _ => {
                self.wrong_type(node, what, "an integer");
                None
            }
        }
    }

    /// An integer within `min..=max`; `unit` explains the numbers in the message.
    pub fn int_in(
        &mut self,
        node: &Node,
        what: &str,
        min: i64,
        max: i64,
        unit: &str,
    ) -> Option<i64> {
        let i = self.int(node, what)?;
        if !(min..=max).contains(&i) {
            self.err(
                node.pos,
                format!("{what} must be between {min} and {max}{unit}, found {i}"),
            );
            return None;
        }
        Some(i)
    }

    pub fn number(&mut self, node: &Node, what: &str) -> Option<f64> {
        match node.kind {
            NodeKind::Int(i) => Some(i as f64),
            NodeKind::Float(f) if f.is_finite() => Some(f),
            _ => {
                self.wrong_type(node, what, "a number");
                None
            }
        }
    }

    /// A list; a single scalar counts as a list of one.
    pub fn list<'a>(&mut self, node: &'a Node, what: &str) -> Option<Vec<&'a Node>> {
        match &node.kind {
            NodeKind::Seq(items) => Some(items.iter().collect()),
            NodeKind::Str(_) | NodeKind::Int(_) | NodeKind::Float(_) | NodeKind::Bool(_) => {
                Some(vec![node])
            }
            _ => {
                self.wrong_type(node, what, "a list");
                None
            }
        }
    }

    /// A template text, compiled (syntax errors are diagnostics).
    pub fn template(&mut self, node: &Node, what: &str) -> Option<Tpl> {
        let source = self.text(node, what)?;
        match self.templates.compile(&source) {
            Ok(t) => Some(t),
            Err(e) => {
                self.err_hint(
                    node.pos,
                    format!("{what} has a template {e}"),
                    Some("templates use minijinja syntax: `{{ variable }}`, `{% if … %}…{% endif %}`".into()),
                );
                None
            }
        }
    }

    /// A JSON-like value whose strings are templates.
    pub fn value_template(&mut self, node: &Node, what: &str) -> Option<ValueTpl> {
        match self.templates.compile_value(&node.to_json()) {
            Ok(t) => Some(t),
            Err(e) => {
                self.err(node.pos, format!("{what} has a template {e}"));
                None
            }
        }
    }

    /// A rhai expression, compiled (syntax errors are diagnostics).
    pub fn script(&mut self, node: &Node, what: &str) -> Option<Script> {
        let source = self.text(node, what)?;
        match expr::compile(&self.engine, &source) {
            Ok(s) => Some(s),
            Err(e) => {
                self.err(node.pos, format!("{what}: {e}"));
                None
            }
        }
    }

    /// A variable name (must be an identifier); remembered as a known variable.
    pub fn var_name(&mut self, node: &Node, what: &str) -> Option<String> {
        let name = self.text(node, what)?;
        self.check_var_name(&name, node.pos, what)
    }

    pub fn check_var_name(&mut self, name: &str, pos: Pos, what: &str) -> Option<String> {
        let name = self.check_identifier(name, pos, what)?;
        self.vars.insert(name.clone());
        Some(name)
    }

    /// Checks that `name` can be a variable name, without declaring it.
    pub fn check_identifier(&mut self, name: &str, pos: Pos, what: &str) -> Option<String> {
        if !is_identifier(name) {
            self.err_hint(
                pos,
                format!("{what} `{name}` is not a valid variable name"),
                Some("use letters, digits and `_`, starting with a letter or `_`".into()),
            );
            return None;
        }
        Some(name.to_owned())
    }

    /// A reference to a block, checked after all blocks are loaded.
    pub fn block_ref(&mut self, node: &Node, key: &str) -> Option<String> {
        let via = format!("`{key}`");
        self.push_ref(node, via)
    }

    /// A reference to a block from an entry point.
    pub fn entry_ref(&mut self, node: &Node, entry: &str) -> Option<String> {
        self.push_ref(node, format!("entry point `{entry}`"))
    }

    fn push_ref(&mut self, node: &Node, via: String) -> Option<String> {
        let target = self.text(node, &via)?;
        self.refs.push(BlockRef {
            target: target.clone(),
            pos: node.pos,
            via,
        });
        Some(target)
    }

    /// An optional block reference under `key`.
    pub fn opt_ref(&mut self, f: &Fields<'_>, key: &str) -> Option<String> {
        f.get(key).and_then(|n| self.block_ref(n, key))
    }
}
