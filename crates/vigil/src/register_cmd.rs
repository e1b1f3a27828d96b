//! `vigil register import|export`: the register of information systems from and to the
//! spreadsheets provinces keep (CSV or XLSX), on the data directory's state database.

use crate::cli::{DataArgs, RegisterCommand, SheetFormat};
use crate::config::DataDir;
use anyhow::Result;
use std::path::Path;
use vigil_soc::spreadsheet::{write_csv, write_xlsx};
use vigil_soc::{parse_register, read_table, Register};
use vigil_store::db::{SystemFilter, Tenant};

/// Who the audit log names for imports from the shell.
const SHELL_ACTOR: &str = "cli";

/// Runs a register command; answers the exit code (1 when the file has bad rows).
pub async fn run(command: &RegisterCommand) -> Result<u8> {
    match command {
        RegisterCommand::Import {
            file,
            dry_run,
            data,
        } => import(file, *dry_run, data).await,
        RegisterCommand::Export { format, out, data } => {
            export(*format, out, data).await?;
            Ok(0)
        }
    }
}

async fn import(file: &Path, dry_run: bool, data: &DataArgs) -> Result<u8> {
    let table = read_table(file)?;
    let rows = match parse_register(&table) {
        Ok(rows) => rows,
        Err(bad) => {
            for row in &bad {
                println!("{row}");
            }
            eprintln!(
                "{} dòng lỗi, không nhập gì ({} bad rows, nothing imported)",
                bad.len(),
                bad.len()
            );
            return Ok(1);
        }
    };
    let agencies: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r.agency.as_str()).collect();
    if dry_run {
        println!(
            "kiểm tra xong: {} hệ thống của {} cơ quan hợp lệ, chưa nhập \
             (dry run: {} systems of {} agencies are valid, nothing imported)",
            rows.len(),
            agencies.len(),
            rows.len(),
            agencies.len()
        );
        return Ok(0);
    }
    let db = DataDir::new(&data.data_dir).db().await?;
    let outcome = Register::new(db).import(&rows, SHELL_ACTOR).await?;
    println!(
        "đã nhập: {} hệ thống mới, {} cập nhật, {} cơ quan mới \
         (imported: {} systems created, {} updated, {} agencies created)",
        outcome.systems_created,
        outcome.systems_updated,
        outcome.agencies_created,
        outcome.systems_created,
        outcome.systems_updated,
        outcome.agencies_created
    );
    Ok(0)
}

async fn export(format: SheetFormat, out: &Path, data: &DataArgs) -> Result<()> {
    let db = DataDir::new(&data.data_dir).db().await?;
    let systems = db
        .list_systems(&Tenant::All, &SystemFilter::default())
        .await?;
    match format {
        SheetFormat::Csv => write_csv(&systems, out)?,
        SheetFormat::Xlsx => write_xlsx(&systems, out)?,
    }
    eprintln!("{} systems → {}", systems.len(), out.display());
    Ok(())
}
