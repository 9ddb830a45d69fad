//! The dialer: claims due queue entries, asks the policy whether to dial them, places the calls
//! on the line, and records every attempt with its dialog turn.
//!
//! One [`Dialer`] runs per node. The host's loop calls [`Dialer::recover`] and [`Dialer::claim`]
//! and spawns [`Dialer::place`] for each call to make; everything it decides is in the store, so
//! several nodes can share one PostgreSQL and a node can die at any point: its claims expire, and
//! another node records their attempts as failed (never dials them again for the same attempt).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::broadcast;

use super::conversation::{OnTransfer, OperatorLines, Operators, converse};
use super::{
    Attempt, Channels, Decision, FinishReason, Outcome, PolicyInput, RetryPolicy, Schedule,
    callee_zone, decide,
};
use crate::agent::{Agent, TimeSlot};
use crate::call::{Call, NewCall, Responder, Tariff};
use crate::campaign::{Campaign, Claim, Release};
use crate::error::{Error, Result};
use crate::ids::{AgentId, CampaignId, CompanyId, Ref};
use crate::line::{DialRequest, Dialed, Line};
use crate::ports::{CampaignStore, Clock, Store};
use crate::turn::TurnRunner;
use crate::webhook::{CampaignHooks, Redirect};
use crate::webhook_service::Outbox;

use super::pace::Pace;

mod hooks;

/// How a node dials.
#[derive(Debug, Clone)]
pub struct DialerConfig {
    /// This node's name in leases (unique per running process).
    pub node: String,
    /// How long a claim stays this node's without renewal.
    pub lease: Duration,
    /// At most this many entries claimed at a time.
    pub batch: usize,
    /// What calls cost.
    pub tariff: Tariff,
}

impl DialerConfig {
    /// Defaults for node `node`: 60 s leases, batches of 256, the default tariff.
    pub fn new(node: impl Into<String>) -> Self {
        Self {
            node: node.into(),
            lease: Duration::from_secs(60),
            batch: 256,
            tariff: Tariff::default(),
        }
    }
}

/// Sent after every recorded attempt (tests and the host's progress reporting wait on these).
#[derive(Debug, Clone)]
pub struct CallFinished {
    /// The call as recorded.
    pub call: Call,
    /// Whether the dialog will be called again.
    pub again: bool,
}

/// A node's dialer.
pub struct Dialer {
    store: Arc<dyn Store>,
    campaigns: Arc<dyn CampaignStore>,
    clock: Arc<dyn Clock>,
    line: Arc<dyn Line>,
    runner: Arc<TurnRunner>,
    config: DialerConfig,
    finished: broadcast::Sender<CallFinished>,
    operators: OperatorLines,
    outbox: Arc<Outbox>,
    pace: Pace,
}

impl std::fmt::Debug for Dialer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dialer")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// What the policy needs about a campaign and its agent, loaded once per claim batch.
#[derive(Debug)]
struct Context {
    campaign: Campaign,
    agent: Agent,
    slots: Vec<TimeSlot>,
    hooks: CampaignHooks,
}

/// A claimed attempt the policy said to dial, with the campaign and agent it was decided on
/// (so placing it reads nothing more than its dialog).
#[derive(Debug)]
pub struct Dial {
    claim: Claim,
    context: Arc<Context>,
}

impl Dial {
    /// The claim.
    pub fn claim(&self) -> &Claim {
        &self.claim
    }
}

type Contexts = HashMap<(CompanyId, CampaignId), Arc<Context>>;

impl Dialer {
    pub(crate) fn new(
        store: Arc<dyn Store>,
        campaigns: Arc<dyn CampaignStore>,
        clock: Arc<dyn Clock>,
        line: Arc<dyn Line>,
        runner: Arc<TurnRunner>,
        config: DialerConfig,
        outbox: Arc<Outbox>,
    ) -> Self {
        Self {
            store,
            campaigns,
            clock,
            line,
            runner,
            config,
            finished: broadcast::channel(4096).0,
            operators: OperatorLines::default(),
            outbox,
            pace: Pace::default(),
        }
    }

