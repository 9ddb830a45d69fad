//! Agents: creating bots from scenario documents, settings, declared variables and time slots.

use std::sync::Arc;

use crate::agent::{
    Agent, AgentSettings, Credential, InputVariable, NewAgent, OutputKind, OutputVariable, TimeSlot,
};
use crate::auth::Principal;
use crate::error::{Error, ErrorKind, Result};
use crate::ids::{AgentId, CompanyId, Ref, Uuid};
use crate::ports::Store;
use crate::scenarios::parse_scenario;
use crate::values::{Channel, LocalTime, Weekday};

mod by_uuid;

/// Agents of a company.
pub struct AgentService {
    store: Arc<dyn Store>,
}

impl std::fmt::Debug for AgentService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentService").finish_non_exhaustive()
    }
}

impl AgentService {
    /// Over a store.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// Creates an agent from a scenario document. Settings start from defaults named after the
    /// scenario unless `settings` is given; the scenario's inputs and outputs become the agent's
    /// declared variables.
    pub async fn create(
        &self,
        who: &Principal,
        channel: Channel,
        source: &str,
        settings: Option<AgentSettings>,
    ) -> Result<Agent> {
        self.create_with(who, channel, source, |defaults| {
            if let Some(settings) = settings {
                *defaults = settings;
            }
            Ok(())
        })
        .await
    }

    /// Creates an agent from a scenario document, changing the defaults (named after the
    /// scenario) through `change` before they are validated: for faces that take partial settings.
    pub async fn create_with(
        &self,
        who: &Principal,
        channel: Channel,
        source: &str,
        change: impl FnOnce(&mut AgentSettings) -> Result<()>,
    ) -> Result<Agent> {
        who.require_write()?;
        let scenario = parse_scenario(source)?;
        let mut settings = AgentSettings::named(scenario.name());
        if let Some(language) = scenario.language() {
            settings.language = language.to_owned();
        }
        if let Some(description) = scenario.description() {
            settings.description = description.to_owned();
        }
        change(&mut settings)?;
        settings.validate()?;
        let agent = self
            .store
            .create_agent(
                who.company_id,
                NewAgent {
                    channel,
                    settings,
                    scenario_source: source.to_owned(),
                },
            )
            .await?;
        self.declare_variables(who.company_id, agent.id, &scenario)
            .await?;
        Ok(agent)
    }

    /// Uploads a new scenario version; dialogs already running finish on the version they started with.
    pub async fn upload_scenario(
        &self,
        who: &Principal,
        agent: Ref<AgentId>,
        source: &str,
    ) -> Result<Agent> {
        who.require_write()?;
        let scenario = parse_scenario(source)?;
        let agent = self.store.agent(who.company_id, agent).await?;
        let agent = self
            .store
            .add_scenario_version(who.company_id, agent.id, source)
            .await?;
        self.declare_variables(who.company_id, agent.id, &scenario)
            .await?;
        Ok(agent)
    }

    /// Adds the scenario's inputs and outputs that the agent does not declare yet; keeps the rest.
    async fn declare_variables(
        &self,
        company: CompanyId,
        agent: AgentId,
        scenario: &parley_scenario::Scenario,
    ) -> Result<()> {
        let inputs = self.store.input_variables(company, agent).await?;
        for input in scenario.inputs() {
            if !inputs.iter().any(|known| known.name == input.name) {
                self.store
                    .create_input_variable(company, agent, &input.name, input.synthesis)
                    .await?;
            }
        }
        let outputs = self.store.output_variables(company, agent).await?;
        for output in scenario.outputs() {
            if !outputs.iter().any(|known| known.name == output.name) {
                self.store
                    .create_output_variable(
                        company,
                        agent,
                        &output.name,
                        output.kind.into(),
                        output.cell,
                    )
                    .await?;
            }
        }
        Ok(())
    }

