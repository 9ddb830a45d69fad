//! Wiring: opens the store and builds the services over the real ports.

use std::sync::Arc;

use anyhow::{Context, Result};
use parley_domain::Services;
use parley_domain::ports::{Clock, Store, SystemClock};
use parley_domain::services::Telephony;
use parley_store::SqlStore;
use parley_voice::{Personas, SimLine, SpeechRecorder, TimeScale};

use crate::config::Config;
use crate::http_out::ReqwestOut;

/// An opened installation: the store and the services over it.
pub struct App {
    /// The database.
    pub store: Arc<SqlStore>,
    /// The domain services.
    pub services: Arc<Services>,
}

impl App {
    /// Creates the data directory, opens (and migrates) the database, builds the services.
    pub async fn open(config: &Config) -> Result<Self> {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}; pick another with --data-dir",
                config.data_dir.display()
            )
        })?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let database = config.database();
        let store = Arc::new(
            SqlStore::open(&database, Arc::clone(&clock))
                .await
                .map_err(|e| anyhow::anyhow!(e.chain()))
                .with_context(|| format!("cannot open the database {}", redact(&database)))?,
        );
        let http = Arc::new(ReqwestOut::new()?);
        let dyn_store: Arc<dyn Store> = store.clone();
        let services = Services::new(
            dyn_store,
            clock,
            http,
            telephony(config)?,
            Arc::new(parley_api::faces::twin::Twin24Webhooks),
        )
        .await
        .map_err(|e| anyhow::anyhow!(e.chain()))?;
        Ok(Self { store, services })
    }
}

/// The embedded simulated line with the configured personas and speed, and espeak-ng recordings.
fn telephony(config: &Config) -> Result<Telephony> {
    let personas = match &config.personas {
        Some(path) => Personas::load(path).with_context(|| {
            format!(
                "cannot use the personas file {}; fix it or leave --personas out for the built-in callees",
                path.display()
            )
        })?,
        None => Personas::builtin(),
    };
    // Each run draws other callers' behaviour; a call's own draws are fixed by its UUID.
    let seed = uuid::Uuid::new_v4().as_u64_pair().0;
    Ok(Telephony {
        line: Arc::new(SimLine::new(personas, TimeScale(config.time_scale), seed)),
        recorder: Arc::new(SpeechRecorder::new()),
    })
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://parley:s3cret@db:5432/parley"),
            "postgres://parley:***@db:5432/parley"
        );
        assert_eq!(redact("parley-data/parley.db"), "parley-data/parley.db");
    }
}