    /// Every attempt recorded by this node from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<CallFinished> {
        self.finished.subscribe()
    }

    /// This node's configuration.
    pub fn config(&self) -> &DialerConfig {
        &self.config
    }

    /// Records the attempts of claims whose node died (their lease ran out) as failed, and
    /// extends this node's own leases. Returns how many dead claims were closed.
    pub async fn recover(&self) -> Result<usize> {
        let now = self.clock.now();
        let until = now + lease(&self.config);
        self.campaigns
            .renew_leases(&self.config.node, until)
            .await?;
        let dead = self
            .campaigns
            .expired_claims(&self.config.node, now, until, self.config.batch)
            .await?;
        let count = dead.len();
        let mut contexts = Contexts::new();
        for claim in dead {
            let context = self.context(&mut contexts, &claim).await?;
            let attempt = Attempt {
                ended_at: now,
                outcome: Outcome::Failed,
                talk_ms: 0,
            };
            let call = self.unanswered(&claim, Outcome::Failed, now, now);
            let release = self.after_attempt(&context, &claim, attempt);
            self.record(&context, &claim, call, release, None, None)
                .await?;
        }
        Ok(count)
    }

    /// Claims the entries due now and returns those the policy says to dial; the others are
    /// handed back to wait or finished right here.
    pub async fn claim(&self) -> Result<Vec<Dial>> {
        let now = self.clock.now();
        let claims = self
            .campaigns
            .claim_due(
                &self.config.node,
                now,
                now + lease(&self.config),
                self.config.batch,
            )
            .await?;
        let mut contexts = Contexts::new();
        let mut dial = Vec::with_capacity(claims.len());
        let mut paced: HashMap<CampaignId, u32> = HashMap::new();
        for claim in claims {
            let context = self.context(&mut contexts, &claim).await?;
            let input = policy_input(&context, &claim, claim.entry.history.clone());
            let release = match decide(&input, now) {
                Decision::DialNow => match self.paced(&context, &mut paced, now) {
                    None => {
                        dial.push(Dial { claim, context });
                        continue;
                    }
                    Some(at) => Release::Wait {
                        next_at: at,
                        attempt: None,
                    },
                },
                Decision::WaitUntil(at) => Release::Wait {
                    next_at: at,
                    attempt: None,
                },
                Decision::ChannelsFull => Release::Wait {
                    next_at: now + TimeDelta::seconds(1),
                    attempt: None,
                },
                Decision::Finish(reason) => Release::Done {
                    reason: finish_reason(reason),
                    attempt: None,
                },
            };
            let entry = self.campaigns.release_claim(&claim, &release).await?;
            if let Release::Done { reason, .. } = &release {
                self.report_done(&context, &claim, &entry, reason).await?;
            }
        }
        Ok(dial)
    }

    /// Marks running campaigns whose queue is drained as completed; returns how many.
    pub async fn complete_drained(&self) -> Result<usize> {
        let drained = self.campaigns.drained_campaigns().await?;
        for campaign in &drained {
            let completed = self
                .campaigns
                .set_campaign_state(
                    campaign.company_id,
                    campaign.id,
                    crate::campaign::CampaignState::Completed,
                )
                .await?;
            self.outbox.status_changed(&completed).await?;
        }
        Ok(drained.len())
    }

    /// Places the call of `claim`, talks it through and records it. A claim whose lease ran out
    /// is refused without dialing (`Conflict`): another node records that attempt.
    pub async fn place(&self, dial: Dial) -> Result<Call> {
        let Dial { claim, context } = dial;
        if self.clock.now() >= claim.lease_until {
            return Err(Error::conflict(format!(
                "the lease on call {} ran out before it was dialed; another node records the attempt",
                claim.call_uuid
            )));
        }
        let company = claim.entry.company_id;
        let dialog = self
            .store
            .dialog(company, Ref::Id(claim.entry.dialog_id))
            .await?;
        let started = self.clock.now();
        let request = DialRequest {
            call_uuid: claim.call_uuid,
            company_id: company,
            agent_id: dialog.agent_id,
            to: claim.entry.phone.clone(),
            variables: dialog.inputs.clone(),
            attempt: claim.entry.attempts,
        };
        let dialed = match self.line.dial(request).await {
            Ok(dialed) => dialed,
            Err(error) => {
                tracing::warn!(call = %claim.call_uuid, %error, "the line failed to dial");
                Dialed::NotConnected {
                    outcome: Outcome::Failed,
                    ring: Duration::ZERO,
                }
            }
        };
        let (mut leg, responder, ring) = match dialed {
            Dialed::NotConnected { outcome, ring } => {
                let ended = started + delta(ring);
                let call = self.unanswered(&claim, outcome, started, ended);
                let attempt = Attempt {
                    ended_at: ended,
                    outcome,
                    talk_ms: 0,
                };
                let release = self.after_attempt(&context, &claim, attempt);
                return self
                    .record(&context, &claim, call, release, None, None)
                    .await;
            }
            Dialed::Answered {
                leg,
                responder,
                ring,
            } => (leg, responder, ring),
        };
        let answered = started + delta(ring);
        let (turn, transferred, unwritten_redirect) = match responder {
            Responder::AnsweringMachine => (None, false, None),
            Responder::Human => {
                let operators = Operators {
                    lines: &self.operators,
                    agent: context.agent.id,
                    limit: context.agent.settings.routing_channel_limit,
                };
                let report = ReportTransfer {
                    dialer: self,
                    context: &context,
                    claim: &claim,
                    started,
                    answered,
                    unwritten: Mutex::new(None),
                };
                let conversation =
                    converse(&self.runner, dialog, leg.as_mut(), operators, &report).await?;
                let unwritten = report
                    .unwritten
                    .into_inner()
                    .unwrap_or_else(|p| p.into_inner());
                (Some(conversation.turn), conversation.transferred, unwritten)
            }
        };
        let report = leg.hang_up().await?;
        let ended = answered + delta(report.talk);
        let outcome = match responder {
            Responder::Human => Outcome::Answered,
            Responder::AnsweringMachine => Outcome::AnsweringMachine,
        };
        let operator_ms = millis(report.operator);
        let call = NewCall {
            uuid: claim.call_uuid,
            agent_id: claim.entry.agent_id,
            campaign_id: Some(claim.entry.campaign_id),
            dialog_id: claim.entry.dialog_id,
            attempt: claim.entry.attempts,
            phone: claim.entry.phone.clone(),
            outcome,
            started_at: started,
            answered_at: Some(answered),
            ended_at: ended,
            bot_ms: millis(report.talk).saturating_sub(operator_ms),
            operator_ms,
            transferred,
            price_minor: self.config.tariff.price(ended - answered),
            result: turn.as_ref().and_then(|t| t.update.result.clone()),
            transcript: report.transcript,
        };
        let attempt = Attempt {
            ended_at: ended,
            outcome,
            talk_ms: millis(report.talk),
        };
        let release = self.after_attempt(&context, &claim, attempt);
        self.record(
            &context,
            &claim,
            call,
            release,
            turn.as_ref(),
            unwritten_redirect,
        )
        .await
    }

    /// Records the finished `call` with its turn, its release and its events (`redirect`: a
    /// hand-over whose report could not be written as it started, written now).
    async fn record(
        &self,
        context: &Context,
        claim: &Claim,
        call: NewCall,
        release: Release,
        turn: Option<&crate::ports::CallTurn>,
        redirect: Option<Redirect>,
    ) -> Result<Call> {
        let again = matches!(release, Release::Wait { .. });
        let hooks = self
            .webhooks(context, claim, &call, &release, redirect)
            .await?;
        let call = self
            .campaigns
            .finish_call(claim, &call, &release, turn, &hooks)
            .await?;
        if !hooks.is_empty() {
            self.outbox.written();
        }
        // Nobody listening is fine.
        let _ = self.finished.send(CallFinished {
            call: call.clone(),
            again,
        });
        Ok(call)
    }

    /// A call that was never answered.
    fn unanswered(
        &self,
        claim: &Claim,
        outcome: Outcome,
        started: DateTime<Utc>,
        ended: DateTime<Utc>,
    ) -> NewCall {
        NewCall {
            uuid: claim.call_uuid,
            agent_id: claim.entry.agent_id,
            campaign_id: Some(claim.entry.campaign_id),
            dialog_id: claim.entry.dialog_id,
            attempt: claim.entry.attempts,
            phone: claim.entry.phone.clone(),
            outcome,
            started_at: started,
            answered_at: None,
            ended_at: ended,
            bot_ms: 0,
            operator_ms: 0,
            transferred: false,
            price_minor: 0,
            result: None,
            transcript: Vec::new(),
        }
    }

    /// What the policy says after `attempt`: when to call again, or why not.
    fn after_attempt(&self, context: &Context, claim: &Claim, attempt: Attempt) -> Release {
        let mut history = claim.entry.history.clone();
        history.push(attempt);
        let input = policy_input(context, claim, history);
        match decide(&input, attempt.ended_at) {
            Decision::DialNow | Decision::ChannelsFull => Release::Wait {
                next_at: attempt.ended_at,
                attempt: Some(attempt),
            },
            Decision::WaitUntil(at) => Release::Wait {
                next_at: at,
                attempt: Some(attempt),
            },
            Decision::Finish(reason) => Release::Done {
                reason: finish_reason(reason),
                attempt: Some(attempt),
            },
        }
    }

    async fn context(&self, contexts: &mut Contexts, claim: &Claim) -> Result<Arc<Context>> {
        let company = claim.entry.company_id;
        let vacant = match contexts.entry((company, claim.entry.campaign_id)) {
            Entry::Occupied(known) => return Ok(Arc::clone(known.get())),
            Entry::Vacant(vacant) => vacant,
        };
        let campaign = self
            .campaigns
            .campaign(company, Ref::Id(claim.entry.campaign_id))
            .await?;
        let agent = self.agent(company, campaign.agent_id).await?;
        let slots = self.store.time_slots(company, agent.id).await?;
        let hooks = self.store.campaign_hooks(company, campaign.id).await?;
        Ok(Arc::clone(vacant.insert(Arc::new(Context {
            campaign,
            agent,
            slots,
            hooks,
        }))))
    }

    async fn agent(&self, company: CompanyId, agent: AgentId) -> Result<Agent> {
        self.store.agent(company, Ref::Id(agent)).await
    }
}

