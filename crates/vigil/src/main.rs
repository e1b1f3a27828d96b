//! The `vigil` command: serve, demo, import, hunt, rules, bench, and data-directory
//! administration (init, agency, source, token, user, register, advisory).

mod admin;
mod advisory_cmd;
mod bench;
mod bench_console;
mod bench_ingest;
mod cli;
mod config;
mod demo;
mod hunt;
mod import;
mod inputs;
mod output;
mod register_cmd;
mod rules_cmd;
mod serve;

use clap::Parser;
use cli::{BenchCommand, BenchSubcommand, Cli, Command, RulesCommand, TokenCommand, UserCommand};
use std::future::Future;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: indexing, parsing and matching allocate many
/// small short-lived values on several threads, where glibc's malloc spent a fifth of
/// the ingest pipeline's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Runs an async command on a fresh multi-threaded runtime.
fn block_on<T>(future: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Runtime::new()?.block_on(future)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("VIGIL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let outcome = match &cli.command {
        Command::Hunt(args) => hunt::run(args),
        Command::Rules(RulesCommand::Check { dirs, format }) => {
            rules_cmd::check(dirs, *format).map(|ok| u8::from(!ok))
        }
        Command::Rules(RulesCommand::Test(args)) => rules_cmd::test(args).map(|ok| u8::from(!ok)),
        Command::Bench(BenchCommand {
            ingest: Some(BenchSubcommand::Ingest(args)),
            ..
        }) => block_on(bench_ingest::run(args)).map(|()| 0),
        Command::Bench(BenchCommand {
            ingest: Some(BenchSubcommand::Console(args)),
            ..
        }) => block_on(bench_console::run(args)).map(|()| 0),
        Command::Bench(BenchCommand { hunt, .. }) => bench::run(hunt).map(|()| 0),
        Command::Demo(args) => demo::run(args),
        Command::Init(args) => block_on(admin::init(args)).map(|()| 0),
        Command::Serve(args) => block_on(serve::run(args)).map(|()| 0),
        Command::Agency(command) => block_on(admin::agency(command)).map(|()| 0),
        Command::Source(command) => block_on(admin::source(command)).map(|()| 0),
        Command::Token(TokenCommand::Create(args)) => {
            block_on(admin::token_create(args)).map(|()| 0)
        }
        Command::User(UserCommand::Add(args)) => block_on(admin::user_add(args)).map(|()| 0),
        Command::Import(args) => block_on(import::run(args)),
        Command::Register(command) => block_on(register_cmd::run(command)),
        Command::Advisory(command) => block_on(advisory_cmd::run(command)),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
