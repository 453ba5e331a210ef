//! `hisgate demo`: the gateway on an embedded SQLite file, the portal mocks in-process, a seeded
//! synthetic province with API keys, and a trickle of synthetic episodes, discharged within the
//! last day, sent over HTTP: most facilities with the native JSON, every third through the
//! BHXH-compatible front door (`/bhxh`), as a HIS repointed from the portal does; one facility's
//! HIS (the mocks' receiver) takes the gateway's signed callbacks.

use crate::auth::{self, accounts};
use crate::config::Settings;
use crate::portal::bhxh::BhxhClient;
use crate::startup::Application;
use crate::store::{Db, facilities, webhooks};
use crate::synthetic::{EpisodeGenerator, GenOptions, province};
use crate::vocabulary::{FacilityCode, Role};

/// The demo's master key, beside its SQLite file (made on the first run, kept for the next ones,
/// whose database it opens).
fn demo_master_key(database_url: &str) -> anyhow::Result<std::path::PathBuf> {
    let database = database_url.strip_prefix("sqlite://").unwrap_or("hisgate-demo.db");
    let file = std::path::PathBuf::from(format!("{database}.master.key"));
    if !file.exists() {
        std::fs::write(&file, format!("{}\n", crate::vault::generate_key()))?;
        #[cfg(unix)]
        std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    }
    Ok(file)
}

/// Commune stations that never send in the demo, so the dashboard has silent facilities to show.
const SILENT_EVERY: usize = 10;

/// The Department of Health account the demo uses at both portal mocks.
const DEMO_PORTAL_ACCOUNT: (&str, &str) = ("83_SYT", "hisgate-demo");

