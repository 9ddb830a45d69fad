//! YAML loading with positions: a small tree whose every node knows its line and column.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::{Diagnostic, Map, Value};

/// A 1-based position in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    fn from_marker(m: &Marker) -> Self {
        Self {
            line: m.line().max(1),
            column: m.col() + 1,
        }
    }

    /// A diagnostic at this position.
    pub fn diag(self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.line, self.column, message)
    }
}

/// A YAML node with its position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub pos: Pos,
    pub kind: NodeKind,
}

/// The shape of a YAML node, scalars resolved with the YAML 1.2 core schema.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A mapping key (always a scalar, kept as its text).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    pub pos: Pos,
    pub text: String,
}

impl Node {
    /// A word for the node's type, for "expected X, found Y" messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "nothing (null)",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Int(_) => "an integer",
            NodeKind::Float(_) => "a number",
            NodeKind::Str(_) => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }

    /// The node as a string, when it is a scalar (numbers and booleans are written out).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            NodeKind::Str(s) => Some(s.clone()),
            NodeKind::Int(i) => Some(i.to_string()),
            NodeKind::Float(f) => Some(f.to_string()),
            NodeKind::Bool(b) => Some(b.to_string()),
            NodeKind::Null | NodeKind::Seq(_) | NodeKind::Map(_) => None,
        }
    }

    /// The node as a JSON value (non-finite floats become null).
    pub fn to_json(&self) -> Value {
        match &self.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Int(i) => Value::from(*i),
            NodeKind::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
            }
            NodeKind::Str(s) => Value::String(s.clone()),
            NodeKind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(entries) => {
                let mut map = Map::new();
                for (k, v) in entries {
                    map.insert(k.text.clone(), v.to_json());
                }
                Value::Object(map)
            }
        }
    }
}

/// Loads one YAML document. A syntax error is returned alone (nothing after it
/// can be trusted); duplicate keys are reported but loading goes on.
pub(crate) fn load(source: &str) -> Result<(Node, Vec<Diagnostic>), Diagnostic> {
    let mut parser = Parser::new_from_str(source);
    let mut builder = Builder::default();
    loop {
        let (event, marker) = parser.next_token().map_err(|e| {
            Pos::from_marker(e.marker()).diag(format!("invalid YAML: {}", e.info()))
        })?;
        match event {
            Event::StreamEnd => break,
            Event::DocumentStart if builder.documents > 0 => {
                return Err(Pos::from_marker(&marker)
                    .diag("the file holds more than one YAML document")
                    .with_hint("keep one scenario per file and remove the `---` line"));
            }
            Event::DocumentStart => builder.documents += 1,
            other => builder.event(other, Pos::from_marker(&marker)),
        }
    }
    let root = builder.root.unwrap_or(Node {
        pos: Pos { line: 1, column: 1 },
        kind: NodeKind::Null,
    });
    Ok((root, builder.diags))
}

/// A collection under construction.
enum Open {
    Seq(Pos, usize, Vec<Node>),
    Map(Pos, usize, Vec<(Key, Node)>, Option<Key>),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    root: Option<Node>,
    anchors: HashMap<usize, Node>,
    diags: Vec<Diagnostic>,
    documents: usize,
}

impl Builder {
    fn event(&mut self, event: Event, pos: Pos) {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let node = Node {
                    pos,
                    kind: resolve_scalar(text, style, tag.as_ref()),
                };
                self.push(node, anchor);
            }
            Event::Alias(id) => {
                let node = match self.anchors.get(&id) {
                    Some(n) => Node {
                        pos,
                        kind: n.kind.clone(),
                    },
                    None => {
                        self.diags.push(pos.diag("alias to an unknown anchor"));
                        Node {
                            pos,
                            kind: NodeKind::Null,
                        }
                    }
                };
                self.push(node, 0);
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Open::Seq(pos, anchor, Vec::new())),
            Event::MappingStart(anchor, _) => {
                self.stack.push(Open::Map(pos, anchor, Vec::new(), None));
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Open::Seq(pos, anchor, items)) => self.push(
                    Node {
                        pos,
                        kind: NodeKind::Seq(items),
                    },
                    anchor,
                ),
                Some(Open::Map(pos, anchor, entries, _)) => {
                    // A block mapping is best located by its first key.
                    let pos = entries.first().map_or(pos, |(k, _)| k.pos.min(pos));
                    self.push(
                        Node {
                            pos,
                            kind: NodeKind::Map(entries),
                        },
                        anchor,
                    );
                }
                None => {}
            },
            Event::Nothing | Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart | Event::DocumentEnd => {}
        }
    }

    fn push(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Open::Seq(_, _, items)) => items.push(node),
            Some(Open::Map(_, _, entries, pending)) => {
                match pending.take() {
                    None => {
                        let text = match node.scalar_text() {
                            Some(t) => t,
                            None if node.kind == NodeKind::Null => String::new(),
                            None => {
                                self.diags.push(node.pos.diag(format!(
                                    "a mapping key must be a plain word, found {}",
                                    node.type_name()
                                )));
                                String::new()
                            }
                        };
                        if let Some((first, _)) = entries.iter().find(|(k, _)| k.text == text) {
                            self.diags.push(
                                node.pos.diag(format!("duplicate key `{text}`")).with_hint(
                                    format!("it is already defined at line {}", first.pos.line),
                                ),
                            );
                        }
                        *pending = Some(Key {
                            pos: node.pos,
                            text,
                        });
                    }
                    Some(key) => {
                        // A duplicate key keeps its first value; the diagnostic already says so.
                        if !entries.iter().any(|(k, _)| k.text == key.text) {
                            entries.push((key, node));
                        }
                    }
                }
            }
        }
    }
}

