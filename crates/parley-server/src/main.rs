//! The `parley` binary: parses the command line, sets up logging and runs the command.

mod app;
mod cli;
mod commands;
mod config;
mod demo;
mod http_out;
mod runners;
mod serve;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use crate::cli::{BotCommand, Cli, Command, Settings, UserCommand};
use crate::config::Config;

/// mimalloc: the server allocates many small, short-lived buffers per request (JSON, SQL
/// parameters, rows) across threads, which it serves faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Prints a line for the user on standard output.
pub(crate) fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    // A closed stdout (e.g. `parley … | head`) is not worth failing for.
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn config_of(settings: &Settings) -> anyhow::Result<Config> {
    let config = Config::from_layer(settings.layers()?)?;
    init_logging(&config.log);
    Ok(config)
}

fn init_logging(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn run(cli: Cli) -> anyhow::Result<bool> {
    // reqwest is built without a default crypto provider; webhooks over https use ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    match cli.command {
        Command::Serve { settings, demo } => {
            let config = config_of(&settings)?;
            runtime()?.block_on(serve::run(config, demo))?;
            Ok(true)
        }
        Command::User {
            command:
                UserCommand::Create {
                    settings,
                    company,
                    email,
                    password,
                    role,
                    name,
                },
        } => {
            let config = config_of(&settings)?;
            runtime()?.block_on(commands::create_user(
                config, &company, &email, &password, &role, &name,
            ))?;
            Ok(true)
        }
        Command::Bot {
            command: BotCommand::Check { file },
        } => commands::check_bot(&file),
        Command::Bot {
            command: BotCommand::Test { file },
        } => commands::test_bot(&file),
    }
}
