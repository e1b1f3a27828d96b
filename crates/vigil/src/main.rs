//! The `vigil` command: hunt, rules, bench, demo.

mod bench;
mod cli;
mod demo;
mod hunt;
mod inputs;
mod output;
mod rules_cmd;

use clap::Parser;
use cli::{Cli, Command, RulesCommand};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match &cli.command {
        Command::Hunt(args) => hunt::run(args),
        Command::Rules(RulesCommand::Check { dirs, format }) => {
            rules_cmd::check(dirs, *format).map(|ok| u8::from(!ok))
        }
        Command::Rules(RulesCommand::Test(args)) => rules_cmd::test(args).map(|ok| u8::from(!ok)),
        Command::Bench(args) => bench::run(args).map(|()| 0),
        Command::Demo(args) => demo::run(args),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
