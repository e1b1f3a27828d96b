//! Extractors of the ingest endpoints, each refusing in the dialect `D` of its API:
//!
//! - [`Caller`]: any valid token (the informational Elasticsearch calls);
//! - [`Sender`]: a token that may send events, i.e. one with an agency (the batch's
//!   `agency_id` is the token's agency, never something the sender wrote);
//! - [`Body`]: the request body, at most [`Limits::max_body_bytes`] before and after
//!   decompression (`Content-Encoding: gzip` or `deflate`, as Beats, Logstash, Fluent Bit
//!   and HEC senders compress).
//!
//! Put the credential extractor before [`Body`] in a handler's arguments: axum stops at the
//! first extractor that fails, so an unauthenticated request is refused before its body is
//! read.
//!
//! [`Limits::max_body_bytes`]: crate::state::Limits::max_body_bytes

use super::batch::BatchBuilder;
use super::respond::{Dialect, Refusal, Refused};
use crate::auth::presented_token;
use crate::state::{AppState, Limits};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header::{CONTENT_ENCODING, CONTENT_LENGTH};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use std::io::Read;
use std::marker::PhantomData;
use std::net::{IpAddr, SocketAddr};
use vigil_pipeline::intake::Source;
use vigil_store::db::TokenIdentity;

/// The verified identity behind the request's token, and where the request came from.
pub(crate) struct Caller<D> {
    pub identity: TokenIdentity,
    pub peer: Option<IpAddr>,
    dialect: PhantomData<D>,
}

impl<D: Dialect> FromRequestParts<AppState> for Caller<D> {
    type Rejection = Refused<D>;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Refused<D>> {
        let token = presented_token(&parts.headers, parts.uri.query())
            .filter(|token| !token.trim().is_empty())
            .ok_or(Refusal::MissingToken)?;
        let identity = state
            .auth
            .verify(&state.db, &token)
            .await
            .ok_or(Refusal::InvalidToken)?;
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_canonical());
        Ok(Caller {
            identity,
            peer,
            dialect: PhantomData,
        })
    }
}

/// A caller that may send events: its token's agency and its address.
pub(crate) struct Sender<D> {
    pub agency_id: String,
    pub peer: Option<IpAddr>,
    dialect: PhantomData<D>,
}

impl<D: Dialect> FromRequestParts<AppState> for Sender<D> {
    type Rejection = Refused<D>;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Refused<D>> {
        let caller = Caller::<D>::from_request_parts(parts, state).await?;
        let agency_id = caller.identity.agency_id.ok_or_else(|| {
            tracing::warn!(
                token = %caller.identity.token_id,
                "ingest refused: the token belongs to no agency"
            );
            Refusal::NoAgency
        })?;
        Ok(Sender {
            agency_id,
            peer: caller.peer,
            dialect: PhantomData,
        })
    }
}

impl<D> Sender<D> {
    /// An empty batch from this sender, as its agency.
    pub(crate) fn batch(self, source: Source, limits: &Limits) -> BatchBuilder {
        BatchBuilder::new(source, Some(self.agency_id), self.peer, limits)
    }
}

/// The request body, bounded and decompressed.
pub(crate) struct Body<D>(pub Bytes, pub PhantomData<D>);

impl<D: Dialect> FromRequest<AppState> for Body<D> {
    type Rejection = Refused<D>;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Refused<D>> {
        let limit = state.limits.max_body_bytes;
        let too_large = Refusal::TooLarge { limit };
        if declared_length(req.headers()).is_some_and(|n| n > limit as u64) {
            return Err(too_large.into());
        }
        let encoding = Encoding::of(req.headers())?;
        let bytes = Limited::new(req.into_body(), limit)
            .collect()
            .await
            .map_err(|err| {
                if err.is::<LengthLimitError>() {
                    too_large.clone()
                } else {
                    Refusal::BadBody(err.to_string())
                }
            })?
            .to_bytes();
        let bytes = match encoding {
            Encoding::Identity => bytes,
            compressed => super::off_runtime(move || compressed.decode(&bytes, limit)).await??,
        };
        Ok(Body(bytes, PhantomData))
    }
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// How the body is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Identity,
    Gzip,
    /// HTTP's `deflate`: a zlib stream.
    Deflate,
}

impl Encoding {
    fn of(headers: &HeaderMap) -> Result<Encoding, Refusal> {
        let Some(value) = headers.get(CONTENT_ENCODING) else {
            return Ok(Encoding::Identity);
        };
        let text = value.to_str().unwrap_or("").trim().to_ascii_lowercase();
        match text.as_str() {
            "" | "identity" => Ok(Encoding::Identity),
            "gzip" | "x-gzip" => Ok(Encoding::Gzip),
            "deflate" => Ok(Encoding::Deflate),
            _ => Err(Refusal::UnsupportedEncoding(
                String::from_utf8_lossy(value.as_bytes())
                    .chars()
                    .take(40)
                    .collect(),
            )),
        }
    }

    /// Decompresses `bytes`, refusing output over `limit` (a small body can inflate to
    /// gigabytes).
    fn decode(self, bytes: &[u8], limit: usize) -> Result<Bytes, Refusal> {
        let reader: Box<dyn Read + '_> = match self {
            Encoding::Identity => return Ok(Bytes::copy_from_slice(bytes)),
            Encoding::Gzip => Box::new(flate2::read::MultiGzDecoder::new(bytes)),
            Encoding::Deflate => Box::new(flate2::read::ZlibDecoder::new(bytes)),
        };
        let mut out = Vec::with_capacity(bytes.len().saturating_mul(4).min(limit));
        reader
            .take(limit as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|err| Refusal::BadBody(format!("cannot decompress: {err}")))?;
        if out.len() > limit {
            return Err(Refusal::TooLarge { limit });
        }
        Ok(Bytes::from(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn encodings_are_read_from_the_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(Encoding::of(&headers), Ok(Encoding::Identity));
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("GZIP"));
        assert_eq!(Encoding::of(&headers), Ok(Encoding::Gzip));
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("br"));
        assert!(matches!(
            Encoding::of(&headers),
            Err(Refusal::UnsupportedEncoding(e)) if e == "br"
        ));
    }

    #[test]
    fn decompression_is_bounded() {
        let zeros = vec![0u8; 100_000];
        let packed = gzip(&zeros);
        assert!(packed.len() < 1000);
        assert_eq!(
            Encoding::Gzip.decode(&packed, 100_000).map(|b| b.len()),
            Ok(100_000)
        );
        assert_eq!(
            Encoding::Gzip.decode(&packed, 99_999),
            Err(Refusal::TooLarge { limit: 99_999 })
        );
        assert!(matches!(
            Encoding::Gzip.decode(b"not gzip at all", 1000),
            Err(Refusal::BadBody(_))
        ));
    }

    #[test]
    fn concatenated_gzip_members_are_all_read() {
        let mut packed = gzip(b"first\n");
        packed.extend(gzip(b"second\n"));
        assert_eq!(
            Encoding::Gzip.decode(&packed, 1000).as_deref(),
            Ok(&b"first\nsecond\n"[..])
        );
    }
}
