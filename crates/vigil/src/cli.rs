//! Command-line interface definitions (clap). Behaviour lives in the command modules.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use vigil_sigma::Level;

/// Vigil: security monitoring for a province's information systems.
#[derive(Parser, Debug)]
#[command(name = "vigil", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Sweep log files (EVTX, JSON, JSON Lines) with Sigma rules, offline.
    Hunt(HuntArgs),
    /// Check and test rule sets.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Measure parsing and detection speed (`bench <FILES>`), or the live pipeline
    /// (`bench ingest`).
    Bench(BenchCommand),
    /// Start Vigil on a temporary data directory and replay a generated day of a
    /// province's logs with attacks in it, so you see alerts within seconds.
    Demo(DemoArgs),
    /// Create a data directory with a commented `vigil.toml`.
    Init(InitArgs),
    /// Run the always-on pipeline: ingest, detect, alert, store, API.
    Serve(Box<ServeArgs>),
    /// Manage agencies.
    #[command(subcommand)]
    Agency(AgencyCommand),
    /// Register source addresses (IP, CIDR or host name) of an agency's systems.
    #[command(subcommand)]
    Source(SourceCommand),
    /// Manage API and ingest tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage user accounts of the console and the API.
    #[command(subcommand)]
    User(UserCommand),
    /// Send log files (EVTX, JSON, plain logs) into a running `vigil serve`.
    Import(ImportArgs),
    /// The register of information systems: import and export spreadsheets.
    #[command(subcommand)]
    Register(RegisterCommand),
    /// Advisories: draft them from vulnerability files (CISA KEV, NVD CVE 2.0).
    #[command(subcommand)]
    Advisory(AdvisoryCommand),
}

/// The data directory a command works on.
#[derive(Args, Debug, Clone)]
pub struct DataArgs {
    #[arg(long, env = "VIGIL_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    #[arg(long, env = "VIGIL_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
}

#[derive(Args, Debug, Clone, Default)]
pub struct ServeArgs {
    #[arg(long, env = "VIGIL_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Configuration file (default: `<data-dir>/vigil.toml` when present).
    #[arg(long, env = "VIGIL_CONFIG")]
    pub config: Option<PathBuf>,
    /// HTTP address (console, API, HTTP ingest). Default 127.0.0.1:8080.
    #[arg(long, env = "VIGIL_LISTEN")]
    pub listen: Option<std::net::SocketAddr>,
    /// Syslog UDP and TCP address. Default 127.0.0.1:5514.
    #[arg(long, env = "VIGIL_SYSLOG")]
    pub syslog: Option<std::net::SocketAddr>,
    /// Syslog over TLS address (needs --tls-cert and --tls-key).
    #[arg(long, env = "VIGIL_SYSLOG_TLS")]
    pub syslog_tls: Option<std::net::SocketAddr>,
    /// PEM certificate chain for syslog over TLS.
    #[arg(long, env = "VIGIL_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for syslog over TLS.
    #[arg(long, env = "VIGIL_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// Extra Sigma rule files or directories (repeatable).
    #[arg(long, num_args = 1.., env = "VIGIL_RULES", value_delimiter = ',')]
    pub rules: Vec<PathBuf>,
    /// Do not load Vigil's built-in rule pack.
    #[arg(long)]
    pub no_builtin_rules: bool,
    /// Days of events kept (0 keeps everything). Default 90.
    #[arg(long, env = "VIGIL_RETENTION_DAYS")]
    pub retention_days: Option<u32>,
}

