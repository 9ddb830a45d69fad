//! Server configuration: defaults, then a TOML file, then `PARLEY_*` environment, then flags.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

/// Everything `parley serve` needs, after layering.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where SQLite, recordings and `demo.json` live.
    pub data_dir: PathBuf,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// `postgres://…` to use PostgreSQL; SQLite in `data_dir` when `None`.
    pub database_url: Option<String>,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// `tracing` filter, e.g. `info` or `parley=debug`.
    pub log: String,
    /// Whether this node dials outbound campaigns.
    pub dialer: bool,
    /// This node's name in dialer leases (unique per running process).
    pub node: String,
    /// The simulated line's speed: 1 = real time, 0.1 = ten times faster, 0 = no waiting.
    pub time_scale: f64,
    /// A personas file for the simulated line; the built-in mix when `None`.
    pub personas: Option<PathBuf>,
    /// How long a dialer claim stays this node's without renewal: after a crash, another node
    /// (or this one restarted) records the attempts it held as failed once this has passed.
    pub lease_seconds: u64,
    /// What a minute of answered talk costs, in minor currency units (kopecks).
    pub tariff_per_minute: i64,
    /// Billing step in seconds (1 = per second, 60 = per started minute).
    pub tariff_step_seconds: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("parley-data"),
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080),
            database_url: None,
            body_limit: 1024 * 1024,
            log: "info".to_owned(),
            dialer: true,
            node: default_node(),
            time_scale: 1.0,
            personas: None,
            lease_seconds: 60,
            tariff_per_minute: 150,
            tariff_step_seconds: 1,
        }
    }
}

/// `<host>-<pid>`: unique among the processes sharing one database.
fn default_node() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "parley".to_owned());
    format!("{host}-{}", std::process::id())
}

/// The same settings as they may appear in a file, flags or environment: all optional.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    /// See [`Config::data_dir`].
    pub data_dir: Option<PathBuf>,
    /// Host or IP to bind.
    pub host: Option<IpAddr>,
    /// Port to bind (0 = any free port).
    pub port: Option<u16>,
    /// See [`Config::database_url`].
    pub database_url: Option<String>,
    /// See [`Config::body_limit`].
    pub body_limit: Option<usize>,
    /// See [`Config::log`].
    pub log: Option<String>,
    /// See [`Config::dialer`].
    pub dialer: Option<bool>,
    /// See [`Config::node`].
    pub node: Option<String>,
    /// See [`Config::time_scale`].
    pub time_scale: Option<f64>,
    /// See [`Config::personas`].
    pub personas: Option<PathBuf>,
    /// See [`Config::lease_seconds`].
    pub lease_seconds: Option<u64>,
    /// See [`Config::tariff_per_minute`].
    pub tariff_per_minute: Option<i64>,
    /// See [`Config::tariff_step_seconds`].
    pub tariff_step_seconds: Option<u32>,
}

impl Layer {
    /// Reads a TOML file of settings.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read config file {}; check the --config path",
                path.display()
            )
        })?;
        toml::from_str(&text)
            .with_context(|| format!("config file {} is not valid", path.display()))
    }

    /// `self` with every setting of `over` that is present taking its place.
    #[must_use]
    pub fn overlay(self, over: Layer) -> Layer {
        Layer {
            data_dir: over.data_dir.or(self.data_dir),
            host: over.host.or(self.host),
            port: over.port.or(self.port),
            database_url: over.database_url.or(self.database_url),
            body_limit: over.body_limit.or(self.body_limit),
            log: over.log.or(self.log),
            dialer: over.dialer.or(self.dialer),
            node: over.node.or(self.node),
            time_scale: over.time_scale.or(self.time_scale),
            personas: over.personas.or(self.personas),
            lease_seconds: over.lease_seconds.or(self.lease_seconds),
            tariff_per_minute: over.tariff_per_minute.or(self.tariff_per_minute),
            tariff_step_seconds: over.tariff_step_seconds.or(self.tariff_step_seconds),
        }
    }
}

