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
    /// Measure parsing and detection speed.
    Bench(BenchArgs),
    /// Generate a realistic day of logs with attacks and hunt through it.
    Demo(DemoArgs),
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
    /// Where to write the generated day (default: a temporary directory).
    #[arg(long)]
    pub out_dir: Option<PathBuf>,
    /// Seed for the generator (the same seed gives the same day).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Extra rule directories to hunt with, e.g. SigmaHQ's rules.
    #[arg(long, num_args = 1..)]
    pub rules: Vec<PathBuf>,
}
