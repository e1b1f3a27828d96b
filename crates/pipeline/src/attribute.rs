//! Attribution: which agency and information system an event belongs to.
//!
//! An authenticated sender (HTTP token) names its agency; the register of source
//! addresses and the registered information systems' addresses (IPs, CIDR blocks, URL
//! hosts, domains and host names, see `Db::attribution_sources`) then pick the system
//! within that agency by the sender's IP or the event's host name. The system's security
//! level is not copied here: alerts read it from the register, so a level changed later
//! raises the priority of alerts already open. Syslog carries no credential, so its agency comes from the sender's IP alone
//! (never from the host name inside the message, which the sender controls). Anything
//! not in the register goes to the [`UNREGISTERED_AGENCY`] bucket, so the SOC sees
//! unknown senders instead of losing them.

use ipnet::IpNet;
use std::net::IpAddr;
use vigil_store::db::SourceAddress;

/// Name of the agency that holds events from senders not in the register.
pub const UNREGISTERED_AGENCY: &str = "Nguồn chưa đăng ký (unregistered sources)";

#[derive(Debug, Clone)]
struct Entry {
    agency_id: String,
    system: Option<String>,
}

/// Where an event came from, as attribution sees it.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The agency the sender authenticated as.
    pub agency_id: Option<&'a str>,
    pub peer: Option<IpAddr>,
    /// The host the event names.
    pub host: Option<&'a str>,
}

/// The register of source addresses, compiled for lookups.
#[derive(Debug, Default)]
pub struct SourceMap {
    /// Networks, most specific first.
    networks: Vec<(IpNet, Entry)>,
    /// Lower-cased host names.
    hosts: Vec<(String, Entry)>,
    unregistered: String,
}

impl SourceMap {
    /// Compiles the register; `unregistered` is the id of the [`UNREGISTERED_AGENCY`].
    pub fn new(addresses: &[SourceAddress], unregistered: &str) -> SourceMap {
        let mut networks = Vec::new();
        let mut hosts = Vec::new();
        for a in addresses {
            let entry = Entry {
                agency_id: a.agency_id.clone(),
                system: a.system.clone(),
            };
            let text = a.address.trim();
            match text
                .parse::<IpNet>()
                .ok()
                .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))
            {
                Some(net) => networks.push((net, entry)),
                None => hosts.push((text.to_lowercase(), entry)),
            }
        }
        networks.sort_by_key(|(net, _)| std::cmp::Reverse(net.prefix_len()));
        SourceMap {
            networks,
            hosts,
            unregistered: unregistered.to_owned(),
        }
    }

    fn by_peer(&self, peer: Option<IpAddr>, agency: Option<&str>) -> Option<&Entry> {
        let ip = peer?;
        self.networks
            .iter()
            .filter(|(_, e)| agency.is_none_or(|a| a == e.agency_id))
            .find(|(net, _)| net.contains(&ip))
            .map(|(_, e)| e)
    }

    fn by_host(&self, host: Option<&str>, agency: &str) -> Option<&Entry> {
        let host = host?.to_lowercase();
        self.hosts
            .iter()
            .find(|(name, e)| e.agency_id == agency && *name == host)
            .map(|(_, e)| e)
    }

    /// The agency id and system (empty when unknown) of an event from `origin`.
    pub fn attribute(&self, origin: Origin<'_>) -> (String, String) {
        let agency = match origin.agency_id {
            Some(a) => a.to_owned(),
            None => match self.by_peer(origin.peer, None) {
                Some(e) => e.agency_id.clone(),
                None => return (self.unregistered.clone(), String::new()),
            },
        };
        let system = self
            .by_peer(origin.peer, Some(&agency))
            .and_then(|e| e.system.clone())
            .or_else(|| self.by_host(origin.host, &agency)?.system.clone())
            .unwrap_or_default();
        (agency, system)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn address(address: &str, agency: &str, system: Option<&str>) -> SourceAddress {
        SourceAddress {
            id: address.into(),
            address: address.into(),
            agency_id: agency.into(),
            system: system.map(str::to_owned),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn most_specific_network_wins_and_hosts_name_systems() {
        let map = SourceMap::new(
            &[
                address("10.1.0.0/16", "a", None),
                address("10.1.2.3", "a", Some("portal")),
                address("10.9.0.0/16", "b", Some("mail")),
                address("WEB01", "a", Some("intranet")),
            ],
            "unreg",
        );
        let ip = |s: &str| Some(s.parse().unwrap());
        let at = |peer, agency, host| {
            map.attribute(Origin {
                agency_id: agency,
                peer,
                host,
            })
        };
        assert_eq!(
            at(ip("10.1.2.3"), None, None),
            ("a".into(), "portal".into())
        );
        assert_eq!(at(ip("10.1.7.7"), None, None), ("a".into(), "".into()));
        assert_eq!(
            at(ip("10.1.7.7"), None, Some("web01")),
            ("a".into(), "intranet".into())
        );
        assert_eq!(at(ip("10.9.1.1"), None, None), ("b".into(), "mail".into()));
        assert_eq!(
            at(ip("192.0.2.1"), None, Some("web01")),
            ("unreg".into(), "".into()),
            "host names never choose the agency"
        );
        // A token's agency cannot be attributed another agency's system.
        assert_eq!(at(ip("10.9.1.1"), Some("a"), None), ("a".into(), "".into()));
        assert_eq!(at(None, Some("b"), None), ("b".into(), "".into()));
    }
}
