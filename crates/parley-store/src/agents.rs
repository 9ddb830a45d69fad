//! Agents and their scenario versions (the `AgentStore` methods on the agent itself).

use async_trait::async_trait;
use parley_domain::agent::{
    Agent, AgentSettings, Credential, InputVariable, NewAgent, OutputKind, OutputVariable,
    TimeSlot, parse_timezone,
};
use parley_domain::ids::{AgentId, CompanyId, Ref, Uuid};
use parley_domain::ports::AgentStore;
use parley_domain::values::{Channel, LocalTime, Weekday};
use parley_domain::{Error, Result};

use crate::SqlStore;
use crate::errors::{self, corrupt, to_u32};
use crate::time::Ts;
use sqlx::Connection;

macro_rules! agent_cols {
    () => {
        "id, uuid, company_id, channel, name, description, language, timezone, delay_seconds, recall_count, \
         trunk_name, flag, record_path, routing_channel_limit, total_channel_limit, pool_name, asr, tts, speed, \
         pitch, emotion, record_storage_days, scenario_version, created_at, updated_at"
    };
}

/// Binds the settings as `$n … $n+17` in `agent_cols!` order (name … record_storage_days).
macro_rules! bind_settings {
    ($query:expr, $s:expr) => {
        $query
            .bind(&$s.name)
            .bind(&$s.description)
            .bind(&$s.language)
            .bind($s.timezone.name())
            .bind(i64::from($s.delay_seconds))
            .bind(i64::from($s.recall_count))
            .bind(&$s.trunk_name)
            .bind(&$s.flag)
            .bind(&$s.record_path)
            .bind(i64::from($s.routing_channel_limit))
            .bind(i64::from($s.total_channel_limit))
            .bind(&$s.pool_name)
            .bind(&$s.asr)
            .bind(&$s.tts)
            .bind($s.speed)
            .bind($s.pitch)
            .bind(&$s.emotion)
            .bind(i64::from($s.record_storage_days))
    };
}

const INSERT_AGENT: &str = concat!(
    "INSERT INTO agents (uuid, company_id, channel, name, description, language, timezone, delay_seconds, ",
    "recall_count, trunk_name, flag, record_path, routing_channel_limit, total_channel_limit, pool_name, asr, tts, ",
    "speed, pitch, emotion, record_storage_days, scenario_version, created_at, updated_at) ",
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, 1, $22, $22) ",
    "RETURNING ",
    agent_cols!()
);

const UPDATE_SETTINGS: &str = concat!(
    "UPDATE agents SET name = $3, description = $4, language = $5, timezone = $6, delay_seconds = $7, ",
    "recall_count = $8, trunk_name = $9, flag = $10, record_path = $11, routing_channel_limit = $12, ",
    "total_channel_limit = $13, pool_name = $14, asr = $15, tts = $16, speed = $17, pitch = $18, emotion = $19, ",
    "record_storage_days = $20, updated_at = $21 WHERE company_id = $1 AND id = $2 RETURNING ",
    agent_cols!()
);

#[derive(sqlx::FromRow)]
struct AgentRow {
    id: i64,
    uuid: Uuid,
    company_id: i64,
    channel: String,
    name: String,
    description: String,
    language: String,
    timezone: String,
    delay_seconds: i64,
    recall_count: i64,
    trunk_name: String,
    flag: String,
    record_path: String,
    routing_channel_limit: i64,
    total_channel_limit: i64,
    pool_name: String,
    asr: String,
    tts: String,
    speed: Option<f64>,
    pitch: Option<f64>,
    emotion: Option<String>,
    record_storage_days: i64,
    scenario_version: i64,
    created_at: Ts,
    updated_at: Ts,
}

impl AgentRow {
    fn into_agent(self) -> Result<Agent> {
        const CONTEXT: &str = "reading an agent row";
        Ok(Agent {
            id: AgentId(self.id),
            uuid: self.uuid,
            company_id: CompanyId(self.company_id),
            channel: Channel::parse(&self.channel).map_err(|e| corrupt(CONTEXT, e))?,
            settings: AgentSettings {
                name: self.name,
                description: self.description,
                language: self.language,
                timezone: parse_timezone(&self.timezone).map_err(|e| corrupt(CONTEXT, e))?,
                delay_seconds: to_u32(self.delay_seconds, CONTEXT)?,
                recall_count: to_u32(self.recall_count, CONTEXT)?,
                trunk_name: self.trunk_name,
                flag: self.flag,
                record_path: self.record_path,
                routing_channel_limit: to_u32(self.routing_channel_limit, CONTEXT)?,
                total_channel_limit: to_u32(self.total_channel_limit, CONTEXT)?,
                pool_name: self.pool_name,
                asr: self.asr,
                tts: self.tts,
                speed: self.speed,
                pitch: self.pitch,
                emotion: self.emotion,
                record_storage_days: to_u32(self.record_storage_days, CONTEXT)?,
            },
            scenario_version: self.scenario_version,
            created_at: self.created_at.into(),
            updated_at: self.updated_at.into(),
        })
    }
}

