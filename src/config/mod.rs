//! Configuration: environment variables (`HISGATE_*`) over an optional TOML file (`HISGATE_CONFIG`).
//!
//! An invalid value stops start-up with an error naming the variable; secrets never appear in
//! `Debug` output or logs.

mod environment;

use crate::vocabulary::Destination;
use serde::Deserialize;
use std::fmt;

/// A value that must not be printed.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "\"[redacted]\"" })
    }
}

/// Connection settings of one national portal, and how hard the gateway may press it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct PortalSettings {
    pub url: Option<String>,
    pub username: String,
    pub password: Secret,
    /// Calls started per second at most (0: unpaced).
    pub rate_per_second: u32,
    /// Calls in progress at once at most.
    pub max_concurrent: usize,
    /// Check-ins are one call each and real time: their own pace and cap, apart from the above.
    /// The portals publish no limit for them, so both are settings.
    pub check_in_rate_per_second: u32,
    pub check_in_max_concurrent: usize,
    /// Consecutive failures (timeouts, 5xx, 429) that open the circuit.
    pub breaker_failures: u32,
    /// How long an open circuit refuses calls before one trial call.
    pub breaker_cooldown_ms: u64,
}

impl Default for PortalSettings {
    fn default() -> Self {
        PortalSettings {
            url: None,
            username: String::new(),
            password: Secret::default(),
            rate_per_second: 20,
            max_concurrent: 8,
            check_in_rate_per_second: 400,
            check_in_max_concurrent: 16,
            breaker_failures: 5,
            breaker_cooldown_ms: 30_000,
        }
    }
}

/// Whether the BHXH portal offers an appraisal-outcome API. None is public (BHXH-API.md §5): outcomes
/// come back as error lists and as result files staff download from the portal's screens.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AppraisalApi {
    /// Never ask for appraisals; reconcile from error lists and imported result files.
    #[default]
    None,
    /// Poll the mocks' modelled `layKetQuaGiamDinh` (the demo and the tests that need outcomes).
    Modelled,
}

/// How the BHXH portal is spoken to, beyond its address and account.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct BhxhProtocol {
    /// `4750` or `3176`: the endpoint names and the field sizes (REGULATORY-2026.md §1).
    pub profile: crate::domain::spec::Profile,
    pub appraisal_api: AppraisalApi,
    /// Most `HOSO` in one file sent to BHXH; unset: one under QĐ 3176 (its guide is quoted as asking
    /// for one dossier per `fileHSBase64`, UNCERTAIN), the dispatch batch size under QĐ 4750.
    pub hoso_per_file: Option<usize>,
}

impl BhxhProtocol {
    /// Most `HOSO` in one BHXH file, given the dispatch batch size.
    pub fn hoso_per_file(&self, batch_size: usize) -> usize {
        match (self.hoso_per_file, self.profile) {
            (Some(n), _) => n.max(1),
            (None, crate::domain::spec::Profile::Qd3176) => 1,
            (None, crate::domain::spec::Profile::Qd4750) => batch_size,
        }
    }
}

/// The header names an appraisal result file's columns are found by (TOML `[result_columns]`),
/// compared without regard to case, spaces or underscores. A list set in the file replaces that
/// column's default list. The defaults are the appendix names and the Vietnamese headings the
/// portal's screens use; a report's first column `STT` (its own row number) is never read as a
/// line number: line rows name theirs `STT_CHI_TIET`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct ResultColumns {
    pub episode_key: Vec<String>,
    pub facility: Vec<String>,
    pub claimed: Vec<String>,
    pub approved: Vec<String>,
    pub reason: Vec<String>,
    /// The table of a line row (`XML2`, `XML3`…); with `line`, the row is that line's.
    pub table: Vec<String>,
    pub line: Vec<String>,
}

impl Default for ResultColumns {
    fn default() -> Self {
        let names = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect();
        ResultColumns {
            episode_key: names(&["MA_LK", "Mã LK", "Mã liên kết"]),
            facility: names(&["MA_CSKCB", "Mã CSKCB", "Mã cơ sở KCB"]),
            claimed: names(&["SO_TIEN_DE_NGHI", "T_BHTT", "Số tiền đề nghị", "Tiền đề nghị", "BHYT đề nghị"]),
            approved: names(&["SO_TIEN_DUYET", "Số tiền duyệt", "Tiền duyệt", "Số tiền chấp nhận", "BHYT chấp nhận"]),
            reason: names(&["LY_DO", "Lý do", "Lý do từ chối", "Lý do xuất toán"]),
            table: names(&["BANG", "Bảng"]),
            line: names(&["STT_CHI_TIET", "STT chi tiết", "STT dòng"]),
        }
    }
}

