//! The `hisgate` command line: serve, migrate, keys, gen, demo.

use crate::auth::{self, Role};
use crate::config::Settings;
use crate::startup::Application;
use crate::store::{Db, facilities};
use crate::synthetic::{EpisodeGenerator, GenOptions, province};
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
    /// Create or update the database schema, then exit.
    Migrate,
    /// Manage API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Write deterministic synthetic episodes to standard output, one JSON document per line.
    Gen {
        #[arg(long)]
        episodes: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Every episode for this facility (default: spread over the synthetic province 83).
        #[arg(long)]
        facility: Option<String>,
        #[arg(long, value_enum, default_value_t = GenFormat::Json)]
        format: GenFormat,
    },
    /// Run the gateway on an embedded SQLite file with a seeded province and a trickle of traffic.
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
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GenFormat {
    /// The native ingest JSON of `POST /api/v1/claims`.
    Json,
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
        Command::Migrate => {
            let settings = Settings::load()?;
            tokio::task::spawn_blocking(move || Db::connect(&settings.database_url)).await??;
            println!("database is up to date");
        }
        Command::Keys {
            command:
                KeysCommand::Create {
                    role,
                    facility,
                    label,
                },
        } => {
            let settings = Settings::load()?;
            let key = tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
                let db = Db::connect(&settings.database_url)?;
                Ok(auth::create_key(
                    &db,
                    role,
                    facility.as_deref(),
                    &label,
                    "cli",
                )?)
            })
            .await??;
            println!("{key}");
        }
        Command::Gen {
            episodes,
            seed,
            facility,
            format: GenFormat::Json,
        } => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            for episode in EpisodeGenerator::new(GenOptions { seed, facility }).take(episodes) {
                serde_json::to_writer(&mut out, &episode)?;
                out.write_all(b"\n")?;
            }
            out.flush()?;
        }
        Command::Demo {
            bind,
            database_url,
            rate,
        } => demo(bind, database_url, rate).await?,
    }
    Ok(())
}

/// Commune stations that never send in the demo, so the dashboard has silent facilities to show.
const SILENT_EVERY: usize = 10;

async fn demo(bind: String, database_url: String, rate: f64) -> anyhow::Result<()> {
    crate::telemetry::init(crate::config::LogFormat::Human);
    let settings = Settings {
        bind,
        database_url: database_url.clone(),
        ..Settings::default()
    };
    let province = province::facilities();
    let (db, keys) =
        tokio::task::spawn_blocking(move || -> anyhow::Result<(Db, Vec<(String, String)>)> {
            let db = Db::connect(&database_url)?;
            db.write_blocking(|conn| {
                for f in &province {
                    facilities::register(conn, &f.code, &f.name, f.kind.as_str(), "live")?;
                }
                Ok(())
            })?;
            let mut keys = vec![
                (
                    "admin".to_owned(),
                    auth::create_key(&db, Role::Admin, None, "demo admin", "demo")?,
                ),
                (
                    "doh".to_owned(),
                    auth::create_key(&db, Role::Doh, None, "demo DoH", "demo")?,
                ),
            ];
            for (i, f) in province.iter().enumerate() {
                if f.kind == province::FacilityKind::CommuneStation && i % SILENT_EVERY == 0 {
                    continue;
                }
                keys.push((
                    f.code.clone(),
                    auth::create_key(&db, Role::Facility, Some(&f.code), "demo HIS", "demo")?,
                ));
            }
            Ok((db, keys))
        })
        .await??;

    let app = Application::build_with_db(settings, db)?;
    let base = format!("http://127.0.0.1:{}", app.port());
    println!("hisgate demo running at {base}");
    println!("  Swagger UI:   {base}/swagger-ui/");
    println!("  OpenAPI:      {base}/api-docs/openapi.json");
    println!("  Claims:       {base}/api/v1/claims   (Authorization: Bearer <key>)");
    println!("  Metrics:      {base}/metrics");
    println!("  admin key:    {}", keys[0].1);
    println!("  DoH key:      {}", keys[1].1);
    println!("  facility {} key: {}", keys[2].0, keys[2].1);
    println!("Synthetic facilities send {rate} episodes/s. Stop with Ctrl-C.");

    let senders: Vec<(String, String)> = keys[2..].to_vec();
    let period = std::time::Duration::from_secs_f64(1.0 / rate.max(0.01));
    tokio::spawn(async move {
        let client = reqwest::Client::new();
        let mut generator = EpisodeGenerator::new(GenOptions {
            seed: crate::store::now_ms() as u64,
            facility: None,
        });
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            let mut episode = generator.next_episode();
            let Some((code, key)) = senders.iter().find(|(c, _)| c == episode.facility_code())
            else {
                continue;
            };
            episode.summary.facility_code = Some(code.clone());
            let sent = client
                .post(format!("{base}/api/v1/claims"))
                .bearer_auth(key)
                .json(&episode)
                .send()
                .await;
            if let Err(e) = sent {
                tracing::warn!(error = %e, "demo traffic could not reach the gateway");
            }
        }
    });
    app.run_until_stopped().await?;
    Ok(())
}
