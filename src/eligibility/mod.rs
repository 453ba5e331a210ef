//! Card eligibility: is this BHYT card good for this visit? Local checks of the card number and
//! dates first, then the BHXH card lookup (`KQNhanLichSuKCB2024`), normalised into one answer.
//!
//! Definitive answers are cached for `cache_seconds`; identical lookups in progress share one
//! portal call; when the portal is down, the last known answer (up to `stale_max_seconds` old) is
//! served, marked stale with its age. The portal's pace and circuit breaker are the BHXH client's,
//! shared with dispatch. Every lookup is audited; card numbers are masked and names never written
//! in logs.

pub mod codes;
pub mod identifier;
pub mod ingested;
pub mod routes;

use crate::config::{EligibilitySettings, LookupOfficer};
use crate::domain::card::{CardNumber, mask};
use crate::portal::PortalError;
use crate::portal::bhxh::{BhxhClient, CardQuery, code_of};
use crate::store::audit::{AuditSink, PendingEntry};
use crate::store::now_ms;
use crate::validation::{Severity, Violation};
use chrono::NaiveDate;
use codes::{CodeClass, Verdict, describe};
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};
use identifier::{HolderId, IdentifierKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use utoipa::ToSchema;

/// A lookup as the API takes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EligibilityRequest {
    /// The 15-character BHYT card number (`MA_THE_BHYT`). A lookup gives exactly one of
    /// `card_number`, `citizen_id` and `social_insurance_number`.
    #[serde(default)]
    pub card_number: Option<String>,
    /// The holder's 12-digit citizen ID (CCCD), which reception may take instead of the card. Sent
    /// in the portal's `maThe` as hospital systems do; whether the portal officially accepts it is
    /// uncertain (REGULATORY-2026.md §4), so `HISGATE_ELIGIBILITY_IDENTIFIERS` may turn it off.
    #[serde(default)]
    pub citizen_id: Option<String>,
    /// The holder's 10-digit social-insurance number (mã số BHXH, characters 6–15 of the card);
    /// sent like a citizen ID.
    #[serde(default)]
    pub social_insurance_number: Option<String>,
    /// The holder's full name as on the card.
    pub full_name: String,
    /// `YYYY-MM-DD`, or `YYYY` when only the year is known.
    pub birth_date: String,
    /// `YYYY-MM-DD`; today (Vietnam time) when absent.
    #[serde(default)]
    pub visit_date: Option<String>,
    /// The facility (`MA_CSKCB`) the visit is at: whose lookup officer asks. A facility key's own
    /// facility when absent.
    #[serde(default)]
    pub facility: Option<String>,
}

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Asked just now.
    Portal,
    /// A definitive answer from the last `cache_seconds`.
    Cache,
    /// The portal is unavailable: the last known answer, older than the cache lifetime.
    Stale,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NewCard {
    pub card_number: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// `maDKBDMoi`: registered primary-care facility of the new card.
    pub primary_care_facility: Option<String>,
    pub primary_care_facility_name: Option<String>,
}

/// One earlier visit of the holder (`dsLichSuKCB2018`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PastVisit {
    /// `maHoSo`.
    pub record_id: Option<String>,
    /// `maCSKCB`.
    pub facility: Option<String>,
    /// `ngayVao`, `yyyyMMddHHmm`.
    pub admitted_at: Option<String>,
    /// `ngayRa`, `yyyyMMddHHmm`.
    pub discharged_at: Option<String>,
    /// `tenBenh`.
    pub diagnosis: Option<String>,
    /// `kqDieuTri`: treatment outcome code.
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VisitHistory {
    /// Visits the portal lists.
    pub count: usize,
    /// The latest five, newest first.
    pub latest: Vec<PastVisit>,
    /// Earlier lookups of this card the portal lists (`dsLichSuKT2018`).
    pub previous_lookups: usize,
}

