//! The `HttpOut` port over reqwest: webhook and custom-block calls with timeouts and a body cap.

use std::time::Duration;

use async_trait::async_trait;
use parley_domain::ports::{HttpOut, OutboundRequest, OutboundResponse};

/// The longest response body kept, in bytes; the rest is cut off.
const MAX_BODY: usize = 1024 * 1024;
/// The longest any outbound call may take, whatever the scenario asks.
const MAX_TIMEOUT: Duration = Duration::from_secs(30);

/// Outbound HTTP through one pooled reqwest client.
#[derive(Debug, Clone)]
pub struct ReqwestOut {
    client: reqwest::Client,
}

impl ReqwestOut {
    /// A client that follows no more than 5 redirects and identifies itself as Parley.
    pub fn new() -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("Parley/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::limited(5))
            .connect_timeout(Duration::from_secs(5))
            .build()?;
        Ok(Self { client })
    }
}

#[async_trait]
impl HttpOut for ReqwestOut {
    async fn send(&self, request: OutboundRequest) -> Result<OutboundResponse, String> {
        let method = reqwest::Method::from_bytes(request.method.to_uppercase().as_bytes())
            .map_err(|_| format!("`{}` is not an HTTP method", request.method))?;
        let timeout = request.timeout.min(MAX_TIMEOUT);
        let mut builder = self.client.request(method, &request.url).timeout(timeout);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = request.body {
            let has_type = request
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
            if !has_type {
                builder = builder.header("content-type", "application/json");
            }
            builder = builder.body(body);
        }
        let response = builder.send().await.map_err(|e| describe(&e, timeout))?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        let mut response = response;
        while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e, timeout))? {
            let room = MAX_BODY.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if body.len() >= MAX_BODY {
                break;
            }
        }
        Ok(OutboundResponse {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }
}

fn describe(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        format!("no answer within {} ms", timeout.as_millis())
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else if error.is_builder() {
        "the URL is not valid".to_owned()
    } else {
        error.to_string()
    }
}
