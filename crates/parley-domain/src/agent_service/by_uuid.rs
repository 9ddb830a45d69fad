//! Agent children found by their own UUID (variables, keys), for faces whose vendors address
//! them without naming the agent, and bulk removal that reports what was not there.

use super::AgentService;
use crate::agent::{Agent, Credential, InputVariable, OutputVariable};
use crate::auth::Principal;
use crate::error::{Error, Result};
use crate::ids::{AgentId, CompanyId, Ref, Uuid};

impl AgentService {
    /// An input variable by UUID, with the UUID of the agent that declares it.
    pub async fn input_variable(
        &self,
        who: &Principal,
        uuid: Uuid,
    ) -> Result<(Uuid, InputVariable)> {
        let found = {
            let mut found = Vec::new();
            for agent in self.agents_in(who.company_id, None).await? {
                let items = self.store.input_variables(who.company_id, agent.id).await?;
                found.push((agent.uuid, items));
            }
            found
        };
        take_one(&found, |v: &InputVariable| v.uuid == uuid)
            .ok_or_else(|| Error::not_found("input variable", uuid))
    }

    /// An output variable by UUID, with the UUID of the agent that declares it.
    pub async fn output_variable(
        &self,
        who: &Principal,
        uuid: Uuid,
    ) -> Result<(Uuid, OutputVariable)> {
        let found = {
            let mut found = Vec::new();
            for agent in self.agents_in(who.company_id, None).await? {
                let items = self
                    .store
                    .output_variables(who.company_id, agent.id)
                    .await?;
                found.push((agent.uuid, items));
            }
            found
        };
        take_one(&found, |v: &OutputVariable| v.uuid == uuid)
            .ok_or_else(|| Error::not_found("output variable", uuid))
    }

    /// Removes input variables (of `agent` when given, else of any agent of the company).
    /// Returns the removed ones with their agent's UUID, then the UUIDs that were not found.
    pub async fn delete_input_variables(
        &self,
        who: &Principal,
        agent: Option<Ref<AgentId>>,
        uuids: &[Uuid],
    ) -> Result<(Vec<(Uuid, InputVariable)>, Vec<Uuid>)> {
        who.require_write()?;
        let known = {
            let mut found = Vec::new();
            for agent in self.agents_in(who.company_id, agent).await? {
                let items = self.store.input_variables(who.company_id, agent.id).await?;
                found.push((agent.uuid, items));
            }
            found
        };
        let mut deleted = Vec::new();
        let mut skipped = Vec::new();
        for &uuid in uuids {
            match take_one(&known, |v: &InputVariable| v.uuid == uuid) {
                Some(found) if !deleted.contains(&found) => {
                    self.store
                        .delete_input_variable(who.company_id, uuid)
                        .await?;
                    deleted.push(found);
                }
                _ => skipped.push(uuid),
            }
        }
        Ok((deleted, skipped))
    }

    /// Removes output variables (of `agent` when given, else of any agent of the company).
    /// Returns the removed ones with their agent's UUID, then the UUIDs that were not found.
    pub async fn delete_output_variables(
        &self,
        who: &Principal,
        agent: Option<Ref<AgentId>>,
        uuids: &[Uuid],
    ) -> Result<(Vec<(Uuid, OutputVariable)>, Vec<Uuid>)> {
        who.require_write()?;
        let known = {
            let mut found = Vec::new();
            for agent in self.agents_in(who.company_id, agent).await? {
                let items = self
                    .store
                    .output_variables(who.company_id, agent.id)
                    .await?;
                found.push((agent.uuid, items));
            }
            found
        };
        let mut deleted = Vec::new();
        let mut skipped = Vec::new();
        for &uuid in uuids {
            match take_one(&known, |v: &OutputVariable| v.uuid == uuid) {
                Some(found) if !deleted.contains(&found) => {
                    self.store
                        .delete_output_variable(who.company_id, uuid)
                        .await?;
                    deleted.push(found);
                }
                _ => skipped.push(uuid),
            }
        }
        Ok((deleted, skipped))
    }

    /// A speech-service key by UUID, with the UUID of its agent.
    pub async fn credential(&self, who: &Principal, uuid: Uuid) -> Result<(Uuid, Credential)> {
        who.require_write()?;
        let found = {
            let mut found = Vec::new();
            for agent in self.agents_in(who.company_id, None).await? {
                let items = self
                    .store
                    .credentials_of(who.company_id, agent.id, None)
                    .await?;
                found.push((agent.uuid, items));
            }
            found
        };
        take_one(&found, |c: &Credential| c.uuid == uuid)
            .ok_or_else(|| Error::not_found("credential", uuid))
    }

    /// `agent`, or every agent of the company when `None`: lookups by a child's UUID go
    /// through the agents, as the store keys children by agent (a company has few agents).
    async fn agents_in(
        &self,
        company: CompanyId,
        agent: Option<Ref<AgentId>>,
    ) -> Result<Vec<Agent>> {
        match agent {
            Some(agent) => Ok(vec![self.store.agent(company, agent).await?]),
            None => self.store.agents(company).await,
        }
    }
}

/// The first item matching `wanted`, with its agent's UUID.
fn take_one<T: Clone>(
    per_agent: &[(Uuid, Vec<T>)],
    wanted: impl Fn(&T) -> bool,
) -> Option<(Uuid, T)> {
    per_agent.iter().find_map(|(agent, items)| {
        items
            .iter()
            .find(|item| wanted(item))
            .map(|item| (*agent, item.clone()))
    })
}
