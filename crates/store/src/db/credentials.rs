//! The secrets behind user accounts: argon2id password hashes, generated one-time
//! passwords, TOTP codes (RFC 6238) and random session tokens.
//!
//! Hashing and checking a password takes tens of milliseconds of CPU by design, so both
//! run on tokio's blocking pool, never on a runtime worker.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};

use super::{hex, Error, Result};

/// Shortest password a user may choose, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted, in bytes (hashing work grows with the input).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Length of a generated one-time password, in characters.
pub const ONE_TIME_PASSWORD_CHARS: usize = 20;
/// TOTP parameters: 30-second steps, 6 digits, one step of clock skew either way.
pub const TOTP_STEP_SECONDS: u64 = 30;
pub const TOTP_DIGITS: usize = 6;
const TOTP_SKEW_STEPS: i64 = 1;
/// The issuer an authenticator app shows next to the account.
pub const TOTP_ISSUER: &str = "Vigil";

/// Letters and digits that cannot be mistaken for one another when read aloud or copied
/// from a terminal (no 0/O, 1/l/I): about 5.8 bits each, 116 bits for 20 characters.
const OTP_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";

/// Runs CPU-heavy work on the blocking pool, passing its panic on.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => Ok(value),
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => Err(Error::Invalid(format!("password hashing stopped: {e}"))),
        },
    }
}

/// The argon2id PHC string of `password`, with a fresh random salt.
pub(crate) async fn hash_password(password: String) -> Result<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    blocking(move || {
        let salt = SaltString::encode_b64(&salt).map_err(|e| Error::Invalid(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| Error::Invalid(format!("hashing password: {e}")))
    })
    .await?
}

