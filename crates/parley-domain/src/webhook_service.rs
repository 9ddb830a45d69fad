//! Delivering campaign webhooks from the outbox, and the outbox writer the dialer and the
//! campaign service share.
//!
//! The host's webhook loop calls [`WebhookService::deliver_due`] when woken (events were
//! written) or when the earliest retry comes due ([`WebhookService::next_due`]). Each due row is
//! leased (its `next_at` moved ahead) before it is posted, so nodes sharing a database do not
//! both send it; a receiver that answers non-2xx, fails or hangs past the timeout gets the row
//! back with the next backoff instant, until a day has passed.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta};
use tokio::sync::Notify;

use crate::auth::Principal;
use crate::campaign::Campaign;
use crate::error::Result;
use crate::ports::{Clock, HttpOut, OutboundRequest, Store};
use crate::values::{Page, Paged};
use crate::webhook::{
    self, AfterAttempt, CampaignHooks, Delivery, DeliveryAttempt, DeliveryFilter, NewWebhook,
};

/// How long a receiver may take to answer.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a taken row stays this node's before another may send it.
const LEASE: TimeDelta = TimeDelta::minutes(2);
/// Rows taken per round.
const BATCH: usize = 64;

/// Writes events to the outbox and wakes the delivery loop.
pub(crate) struct Outbox {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
}

impl Outbox {
    pub(crate) fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Arc<Self> {
        Arc::new(Self {
            store,
            clock,
            wake: Arc::new(Notify::new()),
        })
    }

    /// The campaign's hooks.
    pub(crate) async fn hooks(&self, campaign: &Campaign) -> Result<CampaignHooks> {
        self.store
            .campaign_hooks(campaign.company_id, campaign.id)
            .await
    }

    /// Wakes the delivery loop (after rows were written in another transaction).
    pub(crate) fn written(&self) {
        self.wake.notify_one();
    }

    /// Writes rows now and wakes the loop.
    pub(crate) async fn add(&self, rows: &[NewWebhook]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        self.store.add_webhooks(rows).await?;
        self.written();
        Ok(())
    }

    /// Reports the campaign's Twin24 status to its hooks (`AUTOCALL_STATUS_CHANGED`).
    pub(crate) async fn status_changed(&self, campaign: &Campaign) -> Result<()> {
        let hooks = self.hooks(campaign).await?;
        if hooks.webhooks.is_empty() {
            return Ok(());
        }
        let now = self.clock.now();
        let counts = self
            .store
            .queue_counts(campaign.company_id, campaign.id)
            .await?;
        let status = webhook::task_status(campaign, counts.total(), now);
        let payload = webhook::status_changed(campaign, status);
        let rows = webhook::rows_for(
            &hooks,
            campaign,
            webhook::AUTOCALL_STATUS_CHANGED,
            &payload,
            now,
        );
        self.add(&rows).await
    }
}

/// Campaign webhooks: delivery and the deliveries' record.
pub struct WebhookService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    http: Arc<dyn HttpOut>,
    outbox: Arc<Outbox>,
}

impl std::fmt::Debug for WebhookService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookService").finish_non_exhaustive()
    }
}

impl WebhookService {
    pub(crate) fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        http: Arc<dyn HttpOut>,
        outbox: Arc<Outbox>,
    ) -> Self {
        Self {
            store,
            clock,
            http,
            outbox,
        }
    }

    /// Posts every delivery due now, one round of at most a batch; returns how many were
    /// attempted. Failures are recorded and retried later with backoff.
    pub async fn deliver_due(&self) -> Result<usize> {
        let now = self.clock.now();
        let due = self.store.due_webhooks(now, now + LEASE, BATCH).await?;
        for delivery in &due {
            self.deliver(delivery).await?;
        }
        Ok(due.len())
    }

    async fn deliver(&self, delivery: &Delivery) -> Result<()> {
        let request = OutboundRequest {
            method: "POST".to_owned(),
            url: delivery.url.clone(),
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: Some(delivery.payload.clone()),
            timeout: DELIVERY_TIMEOUT,
        };
        let answer = self.http.send(request).await;
        let at = self.clock.now();
        let attempt = match &answer {
            Ok(response) => DeliveryAttempt {
                at,
                status: Some(response.status),
                error: (!(200..300).contains(&response.status))
                    .then(|| format!("the receiver answered {}", response.status)),
            },
            Err(reason) => DeliveryAttempt {
                at,
                status: None,
                error: Some(reason.clone()),
            },
        };
        let after = if attempt.error.is_none() {
            AfterAttempt::Delivered
        } else {
            let made = u32::try_from(delivery.attempts.len() + 1).unwrap_or(u32::MAX);
            match webhook::next_attempt(delivery.created_at, made, at) {
                Some(next) => AfterAttempt::RetryAt(next),
                None => AfterAttempt::GiveUp,
            }
        };
        if let Some(error) = &attempt.error {
            tracing::info!(delivery = delivery.id, url = %delivery.url, %error, ?after, "webhook not delivered");
        }
        self.store
            .record_webhook_attempt(delivery.id, &attempt, after)
            .await
    }

    /// When the earliest pending delivery comes due, if any is pending.
    pub async fn next_due(&self) -> Result<Option<DateTime<chrono::Utc>>> {
        self.store.next_webhook_at().await
    }

    /// Waits until events are written on this node (or a spurious wake-up).
    pub async fn written(&self) {
        self.outbox.wake.notified().await;
    }

    /// Deliveries matching `filter`, newest first.
    pub async fn deliveries(
        &self,
        who: &Principal,
        filter: &DeliveryFilter,
        page: Page,
    ) -> Result<Paged<Delivery>> {
        self.store
            .webhook_deliveries(who.company_id, filter, page)
            .await
    }
}