#[derive(Subcommand, Debug)]
pub enum AgencyCommand {
    /// Create an agency; prints its id.
    Add {
        name: String,
        /// Parent agency (name or id).
        #[arg(long)]
        parent: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List agencies (id and name).
    List {
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum RegisterCommand {
    /// Import agencies and information systems from a CSV or XLSX file: columns agency,
    /// system_name, level, dossier_status, addresses, components (header row, any order).
    /// A file with any bad row imports nothing; every bad row is listed.
    Import {
        file: PathBuf,
        /// Check the file and report, without importing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Export every registered system, in the columns import reads.
    Export {
        #[arg(long, value_enum)]
        format: SheetFormat,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum AdvisoryCommand {
    /// Match a CISA KEV catalogue (JSON) against the register's components; print each
    /// CVE that affects registered systems, with them, and draft an advisory for it.
    ImportKev {
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Match NVD CVE API 2.0 records (JSON) by CPE and version range against the
    /// register's components; print and draft as `import-kev` does.
    ImportNvd {
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
}

/// Spreadsheet formats of `register export`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetFormat {
    Csv,
    Xlsx,
}

#[derive(Subcommand, Debug)]
pub enum SourceCommand {
    /// Attribute events from an address to an agency (and system).
    Add {
        /// An IP address, a CIDR block (10.1.0.0/16) or a host name.
        address: String,
        #[arg(long)]
        agency: String,
        #[arg(long)]
        system: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a token and print it (only it) on standard output.
    Create(TokenArgs),
}

#[derive(Args, Debug)]
pub struct TokenArgs {
    /// The agency the token belongs to (name or id).
    #[arg(long)]
    pub agency: Option<String>,
    /// ingest, api or admin.
    #[arg(long, default_value = "ingest")]
    pub scope: String,
    /// Role of an api token: admin, soc_analyst, leader, agency_officer, auditor.
    #[arg(long)]
    pub role: Option<String>,
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user and print its one-time password (only it) on standard output; the
    /// user must change it at the first login.
    Add(UserAddArgs),
}

#[derive(Args, Debug)]
pub struct UserAddArgs {
    /// Login name: letters, digits, '.', '_', '-' or '@' (case does not matter).
    pub login: String,
    #[arg(long, value_parser = ["admin", "soc_analyst", "leader", "agency_officer", "auditor"])]
    pub role: String,
    /// The agency the user belongs to (name or id); required for agency_officer.
    #[arg(long)]
    pub agency: Option<String>,
    /// The name the console shows (default: the login).
    #[arg(long)]
    pub display_name: Option<String>,
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Files or directories (EVTX, JSON, JSON Lines, plain logs).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The agency the evidence belongs to (name or id).
    #[arg(long)]
    pub agency: String,
    /// The running Vigil.
    #[arg(long, env = "VIGIL_URL", default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// Ingest token; by default one is made for the agency in --data-dir.
    #[arg(long, env = "VIGIL_TOKEN")]
    pub token: Option<String>,
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// Compile every rule and list those that cannot be compiled, with reasons.
    Check {
        /// Rule files or directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
    /// Run SigmaHQ-style regression samples: each must trigger its rule.
    Test(RulesTestArgs),
}

#[derive(Args, Debug)]
pub struct RulesTestArgs {
    /// Rule files or directories (the rules under test and any others).
    #[arg(long, required = true, num_args = 1..)]
    pub rules: Vec<PathBuf>,
    /// Folder with `info.yml` files naming the samples and the rule each must trigger.
    #[arg(long)]
    pub regression: PathBuf,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Jsonl,
    Json,
    Csv,
}

/// Which rules to load and how.
#[derive(Args, Debug, Clone)]
pub struct RuleArgs {
    /// Rule files or directories (repeatable). Vigil's built-in rules are always loaded
    /// unless --no-builtin-rules; an empty directory with --no-builtin-rules only parses.
    #[arg(long, num_args = 1..)]
    pub rules: Vec<PathBuf>,
    /// Do not load Vigil's built-in rule pack.
    #[arg(long)]
    pub no_builtin_rules: bool,
    /// Lowest rule level to use.
    #[arg(long, value_parser = parse_level, default_value = "informational")]
    pub min_level: Level,
    /// Rule statuses to use (comma-separated); default: all but deprecated and unsupported.
    #[arg(long, value_delimiter = ',')]
    pub status: Vec<String>,
    /// YAML file of placeholder values for the `expand` modifier (name: [values]).
    #[arg(long)]
    pub placeholders: Option<PathBuf>,
    /// Logsource mapping file to use instead of the built-in one.
    #[arg(long)]
    pub mapping: Option<PathBuf>,
}

fn parse_level(s: &str) -> Result<Level, String> {
    s.parse()
        .map_err(|e: vigil_sigma::SigmaError| e.to_string())
}

#[derive(Args, Debug)]
pub struct HuntArgs {
    /// Files or directories to sweep (recursively).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Only events at or after this time (RFC 3339 or YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<String>,
    /// Only events before this time (RFC 3339 or YYYY-MM-DD).
    #[arg(long)]
    pub to: Option<String>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Write detections here instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar or summary.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BenchCommand {
    #[command(subcommand)]
    pub ingest: Option<BenchSubcommand>,
    #[command(flatten)]
    pub hunt: BenchArgs,
}

#[derive(Subcommand, Debug)]
pub enum BenchSubcommand {
    /// Drive syslog TCP and Elasticsearch `_bulk` at full speed into an in-process
    /// `vigil serve` and report sustained events/s, receipt-to-alert latency and memory,
    /// against a baseline run without rules.
    Ingest(BenchIngestArgs),
    /// Fill the event store and the alert table (10 million events and 1 million alerts
    /// for the figures the README reports) and time how fast the console's pages answer.
    Console(BenchConsoleArgs),
}

#[derive(Args, Debug)]
pub struct BenchConsoleArgs {
    /// Events the store should hold.
    #[arg(long, default_value_t = 1_000_000)]
    pub events: usize,
    /// Alerts the state database should hold.
    #[arg(long, default_value_t = 100_000)]
    pub alerts: usize,
    /// Requests per page (the first is reported on its own, as the cold one).
    #[arg(long, default_value_t = 10)]
    pub rounds: usize,
    /// Keep the filled data here (and reuse what an earlier run left) instead of a
    /// temporary directory.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Args, Debug)]
pub struct BenchIngestArgs {
    /// Rule files or directories, e.g. SigmaHQ's rule sets (built-in rules are added).
    #[arg(long, num_args = 1..)]
    pub rules: Vec<PathBuf>,
    /// Events per run (half over syslog TCP, half over `_bulk`).
    #[arg(long, default_value_t = 400_000)]
    pub events: usize,
    /// Concurrent syslog TCP connections.
    #[arg(long, default_value_t = 4)]
    pub syslog_connections: usize,
    /// Concurrent `_bulk` clients.
    #[arg(long, default_value_t = 4)]
    pub bulk_clients: usize,
    /// Documents per `_bulk` request.
    #[arg(long, default_value_t = 1000)]
    pub bulk_size: usize,
    /// Skip the baseline run without rules.
    #[arg(long)]
    pub no_baseline: bool,
    /// Event-store commit interval of the server under test (its `refresh_ms`).
    #[arg(long, default_value_t = 1000)]
    pub refresh_ms: u64,
    /// Events per second of the paced run that measures receipt-to-alert latency
    /// (default: half the throughput the full-speed run sustained).
    #[arg(long)]
    pub paced_rate: Option<f64>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// EVTX files or directories to measure over.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Rounds of each measurement (the median is reported).
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Only generate the day into --out-dir and hunt it offline (no server).
    #[arg(long)]
    pub offline: bool,
    /// Where --offline writes the generated day (default: a temporary directory).
    #[arg(long)]
    pub out_dir: Option<PathBuf>,
    /// Data directory of the demo server (default: a fresh temporary directory).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// HTTP address of the demo server (another free port is used if it is taken).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Stop once the day is replayed and the alerts are printed, instead of serving on.
    #[arg(long)]
    pub exit_after_replay: bool,
    /// Seed for the generator (the same seed gives the same day).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Extra rule directories to hunt with, e.g. SigmaHQ's rules.
    #[arg(long, num_args = 1..)]
    pub rules: Vec<PathBuf>,
}
