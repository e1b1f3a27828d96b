//! Monitoring gaps: findings that come from the event plane rather than from an
//! inspection.
//!
//! - **no recent logs**: a registered system no event was attributed to within the last
//!   `window_days` days;
//! - **unmonitored level 3+**: a system of level 3 or higher that nothing can attribute
//!   logs to (no address in the register and no source address naming it), although
//!   levels 3–5 require centralised monitoring;
//! - **unregistered internet address**: a public IP address seen as an event's host that
//!   no registered system's address (IP, CIDR block or URL) or source address covers.

use std::collections::HashSet;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;
use vigil_store::db::{url_host, InformationSystem, SourceAddress};

use crate::address::is_public;
use crate::reason::Reason;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    NoRecentLogs,
    UnmonitoredHighLevel,
    UnregisteredInternetAddress,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitoringGap {
    pub kind: GapKind,
    pub agency: Option<String>,
    pub system_id: Option<String>,
    pub system: Option<String>,
    pub level: Option<u8>,
    pub address: Option<String>,
    pub reason: Reason,
}

/// What the event plane saw, for [`monitoring_gaps`].
#[derive(Debug, Clone, Default)]
pub struct Observations {
    /// `(agency id, system name)` of every system events were attributed to in the window.
    pub systems_with_logs: HashSet<(String, String)>,
    /// Hosts named by events in the window.
    pub hosts: Vec<String>,
    /// Days the window spans.
    pub window_days: u32,
}

/// The gaps between the register and what monitoring sees.
pub fn monitoring_gaps(
    systems: &[InformationSystem],
    sources: &[SourceAddress],
    seen: &Observations,
) -> Vec<MonitoringGap> {
    let mut gaps = Vec::new();
    let named_by_source: HashSet<(&str, &str)> = sources
        .iter()
        .filter_map(|s| Some((s.agency_id.as_str(), s.system.as_deref()?)))
        .collect();
    for s in systems {
        let gap = |kind, reason| MonitoringGap {
            kind,
            agency: Some(s.agency.clone()),
            system_id: Some(s.id.clone()),
            system: Some(s.details.name.clone()),
            level: Some(s.details.level),
            address: None,
            reason,
        };
        let key = (s.agency_id.clone(), s.details.name.clone());
        if !seen.systems_with_logs.contains(&key) {
            gaps.push(gap(
                GapKind::NoRecentLogs,
                Reason::new(
                    format!("không có nhật ký trong {} ngày qua", seen.window_days),
                    format!("no logs in the last {} days", seen.window_days),
                ),
            ));
        }
        let attributable = !s.details.addresses.is_empty()
            || named_by_source.contains(&(s.agency_id.as_str(), s.details.name.as_str()));
        if s.details.level >= 3 && !attributable {
            gaps.push(gap(
                GapKind::UnmonitoredHighLevel,
                Reason::new(
                    "hệ thống cấp độ 3 trở lên chưa có nguồn giám sát",
                    "level 3+ system has no monitored source",
                ),
            ));
        }
    }
    let covered: Vec<IpNet> = systems
        .iter()
        .flat_map(|s| s.details.addresses.iter().map(|a| a.address.as_str()))
        .chain(sources.iter().map(|s| s.address.as_str()))
        .filter_map(network_of)
        .collect();
    let mut reported = HashSet::new();
    for host in &seen.hosts {
        let Ok(ip) = host.trim().parse::<IpAddr>() else {
            continue;
        };
        if !is_public(ip) || covered.iter().any(|n| n.contains(&ip)) || !reported.insert(ip) {
            continue;
        }
        gaps.push(MonitoringGap {
            kind: GapKind::UnregisteredInternetAddress,
            agency: None,
            system_id: None,
            system: None,
            level: None,
            address: Some(ip.to_string()),
            reason: Reason::new(
                "địa chỉ Internet chưa có trong sổ đăng ký",
                "internet-facing address not in the register",
            ),
        });
    }
    gaps
}

/// The network an address covers: an IP, a CIDR block, or a URL whose host is an IP.
fn network_of(address: &str) -> Option<IpNet> {
    let host = url_host(address);
    host.parse::<IpNet>()
        .ok()
        .or_else(|| host.parse::<IpAddr>().ok().map(IpNet::from))
}
