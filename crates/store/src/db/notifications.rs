//! Where an agency's alerts are sent: contact e-mail addresses, webhook URLs and the
//! lowest alert level worth a notification. Issue 6 sends them; this module keeps them,
//! and refuses what could never be delivered (a malformed address, a webhook that is not
//! `http` or `https`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::audit::append_in;
use super::{from_millis, now_millis, AlertLevel, Db, Error, Result};

/// The most e-mail addresses, and the most webhooks, one agency may have.
pub const MAX_NOTIFICATION_TARGETS: usize = 20;
/// The longest e-mail address (RFC 5321's path limit).
const MAX_EMAIL_CHARS: usize = 254;
/// The longest webhook URL.
const MAX_URL_CHARS: usize = 2048;

/// An agency's notification settings; an agency nobody configured notifies no one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationSettings {
    pub agency_id: String,
    pub emails: Vec<String>,
    pub webhooks: Vec<String>,
    /// Alerts below this level are not sent.
    pub min_level: AlertLevel,
    /// Who last changed them (`None`: never configured).
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl NotificationSettings {
    /// What an agency has before anyone configures it.
    fn unconfigured(agency_id: &str) -> NotificationSettings {
        NotificationSettings {
            agency_id: agency_id.to_owned(),
            emails: Vec::new(),
            webhooks: Vec::new(),
            min_level: AlertLevel::High,
            updated_by: None,
            updated_at: None,
        }
    }
}

/// New settings for an agency, replacing the old ones whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationUpdate {
    pub emails: Vec<String>,
    pub webhooks: Vec<String>,
    pub min_level: AlertLevel,
}

/// A trimmed, lower-cased e-mail address, if it is one: a local part without spaces,
/// quotes or angle brackets, `@`, and a domain of at least two dot-separated labels.
fn checked_email(address: &str) -> Result<String> {
    let address = address.trim().to_lowercase();
    let invalid = || Error::Invalid(format!("{address:?} is not an e-mail address"));
    if address.chars().count() > MAX_EMAIL_CHARS {
        return Err(invalid());
    }
    let (local, domain) = address.split_once('@').ok_or_else(invalid)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let labels: Vec<&str> = domain.split('.').collect();
    if !local_ok || labels.len() < 2 || !labels.iter().all(|l| label_ok(l)) {
        return Err(invalid());
    }
    Ok(address)
}

/// A trimmed webhook URL, if it is an absolute `http` or `https` URL with a host and no
/// credentials in it.
fn checked_webhook(url: &str) -> Result<String> {
    let url = url.trim();
    let invalid = |why: &str| Error::Invalid(format!("webhook {url:?}: {why}"));
    if url.chars().count() > MAX_URL_CHARS {
        return Err(invalid("too long"));
    }
    let parsed = url::Url::parse(url).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("only http and https URLs are allowed"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the URL has no host"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid("put no user name or password in the URL"));
    }
    Ok(url.to_owned())
}

/// Checks every address of one kind, drops repeats and keeps their order.
fn checked_list(
    items: &[String],
    kind: &str,
    check: fn(&str) -> Result<String>,
) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for item in items.iter().filter(|i| !i.trim().is_empty()) {
        let item = check(item)?;
        if !out.contains(&item) {
            out.push(item);
        }
    }
    if out.len() > MAX_NOTIFICATION_TARGETS {
        return Err(Error::Invalid(format!(
            "at most {MAX_NOTIFICATION_TARGETS} {kind} per agency"
        )));
    }
    Ok(out)
}

fn list_column(row: &AnyRow, column: &'static str) -> Result<Vec<String>> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|_| Error::Corrupt {
        column,
        value: text,
    })
}

fn from_row(row: &AnyRow) -> Result<NotificationSettings> {
    Ok(NotificationSettings {
        agency_id: row.try_get("agency_id")?,
        emails: list_column(row, "emails")?,
        webhooks: list_column(row, "webhooks")?,
        min_level: row.try_get::<String, _>("min_level")?.parse()?,
        updated_by: Some(row.try_get("updated_by")?),
        updated_at: Some(from_millis(row.try_get("updated_at")?)),
    })
}

