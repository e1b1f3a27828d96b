//! The two backends every state-database test runs on: SQLite in a temp dir, and
//! PostgreSQL in a fresh schema per test of `postgres://postgres@127.0.0.1:5432/test` (or
//! `VIGIL_TEST_PG`), skipped with a note when no server answers.

use std::future::Future;

use vigil_store::db::Db;

const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

pub async fn on_sqlite<F, Fut>(test: F)
where
    F: FnOnce(Db, String) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/data/vigil.db", dir.path().display());
    let db = Db::open(&url).await.unwrap();
    test(db.clone(), url).await;
    db.close().await;
}

pub async fn on_postgres<F, Fut>(test: F)
where
    F: FnOnce(Db, String) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let base = std::env::var("VIGIL_TEST_PG").unwrap_or_else(|_| PG_URL.to_owned());
    let Ok(admin) = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(std::time::Duration::from_secs(3))
        .connect(&base)
        .await
    else {
        println!("skipped: postgres not reachable");
        return;
    };
    let schema = format!("vigil_test_{}", uuid::Uuid::now_v7().simple());
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin)
        .await
        .unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    let outcome = tokio::spawn(async move {
        let db = Db::open(&url).await.unwrap();
        test(db.clone(), url).await;
        db.close().await;
    })
    .await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&admin)
        .await
        .unwrap();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Runs an `async fn(Db, url)` as two tests, `<name>::sqlite` and `<name>::postgres`.
macro_rules! on_both {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::backends::on_sqlite(super::$name).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::backends::on_postgres(super::$name).await
            }
        }
    )+};
}
pub(crate) use on_both;