    /// One agent.
    pub async fn get(&self, who: &Principal, agent: Ref<AgentId>) -> Result<Agent> {
        self.store.agent(who.company_id, agent).await
    }

    /// All agents of the caller's company.
    pub async fn list(&self, who: &Principal) -> Result<Vec<Agent>> {
        self.store.agents(who.company_id).await
    }

    /// The current scenario document of an agent.
    pub async fn scenario_source(&self, who: &Principal, agent: Ref<AgentId>) -> Result<String> {
        let agent = self.store.agent(who.company_id, agent).await?;
        self.store
            .scenario_source(who.company_id, agent.id, agent.scenario_version)
            .await
    }

    /// Changes settings through `change`, validating the result.
    pub async fn update_settings(
        &self,
        who: &Principal,
        agent: Ref<AgentId>,
        change: impl FnOnce(&mut AgentSettings) -> Result<()>,
    ) -> Result<Agent> {
        who.require_write()?;
        let agent = self.store.agent(who.company_id, agent).await?;
        let mut settings = agent.settings.clone();
        change(&mut settings)?;
        settings.validate()?;
        self.store
            .update_agent_settings(who.company_id, agent.id, &settings)
            .await
    }

    /// Declared input variables.
    pub async fn input_variables(
        &self,
        who: &Principal,
        agent: Ref<AgentId>,
    ) -> Result<Vec<InputVariable>> {
        let agent = self.store.agent(who.company_id, agent).await?;
        self.store.input_variables(who.company_id, agent.id).await
    }

    /// Declares input variables; names already declared are skipped and returned second.
    pub async fn add_input_variables(
        &self,
        who: &Principal,
        agent: Ref<AgentId>,
        variables: &[(String, bool)],
    ) -> Result<(Vec<InputVariable>, Vec<String>)> {
        who.require_write()?;
        let agent = self.store.agent(who.company_id, agent).await?;
        let mut created = Vec::new();
        let mut skipped = Vec::new();
        for (name, synthesis) in variables {
            validate_variable_name(name)?;
            match self
                .store
                .create_input_variable(who.company_id, agent.id, name.trim(), *synthesis)
                .await
            {
                Ok(variable) => created.push(variable),
                Err(e) if e.kind() == ErrorKind::Conflict => skipped.push(name.clone()),
                Err(e) => return Err(e),
            }
        }
        Ok((created, skipped))
    }

    /// Renames or re-flags an input variable.
    pub async fn update_input_variable(
        &self,
        who: &Principal,
        uuid: Uuid,
        name: &str,
        synthesis: bool,
    ) -> Result<InputVariable> {
        who.require_write()?;
        validate_variable_name(name)?;
        self.store
            .update_input_variable(who.company_id, uuid, name.trim(), synthesis)
            .await
    }

    /// Removes an input variable.
    pub async fn delete_input_variable(&self, who: &Principal, uuid: Uuid) -> Result<()> {
        who.require_write()?;
        self.store.delete_input_variable(who.company_id, uuid).await
    }

    /// Declared output variables.
    pub async fn output_variables(
        &self,
        who: &Principal,
        agent: Ref<AgentId>,
    ) -> Result<Vec<OutputVariable>> {
        let agent = self.store.agent(who.company_id, agent).await?;
        self.store.output_variables(who.company_id, agent.id).await
    }

    /// Declares output variables; names already declared are skipped and returned second.
    pub async fn add_output_variables(
        &self,
        who: &Principal,
        agent: Ref<AgentId>,
        variables: &[(String, OutputKind, Option<u32>)],
    ) -> Result<(Vec<OutputVariable>, Vec<String>)> {
        who.require_write()?;
        let agent = self.store.agent(who.company_id, agent).await?;
        let mut created = Vec::new();
        let mut skipped = Vec::new();
        for (name, kind, cell) in variables {
            validate_variable_name(name)?;
            match self
                .store
                .create_output_variable(who.company_id, agent.id, name.trim(), *kind, *cell)
                .await
            {
                Ok(variable) => created.push(variable),
                Err(e) if e.kind() == ErrorKind::Conflict => skipped.push(name.clone()),
                Err(e) => return Err(e),
            }
        }
        Ok((created, skipped))
    }

