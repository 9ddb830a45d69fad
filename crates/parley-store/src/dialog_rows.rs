//! Rows of dialogs, messages and answers, and their conversion (JSON columns included) to and
//! from the domain's types; shared by both backends.

use parley_domain::Result;
use parley_domain::dialog::{Answer, Button, Dialog, DialogStatus, Message, Sender};
use parley_domain::ids::{AgentId, CompanyId, DialogId, MessageId, UserId, Uuid};
use parley_domain::values::Channel;
use serde_json::{Map, Value, json};

use crate::errors::corrupt;
use crate::time::Ts;

macro_rules! dialog_cols {
    () => {
        "id, uuid, company_id, agent_id, scenario_version, channel, status, entry, inputs, state, result, \
         operator_id, source, ip, location, error, version, created_at, updated_at, ended_at"
    };
}
pub(crate) use dialog_cols;

macro_rules! message_cols {
    () => {
        "id, uuid, dialog_id, sender, text, buttons, button_id, operator_id, created_at"
    };
}
pub(crate) use message_cols;

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct DialogRow {
    pub(crate) id: i64,
    uuid: Uuid,
    company_id: i64,
    agent_id: i64,
    scenario_version: i64,
    channel: String,
    status: String,
    entry: String,
    inputs: String,
    state: String,
    result: Option<String>,
    operator_id: Option<i64>,
    source: String,
    ip: Option<String>,
    location: Option<String>,
    error: Option<String>,
    version: i64,
    created_at: Ts,
    updated_at: Ts,
    ended_at: Option<Ts>,
}

impl DialogRow {
    pub(crate) fn into_dialog(self) -> Result<Dialog> {
        const CONTEXT: &str = "reading a dialog row";
        Ok(Dialog {
            id: DialogId(self.id),
            uuid: self.uuid,
            company_id: CompanyId(self.company_id),
            agent_id: AgentId(self.agent_id),
            scenario_version: self.scenario_version,
            channel: Channel::parse(&self.channel).map_err(|e| corrupt(CONTEXT, e))?,
            status: DialogStatus::parse(&self.status).map_err(|e| corrupt(CONTEXT, e))?,
            entry: self.entry,
            inputs: serde_json::from_str(&self.inputs)
                .map_err(|e| corrupt("reading a dialog's inputs", e))?,
            state: serde_json::from_str(&self.state)
                .map_err(|e| corrupt("reading a dialog's state", e))?,
            result: self.result,
            operator_id: self.operator_id.map(UserId),
            source: self.source,
            ip: self.ip,
            location: self.location,
            error: self.error,
            version: self.version,
            created_at: self.created_at.into(),
            updated_at: self.updated_at.into(),
            ended_at: self.ended_at.map(Into::into),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    id: i64,
    uuid: Uuid,
    dialog_id: i64,
    sender: String,
    text: String,
    buttons: Option<String>,
    button_id: Option<String>,
    operator_id: Option<i64>,
    created_at: Ts,
}

impl MessageRow {
    pub(crate) fn into_message(self) -> Result<Message> {
        Ok(Message {
            id: MessageId(self.id),
            uuid: self.uuid,
            dialog_id: DialogId(self.dialog_id),
            sender: Sender::parse(&self.sender)
                .map_err(|e| corrupt("reading a message's sender", e))?,
            text: self.text,
            buttons: self
                .buttons
                .as_deref()
                .map(buttons_from_json)
                .transpose()?
                .unwrap_or_default(),
            button_id: self.button_id,
            operator_id: self.operator_id.map(UserId),
            created_at: self.created_at.into(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AnswerRow {
    variable: String,
    question: String,
    kind: String,
    answer: String,
    deleted: bool,
    created_at: Ts,
}

impl AnswerRow {
    pub(crate) fn into_answer(self) -> Result<Answer> {
        Ok(Answer {
            variable: self.variable,
            question: self.question,
            kind: self.kind,
            answer: serde_json::from_str(&self.answer)
                .map_err(|e| corrupt("reading an answer's value", e))?,
            deleted: self.deleted,
            created_at: self.created_at.into(),
        })
    }
}

/// Buttons as a JSON array of `{"id", "text"}`; `None` (SQL NULL) when there are none.
pub(crate) fn buttons_to_json(buttons: &[Button]) -> Option<String> {
    if buttons.is_empty() {
        return None;
    }
    let items = buttons
        .iter()
        .map(|b| json!({ "id": b.id, "text": b.text }))
        .collect();
    Some(Value::Array(items).to_string())
}

fn buttons_from_json(text: &str) -> Result<Vec<Button>> {
    let bad = |why: &str| corrupt("reading a message's buttons", why.to_owned());
    let items: Vec<Map<String, Value>> =
        serde_json::from_str(text).map_err(|e| corrupt("reading a message's buttons", e))?;
    items
        .into_iter()
        .map(|item| {
            let field = |name: &str| item.get(name).and_then(Value::as_str).map(str::to_owned);
            Ok(Button {
                id: field("id").ok_or_else(|| bad("a button has no id"))?,
                text: field("text").ok_or_else(|| bad("a button has no text"))?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buttons_round_trip_and_none_is_null() {
        assert_eq!(buttons_to_json(&[]), None);
        let buttons = vec![
            Button {
                id: "yes".into(),
                text: "Да, конечно".into(),
            },
            Button {
                id: "no".into(),
                text: "Нет \"спасибо\"".into(),
            },
        ];
        let json = buttons_to_json(&buttons).unwrap();
        assert_eq!(buttons_from_json(&json).unwrap(), buttons);
        assert!(buttons_from_json(r#"[{"id": "x"}]"#).is_err());
    }
}
