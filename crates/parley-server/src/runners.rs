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

/// Delivers campaign webhooks from the outbox: woken when events are written on this node,
/// else sleeping until the earliest retry comes due (at most `POLL * 10`, so rows written by
/// another node are seen).
async fn webhook_loop(services: Arc<Services>, mut stop: watch::Receiver<bool>) {
    loop {
        let mut busy = false;
        match services.webhooks.deliver_due().await {
            Ok(0) => {}
            Ok(_) => busy = true,
            Err(error) => tracing::error!(error = %error.chain(), "delivering webhooks failed"),
        }
        if busy {
            continue;
        }
        let idle = POLL * 10;
        let wait = match services.webhooks.next_due().await {
            Ok(Some(at)) => (at - services.clock.now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(idle),
            Ok(None) => idle,
            Err(error) => {
                tracing::error!(error = %error.chain(), "reading the webhook outbox failed");
                idle
            }
        };
        tokio::select! {
            () = services.webhooks.written() => {}
            () = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
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
