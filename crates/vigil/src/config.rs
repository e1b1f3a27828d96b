//! Settings of `vigil serve` and the data-directory commands: defaults, then `vigil.toml`
//! in the data directory (or `--config`), then `VIGIL_*` environment variables and flags
//! (clap fills those two), later sources winning.

use anyhow::{Context, Result};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The commented default `vigil init` writes.
pub const DEFAULT_TOML: &str = r#"# Vigil configuration. Every setting can also be given as a flag of `vigil serve`
# or as an environment variable (VIGIL_LISTEN, VIGIL_SYSLOG, ...); flags win.

# HTTP: console, REST API, JSON Lines / Elasticsearch _bulk / Splunk HEC ingest.
listen = "127.0.0.1:8080"

# Syslog over UDP and TCP (RFC 5424 and RFC 3164; LF or octet-counting framing).
syslog = "127.0.0.1:5514"

# Syslog over TLS: set both a PEM certificate chain and its private key.
# syslog_tls = "0.0.0.0:6514"
# tls_cert = "/etc/vigil/tls/cert.pem"
# tls_key = "/etc/vigil/tls/key.pem"

# Extra Sigma rule directories (Vigil's built-in rules are always loaded unless
# builtin_rules = false). Files are re-read when they change.
rules = []
builtin_rules = true

# Days of events kept in the event store (0 keeps everything).
retention_days = 90

# Repeats of a rule on the same host within this many minutes fold into one alert.
alert_window_minutes = 15

# Longest single log message in bytes; longer ones are cut and flagged as truncated.
max_message_bytes = 65536

# Longest time, in milliseconds, before a received event is searchable. Alerts do not
# wait for it; larger values let the event store index in bigger, cheaper steps.
refresh_ms = 1000
"#;

/// What `vigil.toml` may say (all optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<SocketAddr>,
    pub syslog: Option<SocketAddr>,
    pub syslog_tls: Option<SocketAddr>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub rules: Option<Vec<PathBuf>>,
    pub builtin_rules: Option<bool>,
    pub retention_days: Option<u32>,
    pub alert_window_minutes: Option<i64>,
    pub max_message_bytes: Option<usize>,
    pub refresh_ms: Option<u64>,
}

impl FileConfig {
    /// Reads `path` when given, else `<data_dir>/vigil.toml` when it exists.
    pub fn read(path: Option<&Path>, data_dir: &Path) -> Result<FileConfig> {
        let path = match path {
            Some(p) => p.to_owned(),
            None => {
                let default = data_dir.join("vigil.toml");
                if !default.exists() {
                    return Ok(FileConfig::default());
                }
                default
            }
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("in {}", path.display()))
    }
}

/// Where the data directory keeps each part.
pub struct DataDir {
    pub root: PathBuf,
}

impl DataDir {
    pub fn new(root: &Path) -> DataDir {
        DataDir {
            root: root.to_owned(),
        }
    }

    pub fn state_url(&self) -> String {
        format!("sqlite://{}", self.root.join("state.db").display())
    }

    pub fn events(&self) -> PathBuf {
        self.root.join("events")
    }

    pub fn bus(&self) -> PathBuf {
        self.root.join("bus")
    }

    /// Opens the state database (creating it and applying migrations).
    pub async fn db(&self) -> Result<vigil_store::db::Db> {
        std::fs::create_dir_all(&self.root)
            .with_context(|| format!("creating {}", self.root.display()))?;
        vigil_store::db::Db::open(&self.state_url())
            .await
            .with_context(|| format!("opening the state database in {}", self.root.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_file_parses_and_says_what_the_defaults_are() {
        let parsed: FileConfig = toml::from_str(DEFAULT_TOML).unwrap();
        assert_eq!(parsed.listen, Some("127.0.0.1:8080".parse().unwrap()));
        assert_eq!(parsed.syslog, Some("127.0.0.1:5514".parse().unwrap()));
        assert_eq!(parsed.retention_days, Some(90));
        assert!(parsed.syslog_tls.is_none());
    }

    #[test]
    fn unknown_keys_are_errors() {
        assert!(toml::from_str::<FileConfig>("listn = \"1.2.3.4:5\"").is_err());
    }
}