/// A facility's signing material for `CHUKYDONVI`: PEM key and certificate, a PKCS#12 bundle, a
/// key on a hardware token or HSM reached through its PKCS#11 module, or a key held by a remote
/// signing service (`remote_url`); the last two with the key's certificate in `cert_pem`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SigningSettings {
    pub key_pem: Option<std::path::PathBuf>,
    pub cert_pem: Option<std::path::PathBuf>,
    pub pkcs12: Option<std::path::PathBuf>,
    #[serde(default)]
    pub password: Secret,
    /// The token's PKCS#11 module (e.g. `/usr/lib/softhsm/libsofthsm2.so`, a USB token's driver).
    pub pkcs11_module: Option<std::path::PathBuf>,
    /// The label of the token holding the key.
    pub pkcs11_token_label: Option<String>,
    /// The label (`CKA_LABEL`) of the private key on the token.
    pub pkcs11_key_label: Option<String>,
    /// A file holding the token's user PIN (its first line).
    pub pkcs11_pin_file: Option<std::path::PathBuf>,
    /// The remote signing service's base URL (`https://`; `http://` only to a loopback address).
    pub remote_url: Option<String>,
    /// The client id the service gave the facility (or the Department of Health acting for it).
    pub remote_client_id: Option<String>,
    /// A file holding the client secret (its first line).
    pub remote_secret_file: Option<std::path::PathBuf>,
    /// The id of the facility's key (credential) at the service.
    pub remote_credential_id: Option<String>,
    #[serde(default)]
    pub c14n: Canonicalisation,
}

/// Canonicalisation of the signed content (`c14n` of a facility's signing settings).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Canonicalisation {
    /// Exclusive C14N 1.0 (the default).
    #[default]
    Exclusive,
    /// Inclusive C14N 1.0.
    Inclusive,
}

impl Canonicalisation {
    pub fn uri(self) -> &'static str {
        match self {
            Canonicalisation::Exclusive => "http://www.w3.org/2001/10/xml-exc-c14n#",
            Canonicalisation::Inclusive => "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        }
    }
}

/// What the Ministry of Health destination is sent.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MohFormat {
    /// `GIAMDINHHS` files (QĐ 130/4750 XML) to the HOC receiver.
    #[default]
    Xml130,
    /// FHIR R4 transaction Bundles, one episode each, to the portal's FHIR endpoint.
    Fhir,
}

/// How the dispatcher sends the outbox to the portals.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct DispatchSettings {
    /// Run the dispatcher and the reconciliation poller in this instance.
    pub enabled: bool,
    /// Most `HOSO` in one file sent to a portal.
    pub batch_size: usize,
    /// Files sent at the same time to one portal.
    pub concurrency: usize,
    /// Attempts before a job goes to the dead letters.
    pub max_attempts: i32,
    /// How long a claimed job belongs to its worker; after that another may take it.
    pub lease_ms: i64,
    /// How often the queue is looked at when nothing wakes the dispatcher.
    pub tick_ms: u64,
    /// First retry delay; doubled at each attempt (with ±25% jitter) up to `backoff_max_ms`.
    pub backoff_base_ms: u64,
    pub backoff_max_ms: u64,
    /// How often a sent file's appraisal is asked for.
    pub poll_interval_ms: u64,
    pub http_timeout_ms: u64,
    pub moh_format: MohFormat,
    /// How often a file waiting for a remote signature asks the signing service.
    pub signature_poll_ms: u64,
    /// Longest wait for the key holder to confirm a remote signature; then it counts as expired.
    pub signature_wait_seconds: u64,
    /// A facility that signs remotely has its episodes gathered into one file per window this
    /// long (one confirmation per window, not per episode); `0` files them at once.
    pub signature_gather_ms: u64,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        DispatchSettings {
            enabled: true,
            batch_size: 50,
            concurrency: 4,
            max_attempts: 12,
            lease_ms: 120_000,
            tick_ms: 500,
            backoff_base_ms: 2_000,
            backoff_max_ms: 600_000,
            poll_interval_ms: 30_000,
            http_timeout_ms: 30_000,
            moh_format: MohFormat::Xml130,
            signature_poll_ms: 2_000,
            signature_wait_seconds: 900,
            signature_gather_ms: 60_000,
        }
    }
}

