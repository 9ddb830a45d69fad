//! `parley serve --demo`: a demo company, an admin and the demo agents, seeded idempotently,
//! with the facts written to `<data-dir>/demo.json` for tours, scripts and tests.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, Result};
use parley_domain::agent::Agent;
use parley_domain::directory_service::CreateUser;
use parley_domain::values::{Channel, Role};
use parley_domain::{ErrorKind, Principal, Services};
use serde::Serialize;

/// The demo company's name.
pub const COMPANY: &str = "Demo Company";
/// The demo admin's login.
pub const EMAIL: &str = "demo@parley.local";
/// The demo admin's password (a demo: printed on purpose).
pub const PASSWORD: &str = "parley-demo";

/// The demo agents: file name, channel, scenario.
const AGENTS: [(&str, Channel, &str); 2] = [
    (
        "chat-survey.yaml",
        Channel::Chat,
        include_str!("../demo/chat-survey.yaml"),
    ),
    (
        "voice-survey.yaml",
        Channel::Voice,
        include_str!("../demo/voice-survey.yaml"),
    ),
];

/// What `demo.json` holds (DESIGN §7).
#[derive(Debug, Serialize)]
pub struct DemoFacts {
    /// Admin login.
    pub email: String,
    /// Admin password.
    pub password: String,
    /// Company id.
    pub company_id: i64,
    /// Company UUID.
    pub company_uuid: String,
    /// The demo agents.
    pub agents: Vec<DemoAgent>,
}

/// One demo agent in `demo.json`.
#[derive(Debug, Serialize)]
pub struct DemoAgent {
    /// Integer id.
    pub id: i64,
    /// UUID.
    pub uuid: String,
    /// Name.
    pub name: String,
    /// `chat` or `voice`.
    pub channel: String,
}

/// Seeds what is missing and writes `demo.json`; running it again changes nothing.
pub async fn seed(services: &Services, data_dir: &Path) -> Result<DemoFacts> {
    let chain = |e: parley_domain::Error| anyhow::anyhow!(e.chain());
    let company = services
        .directory
        .ensure_company(COMPANY)
        .await
        .map_err(chain)?;
    let user = CreateUser {
        email: EMAIL.into(),
        name: "Demo Admin".into(),
        role: Role::Admin,
        password: PASSWORD.into(),
    };
    match services.directory.create_user(company.id, user).await {
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::Conflict => {}
        Err(e) => return Err(chain(e)),
    }
    let admin = services.auth.basic(EMAIL, PASSWORD).await.map_err(|e| {
        anyhow::anyhow!("the demo user {EMAIL} exists with another password ({e}); use a fresh --data-dir for the demo")
    })?;
    let existing = services.agents.list(&admin).await.map_err(chain)?;
    let mut agents = Vec::new();
    for (file, channel, source) in AGENTS {
        let agent = ensure_agent(services, &admin, &existing, channel, source)
            .await
            .with_context(|| format!("seeding demo agent {file}"))?;
        agents.push(DemoAgent {
            id: agent.id.0,
            uuid: agent.uuid.to_string(),
            name: agent.settings.name.clone(),
            channel: agent.channel.as_str().to_owned(),
        });
    }
    let facts = DemoFacts {
        email: EMAIL.into(),
        password: PASSWORD.into(),
        company_id: company.id.0,
        company_uuid: company.uuid.to_string(),
        agents,
    };
    let path = data_dir.join("demo.json");
    std::fs::write(&path, serde_json::to_string_pretty(&facts)?)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(facts)
}

async fn ensure_agent(
    services: &Services,
    admin: &Principal,
    existing: &[Agent],
    channel: Channel,
    source: &str,
) -> Result<Agent> {
    let scenario =
        parley_domain::scenarios::parse_scenario(source).map_err(|e| anyhow::anyhow!(e.chain()))?;
    if let Some(agent) = existing
        .iter()
        .find(|a| a.settings.name == scenario.name() && a.channel == channel)
    {
        return Ok(agent.clone());
    }
    services
        .agents
        .create(admin, channel, source, None)
        .await
        .map_err(|e| anyhow::anyhow!(e.chain()))
}

/// What to print for a newcomer.
pub fn instructions(facts: &DemoFacts, address: SocketAddr, data_dir: &Path) -> String {
    let base = format!("http://{address}");
    let chat = facts
        .agents
        .iter()
        .find(|a| a.channel == "chat")
        .map_or(1, |a| a.id);
    format!(
        "\nDemo ready (facts in {demo}).\n\
         \x20 company:  {company} (id {company_id})\n\
         \x20 login:    {email} / {password}\n\
         \x20 agents:   {agents}\n\n\
         Try it:\n\
         \x20 TOKEN=$(curl -s {base}/parley/v1/auth/login -H 'content-type: application/json' \\\n\
         \x20   -d '{{\"email\":\"{email}\",\"password\":\"{password}\"}}' | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')\n\
         \x20 curl -s {base}/parley/v1/dialogs -H \"authorization: Bearer $TOKEN\" -H 'content-type: application/json' \\\n\
         \x20   -d '{{\"agent_id\": {chat}, \"variables\": {{\"client_name\": \"Ann\"}}}}'\n\
         \x20 API reference: {base}/docs\n",
        demo = data_dir.join("demo.json").display(),
        company = COMPANY,
        company_id = facts.company_id,
        email = facts.email,
        password = facts.password,
        agents = facts
            .agents
            .iter()
            .map(|a| format!("#{} {} ({})", a.id, a.name, a.channel))
            .collect::<Vec<_>>()
            .join(", "),
    )
}