/// Whether `password` matches `phc`, an argon2 PHC string from [`hash_password`].
pub(crate) async fn verify_password(password: String, phc: String) -> Result<bool> {
    blocking(move || {
        let parsed = PasswordHash::new(&phc).map_err(|_| Error::Corrupt {
            column: "password_hash",
            value: "<unparsable hash>".into(),
        })?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await?
}

/// Spends the time of one password check, for logins naming no user, so a response's
/// timing does not tell which logins exist.
pub(crate) async fn verify_nobody(password: String) -> Result<()> {
    static DECOY: OnceLock<String> = OnceLock::new();
    let decoy = match DECOY.get() {
        Some(hash) => hash.clone(),
        None => {
            let hash = hash_password(one_time_password()).await?;
            DECOY.get_or_init(|| hash).clone()
        }
    };
    verify_password(password, decoy).await.map(drop)
}

/// A random password for a new or reset account, shown once.
pub(crate) fn one_time_password() -> String {
    let mut rng = rand::rng();
    (0..ONE_TIME_PASSWORD_CHARS)
        .map(|_| char::from(OTP_ALPHABET[rng.random_range(0..OTP_ALPHABET.len())]))
        .collect()
}

/// Refuses passwords too short to resist guessing, or too long to hash cheaply.
pub(crate) fn check_password_policy(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::Invalid(format!(
            "password must be at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(Error::Invalid(format!(
            "password must be at most {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    Ok(())
}

/// 32 random bytes in URL-safe base64: session tokens and CSRF tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a session token.
pub(crate) fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Constant-time comparison of two secrets.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// A new TOTP secret (160 bits, as RFC 4226 recommends), in base32.
pub(crate) fn new_totp_secret() -> String {
    let mut bytes = vec![0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    match Secret::Raw(bytes).to_encoded() {
        Secret::Encoded(text) => text,
        Secret::Raw(_) => unreachable!("to_encoded always encodes"),
    }
}

fn totp(secret_base32: &str, login: &str) -> Result<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_owned())
        .to_bytes()
        .map_err(|_| Error::Corrupt {
            column: "totp_secret",
            value: "<not base32>".into(),
        })?;
    TOTP::new(
        Algorithm::SHA1,
        TOTP_DIGITS,
        0,
        TOTP_STEP_SECONDS,
        bytes,
        Some(TOTP_ISSUER.to_owned()),
        login.to_owned(),
    )
    .map_err(|e| Error::Invalid(format!("totp: {e}")))
}

/// The `otpauth://totp/...` URL an authenticator app enrols from (as a QR code or typed).
pub(crate) fn totp_url(secret_base32: &str, login: &str) -> Result<String> {
    Ok(totp(secret_base32, login)?.get_url())
}

/// The step of `code` if it is valid at `now_secs` (one step of skew either way) and newer
/// than `last_step`, the last step accepted for this secret: a code works once.
pub(crate) fn totp_step(
    secret_base32: &str,
    code: &str,
    now_secs: i64,
    last_step: Option<i64>,
) -> Result<Option<i64>> {
    let code = code.trim();
    if code.len() != TOTP_DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let totp = totp(secret_base32, "x")?;
    let step = TOTP_STEP_SECONDS as i64;
    let current = now_secs.div_euclid(step);
    let mut matched = None;
    for candidate in current - TOTP_SKEW_STEPS..=current + TOTP_SKEW_STEPS {
        let expected = totp.generate((candidate.max(0) * step) as u64);
        let fresh = last_step.is_none_or(|last| candidate > last);
        if same_secret(&expected, code) && fresh && matched.is_none() {
            matched = Some(candidate);
        }
    }
    Ok(matched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_a_salt_each() {
        let a = hash_password("correct horse battery".into()).await.unwrap();
        let b = hash_password("correct horse battery".into()).await.unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "salts differ");
        assert!(verify_password("correct horse battery".into(), a.clone())
            .await
            .unwrap());
        assert!(!verify_password("correct horse batterz".into(), a)
            .await
            .unwrap());
        assert!(verify_password("x".into(), "not a hash".into())
            .await
            .is_err());
        verify_nobody("anything".into()).await.unwrap();
    }

    #[test]
    fn one_time_passwords_are_long_and_unambiguous() {
        let a = one_time_password();
        assert_eq!(a.chars().count(), ONE_TIME_PASSWORD_CHARS);
        assert!(a.bytes().all(|b| OTP_ALPHABET.contains(&b)));
        assert_ne!(a, one_time_password());
        check_password_policy(&a).unwrap();
        assert!(check_password_policy("short").is_err());
        // Twelve Vietnamese characters are twelve, though more bytes.
        check_password_policy("mậtkhẩuđủdài").unwrap();
        assert!(check_password_policy(&"x".repeat(MAX_PASSWORD_BYTES + 1)).is_err());
    }

    #[test]
    fn totp_codes_follow_rfc_6238_and_work_once() {
        // RFC 6238 appendix B: SHA-1 key "12345678901234567890", T = 59 s -> 94287082;
        // the 6-digit form is its last six digits.
        let secret = match Secret::Raw(b"12345678901234567890".to_vec()).to_encoded() {
            Secret::Encoded(s) => s,
            Secret::Raw(_) => unreachable!(),
        };
        assert_eq!(totp_step(&secret, "287082", 59, None).unwrap(), Some(1));
        // One step either side is accepted; two are not.
        assert_eq!(totp_step(&secret, "287082", 89, None).unwrap(), Some(1));
        assert_eq!(totp_step(&secret, "287082", 29, None).unwrap(), Some(1));
        assert_eq!(totp_step(&secret, "287082", 120, None).unwrap(), None);
        // Replays and garbage are refused.
        assert_eq!(totp_step(&secret, "287082", 59, Some(1)).unwrap(), None);
        assert_eq!(totp_step(&secret, "28708", 59, None).unwrap(), None);
        assert_eq!(totp_step(&secret, "28708a", 59, None).unwrap(), None);

        let fresh = new_totp_secret();
        let url = totp_url(&fresh, "lan").unwrap();
        assert!(url.starts_with("otpauth://totp/Vigil:lan?"), "{url}");
        assert!(url.contains(&format!("secret={fresh}")), "{url}");
        assert!(totp_step("not base32 !", "123456", 0, None).is_err());
    }
}
