//! Conversation tests embedded in a scenario (`tests:`), and the runner behind `parley bot test`.

use chrono::{DateTime, Duration, Utc};

use crate::{
    Action, DialogState, Event, EventKind, Scenario, Status, StepError, Value, Variables, step,
};

/// One conversation test from the scenario's `tests:` section.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationTest {
    pub name: String,
    /// The line of the test in the scenario file.
    pub line: usize,
    pub(crate) entry: Option<String>,
    pub(crate) variables: Variables,
    pub(crate) at: Option<DateTime<Utc>>,
    pub(crate) steps: Vec<TestStep>,
}

/// One step of a conversation test, with its line in the scenario file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TestStep {
    pub line: usize,
    pub kind: StepKind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum StepKind {
    /// The bot's next message must match.
    Bot(BotCheck),
    /// Send an event to the dialog.
    Send(EventKind),
    /// Check the dialog after the last event.
    Expect(Box<Expectation>),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct BotCheck {
    pub text: Option<String>,
    pub contains: Option<String>,
    pub buttons: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Expectation {
    pub status: Option<Status>,
    pub result: Option<Option<String>>,
    pub variables: Variables,
    pub block: Option<String>,
    pub transfer: Option<bool>,
    pub goto: Option<String>,
    pub request: Option<RequestCheck>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct RequestCheck {
    pub method: Option<String>,
    pub url: Option<String>,
    pub body: Option<Value>,
}

/// The result of one conversation test.
#[derive(Debug, Clone, PartialEq)]
pub struct TestOutcome {
    pub name: String,
    pub passed: bool,
    /// What went wrong, each mentioning the step number and the scenario line.
    pub failures: Vec<String>,
}

/// The time a test runs at unless it sets `at`: Wednesday 15 January 2025, 10:00 UTC.
pub fn default_test_time() -> DateTime<Utc> {
    DateTime::from_timestamp(1_736_935_200, 0).unwrap_or_default()
}

/// Runs every conversation test of the scenario, in order.
pub fn run_tests(scenario: &Scenario) -> Vec<TestOutcome> {
    scenario
        .tests()
        .iter()
        .map(|t| run_test(scenario, t))
        .collect()
}

/// The dialog as a test sees it.
struct Probe<'s> {
    scenario: &'s Scenario,
    state: DialogState,
    at: DateTime<Utc>,
    /// Actions of the last turn not yet matched by `bot` steps.
    pending: std::collections::VecDeque<Action>,
    last: Vec<Action>,
    error: Option<StepError>,
}

impl Probe<'_> {
    fn send(&mut self, kind: EventKind) {
        let result = step(self.scenario, &self.state, Event::new(self.at, kind));
        self.at += Duration::seconds(1);
        match result {
            Ok(turn) => {
                self.state = turn.state;
                self.pending = turn.actions.iter().cloned().collect();
                self.last = turn.actions;
                self.error = None;
            }
            Err(e) => {
                self.pending.clear();
                self.last.clear();
                self.error = Some(e);
            }
        }
    }

    fn next_say(&mut self) -> Option<(String, Vec<String>)> {
        while let Some(action) = self.pending.pop_front() {
            if let Action::Say { text, buttons, .. } = action {
                return Some((text, buttons.into_iter().map(|b| b.id).collect()));
            }
        }
        None
    }
}

fn run_test(scenario: &Scenario, test: &ConversationTest) -> TestOutcome {
    let mut probe = Probe {
        scenario,
        state: DialogState::new(),
        at: test.at.unwrap_or_else(default_test_time),
        pending: Default::default(),
        last: Vec::new(),
        error: None,
    };
    let mut failures = Vec::new();
    probe.send(EventKind::Start {
        entry: test.entry.clone(),
        variables: test.variables.clone(),
    });
    for (index, step) in test.steps.iter().enumerate() {
        let at = format!("step {} (line {})", index + 1, step.line);
        let expects_error = matches!(&step.kind, StepKind::Expect(e) if e.error.is_some());
        if let Some(e) = &probe.error
            && !expects_error
        {
            failures.push(format!("{at}: the engine refused the previous event: {e}"));
            break;
        }
        match &step.kind {
            StepKind::Bot(check) => check_bot(&mut probe, check, &at, &mut failures),
            StepKind::Send(kind) => probe.send(kind.clone()),
            StepKind::Expect(expect) => check_expect(&mut probe, expect, &at, &mut failures),
        }
    }
    if let Some(e) = &probe.error
        && !failures.iter().any(|f| f.contains("the engine refused"))
    {
        failures.push(format!(
            "after the last step: the engine refused the last event: {e}"
        ));
    }
    TestOutcome {
        name: test.name.clone(),
        passed: failures.is_empty(),
        failures,
    }
}

fn check_bot(probe: &mut Probe<'_>, check: &BotCheck, at: &str, failures: &mut Vec<String>) {
    let wanted = match (&check.text, &check.contains) {
        (Some(t), _) => format!("{t:?}"),
        (None, Some(c)) => format!("a message containing {c:?}"),
        (None, None) => "a message".to_owned(),
    };
    let Some((text, buttons)) = probe.next_say() else {
        failures.push(format!(
            "{at}: expected the bot to say {wanted}, but it said nothing more"
        ));
        return;
    };
    if let Some(t) = &check.text
        && *t != text
    {
        failures.push(format!(
            "{at}: expected the bot to say {t:?}, but it said {text:?}"
        ));
    }
    if let Some(c) = &check.contains
        && !text.contains(c.as_str())
    {
        failures.push(format!(
            "{at}: expected the bot's message to contain {c:?}, but it said {text:?}"
        ));
    }
    if let Some(b) = &check.buttons
        && *b != buttons
    {
        failures.push(format!(
            "{at}: expected buttons {b:?}, but the message has {buttons:?}"
        ));
    }
}

fn check_expect(probe: &mut Probe<'_>, e: &Expectation, at: &str, failures: &mut Vec<String>) {
    let mut fail = |msg: String| failures.push(format!("{at}: {msg}"));
    if let Some(wanted) = &e.error {
        match probe.error.take() {
            Some(err) if err.to_string().contains(wanted.as_str()) => {}
            Some(err) => fail(format!(
                "expected an error containing {wanted:?}, got: {err}"
            )),
            None => fail(format!(
                "expected an error containing {wanted:?}, but the event was accepted"
            )),
        }
    }
    let state = &probe.state;
    if let Some(s) = e.status
        && s != state.status()
    {
        fail(format!(
            "expected status {}, but it is {}",
            s.as_str(),
            state.status().as_str()
        ));
    }
    if let Some(r) = &e.result
        && r.as_deref() != state.result()
    {
        fail(format!(
            "expected result {}, but it is {}",
            quoted(r.as_deref()),
            quoted(state.result())
        ));
    }
    if let Some(b) = &e.block
        && Some(b.as_str()) != state.current_block()
    {
        fail(format!(
            "expected the dialog to be at block {b:?}, but it is at {}",
            quoted(state.current_block())
        ));
    }
    for (name, wanted) in &e.variables {
        let actual = state.variables().get(name);
        let matches = actual == Some(wanted) || (wanted.is_null() && actual.is_none());
        if !matches {
            let actual = actual.map_or("unset".to_owned(), Value::to_string);
            fail(format!(
                "expected variable `{name}` to be {wanted}, but it is {actual}"
            ));
        }
    }
    if let Some(t) = e.transfer {
        let happened = probe
            .last
            .iter()
            .any(|a| matches!(a, Action::Transfer { .. }));
        if t != happened {
            let word = if t {
                "a transfer to an operator"
            } else {
                "no transfer"
            };
            fail(format!("expected {word} in the last turn"));
        }
    }
    if let Some(agent) = &e.goto {
        let went = probe.last.iter().find_map(|a| match a {
            Action::GotoAgent { agent, .. } => Some(agent.clone()),
            _ => None,
        });
        if went.as_deref() != Some(agent.as_str()) {
            fail(format!(
                "expected a goto to agent {agent:?}, but there was {}",
                went.map_or("none".to_owned(), |w| format!("one to {w:?}"))
            ));
        }
    }
    if let Some(req) = &e.request {
        check_request(probe, req, &mut fail);
    }
}

/// `"text"`, or `none`.
fn quoted(s: Option<&str>) -> String {
    s.map_or_else(|| "none".to_owned(), |s| format!("{s:?}"))
}

fn check_request(probe: &Probe<'_>, req: &RequestCheck, fail: &mut impl FnMut(String)) {
    let Some(http) = probe.last.iter().find_map(|a| match a {
        Action::Http(r) => Some(r),
        _ => None,
    }) else {
        fail("expected an HTTP request in the last turn, but there was none".to_owned());
        return;
    };
    if let Some(m) = &req.method
        && !m.eq_ignore_ascii_case(&http.method)
    {
        fail(format!("expected HTTP method {m}, got {}", http.method));
    }
    if let Some(u) = &req.url
        && *u != http.url
    {
        fail(format!(
            "expected the request URL {u:?}, got {:?}",
            http.url
        ));
    }
    if let Some(b) = &req.body {
        let actual = http.body.as_deref().map(|s| {
            serde_json::from_str::<Value>(s).unwrap_or_else(|_| Value::String(s.to_owned()))
        });
        if actual.as_ref() != Some(b) {
            fail(format!(
                "expected the request body {b}, got {}",
                actual.unwrap_or(Value::Null)
            ));
        }
    }
}
