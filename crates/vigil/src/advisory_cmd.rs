//! `vigil advisory import-kev|import-nvd`: vulnerability files carried into an
//! air-gapped network (CISA KEV catalogue, NVD CVE API 2.0 records) matched against the
//! register's software components. Each CVE that affects a registered system becomes a
//! draft advisory (one per CVE, kept if already drafted) and is printed with the systems
//! and agencies it affects, fields separated by tabs: a line per CVE (CVE id, severity,
//! title, `draft <advisory id>`, `new` or `existing`), then a line per affected system
//! indented by two spaces (agency, system, `level N`, the matched components).

use crate::cli::{AdvisoryCommand, DataArgs};
use crate::config::DataDir;
use anyhow::{Context, Result};
use chrono::Utc;
use std::path::Path;
use vigil_soc::advisories::{target, DraftFromFeed, Targeting};
use vigil_soc::vulnerability_feeds::{read_kev, read_nvd, FeedEntry, FeedError};
use vigil_soc::Advisories;
use vigil_store::db::{SystemFilter, Tenant};

/// Who the audit log names for drafts made from the shell.
const SHELL_ACTOR: &str = "cli";

/// What a draft asks agencies to do when the feed says nothing.
const DEFAULT_GUIDANCE: &str = "Rà soát các hệ thống được liệt kê, cập nhật bản vá hoặc áp dụng \
    biện pháp giảm thiểu theo khuyến cáo của nhà sản xuất, kiểm tra dấu hiệu bị khai thác và báo \
    cáo kết quả khắc phục.";

/// Runs an advisory command; answers the exit code.
pub async fn run(command: &AdvisoryCommand) -> Result<u8> {
    match command {
        AdvisoryCommand::ImportKev { file, data } => import(file, data, read_kev).await,
        AdvisoryCommand::ImportNvd { file, data } => import(file, data, read_nvd).await,
    }
}

async fn import(
    file: &Path,
    data: &DataArgs,
    read: fn(&[u8]) -> Result<Vec<FeedEntry>, FeedError>,
) -> Result<u8> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let entries = read(&bytes).with_context(|| file.display().to_string())?;
    let db = DataDir::new(&data.data_dir).db().await?;
    let agencies = db.list_agencies().await?;
    let systems = db
        .list_systems(&Tenant::All, &SystemFilter::default())
        .await?;
    let advisories = Advisories::new(db);
    let now = Utc::now();
    let mut matched = 0;
    for entry in &entries {
        let targeting = Targeting {
            components: entry.criteria.clone(),
            ..Targeting::default()
        };
        let targets = target(&targeting, &agencies, &systems);
        if targets.is_empty() {
            continue;
        }
        matched += 1;
        let draft = DraftFromFeed {
            source: entry.source,
            cve: &entry.cve,
            title: entry.title.clone(),
            severity: entry.severity,
            description: entry.description.clone(),
            guidance: entry
                .required_action
                .clone()
                .unwrap_or_else(|| DEFAULT_GUIDANCE.to_owned()),
            references: entry.references.clone(),
            targeting,
        };
        let (advisory, created) = advisories.draft_from_feed(draft, now, SHELL_ACTOR).await?;
        println!(
            "{}\t{}\t{}\t{} {}\t{}",
            entry.cve,
            entry.severity,
            entry.title,
            advisory.status.as_str(),
            advisory.id,
            if created { "new" } else { "existing" }
        );
        for t in &targets {
            for s in &t.systems {
                println!(
                    "  {}\t{}\tlevel {}\t{}",
                    t.agency,
                    s.name,
                    s.level,
                    s.components.join(", ")
                );
            }
        }
    }
    eprintln!(
        "{matched}/{} CVE ảnh hưởng hệ thống đã đăng ký ({matched} of {} CVEs affect registered systems)",
        entries.len(),
        entries.len()
    );
    Ok(0)
}