/// The normalised answer of a lookup.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EligibilityAnswer {
    pub eligible: Verdict,
    /// The portal's `maKetQua`.
    pub code: String,
    pub meaning_vi: String,
    pub meaning_en: String,
    /// The portal's own note (`ghiChu`).
    pub portal_note: Option<String>,
    /// The card: the one asked about, or the one the portal found for a citizen ID or
    /// social-insurance number (absent when it found none).
    pub card_number: Option<String>,
    /// Characters 1-2 of the card.
    pub object_code: Option<String>,
    /// Character 3 of the card: benefit level 1-5.
    pub benefit_level: Option<u8>,
    pub holder_name: Option<String>,
    /// As the portal gives it: `dd/MM/yyyy` or `yyyy`.
    pub holder_birth_date: Option<String>,
    pub holder_sex: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub visit_date: NaiveDate,
    /// Whether the visit date falls in the validity period (when the portal gave one).
    pub valid_on_visit_date: Option<bool>,
    /// `maDKBD`: the registered primary-care facility.
    pub primary_care_facility: Option<String>,
    /// `ngayDu5Nam`: from this date the holder has five continuous years of cover.
    pub five_years_continuous_from: Option<NaiveDate>,
    /// `cqBHXH`.
    pub issuing_office: Option<String>,
    /// Codes 003/004: the card that replaces this one.
    pub new_card: Option<NewCard>,
    pub history: VisitHistory,
    pub source: Source,
    /// When the portal gave this answer (RFC 3339).
    pub answered_at: String,
    /// Seconds since the portal gave it.
    pub age_seconds: u64,
}

/// What the portal said about a card, kept for the cache.
#[derive(Debug, Clone)]
struct PortalCard {
    code: String,
    /// `maThe` as the portal answers it: the card of the holder found.
    card: Option<CardNumber>,
    verdict: Verdict,
    note: Option<String>,
    name: Option<String>,
    birth: Option<String>,
    sex: Option<String>,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    primary_care: Option<String>,
    five_years: Option<NaiveDate>,
    office: Option<String>,
    new_card: Option<NewCard>,
    history: VisitHistory,
    answered_at_ms: i64,
}

/// Why no answer could be had from the portal.
#[derive(Debug, Clone, thiserror::Error)]
enum LookupFailure {
    #[error("no BHXH portal is configured for card lookups")]
    NoPortal,
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Configuration(String),
    #[error("{0}")]
    Malformed(String),
}

#[derive(Debug, thiserror::Error)]
pub enum EligibilityError {
    #[error("{detail}")]
    Invalid { detail: String, violations: Vec<Violation> },
    #[error("{0}")]
    Forbidden(String),
    #[error("more than {limit} lookups in a minute by this key")]
    RateLimited { limit: u32, retry_after_seconds: u64 },
    #[error("{0}")]
    Configuration(String),
    #[error("the BHXH card lookup is unavailable and no earlier answer is known: {0}")]
    Unavailable(String),
    #[error("{0}")]
    Malformed(String),
}

impl From<EligibilityError> for crate::http::ApiError {
    fn from(e: EligibilityError) -> Self {
        use crate::http::ApiError;
        match e {
            EligibilityError::Invalid { detail, violations } => ApiError::InvalidInput { detail, violations },
            EligibilityError::Forbidden(m) => ApiError::Forbidden(m),
            e @ EligibilityError::RateLimited { retry_after_seconds, .. } => {
                ApiError::TooManyRequests { detail: e.to_string(), retry_after_seconds }
            }
            EligibilityError::Configuration(m) => ApiError::Misconfigured(m),
            e @ EligibilityError::Unavailable(_) => ApiError::PortalUnavailable(e.to_string()),
            EligibilityError::Malformed(m) => ApiError::BadGateway(m),
        }
    }
}

/// A birth date as the portal wants it.
enum Birth {
    Date(NaiveDate),
    Year(i32),
}

impl Birth {
    fn portal_text(&self) -> String {
        match self {
            Birth::Date(d) => d.format("%d/%m/%Y").to_string(),
            Birth::Year(y) => y.to_string(),
        }
    }
}

/// A request that passed the local checks.
pub struct Lookup {
    holder: HolderId,
    name: String,
    birth: Birth,
    visit_date: NaiveDate,
    /// Whose officer asks; `None`: the default officer.
    facility: Option<String>,
}

