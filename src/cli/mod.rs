//! The `hisgate` command line: serve, migrate, keys, catalogue, import, reconcile, validate, gen, demo.

mod files;
mod master_keys;

use crate::auth;
use crate::config::Settings;
use crate::formats::xml130;
use crate::startup::Application;
use crate::store::Db;
use crate::synthetic::{EpisodeGenerator, GenOptions};
use crate::vocabulary::{FacilityCode, Role};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;

#[derive(Debug, Parser)]
#[command(
    name = "hisgate",
    version,
    about = "Gateway between hospital information systems and the national health portals"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway (configuration from HISGATE_* variables and HISGATE_CONFIG).
    Serve,
    /// Create or update the database schema, then exit; an SQLite file from before incremental
    /// vacuum is converted once (a full VACUUM: run it while no gateway uses the file).
    Migrate,
    /// Manage API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Manage the accounts of the BHXH-compatible front door (`/bhxh`), with which a HIS logs in
    /// as it does at the BHXH portal.
    Accounts {
        #[command(subcommand)]
        command: AccountsCommand,
    },
    /// Manage the reference catalogues (danh mục) in the database; running gateways pick up a
    /// change within 30 s.
    Catalogue {
        #[command(subcommand)]
        command: CatalogueCommand,
    },
    /// Ingest GIAMDINHHS files straight into the database, as the JSON and HTTP paths do: every
    /// HOSO's result with each rule it broke or was warned of, then a count by rule; exit non-zero
    /// when a HOSO or a file is refused.
    Import {
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Reconciliation from files staff download from the BHXH portal.
    Reconcile {
        #[command(subcommand)]
        command: ReconcileCommand,
    },
    /// Check a GIAMDINHHS file: print every violation (rule, field, message, value) and a count by
    /// rule; exit non-zero on a critical one (with the reference catalogues of
    /// HISGATE_REFERENCE_DIR, when set).
    Validate {
        file: std::path::PathBuf,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Write deterministic synthetic episodes to standard output: one JSON document per line, or
    /// one GIAMDINHHS file (`--format xml130`, one HOSO per episode). Each episode carries the
    /// check-in of its first order; `--format checkin` writes the check-ins alone.
    Gen {
        #[arg(long)]
        episodes: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Every episode for this facility (default: spread over the synthetic province 83; 83001
        /// for xml130, whose file belongs to one facility).
        #[arg(long)]
        facility: Option<String>,
        #[arg(long, value_enum, default_value_t = GenFormat::Json)]
        format: GenFormat,
    },
    /// Run the gateway on an embedded SQLite file with the portal mocks, a seeded province and a
    /// trickle of traffic.
    #[cfg(feature = "demo")]
    Demo {
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: String,
        #[arg(long, default_value = "sqlite://hisgate-demo.db")]
        database_url: String,
        /// Synthetic episodes per second sent by the demo's facilities.
        #[arg(long, default_value_t = 2.0)]
        rate: f64,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Create an account and print its password once (last line of the output).
    Create {
        /// The facility it sends for; an unknown code is registered.
        #[arg(long, conflicts_with = "province", required_unless_present = "province")]
        facility: Option<String>,
        /// A Department of Health account: it sends for every facility of this province (2 digits).
        #[arg(long)]
        province: Option<String>,
        /// `<facility>_BV` or `<province>_SYT` unless given, as the portal names its accounts.
        #[arg(long)]
        username: Option<String>,
    },
    /// Revoke an account; its sessions end at once.
    Revoke { username: String },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key and print it once (last line of the output).
    Create {
        #[arg(long, value_enum)]
        role: Role,
        /// Required for role `facility`; an unknown code is registered.
        #[arg(long)]
        facility: Option<String>,
        #[arg(long, default_value = "")]
        label: String,
        /// Grant the key reading the sensitive tables (XML6 HIV care and `HISGATE_SENSITIVE_TABLES`);
        /// other keys read claims without them.
        #[arg(long)]
        sensitive: bool,
    },
    /// Revoke a key by its id (the part between `hg_` and the second `_`); its dashboard
    /// sessions end with it.
    Revoke { id: String },
    /// Write a new master-key file (for HISGATE_MASTER_KEY_FILE); refuses to replace one.
    NewMaster { file: std::path::PathBuf },
    /// Put a new master key first in HISGATE_MASTER_KEY_FILE; running gateways read it within a
    /// minute and re-wrap stored records in the background.
    RotateMaster,
    /// How many stored records each master key seals.
    MasterStatus,
    /// Remove an older master key from the file once no stored record needs it.
    RetireMaster { id: String },
}

#[derive(Debug, Subcommand)]
pub enum ReconcileCommand {
    /// Import an appraisal result file (CSV or XLSX, one row per MA_LK): each record settles its
    /// claim's awaited BHXH submission; nothing is written if a row is wrong.
    Import {
        file: std::path::PathBuf,
        /// Settle only this facility's claims.
        #[arg(long)]
        facility: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CatalogueCommand {
    /// Print every stored list: name, facility, entries, when and by whom it was loaded.
    List,
    /// Replace a list (icd10, icd_yhct, drugs, services, supplies, staff, facilities, admin_units,
    /// admin_unit_successors, occupations, code_lists) with the rows of a CSV file; nothing changes
    /// if a row is wrong.
    Load {
        list: String,
        file: std::path::PathBuf,
        /// The facility whose own approved list this is (drugs, services, supplies, staff).
        #[arg(long)]
        facility: Option<String>,
    },
    /// Remove a list: a facility's own (the shared one applies again), or a shared list.
    Remove {
        list: String,
        #[arg(long)]
        facility: Option<String>,
    },
}

/// How `import` and `validate` print what they found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Lines for people, then a table by rule.
    Text,
    /// One JSON document per file, one per line, for scripts.
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GenFormat {
    /// The native ingest JSON of `POST /api/v1/claims`.
    Json,
    /// A QĐ 130/4750 `GIAMDINHHS` file, as `POST /api/v1/dossiers` takes.
    Xml130,
    /// FHIR R4 transaction Bundles, one per line, as `POST /fhir/r4` takes.
    Fhir,
    /// The episodes' check-ins (XML0) alone, one JSON object per line, as `POST /api/v1/checkins`
    /// takes.
    Checkin,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve => {
            let settings = Settings::load()?;
            crate::telemetry::init(settings.log_format);
            let app = Application::build(settings).await?;
            tracing::info!(port = app.port(), "hisgate listening");
            app.run_until_stopped().await?;
        }
        Command::Migrate => migrate(Settings::load()?).await?,
        Command::Keys { command: KeysCommand::Create { role, facility, label, sensitive } } => {
            let settings = Settings::load()?;
            let key = tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
                let db = Db::connect(&settings.database_url)?;
                Ok(auth::create_key(&db, role, facility.as_deref(), &label, sensitive, "cli")?)
            })
            .await??;
            println!("{key}");
        }
        Command::Catalogue { command } => catalogue(command).await?,
        Command::Accounts { command } => accounts(command).await?,
        Command::Keys { command: KeysCommand::Revoke { id } } => {
            let settings = Settings::load()?;
            let key_id = id.clone();
            let revoked = tokio::task::spawn_blocking(move || -> anyhow::Result<bool> {
                let db = Db::connect(&settings.database_url)?;
                Ok(auth::revoke_key(&db, &key_id, "cli")?)
            })
            .await??;
            anyhow::ensure!(revoked, "no active key has the id {id}");
            println!("key {id} revoked; running gateways refuse it within {} s", auth::KEY_CACHE_TTL.as_secs());
        }
        Command::Keys { command: KeysCommand::NewMaster { file } } => master_keys::new_master(&file)?,
        Command::Keys { command: KeysCommand::RotateMaster } => master_keys::rotate_master(&Settings::load()?)?,
        Command::Keys { command: KeysCommand::MasterStatus } => master_keys::master_status(Settings::load()?).await?,
        Command::Keys { command: KeysCommand::RetireMaster { id } } => {
            master_keys::retire_master(Settings::load()?, &id).await?
        }
        Command::Gen { episodes, seed, facility, format } => gen_episodes(episodes, seed, facility, format)?,
        Command::Import { files, format } => files::import(files, format).await?,
        Command::Reconcile { command: ReconcileCommand::Import { file, facility } } => {
            import_results(&file, facility).await?
        }
        Command::Validate { file, format } => files::validate(&file, format)?,
        #[cfg(feature = "demo")]
        Command::Demo { bind, database_url, rate } => crate::demo::run(bind, database_url, rate).await?,
    }
    Ok(())
}

/// `hisgate migrate`: the schema, incremental vacuum for an older SQLite file, and — with a
/// master key — every record stored in clear sealed, then the tables rewritten so that nothing of
/// the clear values stays in the files. Run while no gateway uses the database.
async fn migrate(settings: Settings) -> anyhow::Result<()> {
    let keys = settings.master_key.as_ref().map(|k| k.expose().to_owned());
    let vault = crate::vault::Vault::configured(settings.master_key_file.clone(), keys.as_deref(), false)?;
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let db = Db::connect(&settings.database_url)?;
        if db.convert_to_incremental_vacuum()? {
            println!("the SQLite file now gives the space retention frees back to the file system");
        }
        let mut cleared = 0;
        loop {
            let done = db.write_blocking(|c| crate::store::payload::rewrap(c, &vault, 500))?;
            cleared += done.cleared;
            if !done.more {
                break;
            }
        }
        if cleared > 0 {
            db.rewrite_stored_records()?;
            println!("{cleared} records stored in clear are sealed, and the files rewritten without them");
        }
        Ok(())
    })
    .await??;
    println!("database is up to date");
    Ok(())
}

