//! External custom blocks (Bot.one's "Vertex"): a run of one `custom` block in one dialog, the
//! signed single-use token the block's service receives, and the context Parley posts to it.
//!
//! When a dialog reaches a `custom` block with a URL, the turn runner records a [`CustomRun`]
//! (after the turn is saved); once the dialog's lock is released the run is claimed and its
//! context posted to the URL through `HttpOut`. The service then writes into the dialog and
//! completes the block with the token (see `dialog_service::custom`). A token is an HS256 JWT
//! over the run's id, company and dialog, signed with an installation secret; it is good for 24 h
//! (by the `Clock`), for this one run only, and is spent by completion. Reaching another custom
//! block in the same dialog supersedes (finishes) any earlier run.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::OnceCell;

use crate::auth::random_token;
use crate::dialog::Dialog;
use crate::error::{Error, ErrorKind, Result};
use crate::ids::{CompanyId, DialogId};
use crate::ports::{Clock, OutboundRequest, Store};

/// How long a custom block's token is good for.
pub const CUSTOM_TOKEN_TTL: Duration = Duration::hours(24);
/// How long Parley waits for a custom block's service to accept the context.
pub const CUSTOM_DELIVERY_TIMEOUT: StdDuration = StdDuration::from_secs(10);

/// One execution of a `custom` block in a dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomRun {
    /// The token's id (random); the key of the run.
    pub token_id: String,
    /// The owner of the dialog.
    pub company_id: CompanyId,
    /// The dialog.
    pub dialog_id: DialogId,
    /// The block's name in the scenario.
    pub block: String,
    /// Where the context is posted.
    pub url: String,
    /// The block's rendered `params`.
    pub params: Value,
    /// Whether the service's last message said the bot is still typing.
    pub typing: bool,
    /// When the block was reached.
    pub created_at: DateTime<Utc>,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
    /// When the context was handed to the service (claimed for delivery).
    pub delivered_at: Option<DateTime<Utc>>,
    /// When the run ended: completed, superseded by a later run, or its delivery failed.
    pub finished_at: Option<DateTime<Utc>>,
}

impl CustomRun {
    /// Not finished and not expired at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.finished_at.is_none() && self.expires_at > now
    }
}

/// A run to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCustomRun {
    /// The token's id.
    pub token_id: String,
    /// The dialog.
    pub dialog_id: DialogId,
    /// The block's name.
    pub block: String,
    /// The service's URL.
    pub url: String,
    /// The block's rendered `params`.
    pub params: Value,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
}

/// What a token carries.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    typ: String,
    jti: String,
    company_id: i64,
    dialog_id: i64,
    iat: i64,
    exp: i64,
}

const TYP: &str = "vertex";

/// Records runs, signs and checks their tokens, and builds what is posted to the service.
pub(crate) struct CustomBlocks {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    keys: OnceCell<(EncodingKey, DecodingKey)>,
}

impl CustomBlocks {
    pub(crate) fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            keys: OnceCell::new(),
        }
    }

    /// The signing keys, from the installation secret (created on first use).
    async fn keys(&self) -> Result<&(EncodingKey, DecodingKey)> {
        self.keys
            .get_or_try_init(|| async {
                let secret = self.store.secret("vertex-hs256", random_token(48)).await?;
                Ok((
                    EncodingKey::from_secret(secret.as_bytes()),
                    DecodingKey::from_secret(secret.as_bytes()),
                ))
            })
            .await
    }

    /// Records a run of `block` in `dialog` (already saved as waiting for it).
    pub(crate) async fn open(
        &self,
        dialog: &Dialog,
        block: String,
        url: String,
        params: Value,
    ) -> Result<CustomRun> {
        let run = NewCustomRun {
            token_id: random_token(16),
            dialog_id: dialog.id,
            block,
            url,
            params,
            expires_at: self.clock.now() + CUSTOM_TOKEN_TTL,
        };
        self.store.start_custom_run(dialog.company_id, &run).await
    }

    /// The run's token (the same text every time: HS256 over the same claims).
    pub(crate) async fn token(&self, run: &CustomRun) -> Result<String> {
        let claims = Claims {
            typ: TYP.to_owned(),
            jti: run.token_id.clone(),
            company_id: run.company_id.0,
            dialog_id: run.dialog_id.0,
            iat: run.created_at.timestamp(),
            exp: run.expires_at.timestamp(),
        };
        let (encoding, _) = self.keys().await?;
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, encoding)
            .map_err(|e| Error::internal("signing a custom block token", e.to_string()))
    }

    /// The live run a token names; `Forbidden` when the token is malformed, forged, expired,
    /// already spent or superseded.
    pub(crate) async fn verify(&self, token: &str) -> Result<CustomRun> {
        let invalid = || Error::forbidden("the integration token is invalid");
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        let (_, decoding) = self.keys().await?;
        let claims = jsonwebtoken::decode::<Claims>(token.trim(), decoding, &validation)
            .map_err(|_| invalid())?
            .claims;
        if claims.typ != TYP {
            return Err(invalid());
        }
        let now = self.clock.now();
        if claims.exp <= now.timestamp() {
            return Err(Error::forbidden("the integration token has expired"));
        }
        let run = match self
            .store
            .custom_run(CompanyId(claims.company_id), &claims.jti)
            .await
        {
            Ok(run) => run,
            Err(e) if e.kind() == ErrorKind::NotFound => return Err(invalid()),
            Err(e) => return Err(e),
        };
        if run.dialog_id.0 != claims.dialog_id {
            return Err(invalid());
        }
        if run.finished_at.is_some() {
            return Err(Error::forbidden(
                "the integration token has been used: the custom block is over",
            ));
        }
        if !run.is_live(now) {
            return Err(Error::forbidden("the integration token has expired"));
        }
        Ok(run)
    }

    /// The request that hands `run` to its service: the dialog, the block and a fresh token.
    pub(crate) async fn request(
        &self,
        run: &CustomRun,
        dialog: &Dialog,
    ) -> Result<OutboundRequest> {
        let body = json!({
            "token": self.token(run).await?,
            "dialog_id": dialog.id.0,
            "dialog_uuid": dialog.uuid.to_string(),
            "bot_id": dialog.agent_id.0,
            "agent_id": dialog.agent_id.0,
            "block": run.block,
            "params": run.params,
            "variables": dialog.state.variables(),
            "source": dialog.source,
            "location": dialog.location,
            "expires_at": run.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        });
        Ok(OutboundRequest {
            method: "POST".to_owned(),
            url: run.url.clone(),
            headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
            body: Some(body.to_string()),
            timeout: CUSTOM_DELIVERY_TIMEOUT,
        })
    }
}
