//! Who a request is. Every client kind sends its credential its own way, and all of them
//! end at [`vigil_store::db::Db::verify_token`]:
//!
//! - `Authorization: Bearer <token>` (Vigil's own clients, curl);
//! - `Authorization: ApiKey <key>` (Elasticsearch clients and Beats: the key is either the
//!   token itself or base64 of `id:token`, as Elastic's encoded keys are);
//! - `Authorization: Basic base64(user:token)` (Elasticsearch outputs configured with a
//!   user name and password: the password is the token);
//! - `Authorization: Splunk <token>` and `?token=` (Splunk HEC senders).
//!
//! Verified tokens are remembered for [`CACHE_TTL`] so a busy sender costs one database
//! lookup a minute, not one per request; a revoked token stops working within that time.

use axum::http::HeaderMap;
use base64::Engine;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use vigil_store::db::{Db, TokenIdentity};

/// How long a verified token is trusted without asking the database again.
pub const CACHE_TTL: Duration = Duration::from_secs(60);

/// The credential a request presents, if any.
pub fn presented_token(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    if let Some(value) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
        let rest = rest.trim();
        match scheme.to_ascii_lowercase().as_str() {
            "bearer" | "splunk" => return Some(rest.to_owned()),
            "apikey" => return Some(api_key_token(rest)),
            "basic" => return basic_password(rest),
            _ => {}
        }
    }
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "token")
        .map(|(_, v)| v.to_owned())
}

/// An Elasticsearch API key is sent either as given or as base64 of `id:key`.
fn api_key_token(key: &str) -> String {
    base64::engine::general_purpose::STANDARD
        .decode(key)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.split_once(':').map(|(_, token)| token.to_owned()))
        .unwrap_or_else(|| key.to_owned())
}

fn basic_password(encoded: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.split_once(':')
        .map(|(_, password)| password.to_owned())
}

/// Recently verified tokens.
#[derive(Debug, Default)]
pub struct TokenCache {
    verified: Mutex<HashMap<String, (TokenIdentity, Instant)>>,
}

impl TokenCache {
    /// The identity behind `token`, from the cache or the database; `None` for anything
    /// that is not a valid, unrevoked token.
    pub async fn verify(&self, db: &Db, token: &str) -> Option<TokenIdentity> {
        if let Some((identity, at)) = self.lock().get(token) {
            if at.elapsed() < CACHE_TTL {
                return Some(identity.clone());
            }
        }
        let identity = db.verify_token(token).await.ok().flatten()?;
        let mut cache = self.lock();
        if cache.len() > 10_000 {
            cache.retain(|_, (_, at)| at.elapsed() < CACHE_TTL);
        }
        cache.insert(token.to_owned(), (identity.clone(), Instant::now()));
        Some(identity)
    }

    /// Forgets every cached token (after a revocation).
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (TokenIdentity, Instant)>> {
        self.verified
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_auth(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::AUTHORIZATION,
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    #[test]
    fn every_client_style_yields_the_token() {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        assert_eq!(
            presented_token(&with_auth("Bearer vgi_a.b"), None).as_deref(),
            Some("vgi_a.b")
        );
        assert_eq!(
            presented_token(&with_auth("Splunk vgi_a.b"), None).as_deref(),
            Some("vgi_a.b")
        );
        assert_eq!(
            presented_token(&with_auth("ApiKey vgi_a.b"), None).as_deref(),
            Some("vgi_a.b")
        );
        let encoded = format!("ApiKey {}", b64("beats:vgi_a.b"));
        assert_eq!(
            presented_token(&with_auth(&encoded), None).as_deref(),
            Some("vgi_a.b")
        );
        let basic = format!("Basic {}", b64("elastic:vgi_a.b"));
        assert_eq!(
            presented_token(&with_auth(&basic), None).as_deref(),
            Some("vgi_a.b")
        );
        assert_eq!(
            presented_token(&HeaderMap::new(), Some("x=1&token=vgi_q.r")).as_deref(),
            Some("vgi_q.r")
        );
        assert_eq!(presented_token(&HeaderMap::new(), None), None);
    }
}
