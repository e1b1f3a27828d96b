//! What incidents and advisories share: each is one JSON document in the state
//! database's case records ([`vigil_store::db::CaseRecord`]), read within the caller's
//! tenant and changed in one audited write, plus the refusals their rules give.

use serde::de::DeserializeOwned;
use serde::Serialize;
use vigil_store::db::{CaseKind, CaseRecord, Db, Tenant};

use crate::reason::Reason;
use crate::register::{Error, Result};

/// A document kept as a case record.
pub(crate) trait CaseDocument: Serialize + DeserializeOwned {
    const KIND: CaseKind;

    /// The record to store: the document and the columns lists use.
    fn to_record(&self) -> CaseRecord;
}

/// The document a record holds.
pub(crate) fn from_record<T: CaseDocument>(record: CaseRecord) -> Result<T> {
    serde_json::from_value(record.body).map_err(|_| {
        Error::Db(vigil_store::db::Error::Corrupt {
            column: "body_json",
            value: format!("{} {}", T::KIND.name(), record.id),
        })
    })
}

/// Stores a new document, audited as `action`.
pub(crate) async fn insert<T: CaseDocument>(
    db: &Db,
    doc: &T,
    actor: &str,
    action: &str,
) -> Result<()> {
    Ok(db
        .insert_case_record(T::KIND, &doc.to_record(), actor, action)
        .await?)
}

/// Document `id` if `tenant` sees it.
pub(crate) async fn get<T: CaseDocument>(db: &Db, tenant: &Tenant, id: &str) -> Result<T> {
    let record = db
        .case_record(T::KIND, tenant, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("{} {id}", T::KIND.name())))?;
    from_record(record)
}

/// Every document `tenant` sees, newest first.
pub(crate) async fn list<T: CaseDocument>(db: &Db, tenant: &Tenant) -> Result<Vec<T>> {
    db.list_case_records(T::KIND, tenant)
        .await?
        .into_iter()
        .map(from_record)
        .collect()
}

/// Applies `change` to document `id` as `tenant` sees it, in one write audited as
/// `action`; nothing is stored when `change` refuses.
pub(crate) async fn change<T: CaseDocument>(
    db: &Db,
    tenant: &Tenant,
    id: &str,
    actor: &str,
    action: &str,
    change: impl FnOnce(&mut T) -> Result<()>,
) -> Result<T> {
    let record = db
        .update_case_record(T::KIND, tenant, id, actor, action, |record| {
            let mut doc: T = from_record(record)?;
            change(&mut doc)?;
            Ok::<_, Error>(doc.to_record())
        })
        .await
        .map_err(|error| match error {
            Error::Db(vigil_store::db::Error::NotFound(what)) => Error::NotFound(what),
            other => other,
        })?;
    from_record(record)
}

/// A refusal for one reason.
pub(crate) fn invalid(vi: impl Into<String>, en: impl Into<String>) -> Error {
    Error::Invalid(vec![Reason::new(vi, en)])
}

/// `Ok` without reasons, else a refusal listing them.
pub(crate) fn checked(reasons: Vec<Reason>) -> Result<()> {
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(reasons))
    }
}

/// Sets `field` to `value` trimmed, when a value is given and is not blank.
pub(crate) fn set_text(field: &mut String, value: Option<&str>) {
    if let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) {
        *field = text.to_owned();
    }
}
