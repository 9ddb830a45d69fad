//! `parley serve --demo`: a demo company, an admin and the demo agents, seeded idempotently,
//! with the facts written to `<data-dir>/demo.json` for tours, scripts and tests.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, Result};
use parley_domain::agent::Agent;
use parley_domain::campaign::{Campaign, CampaignFilter, UploadRow};
use parley_domain::campaign_service::CampaignSpec;
use parley_domain::directory_service::CreateUser;
use parley_domain::ids::Ref;
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
    /// The demo outbound campaign of the voice agent (a Neuro.net `bulk_uuid`).
    pub campaign_uuid: String,
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
    let mut voice = None;
    for (file, channel, source) in AGENTS {
        let agent = ensure_agent(services, &admin, &existing, channel, source)
            .await
            .with_context(|| format!("seeding demo agent {file}"))?;
        if channel == Channel::Voice {
            voice = Some(agent.clone());
        }
        agents.push(DemoAgent {
            id: agent.id.0,
            uuid: agent.uuid.to_string(),
            name: agent.settings.name.clone(),
            channel: agent.channel.as_str().to_owned(),
        });
    }
    let voice = voice.context("the demo has a voice agent")?;
    let campaign = ensure_campaign(services, &admin, &voice)
        .await
        .context("seeding the demo campaign")?;
    let facts = DemoFacts {
        email: EMAIL.into(),
        password: PASSWORD.into(),
        company_id: company.id.0,
        company_uuid: company.uuid.to_string(),
        agents,
        campaign_uuid: campaign.uuid.to_string(),
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

/// The demo's outbound campaign's name.
pub const CAMPAIGN: &str = "Demo survey calls";

/// Who the demo campaign calls (Moscow numbers, so the agent's zone applies): name and number.
const CONTACTS: [(&str, &str); 12] = [
    ("Анна", "+7 495 100-00-01"),
    ("Иван", "+7 495 100-00-02"),
    ("Мария", "+7 495 100-00-03"),
    ("Олег", "+7 495 100-00-04"),
    ("Светлана", "+7 495 100-00-05"),
    ("Дмитрий", "+7 495 100-00-06"),
    ("Елена", "+7 495 100-00-07"),
    ("Павел", "+7 495 100-00-08"),
    ("Наталья", "+7 495 100-00-09"),
    ("Сергей", "+7 495 100-00-10"),
    ("Ольга", "+7 495 100-00-11"),
    ("Алексей", "+7 495 100-00-12"),
];

/// Queues the demo campaign of the voice agent once (on a data directory that has it, nothing).
async fn ensure_campaign(
    services: &Services,
    admin: &Principal,
    voice: &Agent,
) -> Result<Campaign> {
    let chain = |e: parley_domain::Error| anyhow::anyhow!(e.chain());
    let filter = CampaignFilter {
        agent_id: Some(voice.id),
        ..CampaignFilter::default()
    };
    let existing = services
        .campaigns
        .campaigns(admin, &filter)
        .await
        .map_err(chain)?;
    if let Some(campaign) = existing.into_iter().find(|c| c.name == CAMPAIGN) {
        return Ok(campaign);
    }
    let spec = CampaignSpec {
        selection: true,
        ..CampaignSpec::named(CAMPAIGN)
    };
    let campaign = services
        .campaigns
        .create(admin, Ref::Id(voice.id), spec)
        .await
        .map_err(chain)?;
    let rows = CONTACTS
        .iter()
        .map(|(name, phone)| UploadRow {
            phone: (*phone).to_owned(),
            entry: None,
            variables: [("client_name".to_owned(), serde_json::Value::from(*name))]
                .into_iter()
                .collect(),
            external_id: None,
        })
        .collect();
    services
        .campaigns
        .upload(admin, Ref::Id(campaign.id), rows)
        .await
        .map_err(chain)?;
    Ok(campaign)
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
         \x20 API reference: {base}/docs\n\n\
         Outbound calls: the voice agent is calling {contacts} demo contacts on the simulated line\n\
         (campaign {campaign}). Their calls, transcripts and recordings, the Neuro.net way:\n\
         \x20 NEURO=$(curl -s -X POST -u {email}:{password} {base}/api/v2/ext/auth | sed 's/.*\"token\":\"\\([^\"]*\\)\".*/\\1/')\n\
         \x20 curl -s '{base}/api/v2/ext/queue/call?agent_uuid={voice}' -H \"authorization: Bearer $NEURO\"\n\
         \x20 curl -s '{base}/api/v2/ext/statistic/dialog-group?bulk_uuid={campaign}' -H \"authorization: Bearer $NEURO\"\n",
        contacts = CONTACTS.len(),
        campaign = facts.campaign_uuid,
        voice = facts
            .agents
            .iter()
            .find(|a| a.channel == "voice")
            .map_or("", |a| a.uuid.as_str()),
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