fn invalid(rule: &str, path: &str, message: String, value: Option<String>) -> Violation {
    Violation { rule: rule.to_owned(), severity: Severity::Critical, path: path.to_owned(), message, value }
}

impl Lookup {
    /// The local checks: every problem found, each naming the field and the rule. `accepted`:
    /// the identifier forms this gateway sends.
    pub fn check(request: &EligibilityRequest, accepted: &[IdentifierKind]) -> Result<Self, EligibilityError> {
        let mut problems = Vec::new();
        let holder = HolderId::from_request(
            request.card_number.as_deref(),
            request.citizen_id.as_deref(),
            request.social_insurance_number.as_deref(),
            accepted,
        )
        .map_err(|v| problems.push(v))
        .ok();
        let name = request.full_name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            problems.push(invalid("NAME_REQUIRED", "full_name", "the holder's full name is required".into(), None));
        } else if name.chars().count() > 255 {
            problems.push(invalid("NAME_TOO_LONG", "full_name", "the name is longer than 255 characters".into(), None));
        }
        let today = crate::domain::time::vietnam_today();
        let birth_text = request.birth_date.trim();
        let birth = if birth_text.len() == 4 && birth_text.bytes().all(|b| b.is_ascii_digit()) {
            birth_text.parse().ok().map(Birth::Year)
        } else {
            NaiveDate::parse_from_str(birth_text, "%Y-%m-%d").ok().map(Birth::Date)
        };
        let birth = match birth {
            None => {
                problems.push(invalid(
                    "BIRTH_DATE_FORMAT",
                    "birth_date",
                    format!("`{birth_text}` is neither a date YYYY-MM-DD nor a year YYYY"),
                    Some(birth_text.to_owned()),
                ));
                None
            }
            Some(b) => {
                let (year, after_today) = match &b {
                    Birth::Date(d) => (chrono::Datelike::year(d), *d > today),
                    Birth::Year(y) => (*y, *y > chrono::Datelike::year(&today)),
                };
                if after_today || year < 1900 {
                    problems.push(invalid(
                        "BIRTH_DATE_RANGE",
                        "birth_date",
                        format!("{birth_text} is not a possible birth date (after today or before 1900)"),
                        Some(birth_text.to_owned()),
                    ));
                }
                Some(b)
            }
        };
        let visit_date = match request.visit_date.as_deref().map(str::trim) {
            None | Some("") => Some(today),
            Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    problems.push(invalid(
                        "VISIT_DATE_FORMAT",
                        "visit_date",
                        format!("`{text}` is not a date YYYY-MM-DD"),
                        Some(text.to_owned()),
                    ));
                    None
                }
            },
        };
        let facility = request.facility.as_deref().map(str::trim).filter(|f| !f.is_empty()).map(str::to_owned);
        if let Some(f) = &facility
            && !(f.len() == 5 && f.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            problems.push(invalid(
                "FACILITY_CODE",
                "facility",
                format!("`{f}` is not a facility code (MA_CSKCB, 5 characters)"),
                Some(f.clone()),
            ));
        }
        match (holder, birth, visit_date) {
            (Some(holder), Some(birth), Some(visit_date)) if problems.is_empty() => {
                Ok(Lookup { holder, name, birth, visit_date, facility })
            }
            _ => Err(EligibilityError::Invalid {
                detail: problems.iter().map(|p| format!("{}: {}", p.path, p.message)).collect::<Vec<_>>().join("; "),
                violations: problems,
            }),
        }
    }

    /// The card number, citizen ID or social-insurance number asked about.
    pub fn holder_id(&self) -> &str {
        self.holder.as_str()
    }

    pub fn facility(&self) -> Option<&str> {
        self.facility.as_deref()
    }

    /// Sets the facility when the caller is bound to one.
    pub fn set_facility(&mut self, facility: String) {
        self.facility = Some(facility);
    }

    fn cache_key(&self) -> CacheKey {
        CacheKey {
            card: self.holder.as_str().to_owned(),
            name: self.name.to_lowercase(),
            birth: self.birth.portal_text(),
        }
    }
}

/// Answers depend on the card and the holder data given, not on who asks.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    card: String,
    name: String,
    birth: String,
}