pub async fn run(bind: String, database_url: String, rate: f64) -> anyhow::Result<()> {
    use crate::config::{PortalSettings, Secret};
    let bhxh = mocks::bhxh::start(mocks::bhxh::BhxhConfig::default(), "127.0.0.1:0")?;
    let moh = mocks::moh::start(mocks::moh::MohConfig::default(), "127.0.0.1:0")?;
    let his = mocks::his::start(mocks::faults::FaultConfig::default(), "127.0.0.1:0")?;
    let portal = |url: &str| PortalSettings {
        url: Some(url.to_owned()),
        username: DEMO_PORTAL_ACCOUNT.0.to_owned(),
        password: Secret::new(DEMO_PORTAL_ACCOUNT.1),
        ..PortalSettings::default()
    };
    let master_key_file = demo_master_key(&database_url)?;
    let settings = Settings {
        bind,
        database_url: database_url.clone(),
        master_key_file: Some(master_key_file.clone()),
        bhxh: portal(bhxh.url()),
        moh: portal(moh.url()),
        // Appraisal outcomes show within seconds rather than the production half minute.
        dispatch: crate::config::DispatchSettings { poll_interval_ms: 3_000, ..Default::default() },
        // The mock's modelled outcome query, so that appraisals show within seconds.
        bhxh_protocol: crate::config::BhxhProtocol {
            appraisal_api: crate::config::AppraisalApi::Modelled,
            ..Default::default()
        },
        // The sample catalogues of the source tree, which cover what the generator produces.
        reference_dir: Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogues")),
        // The officer the BHXH mock has registered.
        eligibility: crate::config::EligibilitySettings {
            officer: Some(crate::config::LookupOfficer {
                name: "Nguyễn Thị Lan".to_owned(),
                cccd: "083190000001".to_owned(),
            }),
            ..Default::default()
        },
        // The demo's HIS takes callbacks on the loopback, over plain HTTP.
        webhooks: crate::config::WebhookSettings { allow_http: true, ..Default::default() },
        ..Settings::default()
    };
    let province = province::facilities();
    let vault = crate::vault::Vault::from_file(master_key_file.clone())?;
    let callback_url = his.callback_url();
    let callback_secret = crate::digest::random_hex(32);
    his.state.set_secret(&callback_secret);
    type Made = (Db, Vec<(String, String)>, Vec<(String, accounts::NewAccount)>);
    let (db, keys, accounts) = tokio::task::spawn_blocking(move || -> anyhow::Result<Made> {
        let db = Db::connect(&database_url)?;
        db.write_blocking(|conn| {
            // Parents (hospitals, the health centre, polyclinics) come first in the list.
            for (i, f) in province.iter().enumerate() {
                let silent = f.kind == province::FacilityKind::CommuneStation && i % SILENT_EVERY == 0;
                let status = if silent { "onboarding" } else { "live" };
                facilities::save(conn, &f.registry_row(status, &format!("2026-{:02}-01", 1 + i % 11)))?;
            }
            Ok(())
        })?;
        let mut keys = vec![
            ("admin".to_owned(), auth::create_key(&db, Role::Admin, None, "demo admin", true, "demo")?),
            ("doh".to_owned(), auth::create_key(&db, Role::Doh, None, "demo DoH", false, "demo")?),
            (
                "eligibility".to_owned(),
                auth::create_key(&db, Role::Eligibility, None, "demo reception", false, "demo")?,
            ),
        ];
        let mut accounts = Vec::new();
        for (i, f) in province.iter().enumerate() {
            if f.kind == province::FacilityKind::CommuneStation && i % SILENT_EVERY == 0 {
                continue;
            }
            keys.push((
                f.code.clone(),
                auth::create_key(&db, Role::Facility, Some(&f.code), "demo HIS", true, "demo")?,
            ));
            if i % FRONT_DOOR_EVERY == 0 {
                // A new name each run: the demo's database outlives it.
                let name = format!("{}_BV_{}", f.code, crate::digest::random_hex(3));
                let scope = accounts::AccountScope::Facility(f.code.as_str().into());
                accounts.push((f.code.clone(), accounts::create_account(&db, scope, Some(&name), "demo")?));
            }
        }
        // The first facility with a key tells its HIS by callback.
        let sealed = vault.seal(&callback_secret, &keys[3].0);
        let listening = FacilityCode::from(keys[3].0.as_str());
        db.write_blocking(|c| {
            webhooks::set_endpoint(c, &listening, &callback_url, &sealed.text, sealed.key.as_deref())
        })?;
        Ok((db, keys, accounts))
    })
    .await??;

    let app = Application::build_with_db(settings, db).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    println!("hisgate demo running at {base}");
    println!("  Dashboard:    {base}/dashboard   (sign in with the DoH key below; a facility key shows its worklist)");
    println!("  Swagger UI:   {base}/swagger-ui/");
    println!("  OpenAPI:      {base}/api-docs/openapi.json");
    println!("  Claims:       {base}/api/v1/claims   (Authorization: Bearer <key>)");
    println!("  Metrics:      {base}/metrics");
    println!("  Master key:   {}   (seals the stored episodes and check-ins)", master_key_file.display());
    println!("  BHXH mock:    {}   (state: {}/_admin/state)", bhxh.url(), bhxh.url());
    println!("  MoH mock:     {}   (state: {}/_admin/state)", moh.url(), moh.url());
    println!("  admin key:    {}", keys[0].1);
    println!("  DoH key:      {}", keys[1].1);
    println!("  reception key: {}   (POST {base}/api/v1/eligibility)", keys[2].1);
    println!("  facility {} key: {}", keys[3].0, keys[3].1);
    if let Some((code, account)) = accounts.first() {
        println!(
            "  front door:   {base}/bhxh   (facility {code}: username {}, password {})",
            account.username, account.password
        );
    }
    println!(
        "  callbacks:    facility {} → {}   (GET it for what arrived, signatures checked)",
        keys[3].0,
        his.callback_url()
    );
    println!("Synthetic facilities send {rate} episodes/s. Stop with Ctrl-C.");
    // Library logs start after the banner, which is the first thing the demo prints.
    crate::telemetry::init(crate::config::LogFormat::Human);

    let mut senders: std::collections::HashMap<String, Sender> =
        keys[3..].iter().map(|(code, key)| (code.clone(), Sender::Key(key.clone()))).collect();
    for (code, account) in accounts {
        if let Some(client) = front_door_client(&base, account, reqwest::Client::new()) {
            senders.insert(code, Sender::FrontDoor(Box::new(client)));
        }
    }
    let period = std::time::Duration::from_secs_f64(1.0 / rate.max(0.01));
    tokio::spawn(async move {
        let client = reqwest::Client::new();
        let mut generator =
            EpisodeGenerator::new(GenOptions { seed: crate::store::now_ms() as u64, facility: None }).recent();
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            let episode = generator.next_episode();
            let Some(sender) = senders.get(episode.facility_code()) else {
                continue;
            };
            let sent = match sender {
                Sender::Key(key) => client
                    .post(format!("{base}/api/v1/claims"))
                    .bearer_auth(key)
                    .json(&episode)
                    .send()
                    .await
                    .map(drop)
                    .map_err(anyhow::Error::from),
                Sender::FrontDoor(his) => send_through_front_door(his, &episode).await,
            };
            if let Err(e) = sent {
                tracing::warn!(error = %e, "demo traffic could not reach the gateway");
            }
        }
    });
    app.run_until_stopped().await?;
    Ok(())
}

/// Every third facility sends through the front door.
const FRONT_DOOR_EVERY: usize = 3;

/// How a synthetic facility sends: with its API key, or as a HIS speaking BHXH's protocol (the
/// gateway's own BHXH client, pointed at the front door).
enum Sender {
    Key(String),
    FrontDoor(Box<BhxhClient>),
}

/// A client of the front door as of the portal, for `account`.
fn front_door_client(base: &str, account: accounts::NewAccount, http: reqwest::Client) -> Option<BhxhClient> {
    let settings = crate::config::PortalSettings {
        url: Some(format!("{base}/bhxh")),
        username: account.username,
        password: crate::config::Secret::new(&account.password),
        ..Default::default()
    };
    BhxhClient::new(&settings, Default::default(), http)
}

/// An episode as a repointed HIS sends it: its check-ins, then its dossier.
async fn send_through_front_door(client: &BhxhClient, episode: &crate::domain::Episode) -> anyhow::Result<()> {
    use crate::formats::xml130;
    let facility = episode.facility_code();
    client.submit_check_in(facility, xml130::check_in_document(&episode.check_ins).as_bytes()).await?;
    let today = crate::domain::time::vietnam_today();
    client
        .submit_dossier(facility, &xml130::envelope(facility, today, std::slice::from_ref(episode), Default::default()))
        .await?;
    Ok(())
}