impl SqlStore {
    /// `NotFound` unless `agent` exists in `company` (lists call it only when they come back empty).
    pub(crate) async fn ensure_agent(&self, company: CompanyId, agent: AgentId) -> Result<()> {
        let sql = "SELECT id FROM agents WHERE company_id = $1 AND id = $2";
        let found = on_db!(self, read, |conn| {
            sqlx::query(sql)
                .bind(company.0)
                .bind(agent.0)
                .fetch_optional(&mut *conn)
                .await
                .map(|row| row.is_some())
        })
        .map_err(errors::db("checking an agent"))?;
        if found {
            Ok(())
        } else {
            Err(Error::not_found("agent", agent))
        }
    }

    /// The rows `sql` (binding company, then agent) selects from one of an agent's child tables.
    /// An empty answer checks the agent, so another company's agent is `NotFound`, not empty.
    pub(crate) async fn agent_rows<R>(
        &self,
        sql: &'static str,
        company: CompanyId,
        agent: AgentId,
        context: &'static str,
    ) -> Result<Vec<R>>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + Send
            + Unpin,
    {
        let rows: Vec<R> = on_db!(self, read, |conn| sqlx::query_as(sql)
            .bind(company.0)
            .bind(agent.0)
            .fetch_all(&mut *conn)
            .await)
        .map_err(errors::db(context))?;
        if rows.is_empty() {
            self.ensure_agent(company, agent).await?;
        }
        Ok(rows)
    }
}

/// The agent's own methods are here; variables, slots and keys delegate to their modules.
#[async_trait]
impl AgentStore for SqlStore {
    async fn create_agent(&self, company: CompanyId, agent: NewAgent) -> Result<Agent> {
        let now = Ts::from(self.now());
        let settings = &agent.settings;
        let row: AgentRow = on_db!(self, write, |conn| async {
            let mut tx = conn.begin().await?;
            let query = sqlx::query_as(INSERT_AGENT).bind(Uuid::now_v7()).bind(company.0).bind(agent.channel.as_str());
            let row: AgentRow = bind_settings!(query, settings).bind(now).fetch_one(&mut *tx).await?;
            sqlx::query("INSERT INTO agent_scenarios (agent_id, version, source, created_at) VALUES ($1, $2, $3, $4)")
                .bind(row.id)
                .bind(row.scenario_version)
                .bind(&agent.scenario_source)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(row)
        }
        .await)
        .map_err(errors::references("creating an agent", "company", company, || "agent already exists".to_owned()))?;
        row.into_agent()
    }

    async fn agent(&self, company: CompanyId, agent: Ref<AgentId>) -> Result<Agent> {
        let by_id = concat!(
            "SELECT ",
            agent_cols!(),
            " FROM agents WHERE company_id = $1 AND id = $2"
        );
        let by_uuid = concat!(
            "SELECT ",
            agent_cols!(),
            " FROM agents WHERE company_id = $1 AND uuid = $2"
        );
        let row: Option<AgentRow> = fetch_by_ref!(self, by_id, by_uuid, company, agent)
            .map_err(errors::db("loading an agent"))?;
        row.ok_or_else(|| Error::not_found("agent", agent))?
            .into_agent()
    }

    async fn agents(&self, company: CompanyId) -> Result<Vec<Agent>> {
        let sql = concat!(
            "SELECT ",
            agent_cols!(),
            " FROM agents WHERE company_id = $1 ORDER BY id"
        );
        let rows: Vec<AgentRow> = on_db!(self, read, |conn| sqlx::query_as(sql)
            .bind(company.0)
            .fetch_all(&mut *conn)
            .await)
        .map_err(errors::db("listing agents"))?;
        rows.into_iter().map(AgentRow::into_agent).collect()
    }

