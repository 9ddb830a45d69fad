//! `parley serve`: HTTP on the configured address and the background runners (uploads, the
//! dialer) until Ctrl-C or SIGTERM, then a graceful stop.

use std::net::SocketAddr;

use anyhow::{Context, Result};
use tokio::net::TcpListener;

use std::sync::Arc;

use parley_domain::call::Tariff;
use parley_domain::dialer::DialerConfig;

use crate::app::App;
use crate::config::Config;
use crate::demo;
use crate::runners::Runners;

/// Runs the server.
pub async fn run(config: Config, with_demo: bool) -> Result<()> {
    let app = App::open(&config).await?;
    tracing::info!(backend = app.store.backend(), data_dir = %config.data_dir.display(), "database ready");
    let demo_facts = if with_demo {
        Some(demo::seed(&app.services, &config.data_dir).await?)
    } else {
        None
    };

    let listener = TcpListener::bind(config.listen).await.with_context(|| {
        format!(
            "cannot listen on {}; is another server using it? Pick another with --port",
            config.listen
        )
    })?;
    let address = listener.local_addr()?;
    let options = parley_api::Options {
        body_limit: config.body_limit,
    };
    let router = parley_api::router_with(app.services.clone(), options);
    let dialer = config.dialer.then(|| {
        tracing::info!(node = %config.node, time_scale = config.time_scale, "dialing on the simulated line");
        let mut dialer = DialerConfig::new(config.node.clone());
        dialer.lease = std::time::Duration::from_secs(config.lease_seconds);
        dialer.tariff = Tariff {
            per_minute_minor: config.tariff_per_minute,
            step_seconds: config.tariff_step_seconds,
        };
        Arc::new(app.services.dialer(dialer))
    });
    let runners = Runners::start(app.services.clone(), dialer);
    crate::say(&format!("Parley listening on http://{address}"));
    if let Some(facts) = &demo_facts {
        crate::say(&demo::instructions(facts, address, &config.data_dir));
    }

    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("the HTTP server stopped with an error")?;
    tracing::info!("shutting down");
    runners.stop().await;
    app.store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
