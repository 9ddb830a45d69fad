//! The persona document (`format: parley.personas/v1`) as YAML, and its checks; every error
//! names the persona and the field it concerns.

use std::collections::BTreeMap;
use std::path::PathBuf;

use parley_domain::dialer::Outcome;
use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use super::persona::{Action, Matcher, MsRange, OperatorTalk, Persona, Reply, Rule};
use super::texts::Texts;

/// The document's format tag.
pub const FORMAT: &str = "parley.personas/v1";

/// Outcomes a line can report, with their default ring time in milliseconds.
const LINE_OUTCOMES: [(Outcome, MsRange); 10] = [
    (Outcome::Answered, MsRange::new(3_000, 15_000)),
    (Outcome::AnsweringMachine, MsRange::new(5_000, 20_000)),
    (Outcome::NoAnswer, MsRange::new(30_000, 45_000)),
    (Outcome::Busy, MsRange::new(1_000, 4_000)),
    (Outcome::Congestion, MsRange::new(500, 3_000)),
    (Outcome::ChanUnavail, MsRange::new(500, 3_000)),
    (Outcome::Failed, MsRange::new(200, 2_000)),
    (Outcome::Rejected, MsRange::new(2_000, 10_000)),
    (Outcome::Unavailable, MsRange::new(1_000, 5_000)),
    (Outcome::Invalid, MsRange::new(500, 2_000)),
];

const DEFAULT_VOICEMAIL: &str =
    "Абонент не может ответить. Оставьте сообщение после звукового сигнала.";

/// Why a persona document was refused.
#[derive(Debug, thiserror::Error)]
pub enum PersonaError {
    /// The file could not be read.
    #[error("cannot read personas from {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The document as a whole is wrong (YAML syntax, format tag, no personas, ...).
    #[error("persona document: {0}")]
    Document(String),
    /// One persona's field is wrong.
    #[error("persona `{persona}`: {}{message}", field_prefix(.field))]
    Field {
        /// The persona's name (or `personas[i]` when it has none).
        persona: String,
        /// The field, e.g. `replies[2].regex` (empty for the persona as a whole).
        field: String,
        /// What is wrong.
        message: String,
    },
}