/// A member of a facility's staff registered with BHXH for card lookups (CV 1923): the portal
/// wants the name and citizen id of whoever looks a card up.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LookupOfficer {
    pub name: String,
    /// `CCCD` (12 digits).
    pub cccd: String,
}

/// The card-eligibility service.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct EligibilitySettings {
    /// How long a definitive portal answer is reused.
    pub cache_seconds: u64,
    /// When the portal is down, answer from the last known answer up to this old, marked stale
    /// (0: never).
    pub stale_max_seconds: u64,
    /// Answers kept in memory at most (about 1 KB each; a province sees a few thousand cards a day).
    pub cache_entries: usize,
    /// Cards in one batch request at most.
    pub max_batch: usize,
    /// Lookups one API key may make per minute (0: unlimited).
    pub per_key_per_minute: u32,
    /// Checks the card of every accepted claim with the portal in the background.
    pub check_ingested_cards: bool,
    /// The officer for facilities without their own.
    pub officer: Option<LookupOfficer>,
    /// Officers per facility code (TOML `[eligibility.officers.83001]`).
    pub officers: std::collections::BTreeMap<String, LookupOfficer>,
    /// The identifier forms sent to the BHXH lookup in `maThe`: `card`, `citizen_id`,
    /// `social_insurance_number` (all by default: hospital systems send all three; whether the
    /// portal officially accepts the last two is uncertain, REGULATORY-2026.md §4).
    pub identifiers: Vec<crate::domain::card::IdentifierKind>,
}

impl Default for EligibilitySettings {
    fn default() -> Self {
        EligibilitySettings {
            cache_seconds: 6 * 3600,
            stale_max_seconds: 7 * 86_400,
            cache_entries: 50_000,
            max_batch: 200,
            per_key_per_minute: 600,
            check_ingested_cards: true,
            officer: None,
            officers: Default::default(),
            identifiers: crate::domain::card::IdentifierKind::ALL.to_vec(),
        }
    }
}

/// When the Department of Health is alerted, and where alerts are posted.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct AlertSettings {
    /// A live facility that sent nothing for this many days is silent.
    pub silent_days: u32,
    /// Dead letters of one facility within an hour that make a spike.
    pub dead_letters_per_hour: u32,
    /// A signing certificate expiring within this many days.
    pub certificate_days: u32,
    /// Every new alert is posted here as JSON (none: alerts are only listed).
    pub webhook_url: Option<String>,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings { silent_days: 3, dead_letters_per_hour: 20, certificate_days: 30, webhook_url: None }
    }
}

/// Callbacks to the facilities' HIS (TOML `[webhooks]`; docs/WEBHOOKS.md).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// How often an instance looks for due deliveries.
    pub poll_ms: u64,
    /// How long a HIS has to answer one delivery.
    pub timeout_ms: u64,
    /// First retry delay; doubled at each attempt up to `retry_max_ms`, each delay drawn at random
    /// between its half and its whole (so receivers coming back are not hit all at once).
    pub retry_base_ms: u64,
    pub retry_max_ms: u64,
    /// A delivery not answered 2xx this long after its event (or its replay) is given up.
    pub give_up_seconds: u64,
    /// Deliveries one instance posts at the same time.
    pub concurrency: usize,
    /// Endpoints may be plain `http://` (the demo, tests, a HIS on the same private network);
    /// otherwise only `https://` is taken.
    pub allow_http: bool,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            poll_ms: 1000,
            timeout_ms: 10_000,
            retry_base_ms: 10_000,
            retry_max_ms: 3_600_000,
            give_up_seconds: 86_400,
            concurrency: 8,
            allow_http: false,
        }
    }
}

/// The scheduled jobs. Schedules are cron expressions with seconds
/// (`sec min hour day month weekday`) in Vietnam time (UTC+7).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct JobsSettings {
    pub enabled: bool,
    /// Puts jobs of workers that stopped mid-call back in the queue, marked uncertain.
    pub lease_sweep: String,
    /// Renews portal sessions before they expire.
    pub token_refresh: String,
    /// Writes yesterday's (and today's so far) per-facility figures.
    pub daily_snapshot: String,
    /// Drops stored payloads of claims settled more than `retention_days` ago.
    pub retention: String,
    pub retention_days: u32,
    /// Looks up the cards of newly accepted claims (when `eligibility.check_ingested_cards`).
    pub card_check: String,
    /// Raises and resolves alerts (silence, dead-letter spikes, certificates close to expiry).
    pub alerts: String,
    /// Reads the master key file again and seals stored records anew under its current key.
    pub rewrap: String,
}

