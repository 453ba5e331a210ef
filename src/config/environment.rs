//! The environment overlay: every `HISGATE_*` variable, the setting it overrides, and how its text is
//! read. [`VARIABLES`] is the one list; the README's configuration table is checked against it.

use super::{AppraisalApi, LogFormat, MohFormat, RunMode, Secret, Settings};
use crate::domain::card::IdentifierKind;
use crate::domain::records::Table;
use crate::domain::spec::Profile;
use crate::vocabulary::Destination;
use std::net::IpAddr;
use std::path::PathBuf;

/// A setting's value read from a variable's text; the error says what was expected.
trait FromVariable: Sized {
    fn from_variable(text: &str) -> Result<Self, String>;
}

/// One environment variable and what it sets.
pub struct Variable {
    pub name: &'static str,
    apply: fn(&mut Settings, &str) -> Result<(), String>,
}

impl Variable {
    /// Sets this variable's setting in `settings` from `text`; the error names the variable.
    pub(super) fn apply(&self, settings: &mut Settings, text: &str) -> Result<(), super::ConfigError> {
        (self.apply)(settings, text).map_err(|reason| super::invalid(self.name, text, reason))
    }
}

/// The lookup officer registered with BHXH: its name and citizen id are set together or not at all.
pub const OFFICER: [&str; 2] = ["HISGATE_ELIGIBILITY_OFFICER_NAME", "HISGATE_ELIGIBILITY_OFFICER_CCCD"];

macro_rules! variables {
    ($($name:literal => $($field:ident).+,)*) => {
        /// Every variable the gateway reads besides `HISGATE_CONFIG` and the lookup officer's pair
        /// (which go together), each with the setting it overrides.
        pub const VARIABLES: &[Variable] = &[$(
            Variable {
                name: $name,
                apply: |settings, text| {
                    settings.$($field).+ = FromVariable::from_variable(text)?;
                    Ok(())
                },
            },
        )*];
    };
}