/// The `NGAYLAP` of synthetic files: after every synthetic visit, and fixed so output is deterministic.
const SYNTHETIC_FILE_DATE: (i32, u32, u32) = (2026, 11, 30);

fn gen_episodes(count: usize, seed: u64, facility: Option<String>, format: GenFormat) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        GenFormat::Json => {
            for episode in EpisodeGenerator::new(GenOptions { seed, facility }).take(count) {
                serde_json::to_writer(&mut out, &episode)?;
                out.write_all(b"\n")?;
            }
        }
        GenFormat::Fhir => {
            for episode in EpisodeGenerator::new(GenOptions { seed, facility }).take(count) {
                serde_json::to_writer(&mut out, &hisgate_fhir::episode_bundle(&episode))?;
                out.write_all(b"\n")?;
            }
        }
        GenFormat::Checkin => {
            for episode in EpisodeGenerator::new(GenOptions { seed, facility }).take(count) {
                for check_in in &episode.check_ins {
                    serde_json::to_writer(&mut out, check_in)?;
                    out.write_all(b"\n")?;
                }
            }
        }
        GenFormat::Xml130 => {
            let facility = facility.unwrap_or_else(|| "83001".to_owned());
            let (y, m, d) = SYNTHETIC_FILE_DATE;
            let date = chrono::NaiveDate::from_ymd_opt(y, m, d).expect("a valid date");
            // Written under the amendment in force, as the HIS of today export.
            let profile = crate::domain::spec::Profile::default();
            let mut writer = xml130::EnvelopeWriter::start(&mut out, &facility, date, count, profile)?;
            for episode in EpisodeGenerator::new(GenOptions { seed, facility: Some(facility.clone()) }).take(count) {
                writer.write(&episode)?;
            }
            writer.finish()?;
        }
    }
    out.flush()?;
    Ok(())
}