    async fn update_agent_settings(
        &self,
        company: CompanyId,
        agent: AgentId,
        settings: &AgentSettings,
    ) -> Result<Agent> {
        let now = Ts::from(self.now());
        let row: Option<AgentRow> = on_db!(self, write, |conn| {
            let query = sqlx::query_as(UPDATE_SETTINGS)
                .bind(company.0)
                .bind(agent.0);
            bind_settings!(query, settings)
                .bind(now)
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::db("updating agent settings"))?;
        row.ok_or_else(|| Error::not_found("agent", agent))?
            .into_agent()
    }

    async fn add_scenario_version(
        &self,
        company: CompanyId,
        agent: AgentId,
        source: &str,
    ) -> Result<Agent> {
        let now = Ts::from(self.now());
        let bump = concat!(
            "UPDATE agents SET scenario_version = scenario_version + 1, updated_at = $3 ",
            "WHERE company_id = $1 AND id = $2 RETURNING ",
            agent_cols!()
        );
        let row: Option<AgentRow> = on_db!(self, write, |conn| async {
            let mut tx = conn.begin().await?;
            let row: Option<AgentRow> =
                sqlx::query_as(bump).bind(company.0).bind(agent.0).bind(now).fetch_optional(&mut *tx).await?;
            if let Some(row) = &row {
                sqlx::query("INSERT INTO agent_scenarios (agent_id, version, source, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(row.id)
                    .bind(row.scenario_version)
                    .bind(source)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(row)
        }
        .await)
        .map_err(errors::db("adding a scenario version"))?;
        row.ok_or_else(|| Error::not_found("agent", agent))?
            .into_agent()
    }

    async fn scenario_source(
        &self,
        company: CompanyId,
        agent: AgentId,
        version: i64,
    ) -> Result<String> {
        let sql = "SELECT s.source FROM agent_scenarios s JOIN agents a ON a.id = s.agent_id \
                   WHERE a.company_id = $1 AND s.agent_id = $2 AND s.version = $3";
        let source: Option<String> = on_db!(self, read, |conn| {
            sqlx::query_scalar(sql)
                .bind(company.0)
                .bind(agent.0)
                .bind(version)
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::db("loading a scenario"))?;
        source.ok_or_else(|| {
            Error::not_found("scenario", format!("version {version} of agent {agent}"))
        })
    }

    async fn input_variables(
        &self,
        company: CompanyId,
        agent: AgentId,
    ) -> Result<Vec<InputVariable>> {
        self.list_input_variables(company, agent).await
    }

    async fn create_input_variable(
        &self,
        company: CompanyId,
        agent: AgentId,
        name: &str,
        synthesis: bool,
    ) -> Result<InputVariable> {
        self.insert_input_variable(company, agent, name, synthesis)
            .await
    }

    async fn update_input_variable(
        &self,
        company: CompanyId,
        uuid: Uuid,
        name: &str,
        synthesis: bool,
    ) -> Result<InputVariable> {
        self.change_input_variable(company, uuid, name, synthesis)
            .await
    }

    async fn delete_input_variable(&self, company: CompanyId, uuid: Uuid) -> Result<()> {
        self.remove_variable(company, crate::variables::Table::Input, uuid)
            .await
    }

    async fn output_variables(
        &self,
        company: CompanyId,
        agent: AgentId,
    ) -> Result<Vec<OutputVariable>> {
        self.list_output_variables(company, agent).await
    }

    async fn create_output_variable(
        &self,
        company: CompanyId,
        agent: AgentId,
        name: &str,
        kind: OutputKind,
        cell: Option<u32>,
    ) -> Result<OutputVariable> {
        self.insert_output_variable(company, agent, name, kind, cell)
            .await
    }

    async fn update_output_variable(
        &self,
        company: CompanyId,
        uuid: Uuid,
        name: &str,
        kind: OutputKind,
        cell: Option<u32>,
    ) -> Result<OutputVariable> {
        self.change_output_variable(company, uuid, name, kind, cell)
            .await
    }

    async fn delete_output_variable(&self, company: CompanyId, uuid: Uuid) -> Result<()> {
        self.remove_variable(company, crate::variables::Table::Output, uuid)
            .await
    }

    async fn time_slots(&self, company: CompanyId, agent: AgentId) -> Result<Vec<TimeSlot>> {
        self.list_time_slots(company, agent).await
    }

    async fn create_time_slot(
        &self,
        company: CompanyId,
        agent: AgentId,
        day: Weekday,
        not_before: LocalTime,
        not_after: LocalTime,
    ) -> Result<TimeSlot> {
        self.insert_time_slot(company, agent, day, not_before, not_after)
            .await
    }

    async fn update_time_slot(&self, company: CompanyId, slot: &TimeSlot) -> Result<TimeSlot> {
        self.change_time_slot(company, slot).await
    }

    async fn delete_time_slot(&self, company: CompanyId, uuid: Uuid) -> Result<()> {
        self.remove_time_slot(company, uuid).await
    }

    async fn credentials_of(
        &self,
        company: CompanyId,
        agent: AgentId,
        key_type: Option<&str>,
    ) -> Result<Vec<Credential>> {
        self.list_credentials(company, agent, key_type).await
    }

    async fn create_credential(
        &self,
        company: CompanyId,
        agent: AgentId,
        credential: &Credential,
    ) -> Result<Credential> {
        self.insert_credential(company, agent, credential).await
    }

    async fn update_credential(
        &self,
        company: CompanyId,
        credential: &Credential,
    ) -> Result<Credential> {
        self.change_credential(company, credential).await
    }
}