variables! {
    "HISGATE_MODE" => mode,
    "HISGATE_MASTER_KEY_FILE" => master_key_file,
    "HISGATE_MASTER_KEY" => master_key,
    "HISGATE_DATABASE_URL" => database_url,
    "HISGATE_TLS_CERT_FILE" => tls_cert_file,
    "HISGATE_TLS_KEY_FILE" => tls_key_file,
    "HISGATE_TLS_CLIENT_CA_FILE" => tls_client_ca_file,
    "HISGATE_TLS_REQUIRE_CLIENT_CERTIFICATE" => tls_require_client_certificate,
    "HISGATE_BIND" => bind,
    "HISGATE_LOG_FORMAT" => log_format,
    "HISGATE_MAX_BATCH" => max_batch,
    "HISGATE_MAX_BODY_BYTES" => max_body_bytes,
    "HISGATE_BODY_TIMEOUT_SECONDS" => body_timeout_seconds,
    "HISGATE_TRUSTED_PROXIES" => trusted_proxies,
    "HISGATE_SENSITIVE_TABLES" => sensitive_tables,
    "HISGATE_REFERENCE_DIR" => reference_dir,
    "HISGATE_DESTINATIONS" => destinations,
    "HISGATE_AUTH_MAX_FAILURES" => auth_max_failures,
    "HISGATE_AUTH_LOCKOUT_SECONDS" => auth_lockout_seconds,
    "HISGATE_FRONT_DOOR_SESSION_MINUTES" => front_door_session_minutes,
    "HISGATE_BHXH_URL" => bhxh.url,
    "HISGATE_BHXH_USERNAME" => bhxh.username,
    "HISGATE_BHXH_PASSWORD" => bhxh.password,
    "HISGATE_BHXH_RATE_PER_SECOND" => bhxh.rate_per_second,
    "HISGATE_BHXH_MAX_CONCURRENT" => bhxh.max_concurrent,
    "HISGATE_BHXH_CHECK_IN_RATE_PER_SECOND" => bhxh.check_in_rate_per_second,
    "HISGATE_BHXH_CHECK_IN_MAX_CONCURRENT" => bhxh.check_in_max_concurrent,
    "HISGATE_BHXH_BREAKER_FAILURES" => bhxh.breaker_failures,
    "HISGATE_BHXH_BREAKER_COOLDOWN_MS" => bhxh.breaker_cooldown_ms,
    "HISGATE_BHXH_PROFILE" => bhxh_protocol.profile,
    "HISGATE_BHXH_APPRAISAL_API" => bhxh_protocol.appraisal_api,
    "HISGATE_BHXH_HOSO_PER_FILE" => bhxh_protocol.hoso_per_file,
    "HISGATE_MOH_URL" => moh.url,
    "HISGATE_MOH_USERNAME" => moh.username,
    "HISGATE_MOH_PASSWORD" => moh.password,
    "HISGATE_MOH_RATE_PER_SECOND" => moh.rate_per_second,
    "HISGATE_MOH_MAX_CONCURRENT" => moh.max_concurrent,
    "HISGATE_MOH_CHECK_IN_RATE_PER_SECOND" => moh.check_in_rate_per_second,
    "HISGATE_MOH_CHECK_IN_MAX_CONCURRENT" => moh.check_in_max_concurrent,
    "HISGATE_MOH_BREAKER_FAILURES" => moh.breaker_failures,
    "HISGATE_MOH_BREAKER_COOLDOWN_MS" => moh.breaker_cooldown_ms,
    "HISGATE_MOH_FORMAT" => dispatch.moh_format,
    "HISGATE_DISPATCH_ENABLED" => dispatch.enabled,
    "HISGATE_DISPATCH_BATCH_SIZE" => dispatch.batch_size,
    "HISGATE_DISPATCH_CONCURRENCY" => dispatch.concurrency,
    "HISGATE_DISPATCH_MAX_ATTEMPTS" => dispatch.max_attempts,
    "HISGATE_DISPATCH_POLL_INTERVAL_MS" => dispatch.poll_interval_ms,
    "HISGATE_DISPATCH_HTTP_TIMEOUT_MS" => dispatch.http_timeout_ms,
    "HISGATE_DISPATCH_LEASE_MS" => dispatch.lease_ms,
    "HISGATE_DISPATCH_TICK_MS" => dispatch.tick_ms,
    "HISGATE_DISPATCH_BACKOFF_BASE_MS" => dispatch.backoff_base_ms,
    "HISGATE_DISPATCH_SIGNATURE_POLL_MS" => dispatch.signature_poll_ms,
    "HISGATE_DISPATCH_SIGNATURE_WAIT_SECONDS" => dispatch.signature_wait_seconds,
    "HISGATE_DISPATCH_SIGNATURE_GATHER_MS" => dispatch.signature_gather_ms,
    "HISGATE_JOBS_ENABLED" => jobs.enabled,
    "HISGATE_JOBS_LEASE_SWEEP" => jobs.lease_sweep,
    "HISGATE_JOBS_TOKEN_REFRESH" => jobs.token_refresh,
    "HISGATE_JOBS_DAILY_SNAPSHOT" => jobs.daily_snapshot,
    "HISGATE_JOBS_RETENTION" => jobs.retention,
    "HISGATE_RETENTION_DAYS" => jobs.retention_days,
    "HISGATE_JOBS_ALERTS" => jobs.alerts,
    "HISGATE_JOBS_CARD_CHECK" => jobs.card_check,
    "HISGATE_JOBS_REWRAP" => jobs.rewrap,
    "HISGATE_ALERTS_WEBHOOK_URL" => alerts.webhook_url,
    "HISGATE_ALERTS_SILENT_DAYS" => alerts.silent_days,
    "HISGATE_ALERTS_DEAD_LETTERS_PER_HOUR" => alerts.dead_letters_per_hour,
    "HISGATE_ALERTS_CERTIFICATE_DAYS" => alerts.certificate_days,
    "HISGATE_WEBHOOKS_POLL_MS" => webhooks.poll_ms,
    "HISGATE_WEBHOOKS_TIMEOUT_MS" => webhooks.timeout_ms,
    "HISGATE_WEBHOOKS_RETRY_BASE_MS" => webhooks.retry_base_ms,
    "HISGATE_WEBHOOKS_RETRY_MAX_MS" => webhooks.retry_max_ms,
    "HISGATE_WEBHOOKS_GIVE_UP_SECONDS" => webhooks.give_up_seconds,
    "HISGATE_WEBHOOKS_CONCURRENCY" => webhooks.concurrency,
    "HISGATE_WEBHOOKS_ALLOW_HTTP" => webhooks.allow_http,
    "HISGATE_ELIGIBILITY_CACHE_SECONDS" => eligibility.cache_seconds,
    "HISGATE_ELIGIBILITY_STALE_MAX_SECONDS" => eligibility.stale_max_seconds,
    "HISGATE_ELIGIBILITY_MAX_BATCH" => eligibility.max_batch,
    "HISGATE_ELIGIBILITY_PER_KEY_PER_MINUTE" => eligibility.per_key_per_minute,
    "HISGATE_ELIGIBILITY_CHECK_INGESTED_CARDS" => eligibility.check_ingested_cards,
    "HISGATE_ELIGIBILITY_IDENTIFIERS" => eligibility.identifiers,
}

