//! An agent's call-time slots and speech-service credentials.

use parley_domain::agent::{Credential, TimeSlot};
use parley_domain::ids::{AgentId, CompanyId, Uuid};
use parley_domain::values::{LocalTime, Weekday};
use parley_domain::{Error, Result};

use crate::SqlStore;
use crate::errors::{self, corrupt, to_u32};
use crate::time::Ts;

#[derive(sqlx::FromRow)]
struct SlotRow {
    uuid: Uuid,
    day: i64,
    not_before: i64,
    not_after: i64,
}

impl SlotRow {
    fn into_slot(self) -> Result<TimeSlot> {
        const CONTEXT: &str = "reading a time slot";
        let time = |seconds: i64| -> Result<LocalTime> {
            LocalTime::from_seconds(to_u32(seconds, CONTEXT)?).map_err(|e| corrupt(CONTEXT, e))
        };
        Ok(TimeSlot {
            uuid: self.uuid,
            day: Weekday::new(self.day).map_err(|e| corrupt(CONTEXT, e))?,
            not_before: time(self.not_before)?,
            not_after: time(self.not_after)?,
        })
    }
}

/// Seconds since midnight, as slots are stored (sortable, the same on both backends).
fn seconds(time: LocalTime) -> i64 {
    i64::from(chrono::Timelike::num_seconds_from_midnight(&time.time()))
}

#[derive(sqlx::FromRow)]
struct CredentialRow {
    uuid: Uuid,
    name: String,
    platform: String,
    key_type: String,
    value: String,
}

impl From<CredentialRow> for Credential {
    fn from(row: CredentialRow) -> Self {
        Credential {
            uuid: row.uuid,
            name: row.name,
            platform: row.platform,
            key_type: row.key_type,
            value: row.value,
        }
    }
}

impl SqlStore {
    pub(crate) async fn list_time_slots(
        &self,
        company: CompanyId,
        agent: AgentId,
    ) -> Result<Vec<TimeSlot>> {
        let sql = "SELECT uuid, day, not_before, not_after FROM time_slots WHERE company_id = $1 AND agent_id = $2 \
                   ORDER BY day, not_before, id";
        let rows: Vec<SlotRow> = self
            .agent_rows(sql, company, agent, "listing time slots")
            .await?;
        rows.into_iter().map(SlotRow::into_slot).collect()
    }

    pub(crate) async fn insert_time_slot(
        &self,
        company: CompanyId,
        agent: AgentId,
        day: Weekday,
        not_before: LocalTime,
        not_after: LocalTime,
    ) -> Result<TimeSlot> {
        let now = Ts::from(self.now());
        let sql = "INSERT INTO time_slots (uuid, company_id, agent_id, day, not_before, not_after, created_at) \
                   SELECT $1, company_id, id, $4, $5, $6, $7 FROM agents WHERE company_id = $2 AND id = $3 \
                   RETURNING uuid, day, not_before, not_after";
        let row: Option<SlotRow> = on_db!(self, write, |conn| {
            sqlx::query_as(sql)
                .bind(Uuid::now_v7())
                .bind(company.0)
                .bind(agent.0)
                .bind(i64::from(day.number()))
                .bind(seconds(not_before))
                .bind(seconds(not_after))
                .bind(now)
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::db("creating a time slot"))?;
        row.ok_or_else(|| Error::not_found("agent", agent))?
            .into_slot()
    }

    pub(crate) async fn change_time_slot(
        &self,
        company: CompanyId,
        slot: &TimeSlot,
    ) -> Result<TimeSlot> {
        let sql = "UPDATE time_slots SET day = $3, not_before = $4, not_after = $5 WHERE company_id = $1 AND uuid = $2 \
                   RETURNING uuid, day, not_before, not_after";
        let row: Option<SlotRow> = on_db!(self, write, |conn| {
            sqlx::query_as(sql)
                .bind(company.0)
                .bind(slot.uuid)
                .bind(i64::from(slot.day.number()))
                .bind(seconds(slot.not_before))
                .bind(seconds(slot.not_after))
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::db("changing a time slot"))?;
        row.ok_or_else(|| Error::not_found("time slot", slot.uuid))?
            .into_slot()
    }

    pub(crate) async fn remove_time_slot(&self, company: CompanyId, uuid: Uuid) -> Result<()> {
        let sql = "DELETE FROM time_slots WHERE company_id = $1 AND uuid = $2";
        let deleted = on_db!(self, write, |conn| {
            sqlx::query(sql)
                .bind(company.0)
                .bind(uuid)
                .execute(&mut *conn)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(errors::db("deleting a time slot"))?;
        if deleted == 0 {
            Err(Error::not_found("time slot", uuid))
        } else {
            Ok(())
        }
    }

    pub(crate) async fn list_credentials(
        &self,
        company: CompanyId,
        agent: AgentId,
        key_type: Option<&str>,
    ) -> Result<Vec<Credential>> {
        let sql = "SELECT uuid, name, platform, key_type, value FROM credentials \
                   WHERE company_id = $1 AND agent_id = $2 AND ($3 IS NULL OR key_type = $3) ORDER BY id";
        let rows: Vec<CredentialRow> = on_db!(self, read, |conn| {
            sqlx::query_as(sql)
                .bind(company.0)
                .bind(agent.0)
                .bind(key_type)
                .fetch_all(&mut *conn)
                .await
        })
        .map_err(errors::db("listing credentials"))?;
        if rows.is_empty() {
            self.ensure_agent(company, agent).await?;
        }
        Ok(rows.into_iter().map(Credential::from).collect())
    }

    /// Adds a key under a new UUID (the one in `credential` is ignored, as for every created object).
    pub(crate) async fn insert_credential(
        &self,
        company: CompanyId,
        agent: AgentId,
        credential: &Credential,
    ) -> Result<Credential> {
        let now = Ts::from(self.now());
        let sql = "INSERT INTO credentials (uuid, company_id, agent_id, name, platform, key_type, value, created_at) \
                   SELECT $1, company_id, id, $4, $5, $6, $7, $8 FROM agents WHERE company_id = $2 AND id = $3 \
                   RETURNING uuid, name, platform, key_type, value";
        let row: Option<CredentialRow> = on_db!(self, write, |conn| {
            sqlx::query_as(sql)
                .bind(Uuid::now_v7())
                .bind(company.0)
                .bind(agent.0)
                .bind(&credential.name)
                .bind(&credential.platform)
                .bind(&credential.key_type)
                .bind(&credential.value)
                .bind(now)
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::db("creating a credential"))?;
        row.map(Credential::from)
            .ok_or_else(|| Error::not_found("agent", agent))
    }

    pub(crate) async fn change_credential(
        &self,
        company: CompanyId,
        credential: &Credential,
    ) -> Result<Credential> {
        let sql = "UPDATE credentials SET name = $3, platform = $4, key_type = $5, value = $6 \
                   WHERE company_id = $1 AND uuid = $2 RETURNING uuid, name, platform, key_type, value";
        let row: Option<CredentialRow> = on_db!(self, write, |conn| {
            sqlx::query_as(sql)
                .bind(company.0)
                .bind(credential.uuid)
                .bind(&credential.name)
                .bind(&credential.platform)
                .bind(&credential.key_type)
                .bind(&credential.value)
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::db("changing a credential"))?;
        row.map(Credential::from)
            .ok_or_else(|| Error::not_found("credential", credential.uuid))
    }
}
