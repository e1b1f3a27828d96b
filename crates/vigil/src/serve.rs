//! `vigil serve`: opens the data directory, starts the pipeline, then the HTTP server
//! (console, API, HTTP ingest) and the syslog listeners, and runs until Ctrl-C or SIGTERM,
//! when it stops taking input and commits what it has.

use crate::cli::ServeArgs;
use crate::config::{DataDir, FileConfig};
use anyhow::{Context, Result};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use vigil_detect::RuleLoad;
use vigil_pipeline::metrics::Metrics;
use vigil_pipeline::process::ProcessConfig;
use vigil_pipeline::{Pipeline, PipelineConfig};
use vigil_server::state::{AppState, Limits};
use vigil_server::syslog::{self, Listener};
use vigil_store::db::Db;
use vigil_store::events::{EventStore, TantivyEventStore};

/// Everything `serve` needs, after flags, environment and `vigil.toml` are combined.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub syslog: Option<SocketAddr>,
    pub syslog_tls: Option<SocketAddr>,
    pub tls: Option<(PathBuf, PathBuf)>,
    pub rules: Vec<PathBuf>,
    pub builtin_rules: bool,
    pub retention_days: u32,
    pub alert_window: chrono::Duration,
    pub max_message_bytes: usize,
    /// Longest time before a received event is searchable (event-store commit interval).
    pub refresh: Duration,
}

impl Settings {
    /// The defaults, on `data_dir`.
    pub fn defaults(data_dir: PathBuf) -> Settings {
        Settings {
            data_dir,
            listen: "127.0.0.1:8080".parse().expect("valid address"),
            syslog: Some("127.0.0.1:5514".parse().expect("valid address")),
            syslog_tls: None,
            tls: None,
            rules: Vec::new(),
            builtin_rules: true,
            retention_days: 90,
            alert_window: chrono::Duration::minutes(15),
            max_message_bytes: 64 * 1024,
            refresh: Duration::from_secs(1),
        }
    }

    /// Flags and environment win over the file, the file over the defaults.
    pub fn resolve(args: &ServeArgs) -> Result<Settings> {
        let file = FileConfig::read(args.config.as_deref(), &args.data_dir)?;
        let tls = match (
            args.tls_cert.clone().or(file.tls_cert),
            args.tls_key.clone().or(file.tls_key),
        ) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            _ => anyhow::bail!("syslog over TLS needs both a certificate and a key"),
        };
        let mut rules = file.rules.unwrap_or_default();
        rules.extend(args.rules.iter().cloned());
        let defaults = Settings::defaults(args.data_dir.clone());
        Ok(Settings {
            listen: args.listen.or(file.listen).unwrap_or(defaults.listen),
            syslog: args.syslog.or(file.syslog).or(defaults.syslog),
            syslog_tls: args.syslog_tls.or(file.syslog_tls),
            tls,
            rules,
            builtin_rules: !args.no_builtin_rules && file.builtin_rules.unwrap_or(true),
            retention_days: args
                .retention_days
                .or(file.retention_days)
                .unwrap_or(defaults.retention_days),
            alert_window: file
                .alert_window_minutes
                .map_or(defaults.alert_window, chrono::Duration::minutes),
            max_message_bytes: file.max_message_bytes.unwrap_or(defaults.max_message_bytes),
            refresh: file
                .refresh_ms
                .map_or(defaults.refresh, Duration::from_millis),
            ..defaults
        })
    }
}

/// A started Vigil: where it listens and how to stop it.
pub struct Running {
    pub http: SocketAddr,
    pub syslog_udp: Option<SocketAddr>,
    pub syslog_tcp: Option<SocketAddr>,
    pub syslog_tls: Option<SocketAddr>,
    listeners: Vec<Listener>,
    pub db: Db,
    pub metrics: Arc<Metrics>,
    pipeline: Pipeline,
    stop_http: tokio::sync::oneshot::Sender<()>,
    http_task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Rules loaded and enabled.
    pub fn rules_loaded(&self) -> usize {
        self.pipeline.catalog.enabled_count()
    }

    /// Stops the HTTP server, then the pipeline (which commits what it processed).
    pub async fn stop(self) {
        let _ = self.stop_http.send(());
        let _ = self.http_task.await;
        for listener in self.listeners {
            // A connection waiting on a full pipeline must not hold the shutdown forever.
            let _ = tokio::time::timeout(Duration::from_secs(5), listener.shutdown()).await;
        }
        self.pipeline.shutdown().await;
        self.db.close().await;
    }
}