impl Config {
    /// Defaults with `layer` applied.
    pub fn from_layer(layer: Layer) -> Result<Self> {
        let defaults = Config::default();
        let database_url = layer.database_url.filter(|url| !url.trim().is_empty());
        let supported = |url: &String| {
            ["postgres://", "postgresql://", "sqlite:"]
                .iter()
                .any(|scheme| url.starts_with(scheme))
        };
        if database_url.as_ref().is_some_and(|url| !supported(url)) {
            anyhow::bail!(
                "database URL must start with postgres:// (or sqlite:); leave it unset to use SQLite in the data directory"
            );
        }
        let time_scale = layer.time_scale.unwrap_or(defaults.time_scale);
        if !(0.0..=100.0).contains(&time_scale) {
            anyhow::bail!(
                "time_scale must be between 0 (no waiting) and 100; 1 is real time, 0.1 ten times faster"
            );
        }
        let lease_seconds = layer.lease_seconds.unwrap_or(defaults.lease_seconds);
        if lease_seconds == 0 {
            anyhow::bail!("lease_seconds must be at least 1 (60 is a good value)");
        }
        let tariff_per_minute = layer
            .tariff_per_minute
            .unwrap_or(defaults.tariff_per_minute);
        let tariff_step_seconds = layer
            .tariff_step_seconds
            .unwrap_or(defaults.tariff_step_seconds);
        if tariff_per_minute < 0 || tariff_step_seconds == 0 {
            anyhow::bail!(
                "the tariff needs a price per minute of 0 or more (in kopecks) and a billing step of at least 1 second"
            );
        }
        let node = layer
            .node
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(defaults.node);
        Ok(Config {
            data_dir: layer.data_dir.unwrap_or(defaults.data_dir),
            listen: SocketAddr::new(
                layer.host.unwrap_or(defaults.listen.ip()),
                layer.port.unwrap_or(defaults.listen.port()),
            ),
            database_url,
            body_limit: layer.body_limit.unwrap_or(defaults.body_limit),
            log: layer.log.unwrap_or(defaults.log),
            dialer: layer.dialer.unwrap_or(defaults.dialer),
            node,
            time_scale,
            personas: layer.personas,
            lease_seconds,
            tariff_per_minute,
            tariff_step_seconds,
        })
    }

    /// The database to open: the configured URL, or `parley.db` in the data directory.
    pub fn database(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => self.data_dir.join("parley.db").display().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_need_no_config() {
        let config = Config::from_layer(Layer::default()).unwrap();
        assert_eq!(config.data_dir, PathBuf::from("parley-data"));
        assert_eq!(config.listen.port(), 8080);
        assert_eq!(config.database(), "parley-data/parley.db");
    }

    #[test]
    fn later_layers_win_and_absent_settings_fall_through() {
        let file: Layer =
            toml::from_str("port = 9000\ndata_dir = \"/srv/parley\"\nlog = \"debug\"").unwrap();
        let env = Layer {
            port: Some(9100),
            ..Layer::default()
        };
        let flags = Layer {
            log: Some("warn".into()),
            ..Layer::default()
        };
        let config = Config::from_layer(file.overlay(env).overlay(flags)).unwrap();
        assert_eq!(config.listen.port(), 9100);
        assert_eq!(config.data_dir, PathBuf::from("/srv/parley"));
        assert_eq!(config.log, "warn");
    }

    #[test]
    fn bad_files_and_urls_say_what_to_do() {
        assert!(toml::from_str::<Layer>("prot = 1").is_err());
        let err = Config::from_layer(Layer {
            database_url: Some("mysql://x".into()),
            ..Layer::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("postgres://"));
        let err = Layer::from_file(Path::new("/nonexistent/parley.toml")).unwrap_err();
        assert!(err.to_string().contains("--config"));
    }

    #[test]
    fn dialer_settings_are_checked() {
        let file: Layer = toml::from_str(
            "time_scale = 0.1\nlease_seconds = 5\ntariff_per_minute = 200\ntariff_step_seconds = 60\nnode = \"a\"",
        )
        .unwrap();
        let config = Config::from_layer(file).unwrap();
        assert_eq!(
            (
                config.time_scale,
                config.lease_seconds,
                config.tariff_per_minute
            ),
            (0.1, 5, 200)
        );
        assert_eq!(
            (config.tariff_step_seconds, config.node.as_str()),
            (60, "a")
        );
        for (layer, says) in [
            (
                Layer {
                    time_scale: Some(-1.0),
                    ..Layer::default()
                },
                "time_scale",
            ),
            (
                Layer {
                    lease_seconds: Some(0),
                    ..Layer::default()
                },
                "lease_seconds",
            ),
            (
                Layer {
                    tariff_step_seconds: Some(0),
                    ..Layer::default()
                },
                "billing step",
            ),
        ] {
            let err = Config::from_layer(layer).unwrap_err().to_string();
            assert!(err.contains(says), "{err}");
        }
    }
}