fn field_prefix(field: &str) -> String {
    if field.is_empty() {
        String::new()
    } else {
        format!("{field}: ")
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocument {
    format: String,
    personas: Vec<RawPersona>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPersona {
    name: String,
    #[serde(default = "one")]
    weight: f64,
    #[serde(default)]
    outcomes: BTreeMap<String, f64>,
    #[serde(default)]
    ring: BTreeMap<String, [f64; 2]>,
    greeting: Option<String>,
    voicemail: Option<String>,
    #[serde(default = "default_speech_rate")]
    speech_rate: f64,
    #[serde(default = "default_think")]
    think: [f64; 2],
    #[serde(default)]
    replies: Vec<RawRule>,
    default: Option<RawReply>,
    #[serde(default)]
    hang_up_chance: f64,
    operator: Option<RawOperator>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    regex: Option<String>,
    keywords: Option<Vec<String>>,
    chance: Option<f64>,
    say: Option<Texts>,
    dtmf: Option<String>,
    #[serde(default)]
    silent: bool,
    #[serde(default)]
    hang_up: bool,
    think: Option<[f64; 2]>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReply {
    say: Option<Texts>,
    dtmf: Option<String>,
    #[serde(default)]
    silent: bool,
    #[serde(default)]
    hang_up: bool,
    think: Option<[f64; 2]>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOperator {
    #[serde(default = "default_operator_wait")]
    wait: [f64; 2],
    #[serde(default = "default_operator_talk")]
    talk: [f64; 2],
    #[serde(default)]
    hang_up_chance: f64,
}

fn one() -> f64 {
    1.0
}
fn default_speech_rate() -> f64 {
    14.0
}
fn default_think() -> [f64; 2] {
    [0.6, 1.8]
}
fn default_operator_wait() -> [f64; 2] {
    [5.0, 30.0]
}
fn default_operator_talk() -> [f64; 2] {
    [60.0, 300.0]
}

/// Parses and checks a persona document.
pub(crate) fn parse(text: &str) -> Result<Vec<Persona>, PersonaError> {
    let raw: RawDocument =
        serde_yaml::from_str(text).map_err(|error| name_persona(text, &error))?;
    if raw.format != FORMAT {
        return Err(PersonaError::Document(format!(
            "format: expected `{FORMAT}`, found `{}`",
            raw.format
        )));
    }
    if raw.personas.is_empty() {
        return Err(PersonaError::Document("personas: the list is empty".into()));
    }
    let mut personas: Vec<Persona> = Vec::with_capacity(raw.personas.len());
    for (index, persona) in raw.personas.into_iter().enumerate() {
        let name = if persona.name.trim().is_empty() {
            format!("personas[{index}]")
        } else {
            persona.name.clone()
        };
        let checked = check(persona).map_err(|(field, message)| PersonaError::Field {
            persona: name.clone(),
            field,
            message,
        })?;
        if personas.iter().any(|p| p.name == checked.name) {
            return Err(PersonaError::Field {
                persona: name,
                field: "name".into(),
                message: "another persona has this name".into(),
            });
        }
        personas.push(checked);
    }
    if personas.iter().all(|p| p.weight == 0.0) {
        return Err(PersonaError::Document(
            "every persona has weight 0; give at least one a positive weight".into(),
        ));
    }
    Ok(personas)
}

/// A YAML error, with the persona named when the error's path points into one.
fn name_persona(text: &str, error: &serde_yaml::Error) -> PersonaError {
    let message = error.to_string();
    let Some(rest) = message.strip_prefix("personas[") else {
        return PersonaError::Document(message);
    };
    let Some((index, field)) = rest.split_once(']') else {
        return PersonaError::Document(message);
    };
    let name = index.parse::<usize>().ok().and_then(|index| {
        let document: serde_yaml::Value = serde_yaml::from_str(text).ok()?;
        let persona = document.get("personas")?.get(index)?;
        persona.get("name")?.as_str().map(str::to_owned)
    });
    let field = field.trim_start_matches('.');
    let (field, message) = field.split_once(": ").unwrap_or(("", field));
    PersonaError::Field {
        persona: name.unwrap_or_else(|| format!("personas[{index}]")),
        field: field.into(),
        message: message.into(),
    }
}

type Problem = (String, String);

fn problem(field: impl Into<String>, message: impl Into<String>) -> Problem {
    (field.into(), message.into())
}

fn check(raw: RawPersona) -> Result<Persona, Problem> {
    if raw.name.trim().is_empty() {
        return Err(problem("name", "must not be empty"));
    }
    if !(raw.weight.is_finite() && raw.weight >= 0.0) {
        return Err(problem("weight", "must be a number of 0 or more"));
    }
    let outcomes = outcomes(&raw.outcomes)?;
    let mut ring: Vec<(Outcome, MsRange)> = LINE_OUTCOMES.to_vec();
    for (key, range) in &raw.ring {
        let field = format!("ring.{key}");
        let outcome = line_outcome(key).map_err(|message| problem(&field, message))?;
        let range = seconds(*range).map_err(|message| problem(&field, message))?;
        if let Some(slot) = ring.iter_mut().find(|(o, _)| *o == outcome) {
            slot.1 = range;
        }
    }
    if !(raw.speech_rate.is_finite() && raw.speech_rate > 0.0) {
        return Err(problem(
            "speech_rate",
            "must be a positive number of characters per second (people speak about 12 to 16)",
        ));
    }
    let think = seconds(raw.think).map_err(|message| problem("think", message))?;
    let rules = raw
        .replies
        .into_iter()
        .enumerate()
        .map(|(index, rule)| {
            check_rule(rule).map_err(|(f, m)| (format!("replies[{index}].{f}"), m))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let default_reply = match raw.default {
        Some(reply) => reply_of(
            reply.say,
            reply.dtmf,
            reply.silent,
            reply.hang_up,
            reply.think,
        )
        .map_err(|(f, m)| (format!("default.{f}"), m))?,
        None => Reply {
            action: Action::Silence,
            think: None,
        },
    };
    let hang_up_chance = chance(raw.hang_up_chance).map_err(|m| problem("hang_up_chance", m))?;
    let operator = match raw.operator {
        Some(op) => OperatorTalk {
            wait: seconds(op.wait).map_err(|m| problem("operator.wait", m))?,
            talk: seconds(op.talk).map_err(|m| problem("operator.talk", m))?,
            hang_up_chance: chance(op.hang_up_chance)
                .map_err(|m| problem("operator.hang_up_chance", m))?,
        },
        None => OperatorTalk {
            wait: MsRange::new(5_000, 30_000),
            talk: MsRange::new(60_000, 300_000),
            hang_up_chance: 0.0,
        },
    };
    Ok(Persona {
        name: raw.name,
        weight: raw.weight,
        outcomes,
        ring,
        greeting: raw.greeting.filter(|g| !g.trim().is_empty()),
        voicemail: raw.voicemail.unwrap_or_else(|| DEFAULT_VOICEMAIL.into()),
        speech_rate: raw.speech_rate,
        think,
        rules,
        default_reply,
        hang_up_chance,
        operator,
    })
}

/// Cumulative outcome probabilities; no outcomes means every call is answered.
fn outcomes(raw: &BTreeMap<String, f64>) -> Result<Vec<(Outcome, f64)>, Problem> {
    if raw.is_empty() {
        return Ok(vec![(Outcome::Answered, 1.0)]);
    }
    let mut total = 0.0;
    let mut cumulative = Vec::with_capacity(raw.len());
    // In the order of LINE_OUTCOMES, so a document's key order does not change the draws.
    for (outcome, _) in LINE_OUTCOMES {
        if let Some(p) = raw.get(outcome.as_str()) {
            let p = chance(*p).map_err(|m| problem(format!("outcomes.{}", outcome.as_str()), m))?;
            if p > 0.0 {
                total += p;
                cumulative.push((outcome, total));
            }
        }
    }
    for key in raw.keys() {
        line_outcome(key).map_err(|m| problem(format!("outcomes.{key}"), m))?;
    }
    if (total - 1.0).abs() > 1e-6 {
        return Err(problem(
            "outcomes",
            format!("the probabilities must add up to 1, they add up to {total}"),
        ));
    }
    if let Some(last) = cumulative.last_mut() {
        last.1 = 1.0;
    }
    Ok(cumulative)
}

fn line_outcome(key: &str) -> Result<Outcome, String> {
    let known = || {
        LINE_OUTCOMES
            .iter()
            .map(|(o, _)| o.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match Outcome::parse(key) {
        Ok(outcome) if LINE_OUTCOMES.iter().any(|(o, _)| *o == outcome) => Ok(outcome),
        Ok(_) => Err(format!(
            "`{key}` is decided by the dialer, not the line; use one of {}",
            known()
        )),
        Err(_) => Err(format!("unknown outcome `{key}`; use one of {}", known())),
    }
}

fn chance(p: f64) -> Result<f64, String> {
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!("must be a probability from 0 to 1, found {p}"))
    }
}

/// `[min, max]` seconds as milliseconds.
fn seconds([min, max]: [f64; 2]) -> Result<MsRange, String> {
    let valid = |s: f64| s.is_finite() && (0.0..=86_400.0).contains(&s);
    if !valid(min) || !valid(max) {
        return Err(format!(
            "seconds must be from 0 to 86400, found [{min}, {max}]"
        ));
    }
    if min > max {
        return Err(format!(
            "[min, max] seconds with min <= max, found [{min}, {max}]"
        ));
    }
    // Checked above: both are small non-negative numbers, so the cast is exact enough.
    let ms = |s: f64| (s * 1000.0).round() as u64;
    Ok(MsRange::new(ms(min), ms(max)))
}

fn check_rule(raw: RawRule) -> Result<Rule, Problem> {
    let matcher = match (raw.regex, raw.keywords) {
        (Some(pattern), None) => {
            Matcher::Regex(compile(&pattern).map_err(|m| problem("regex", m))?)
        }
        (None, Some(words)) => {
            let words: Vec<String> = words
                .iter()
                .map(|w| w.trim().to_lowercase())
                .filter(|w| !w.is_empty())
                .collect();
            if words.is_empty() {
                return Err(problem("keywords", "give at least one word or phrase"));
            }
            Matcher::Keywords(words)
        }
        (Some(_), Some(_)) => {
            return Err(problem(
                "regex",
                "give either `regex` or `keywords`, not both",
            ));
        }
        (None, None) => {
            return Err(problem(
                "regex",
                "a rule needs `regex` or `keywords` to match the bot's prompt against",
            ));
        }
    };
    let chance = chance(raw.chance.unwrap_or(1.0)).map_err(|m| problem("chance", m))?;
    let reply = reply_of(raw.say, raw.dtmf, raw.silent, raw.hang_up, raw.think)?;
    Ok(Rule {
        matcher,
        chance,
        reply,
    })
}

fn compile(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .map_err(|error| format!("invalid regex: {error}"))
}

fn reply_of(
    say: Option<Texts>,
    dtmf: Option<String>,
    silent: bool,
    hang_up: bool,
    think: Option<[f64; 2]>,
) -> Result<Reply, Problem> {
    let think = think
        .map(seconds)
        .transpose()
        .map_err(|m| problem("think", m))?;
    let given = usize::from(say.is_some())
        + usize::from(dtmf.is_some())
        + usize::from(silent)
        + usize::from(hang_up);
    if given != 1 {
        return Err(problem(
            "say",
            "give exactly one of `say`, `dtmf`, `silent: true` or `hang_up: true`",
        ));
    }
    let action = if let Some(Texts(texts)) = say {
        if texts.is_empty() || texts.iter().any(|t| t.trim().is_empty()) {
            return Err(problem("say", "texts must not be empty"));
        }
        Action::Say(texts)
    } else if let Some(digits) = dtmf {
        if digits.is_empty()
            || !digits
                .chars()
                .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
        {
            return Err(problem(
                "dtmf",
                format!("keys are 0-9, * and #, found `{digits}`"),
            ));
        }
        Action::Dtmf(digits)
    } else if silent {
        Action::Silence
    } else {
        Action::HangUp
    };
    Ok(Reply { action, think })
}