type Flight = Shared<BoxFuture<'static, Result<Arc<PortalCard>, LookupFailure>>>;

pub struct EligibilityService {
    settings: EligibilitySettings,
    bhxh: Option<Arc<BhxhClient>>,
    audit: AuditSink,
    /// Whose keyed digest of the card or citizen ID is the audit row's target.
    vault: Arc<crate::vault::Vault>,
    /// Last known definitive answer per key, with when it was stored.
    answers: Mutex<HashMap<CacheKey, Arc<PortalCard>>>,
    flights: Mutex<HashMap<CacheKey, Flight>>,
    /// Per API key: (minute since the epoch, lookups in it).
    per_key: Mutex<HashMap<String, (u64, u32)>>,
    started: Instant,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A non-empty text field of the portal's answer (numbers accepted).
fn text(v: &Value, key: &str) -> Option<String> {
    match &v[key] {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn portal_date(v: &Value, key: &str) -> Option<NaiveDate> {
    text(v, key).and_then(|t| NaiveDate::parse_from_str(&t, "%d/%m/%Y").ok())
}

fn parse_answer(v: &Value) -> PortalCard {
    let code = code_of(v);
    let verdict = match describe(&code).class {
        CodeClass::Answer(verdict) => verdict,
        _ => Verdict::CheckDocuments,
    };
    let mut visits: Vec<PastVisit> = v["dsLichSuKCB2018"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|h| PastVisit {
                    record_id: text(h, "maHoSo"),
                    facility: text(h, "maCSKCB"),
                    admitted_at: text(h, "ngayVao"),
                    discharged_at: text(h, "ngayRa"),
                    diagnosis: text(h, "tenBenh"),
                    outcome: text(h, "kqDieuTri"),
                })
                .collect()
        })
        .unwrap_or_default();
    let count = visits.len();
    // `yyyyMMddHHmm` sorts as text.
    visits.sort_by(|a, b| b.admitted_at.cmp(&a.admitted_at));
    visits.truncate(5);
    let new_card = text(v, "maTheMoi").map(|number| NewCard {
        card_number: number,
        valid_from: portal_date(v, "gtTheTuMoi"),
        valid_to: portal_date(v, "gtTheDenMoi"),
        primary_care_facility: text(v, "maDKBDMoi"),
        primary_care_facility_name: text(v, "tenDKBDMoi"),
    });
    PortalCard {
        card: text(v, "maThe").and_then(|c| CardNumber::parse(&c).ok()),
        verdict,
        note: text(v, "ghiChu"),
        name: text(v, "hoTen"),
        birth: text(v, "ngaySinh"),
        sex: text(v, "gioiTinh"),
        valid_from: portal_date(v, "gtTheTu"),
        valid_to: portal_date(v, "gtTheDen"),
        primary_care: text(v, "maDKBD"),
        five_years: portal_date(v, "ngayDu5Nam"),
        office: text(v, "cqBHXH"),
        new_card,
        history: VisitHistory {
            count,
            latest: visits,
            previous_lookups: v["dsLichSuKT2018"].as_array().map_or(0, Vec::len),
        },
        answered_at_ms: now_ms(),
        code,
    }
}

impl EligibilityService {
    pub fn new(
        settings: EligibilitySettings,
        bhxh: Option<Arc<BhxhClient>>,
        audit: AuditSink,
        vault: Arc<crate::vault::Vault>,
    ) -> Arc<Self> {
        Arc::new(EligibilityService {
            settings,
            bhxh,
            audit,
            vault,
            answers: Mutex::default(),
            flights: Mutex::default(),
            per_key: Mutex::default(),
            started: Instant::now(),
        })
    }

    pub fn settings(&self) -> &EligibilitySettings {
        &self.settings
    }

    pub fn max_batch(&self) -> usize {
        self.settings.max_batch
    }