/// Starts every part and returns once rules are loaded and every listener is bound.
pub async fn start(settings: &Settings) -> Result<Running> {
    let dir = DataDir::new(&settings.data_dir);
    let db = dir.db().await?;
    if let Some(password) = db.ensure_first_admin().await? {
        eprintln!(
            "Đã tạo tài khoản quản trị đầu tiên / first administrator account created:\n  \
             tên đăng nhập / login: {}\n  \
             mật khẩu dùng một lần / one-time password: {password}\n\
             Mật khẩu này chỉ hiện một lần; hãy đổi nó ở lần đăng nhập đầu tiên.\n\
             This password is shown only once; change it at the first login.",
            vigil_store::db::FIRST_ADMIN_LOGIN
        );
    }
    let events_dir = dir.events();
    let store: Arc<dyn EventStore> = Arc::new(
        tokio::task::spawn_blocking(move || TantivyEventStore::open(events_dir))
            .await?
            .context("opening the event store")?,
    );
    let bus: Arc<dyn vigil_bus::Bus> = Arc::new(
        vigil_bus::LogBus::open(&dir.bus(), vigil_bus::LogBusConfig::default())
            .context("opening the durable log")?,
    );
    let metrics = Arc::new(Metrics::new());
    let mut rules = RuleLoad::new(settings.rules.clone());
    rules.builtin = settings.builtin_rules;
    let pipeline = Pipeline::start(
        db.clone(),
        store.clone(),
        bus,
        metrics.clone(),
        PipelineConfig {
            rules,
            process: ProcessConfig {
                alert_window: settings.alert_window,
                commit_interval: settings.refresh,
                ..ProcessConfig::default()
            },
            intake_capacity: 256,
            retention_days: settings.retention_days,
        },
    )
    .await?;
    let state = AppState {
        overview_cache: Default::default(),
        db: db.clone(),
        events: store,
        intake: pipeline.intake.clone(),
        metrics: metrics.clone(),
        limits: Limits {
            max_message_bytes: settings.max_message_bytes,
            ..Limits::default()
        },
        auth: Arc::default(),
        rules: pipeline.catalog.clone(),
    };

    let mut listeners = Vec::new();
    let (mut syslog_udp, mut syslog_tcp, mut syslog_tls) = (None, None, None);
    if let Some(addr) = settings.syslog {
        let udp = syslog::serve_udp(addr, state.clone())
            .await
            .with_context(|| format!("binding syslog udp {addr}"))?;
        // Port 0 asks for any port: take the one UDP got for TCP too where possible.
        let tcp_addr = SocketAddr::new(addr.ip(), udp.local_addr().port());
        let tcp = syslog::serve_tcp(tcp_addr, state.clone())
            .await
            .with_context(|| format!("binding syslog tcp {tcp_addr}"))?;
        syslog_udp = Some(udp.local_addr());
        syslog_tcp = Some(tcp.local_addr());
        listeners.extend([udp, tcp]);
    }
    match (settings.syslog_tls, &settings.tls) {
        (Some(addr), Some((cert, key))) => {
            let tls = syslog::tls_config(cert, key)?;
            let listener = syslog::serve_tls(addr, tls, state.clone())
                .await
                .with_context(|| format!("binding syslog tls {addr}"))?;
            syslog_tls = Some(listener.local_addr());
            listeners.push(listener);
        }
        (Some(_), None) => anyhow::bail!("--syslog-tls needs --tls-cert and --tls-key"),
        _ => {}
    }

    let app = vigil_server::app(state);
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("binding {}", settings.listen))?;
    let http = listener.local_addr()?;
    let (stop_http, stopped) = tokio::sync::oneshot::channel::<()>();
    let http_task = tokio::spawn(async move {
        let served = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        })
        .await;
        if let Err(e) = served {
            tracing::error!("HTTP server failed: {e}");
        }
    });
    Ok(Running {
        http,
        syslog_udp,
        syslog_tcp,
        syslog_tls,
        listeners,
        db,
        metrics,
        pipeline,
        stop_http,
        http_task,
    })
}

/// `vigil serve`.
pub async fn run(args: &ServeArgs) -> Result<()> {
    let settings = Settings::resolve(args)?;
    let running = start(&settings).await?;
    eprintln!("Vigil is running (data in {})", settings.data_dir.display());
    eprintln!("  HTTP (API, ingest): http://{}", running.http);
    if let (Some(udp), Some(tcp)) = (running.syslog_udp, running.syslog_tcp) {
        eprintln!("  syslog: udp {udp}, tcp {tcp}");
    }
    if let Some(tls) = running.syslog_tls {
        eprintln!("  syslog over TLS: {tls}");
    }
    shutdown_signal().await;
    eprintln!("stopping: committing what was received…");
    running.stop().await;
    Ok(())
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing the SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
