//! Shared set-up of the API tests: a real state database (SQLite in a temp dir), a real
//! tantivy event store, the API and the login routes served by axum on 127.0.0.1:0 and a
//! reqwest client.
//!
//! The fixture holds two agencies (A and B), one token per role, an ingest token of A,
//! and helpers to add events, alerts and quarantined input to either agency.

// Each test binary uses a different part of the fixture.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tempfile::TempDir;
use vigil_event::Event;
use vigil_pipeline::intake::{Intake, IntakeMessage};
use vigil_pipeline::metrics::Metrics;
use vigil_pipeline::rules::{RuleCatalog, RuleInfo};
use vigil_server::api::{self, ApiOptions};
use vigil_server::auth::TokenCache;
use vigil_server::state::{AppState, Limits};
use vigil_server::web_auth::{self, WebAuthOptions};
use vigil_store::db::{Agency, AlertLevel, Db, Detection, NewQuarantine, Role, Scope};
use vigil_store::events::{EventStore, StoredEvent, TantivyEventStore};

/// Every route the API serves, as (method, path template). The OpenAPI test checks this
/// list against the document both ways; the access test calls each without a token.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v1/events"),
    ("GET", "/api/v1/events/count"),
    ("GET", "/api/v1/events/histogram"),
    ("GET", "/api/v1/events/{id}"),
    ("GET", "/api/v1/alerts"),
    ("GET", "/api/v1/alerts/{id}"),
    ("PATCH", "/api/v1/alerts/{id}"),
    ("GET", "/api/v1/rules"),
    ("GET", "/api/v1/rules/unsupported"),
    ("GET", "/api/v1/rules/{id}"),
    ("POST", "/api/v1/rules/{id}/enable"),
    ("POST", "/api/v1/rules/{id}/disable"),
    ("GET", "/api/v1/rules/{id}/exceptions"),
    ("POST", "/api/v1/rules/{id}/exceptions"),
    ("DELETE", "/api/v1/rules/{id}/exceptions/{exception_id}"),
    ("GET", "/api/v1/agencies"),
    ("POST", "/api/v1/agencies"),
    ("GET", "/api/v1/agencies/{id}/sources"),
    ("POST", "/api/v1/agencies/{id}/sources"),
    ("GET", "/api/v1/tokens"),
    ("POST", "/api/v1/tokens"),
    ("DELETE", "/api/v1/tokens/{id}"),
    ("GET", "/api/v1/quarantine"),
    ("GET", "/api/v1/session"),
    ("DELETE", "/api/v1/session"),
    ("POST", "/api/v1/session/password"),
    ("POST", "/api/v1/session/totp"),
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users"),
    ("PATCH", "/api/v1/users/{id}"),
    ("POST", "/api/v1/users/{id}/reset-password"),
    ("GET", "/api/v1/systems"),
    ("POST", "/api/v1/systems"),
    ("GET", "/api/v1/systems/{id}"),
    ("PATCH", "/api/v1/systems/{id}"),
    ("GET", "/api/v1/systems/{id}/assessments"),
    ("POST", "/api/v1/systems/{id}/assessments"),
    ("GET", "/api/v1/catalogue"),
    ("PUT", "/api/v1/catalogue"),
    ("GET", "/api/v1/inspection-plans"),
    ("POST", "/api/v1/inspection-plans"),
    ("GET", "/api/v1/inspections"),
    ("POST", "/api/v1/inspections"),
    ("PATCH", "/api/v1/inspections/{id}"),
    ("GET", "/api/v1/findings"),
    ("POST", "/api/v1/findings"),
    ("GET", "/api/v1/findings/{id}"),
    ("PATCH", "/api/v1/findings/{id}"),
    ("GET", "/api/v1/register/compliance"),
    ("GET", "/api/v1/register/dashboard"),
    (
        "GET",
        "/api/v1/systems/{id}/assessments/{assessment_id}/evidence",
    ),
    (
        "POST",
        "/api/v1/systems/{id}/assessments/{assessment_id}/evidence",
    ),
    ("GET", "/api/v1/findings/{id}/evidence"),
    ("POST", "/api/v1/findings/{id}/evidence"),
    ("GET", "/api/v1/agencies/{id}/contacts"),
    ("POST", "/api/v1/agencies/{id}/contacts"),
    ("GET", "/api/v1/incidents"),
    ("POST", "/api/v1/incidents"),
    ("GET", "/api/v1/incidents/{id}"),
    ("PATCH", "/api/v1/incidents/{id}"),
    ("POST", "/api/v1/incidents/{id}/transition"),
    ("POST", "/api/v1/incidents/{id}/reopen"),
    ("GET", "/api/v1/incidents/{id}/timeline"),
    ("POST", "/api/v1/incidents/{id}/notes"),
    ("POST", "/api/v1/incidents/{id}/tasks"),
    ("PATCH", "/api/v1/incidents/{id}/tasks/{task_id}"),
    ("POST", "/api/v1/incidents/{id}/searches"),
    ("GET", "/api/v1/incidents/{id}/evidence"),
    ("POST", "/api/v1/incidents/{id}/evidence"),
    ("GET", "/api/v1/incidents/{id}/evidence/{evidence_id}"),
    ("GET", "/api/v1/incidents/{id}/reports"),
    ("POST", "/api/v1/incidents/{id}/reports/{kind}/sent"),
    ("GET", "/api/v1/advisories"),
    ("POST", "/api/v1/advisories"),
    ("POST", "/api/v1/advisories/preview"),
    ("GET", "/api/v1/advisories/{id}"),
    ("PATCH", "/api/v1/advisories/{id}"),
    ("DELETE", "/api/v1/advisories/{id}"),
    ("POST", "/api/v1/advisories/{id}/issue"),
    ("POST", "/api/v1/advisories/{id}/acknowledge"),
    ("POST", "/api/v1/advisories/{id}/complete"),
];

