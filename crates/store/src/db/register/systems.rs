//! Information systems with their addresses and components, and agency contacts.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};

use super::{
    date_from, date_text, AddressKind, Component, ContactDuty, DossierStatus, Regime, SystemAddress,
};
use crate::db::audit::append_in;
use crate::db::{from_millis, new_id, now_millis, Db, Error, Result, SourceAddress, Tenant};

/// What a person records about an information system (everything but its identity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemDetails {
    pub name: String,
    #[serde(default)]
    pub purpose: Option<String>,
    /// The operating unit (đơn vị vận hành).
    #[serde(default)]
    pub operator: Option<String>,
    /// On premises, the provincial data centre, a cloud, a rented service…
    #[serde(default)]
    pub hosting: Option<String>,
    #[serde(default)]
    pub users_served: Option<String>,
    #[serde(default)]
    pub personal_data: bool,
    #[serde(default)]
    pub state_secrets: bool,
    /// Security level 1–5.
    pub level: u8,
    #[serde(default)]
    pub regime: Regime,
    pub dossier_status: DossierStatus,
    #[serde(default)]
    pub decision_number: Option<String>,
    #[serde(default)]
    pub decision_date: Option<NaiveDate>,
    #[serde(default)]
    pub approving_authority: Option<String>,
    #[serde(default)]
    pub review_date: Option<NaiveDate>,
    #[serde(default)]
    pub addresses: Vec<SystemAddress>,
    #[serde(default)]
    pub components: Vec<Component>,
}

impl SystemDetails {
    /// A draft system at `level` with nothing else recorded yet.
    pub fn new(name: &str, level: u8) -> SystemDetails {
        SystemDetails {
            name: name.to_owned(),
            purpose: None,
            operator: None,
            hosting: None,
            users_served: None,
            personal_data: false,
            state_secrets: false,
            level,
            regime: Regime::default(),
            dossier_status: DossierStatus::Draft,
            decision_number: None,
            decision_date: None,
            approving_authority: None,
            review_date: None,
            addresses: Vec::new(),
            components: Vec::new(),
        }
    }
}

/// A registered information system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InformationSystem {
    pub id: String,
    pub agency_id: String,
    /// The owner agency's name.
    pub agency: String,
    #[serde(flatten)]
    pub details: SystemDetails,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Which systems [`Db::list_systems`] returns; `None` does not filter.
#[derive(Debug, Clone, Default)]
pub struct SystemFilter {
    pub agency_id: Option<String>,
    pub level: Option<u8>,
    pub dossier_status: Option<DossierStatus>,
}

/// What [`Db::import_systems`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    pub agencies_created: usize,
    pub systems_created: usize,
    pub systems_updated: usize,
}

/// A person responsible for something in an agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewContact {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    pub duty: ContactDuty,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgencyContact {
    pub id: String,
    pub agency_id: String,
    #[serde(flatten)]
    pub contact: NewContact,
    pub created_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT s.id, s.agency_id, g.name AS agency_name, s.name, s.purpose, \
    s.operator, s.hosting, s.users_served, s.personal_data, s.state_secrets, s.level, \
    s.regime, s.dossier_status, s.decision_number, s.decision_date, s.approving_authority, \
    s.review_date, s.created_at, s.updated_at \
    FROM information_systems s JOIN agencies g ON g.id = s.agency_id";

/// `$1` tenant agency, `$2` agency, `$3` level, `$4` dossier status, `$5` system id.
const WHERE: &str = " WHERE ($1 IS NULL OR s.agency_id = $1) AND ($2 IS NULL OR s.agency_id = $2) \
    AND ($3 IS NULL OR s.level = $3) AND ($4 IS NULL OR s.dossier_status = $4) \
    AND ($5 IS NULL OR s.id = $5)";

/// The values of [`WHERE`]'s placeholders.
struct WhereArgs {
    tenant: Option<String>,
    agency: Option<String>,
    level: Option<i64>,
    status: Option<&'static str>,
    id: Option<String>,
}

impl WhereArgs {
    fn bind<'q>(&'q self, sql: &'q str) -> Query<'q, Any, AnyArguments<'q>> {
        sqlx::query(sql)
            .bind(self.tenant.as_deref())
            .bind(self.agency.as_deref())
            .bind(self.level)
            .bind(self.status)
            .bind(self.id.as_deref())
    }
}

