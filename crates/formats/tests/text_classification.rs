//! Parsed text-log and shipper-JSON events land in the Sigma logsources rules expect.

use vigil_formats::{json_object, syslog, text::ParseOptions, web, LogsourceKey, LogsourceMap};

fn keys(event: &vigil_event::Event) -> Vec<LogsourceKey> {
    let map = LogsourceMap::embedded();
    map.class(map.classify(event)).keys().to_vec()
}

fn has(
    keys: &[LogsourceKey],
    product: Option<&str>,
    category: Option<&str>,
    service: Option<&str>,
) -> bool {
    keys.iter().any(|k| {
        k.product.as_deref() == product
            && k.category.as_deref() == category
            && k.service.as_deref() == service
    })
}

#[test]
fn parsed_events_classify() {
    let options = ParseOptions::default();
    let ssh = syslog::parse(
        "Mar  1 10:00:00 web1 sshd[7]: Failed password for root from 10.0.0.1 port 22 ssh2",
        &options,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let k = keys(&ssh);
    assert!(
        has(&k, Some("linux"), None, Some("sshd")) && has(&k, Some("linux"), None, Some("auth")),
        "{k:?}"
    );
    let sudo = syslog::parse(
        "Mar  1 10:00:00 web1 sudo: bob : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/sh",
        &options,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(has(&keys(&sudo), Some("linux"), None, Some("sudo")));
    let access = web::parse_access(
        r#"1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "curl""#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(has(&keys(&access), None, Some("webserver"), None));
    let error = web::parse_error(
        "[Sun Dec 04 04:47:44 2005] [notice] child pid 6725 exit signal Segmentation fault (11)",
        &options,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(has(&keys(&error), None, None, Some("apache")));
    let mut iis = web::IisParser::default();
    let line = "2019-09-03 10:13:36 10.0.2.15 GET /erp/conn.aspx - 80 - 10.0.2.17 - - 200 0 0 7";
    let iis_event = iis
        .parse_line(line)
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no IIS event"));
    assert!(has(&keys(&iis_event), None, Some("webserver"), None));
    let eve = serde_json::json!({"event_type": "alert", "src_ip": "1.2.3.4", "dest_ip": "10.0.0.1", "alert": {"signature": "x"}});
    let eve = match eve {
        serde_json::Value::Object(m) => json_object::from_json_record(m),
        _ => unreachable!(),
    };
    assert!(has(&keys(&eve), Some("suricata"), None, Some("alert")));
    let beat = serde_json::json!({"winlog": {"channel": "Security", "event_id": 4688, "event_data": {"NewProcessName": "C:\\x.exe"}}});
    let beat = match beat {
        serde_json::Value::Object(m) => json_object::from_json_record(m),
        _ => unreachable!(),
    };
    assert!(has(
        &keys(&beat),
        Some("windows"),
        Some("process_creation"),
        Some("security")
    ));
}