impl FromVariable for String {
    fn from_variable(text: &str) -> Result<Self, String> {
        Ok(text.to_owned())
    }
}

impl FromVariable for Secret {
    fn from_variable(text: &str) -> Result<Self, String> {
        Ok(Secret::new(text))
    }
}

/// An optional setting: an empty variable counts as unset.
impl<T: FromVariable> FromVariable for Option<T> {
    fn from_variable(text: &str) -> Result<Self, String> {
        if text.is_empty() { Ok(None) } else { T::from_variable(text).map(Some) }
    }
}

impl FromVariable for PathBuf {
    fn from_variable(text: &str) -> Result<Self, String> {
        Ok(text.into())
    }
}

impl FromVariable for bool {
    fn from_variable(text: &str) -> Result<Self, String> {
        match text {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err("use true or false".into()),
        }
    }
}

macro_rules! whole_numbers {
    ($($kind:ty),*) => {$(
        impl FromVariable for $kind {
            fn from_variable(text: &str) -> Result<Self, String> {
                let n: u64 = text.trim().parse().map_err(|_| "expected a whole number".to_owned())?;
                n.try_into().map_err(|_| "too large".to_owned())
            }
        }
    )*};
}

whole_numbers!(u32, u64, usize, i32, i64);

/// One of a few words, each standing for a value.
fn word<T: Copy>(text: &str, words: &[(&str, T)]) -> Result<T, String> {
    words.iter().find(|(w, _)| *w == text).map(|(_, value)| *value).ok_or_else(|| {
        let names: Vec<&str> = words.iter().map(|(w, _)| *w).collect();
        format!("use {}", names.join(" or "))
    })
}

impl FromVariable for RunMode {
    fn from_variable(text: &str) -> Result<Self, String> {
        word(text, &[("production", RunMode::Production), ("development", RunMode::Development)])
    }
}

impl FromVariable for LogFormat {
    fn from_variable(text: &str) -> Result<Self, String> {
        word(text, &[("human", LogFormat::Human), ("json", LogFormat::Json)])
    }
}

impl FromVariable for MohFormat {
    fn from_variable(text: &str) -> Result<Self, String> {
        word(text, &[("xml130", MohFormat::Xml130), ("fhir", MohFormat::Fhir)])
    }
}

