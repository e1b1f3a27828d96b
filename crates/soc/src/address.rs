//! The addresses and software components written in the register, read from the forms
//! people type them in: URLs, IP addresses, CIDR blocks, domains and host names;
//! `name@version` or CPE 2.3 names.

use std::net::IpAddr;

use ipnet::IpNet;
use vigil_store::db::{url_host, AddressKind, Component, SystemAddress};

use crate::reason::Reason;

/// Reads one address. URLs, domains and public IP addresses or blocks are taken as
/// internet-facing; private addresses and single-label host names as internal.
pub fn parse_address(text: &str) -> Result<SystemAddress, Reason> {
    let text = text.trim();
    let bad = |vi: &str, en: &str| {
        Err(Reason::new(
            format!("địa chỉ {text:?}: {vi}"),
            format!("address {text:?}: {en}"),
        ))
    };
    if text.is_empty() {
        return bad("trống", "empty");
    }
    if let Some((scheme, _)) = text.split_once("://") {
        if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
            return bad(
                "URL phải là http hoặc https",
                "URL scheme must be http or https",
            );
        }
        let host = url_host(text);
        if host.parse::<IpAddr>().is_err() && !valid_host_name(host) {
            return bad("URL không có tên máy chủ hợp lệ", "URL has no valid host");
        }
        return Ok(address(text, AddressKind::Url, true));
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(address(text, AddressKind::Ip, is_public(ip)));
    }
    if text.contains('/') {
        return match text.parse::<IpNet>() {
            Ok(net) => Ok(address(text, AddressKind::Cidr, is_public(net.network()))),
            Err(_) => bad("dải CIDR không hợp lệ", "invalid CIDR block"),
        };
    }
    if looks_numeric(text) {
        return bad("địa chỉ IP không hợp lệ", "invalid IP address");
    }
    if !valid_host_name(text) {
        return bad("tên máy không hợp lệ", "invalid host name");
    }
    Ok(if text.contains('.') {
        address(text, AddressKind::Domain, true)
    } else {
        address(text, AddressKind::Host, false)
    })
}

fn address(text: &str, kind: AddressKind, internet_facing: bool) -> SystemAddress {
    SystemAddress {
        address: text.to_owned(),
        kind,
        internet_facing,
    }
}

/// Digits and dots (a mistyped IPv4 address), or hex digits with colons (IPv6).
fn looks_numeric(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        || (text.contains(':') && text.bytes().all(|b| b.is_ascii_hexdigit() || b == b':'))
}

/// A DNS name: labels of letters, digits, `-` and `_`, not starting or ending with `-`.
pub fn valid_host_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    (1..=253).contains(&name.len()) && name.split('.').all(label_ok) && !looks_numeric(name)
}

/// Whether `ip` is reachable from the Internet: not private, loopback, link-local,
/// shared (100.64/10), documentation or unspecified.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

/// Reads one component: a CPE 2.3 formatted string (`cpe:2.3:a:vendor:product:version:…`,
/// 13 parts) or `name@version`.
pub fn parse_component(text: &str) -> Result<Component, Reason> {
    let text = text.trim();
    if text.to_ascii_lowercase().starts_with("cpe:") {
        return parse_cpe(text);
    }
    match text.rsplit_once('@') {
        Some((name, version)) if !name.trim().is_empty() && !version.trim().is_empty() => {
            Ok(Component {
                name: name.trim().to_owned(),
                version: Some(version.trim().to_owned()),
                cpe: None,
            })
        }
        _ => Err(Reason::new(
            format!("thành phần {text:?}: cần dạng tên@phiên_bản hoặc tên CPE 2.3"),
            format!("component {text:?}: expected name@version or a CPE 2.3 name"),
        )),
    }
}

/// The parts of a CPE 2.3 formatted string, split on `:` not escaped by `\`.
fn cpe_parts(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut escaped = false;
    for c in text.chars() {
        match c {
            ':' if !escaped => parts.push(String::new()),
            _ => {
                escaped = c == '\\' && !escaped;
                parts.last_mut().expect("never empty").push(c);
            }
        }
    }
    parts
}

fn parse_cpe(text: &str) -> Result<Component, Reason> {
    let bad = |vi: &str, en: &str| {
        Err(Reason::new(
            format!("tên CPE {text:?}: {vi}"),
            format!("CPE name {text:?}: {en}"),
        ))
    };
    let parts = cpe_parts(text);
    if parts.len() != 13 || parts[0] != "cpe" || parts[1] != "2.3" {
        return bad(
            "cần 13 phần, bắt đầu bằng cpe:2.3:",
            "expected 13 parts starting with cpe:2.3:",
        );
    }
    if !matches!(parts[2].as_str(), "a" | "o" | "h" | "*" | "-") {
        return bad("loại phải là a, o hoặc h", "part must be a, o or h");
    }
    let allowed = |p: &String| {
        !p.is_empty()
            && p.chars().all(|c| {
                c.is_ascii_alphanumeric() || "._-*?\\~!\"#$%&'()+,/;<=>@[]^`{|}".contains(c)
            })
    };
    if !parts[3..].iter().all(allowed) {
        return bad(
            "có phần trống hoặc ký tự không hợp lệ",
            "empty part or invalid character",
        );
    }
    if matches!(parts[4].as_str(), "*" | "-") {
        return bad("thiếu tên sản phẩm", "product is missing");
    }
    let version = Some(parts[5].clone()).filter(|v| v != "*" && v != "-");
    Ok(Component {
        name: parts[4].replace('\\', ""),
        version,
        cpe: Some(text.to_owned()),
    })
}

/// How a component is written back: its CPE name when known, else `name@version`.
pub fn component_text(component: &Component) -> String {
    match (&component.cpe, &component.version) {
        (Some(cpe), _) => cpe.clone(),
        (None, Some(version)) => format!("{}@{version}", component.name),
        (None, None) => component.name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_classified_and_typos_refused() {
        let kind = |t: &str| parse_address(t).map(|a| (a.kind, a.internet_facing));
        assert_eq!(
            kind("https://dichvucong.example.vn/x"),
            Ok((AddressKind::Url, true))
        );
        assert_eq!(kind("10.1.2.3"), Ok((AddressKind::Ip, false)));
        assert_eq!(kind("203.113.1.5"), Ok((AddressKind::Ip, true)));
        assert_eq!(kind("10.20.0.0/16"), Ok((AddressKind::Cidr, false)));
        assert_eq!(kind("mail.example.vn"), Ok((AddressKind::Domain, true)));
        assert_eq!(kind("SRV-DB01"), Ok((AddressKind::Host, false)));
        for bad in [
            "10.0.0.300",
            "10.0.0.0/40",
            "ftp://x.vn",
            "a b",
            "",
            "https:///p",
        ] {
            assert!(parse_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn components_are_name_at_version_or_cpe() {
        let c = parse_component("nginx@1.24.0").unwrap();
        assert_eq!(
            (c.name.as_str(), c.version.as_deref()),
            ("nginx", Some("1.24.0"))
        );
        let c = parse_component("cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*").unwrap();
        assert_eq!(
            (c.name.as_str(), c.version.as_deref()),
            ("http_server", Some("2.4.58"))
        );
        assert_eq!(
            component_text(&c),
            "cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*"
        );
        for bad in [
            "nginx",
            "@1.0",
            "cpe:2.3:a:apache",
            "cpe:2.3:x:a:b:1:*:*:*:*:*:*:*",
        ] {
            assert!(parse_component(bad).is_err(), "{bad}");
        }
    }
}
