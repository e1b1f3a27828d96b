//! Suricata EVE JSON records (`alert`, `dns`, `http`, `tls`, `flow`, …), after
//! [`crate::json_object`] has flattened them, get the names other stages use: ECS
//! (`source.ip`, `destination.port`, `rule.name`, `url.original`, `dns.question.name`…)
//! and the generic Sigma ones (`query` for DNS, `dst_ip`/`dst_port` for flows, which make
//! them `dns` and `firewall` events). `event.module` is `suricata` and `event.dataset`
//! `suricata.<event_type>`, which the logsource mapping classifies as `product: suricata`.

use vigil_event::{Event, Value};

/// Whether a flattened JSON record is a Suricata EVE record.
pub fn is_eve(event: &Event) -> bool {
    event.get_str("event_type").is_some()
        && (event.contains("src_ip") || event.contains("flow_id"))
        && !event.contains("Channel")
}

/// `(EVE name, added name)` pairs, for every event type.
const ALIASES: [(&str, &str); 20] = [
    ("src_ip", "source.ip"),
    ("src_port", "source.port"),
    ("dest_ip", "destination.ip"),
    ("dest_port", "destination.port"),
    ("proto", "network.transport"),
    ("app_proto", "network.protocol"),
    ("community_id", "network.community_id"),
    ("alert.signature", "rule.name"),
    ("alert.signature_id", "rule.id"),
    ("alert.category", "rule.category"),
    ("alert.action", "event.action"),
    ("dns.rrname", "dns.question.name"),
    ("dns.rrtype", "dns.question.type"),
    ("dns.rcode", "dns.response_code"),
    ("http.hostname", "url.domain"),
    ("http.url", "url.original"),
    ("http.http_method", "http.request.method"),
    ("http.status", "http.response.status_code"),
    ("http.http_user_agent", "user_agent.original"),
    ("tls.sni", "tls.client.server_name"),
];

/// Adds the aliases to an EVE record (see the module docs); other events are left alone.
pub fn enrich(event: &mut Event) {
    if !is_eve(event) {
        return;
    }
    let event_type = event.get_str("event_type").unwrap_or_default().to_owned();
    let mut added: Vec<(&str, Value)> = ALIASES
        .iter()
        .filter_map(|(from, to)| Some((*to, event.get(from)?.clone())))
        .collect();
    match event_type.as_str() {
        "dns" => {
            if let Some(name) = event
                .get("dns.rrname")
                .or_else(|| event.get("dns.query.rrname"))
            {
                added.push(("query", name.clone()));
            }
            if let Some(kind) = event.get("dns.rrtype") {
                added.push(("record_type", kind.clone()));
            }
        }
        "flow" | "netflow" => {
            for (from, to) in [("dest_ip", "dst_ip"), ("dest_port", "dst_port")] {
                if let Some(value) = event.get(from) {
                    added.push((to, value.clone()));
                }
            }
        }
        _ => {}
    }
    for (name, value) in added {
        if !event.contains(name) {
            event.push(name, value);
        }
    }
    event.push("event.module", "suricata");
    event.push("event.dataset", format!("suricata.{event_type}"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_object::from_json_record;
    use serde_json::json;

    fn eve(json: serde_json::Value) -> Event {
        match json {
            serde_json::Value::Object(map) => from_json_record(map),
            _ => panic!("object expected"),
        }
    }

    #[test]
    fn alert_dns_and_flow() {
        let e = eve(
            json!({"timestamp": "2024-05-01T10:00:00.123456+0700", "flow_id": 1, "event_type": "alert",
            "src_ip": "203.0.113.5", "src_port": 4444, "dest_ip": "10.0.0.8", "dest_port": 80, "proto": "TCP",
            "alert": {"action": "allowed", "signature_id": 2_024_364, "signature": "ET SCAN Nmap", "category": "Attempted Recon", "severity": 2}}),
        );
        assert_eq!(e.get_str("alert.signature"), Some("ET SCAN Nmap"));
        assert_eq!(e.get_str("rule.name"), Some("ET SCAN Nmap"));
        assert_eq!(e.get("destination.port"), Some(&Value::Int(80)));
        assert_eq!(e.get_str("event.dataset"), Some("suricata.alert"));
        assert_eq!(e.get("dst_port"), None);
        assert_eq!(e.timestamp.map(|t| t.timestamp()), Some(1_714_532_400));

        let e = eve(
            json!({"event_type": "dns", "src_ip": "10.0.0.8", "dest_ip": "10.0.0.1",
            "dns": {"type": "query", "rrname": "evil.example", "rrtype": "TXT"}}),
        );
        assert_eq!(e.get_str("query"), Some("evil.example"));
        assert_eq!(e.get_str("record_type"), Some("TXT"));

        let e = eve(
            json!({"event_type": "flow", "src_ip": "10.0.0.8", "dest_ip": "8.8.8.8", "dest_port": 53}),
        );
        assert_eq!(e.get_str("dst_ip"), Some("8.8.8.8"));
        assert_eq!(e.get("dst_port"), Some(&Value::Int(53)));

        let plain = eve(json!({"event_type": "x"}));
        assert_eq!(plain.get_str("event.module"), None);
    }
}
