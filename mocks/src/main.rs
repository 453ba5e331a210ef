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
    /// A remote signing service (modelled): keys held for facilities, signatures confirmed by the holder.
    Signer {
        #[arg(long, default_value_t = 9004)]
        port: u16,
        #[arg(long, default_value = "hisgate")]
        client_id: String,
        #[arg(long, default_value = "hisgate-demo")]
        client_secret: String,
        /// `ID=KEY.pem`: a credential id and its private key (repeat for several).
        #[arg(long, required = true)]
        credential: Vec<String>,
        /// Milliseconds before the key holder confirms each signature.
        #[arg(long, default_value_t = 0)]
        confirm_after_ms: u64,
        /// Milliseconds before an unconfirmed signature expires.
        #[arg(long, default_value_t = 300_000)]
        expire_after_ms: u64,
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
        Portal::Signer { port, client_id, client_secret, credential, confirm_after_ms, expire_after_ms } => {
            let mut credentials = Vec::new();
            for given in credential {
                let (id, path) = given.split_once('=').ok_or_else(|| anyhow::anyhow!("--credential ID=KEY.pem"))?;
                let pem = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
                credentials.push(mocks::signer::Credential::from_pem(id, &pem)?);
            }
            let holder = mocks::signer::Holder { confirm_after_ms, refuse_reason: None, expire_after_ms };
            let config = mocks::signer::SignerConfig { client_id, client_secret, credentials, holder };
            let mock = mocks::signer::start(config, &format!("127.0.0.1:{port}"))?;
            println!("Remote signer mock listening at {}", mock.server.url);
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
