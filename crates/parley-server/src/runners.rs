//! The background loops `parley serve` runs beside HTTP: the upload worker (queues uploaded
//! contacts), the webhook deliverer (posts campaign events from the outbox) and the dialer
//! (claims due contacts, places and records their calls).
//!
//! Both sleep on a wake-up from the domain (new contacts, a campaign resumed, a call finished)
//! or a short poll interval (a contact's next attempt coming due), and stop on shutdown; calls
//! still under way get a grace period, after which their leases simply run out and the next
//! start records them as failed attempts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parley_domain::Services;
use parley_domain::dialer::Dialer;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How often the dialer looks for attempts that came due without a wake-up.
const POLL: Duration = Duration::from_millis(500);
/// How many webhook delivery rounds may be under way at once.
const WEBHOOK_ROUNDS: usize = 4;
/// How long calls under way may finish after shutdown was asked for.
const GRACE: Duration = Duration::from_secs(5);

/// The running loops; [`Runners::stop`] ends them.
#[derive(Debug)]
pub struct Runners {
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl Runners {
    /// Starts the upload worker, and the dialer when `dialer` is given.
    pub fn start(services: Arc<Services>, dialer: Option<Arc<Dialer>>) -> Self {
        let (stop, stopped) = watch::channel(false);
        let mut tasks = JoinSet::new();
        tasks.spawn(upload_loop(Arc::clone(&services), stopped.clone()));
        tasks.spawn(webhook_loop(Arc::clone(&services), stopped.clone()));
        if let Some(dialer) = dialer {
            tasks.spawn(dial_loop(services, dialer, stopped));
        }
        Self { stop, tasks }
    }

    /// Asks every loop to stop and waits for them (calls under way get a grace period).
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
    }
}

async fn upload_loop(services: Arc<Services>, mut stop: watch::Receiver<bool>) {
    loop {
        match services.campaigns.process_uploads().await {
            Ok(0) => {}
            Ok(rows) => tracing::info!(rows, "uploaded contacts queued"),
            Err(error) => {
                tracing::error!(error = %error.chain(), "queuing uploaded contacts failed")
            }
        }
        tokio::select! {
            () = services.campaigns.uploads_waiting() => {}
            () = tokio::time::sleep(Duration::from_secs(5)) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Delivers campaign webhooks from the outbox in rounds (`WebhookService::deliver_due`): a round
/// starts when events are written on this node, when the previous one delivered something
/// (there may be more), or when the earliest retry comes due (checked at least every
/// `POLL * 10`, so rows written by another node are seen).
///
/// Up to [`WEBHOOK_ROUNDS`] rounds run at once: a round waiting on a receiver that hangs until
/// the timeout does not hold up events written meanwhile for other receivers (the store keeps
/// that receiver's later events back until its earlier ones are out). On shutdown the rounds
/// under way are dropped; their rows come back when their lease runs out.
async fn webhook_loop(services: Arc<Services>, mut stop: watch::Receiver<bool>) {
    let mut rounds: JoinSet<parley_domain::Result<usize>> = JoinSet::new();
    let mut start = true;
    loop {
        if start && rounds.len() < WEBHOOK_ROUNDS {
            let services = Arc::clone(&services);
            rounds.spawn(async move { services.webhooks.deliver_due().await });
            start = false;
        }
        // The retry timer matters only when no round is under way: a round that ends starts
        // the next one itself when it delivered something.
        let wait = if rounds.is_empty() {
            next_webhook_wait(&services).await
        } else {
            POLL * 10
        };
        tokio::select! {
            () = services.webhooks.written() => start = true,
            Some(done) = rounds.join_next() => match done {
                Ok(Ok(attempted)) => start |= attempted > 0,
                Ok(Err(error)) => {
                    tracing::error!(error = %error.chain(), "delivering webhooks failed");
                }
                Err(error) => tracing::error!(%error, "a webhook round panicked"),
            },
            () = tokio::time::sleep(wait) => start = true,
            _ = stop.changed() => return,
        }
    }
}

/// How long the webhook loop may sleep: until the earliest retry, at most `POLL * 10`.
async fn next_webhook_wait(services: &Services) -> Duration {
    let idle = POLL * 10;
    match services.webhooks.next_due().await {
        Ok(Some(at)) => (at - services.clock.now())
            .to_std()
            .unwrap_or(Duration::ZERO)
            .min(idle),
        Ok(None) => idle,
        Err(error) => {
            tracing::error!(error = %error.chain(), "reading the webhook outbox failed");
            idle
        }
    }
}

async fn dial_loop(services: Arc<Services>, dialer: Arc<Dialer>, mut stop: watch::Receiver<bool>) {
    let mut calls = JoinSet::new();
    // Leases are renewed (and dead nodes' claims closed) a few times per lease period.
    let renew_every = dialer.config().lease / 4;
    let mut renewed: Option<Instant> = None;
    loop {
        if renewed.is_none_or(|at| at.elapsed() >= renew_every) {
            match dialer.recover().await {
                Ok(0) => {}
                Ok(closed) => {
                    tracing::warn!(closed, "closed calls of a node that stopped mid-call")
                }
                Err(error) => {
                    tracing::error!(error = %error.chain(), "renewing dialer leases failed")
                }
            }
            renewed = Some(Instant::now());
        }
        let mut full_batch = false;
        match dialer.claim().await {
            Ok(claimed) => {
                full_batch = claimed.len() >= dialer.config().batch;
                for dial in claimed {
                    let dialer = Arc::clone(&dialer);
                    calls.spawn(async move {
                        let uuid = dial.claim().call_uuid;
                        if let Err(error) = dialer.place(dial).await {
                            tracing::error!(call = %uuid, error = %error.chain(), "a call could not be recorded");
                        }
                    });
                }
            }
            Err(error) => tracing::error!(error = %error.chain(), "claiming due contacts failed"),
        }
        if let Err(error) = dialer.complete_drained().await {
            tracing::error!(error = %error.chain(), "completing finished campaigns failed");
        }
        while calls.try_join_next().is_some() {}
        if full_batch {
            continue;
        }
        tokio::select! {
            () = services.campaigns.callable() => {}
            Some(_) = calls.join_next() => {
                while calls.try_join_next().is_some() {}
            }
            () = tokio::time::sleep(POLL) => {}
            _ = stop.changed() => break,
        }
    }
    if !calls.is_empty() {
        tracing::info!(calls = calls.len(), "waiting for calls under way to finish");
        if tokio::time::timeout(GRACE, async { while calls.join_next().await.is_some() {} })
            .await
            .is_err()
        {
            tracing::warn!(
                calls = calls.len(),
                "calls still under way were cut; they are recorded as failed attempts at the next start"
            );
            calls.abort_all();
        }
    }
}
