//! The bundle of services an HTTP face or runner is handed.

use std::sync::Arc;

use crate::agent_service::AgentService;
use crate::auth::AuthService;
use crate::dialog_service::DialogService;
use crate::directory_service::DirectoryService;
use crate::error::Result;
use crate::ports::{Clock, HttpOut, Store};
use crate::scenarios::ScenarioCache;

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
    /// The clock everything uses.
    pub clock: Arc<dyn Clock>,
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
    ) -> Result<Arc<Self>> {
        let auth = Arc::new(AuthService::new(Arc::clone(&store), Arc::clone(&clock)).await?);
        let scenarios = Arc::new(ScenarioCache::default());
        Ok(Arc::new(Self {
            directory: DirectoryService::new(Arc::clone(&store), Arc::clone(&auth)),
            agents: AgentService::new(Arc::clone(&store)),
            dialogs: DialogService::new(store, Arc::clone(&clock), http, scenarios),
            auth,
            clock,
        }))
    }
}