/// The policy's view of one claimed entry with `history` as its finished attempts.
fn policy_input(context: &Context, claim: &Claim, history: Vec<Attempt>) -> PolicyInput {
    let window = context.campaign.window;
    PolicyInput {
        schedule: Schedule {
            starts_at: window.starts_at,
            ends_at: window.ends_at,
            daily: window.daily,
            slots: context.slots.clone(),
        },
        zone: claim
            .entry
            .zone
            .unwrap_or_else(|| callee_zone(&claim.entry.phone, context.agent.settings.timezone)),
        attempts: history,
        retry: context
            .campaign
            .retry
            .unwrap_or_else(|| RetryPolicy::from_agent(&context.agent.settings)),
        do_not_call: claim.do_not_call,
        // The store never claims past the agent's channel limit.
        channels: Channels {
            active: 0,
            limit: u32::MAX,
        },
    }
}

/// The stable name of why an entry is done.
pub fn finish_reason(reason: FinishReason) -> String {
    match reason {
        FinishReason::DoNotCall => "do_not_call".to_owned(),
        FinishReason::CampaignOver => "campaign_over".to_owned(),
        FinishReason::FinalOutcome(outcome) => outcome.as_str().to_owned(),
        FinishReason::AttemptsExhausted => "attempts_exhausted".to_owned(),
        FinishReason::NoRedial(outcome) => format!("no_redial_after_{}", outcome.as_str()),
        FinishReason::NoCallingTime => "no_calling_time".to_owned(),
    }
}

