//! Call reports: each call with the agent's declared output variables as its dialog holds them
//! now (Neuro.net statistics, report exports).
//!
//! A report row is one call attempt; its outputs are the dialog's current values, so every
//! attempt of one dialog shows the same outputs (the last conversation's).
//!
//! Whole reports (a campaign's, a dialog's, is74's analytics) are read through the call search
//! store in one query ([`CallQuery`] with the dialogs' variables), not page by page: with
//! 100,000 calls, offset paging and reading each page's dialogs again cost seconds.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde_json::Value;

use super::CampaignService;
use crate::agent::OutputVariable;
use crate::auth::Principal;
use crate::call::search::{CallQuery, Condition, SearchColumn, SearchValue};
use crate::call::{Call, CallFilter};
use crate::dialog::Dialog;
use crate::error::Result;
use crate::ids::{AgentId, CampaignId, CompanyId, DialogId, Ref};
use crate::values::{Page, Paged};

/// One call with what its dialog reports (the call carries the dialog's result when it ended).
#[derive(Debug, Clone, PartialEq)]
pub struct CallReport {
    /// The call attempt.
    pub call: Call,
    /// The agent's declared output variables in declaration order, each with the dialog's
    /// value (`null` when the dialog never set it).
    pub outputs: Vec<(String, Value)>,
}

/// Dialogs read per query when reports gather their calls' dialogs.
const DIALOGS_PER_READ: usize = 1000;

impl CampaignService {
    /// Reports of the calls matching `filter`, oldest first.
    pub async fn call_reports(
        &self,
        who: &Principal,
        filter: &CallFilter,
        page: Page,
    ) -> Result<Paged<CallReport>> {
        let calls = self.campaigns.calls(who.company_id, filter, page).await?;
        Ok(Paged {
            items: self.reports(who.company_id, calls.items).await?,
            total: calls.total,
        })
    }

    /// Reports of every call matching `filter` and every condition of `narrowing`, oldest
    /// first (is74 analytics reports, which narrow by their columns' filters in the database
    /// and check each value afterwards).
    pub async fn all_call_reports(
        &self,
        who: &Principal,
        filter: &CallFilter,
        narrowing: &[Condition],
    ) -> Result<Vec<CallReport>> {
        self.all_reports(who.company_id, filter, narrowing).await
    }

    /// Reports of every call of a dialog, oldest first (empty before its first call).
    pub async fn dialog_reports(
        &self,
        who: &Principal,
        dialog: Ref<DialogId>,
    ) -> Result<Vec<CallReport>> {
        let dialog = self.store.dialog(who.company_id, dialog).await?;
        let filter = CallFilter {
            dialog_id: Some(dialog.id),
            ..CallFilter::default()
        };
        self.all_reports(who.company_id, &filter, &[]).await
    }

    /// Reports of every call of a campaign's dialogs, oldest first.
    pub async fn campaign_reports(
        &self,
        who: &Principal,
        campaign: Ref<CampaignId>,
    ) -> Result<Vec<CallReport>> {
        let campaign = self.campaigns.campaign(who.company_id, campaign).await?;
        let filter = CallFilter {
            campaign_id: Some(campaign.id),
            ..CallFilter::default()
        };
        self.all_reports(who.company_id, &filter, &[]).await
    }

    /// Reports of every call matching `filter`, oldest first (by start, then id, as
    /// [`Self::call_reports`] pages them), read in one store query with each dialog's variables.
    async fn all_reports(
        &self,
        company: CompanyId,
        filter: &CallFilter,
        narrowing: &[Condition],
    ) -> Result<Vec<CallReport>> {
        let mut conditions = narrowing.to_vec();
        let int = |column, id: i64| Condition::In(column, vec![SearchValue::Int(id)]);
        if let Some(agent) = filter.agent_id {
            conditions.push(int(SearchColumn::AgentId, agent.0));
        }
        if let Some(campaign) = filter.campaign_id {
            conditions.push(int(SearchColumn::CampaignId, campaign.0));
        }
        if let Some(dialog) = filter.dialog_id {
            conditions.push(int(SearchColumn::DialogId, dialog.0));
        }
        if filter.started_from.is_some() {
            conditions.push(Condition::Between(
                SearchColumn::StartedAt,
                filter.started_from,
                None,
            ));
        }
        if let Some(before) = filter.started_to {
            conditions.push(Condition::Before(SearchColumn::StartedAt, before));
        }
        let query = CallQuery {
            conditions,
            sort: SearchColumn::StartedAt,
            descending: false,
            offset: 0,
            limit: u64::MAX,
            sessions: false,
            transcripts: true,
            variables: true,
        };
        let found = self.store.search_calls(company, &query).await?;
        let mut outputs: HashMap<AgentId, Vec<OutputVariable>> = HashMap::new();
        let mut reports = Vec::with_capacity(found.items.len());
        for record in found.items {
            let agent = record.call.agent_id;
            if let Entry::Vacant(slot) = outputs.entry(agent) {
                slot.insert(self.store.output_variables(company, agent).await?);
            }
            let declared = outputs.get(&agent).map_or(&[][..], Vec::as_slice);
            let variables = record.variables.unwrap_or_default();
            reports.push(CallReport {
                outputs: output_values(declared, &variables),
                call: record.call,
            });
        }
        Ok(reports)
    }

    /// Each call with its dialog (read a thousand at a time) and its agent's outputs (once per
    /// agent).
    async fn reports(&self, company: CompanyId, calls: Vec<Call>) -> Result<Vec<CallReport>> {
        let mut outputs: HashMap<AgentId, Vec<OutputVariable>> = HashMap::new();
        let mut dialogs: HashMap<DialogId, Dialog> = HashMap::new();
        let mut wanted: Vec<DialogId> = calls.iter().map(|c| c.dialog_id).collect();
        wanted.sort_unstable();
        wanted.dedup();
        for ids in wanted.chunks(DIALOGS_PER_READ) {
            for dialog in self.store.dialogs_by_id(company, ids).await? {
                dialogs.insert(dialog.id, dialog);
            }
        }
        let mut reports = Vec::with_capacity(calls.len());
        for call in calls {
            if let Entry::Vacant(slot) = outputs.entry(call.agent_id) {
                slot.insert(self.store.output_variables(company, call.agent_id).await?);
            }
            let (Some(declared), Some(dialog)) =
                (outputs.get(&call.agent_id), dialogs.get(&call.dialog_id))
            else {
                continue;
            };
            reports.push(CallReport {
                outputs: output_values(declared, dialog.state.variables()),
                call,
            });
        }
        Ok(reports)
    }
}

/// The `declared` outputs in order, each with its value in `variables` (`null` when unset).
fn output_values(
    declared: &[OutputVariable],
    variables: &serde_json::Map<String, Value>,
) -> Vec<(String, Value)> {
    declared
        .iter()
        .map(|v| {
            let value = variables.get(&v.name).cloned().unwrap_or(Value::Null);
            (v.name.clone(), value)
        })
        .collect()
}
