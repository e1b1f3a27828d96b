//! The migrations, embedded in the binary so `vigil` needs no files beside it.
//!
//! Each entry names a file in `crates/store/migrations`; a test checks that the list and
//! the folder agree, so a new file cannot be forgotten here.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

/// `(version, description, file name, SQL)` in apply order.
pub(crate) const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "state",
        "0001_state.sql",
        include_str!("../../migrations/0001_state.sql"),
    ),
    (
        2,
        "accounts",
        "0002_accounts.sql",
        include_str!("../../migrations/0002_accounts.sql"),
    ),
    (
        3,
        "notifications",
        "0003_notifications.sql",
        include_str!("../../migrations/0003_notifications.sql"),
    ),
    (
        4,
        "register",
        "0004_register.sql",
        include_str!("../../migrations/0004_register.sql"),
    ),
    (
        5,
        "incidents",
        "0005_incidents.sql",
        include_str!("../../migrations/0005_incidents.sql"),
    ),
    (
        6,
        "alert indexes",
        "0006_alert_indexes.sql",
        include_str!("../../migrations/0006_alert_indexes.sql"),
    ),
];

#[derive(Debug)]
struct Embedded;

impl MigrationSource<'static> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 'static>> {
        Box::pin(async {
            Ok(MIGRATIONS
                .iter()
                .map(|&(version, description, _, sql)| {
                    Migration::new(
                        version,
                        Cow::Borrowed(description),
                        MigrationType::Simple,
                        Cow::Borrowed(sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

pub(crate) async fn migrator() -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Embedded).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_migration_file_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<&str> = super::MIGRATIONS.iter().map(|m| m.2).collect();
        assert_eq!(files, listed);
    }
}
