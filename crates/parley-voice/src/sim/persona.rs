//! Personas: who the simulated line's callees are and how they behave, validated and ready to draw
//! from (the YAML form is in `format.rs`).

use std::path::Path;
use std::sync::Arc;

use parley_domain::dialer::Outcome;
use rand::Rng;
use rand::rngs::StdRng;
use regex::Regex;

use super::format;
pub use super::format::PersonaError;

/// The personas shipped with Parley (`personas/default.yaml`).
pub const DEFAULT_PERSONAS: &str = include_str!("../../personas/default.yaml");

/// A range of milliseconds to draw from, bounds included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MsRange {
    pub(crate) min: u64,
    pub(crate) max: u64,
}

impl MsRange {
    pub(crate) const fn new(min: u64, max: u64) -> Self {
        Self { min, max }
    }

    /// A uniformly drawn duration in the range.
    pub(crate) fn draw(self, rng: &mut StdRng) -> u64 {
        if self.max <= self.min {
            self.min
        } else {
            rng.random_range(self.min..=self.max)
        }
    }
}

/// What the callee does in reply to a prompt.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// Says one of these texts, drawn at random.
    Say(Vec<String>),
    /// Presses these keys.
    Dtmf(String),
    /// Says nothing.
    Silence,
    /// Hangs up.
    HangUp,
}

/// A reply and how long the callee thinks before it.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) action: Action,
    /// Overrides the persona's think delay.
    pub(crate) think: Option<MsRange>,
}

/// What a rule looks for in the bot's last prompt.
#[derive(Debug, Clone)]
pub(crate) enum Matcher {
    /// A regular expression.
    Regex(Regex),
    /// Any of these words or phrases, lowercase, found case-insensitively.
    Keywords(Vec<String>),
}

/// One reply rule: when the prompt matches (and the rule's chance comes up), reply so.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub(crate) matcher: Matcher,
    pub(crate) chance: f64,
    pub(crate) reply: Reply,
}

/// What happens after the bot hands the call to an operator.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OperatorTalk {
    /// Hold time until an operator answers.
    pub(crate) wait: MsRange,
    /// How long the operator and the callee talk.
    pub(crate) talk: MsRange,
    /// Chance the callee hangs up while on hold.
    pub(crate) hang_up_chance: f64,
}

/// A simulated callee: how its calls end and how it answers the bot.
#[derive(Debug, Clone)]
pub struct Persona {
    pub(crate) name: String,
    pub(crate) weight: f64,
    /// Cumulative probabilities, the last one 1.
    pub(crate) outcomes: Vec<(Outcome, f64)>,
    /// Ring time per outcome (every outcome in `outcomes` has one).
    pub(crate) ring: Vec<(Outcome, MsRange)>,
    pub(crate) greeting: Option<String>,
    pub(crate) voicemail: String,
    /// Characters per second.
    pub(crate) speech_rate: f64,
    pub(crate) think: MsRange,
    pub(crate) rules: Vec<Rule>,
    pub(crate) default_reply: Reply,
    pub(crate) hang_up_chance: f64,
    pub(crate) operator: OperatorTalk,
}

impl Persona {
    /// The persona's name (what the dialog variable `persona` selects).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its weight when a persona is drawn for a call.
    pub fn weight(&self) -> f64 {
        self.weight
    }

    /// Draws how a call to this persona ends.
    pub(crate) fn draw_outcome(&self, rng: &mut StdRng) -> Outcome {
        let roll: f64 = rng.random();
        self.outcomes
            .iter()
            .find(|(_, upto)| roll < *upto)
            .or(self.outcomes.last())
            .map_or(Outcome::Answered, |(outcome, _)| *outcome)
    }

    /// The ring time range before `outcome`.
    pub(crate) fn ring(&self, outcome: Outcome) -> MsRange {
        self.ring
            .iter()
            .find(|(o, _)| *o == outcome)
            .map_or(MsRange::new(0, 0), |(_, range)| *range)
    }

    /// The reply to `prompt` (what the bot said last): the first rule that matches and whose
    /// chance comes up, else the default.
    pub(crate) fn reply_to(&self, prompt: &str, rng: &mut StdRng) -> &Reply {
        let mut lowered: Option<String> = None;
        for rule in &self.rules {
            let matched = match &rule.matcher {
                Matcher::Regex(regex) => regex.is_match(prompt),
                Matcher::Keywords(words) => {
                    let text = lowered.get_or_insert_with(|| prompt.to_lowercase());
                    words.iter().any(|word| text.contains(word.as_str()))
                }
            };
            if matched && (rule.chance >= 1.0 || rng.random_bool(rule.chance.max(0.0))) {
                return &rule.reply;
            }
        }
        &self.default_reply
    }
}

/// A set of personas to draw callees from.
#[derive(Debug, Clone)]
pub struct Personas {
    list: Vec<Arc<Persona>>,
    /// Cumulative weights, parallel to `list`.
    cumulative: Vec<f64>,
}

impl Personas {
    /// The personas shipped with Parley: cooperative, unhappy, busy right now, refusing, silent,
    /// hanging up early, asking for an operator, voicemail, always busy, never answering and
    /// unreachable callees.
    pub fn builtin() -> Self {
        match Self::from_yaml(DEFAULT_PERSONAS) {
            Ok(personas) => personas,
            // The file is checked by a unit test; this branch cannot be reached from a build
            // that passed its tests.
            Err(error) => panic!("the built-in personas are invalid: {error}"),
        }
    }

    /// Parses a persona document (`format: parley.personas/v1`), reporting the first problem with
    /// the persona and field it concerns.
    pub fn from_yaml(text: &str) -> Result<Self, PersonaError> {
        let list = format::parse(text)?;
        Ok(Self::new(list))
    }

    /// Reads and parses a persona document.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, PersonaError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| PersonaError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_yaml(&text)
    }

    fn new(list: Vec<Persona>) -> Self {
        let mut total = 0.0;
        let cumulative = list
            .iter()
            .map(|persona| {
                total += persona.weight;
                total
            })
            .collect();
        Self {
            list: list.into_iter().map(Arc::new).collect(),
            cumulative,
        }
    }

    /// Every persona, in document order.
    pub fn iter(&self) -> impl Iterator<Item = &Persona> {
        self.list.iter().map(AsRef::as_ref)
    }

    /// The persona called `name`.
    pub fn get(&self, name: &str) -> Option<&Persona> {
        self.find(name).map(AsRef::as_ref)
    }

    pub(crate) fn find(&self, name: &str) -> Option<&Arc<Persona>> {
        self.list.iter().find(|persona| persona.name == name)
    }

    /// Draws a persona by weight (the document guarantees a positive total).
    pub(crate) fn draw(&self, rng: &mut StdRng) -> &Arc<Persona> {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let roll = rng.random::<f64>() * total;
        let index = self
            .cumulative
            .partition_point(|upto| *upto <= roll)
            .min(self.list.len().saturating_sub(1));
        &self.list[index]
    }

    /// The names, for error messages.
    pub(crate) fn names(&self) -> String {
        self.list
            .iter()
            .map(|persona| format!("`{}`", persona.name))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