    /// Counts `n` lookups against the key's budget for this minute.
    pub fn admit(&self, key_id: &str, n: u32) -> Result<(), EligibilityError> {
        let limit = self.settings.per_key_per_minute;
        if limit == 0 {
            return Ok(());
        }
        let elapsed = self.started.elapsed().as_secs();
        let minute = elapsed / 60;
        let mut per_key = lock(&self.per_key);
        if per_key.len() > 10_000 {
            per_key.retain(|_, (m, _)| *m == minute);
        }
        let entry = per_key.entry(key_id.to_owned()).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        if entry.1.saturating_add(n) > limit {
            return Err(EligibilityError::RateLimited { limit, retry_after_seconds: 60 - elapsed % 60 });
        }
        entry.1 += n;
        Ok(())
    }

    fn officer(&self, facility: Option<&str>) -> Result<&LookupOfficer, EligibilityError> {
        facility.and_then(|f| self.settings.officers.get(f)).or(self.settings.officer.as_ref()).ok_or_else(|| {
            EligibilityError::Configuration(format!(
                "no card-lookup officer is configured for {}: BHXH requires the name and citizen id of a \
                 registered officer (HISGATE_ELIGIBILITY_OFFICER_NAME/_CCCD or [eligibility.officers.<code>])",
                facility.unwrap_or("the gateway")
            ))
        })
    }

    /// Answers a request as `principal` may make it: the local checks, the facility it is for
    /// (a facility key's own), then [`Self::check`].
    pub async fn check_request(
        self: &Arc<Self>,
        principal: &crate::auth::Principal,
        request: &EligibilityRequest,
    ) -> Result<EligibilityAnswer, EligibilityError> {
        let mut lookup = Lookup::check(request, &self.settings.identifiers)?;
        routes::authorise(principal, &mut lookup)?;
        self.check(&lookup, principal).await
    }

    /// Answers one checked lookup, and audits it as done by `actor`.
    pub async fn check(
        self: &Arc<Self>,
        lookup: &Lookup,
        actor: &crate::auth::Principal,
    ) -> Result<EligibilityAnswer, EligibilityError> {
        let result = self.answer(lookup).await;
        let detail = match &result {
            Ok(a) => serde_json::json!({
                "facility": lookup.facility, "code": a.code, "eligible": a.eligible, "source": a.source,
            }),
            Err(e) => serde_json::json!({ "facility": lookup.facility, "error": e.to_string() }),
        };
        let source = match &result {
            Ok(a) => match a.source {
                Source::Portal => "portal",
                Source::Cache => "cache",
                Source::Stale => "stale",
            },
            Err(_) => "error",
        };
        metrics::counter!("hisgate_eligibility_lookups_total", "source" => source).increment(1);
        tracing::info!(card = %mask(lookup.holder_id()), source, "card looked up");
        self.audit
            .record(PendingEntry {
                at: now_ms(),
                actor: actor.key_id.clone(),
                role: actor.role.as_str().to_owned(),
                action: "eligibility.check",
                // The card or citizen ID itself would make the audit log a list of them.
                target: self.vault.digest(lookup.holder_id()),
                detail,
            })
            .await;
        result
    }

    async fn answer(self: &Arc<Self>, lookup: &Lookup) -> Result<EligibilityAnswer, EligibilityError> {
        let key = lookup.cache_key();
        let known = lock(&self.answers).get(&key).cloned();
        let fresh_for = self.settings.cache_seconds as i64 * 1000;
        if let Some(card) = &known
            && now_ms() - card.answered_at_ms < fresh_for
        {
            return Ok(self.render(lookup, card, Source::Cache));
        }
        let officer = self.officer(lookup.facility())?.clone();
        let query = CardQuery {
            card: lookup.holder_id().to_owned(),
            name: lookup.name.clone(),
            birth: lookup.birth.portal_text(),
            officer_name: officer.name,
            officer_cccd: officer.cccd,
        };
        match self.fetch(key, query).await {
            Ok(card) => Ok(self.render(lookup, &card, Source::Portal)),
            Err(LookupFailure::Unavailable(reason)) => match known {
                Some(card)
                    if self.settings.stale_max_seconds > 0
                        && now_ms() - card.answered_at_ms < self.settings.stale_max_seconds as i64 * 1000 =>
                {
                    Ok(self.render(lookup, &card, Source::Stale))
                }
                _ => Err(EligibilityError::Unavailable(reason)),
            },
            Err(e @ LookupFailure::NoPortal) | Err(e @ LookupFailure::Configuration(_)) => {
                Err(EligibilityError::Configuration(e.to_string()))
            }
            Err(LookupFailure::Malformed(m)) => Err(EligibilityError::Malformed(m)),
        }
    }

