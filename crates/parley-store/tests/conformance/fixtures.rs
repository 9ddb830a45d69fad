//! Small builders shared by the conformance cases.

use std::fmt::Debug;

use chrono::Duration;
use parley_domain::agent::{Agent, AgentSettings, NewAgent};
use parley_domain::dialog::NewAnswer;
use parley_domain::dialog::{Dialog, NewDialog};
use parley_domain::directory::{Company, NewUser, User};
use parley_domain::ids::{CompanyId, Uuid};
use parley_domain::ports::{AgentStore, DialogStore, DirectoryStore};
use parley_domain::values::{Channel, Email, Role};
use parley_domain::{ErrorKind, Result};
use parley_scenario::DialogState;
use serde_json::{Value, json};

use super::harness::Ctx;

/// A scenario source; the store keeps it verbatim and never parses it.
pub const SCENARIO: &str =
    "version: parley.scenario/v1\nblocks:\n  - id: 1\n    say: Здравствуйте!\n";

/// The kind of the error `result` must be.
#[track_caller]
pub fn error_kind<T: Debug>(result: Result<T>) -> ErrorKind {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(err) => err.kind(),
    }
}

/// Asserts `result` is `NotFound`.
#[track_caller]
pub fn assert_not_found<T: Debug>(result: Result<T>) {
    assert_eq!(error_kind(result), ErrorKind::NotFound);
}

/// Asserts a UUID is a version 7 one, as the store must create.
#[track_caller]
pub fn assert_v7(uuid: Uuid) {
    assert_eq!(uuid.get_version_num(), 7, "{uuid} is not a v7 UUID");
}

/// Moves the clock forward.
pub fn tick(t: &Ctx, millis: i64) {
    t.clock.advance(Duration::milliseconds(millis));
}

pub async fn company(t: &Ctx, name: &str) -> Company {
    t.store
        .create_company(name)
        .await
        .expect("create a company")
}

pub fn new_user(email: &str) -> NewUser {
    NewUser {
        email: Email::parse(email).expect("a valid e-mail"),
        name: format!("User {email}"),
        role: Role::Admin,
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$salt${email}"),
    }
}

pub async fn user(t: &Ctx, company: CompanyId, email: &str) -> User {
    t.store
        .create_user(company, new_user(email))
        .await
        .expect("create a user")
}

pub fn new_agent(name: &str, channel: Channel) -> NewAgent {
    NewAgent {
        channel,
        settings: AgentSettings::named(name),
        scenario_source: SCENARIO.to_owned(),
    }
}

pub async fn agent(t: &Ctx, company: CompanyId, name: &str) -> Agent {
    t.store
        .create_agent(company, new_agent(name, Channel::Chat))
        .await
        .expect("create an agent")
}

pub fn new_dialog(agent: &Agent) -> NewDialog {
    let inputs = json!({"имя": "Анна", "долг": 1500.5, "vip": true});
    NewDialog {
        agent_id: agent.id,
        scenario_version: agent.scenario_version,
        channel: agent.channel,
        entry: "main".to_owned(),
        inputs: inputs.as_object().cloned().unwrap_or_default(),
        source: "api".to_owned(),
        ip: Some("203.0.113.7".to_owned()),
        location: Some("Екатеринбург".to_owned()),
    }
}

pub async fn dialog(t: &Ctx, agent: &Agent) -> Dialog {
    t.store
        .create_dialog(agent.company_id, new_dialog(agent))
        .await
        .expect("create a dialog")
}

/// A company with one agent, the usual starting point.
pub async fn company_with_agent(t: &Ctx, name: &str) -> (Company, Agent) {
    let company = company(t, name).await;
    let agent = agent(t, company.id, &format!("{name} bot")).await;
    (company, agent)
}

/// Saves an empty turn that only moves `dialog` to `status`; returns the saved dialog.
pub async fn set_status(
    t: &Ctx,
    dialog: &Dialog,
    status: parley_domain::dialog::DialogStatus,
) -> Dialog {
    let mut update = parley_domain::dialog::DialogUpdate::from_dialog(dialog);
    update.status = status;
    let (saved, _) = t
        .store
        .save_turn(
            dialog.company_id,
            dialog.id,
            dialog.version,
            &update,
            &[],
            &[],
        )
        .await
        .expect("save a turn");
    saved
}

pub fn state(value: Value) -> DialogState {
    serde_json::from_value(value).expect("a dialog state")
}

pub fn answer(variable: &str, kind: &str, value: Value) -> NewAnswer {
    NewAnswer {
        variable: variable.into(),
        question: format!("Вопрос про {variable}?"),
        kind: kind.into(),
        answer: value,
    }
}
