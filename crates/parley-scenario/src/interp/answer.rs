//! Handling the events that answer a waiting block: user answers, re-asks, HTTP replies, custom completions, operator release.

use super::walk::Run;
use crate::answer as parse;
use crate::blocks::{AnswerKind, Ask, BlockKind};
use crate::util::lookup;
use crate::{Action, StepError, Value};

impl<'s> Run<'s> {
    fn current_ask(&self) -> Result<(&'s str, &'s Ask), StepError> {
        let block = self.current()?;
        match &block.kind {
            BlockKind::Ask(ask) => Ok((block.name.as_str(), ask)),
            _ => Err(self.not_this_kind(&block.name, "an `ask`")),
        }
    }

    fn not_this_kind(&self, block: &str, kind: &str) -> StepError {
        StepError::Script {
            block: block.to_owned(),
            message: format!(
                "the dialog waits in this block but it is not {kind} block (was the scenario changed while the dialog ran?); restart the dialog"
            ),
        }
    }

    /// The user answered the current ask (text, keypad digits or a button id).
    pub fn answer(&mut self, input: String) -> Result<(), StepError> {
        let (name, ask) = self.current_ask()?;
        let input = input.trim().to_owned();
        self.state
            .variables
            .insert("last_input".into(), Value::String(input.clone()));
        let Some(value) = self.parse_answer(&ask.answer, &input) else {
            return self.failed_attempt(false);
        };
        if let Some(var) = &ask.var {
            self.state.variables.insert(var.clone(), value.clone());
            self.actions.push(Action::Collected {
                variable: var.clone(),
                question: self.state.prompt.clone().unwrap_or_default(),
                kind: ask.answer.name(),
                answer: value,
            });
        }
        self.settle(crate::Status::AwaitingInput, name);
        self.walk(ask.next.clone())
    }

    fn parse_answer(&self, kind: &AnswerKind, input: &str) -> Option<Value> {
        if input.is_empty() {
            return None;
        }
        match kind {
            AnswerKind::Text { pattern } => pattern
                .as_ref()
                .is_none_or(|re| re.is_match(input))
                .then(|| Value::String(input.to_owned())),
            AnswerKind::Number { min, max } => {
                let n = parse::number(input)?;
                let in_range = min.is_none_or(|lo| n >= lo) && max.is_none_or(|hi| n <= hi);
                in_range.then(|| parse::number_value(n))
            }
            AnswerKind::YesNo => parse::yes_no(input).map(Value::Bool),
            AnswerKind::Choice { options } => {
                let lowered = input.to_lowercase();
                if let Some(o) = options
                    .iter()
                    .find(|o| o.phrases.iter().any(|p| p.to_lowercase() == lowered))
                {
                    return Some(Value::String(o.id.clone()));
                }
                let w = parse::words(input);
                let matching: Vec<_> = options
                    .iter()
                    .filter(|o| o.phrases.iter().any(|p| parse::contains_phrase(&w, p)))
                    .collect();
                if let [only] = matching.as_slice() {
                    return Some(Value::String(only.id.clone()));
                }
                let index: usize = input.parse().ok()?;
                options
                    .get(index.checked_sub(1)?)
                    .map(|o| Value::String(o.id.clone()))
            }
            AnswerKind::Phone => parse::phone(input).map(Value::String),
            AnswerKind::Date => parse::date(input, self.today())
                .map(|d| Value::String(d.format("%Y-%m-%d").to_string())),
            AnswerKind::Email => parse::email(input).map(Value::String),
        }
    }

    /// An invalid answer or silence: re-ask, or give up after `retries` re-asks.
    pub fn failed_attempt(&mut self, no_input: bool) -> Result<(), StepError> {
        let (name, ask) = self.current_ask()?;
        self.state.failures += 1;
        if self.state.failures > ask.retries {
            self.settle(crate::Status::AwaitingInput, name);
            return self.walk(ask.on_fail.clone().or_else(|| ask.next.clone()));
        }
        let template = if no_input {
            ask.no_input_prompt.as_ref().or(ask.retry_prompt.as_ref())
        } else {
            ask.retry_prompt.as_ref()
        };
        let text = match template {
            Some(t) => self.render(name, t)?,
            None => self.state.prompt.clone().unwrap_or_default(),
        };
        self.say_prompt(name, ask, text)
    }

    /// An operator handed back a dialog that was waiting for an answer: ask again.
    pub fn reprompt(&mut self) -> Result<(), StepError> {
        let (name, ask) = self.current_ask()?;
        let text = self.state.prompt.clone().unwrap_or_default();
        self.say_prompt(name, ask, text)
    }

    fn webhook_targets(&self) -> Result<(&'s str, Option<String>, Option<String>), StepError> {
        let block = self.current()?;
        match &block.kind {
            BlockKind::Webhook(h) => Ok((block.name.as_str(), h.on_error.clone(), h.next.clone())),
            _ => Err(self.not_this_kind(&block.name, "a `webhook`")),
        }
    }

    pub fn http_response(&mut self, status: u16, body: &str) -> Result<(), StepError> {
        let (name, on_error, next) = self.webhook_targets()?;
        let BlockKind::Webhook(hook) = &self.current()?.kind else {
            return Err(self.not_this_kind(name, "a `webhook`"));
        };
        let vars = &mut self.state.variables;
        vars.insert("http_status".into(), Value::from(status));
        vars.remove("http_error");
        if !(200..300).contains(&status) {
            vars.insert(
                "http_error".into(),
                Value::String(format!("HTTP status {status}")),
            );
            return self.walk(on_error.or(next));
        }
        if !hook.save.is_empty() {
            match serde_json::from_str::<Value>(body) {
                Ok(doc) => {
                    for (var, path) in &hook.save {
                        let v = lookup(&doc, path).cloned().unwrap_or(Value::Null);
                        vars.insert(var.clone(), v);
                    }
                }
                Err(e) => {
                    vars.insert(
                        "http_error".into(),
                        Value::String(format!("the reply is not valid JSON: {e}")),
                    );
                    return self.walk(on_error.or(next));
                }
            }
        }
        self.walk(next)
    }

    pub fn http_failed(&mut self, error: String) -> Result<(), StepError> {
        let (_, on_error, next) = self.webhook_targets()?;
        let vars = &mut self.state.variables;
        vars.remove("http_status");
        vars.insert("http_error".into(), Value::String(error));
        self.walk(on_error.or(next))
    }

    pub fn custom_completed(&mut self, data: Value) -> Result<(), StepError> {
        let block = self.current()?;
        let BlockKind::Custom(custom) = &block.kind else {
            return Err(self.not_this_kind(&block.name, "a `custom`"));
        };
        if let Some(var) = &custom.save_as {
            self.state.variables.insert(var.clone(), data);
        }
        self.walk(custom.next.clone())
    }

    pub fn operator_released(&mut self) -> Result<(), StepError> {
        let block = self.current()?;
        let BlockKind::Transfer { next, .. } = &block.kind else {
            return Err(self.not_this_kind(&block.name, "a `transfer`"));
        };
        self.walk(next.clone())
    }
}