async fn import_results(file: &std::path::Path, facility: Option<String>) -> anyhow::Result<()> {
    use crate::reconcile::import;
    let settings = Settings::load()?;
    let bytes = std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let columns = settings.result_columns.clone();
    let db = tokio::task::spawn_blocking(move || Db::connect(&settings.database_url)).await??;
    let actor = crate::store::audit::Actor { key_id: "cli".to_owned(), role: Role::Admin };
    let report = import::import_file(&db, bytes.into(), columns, facility.map(FacilityCode::from), actor)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    println!("{} rows, {} records: {} settled", report.rows, report.records, report.settled);
    for (what, listed) in [
        ("already settled", &report.already_decided),
        ("not yet at BHXH", &report.not_sent),
        ("no such claim", &report.unknown),
        ("several facilities' claims (add a MA_CSKCB column)", &report.ambiguous),
    ] {
        if listed.count > 0 {
            println!("{} {what}: {}", listed.count, listed.episode_keys.join(", "));
        }
    }
    Ok(())
}

async fn catalogue(command: CatalogueCommand) -> anyhow::Result<()> {
    let settings = Settings::load()?;
    let db = tokio::task::spawn_blocking(move || Db::connect(&settings.database_url)).await??;
    match command {
        CatalogueCommand::List => {
            for l in db.read(crate::store::reference::lists).await? {
                let at = chrono::DateTime::from_timestamp_millis(l.loaded_at).unwrap_or_default();
                let facility = if l.facility.is_empty() { "(shared)" } else { l.facility.as_str() };
                println!("{:<12} {facility:<8} {:>7} entries  {at}  {}", l.list, l.entries, l.loaded_by);
            }
        }
        CatalogueCommand::Load { list, file, facility } => {
            let bytes = std::fs::read(&file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let info = crate::reference::load_csv(&db, &list, facility.as_deref(), &bytes, "cli", "admin").await?;
            println!("{}: {} entries loaded", info.list, info.entries);
        }
        CatalogueCommand::Remove { list, facility } => {
            if !crate::reference::remove_list(&db, &list, facility.as_deref(), "cli", "admin").await? {
                anyhow::bail!("no such {list} list is stored");
            }
            println!("{list} removed");
        }
    }
    Ok(())
}

async fn accounts(command: AccountsCommand) -> anyhow::Result<()> {
    use crate::auth::accounts::{self, AccountScope};
    let settings = Settings::load()?;
    match command {
        AccountsCommand::Create { facility, province, username } => {
            let scope = match (facility, province) {
                (Some(code), _) => AccountScope::Facility(FacilityCode::from(code)),
                (None, Some(province)) => AccountScope::Province(province),
                (None, None) => anyhow::bail!("give --facility CODE or --province NN"),
            };
            let account = tokio::task::spawn_blocking(move || -> anyhow::Result<accounts::NewAccount> {
                let db = Db::connect(&settings.database_url)?;
                Ok(accounts::create_account(&db, scope, username.as_deref(), "cli")?)
            })
            .await??;
            println!("account {} created; its password (shown once):", account.username);
            println!("{}", account.password);
        }
        AccountsCommand::Revoke { username } => {
            let name = username.clone();
            let revoked = tokio::task::spawn_blocking(move || -> anyhow::Result<bool> {
                let db = Db::connect(&settings.database_url)?;
                Ok(accounts::revoke_account(&db, &name, "cli")?)
            })
            .await??;
            anyhow::ensure!(revoked, "no active account is named {username}");
            println!("account {username} revoked; its sessions ended");
        }
    }
    Ok(())
}
