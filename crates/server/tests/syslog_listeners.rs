//! The syslog listeners with real senders: util-linux `logger` over TCP (LF framing and
//! octet counting) and UDP, a tokio-rustls client over TLS, floods against a full
//! pipeline, and shutdown.

mod common;

use common::{run_ok, Harness, Options};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, UdpSocket};
use vigil_pipeline::intake::Source;
use vigil_server::state::Limits;
use vigil_server::syslog;

const LOCAL: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);
const SSHD_FAILURE: &str =
    "Failed password for invalid user admin from 203.0.113.5 port 52211 ssh2";

fn logger(port: u16, transport: &[&str]) -> Command {
    let mut command = Command::new("logger");
    command
        .args(["--server", "127.0.0.1", "--port", &port.to_string()])
        .args(transport)
        .args(["-t", "sshd", "--id=4242", "-p", "auth.info", SSHD_FAILURE]);
    command
}

/// Checks a delivered sshd failure from `logger`.
fn assert_sshd_failure(h: &Harness, source: Source) {
    let batches = h.batches();
    let batch = batches
        .iter()
        .find(|b| b.source == source)
        .expect("a batch");
    assert_eq!(batch.peer, Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    assert_eq!(batch.agency_id, None, "syslog carries no credential");
    let event = &batch.records[0].event;
    assert_eq!(event.get_str("program"), Some("sshd"));
    assert_eq!(event.get_str("facility"), Some("auth"));
    assert_eq!(event.get_str("source.ip"), Some("203.0.113.5"));
    assert_eq!(event.get_str("user.name"), Some("admin"));
    assert_eq!(event.get_str("event.outcome"), Some("failure"));
    assert_eq!(event.get_str("message"), Some(SSHD_FAILURE));
    assert!(event.timestamp.is_some());
    assert!(batch.records[0].raw.contains(SSHD_FAILURE));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logger_over_tcp_with_lf_framing_and_octet_counting() {
    let Some(h) = Harness::start_needing("logger", "logger (util-linux)").await else {
        return;
    };
    let listener = syslog::serve_tcp(LOCAL, h.state.clone()).await.unwrap();
    let port = listener.local_addr().port();

    run_ok(logger(port, &["--tcp", "--rfc5424"])).await;
    h.wait_for_records(1).await;
    assert_sshd_failure(&h, Source::SyslogTcp);
    let event = &h.records()[0].event;
    assert_eq!(event.get_str("appname"), Some("sshd"));
    assert_eq!(event.get("pid"), Some(&vigil_event::Value::Int(4242)));

    run_ok(logger(port, &["--tcp", "--octet-count", "--rfc5424"])).await;
    let records = h.wait_for_records(2).await;
    assert_eq!(records[1].event.get_str("source.ip"), Some("203.0.113.5"));
    assert!(
        !records[1].raw.starts_with(|c: char| c.is_ascii_digit()),
        "the octet count is framing, not message: {}",
        records[1].raw
    );
    assert_eq!(h.metrics.events_in_total(Source::SyslogTcp), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logger_over_udp_in_bsd_format() {
    let Some(h) = Harness::start_needing("logger", "logger (util-linux)").await else {
        return;
    };
    let listener = syslog::serve_udp(LOCAL, h.state.clone()).await.unwrap();
    run_ok(logger(
        listener.local_addr().port(),
        &["--udp", "--rfc3164"],
    ))
    .await;
    h.wait_for_records(1).await;
    assert_sshd_failure(&h, Source::SyslogUdp);
    assert_eq!(h.metrics.events_in_total(Source::SyslogUdp), 1);
}

#[tokio::test]
async fn tls_frames_are_delivered() {
    let h = Harness::start().await;
    let dir = tempfile::tempdir().unwrap();
    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key_pair.serialize_pem()).unwrap();
    let config = syslog::tls_config(&cert_path, &key_path).unwrap();
    let listener = syslog::serve_tls(LOCAL, config, h.state.clone())
        .await
        .unwrap();

    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.der().clone()).unwrap();
    let client = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
    let tcp = TcpStream::connect(listener.local_addr()).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    let messages = [
        format!("<38>1 2024-05-01T10:00:00+07:00 bastion sshd 77 - - {SSHD_FAILURE}"),
        "<86>May  1 10:00:01 bastion sudo: alice : TTY=pts/1 ; PWD=/root ; USER=root ; COMMAND=/bin/bash".to_owned(),
    ];
    let mut stream = Vec::new();
    for message in &messages {
        stream.extend_from_slice(format!("{} {message}", message.len()).as_bytes());
    }
    tls.write_all(&stream).await.unwrap();
    tls.shutdown().await.unwrap();

    let records = h.wait_for_records(2).await;
    assert_eq!(records[0].raw, messages[0]);
    assert_eq!(records[0].event.get_str("source.ip"), Some("203.0.113.5"));
    assert_eq!(records[1].event.get_str("user.name"), Some("alice"));
    let batch = &h.batches()[0];
    assert_eq!(batch.source, Source::SyslogTls);
    assert_eq!(batch.peer, Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));

    // A plain-text sender on the TLS port gets nowhere and breaks nothing.
    let mut plain = TcpStream::connect(listener.local_addr()).await.unwrap();
    let _ = plain.write_all(b"<13>May  1 10:00:00 h p: not tls\n").await;
    drop(plain);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(h.records().len(), 2);
}

#[test]
fn tls_config_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let err = syslog::tls_config(&missing, &missing).unwrap_err();
    assert!(format!("{err:#}").contains("missing.pem"), "{err:#}");

    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let err = syslog::tls_config(&empty, &empty).unwrap_err();
    assert!(format!("{err:#}").contains("no certificate"), "{err:#}");

    let first = rcgen::generate_simple_self_signed(vec!["a".to_owned()]).unwrap();
    let other = rcgen::generate_simple_self_signed(vec!["b".to_owned()]).unwrap();
    let (cert, key) = (dir.path().join("a.pem"), dir.path().join("b.key"));
    std::fs::write(&cert, first.cert.pem()).unwrap();
    std::fs::write(&key, other.key_pair.serialize_pem()).unwrap();
    let err = syslog::tls_config(&cert, &key).unwrap_err();
    assert!(format!("{err:#}").contains("does not go with"), "{err:#}");
}

