//! Parsing scenario documents into domain errors, and a cache of parsed scenarios per agent version.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use parley_scenario::Scenario;

use crate::error::{Detail, Error, Result};
use crate::ids::{AgentId, CompanyId};
use crate::ports::Store;

/// Parses and validates a scenario; an invalid one is `InvalidInput` with every diagnostic as a detail.
pub fn parse_scenario(source: &str) -> Result<Scenario> {
    parley_scenario::parse(source).map_err(|diagnostics| {
        let first = diagnostics
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        let more = match diagnostics.len() {
            0 | 1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        let details = diagnostics.into_iter().map(|d| Detail {
            message: d.message,
            field: None,
            line: Some(d.line),
            column: Some(d.column),
            hint: d.hint,
        });
        Error::invalid(format!("the scenario is invalid: {first}{more}")).with_details(details)
    })
}

/// Parsed scenarios keyed by agent and version. Versions are immutable, so entries never go stale.
#[derive(Debug, Default)]
pub struct ScenarioCache {
    parsed: RwLock<HashMap<(AgentId, i64), Arc<Scenario>>>,
}

impl ScenarioCache {
    /// The parsed scenario of `agent` at `version`, loading it from the store on first use.
    pub async fn get(
        &self,
        store: &dyn Store,
        company: CompanyId,
        agent: AgentId,
        version: i64,
    ) -> Result<Arc<Scenario>> {
        if let Some(found) = self
            .parsed
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(agent, version))
        {
            return Ok(Arc::clone(found));
        }
        let source = store.scenario_source(company, agent, version).await?;
        let scenario = Arc::new(parse_scenario(&source).map_err(|e| {
            Error::internal(
                format!("stored scenario of agent {agent} v{version} no longer parses"),
                e,
            )
        })?);
        self.parsed
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert((agent, version), Arc::clone(&scenario));
        Ok(scenario)
    }
}
