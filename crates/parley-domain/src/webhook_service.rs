//! Delivering campaign webhooks from the outbox, and the outbox writer the dialer and the
//! campaign service share.
//!
//! The host's webhook loop calls [`WebhookService::deliver_due`] when woken (events were
//! written) or when the earliest retry comes due ([`WebhookService::next_due`]). Each due row is
//! leased (its `next_at` moved ahead) before it is posted, so nodes sharing a database do not
//! both send it; a receiver that answers non-2xx, fails or hangs past the timeout gets the row
//! back with the next backoff instant, until a day has passed.
//!
//! Receivers are independent: one round posts to up to [`RECEIVERS_AT_ONCE`] URLs at once, so a
//! receiver that hangs until the timeout delays only its own events. One URL's events go one
//! at a time, in the order they were written: the first that is not taken holds back the rest
//! of that URL's rows with it (handed back due with its retry), and the store takes no row while
//! an older one of its URL is waiting or out (see [`crate::ports::WebhookStore::due_webhooks`]),
//! so a receiver does not get a contact's `CANDIDATE_CHANGED` before its `CALL_ENDED`. Rounds
//! may overlap: the host starts one when events are written while another still waits on a
//! slow receiver.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use futures_util::StreamExt;
use futures_util::stream;
use tokio::sync::Notify;

use crate::auth::Principal;
use crate::campaign::Campaign;
use crate::error::Result;
use crate::ports::{Clock, HttpOut, OutboundRequest, Store};
use crate::values::{Page, Paged};
use crate::webhook::{
    self, AfterAttempt, CampaignHooks, Delivery, DeliveryAttempt, DeliveryFilter, Event,
    NewWebhook, WebhookFormat,
};

/// How long a receiver may take to answer.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
/// How many receivers (URLs) one round posts to at once.
pub const RECEIVERS_AT_ONCE: usize = 16;
/// How long a taken row stays this node's before another may send it. A URL's rows are posted
/// one after another, so a round stops posting (and hands the rest back) once a post could
/// outlast the lease.
const LEASE: TimeDelta = TimeDelta::minutes(2);
/// Rows taken per round.
const BATCH: usize = 64;

/// Writes events to the outbox and wakes the delivery loop.
pub(crate) struct Outbox {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    format: Arc<dyn WebhookFormat>,
    wake: Arc<Notify>,
}

impl Outbox {
    pub(crate) fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        format: Arc<dyn WebhookFormat>,
    ) -> Arc<Self> {
        Arc::new(Self {
            store,
            clock,
            format,
            wake: Arc::new(Notify::new()),
        })
    }

    /// The rows reporting `events` to the targets of `hooks` that want them, in order.
    pub(crate) fn rows(&self, hooks: &CampaignHooks, events: &[Event<'_>]) -> Vec<NewWebhook> {
        let now = self.clock.now();
        events
            .iter()
            .flat_map(|event| webhook::rows_for(hooks, self.format.as_ref(), event, now))
            .collect()
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

    /// Reports the campaign's new state to its hooks.
    pub(crate) async fn status_changed(&self, campaign: &Campaign) -> Result<()> {
        let hooks = self.hooks(campaign).await?;
        if hooks.webhooks.is_empty() {
            return Ok(());
        }
        let counts = self
            .store
            .queue_counts(campaign.company_id, campaign.id)
            .await?;
        let event = Event::CampaignChanged {
            campaign,
            queued: counts.total(),
            at: self.clock.now(),
        };
        self.add(&self.rows(&hooks, &[event])).await
    }
}

/// Campaign webhooks: delivery and the deliveries' record.
pub struct WebhookService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    http: Arc<dyn HttpOut>,
    outbox: Arc<Outbox>,
    /// Held while a round takes its rows, so two rounds of this node never take rows at the
    /// same instant (each sees the other's leases, and so the order of each URL's rows).
    taking: tokio::sync::Mutex<()>,
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
            taking: tokio::sync::Mutex::new(()),
        }
    }

    /// One round: takes up to a batch of due deliveries and posts them, up to
    /// [`RECEIVERS_AT_ONCE`] URLs at once and each URL's rows in order; returns how many were
    /// attempted. Failures are recorded and retried later with backoff. Safe to run while
    /// another round is under way.
    pub async fn deliver_due(&self) -> Result<usize> {
        let (queues, lease_until) = self.take_due().await?;
        let results: Vec<Result<usize>> = stream::iter(queues)
            .map(|rows| self.deliver_in_order(rows, lease_until))
            .buffer_unordered(RECEIVERS_AT_ONCE)
            .collect()
            .await;
        // Every URL's outcome is recorded before an error is reported.
        let mut attempted = 0;
        let mut failed = None;
        for result in results {
            match result {
                Ok(count) => attempted += count,
                Err(error) => {
                    failed.get_or_insert(error);
                }
            }
        }
        failed.map_or(Ok(attempted), Err)
    }

    /// Leases the due rows and groups them by URL (each URL's rows oldest first; URLs in the
    /// order of their oldest row); returns them with the lease's end.
    async fn take_due(&self) -> Result<(Vec<Vec<Delivery>>, DateTime<Utc>)> {
        let _taking = self.taking.lock().await;
        let now = self.clock.now();
        let lease_until = now + LEASE;
        let due = self.store.due_webhooks(now, lease_until, BATCH).await?;
        let mut queues: Vec<Vec<Delivery>> = Vec::new();
        for delivery in due {
            match queues.iter_mut().find(|q| q[0].url == delivery.url) {
                Some(queue) => queue.push(delivery),
                None => queues.push(vec![delivery]),
            }
        }
        Ok((queues, lease_until))
    }

    /// Posts one URL's rows oldest first. The first not taken ends the URL's turn: the rows
    /// after it are handed back due with its retry, so they still follow it. So are the rest
    /// when another post could outlast the lease. Returns how many were attempted.
    async fn deliver_in_order(
        &self,
        rows: Vec<Delivery>,
        lease_until: DateTime<Utc>,
    ) -> Result<usize> {
        let timeout = TimeDelta::from_std(DELIVERY_TIMEOUT).unwrap_or(LEASE);
        let mut rows = rows.into_iter();
        let mut attempted = 0;
        while let Some(delivery) = rows.next() {
            let now = self.clock.now();
            if now + timeout >= lease_until {
                let rest: Vec<i64> = std::iter::once(delivery.id)
                    .chain(rows.map(|d| d.id))
                    .collect();
                self.store.release_webhooks(&rest, now).await?;
                break;
            }
            let after = self.deliver(&delivery).await?;
            attempted += 1;
            let resume = match after {
                AfterAttempt::Delivered => continue,
                AfterAttempt::RetryAt(at) => at,
                // Given up: nothing is left to wait for.
                AfterAttempt::GiveUp => self.clock.now(),
            };
            let rest: Vec<i64> = rows.map(|d| d.id).collect();
            self.store.release_webhooks(&rest, resume).await?;
            break;
        }
        Ok(attempted)
    }

    /// Posts one delivery and records the attempt; returns what follows it.
    async fn deliver(&self, delivery: &Delivery) -> Result<AfterAttempt> {
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
            .await?;
        Ok(after)
    }

    /// When the next round can take a delivery, if any is pending (a URL's later events wait for
    /// its oldest).
    pub async fn next_due(&self) -> Result<Option<DateTime<Utc>>> {
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