fn system_from_row(row: &AnyRow) -> Result<InformationSystem> {
    let flag = |column: &str| -> Result<bool> { Ok(row.try_get::<i64, _>(column)? != 0) };
    let level: i64 = row.try_get("level")?;
    Ok(InformationSystem {
        id: row.try_get("id")?,
        agency_id: row.try_get("agency_id")?,
        agency: row.try_get("agency_name")?,
        details: SystemDetails {
            name: row.try_get("name")?,
            purpose: row.try_get("purpose")?,
            operator: row.try_get("operator")?,
            hosting: row.try_get("hosting")?,
            users_served: row.try_get("users_served")?,
            personal_data: flag("personal_data")?,
            state_secrets: flag("state_secrets")?,
            level: u8::try_from(level).map_err(|_| Error::Corrupt {
                column: "information_systems.level",
                value: level.to_string(),
            })?,
            regime: row.try_get::<String, _>("regime")?.parse()?,
            dossier_status: row.try_get::<String, _>("dossier_status")?.parse()?,
            decision_number: row.try_get("decision_number")?,
            decision_date: date_from(
                "information_systems.decision_date",
                row.try_get("decision_date")?,
            )?,
            approving_authority: row.try_get("approving_authority")?,
            review_date: date_from(
                "information_systems.review_date",
                row.try_get("review_date")?,
            )?,
            addresses: Vec::new(),
            components: Vec::new(),
        },
        created_at: from_millis(row.try_get("created_at")?),
        updated_at: from_millis(row.try_get("updated_at")?),
    })
}

/// The systems `filter` (and `id`, when given) selects within `tenant`, with their
/// addresses and components, by agency and name.
async fn select_in(
    conn: &mut AnyConnection,
    tenant: &Tenant,
    filter: &SystemFilter,
    id: Option<&str>,
) -> Result<Vec<InformationSystem>> {
    let args = WhereArgs {
        tenant: tenant.agency_id().map(str::to_owned),
        agency: filter.agency_id.clone(),
        level: filter.level.map(i64::from),
        status: filter.dossier_status.map(DossierStatus::as_str),
        id: id.map(str::to_owned),
    };
    let bind = |sql| args.bind(sql);
    let sql = format!("{SELECT}{WHERE} ORDER BY g.name, s.name");
    let mut systems: Vec<InformationSystem> = bind(&sql)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(system_from_row)
        .collect::<Result<_>>()?;
    let index: HashMap<String, usize> = systems
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.clone(), i))
        .collect();
    let sql = format!(
        "SELECT a.system_id, a.address, a.kind, a.internet_facing FROM system_addresses a \
         JOIN information_systems s ON s.id = a.system_id{WHERE} ORDER BY a.address"
    );
    for row in bind(&sql).fetch_all(&mut *conn).await? {
        let Some(&i) = index.get(&row.try_get::<String, _>("system_id")?) else {
            continue;
        };
        systems[i].details.addresses.push(SystemAddress {
            address: row.try_get("address")?,
            kind: row.try_get::<String, _>("kind")?.parse()?,
            internet_facing: row.try_get::<i64, _>("internet_facing")? != 0,
        });
    }
    let sql = format!(
        "SELECT c.system_id, c.name, c.version, c.cpe FROM system_components c \
         JOIN information_systems s ON s.id = c.system_id{WHERE} ORDER BY c.name"
    );
    for row in bind(&sql).fetch_all(&mut *conn).await? {
        let Some(&i) = index.get(&row.try_get::<String, _>("system_id")?) else {
            continue;
        };
        systems[i].details.components.push(Component {
            name: row.try_get("name")?,
            version: row.try_get("version")?,
            cpe: row.try_get("cpe")?,
        });
    }
    Ok(systems)
}

async fn one_in(conn: &mut AnyConnection, id: &str) -> Result<InformationSystem> {
    select_in(conn, &Tenant::All, &SystemFilter::default(), Some(id))
        .await?
        .pop()
        .ok_or_else(|| Error::NotFound(format!("system {id}")))
}

