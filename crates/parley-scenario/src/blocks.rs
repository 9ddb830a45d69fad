//! The block model: one variant per block kind, as the interpreter runs it.

use regex::Regex;

use crate::expr::Script;
use crate::template::{Tpl, ValueTpl};
use crate::{Value, Voice};

/// A named block of the scenario.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub name: String,
    pub kind: BlockKind,
}

#[derive(Debug, Clone)]
pub(crate) enum BlockKind {
    Say(Say),
    Ask(Box<Ask>),
    Branch(Branch),
    Set(Vec<(String, SetValue)>, Option<String>),
    Webhook(Box<Webhook>),
    Custom(Custom),
    Transfer {
        reason: Option<Tpl>,
        next: Option<String>,
    },
    Goto(Goto),
    End {
        result: Option<Tpl>,
    },
}

/// Every block kind keyword, in the order the documentation lists them.
pub(crate) const KINDS: [&str; 9] = [
    "say", "ask", "branch", "set", "webhook", "custom", "transfer", "goto", "end",
];

#[derive(Debug, Clone)]
pub(crate) struct ButtonSpec {
    pub id: String,
    pub text: Tpl,
}

#[derive(Debug, Clone)]
pub(crate) struct Say {
    pub text: Tpl,
    pub buttons: Vec<ButtonSpec>,
    pub voice: Option<Voice>,
    pub next: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Ask {
    pub prompt: Tpl,
    pub answer: AnswerKind,
    pub var: Option<String>,
    pub buttons: Vec<ButtonSpec>,
    pub voice: Option<Voice>,
    pub retry_prompt: Option<Tpl>,
    pub retries: u32,
    pub on_fail: Option<String>,
    pub no_input_timeout_ms: u64,
    pub no_input_prompt: Option<Tpl>,
    pub next: Option<String>,
}

/// The `type` of an ask and its type-specific options.
#[derive(Debug, Clone)]
pub(crate) enum AnswerKind {
    Text { pattern: Option<Regex> },
    Number { min: Option<f64>, max: Option<f64> },
    YesNo,
    Choice { options: Vec<ChoiceOption> },
    Phone,
    Date,
    Email,
}

impl AnswerKind {
    /// The kind as reported in `Action::Collected`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Text { .. } => "text",
            Self::Number { .. } => "number",
            Self::YesNo => "yes_no",
            Self::Choice { .. } => "choice",
            Self::Phone => "phone",
            Self::Date => "date",
            Self::Email => "email",
        }
    }
}

/// Answer types accepted by `type:`.
pub(crate) const ANSWER_TYPES: [&str; 7] = [
    "text", "number", "yes_no", "choice", "phone", "date", "email",
];

#[derive(Debug, Clone)]
pub(crate) struct ChoiceOption {
    pub id: String,
    pub text: Tpl,
    /// The option's text (when it is plain) and synonyms, matched as phrases.
    pub phrases: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Branch {
    pub cases: Vec<Case>,
    pub default: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Case {
    pub test: CaseTest,
    pub next: String,
}

#[derive(Debug, Clone)]
pub(crate) enum CaseTest {
    /// Any of the phrases occurs in the variable (default `last_input`).
    Keywords { phrases: Vec<String>, var: String },
    /// The regex matches the variable; named groups are stored as variables.
    Regex { regex: Regex, var: String },
    /// The expression returns `true`.
    Expr(Script),
}

#[derive(Debug, Clone)]
pub(crate) enum SetValue {
    Literal(Value),
    Expr(Script),
    Template(Tpl),
}

#[derive(Debug, Clone)]
pub(crate) enum Body {
    Text(Tpl),
    Json(ValueTpl),
}

#[derive(Debug, Clone)]
pub(crate) struct Webhook {
    pub method: String,
    pub url: Tpl,
    pub headers: Vec<(String, Tpl)>,
    pub body: Option<Body>,
    pub timeout_ms: u64,
    pub save: Vec<(String, Vec<String>)>,
    pub on_error: Option<String>,
    pub next: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Custom {
    pub url: Option<Tpl>,
    pub params: ValueTpl,
    pub save_as: Option<String>,
    pub next: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum Goto {
    Block(String),
    Agent {
        agent: String,
        entry: Option<String>,
    },
}
