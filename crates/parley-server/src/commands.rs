//! `parley user create`, `parley bot check` and `parley bot test`.

use std::path::Path;

use anyhow::{Context, Result};
use parley_domain::ErrorKind;
use parley_domain::directory_service::CreateUser;
use parley_domain::values::Role;

use crate::app::App;
use crate::config::Config;

/// Creates a user, and its company when there is none of that name.
pub async fn create_user(
    config: Config,
    company: &str,
    email: &str,
    password: &str,
    role: &str,
    name: &str,
) -> Result<()> {
    let role = Role::parse(role).map_err(|e| anyhow::anyhow!(e.to_string()))?;
    let app = App::open(&config).await?;
    let company = app
        .services
        .directory
        .ensure_company(company)
        .await
        .map_err(|e| anyhow::anyhow!(e.to_string()))?;
    let user = CreateUser {
        email: email.into(),
        name: name.into(),
        role,
        password: password.into(),
    };
    let created = app
        .services
        .directory
        .create_user(company.id, user)
        .await
        .map_err(|e| match e.kind() {
            ErrorKind::Conflict => anyhow::anyhow!("a user with the login {email} already exists"),
            _ => anyhow::anyhow!(e.to_string()),
        })?;
    crate::say(&format!(
        "created user {} ({}) in company \"{}\" (id {})",
        created.email, created.role, company.name, company.id
    ));
    app.store.close().await;
    Ok(())
}

fn read_scenario(file: &Path) -> Result<String> {
    std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
}

/// Validates a scenario file; `Ok(false)` when it has errors (printed with line and column).
pub fn check_bot(file: &Path) -> Result<bool> {
    let source = read_scenario(file)?;
    match parley_scenario::parse(&source) {
        Ok(scenario) => {
            crate::say(&format!(
                "{}: ok — \"{}\", {} blocks, entry points: {}, {} conversation tests",
                file.display(),
                scenario.name(),
                scenario.block_count(),
                scenario.entry_points().join(", "),
                scenario.tests().len()
            ));
            Ok(true)
        }
        Err(diagnostics) => {
            for diagnostic in &diagnostics {
                crate::say(&format!("{}:{diagnostic}", file.display()));
            }
            crate::say(&format!(
                "{}: {} error(s)",
                file.display(),
                diagnostics.len()
            ));
            Ok(false)
        }
    }
}

/// Runs a scenario file's conversation tests; `Ok(false)` when any fails.
pub fn test_bot(file: &Path) -> Result<bool> {
    let source = read_scenario(file)?;
    let scenario = match parley_scenario::parse(&source) {
        Ok(scenario) => scenario,
        Err(_) => {
            check_bot(file)?;
            return Ok(false);
        }
    };
    let outcomes = parley_scenario::run_tests(&scenario);
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    for outcome in &outcomes {
        crate::say(&format!(
            "{} {}",
            if outcome.passed { "ok  " } else { "FAIL" },
            outcome.name
        ));
        for failure in &outcome.failures {
            crate::say(&format!("       {failure}"));
        }
    }
    if outcomes.is_empty() {
        crate::say(&format!(
            "{}: no conversation tests (add a `tests:` section)",
            file.display()
        ));
    }
    crate::say(&format!(
        "{} passed, {} failed",
        outcomes.len() - failed,
        failed
    ));
    Ok(failed == 0)
}