/// Writes the addresses and components of `system_id`, replacing those it had.
async fn write_parts_in(
    conn: &mut AnyConnection,
    system_id: &str,
    details: &SystemDetails,
) -> Result<()> {
    for table in ["system_addresses", "system_components"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE system_id = $1"))
            .bind(system_id)
            .execute(&mut *conn)
            .await?;
    }
    for a in &details.addresses {
        sqlx::query(
            "INSERT INTO system_addresses (id, system_id, address, kind, internet_facing) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(new_id())
        .bind(system_id)
        .bind(&a.address)
        .bind(a.kind.as_str())
        .bind(i64::from(a.internet_facing))
        .execute(&mut *conn)
        .await?;
    }
    for c in &details.components {
        sqlx::query(
            "INSERT INTO system_components (id, system_id, name, version, cpe) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(new_id())
        .bind(system_id)
        .bind(&c.name)
        .bind(c.version.as_deref())
        .bind(c.cpe.as_deref())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Binds the recorded columns of `details`, from `name` to `review_date`, in table order.
fn bind_details<'q>(
    query: Query<'q, Any, AnyArguments<'q>>,
    details: &'q SystemDetails,
) -> Query<'q, Any, AnyArguments<'q>> {
    query
        .bind(details.name.trim())
        .bind(details.purpose.as_deref())
        .bind(details.operator.as_deref())
        .bind(details.hosting.as_deref())
        .bind(details.users_served.as_deref())
        .bind(i64::from(details.personal_data))
        .bind(i64::from(details.state_secrets))
        .bind(i64::from(details.level))
        .bind(details.regime.as_str())
        .bind(details.dossier_status.as_str())
        .bind(details.decision_number.as_deref())
        .bind(date_text(details.decision_date))
        .bind(details.approving_authority.as_deref())
        .bind(date_text(details.review_date))
}

/// Inserts a system of `agency_id` and audits it.
async fn insert_in(
    conn: &mut AnyConnection,
    agency_id: &str,
    details: &SystemDetails,
    actor: &str,
) -> Result<InformationSystem> {
    let id = new_id();
    let now = now_millis();
    let insert = sqlx::query(
        "INSERT INTO information_systems (id, agency_id, name, purpose, operator, hosting, \
         users_served, personal_data, state_secrets, level, regime, dossier_status, \
         decision_number, decision_date, approving_authority, review_date, created_at, \
         updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)",
    )
    .bind(&id)
    .bind(agency_id);
    bind_details(insert, details)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    write_parts_in(conn, &id, details).await?;
    let system = one_in(conn, &id).await?;
    let after = json!(system);
    append_in(
        conn,
        actor,
        "system.create",
        &format!("system:{id}"),
        None,
        Some(&after),
    )
    .await?;
    Ok(system)
}

/// Replaces what is recorded about system `id` and audits before and after.
async fn update_in(
    conn: &mut AnyConnection,
    before: &InformationSystem,
    details: &SystemDetails,
    actor: &str,
) -> Result<InformationSystem> {
    let update = sqlx::query(
        "UPDATE information_systems SET name = $1, purpose = $2, operator = $3, hosting = $4, \
         users_served = $5, personal_data = $6, state_secrets = $7, level = $8, regime = $9, \
         dossier_status = $10, decision_number = $11, decision_date = $12, \
         approving_authority = $13, review_date = $14, updated_at = $15 WHERE id = $16",
    );
    bind_details(update, details)
        .bind(now_millis())
        .bind(&before.id)
        .execute(&mut *conn)
        .await?;
    write_parts_in(conn, &before.id, details).await?;
    let after = one_in(conn, &before.id).await?;
    append_in(
        conn,
        actor,
        "system.update",
        &format!("system:{}", before.id),
        Some(&json!(before)),
        Some(&json!(after)),
    )
    .await?;
    Ok(after)
}

/// The host part of a URL (`https://user@host:8443/path` → `host`; an IPv6 host without
/// its brackets); text without `://` is answered as it is.
pub fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    }
}

impl Db {
    /// Registers a system of `agency_id`; its name must be unique within the agency.
    pub async fn create_system(
        &self,
        agency_id: &str,
        details: &SystemDetails,
        actor: &str,
    ) -> Result<InformationSystem> {
        let mut tx = self.begin_write().await?;
        let system = insert_in(&mut tx, agency_id, details, actor).await?;
        tx.commit().await?;
        Ok(system)
    }

    /// Replaces what is recorded about system `id` (addresses and components included).
    pub async fn update_system(
        &self,
        id: &str,
        details: &SystemDetails,
        actor: &str,
    ) -> Result<InformationSystem> {
        let mut tx = self.begin_write().await?;
        let before = one_in(&mut tx, id).await?;
        let after = update_in(&mut tx, &before, details, actor).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// System `id` if `tenant` may see it.
    pub async fn system(&self, tenant: &Tenant, id: &str) -> Result<Option<InformationSystem>> {
        let mut conn = self.pool.acquire().await?;
        Ok(
            select_in(&mut conn, tenant, &SystemFilter::default(), Some(id))
                .await?
                .pop(),
        )
    }

    /// The systems `tenant` may see that `filter` selects, by agency and name.
    pub async fn list_systems(
        &self,
        tenant: &Tenant,
        filter: &SystemFilter,
    ) -> Result<Vec<InformationSystem>> {
        let mut conn = self.pool.acquire().await?;
        select_in(&mut conn, tenant, filter, None).await
    }

    /// Imports `(agency name, system)` rows in one transaction: agencies missing are
    /// created, a system already registered under the same agency and name is updated,
    /// others are created. Nothing is written unless every row is.
    pub async fn import_systems(
        &self,
        rows: &[(String, SystemDetails)],
        actor: &str,
    ) -> Result<ImportOutcome> {
        let mut outcome = ImportOutcome::default();
        let mut tx = self.begin_write().await?;
        let mut agencies: HashMap<String, String> = HashMap::new();
        for (agency_name, details) in rows {
            let agency_name = agency_name.trim();
            let agency_id = match agencies.get(agency_name) {
                Some(id) => id.clone(),
                None => {
                    let found = sqlx::query("SELECT id FROM agencies WHERE name = $1")
                        .bind(agency_name)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let id = match found {
                        Some(row) => row.try_get("id")?,
                        None => {
                            outcome.agencies_created += 1;
                            crate::db::agencies::insert_in(&mut tx, agency_name, None, actor)
                                .await?
                                .id
                        }
                    };
                    agencies.insert(agency_name.to_owned(), id.clone());
                    id
                }
            };
            let existing = sqlx::query(
                "SELECT id FROM information_systems WHERE agency_id = $1 AND name = $2",
            )
            .bind(&agency_id)
            .bind(details.name.trim())
            .fetch_optional(&mut *tx)
            .await?;
            match existing {
                Some(row) => {
                    let before = one_in(&mut tx, &row.try_get::<String, _>("id")?).await?;
                    update_in(&mut tx, &before, details, actor).await?;
                    outcome.systems_updated += 1;
                }
                None => {
                    insert_in(&mut tx, &agency_id, details, actor).await?;
                    outcome.systems_created += 1;
                }
            }
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// The registered systems' addresses as source addresses for attribution: a URL gives
    /// its host, everything else is taken as written, each naming its system.
    pub async fn registered_sources(&self) -> Result<Vec<SourceAddress>> {
        let rows = sqlx::query(
            "SELECT a.id, a.address, a.kind, s.agency_id, s.name, s.created_at \
             FROM system_addresses a JOIN information_systems s ON s.id = a.system_id \
             ORDER BY a.address",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let address: String = row.try_get("address")?;
                let kind: AddressKind = row.try_get::<String, _>("kind")?.parse()?;
                let address = match kind {
                    AddressKind::Url => url_host(&address).to_owned(),
                    _ => address,
                };
                Ok(SourceAddress {
                    id: row.try_get("id")?,
                    address: address.to_lowercase(),
                    agency_id: row.try_get("agency_id")?,
                    system: Some(row.try_get("name")?),
                    created_at: from_millis(row.try_get("created_at")?),
                })
            })
            .collect()
    }

    /// What attribution matches senders and hosts against: the source addresses, then
    /// the registered systems' addresses ([`Db::registered_sources`]).
    pub async fn attribution_sources(&self) -> Result<Vec<SourceAddress>> {
        let mut sources = self.list_source_addresses().await?;
        sources.extend(self.registered_sources().await?);
        Ok(sources)
    }

    /// Adds a responsible person to an agency.
    pub async fn add_agency_contact(
        &self,
        agency_id: &str,
        contact: &NewContact,
        actor: &str,
    ) -> Result<AgencyContact> {
        if contact.name.trim().is_empty() {
            return Err(Error::Invalid("contact name is empty".into()));
        }
        let created = AgencyContact {
            id: new_id(),
            agency_id: agency_id.to_owned(),
            contact: contact.clone(),
            created_at: from_millis(now_millis()),
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO agency_contacts (id, agency_id, name, title, phone, email, duty, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&created.id)
        .bind(agency_id)
        .bind(contact.name.trim())
        .bind(contact.title.as_deref())
        .bind(contact.phone.as_deref())
        .bind(contact.email.as_deref())
        .bind(contact.duty.as_str())
        .bind(created.created_at.timestamp_millis())
        .execute(&mut *tx)
        .await?;
        append_in(
            &mut tx,
            actor,
            "agency_contact.add",
            &format!("agency:{agency_id}"),
            None,
            Some(&json!(created)),
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// The responsible persons of an agency, by name.
    pub async fn agency_contacts(&self, agency_id: &str) -> Result<Vec<AgencyContact>> {
        let rows = sqlx::query(
            "SELECT id, agency_id, name, title, phone, email, duty, created_at \
             FROM agency_contacts WHERE agency_id = $1 ORDER BY name",
        )
        .bind(agency_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AgencyContact {
                    id: row.try_get("id")?,
                    agency_id: row.try_get("agency_id")?,
                    contact: NewContact {
                        name: row.try_get("name")?,
                        title: row.try_get("title")?,
                        phone: row.try_get("phone")?,
                        email: row.try_get("email")?,
                        duty: row.try_get::<String, _>("duty")?.parse()?,
                    },
                    created_at: from_millis(row.try_get("created_at")?),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::url_host;

    #[test]
    fn url_hosts_drop_scheme_credentials_port_and_path() {
        assert_eq!(
            url_host("https://dvc.example.gov.vn/a?b"),
            "dvc.example.gov.vn"
        );
        assert_eq!(url_host("http://u:p@10.0.0.5:8080/"), "10.0.0.5");
        assert_eq!(url_host("https://[2001:db8::1]:443/x"), "2001:db8::1");
        assert_eq!(url_host("portal.example.vn"), "portal.example.vn");
    }
}
