//! Web server access records in W3C field names (`c-ip`, `cs-uri-stem`, `sc-status`, …).
//!
//! Each event names its Sigma log source explicitly (`logsource.category: webserver`), the
//! same for the nginx sites and the IIS portal.

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::Rng;
use std::net::Ipv4Addr;

use crate::province::Host;
use crate::timeline::Timeline;

/// One HTTP request as the server logged it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request<'a> {
    pub client: Ipv4Addr,
    pub method: &'static str,
    pub stem: &'a str,
    /// Query string without `?`; empty when there is none.
    pub query: &'a str,
    pub status: u16,
    pub user_agent: &'a str,
    /// Referring page; empty when there is none.
    pub referer: &'a str,
}

fn or_dash(text: &str) -> &str {
    if text.is_empty() {
        "-"
    } else {
        text
    }
}

impl Timeline {
    /// One access record of `site`, served by `host`.
    pub fn web_request(
        &mut self,
        at: DateTime<Utc>,
        host: &Host,
        site: &str,
        request: &Request<'_>,
        rng: &mut StdRng,
    ) {
        let bytes: u32 = match request.status {
            200 if request.stem.ends_with(".jpg") || request.stem.ends_with(".png") => {
                rng.random_range(20_000..400_000)
            }
            200 => rng.random_range(2_000..90_000),
            304 => 0,
            _ => rng.random_range(150..1_200),
        };
        self.record(at, host)
            .set("logsource.category", "webserver")
            .set("s-ip", host.ip.to_string())
            .set("s-port", 443)
            .set("cs-host", site)
            .set("c-ip", request.client.to_string())
            .set("cs-username", "-")
            .set("cs-method", request.method)
            .set("cs-uri-stem", request.stem)
            .set("cs-uri-query", or_dash(request.query))
            .set("cs-version", "HTTP/1.1")
            .set("sc-status", request.status)
            .set("sc-bytes", bytes)
            .set("time-taken", rng.random_range(3..900))
            .set("cs-user-agent", request.user_agent)
            .set("cs-referer", or_dash(request.referer));
    }
}
