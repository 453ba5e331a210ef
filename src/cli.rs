//! The `hisgate` command line: serve, migrate, keys, gen, demo.

use crate::auth::{self, Role};
use crate::config::Settings;
use crate::startup::Application;
use crate::store::Db;
use crate::synthetic::{EpisodeGenerator, GenOptions};
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
        Command::Keys { command: KeysCommand::Create { role, facility, label } } => {
            let settings = Settings::load()?;
            let key = tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
                let db = Db::connect(&settings.database_url)?;
                Ok(auth::create_key(&db, role, facility.as_deref(), &label, "cli")?)
            })
            .await??;
            println!("{key}");
        }
        Command::Gen { episodes, seed, facility, format: GenFormat::Json } => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            for episode in EpisodeGenerator::new(GenOptions { seed, facility }).take(episodes) {
                serde_json::to_writer(&mut out, &episode)?;
                out.write_all(b"\n")?;
            }
            out.flush()?;
        }
        #[cfg(feature = "demo")]
        Command::Demo { bind, database_url, rate } => crate::demo::run(bind, database_url, rate).await?,
    }
    Ok(())
}