    /// One portal call per key at a time: identical lookups in progress wait for the same call.
    async fn fetch(self: &Arc<Self>, key: CacheKey, query: CardQuery) -> Result<Arc<PortalCard>, LookupFailure> {
        let flight = {
            let mut flights = lock(&self.flights);
            match flights.get(&key) {
                Some(f) => f.clone(),
                None => {
                    let this = self.clone();
                    let k = key.clone();
                    // The call runs on its own task: a caller that hangs up neither cancels it for
                    // the others waiting nor leaves it half done.
                    let call = tokio::spawn(async move {
                        let result = this.call_portal(&query).await;
                        if let Ok(card) = &result {
                            this.remember(k.clone(), card.clone());
                        }
                        lock(&this.flights).remove(&k);
                        result
                    });
                    let f = async move {
                        call.await
                            .unwrap_or_else(|e| Err(LookupFailure::Unavailable(format!("the lookup failed: {e}"))))
                    }
                    .boxed()
                    .shared();
                    flights.insert(key, f.clone());
                    f
                }
            }
        };
        flight.await
    }

    async fn call_portal(&self, query: &CardQuery) -> Result<Arc<PortalCard>, LookupFailure> {
        let bhxh = self.bhxh.as_ref().ok_or(LookupFailure::NoPortal)?;
        metrics::counter!("hisgate_eligibility_portal_calls_total").increment(1);
        let answer = bhxh.card_lookup(query).await.map_err(|e| match e {
            PortalError::Unauthorised(m) => {
                LookupFailure::Configuration(format!("BHXH refuses the gateway's account for card lookups: {m}"))
            }
            PortalError::Refused { code, message } => {
                LookupFailure::Malformed(format!("BHXH answered {code}: {message}"))
            }
            other => LookupFailure::Unavailable(other.to_string()),
        })?;
        let code = code_of(&answer);
        let meaning = describe(&code);
        match meaning.class {
            CodeClass::Answer(_) => Ok(Arc::new(parse_answer(&answer))),
            CodeClass::Configuration => Err(LookupFailure::Configuration(format!(
                "BHXH answered {code}: {} — this is a gateway configuration problem, not a problem with the card",
                meaning.en
            ))),
            CodeClass::PortalTrouble => {
                Err(LookupFailure::Unavailable(format!("BHXH answered {code}: {}", meaning.en)))
            }
            CodeClass::Malformed => Err(LookupFailure::Malformed(format!("BHXH answered {code}: {}", meaning.en))),
        }
    }

    fn remember(&self, key: CacheKey, card: Arc<PortalCard>) {
        let mut answers = lock(&self.answers);
        if answers.len() >= self.settings.cache_entries.max(1) {
            let stale_before =
                now_ms() - self.settings.stale_max_seconds.max(self.settings.cache_seconds) as i64 * 1000;
            answers.retain(|_, c| c.answered_at_ms >= stale_before);
            if answers.len() >= self.settings.cache_entries.max(1) {
                // Still full of live answers: drop the older half.
                let mut ages: Vec<i64> = answers.values().map(|c| c.answered_at_ms).collect();
                ages.sort_unstable();
                let median = ages[ages.len() / 2];
                answers.retain(|_, c| c.answered_at_ms > median);
            }
        }
        answers.insert(key, card);
    }