    /// Changes an output variable.
    pub async fn update_output_variable(
        &self,
        who: &Principal,
        uuid: Uuid,
        name: &str,
        kind: OutputKind,
        cell: Option<u32>,
    ) -> Result<OutputVariable> {
        who.require_write()?;
        validate_variable_name(name)?;
        self.store
            .update_output_variable(who.company_id, uuid, name.trim(), kind, cell)
            .await
    }

    /// Removes an output variable.
    pub async fn delete_output_variable(&self, who: &Principal, uuid: Uuid) -> Result<()> {
        who.require_write()?;
        self.store
            .delete_output_variable(who.company_id, uuid)
            .await
    }

    /// Call-time slots.
    pub async fn time_slots(&self, who: &Principal, agent: Ref<AgentId>) -> Result<Vec<TimeSlot>> {
        let agent = self.store.agent(who.company_id, agent).await?;
        self.store.time_slots(who.company_id, agent.id).await
    }

    /// Adds a call-time slot; `not_after` must be later than `not_before` on the same day.
    pub async fn add_time_slot(
        &self,
        who: &Principal,
        agent: Ref<AgentId>,
        day: Weekday,
        not_before: LocalTime,
        not_after: LocalTime,
    ) -> Result<TimeSlot> {
        who.require_write()?;
        validate_slot(not_before, not_after)?;
        let agent = self.store.agent(who.company_id, agent).await?;
        self.store
            .create_time_slot(who.company_id, agent.id, day, not_before, not_after)
            .await
    }

    /// Changes a call-time slot.
    pub async fn update_time_slot(&self, who: &Principal, slot: &TimeSlot) -> Result<TimeSlot> {
        who.require_write()?;
        validate_slot(slot.not_before, slot.not_after)?;
        self.store.update_time_slot(who.company_id, slot).await
    }

    /// Removes a call-time slot.
    pub async fn delete_time_slot(&self, who: &Principal, uuid: Uuid) -> Result<()> {
        who.require_write()?;
        self.store.delete_time_slot(who.company_id, uuid).await
    }

    /// Speech-service keys of an agent, optionally of one type (`asr`, `tts`).
    pub async fn credentials(
        &self,
        who: &Principal,
        agent: Ref<AgentId>,
        key_type: Option<&str>,
    ) -> Result<Vec<Credential>> {
        who.require_write()?;
        let agent = self.store.agent(who.company_id, agent).await?;
        self.store
            .credentials_of(who.company_id, agent.id, key_type)
            .await
    }

    /// Adds a speech-service key.
    pub async fn add_credential(
        &self,
        who: &Principal,
        agent: Ref<AgentId>,
        credential: &Credential,
    ) -> Result<Credential> {
        who.require_write()?;
        let agent = self.store.agent(who.company_id, agent).await?;
        self.store
            .create_credential(who.company_id, agent.id, credential)
            .await
    }

    /// Changes a speech-service key.
    pub async fn update_credential(
        &self,
        who: &Principal,
        credential: &Credential,
    ) -> Result<Credential> {
        who.require_write()?;
        self.store
            .update_credential(who.company_id, credential)
            .await
    }
}

fn validate_variable_name(name: &str) -> Result<()> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 129 {
        return Err(Error::invalid("variable name must be 1–129 characters"));
    }
    Ok(())
}

fn validate_slot(not_before: LocalTime, not_after: LocalTime) -> Result<()> {
    if not_after <= not_before {
        return Err(Error::invalid(format!(
            "not_after ({not_after}) must be later than not_before ({not_before}); add a second slot on the next day for a window past midnight"
        )));
    }
    Ok(())
}
