//! Walking blocks: entering each kind, rendering texts, and stopping where the dialog must wait.

use chrono::{DateTime, Utc};

use super::{MAX_HOPS, type_word};
use crate::answer::{contains_phrase, words};
use crate::blocks::{
    AnswerKind, Ask, Block, BlockKind, Body, ButtonSpec, CaseTest, Goto, SetValue,
};
use crate::template::{Tpl, ValueTpl, context};
use crate::util::value_text;
use crate::{
    Action, Button, DialogState, HttpRequest, Map, Scenario, Status, StepError, Turn, Value, expr,
};

/// One step in progress: the state being changed and the actions produced so far.
pub(crate) struct Run<'s> {
    pub scenario: &'s Scenario,
    pub state: DialogState,
    pub actions: Vec<Action>,
    at: DateTime<Utc>,
    hops: usize,
}

/// What to do after entering a block.
enum Flow {
    /// Continue at this block (`None`: the dialog ends).
    Next(Option<String>),
    /// Stop and wait for an event (or the dialog is over).
    Stop,
}

impl<'s> Run<'s> {
    pub fn new(scenario: &'s Scenario, state: DialogState, at: DateTime<Utc>) -> Self {
        Self {
            scenario,
            state,
            actions: Vec::new(),
            at,
            hops: 0,
        }
    }

    pub fn finish(self) -> Turn {
        Turn {
            state: self.state,
            actions: self.actions,
        }
    }

    /// Variables that exist without being stored: `now` and `today`.
    pub fn builtins(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert(
            "now".into(),
            Value::String(self.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        );
        m.insert(
            "today".into(),
            Value::String(self.at.date_naive().format("%Y-%m-%d").to_string()),
        );
        m
    }

    pub fn today(&self) -> chrono::NaiveDate {
        self.at.date_naive()
    }

    fn template_ctx(&self) -> minijinja::Value {
        context(&self.state.variables, &self.builtins())
    }

    pub fn render(&self, block: &str, tpl: &Tpl) -> Result<String, StepError> {
        self.scenario
            .templates
            .render(tpl, &self.template_ctx())
            .map_err(|message| StepError::Template {
                block: block.to_owned(),
                message,
            })
    }

    fn render_value(&self, block: &str, tpl: &ValueTpl) -> Result<Value, StepError> {
        self.scenario
            .templates
            .render_value(tpl, &self.template_ctx())
            .map_err(|message| StepError::Template {
                block: block.to_owned(),
                message,
            })
    }

    fn eval(&self, block: &str, script: &expr::Script) -> Result<Value, StepError> {
        let known = self.scenario.known_vars.iter().map(String::as_str);
        expr::eval(
            &self.scenario.engine,
            script,
            &self.state.variables,
            &self.builtins(),
            known,
        )
        .map_err(|message| StepError::Script {
            block: block.to_owned(),
            message,
        })
    }

    pub fn render_buttons(
        &self,
        block: &str,
        specs: &[ButtonSpec],
    ) -> Result<Vec<Button>, StepError> {
        specs
            .iter()
            .map(|b| {
                Ok(Button {
                    id: b.id.clone(),
                    text: self.render(block, &b.text)?,
                })
            })
            .collect()
    }

    /// The block the state points at.
    pub fn current(&self) -> Result<&'s Block, StepError> {
        let name = self.state.block.as_deref().unwrap_or_default();
        self.block(name)
    }

