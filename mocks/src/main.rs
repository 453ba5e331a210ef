//! `mocks bhxh --port N` / `mocks moh --port N`: run one mock standalone.

use clap::{Parser, Subcommand};
use mocks::faults::FaultConfig;

#[derive(Parser)]
#[command(name = "mocks", about = "Mocks of the BHXH appraisal portal and the Ministry of Health portal")]
struct Cli {
    #[command(subcommand)]
    portal: Portal,
}

#[derive(Subcommand)]
enum Portal {
    /// The BHXH appraisal portal.
    Bhxh {
        #[arg(long, default_value_t = 9001)]
        port: u16,
        /// JSON file: an array of card entries for the registry.
        #[arg(long)]
        cards: Option<std::path::PathBuf>,
        /// JSON file: the fault configuration at start-up.
        #[arg(long)]
        faults: Option<std::path::PathBuf>,
        /// Milliseconds before appraisal outcomes are ready.
        #[arg(long, default_value_t = 2000)]
        appraisal_delay_ms: u64,
        /// Answer card lookups by card number only: a citizen ID or social-insurance number in
        /// `maThe` is `051` (by default both are answered, as modelled).
        #[arg(long)]
        card_numbers_only: bool,
    },
    /// The Ministry of Health health-data portal.
    Moh {
        #[arg(long, default_value_t = 9002)]
        port: u16,
        #[arg(long)]
        faults: Option<std::path::PathBuf>,
    },
}

fn read_json<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::new("info")).init();
    match Cli::parse().portal {
        Portal::Bhxh { port, cards, faults, appraisal_delay_ms, card_numbers_only } => {
            let mut config = mocks::bhxh::BhxhConfig { card_lookup_by_id: !card_numbers_only, ..Default::default() };
            if let Some(path) = cards {
                config.cards = read_json(&path)?;
            }
            if let Some(path) = faults {
                config.faults = read_json::<FaultConfig>(&path)?;
            }
            config.appraisal.delay_ms = appraisal_delay_ms;
            let mock = mocks::bhxh::start(config, &format!("127.0.0.1:{port}"))?;
            println!("BHXH mock listening at {}", mock.url());
        }
        Portal::Moh { port, faults } => {
            let mut config = mocks::moh::MohConfig::default();
            if let Some(path) = faults {
                config.faults = read_json::<FaultConfig>(&path)?;
            }
            let mock = mocks::moh::start(config, &format!("127.0.0.1:{port}"))?;
            println!("MoH mock listening at {}", mock.url());
        }
    }
    // Stop on Ctrl-C or on SIGTERM (scripts and service managers stop it that way).
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result?,
        _ = terminate.recv() => {}
    }
    Ok(())
}