fn lease(config: &DialerConfig) -> TimeDelta {
    delta(config.lease)
}

fn delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Reports a call's hand-over to an operator to its campaign's webhooks as it starts.
struct ReportTransfer<'a> {
    dialer: &'a Dialer,
    context: &'a Context,
    claim: &'a Claim,
    started: DateTime<Utc>,
    answered: DateTime<Utc>,
    /// The hand-over whose report failed to be written as it started: it is written with the
    /// call instead, late but not lost.
    unwritten: Mutex<Option<Redirect>>,
}

#[async_trait::async_trait]
impl OnTransfer for ReportTransfer<'_> {
    async fn transferring(&self) {
        let redirect = Redirect {
            call_uuid: self.claim.call_uuid,
            attempt: self.claim.entry.attempts,
            started_at: self.started,
            answered_at: self.answered,
            // Not before the answer: on a simulated line the call's times run ahead of the
            // clock (at time scale 0 the clock does not move during a call).
            at: self.dialer.clock.now().max(self.answered),
        };
        if let Err(error) = self
            .dialer
            .redirected(self.context, self.claim, redirect)
            .await
        {
            tracing::warn!(call = %self.claim.call_uuid, error = %error.chain(), "reporting a transfer to the campaign's webhooks failed; it will be written with the call");
            *self.unwritten.lock().unwrap_or_else(|p| p.into_inner()) = Some(redirect);
        }
    }
}