/// Routes that take credentials in their body instead of a token (the login).
pub const LOGIN_ROUTES: &[(&str, &str)] = &[("POST", "/api/v1/session")];

/// Routes that need no token.
pub const PUBLIC_ROUTES: &[(&str, &str)] = &[("GET", "/api/v1/openapi.json"), ("GET", "/metrics")];

/// A route template with each `{param}` replaced by `value`.
pub fn concrete(template: &str, value: &str) -> String {
    template
        .split('/')
        .map(|seg| if seg.starts_with('{') { value } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

/// One plaintext token per caller kind.
pub struct Tokens {
    pub admin: String,
    pub analyst: String,
    pub leader: String,
    pub auditor: String,
    pub officer_a: String,
    pub officer_b: String,
    pub ingest_a: String,
}

/// A running API over fresh storage.
pub struct Fixture {
    pub base: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub events: Arc<TantivyEventStore>,
    pub rules: Arc<RuleCatalog>,
    pub metrics: Arc<Metrics>,
    pub a: Agency,
    pub b: Agency,
    pub tokens: Tokens,
    _dir: TempDir,
}

/// A loaded rule for the catalogue.
pub fn rule(id: &str, title: &str, level: &str) -> RuleInfo {
    RuleInfo {
        id: id.into(),
        title: title.into(),
        title_vi: Some(format!("{title} (vi)")),
        level: level.into(),
        status: Some("test".into()),
        author: Some("Vigil tests".into()),
        description: None,
        references: vec![],
        tags: vec!["attack.execution".into()],
        falsepositives: vec![],
        guidance_vi: None,
        kind: "detection",
        origin: format!("builtin:{id}.yml"),
        enabled: true,
    }
}

impl Fixture {
    /// The API with default options.
    pub async fn start() -> Fixture {
        Fixture::start_with(ApiOptions::default()).await
    }

    pub async fn start_with(options: ApiOptions) -> Fixture {
        Fixture::start_full(options, WebAuthOptions::default()).await
    }

    /// Everything `vigil serve` mounts ([`vigil_server::app`]: ingest, API, logins and
    /// the console), with default options.
    pub async fn start_app() -> Fixture {
        Fixture::start_routes(None).await
    }

    /// The API with default options and these login options.
    pub async fn start_with_web_auth(web: WebAuthOptions) -> Fixture {
        Fixture::start_full(ApiOptions::default(), web).await
    }

    async fn start_full(options: ApiOptions, web: WebAuthOptions) -> Fixture {
        Fixture::start_routes(Some((options, web))).await
    }

    /// The API and login routes with these options, or with `None` the whole app.
    async fn start_routes(options: Option<(ApiOptions, WebAuthOptions)>) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&format!("sqlite://{}/vigil.db", dir.path().display()))
            .await
            .unwrap();
        let events = Arc::new(TantivyEventStore::open(dir.path().join("events")).unwrap());
        let metrics = Arc::new(Metrics::new());
        let rules = Arc::new(RuleCatalog::new());
        rules.publish(
            vec![
                rule("proc-powershell", "Suspicious PowerShell download", "high"),
                rule("auth-bruteforce", "SSH brute force", "medium"),
                rule("web-scanner", "Web vulnerability scanner", "low"),
            ],
            vec![("rules/broken.yml".into(), "unknown modifier |foo".into())],
        );
        let (intake, mut rx) = Intake::new(16, metrics.clone());
        tokio::spawn(async move {
            while let Some(message) = rx.recv().await {
                if let IntakeMessage::Batch(_, done) = message {
                    let _ = done.send(Ok(()));
                }
            }
        });

        let a = db.create_agency("So Y te", None, "test").await.unwrap();
        let b = db
            .create_agency("UBND xa Binh An", None, "test")
            .await
            .unwrap();
        let token = |agency: Option<&str>, scope, role| {
            let db = db.clone();
            let agency = agency.map(str::to_owned);
            async move {
                db.create_token(agency.as_deref(), scope, role, "test")
                    .await
                    .unwrap()
                    .plaintext
            }
        };
        let tokens = Tokens {
            admin: token(None, Scope::Admin, None).await,
            analyst: token(None, Scope::Api, Some(Role::SocAnalyst)).await,
            leader: token(None, Scope::Api, Some(Role::Leader)).await,
            auditor: token(None, Scope::Api, Some(Role::Auditor)).await,
            officer_a: token(Some(&a.id), Scope::Api, Some(Role::AgencyOfficer)).await,
            officer_b: token(Some(&b.id), Scope::Api, Some(Role::AgencyOfficer)).await,
            ingest_a: token(Some(&a.id), Scope::Ingest, None).await,
        };

        let state = AppState {
            overview_cache: Default::default(),
            db: db.clone(),
            events: events.clone(),
            intake,
            metrics: metrics.clone(),
            limits: Limits::default(),
            auth: Arc::new(TokenCache::default()),
            rules: rules.clone(),
        };
        let app = match options {
            Some((options, web)) => api::router_with(options)
                .merge(web_auth::router_with(web))
                .with_state(state),
            None => vigil_server::app(state),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        Fixture {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            db,
            events,
            rules,
            metrics,
            a,
            b,
            tokens,
            _dir: dir,
        }
    }

    /// Sends a request with an optional bearer token and JSON body; answers the status
    /// and the body as JSON (`Null` when empty, a string when not JSON).
    pub async fn call(
        &self,
        method: &str,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, body)
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.call("GET", Some(token), path, None).await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.call("POST", Some(token), path, Some(body)).await
    }

    pub async fn patch(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.call("PATCH", Some(token), path, Some(body)).await
    }

    pub async fn delete(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.call("DELETE", Some(token), path, None).await
    }

    /// Stores and commits an event of `agency` at `time`; answers its id.
    pub fn add_event(
        &self,
        agency: &Agency,
        time: DateTime<Utc>,
        fields: &[(&str, Value)],
        raw: &str,
    ) -> String {
        let mut event = Event::default();
        event.timestamp = Some(time);
        for (name, value) in fields {
            event.push(*name, vigil_event::Value::from_json(value));
        }
        let stored = StoredEvent::new(event, agency.id.clone(), "portal", "syslog_udp", raw);
        let id = stored.id.to_string();
        self.events.append(&[stored]).unwrap();
        self.events.commit().unwrap();
        id
    }

    /// Opens an alert of `agency` for `rule_id` on `host`, with `event_id` as its sample.
    pub async fn add_alert(
        &self,
        agency: &Agency,
        rule_id: &str,
        level: AlertLevel,
        host: &str,
        event_id: &str,
        at: DateTime<Utc>,
    ) -> String {
        let detection = Detection {
            rule_id: rule_id.into(),
            rule_title: format!("title of {rule_id}"),
            rule_author: Some("Vigil tests".into()),
            level,
            agency_id: agency.id.clone(),
            system: Some("portal".into()),
            host: host.into(),
            event_id: event_id.into(),
            at,
        };
        self.db
            .upsert_detection(&detection, Duration::minutes(10))
            .await
            .unwrap()
            .alert_id
    }

    /// Quarantines `raw` as input of `agency` (or of no agency).
    pub async fn add_quarantine(&self, agency: Option<&Agency>, reason: &str, raw: &[u8]) {
        self.db
            .add_quarantine(&NewQuarantine {
                source: "http",
                agency_id: agency.map(|a| a.id.as_str()),
                reason,
                raw,
                truncated: false,
                size: raw.len(),
            })
            .await
            .unwrap();
    }
}

/// The text `field` of each item of the JSON array `list` (anything else fails the test).
pub fn texts<'v>(list: &'v Value, field: &str) -> Vec<&'v str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item[field].as_str().unwrap())
        .collect()
}

/// A fixed instant for reproducible event times.
pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}
