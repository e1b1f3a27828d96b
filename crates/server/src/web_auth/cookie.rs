//! The session cookie: reading it from a request, and the `Set-Cookie` values that set
//! and clear it.
//!
//! The cookie is `HttpOnly` (page scripts cannot read it), `SameSite=Strict` (other sites
//! cannot make the browser send it), `Path=/`, and `Secure` when the request came over
//! TLS (to Vigil, or to a reverse proxy in front of it that says so with
//! `X-Forwarded-Proto` or `Forwarded`) or when the options demand it. It carries no
//! `Max-Age`: closing the browser ends it, and the server ends the session itself after
//! its idle timeout or lifetime.

use axum::http::{header, HeaderMap, HeaderValue, Uri};

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "vigil_session";

/// The value of cookie `name` in the request's `Cookie` headers (quotes removed), if it
/// is there and not empty.
pub fn value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .map(|(_, value)| value.trim_matches('"'))
        .filter(|value| !value.is_empty())
}

/// The session token the request's `Cookie` headers carry, if any.
pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    value(headers, SESSION_COOKIE)
}

/// Whether the request reached Vigil, or the proxy in front of it, over TLS.
pub fn came_over_tls(headers: &HeaderMap, uri: &Uri) -> bool {
    let header_says = |name: &str, test: fn(&str) -> bool| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(test)
    };
    uri.scheme_str() == Some("https")
        || header_says("x-forwarded-proto", |v| {
            v.split(',')
                .next()
                .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
        })
        || header_says("forwarded", |v| {
            v.split([';', ','])
                .filter_map(|pair| pair.trim().split_once('='))
                .any(|(k, v)| {
                    k.eq_ignore_ascii_case("proto")
                        && v.trim_matches('"').eq_ignore_ascii_case("https")
                })
        })
}

/// `Set-Cookie` for a new session.
pub fn set_session(token: &str, secure: bool) -> HeaderValue {
    cookie(&format!("{SESSION_COOKIE}={token}"), secure)
}

/// `Set-Cookie` that makes the browser forget the session.
pub fn clear_session(secure: bool) -> HeaderValue {
    cookie(&format!("{SESSION_COOKIE}=; Max-Age=0"), secure)
}

fn cookie(head: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    // Tokens are URL-safe base64, so the value is always a valid header.
    HeaderValue::from_str(&format!(
        "{head}; HttpOnly; SameSite=Strict; Path=/{secure}"
    ))
    .expect("cookie values are ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let h = headers(&[("cookie", "lang=vi; vigil_session=abc_-1; theme=dark")]);
        assert_eq!(session_token(&h), Some("abc_-1"));
        let h = headers(&[("cookie", "lang=vi"), ("cookie", "vigil_session=xyz")]);
        assert_eq!(session_token(&h), Some("xyz"));
        let h = headers(&[("cookie", "not_vigil_session=abc; vigil_session=")]);
        assert_eq!(session_token(&h), None);
        assert_eq!(session_token(&HeaderMap::new()), None);
    }

    #[test]
    fn tls_is_seen_directly_or_through_a_proxy() {
        let plain: Uri = "/api/v1/session".parse().unwrap();
        assert!(!came_over_tls(&HeaderMap::new(), &plain));
        assert!(came_over_tls(
            &HeaderMap::new(),
            &"https://vigil.local/".parse().unwrap()
        ));
        assert!(came_over_tls(
            &headers(&[("x-forwarded-proto", "HTTPS")]),
            &plain
        ));
        assert!(!came_over_tls(
            &headers(&[("x-forwarded-proto", "http")]),
            &plain
        ));
        assert!(came_over_tls(
            &headers(&[("forwarded", "for=10.0.0.1;proto=https;by=10.0.0.2")]),
            &plain
        ));
    }

    #[test]
    fn cookies_carry_every_flag() {
        let set = set_session("tok", false);
        assert_eq!(
            set.to_str().unwrap(),
            "vigil_session=tok; HttpOnly; SameSite=Strict; Path=/"
        );
        let secure = set_session("tok", true);
        assert!(secure.to_str().unwrap().ends_with("; Secure"));
        let clear = clear_session(false);
        assert!(clear
            .to_str()
            .unwrap()
            .starts_with("vigil_session=; Max-Age=0;"));
    }
}
