//! The HTTP ingest endpoints of `vigil serve`, for every kind of shipper an agency runs:
//!
//! - `POST /api/v1/ingest`: Vigil's own JSON Lines (or a JSON array) of events (`jsonl`);
//! - an Elasticsearch-compatible API (`/`, `/_bulk`, `/{index}/_doc`, and the calls Beats,
//!   Logstash, Fluent Bit, Vector and the `elasticsearch` clients make at start-up)
//!   (`elastic`, `bulk`);
//! - a Splunk HEC-compatible API (`/services/collector/...`) (`hec`).
//!
//! Every request is authenticated first (`extract::Sender`: a token of an agency; nothing
//! is read or stored for a request without one), its body is bounded by
//! [`Limits::max_body_bytes`](crate::state::Limits) and decompressed when the sender
//! compressed it (`extract::Body`). What arrives becomes one batch (`batch`): events
//! are parsed the way `vigil hunt` parses files (`json` for JSON, `line` for text), so a
//! rule answers the same on a live event as on the file it came from; what cannot be
//! parsed goes to the quarantine with its reason, and the rest of the request still counts.
//! The batch is handed to the pipeline with [`Intake::try_submit`]: the sender hears
//! success only once its events are durable, and "busy, retry after" when the pipeline is
//! full (`respond` says it in each API's own terms).
//!
//! The syslog listeners ([`crate::syslog`]) share `batch` and `line`.
//!
//! [`Intake::try_submit`]: vigil_pipeline::intake::Intake::try_submit

pub(crate) mod batch;
mod bulk;
mod elastic;
mod extract;
mod hec;
pub(crate) mod json;
mod jsonl;
pub(crate) mod line;
mod respond;

use crate::state::AppState;
use axum::routing::post;
use axum::Router;

/// Every ingest route: `/api/v1/ingest`, the Elasticsearch-compatible API and the Splunk
/// HEC-compatible API. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()` so batches carry the sender's
/// address.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/ingest", post(jsonl::ingest))
        .merge(hec::router())
        .merge(elastic::router())
}

/// Runs CPU-heavy parsing of a request body off the async workers.
async fn off_runtime<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, respond::Refusal> {
    tokio::task::spawn_blocking(work).await.map_err(|err| {
        tracing::error!("ingest parsing task failed: {err}");
        respond::Refusal::Internal
    })
}