impl FromVariable for AppraisalApi {
    fn from_variable(text: &str) -> Result<Self, String> {
        word(text, &[("none", AppraisalApi::None), ("modelled", AppraisalApi::Modelled)])
    }
}

impl FromVariable for Profile {
    fn from_variable(text: &str) -> Result<Self, String> {
        Profile::parse(text).ok_or_else(|| "use 4750 or 3176".into())
    }
}

/// A comma-separated list; blanks around items and empty items are ignored.
fn list<T>(text: &str, item: impl Fn(&str) -> Option<T>, expected: &str) -> Result<Vec<T>, String> {
    let items: Option<Vec<T>> = text.split(',').map(str::trim).filter(|i| !i.is_empty()).map(item).collect();
    items.ok_or_else(|| expected.to_owned())
}

impl FromVariable for Vec<IpAddr> {
    fn from_variable(text: &str) -> Result<Self, String> {
        list(text, |a| a.parse().ok(), "expected IP addresses, comma-separated")
    }
}

impl FromVariable for Vec<Table> {
    fn from_variable(text: &str) -> Result<Self, String> {
        let table = |name: &str| Table::ALL.into_iter().find(|t| t.spec_name() == name);
        list(text, table, "list table names such as XML6,XML15")
    }
}

impl FromVariable for Vec<Destination> {
    fn from_variable(text: &str) -> Result<Self, String> {
        list(text, |d| d.parse().ok(), "known destinations are bhxh and moh")
    }
}

impl FromVariable for Vec<IdentifierKind> {
    fn from_variable(text: &str) -> Result<Self, String> {
        let expected = "list card, citizen_id and/or social_insurance_number";
        let forms = list(text, IdentifierKind::parse, expected)?;
        if forms.is_empty() { Err(expected.to_owned()) } else { Ok(forms) }
    }
}

#[cfg(test)]
mod tests {
    use super::{OFFICER, VARIABLES};

    fn read_by_the_gateway(name: &str) -> bool {
        VARIABLES.iter().any(|v| v.name == name) || OFFICER.contains(&name)
    }

    /// The names the README's configuration table gives, written out: a row's `_SUFFIX` continues
    /// the row's first name at one of its underscores, and "(and `MOH_`)" repeats the row for MoH.
    fn documented() -> Vec<String> {
        let readme = include_str!("../../README.md");
        let mut names = Vec::new();
        for row in readme.lines().filter(|l| l.starts_with("| `HISGATE_")) {
            let first_cell = row.split('|').nth(1).unwrap_or_default();
            let words: Vec<&str> = first_cell.split('`').skip(1).step_by(2).collect();
            let Some(first) = words.first().copied() else { continue };
            let mut row_names = vec![first.to_owned()];
            for w in &words[1..] {
                if w.starts_with("HISGATE_") {
                    row_names.push((*w).to_owned());
                } else if w.starts_with('_') {
                    // The longest prefix of `first` ending before an underscore that keeps the
                    // continuation a name the gateway reads.
                    let candidates: Vec<String> =
                        first.match_indices('_').map(|(i, _)| format!("{}{w}", &first[..i])).collect();
                    let known = candidates.iter().rev().find(|c| read_by_the_gateway(c));
                    row_names.push(known.cloned().unwrap_or_else(|| format!("{first}{w}")));
                }
            }
            if first_cell.contains("(and `MOH_`)") {
                let moh: Vec<String> =
                    row_names.iter().map(|n| n.replacen("HISGATE_BHXH_", "HISGATE_MOH_", 1)).collect();
                row_names.extend(moh);
            }
            names.extend(row_names);
        }
        names
    }

    #[test]
    fn the_readme_documents_every_variable_and_no_other() {
        let documented = documented();
        for v in VARIABLES {
            assert!(documented.iter().any(|d| d == v.name), "{} is missing from the README's table", v.name);
        }
        for d in &documented {
            assert!(read_by_the_gateway(d), "the README documents {d}, which the gateway does not read");
        }
    }
}
