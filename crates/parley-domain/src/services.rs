//! The bundle of services an HTTP face or runner is handed.

use std::sync::Arc;

use crate::agent_service::AgentService;
use crate::auth::AuthService;
use crate::campaign_service::CampaignService;
use crate::dialer::{Dialer, DialerConfig};
use crate::dialog_service::DialogService;
use crate::directory_service::DirectoryService;
use crate::error::Result;
use crate::line::{Line, Recorder};
use crate::ports::{Clock, HttpOut, Store};
use crate::scenarios::ScenarioCache;
use crate::webhook::WebhookFormat;
use crate::webhook_service::{Outbox, WebhookService};

/// The telephone line and the recorder for calls it does not record itself.
#[derive(Clone)]
pub struct Telephony {
    /// Places calls.
    pub line: Arc<dyn Line>,
    /// Renders recordings from transcripts.
    pub recorder: Arc<dyn Recorder>,
}

impl std::fmt::Debug for Telephony {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telephony").finish_non_exhaustive()
    }
}

/// Every domain service, built over one set of ports.
pub struct Services {
    /// Tokens and passwords.
    pub auth: Arc<AuthService>,
    /// Companies and users.
    pub directory: DirectoryService,
    /// Agents.
    pub agents: AgentService,
    /// Dialogs.
    pub dialogs: DialogService,
    /// Campaigns, queues, calls and the do-not-call list.
    pub campaigns: CampaignService,
    /// Campaign webhooks: delivery from the outbox and the deliveries' record.
    pub webhooks: WebhookService,
    /// The clock everything uses.
    pub clock: Arc<dyn Clock>,
    store: Arc<dyn Store>,
    line: Arc<dyn Line>,
    outbox: Arc<Outbox>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services").finish_non_exhaustive()
    }
}

impl Services {
    /// Builds the services; loads the token-signing secret from the store.
    pub async fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        http: Arc<dyn HttpOut>,
        telephony: Telephony,
        webhook_format: Arc<dyn WebhookFormat>,
    ) -> Result<Arc<Self>> {
        let auth = Arc::new(AuthService::new(Arc::clone(&store), Arc::clone(&clock)).await?);
        let scenarios = Arc::new(ScenarioCache::default());
        let outbox = Outbox::new(Arc::clone(&store), Arc::clone(&clock), webhook_format);
        Ok(Arc::new(Self {
            webhooks: WebhookService::new(
                Arc::clone(&store),
                Arc::clone(&clock),
                Arc::clone(&http),
                Arc::clone(&outbox),
            ),
            directory: DirectoryService::new(Arc::clone(&store), Arc::clone(&auth)),
            agents: AgentService::new(Arc::clone(&store)),
            dialogs: DialogService::new(
                Arc::clone(&store),
                Arc::clone(&clock),
                http,
                Arc::clone(&scenarios),
            ),
            campaigns: CampaignService::new(
                Arc::clone(&store),
                Arc::clone(&store) as _,
                Arc::clone(&clock),
                scenarios,
                telephony.recorder,
                Arc::clone(&outbox),
            ),
            auth,
            clock,
            store,
            line: telephony.line,
            outbox,
        }))
    }

    /// A dialer for this node over the same ports (one per process; see [`Dialer`]).
    pub fn dialer(&self, config: DialerConfig) -> Dialer {
        Dialer::new(
            Arc::clone(&self.store),
            Arc::clone(&self.store) as _,
            Arc::clone(&self.clock),
            Arc::clone(&self.line),
            self.dialogs.runner(),
            config,
            Arc::clone(&self.outbox),
        )
    }
}
