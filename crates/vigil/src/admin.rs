//! Data-directory administration from the shell: `vigil init`, `vigil agency`,
//! `vigil source`, `vigil token`, `vigil user`. They work on the state database directly,
//! so they run with or without a `vigil serve` on the same directory (SQLite in WAL mode
//! allows both).

use crate::cli::{AgencyCommand, InitArgs, SourceCommand, TokenArgs, UserAddArgs};
use crate::config::{DataDir, DEFAULT_TOML};
use anyhow::{bail, Context, Result};
use vigil_store::db::{Db, NewUser, Role, Scope};

/// Who the audit log names for changes made from the shell.
const SHELL_ACTOR: &str = "cli";

pub async fn init(args: &InitArgs) -> Result<()> {
    let dir = DataDir::new(&args.data_dir);
    dir.db().await?.close().await;
    let config = args.data_dir.join("vigil.toml");
    if config.exists() {
        eprintln!("{} exists; left as it is", config.display());
    } else {
        std::fs::write(&config, DEFAULT_TOML)
            .with_context(|| format!("writing {}", config.display()))?;
        eprintln!("wrote {}", config.display());
    }
    eprintln!(
        "data directory {} is ready; start with: vigil serve --data-dir {}",
        args.data_dir.display(),
        args.data_dir.display()
    );
    Ok(())
}

pub async fn agency(command: &AgencyCommand) -> Result<()> {
    match command {
        AgencyCommand::Add { name, parent, data } => {
            let db = DataDir::new(&data.data_dir).db().await?;
            let parent_id = match parent {
                Some(p) => Some(agency_id(&db, p).await?),
                None => None,
            };
            let agency = db
                .create_agency(name, parent_id.as_deref(), SHELL_ACTOR)
                .await?;
            println!("{}", agency.id);
        }
        AgencyCommand::List { data } => {
            let db = DataDir::new(&data.data_dir).db().await?;
            for a in db.list_agencies().await? {
                println!("{}\t{}", a.id, a.name);
            }
        }
    }
    Ok(())
}

pub async fn source(command: &SourceCommand) -> Result<()> {
    match command {
        SourceCommand::Add {
            address,
            agency,
            system,
            data,
        } => {
            let db = DataDir::new(&data.data_dir).db().await?;
            let id = agency_id(&db, agency).await?;
            let added = db
                .add_source_address(address, &id, system.as_deref(), SHELL_ACTOR)
                .await?;
            println!("{}", added.id);
        }
    }
    Ok(())
}

/// Prints only the new token on standard output (scripts capture it).
pub async fn token_create(args: &TokenArgs) -> Result<()> {
    let db = DataDir::new(&args.data.data_dir).db().await?;
    let agency = match &args.agency {
        Some(name) => Some(agency_id(&db, name).await?),
        None => None,
    };
    let scope: Scope = args.scope.parse()?;
    let role: Option<Role> = args.role.as_deref().map(str::parse).transpose()?;
    if scope == Scope::Ingest && agency.is_none() {
        bail!("an ingest token needs --agency");
    }
    let created = db
        .create_token(agency.as_deref(), scope, role, SHELL_ACTOR)
        .await?;
    println!("{}", created.plaintext);
    Ok(())
}

/// Prints only the new user's one-time password on standard output (scripts capture it).
pub async fn user_add(args: &UserAddArgs) -> Result<()> {
    let db = DataDir::new(&args.data.data_dir).db().await?;
    let agency_id = match &args.agency {
        Some(name) => Some(agency_id(&db, name).await?),
        None => None,
    };
    let new = NewUser {
        login: args.login.clone(),
        display_name: args.display_name.clone().unwrap_or_default(),
        role: args.role.parse()?,
        agency_id,
    };
    let created = db.create_user(&new, SHELL_ACTOR).await?;
    println!("{}", created.one_time_password);
    Ok(())
}

/// An agency's id from its name (or its id).
pub async fn agency_id(db: &Db, name_or_id: &str) -> Result<String> {
    if let Some(a) = db.agency_by_name(name_or_id).await? {
        return Ok(a.id);
    }
    match db.agency(name_or_id).await? {
        Some(a) => Ok(a.id),
        None => bail!("no agency named {name_or_id:?} (see `vigil agency list`)"),
    }
}