impl Default for JobsSettings {
    fn default() -> Self {
        JobsSettings {
            enabled: true,
            lease_sweep: "*/15 * * * * *".to_owned(),
            token_refresh: "0 * * * * *".to_owned(),
            daily_snapshot: "0 10 0 * * *".to_owned(),
            retention: "0 30 2 * * *".to_owned(),
            retention_days: 180,
            card_check: "*/20 * * * * *".to_owned(),
            alerts: "0 */5 * * * *".to_owned(),
            rewrap: "30 * * * * *".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Human,
    Json,
}

/// Whether the gateway may run without a master key (values stored in clear).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RunMode {
    /// A master key is required: without one the gateway does not start.
    Production,
    /// Without a master key, episodes and check-ins are stored in clear (with a warning).
    Development,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// `production` (default: a master key is required) or `development`.
    pub mode: RunMode,
    /// File of the master keys that seal stored episodes and check-ins (one base64 256-bit key a
    /// line, the current one first; read again when it changes).
    pub master_key_file: Option<std::path::PathBuf>,
    /// The master keys themselves, comma-separated, instead of a file (`HISGATE_MASTER_KEY`).
    pub master_key: Option<Secret>,
    /// `sqlite://PATH` (embedded, default) or `postgres://…`.
    pub database_url: String,
    /// The server's certificate chain and key (PEM): HTTPS instead of HTTP.
    pub tls_cert_file: Option<std::path::PathBuf>,
    pub tls_key_file: Option<std::path::PathBuf>,
    /// CA (PEM) whose client certificates HIS connections may present (mutual TLS); a
    /// facility's certificate names its facility code as the subject's common name.
    pub tls_client_ca_file: Option<std::path::PathBuf>,
    /// Facility keys are refused without their facility's client certificate.
    pub tls_require_client_certificate: bool,
    /// Listen address, `host:port` (port 0 picks a free port).
    pub bind: String,
    pub log_format: LogFormat,
    /// Most episodes in one batch request.
    pub max_batch: usize,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Seconds a client has to send a request's body once its headers came; a slower one gets `408`.
    pub body_timeout_seconds: u64,
    /// Addresses of the reverse proxies in front of the gateway: only their `X-Forwarded-For`,
    /// `X-Forwarded-Proto` and `Forwarded` headers are believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Failed sign-ins or bad API keys from one client address (or with one key id) after which
    /// it is refused with `429` for the rest of [`Settings::auth_lockout_seconds`] (0: never).
    pub auth_max_failures: u32,
    /// The period failures are counted over, and the lock's length.
    pub auth_lockout_seconds: u64,
    /// How long a session of the BHXH-compatible front door lasts (`token/take`). The portal's own
    /// lifetime is not documented (BHXH-API.md §2): its clients renew when `expires_in` comes.
    pub front_door_session_minutes: u32,
    /// Tables only keys granted `sensitive_reader` read (claims are shown to others without them;
    /// the portals still receive them): XML6 (HIV care) unless set.
    pub sensitive_tables: Vec<crate::domain::records::Table>,
    /// Portals every accepted episode is queued for (`bhxh`, `moh`).
    pub destinations: Vec<Destination>,
    pub bhxh: PortalSettings,
    /// TOML `[bhxh_protocol]`; `HISGATE_BHXH_PROFILE`, `_APPRAISAL_API`, `_HOSO_PER_FILE`.
    pub bhxh_protocol: BhxhProtocol,
    pub moh: PortalSettings,
    pub dispatch: DispatchSettings,
    pub jobs: JobsSettings,
    pub eligibility: EligibilitySettings,
    pub alerts: AlertSettings,
    pub webhooks: WebhookSettings,
    /// Folder of the reference catalogues (`icd10.csv`, `drugs.csv`, …); none: those rules do not run.
    pub reference_dir: Option<std::path::PathBuf>,
    /// Signing material per facility code (TOML `[signing.83001]`); files of other facilities go unsigned.
    pub signing: std::collections::BTreeMap<String, SigningSettings>,
    /// How imported appraisal result files are read (TOML `[result_columns]`).
    pub result_columns: ResultColumns,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            mode: RunMode::Production,
            master_key_file: None,
            master_key: None,
            database_url: "sqlite://hisgate.db".to_owned(),
            tls_cert_file: None,
            tls_key_file: None,
            tls_client_ca_file: None,
            tls_require_client_certificate: false,
            bind: "127.0.0.1:8080".to_owned(),
            log_format: LogFormat::Human,
            max_batch: 1000,
            max_body_bytes: 32 * 1024 * 1024,
            body_timeout_seconds: 30,
            trusted_proxies: Vec::new(),
            auth_max_failures: 10,
            auth_lockout_seconds: 900,
            front_door_session_minutes: 60,
            sensitive_tables: vec![crate::domain::records::Table::Xml6],
            destinations: vec![Destination::Bhxh, Destination::Moh],
            bhxh: PortalSettings::default(),
            bhxh_protocol: BhxhProtocol::default(),
            moh: PortalSettings::default(),
            dispatch: DispatchSettings::default(),
            jobs: JobsSettings::default(),
            eligibility: EligibilitySettings::default(),
            alerts: AlertSettings::default(),
            webhooks: WebhookSettings::default(),
            reference_dir: None,
            signing: Default::default(),
            result_columns: ResultColumns::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var}: `{value}` is not valid: {reason}")]
    Invalid { var: &'static str, value: String, reason: String },
    #[error("cannot read config file {path}: {reason}")]
    File { path: String, reason: String },
}

fn invalid(var: &'static str, value: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { var, value: value.to_owned(), reason: reason.into() }
}

impl Settings {
    /// Reads the file named by `HISGATE_CONFIG` (if any), then the environment.
    pub fn load() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The same, reading variables through `lookup` (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut s = match lookup("HISGATE_CONFIG") {
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| ConfigError::File { path: path.clone(), reason: e.to_string() })?;
                toml::from_str(&text).map_err(|e| ConfigError::File { path, reason: e.to_string() })?
            }
            None => Settings::default(),
        };
        for variable in environment::VARIABLES {
            if let Some(text) = lookup(variable.name) {
                variable.apply(&mut s, &text)?;
            }
        }
        let [name_var, cccd_var] = environment::OFFICER;
        match (lookup(name_var), lookup(cccd_var)) {
            (Some(name), Some(cccd)) => s.eligibility.officer = Some(LookupOfficer { name, cccd }),
            (None, None) => {}
            (Some(_), None) | (None, Some(_)) => {
                return Err(invalid(cccd_var, "", format!("set both {name_var} and {cccd_var}")));
            }
        }
        s.check()?;
        Ok(s)
    }

    fn check(&self) -> Result<(), ConfigError> {
        if !(self.database_url.starts_with("sqlite:")
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://"))
        {
            return Err(invalid("HISGATE_DATABASE_URL", &self.database_url, "use sqlite://PATH or postgres://…"));
        }
        if self.bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(invalid("HISGATE_BIND", &self.bind, "expected host:port, e.g. 127.0.0.1:8080"));
        }
        if self.dispatch.batch_size == 0 || self.dispatch.concurrency == 0 || self.dispatch.max_attempts < 1 {
            return Err(invalid(
                "HISGATE_DISPATCH_BATCH_SIZE",
                &format!("{}/{}/{}", self.dispatch.batch_size, self.dispatch.concurrency, self.dispatch.max_attempts),
                "batch size, concurrency and max attempts must be at least 1",
            ));
        }
        if self.bhxh_protocol.hoso_per_file == Some(0) {
            return Err(invalid("HISGATE_BHXH_HOSO_PER_FILE", "0", "must be at least 1"));
        }
        if self.max_batch == 0 {
            return Err(invalid("HISGATE_MAX_BATCH", "0", "must be at least 1"));
        }
        if self.body_timeout_seconds == 0 {
            return Err(invalid("HISGATE_BODY_TIMEOUT_SECONDS", "0", "must be at least 1"));
        }
        for (var, portal) in [("HISGATE_BHXH_URL", &self.bhxh), ("HISGATE_MOH_URL", &self.moh)] {
            if let Some(url) = &portal.url
                && !(url.starts_with("http://") || url.starts_with("https://"))
            {
                return Err(invalid(var, url, "expected an http:// or https:// URL"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_and_overrides() {
        let s = load(&[]).unwrap();
        assert_eq!(s.database_url, "sqlite://hisgate.db");
        assert_eq!(s.bind, "127.0.0.1:8080");
        let s = load(&[("HISGATE_BIND", "0.0.0.0:9000"), ("HISGATE_DESTINATIONS", "bhxh")]).unwrap();
        assert_eq!(s.bind, "0.0.0.0:9000");
        assert_eq!(s.destinations, vec![Destination::Bhxh]);
    }

    #[test]
    fn the_bhxh_profile_decides_how_many_hoso_a_file_holds() {
        use crate::domain::spec::Profile;
        let s = load(&[]).unwrap();
        assert_eq!(s.bhxh_protocol.profile, Profile::Qd3176);
        assert_eq!(s.bhxh_protocol.appraisal_api, AppraisalApi::None);
        assert_eq!(s.bhxh_protocol.hoso_per_file(50), 1);
        let s = load(&[("HISGATE_BHXH_PROFILE", "4750"), ("HISGATE_BHXH_APPRAISAL_API", "modelled")]).unwrap();
        assert_eq!((s.bhxh_protocol.profile, s.bhxh_protocol.appraisal_api), (Profile::Qd4750, AppraisalApi::Modelled));
        assert_eq!(s.bhxh_protocol.hoso_per_file(50), 50);
        let s = load(&[("HISGATE_BHXH_HOSO_PER_FILE", "20")]).unwrap();
        assert_eq!(s.bhxh_protocol.hoso_per_file(50), 20);
        let e = load(&[("HISGATE_BHXH_PROFILE", "130")]).unwrap_err().to_string();
        assert!(e.starts_with("HISGATE_BHXH_PROFILE: `130`"), "{e}");
        assert!(load(&[("HISGATE_BHXH_HOSO_PER_FILE", "0")]).is_err());
    }

    #[test]
    fn errors_name_the_variable() {
        let e = load(&[("HISGATE_MAX_BATCH", "many")]).unwrap_err().to_string();
        assert!(e.starts_with("HISGATE_MAX_BATCH: `many`"), "{e}");
        let e = load(&[("HISGATE_DATABASE_URL", "mysql://x")]).unwrap_err().to_string();
        assert!(e.starts_with("HISGATE_DATABASE_URL"), "{e}");
        let e = load(&[("HISGATE_BIND", "localhost")]).unwrap_err().to_string();
        assert!(e.starts_with("HISGATE_BIND"), "{e}");
        let e = load(&[("HISGATE_TRUSTED_PROXIES", "10.0.0.1, proxy")]).unwrap_err().to_string();
        assert!(e.starts_with("HISGATE_TRUSTED_PROXIES"), "{e}");
        assert!(load(&[("HISGATE_BODY_TIMEOUT_SECONDS", "0")]).is_err());
        let s = load(&[("HISGATE_TRUSTED_PROXIES", "10.0.0.1, ::1"), ("HISGATE_BODY_TIMEOUT_SECONDS", "5")]).unwrap();
        assert_eq!(s.trusted_proxies, ["10.0.0.1".parse::<std::net::IpAddr>().unwrap(), "::1".parse().unwrap()]);
        assert_eq!(s.body_timeout_seconds, 5);
    }

    #[test]
    fn secrets_are_not_printed() {
        let s = load(&[("HISGATE_BHXH_PASSWORD", "hunter2")]).unwrap();
        assert_eq!(s.bhxh.password.expose(), "hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hisgate.toml");
        std::fs::write(&path, "bind = \"127.0.0.1:7000\"\nmax_batch = 50\n[bhxh]\nurl = \"http://127.0.0.1:9\"\n")
            .unwrap();
        let p = path.to_str().unwrap();
        let s = load(&[("HISGATE_CONFIG", p), ("HISGATE_MAX_BATCH", "70")]).unwrap();
        assert_eq!(s.bind, "127.0.0.1:7000");
        assert_eq!(s.max_batch, 70);
        assert_eq!(s.bhxh.url.as_deref(), Some("http://127.0.0.1:9"));
        std::fs::write(&path, "bnd = 1\n").unwrap();
        assert!(matches!(load(&[("HISGATE_CONFIG", p)]), Err(ConfigError::File { .. })));
    }
}
