//! The scenario document model: the validated, ready-to-run form of a `parley.scenario/v1` file.

use std::collections::HashMap;
use std::sync::Arc;

use crate::blocks::Block;
use crate::template::Templates;
use crate::{ConversationTest, Diagnostic, Value};

/// A declared input variable, given by the host when the dialog starts.
#[derive(Debug, Clone, PartialEq)]
pub struct InputVar {
    pub name: String,
    /// The value is spoken by speech synthesis (voice agents pre-render it).
    pub synthesis: bool,
    /// `Start` fails with `StepError::MissingInput` without it.
    pub required: bool,
    /// Used when the host does not give the variable.
    pub default: Option<Value>,
}

/// A declared output variable: what the host reports as the dialog's results.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputVar {
    pub name: String,
    pub kind: OutputKind,
    /// The column ("cell") of the results table the value goes to.
    pub cell: Option<u32>,
}

/// The type of an output variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    String,
    Number,
    Datetime,
    Boolean,
}

impl OutputKind {
    /// `"string"`, `"number"`, `"datetime"` or `"boolean"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Number => "number",
            Self::Datetime => "datetime",
            Self::Boolean => "boolean",
        }
    }

    /// Parses [`OutputKind::as_str`] back.
    pub fn parse(word: &str) -> Option<Self> {
        [Self::String, Self::Number, Self::Datetime, Self::Boolean]
            .into_iter()
            .find(|k| k.as_str() == word)
    }
}

/// A parsed and validated scenario, ready to run with [`crate::step`].
#[derive(Debug, Clone)]
pub struct Scenario {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) language: Option<String>,
    pub(crate) inputs: Vec<InputVar>,
    pub(crate) outputs: Vec<OutputVar>,
    /// Entry name → block name, in document order.
    pub(crate) entries: Vec<(String, String)>,
    pub(crate) default_entry: String,
    pub(crate) tests: Vec<ConversationTest>,
    pub(crate) warnings: Vec<Diagnostic>,
    pub(crate) blocks: Blocks,
    pub(crate) templates: Arc<Templates>,
    pub(crate) engine: Arc<rhai::Engine>,
    /// Variables the scenario declares or assigns: `()` in expressions while unset.
    pub(crate) known_vars: Vec<String>,
}

/// The blocks in document order, with their ids and lines, indexed by name.
#[derive(Debug, Clone)]
pub(crate) struct Blocks {
    list: Vec<(Block, i64, usize)>,
    by_name: HashMap<String, usize>,
}

impl Blocks {
    pub fn new(blocks: Vec<Block>, ids: Vec<i64>, lines: Vec<usize>) -> Self {
        let list: Vec<_> = blocks
            .into_iter()
            .zip(ids)
            .zip(lines)
            .map(|((b, id), line)| (b, id, line))
            .collect();
        let by_name = list
            .iter()
            .enumerate()
            .map(|(i, (b, _, _))| (b.name.clone(), i))
            .collect();
        Self { list, by_name }
    }

    pub fn get(&self, name: &str) -> Option<&Block> {
        self.by_name.get(name).map(|&i| &self.list[i].0)
    }

    pub fn iter_with_lines(&self) -> impl Iterator<Item = (&Block, usize)> {
        self.list.iter().map(|(b, _, line)| (b, *line))
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }
}

impl Scenario {
    /// The scenario's `name`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The scenario's `description`.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The scenario's `language` (e.g. `ru`, `en`).
    pub fn language(&self) -> Option<&str> {
        self.language.as_deref()
    }

    /// Entry point names, in document order.
    pub fn entry_points(&self) -> Vec<&str> {
        self.entries.iter().map(|(name, _)| name.as_str()).collect()
    }

    /// The entry used when `Start` names none.
    pub fn default_entry(&self) -> &str {
        &self.default_entry
    }

    /// Whether `name` is an entry point.
    pub fn has_entry(&self, name: &str) -> bool {
        self.entries.iter().any(|(n, _)| n == name)
    }

    /// Declared input variables.
    pub fn inputs(&self) -> &[InputVar] {
        &self.inputs
    }

    /// Declared output variables.
    pub fn outputs(&self) -> &[OutputVar] {
        &self.outputs
    }

    /// The conversation tests embedded in the document.
    pub fn tests(&self) -> &[ConversationTest] {
        &self.tests
    }

    /// How many blocks the scenario has.
    pub fn block_count(&self) -> usize {
        self.blocks.len()
    }

    /// Block names in document order.
    pub fn block_names(&self) -> Vec<&str> {
        self.blocks
            .list
            .iter()
            .map(|(b, _, _)| b.name.as_str())
            .collect()
    }

    /// The integer `id` of a block.
    pub fn block_id(&self, name: &str) -> Option<i64> {
        self.blocks
            .by_name
            .get(name)
            .map(|&i| self.blocks.list[i].1)
    }

    /// The name of the block with this `id`.
    pub fn block_by_id(&self, id: i64) -> Option<&str> {
        self.blocks
            .list
            .iter()
            .find(|(_, i, _)| *i == id)
            .map(|(b, _, _)| b.name.as_str())
    }

    /// The block an entry point starts at.
    pub fn entry_block(&self, entry: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _)| n == entry)
            .map(|(_, b)| b.as_str())
    }

    pub(crate) fn block(&self, name: &str) -> Option<&Block> {
        self.blocks.get(name)
    }

    /// Problems that do not stop the scenario from running (e.g. unreachable blocks).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }
}