#[tokio::test]
async fn udp_drops_against_a_full_pipeline_are_counted() {
    let h = Harness::with(Options::full_pipeline()).await;
    let listener = syslog::serve_udp(LOCAL, h.state.clone()).await.unwrap();
    let sender = UdpSocket::bind(LOCAL).await.unwrap();
    let send = |n: usize, wave: &'static str| {
        let sender = &sender;
        let to = listener.local_addr();
        async move {
            for i in 0..n {
                let line = format!("<134>May  1 10:00:00 fw1 kernel: {wave} packet {i} dropped");
                sender.send_to(line.as_bytes(), to).await.unwrap();
                if i % 25 == 24 {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
        }
    };
    send(100, "first").await;
    common::wait_until(|| h.state.intake.queued() == 1).await;
    assert_eq!(
        h.state.intake.queued(),
        1,
        "the first batch fills the intake"
    );

    send(500, "second").await;
    common::wait_until(|| h.metrics.udp_drops.get() >= 500).await;
    let drops = h.metrics.udp_drops.get();
    assert!(drops >= 500, "every refused datagram is counted: {drops}");

    // What the full pipeline refused is counted, the rest delivered: nothing is lost
    // unseen. (The first wave is normally one batch; under load it may be split, and
    // its later part dropped and counted.)
    h.release();
    common::wait_until(|| h.records().len() as u64 + h.metrics.udp_drops.get() >= 600).await;
    let records = h.records();
    assert_eq!(records.len() as u64 + h.metrics.udp_drops.get(), 600);
    assert!(records.iter().all(|r| r
        .event
        .get_str("message")
        .is_some_and(|m| m.starts_with("first"))));

    send(10, "third").await;
    h.wait_for_records(records.len() + 10).await;
    assert_eq!(h.metrics.udp_drops.get(), drops);
    assert!(h
        .metrics
        .encode()
        .contains("vigil_busy_rejections_total{source=\"syslog_udp\"}"));
}

#[tokio::test]
async fn tcp_waits_for_a_full_pipeline_and_loses_nothing() {
    let h = Harness::with(Options::full_pipeline()).await;
    let listener = syslog::serve_tcp(LOCAL, h.state.clone()).await.unwrap();
    let addr = listener.local_addr();
    let sender = tokio::spawn(async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        for i in 0..3000 {
            let line = format!("<134>May  1 10:00:00 fw1 kernel: packet {i} accepted\n");
            stream.write_all(line.as_bytes()).await.unwrap();
        }
        stream.shutdown().await.unwrap();
    });
    common::wait_until(|| h.state.intake.queued() == 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(h.batches().is_empty());
    assert_eq!(h.metrics.udp_drops.get(), 0);

    h.release();
    sender.await.unwrap();
    let records = h.wait_for_records(3000).await;
    assert_eq!(records.len(), 3000);
    for (i, record) in records.iter().enumerate() {
        assert_eq!(
            record.event.get_str("message"),
            Some(format!("packet {i} accepted").as_str())
        );
    }
    assert!(h
        .batches()
        .iter()
        .all(|b| b.records.len() <= syslog::BATCH_MESSAGES));
}

#[tokio::test]
async fn binary_garbage_is_quarantined_and_long_frames_are_cut() {
    let h = Harness::with(Options::limits(Limits {
        max_message_bytes: 256,
        ..Limits::default()
    }))
    .await;
    let listener = syslog::serve_tcp(LOCAL, h.state.clone()).await.unwrap();
    let mut stream = TcpStream::connect(listener.local_addr()).await.unwrap();
    let mut data = b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03garbage\n".to_vec();
    data.extend_from_slice(format!("<13>May  1 10:00:00 h app: {}\n", "y".repeat(1000)).as_bytes());
    data.extend_from_slice(b"a device that speaks no syslog\n");
    stream.write_all(&data).await.unwrap();
    stream.shutdown().await.unwrap();

    let records = h.wait_for_records(2).await;
    assert!(records[0].truncated);
    assert_eq!(records[0].raw.len(), 256);
    assert_eq!(records[0].event.get_str("program"), Some("app"));
    assert!(!records[1].truncated);
    assert_eq!(
        records[1].event.get_str("message"),
        Some("a device that speaks no syslog")
    );
    let rejected = h.wait_for_rejects(1).await;
    assert!(
        rejected[0].reason.starts_with("binary data"),
        "{}",
        rejected[0].reason
    );
    assert_eq!(rejected[0].source, Source::SyslogTcp);
    assert_eq!(rejected[0].peer, Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    assert_eq!(h.metrics.truncated.get(), 1);
}

#[tokio::test]
async fn shutdown_hands_over_what_is_buffered() {
    let h = Harness::start().await;
    let listener = syslog::serve_tcp(LOCAL, h.state.clone()).await.unwrap();
    let addr = listener.local_addr();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // No newline: the frame is incomplete, so only the shutdown can hand it over.
    stream
        .write_all(b"<13>May  1 10:00:00 h app: unterminated when the server stops")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(h.records().is_empty());
    tokio::time::timeout(Duration::from_secs(10), listener.shutdown())
        .await
        .expect("shutdown");
    let records = h.records();
    assert_eq!(records.len(), 1, "handed over before shutdown returned");
    assert_eq!(
        records[0].event.get_str("message"),
        Some("unterminated when the server stops")
    );
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
}