/// Resolves a scalar with the YAML 1.2 core schema (quoted scalars are always strings).
fn resolve_scalar(text: String, style: TScalarStyle, tag: Option<&Tag>) -> NodeKind {
    if let Some(tag) = tag
        && tag.handle == "tag:yaml.org,2002:"
        && tag.suffix == "str"
    {
        return NodeKind::Str(text);
    }
    if style != TScalarStyle::Plain {
        return NodeKind::Str(text);
    }
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return NodeKind::Null,
        "true" | "True" | "TRUE" => return NodeKind::Bool(true),
        "false" | "False" | "FALSE" => return NodeKind::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return NodeKind::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return NodeKind::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return NodeKind::Float(f64::NAN),
        _ => {}
    }
    if let Some(hex) = text.strip_prefix("0x")
        && let Ok(i) = i64::from_str_radix(hex, 16)
    {
        return NodeKind::Int(i);
    }
    if let Some(oct) = text.strip_prefix("0o")
        && let Ok(i) = i64::from_str_radix(oct, 8)
    {
        return NodeKind::Int(i);
    }
    let looks_numeric = text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        && text.chars().any(|c| c.is_ascii_digit());
    if looks_numeric {
        if let Ok(i) = text.parse::<i64>() {
            return NodeKind::Int(i);
        }
        if let Ok(f) = text.parse::<f64>() {
            return NodeKind::Float(f);
        }
    }
    NodeKind::Str(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(node: &Node) -> &[(Key, Node)] {
        match &node.kind {
            NodeKind::Map(e) => e,
            other => panic!("not a map: {other:?}"),
        }
    }

    #[test]
    fn positions_are_one_based() {
        let (root, diags) = load("a: 1\nb:\n  c: hello\n").unwrap();
        assert!(diags.is_empty());
        let entries = map(&root);
        assert_eq!(entries[0].0.pos, Pos { line: 1, column: 1 });
        assert_eq!(entries[0].1.kind, NodeKind::Int(1));
        let inner = map(&entries[1].1);
        assert_eq!(inner[0].0.pos, Pos { line: 3, column: 3 });
        assert_eq!(inner[0].1.pos, Pos { line: 3, column: 6 });
        assert_eq!(inner[0].1.kind, NodeKind::Str("hello".into()));
    }

    #[test]
    fn core_schema_scalars() {
        let (root, _) =
            load("a: yes\nb: true\nc: '1'\nd: 1.5\ne: ~\nf: 0x10\ng: -3\nh: 1e3\ni: 1-2\n")
                .unwrap();
        let kinds: Vec<_> = map(&root).iter().map(|(_, v)| v.kind.clone()).collect();
        assert_eq!(
            kinds,
            vec![
                NodeKind::Str("yes".into()),
                NodeKind::Bool(true),
                NodeKind::Str("1".into()),
                NodeKind::Float(1.5),
                NodeKind::Null,
                NodeKind::Int(16),
                NodeKind::Int(-3),
                NodeKind::Float(1000.0),
                NodeKind::Str("1-2".into()),
            ]
        );
    }

    #[test]
    fn duplicate_keys_are_reported_and_first_wins() {
        let (root, diags) = load("a: 1\nb: 2\na: 3\n").unwrap();
        assert_eq!(diags.len(), 1);
        assert_eq!(
            diags[0].to_string(),
            "3:1: duplicate key `a` (hint: it is already defined at line 1)"
        );
        assert_eq!(map(&root)[0].1.kind, NodeKind::Int(1));
        assert_eq!(map(&root).len(), 2);
    }

    #[test]
    fn anchors_and_aliases_copy_nodes() {
        let (root, diags) = load("a: &x {k: v}\nb: *x\n").unwrap();
        assert!(diags.is_empty());
        assert_eq!(map(&root)[1].1.to_json(), serde_json::json!({"k": "v"}));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = load("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.message.starts_with("invalid YAML"), "{err}");
        assert!(err.line >= 1);
        let err = load("a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!(err.line, 2);
    }

    #[test]
    fn empty_document_is_null() {
        let (root, _) = load("").unwrap();
        assert_eq!(root.kind, NodeKind::Null);
    }
}