    fn render(&self, lookup: &Lookup, found: &PortalCard, source: Source) -> EligibilityAnswer {
        let meaning = describe(&found.code);
        let valid_on_visit_date = match (found.valid_from, found.valid_to) {
            (Some(from), Some(to)) => Some(from <= lookup.visit_date && lookup.visit_date <= to),
            _ => None,
        };
        // The portal judges the card today; a visit outside its validity is not covered.
        let eligible = match (found.verdict, valid_on_visit_date) {
            (Verdict::Yes, Some(false)) => Verdict::No,
            (v, _) => v,
        };
        let age_ms = (now_ms() - found.answered_at_ms).max(0);
        let card = lookup.holder.card().or(found.card.as_ref());
        EligibilityAnswer {
            eligible,
            code: found.code.clone(),
            meaning_vi: meaning.vi.to_owned(),
            meaning_en: meaning.en.to_owned(),
            portal_note: found.note.clone(),
            card_number: card.map(|c| c.as_str().to_owned()),
            object_code: card.map(|c| c.object_code().to_owned()),
            benefit_level: card.map(CardNumber::benefit_code),
            holder_name: found.name.clone(),
            holder_birth_date: found.birth.clone(),
            holder_sex: found.sex.clone(),
            valid_from: found.valid_from,
            valid_to: found.valid_to,
            visit_date: lookup.visit_date,
            valid_on_visit_date,
            primary_care_facility: found.primary_care.clone(),
            five_years_continuous_from: found.five_years,
            issuing_office: found.office.clone(),
            new_card: found.new_card.clone(),
            history: found.history.clone(),
            source,
            answered_at: chrono::DateTime::from_timestamp_millis(found.answered_at_ms)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default(),
            age_seconds: (age_ms / 1000) as u64,
        }
    }

    /// Lookups of one batch request in progress at once.
    pub const BATCH_CONCURRENCY: usize = 8;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(card: &str, birth: &str) -> EligibilityRequest {
        EligibilityRequest {
            card_number: Some(card.to_owned()),
            citizen_id: None,
            social_insurance_number: None,
            full_name: "  Nguyễn   Văn An ".to_owned(),
            birth_date: birth.to_owned(),
            visit_date: None,
            facility: None,
        }
    }

    #[test]
    fn local_checks_name_the_part_of_the_card_that_is_wrong() {
        let cases = [
            ("HS483012345678", "CARD_LENGTH"),
            ("h54830123456789", "CARD_OBJECT_CODE"),
            ("HS6830123456789", "CARD_BENEFIT_CODE"),
            ("HS4X30123456789", "CARD_PROVINCE_CODE"),
            ("HS400012345678A", "CARD_PROVINCE_CODE"),
            ("HS48301234567A9", "CARD_SOCIAL_INSURANCE_NUMBER"),
        ];
        for (card, rule) in cases {
            let Err(EligibilityError::Invalid { violations, .. }) =
                Lookup::check(&request(card, "1985-01-01"), &IdentifierKind::ALL)
            else {
                panic!("{card} passes");
            };
            assert_eq!(violations[0].rule, rule, "{card}");
            assert_eq!(violations[0].path, "card_number");
        }
    }

    #[test]
    fn dates_are_checked_and_the_name_is_tidied() {
        let ok = Lookup::check(&request("HS4830123456789", "1985"), &IdentifierKind::ALL).expect("a year is enough");
        assert_eq!(ok.birth.portal_text(), "1985");
        assert_eq!(ok.name, "Nguyễn Văn An");
        let ok = Lookup::check(&request("HS4830123456789", "1985-03-07"), &IdentifierKind::ALL).expect("a date");
        assert_eq!(ok.birth.portal_text(), "07/03/1985");
        for (birth, rule) in
            [("07/03/1985", "BIRTH_DATE_FORMAT"), ("1850", "BIRTH_DATE_RANGE"), ("2999-01-01", "BIRTH_DATE_RANGE")]
        {
            let Err(EligibilityError::Invalid { violations, .. }) =
                Lookup::check(&request("HS4830123456789", birth), &IdentifierKind::ALL)
            else {
                panic!("{birth} passes");
            };
            assert_eq!(violations[0].rule, rule);
        }
        let mut bad_visit = request("HS4830123456789", "1985");
        bad_visit.visit_date = Some("28/11/2026".to_owned());
        let Err(EligibilityError::Invalid { violations, .. }) = Lookup::check(&bad_visit, &IdentifierKind::ALL) else {
            panic!()
        };
        assert_eq!(violations[0].rule, "VISIT_DATE_FORMAT");
    }
}
