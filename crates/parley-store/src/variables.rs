//! An agent's declared input and output variables.

use parley_domain::agent::{InputVariable, OutputKind, OutputVariable};
use parley_domain::ids::{AgentId, CompanyId, Uuid};
use parley_domain::{Error, Result};

use crate::SqlStore;
use crate::errors::{self, corrupt, to_u32};
use crate::time::Ts;

/// Which of the two variable tables.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Table {
    Input,
    Output,
}

impl Table {
    fn noun(self) -> &'static str {
        match self {
            Table::Input => "input variable",
            Table::Output => "output variable",
        }
    }
}

#[derive(sqlx::FromRow)]
struct InputRow {
    uuid: Uuid,
    name: String,
    synthesis: bool,
}

impl From<InputRow> for InputVariable {
    fn from(row: InputRow) -> Self {
        InputVariable {
            uuid: row.uuid,
            name: row.name,
            synthesis: row.synthesis,
        }
    }
}

#[derive(sqlx::FromRow)]
struct OutputRow {
    uuid: Uuid,
    name: String,
    kind: String,
    cell: Option<i64>,
}

impl OutputRow {
    fn into_variable(self) -> Result<OutputVariable> {
        const CONTEXT: &str = "reading an output variable";
        Ok(OutputVariable {
            uuid: self.uuid,
            name: self.name,
            kind: OutputKind::parse(&self.kind).map_err(|e| corrupt(CONTEXT, e))?,
            cell: self.cell.map(|cell| to_u32(cell, CONTEXT)).transpose()?,
        })
    }
}

/// The conflict message for a duplicate name, naming the agent when known.
fn taken(table: Table, name: &str, agent: Option<AgentId>) -> impl FnOnce() -> String {
    let message = match agent {
        Some(agent) => format!("{} `{name}` already exists on agent {agent}", table.noun()),
        None => format!("{} `{name}` already exists on this agent", table.noun()),
    };
    move || message
}

impl SqlStore {
    pub(crate) async fn list_input_variables(
        &self,
        company: CompanyId,
        agent: AgentId,
    ) -> Result<Vec<InputVariable>> {
        let sql = "SELECT uuid, name, synthesis FROM input_variables WHERE company_id = $1 AND agent_id = $2 ORDER BY id";
        let rows: Vec<InputRow> = self
            .agent_rows(sql, company, agent, "listing input variables")
            .await?;
        Ok(rows.into_iter().map(InputVariable::from).collect())
    }

    pub(crate) async fn insert_input_variable(
        &self,
        company: CompanyId,
        agent: AgentId,
        name: &str,
        synthesis: bool,
    ) -> Result<InputVariable> {
        let now = Ts::from(self.now());
        let sql = "INSERT INTO input_variables (uuid, company_id, agent_id, name, synthesis, created_at) \
                   SELECT $1, company_id, id, $4, $5, $6 FROM agents WHERE company_id = $2 AND id = $3 \
                   RETURNING uuid, name, synthesis";
        let row: Option<InputRow> = on_db!(self, write, |conn| {
            sqlx::query_as(sql)
                .bind(Uuid::now_v7())
                .bind(company.0)
                .bind(agent.0)
                .bind(name)
                .bind(synthesis)
                .bind(now)
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::unique(
            "creating an input variable",
            taken(Table::Input, name, Some(agent)),
        ))?;
        row.map(InputVariable::from)
            .ok_or_else(|| Error::not_found("agent", agent))
    }

    pub(crate) async fn change_input_variable(
        &self,
        company: CompanyId,
        uuid: Uuid,
        name: &str,
        synthesis: bool,
    ) -> Result<InputVariable> {
        let sql = "UPDATE input_variables SET name = $3, synthesis = $4 WHERE company_id = $1 AND uuid = $2 \
                   RETURNING uuid, name, synthesis";
        let row: Option<InputRow> = on_db!(self, write, |conn| {
            sqlx::query_as(sql)
                .bind(company.0)
                .bind(uuid)
                .bind(name)
                .bind(synthesis)
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::unique(
            "changing an input variable",
            taken(Table::Input, name, None),
        ))?;
        row.map(InputVariable::from)
            .ok_or_else(|| Error::not_found(Table::Input.noun(), uuid))
    }

    pub(crate) async fn list_output_variables(
        &self,
        company: CompanyId,
        agent: AgentId,
    ) -> Result<Vec<OutputVariable>> {
        let sql = "SELECT uuid, name, kind, cell FROM output_variables WHERE company_id = $1 AND agent_id = $2 ORDER BY id";
        let rows: Vec<OutputRow> = self
            .agent_rows(sql, company, agent, "listing output variables")
            .await?;
        rows.into_iter().map(OutputRow::into_variable).collect()
    }

    pub(crate) async fn insert_output_variable(
        &self,
        company: CompanyId,
        agent: AgentId,
        name: &str,
        kind: OutputKind,
        cell: Option<u32>,
    ) -> Result<OutputVariable> {
        let now = Ts::from(self.now());
        let sql = "INSERT INTO output_variables (uuid, company_id, agent_id, name, kind, cell, created_at) \
                   SELECT $1, company_id, id, $4, $5, $6, $7 FROM agents WHERE company_id = $2 AND id = $3 \
                   RETURNING uuid, name, kind, cell";
        let row: Option<OutputRow> = on_db!(self, write, |conn| {
            sqlx::query_as(sql)
                .bind(Uuid::now_v7())
                .bind(company.0)
                .bind(agent.0)
                .bind(name)
                .bind(kind.as_str())
                .bind(cell.map(i64::from))
                .bind(now)
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::unique(
            "creating an output variable",
            taken(Table::Output, name, Some(agent)),
        ))?;
        row.ok_or_else(|| Error::not_found("agent", agent))?
            .into_variable()
    }

    pub(crate) async fn change_output_variable(
        &self,
        company: CompanyId,
        uuid: Uuid,
        name: &str,
        kind: OutputKind,
        cell: Option<u32>,
    ) -> Result<OutputVariable> {
        let sql = "UPDATE output_variables SET name = $3, kind = $4, cell = $5 WHERE company_id = $1 AND uuid = $2 \
                   RETURNING uuid, name, kind, cell";
        let row: Option<OutputRow> = on_db!(self, write, |conn| {
            sqlx::query_as(sql)
                .bind(company.0)
                .bind(uuid)
                .bind(name)
                .bind(kind.as_str())
                .bind(cell.map(i64::from))
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::unique(
            "changing an output variable",
            taken(Table::Output, name, None),
        ))?;
        row.ok_or_else(|| Error::not_found(Table::Output.noun(), uuid))?
            .into_variable()
    }

    pub(crate) async fn remove_variable(
        &self,
        company: CompanyId,
        table: Table,
        uuid: Uuid,
    ) -> Result<()> {
        let sql = match table {
            Table::Input => "DELETE FROM input_variables WHERE company_id = $1 AND uuid = $2",
            Table::Output => "DELETE FROM output_variables WHERE company_id = $1 AND uuid = $2",
        };
        let deleted = on_db!(self, write, |conn| {
            sqlx::query(sql)
                .bind(company.0)
                .bind(uuid)
                .execute(&mut *conn)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(errors::db("deleting a variable"))?;
        if deleted == 0 {
            Err(Error::not_found(table.noun(), uuid))
        } else {
            Ok(())
        }
    }
}