const SELECT: &str = "SELECT agency_id, emails, webhooks, min_level, updated_by, updated_at \
                      FROM notification_settings";

impl Db {
    /// The settings of one agency (the unconfigured defaults when it has none).
    pub async fn notification_settings(&self, agency_id: &str) -> Result<NotificationSettings> {
        let row = sqlx::query(&format!("{SELECT} WHERE agency_id = $1"))
            .bind(agency_id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => from_row(&row),
            None => Ok(NotificationSettings::unconfigured(agency_id)),
        }
    }

    /// The settings of every agency that has some, by agency id.
    pub async fn list_notification_settings(&self) -> Result<Vec<NotificationSettings>> {
        let rows = sqlx::query(&format!("{SELECT} ORDER BY agency_id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// Replaces an agency's settings after checking every address; audited with the
    /// settings before and after.
    pub async fn set_notification_settings(
        &self,
        agency_id: &str,
        update: &NotificationUpdate,
        actor: &str,
    ) -> Result<NotificationSettings> {
        let emails = checked_list(&update.emails, "e-mail addresses", checked_email)?;
        let webhooks = checked_list(&update.webhooks, "webhooks", checked_webhook)?;
        if self.agency(agency_id).await?.is_none() {
            return Err(Error::NotFound(format!("agency {agency_id}")));
        }
        let before = self.notification_settings(agency_id).await?;
        let now = now_millis();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO notification_settings \
             (agency_id, emails, webhooks, min_level, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (agency_id) DO UPDATE SET \
             emails = excluded.emails, webhooks = excluded.webhooks, \
             min_level = excluded.min_level, updated_by = excluded.updated_by, \
             updated_at = excluded.updated_at",
        )
        .bind(agency_id)
        .bind(json!(emails).to_string())
        .bind(json!(webhooks).to_string())
        .bind(update.min_level.as_str())
        .bind(actor)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let after = NotificationSettings {
            agency_id: agency_id.to_owned(),
            emails,
            webhooks,
            min_level: update.min_level,
            updated_by: Some(actor.to_owned()),
            updated_at: Some(from_millis(now)),
        };
        let view = |s: &NotificationSettings| json!({ "emails": s.emails, "webhooks": s.webhooks, "min_level": s.min_level });
        append_in(
            &mut tx,
            actor,
            "notifications.update",
            &format!("agency:{agency_id}"),
            Some(&view(&before)),
            Some(&view(&after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mail_addresses_are_checked_and_lower_cased() {
        assert_eq!(
            checked_email(" Lan.Nguyen@SoYTe.gov.vn ").unwrap(),
            "lan.nguyen@soyte.gov.vn"
        );
        assert!(checked_email("soc+alerts@binhan.gov.vn").is_ok());
        for bad in [
            "",
            "lan",
            "lan@",
            "@soyte.gov.vn",
            "lan@localhost",
            "lan nguyen@soyte.gov.vn",
            "<lan@soyte.gov.vn>",
            "lan@@soyte.gov.vn",
            "lan..x@soyte.gov.vn",
            "lan@-soyte.gov.vn",
            "\"lan\"@soyte.gov.vn",
        ] {
            assert!(checked_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn webhooks_are_http_or_https_with_a_host() {
        assert!(checked_webhook("https://chat.soc.local/hooks/abc?x=1").is_ok());
        assert!(checked_webhook("http://10.0.0.5:8080/alert").is_ok());
        for bad in [
            "javascript:alert(1)",
            "ftp://files.local/x",
            "file:///etc/passwd",
            "https://",
            "chat.soc.local/hooks",
            "https://user:secret@chat.soc.local/",
        ] {
            assert!(checked_webhook(bad).is_err(), "{bad:?}");
        }
    }
}