    fn block(&self, name: &str) -> Result<&'s Block, StepError> {
        self.scenario.block(name).ok_or_else(|| StepError::Script {
            block: name.to_owned(),
            message: "the dialog is at a block this scenario does not have (was the scenario changed while the dialog ran?); restart the dialog".to_owned(),
        })
    }

    /// Sets the status and forgets the per-ask bookkeeping.
    pub fn settle(&mut self, status: Status, block: &str) {
        self.state.status = status;
        self.state.block = Some(block.to_owned());
        self.state.failures = 0;
        self.state.prompt = None;
        self.state.timeout_ms = None;
    }

    /// Walks from `target` until a block waits or the dialog ends.
    pub fn walk(&mut self, mut target: Option<String>) -> Result<(), StepError> {
        loop {
            let Some(name) = target else {
                self.actions.push(Action::End { result: None });
                let last = self.state.block.clone().unwrap_or_default();
                self.settle(Status::Ended, &last);
                return Ok(());
            };
            self.hops += 1;
            if self.hops > MAX_HOPS {
                return Err(StepError::LoopLimit { limit: MAX_HOPS });
            }
            let block = self.block(&name)?;
            self.state.block = Some(name);
            match self.enter(block)? {
                Flow::Next(next) => target = next,
                Flow::Stop => return Ok(()),
            }
        }
    }

    fn enter(&mut self, block: &'s Block) -> Result<Flow, StepError> {
        let name = block.name.as_str();
        match &block.kind {
            BlockKind::Say(say) => {
                let text = self.render(name, &say.text)?;
                let buttons = self.render_buttons(name, &say.buttons)?;
                self.actions.push(Action::Say {
                    text,
                    buttons,
                    voice: say.voice.clone(),
                });
                Ok(Flow::Next(say.next.clone()))
            }
            BlockKind::Ask(ask) => {
                let text = self.render(name, &ask.prompt)?;
                self.say_prompt(name, ask, text.clone())?;
                self.settle(Status::AwaitingInput, name);
                self.state.prompt = Some(text);
                self.state.timeout_ms = Some(ask.no_input_timeout_ms);
                Ok(Flow::Stop)
            }
            BlockKind::Branch(branch) => {
                for case in &branch.cases {
                    if self.case_matches(name, &case.test)? {
                        return Ok(Flow::Next(Some(case.next.clone())));
                    }
                }
                Ok(Flow::Next(Some(branch.default.clone())))
            }
            BlockKind::Set(assignments, next) => {
                for (var, value) in assignments {
                    let v = match value {
                        SetValue::Literal(v) => v.clone(),
                        SetValue::Expr(script) => self.eval(name, script)?,
                        SetValue::Template(t) => Value::String(self.render(name, t)?),
                    };
                    self.state.variables.insert(var.clone(), v);
                }
                Ok(Flow::Next(next.clone()))
            }
            BlockKind::Webhook(hook) => {
                let mut headers = Vec::new();
                for (k, t) in &hook.headers {
                    headers.push((k.clone(), self.render(name, t)?));
                }
                let body = match &hook.body {
                    None => None,
                    Some(Body::Text(t)) => Some(self.render(name, t)?),
                    Some(Body::Json(t)) => {
                        if !headers
                            .iter()
                            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                        {
                            headers.push(("Content-Type".into(), "application/json".into()));
                        }
                        Some(self.render_value(name, t)?.to_string())
                    }
                };
                self.actions.push(Action::Http(HttpRequest {
                    method: hook.method.clone(),
                    url: self.render(name, &hook.url)?,
                    headers,
                    body,
                    timeout_ms: hook.timeout_ms,
                }));
                self.settle(Status::AwaitingHttp, name);
                Ok(Flow::Stop)
            }
            BlockKind::Custom(custom) => {
                let url = custom
                    .url
                    .as_ref()
                    .map(|t| self.render(name, t))
                    .transpose()?;
                let params = self.render_value(name, &custom.params)?;
                self.actions.push(Action::AwaitCustom {
                    block: name.to_owned(),
                    url,
                    params,
                });
                self.settle(Status::AwaitingCustom, name);
                Ok(Flow::Stop)
            }
            BlockKind::Transfer { reason, .. } => {
                let reason = reason.as_ref().map(|t| self.render(name, t)).transpose()?;
                self.actions.push(Action::Transfer { reason });
                self.settle(Status::WithOperator, name);
                Ok(Flow::Stop)
            }
            BlockKind::Goto(Goto::Block(target)) => Ok(Flow::Next(Some(target.clone()))),
            BlockKind::Goto(Goto::Agent { agent, entry }) => {
                self.actions.push(Action::GotoAgent {
                    agent: agent.clone(),
                    entry: entry.clone(),
                });
                self.settle(Status::Ended, name);
                Ok(Flow::Stop)
            }
            BlockKind::End { result } => {
                let result = result.as_ref().map(|t| self.render(name, t)).transpose()?;
                self.actions.push(Action::End {
                    result: result.clone(),
                });
                self.settle(Status::Ended, name);
                self.state.result = result;
                Ok(Flow::Stop)
            }
        }
    }

    /// Says an ask's prompt (or re-ask text) with its buttons.
    pub fn say_prompt(&mut self, name: &str, ask: &Ask, text: String) -> Result<(), StepError> {
        let buttons = match &ask.answer {
            AnswerKind::Choice { options } => options
                .iter()
                .map(|o| {
                    Ok(Button {
                        id: o.id.clone(),
                        text: self.render(name, &o.text)?,
                    })
                })
                .collect::<Result<_, StepError>>()?,
            _ => self.render_buttons(name, &ask.buttons)?,
        };
        self.actions.push(Action::Say {
            text,
            buttons,
            voice: ask.voice.clone(),
        });
        Ok(())
    }

    fn case_matches(&mut self, name: &str, test: &CaseTest) -> Result<bool, StepError> {
        match test {
            CaseTest::Keywords { phrases, var } => {
                let Some(value) = self.state.variables.get(var) else {
                    return Ok(false);
                };
                let w = words(&value_text(value));
                Ok(phrases.iter().any(|p| contains_phrase(&w, p)))
            }
            CaseTest::Regex { regex, var } => {
                let Some(value) = self.state.variables.get(var) else {
                    return Ok(false);
                };
                let text = value_text(value);
                let Some(caps) = regex.captures(&text) else {
                    return Ok(false);
                };
                for group in regex.capture_names().flatten() {
                    let v = caps
                        .name(group)
                        .map_or(Value::Null, |m| Value::String(m.as_str().to_owned()));
                    self.state.variables.insert(group.to_owned(), v);
                }
                Ok(true)
            }
            CaseTest::Expr(script) => match self.eval(name, script)? {
                Value::Bool(b) => Ok(b),
                other => Err(StepError::Script {
                    block: name.to_owned(),
                    message: format!(
                        "a branch `expr` must give true or false, but it gave {} ({other})",
                        type_word(&other)
                    ),
                }),
            },
        }
    }
}
