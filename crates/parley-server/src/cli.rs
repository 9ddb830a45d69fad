//! The `parley` command line.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Layer;

/// Parley: a self-hosted conversational-AI contact center.
#[derive(Debug, Parser)]
#[command(name = "parley", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (HTTP faces, dialogs).
    Serve {
        /// Where to find the data and how to listen.
        #[command(flatten)]
        settings: Settings,
        /// Seed a demo company, an admin user and demo agents, and print how to try them.
        #[arg(long)]
        demo: bool,
    },
    /// Manage users.
    User {
        /// The user command.
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Check and test scenario files.
    Bot {
        /// The bot command.
        #[command(subcommand)]
        command: BotCommand,
    },
}

/// `parley user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user (and its company, if new).
    Create {
        /// Where the data is.
        #[command(flatten)]
        settings: Settings,
        /// Company name; created when it does not exist.
        #[arg(long)]
        company: String,
        /// Login e-mail.
        #[arg(long)]
        email: String,
        /// Password (at least 8 characters).
        #[arg(long, env = "PARLEY_USER_PASSWORD", hide_env_values = true)]
        password: String,
        /// admin, api, operator or viewer.
        #[arg(long, default_value = "admin")]
        role: String,
        /// Display name.
        #[arg(long, default_value = "")]
        name: String,
    },
}

/// `parley bot …`.
#[derive(Debug, Subcommand)]
pub enum BotCommand {
    /// Validate a scenario file and list every error with its line and column.
    Check {
        /// The scenario file (YAML).
        file: PathBuf,
    },
    /// Run the conversation tests inside a scenario file.
    Test {
        /// The scenario file (YAML).
        file: PathBuf,
    },
}

/// Settings shared by commands that open the data: a config file, then environment, then flags.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// A TOML file with any of: data_dir, host, port, database_url, body_limit, log, dialer,
    /// node, time_scale, personas, lease_seconds, tariff_per_minute, tariff_step_seconds.
    #[arg(long, env = "PARLEY_CONFIG")]
    pub config: Option<PathBuf>,
    /// Data directory (SQLite database, demo.json).
    #[arg(long, env = "PARLEY_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Address to bind.
    #[arg(long, env = "PARLEY_HOST")]
    pub host: Option<IpAddr>,
    /// Port to bind (0 picks a free one).
    #[arg(long, env = "PARLEY_PORT")]
    pub port: Option<u16>,
    /// PostgreSQL URL (postgres://…); SQLite in the data directory when absent.
    #[arg(long, env = "PARLEY_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Largest request body in bytes.
    #[arg(long, env = "PARLEY_BODY_LIMIT")]
    pub body_limit: Option<usize>,
    /// Log filter, e.g. `info` or `parley=debug`.
    #[arg(long, env = "PARLEY_LOG")]
    pub log: Option<String>,
    /// Whether this node dials outbound campaigns (true or false).
    #[arg(long, env = "PARLEY_DIALER")]
    pub dialer: Option<bool>,
    /// This node's name in dialer leases (default: host name and process id).
    #[arg(long, env = "PARLEY_NODE")]
    pub node: Option<String>,
    /// Simulated line speed: 1 real time, 0.1 ten times faster, 0 no waiting.
    #[arg(long, env = "PARLEY_TIME_SCALE")]
    pub time_scale: Option<f64>,
    /// Personas file (YAML) for the simulated line's callees.
    #[arg(long, env = "PARLEY_PERSONAS")]
    pub personas: Option<PathBuf>,
    /// Seconds a dialer claim stays this node's without renewal (after a crash, its attempts
    /// are recorded as failed once this has passed).
    #[arg(long, env = "PARLEY_LEASE_SECONDS")]
    pub lease_seconds: Option<u64>,
    /// Price of a minute of answered talk, in minor units (kopecks).
    #[arg(long, env = "PARLEY_TARIFF_PER_MINUTE")]
    pub tariff_per_minute: Option<i64>,
    /// Billing step in seconds (1 per second, 60 per started minute).
    #[arg(long, env = "PARLEY_TARIFF_STEP_SECONDS")]
    pub tariff_step_seconds: Option<u32>,
}

impl Settings {
    /// These settings as a layer over the config file (read here when given).
    pub fn layers(&self) -> anyhow::Result<Layer> {
        let file = match &self.config {
            Some(path) => Layer::from_file(path)?,
            None => Layer::default(),
        };
        Ok(file.overlay(Layer {
            data_dir: self.data_dir.clone(),
            host: self.host,
            port: self.port,
            database_url: self.database_url.clone(),
            body_limit: self.body_limit,
            log: self.log.clone(),
            dialer: self.dialer,
            node: self.node.clone(),
            time_scale: self.time_scale,
            personas: self.personas.clone(),
            lease_seconds: self.lease_seconds,
            tariff_per_minute: self.tariff_per_minute,
            tariff_step_seconds: self.tariff_step_seconds,
        }))
    }
}
