//! API-key authentication and roles.
//!
//! A key is `hg_<id>_<secret>`: the id finds the stored row, the secret is checked against its
//! SHA-256 (keys are 256-bit random, so a fast hash is enough and lookups stay cheap).

pub mod accounts;
pub mod failures;

use crate::digest::{digests_equal, random_hex, sha256_hex};
use crate::http::ApiError;
use crate::store::{Db, StoreError, audit, facilities, keys};
use crate::vocabulary::{FacilityCode, Role};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use std::future::Future;
use std::pin::Pin;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub key_id: String,
    pub role: Role,
    /// Set for `facility` keys: the only facility this key may act for.
    pub facility: Option<FacilityCode>,
    /// May read the sensitive tables (XML6 HIV care, and what `HISGATE_SENSITIVE_TABLES` adds).
    pub sensitive_reader: bool,
}

impl Principal {
    /// Who this is, as the store's audit rows and `received_by` name a writer.
    pub fn actor(&self) -> audit::Actor {
        audit::Actor { key_id: self.key_id.clone(), role: self.role }
    }

    /// The caller a stored key stands for (none if its role is unknown to this version).
    pub fn of_key(key: keys::StoredKey) -> Option<Principal> {
        let role = key.role.parse().ok()?;
        Some(Principal { key_id: key.id, role, facility: key.facility_code, sensitive_reader: key.sensitive_reader })
    }

    /// May this caller push claims for `facility`?
    pub fn may_write_for(&self, facility: &str) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Facility => self.facility.as_deref() == Some(facility),
            Role::Doh | Role::Eligibility => false,
        }
    }

    /// Refuses (403) unless this is an admin key; `what` completes "only an admin key may …".
    pub fn require_admin(&self, what: &str) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            _ => Err(ApiError::Forbidden(format!("only an admin key may {what}"))),
        }
    }

    /// Refuses (403) unless this is an admin or a Department of Health key; `what` completes
    /// "only admin and DoH keys may …".
    pub fn require_staff(&self, what: &str) -> Result<(), ApiError> {
        match self.role {
            Role::Admin | Role::Doh => Ok(()),
            _ => Err(ApiError::Forbidden(format!("only admin and DoH keys may {what}"))),
        }
    }

    /// The facility this caller may list: its own for a facility key, the asked one (or all) for
    /// admin and DoH keys; other keys read no claims.
    pub fn readable_facility(&self, asked: Option<FacilityCode>) -> Result<Option<FacilityCode>, ApiError> {
        match (self.role, &self.facility, asked) {
            (Role::Facility, Some(own), Some(asked)) if &asked != own => {
                Err(ApiError::Forbidden(format!("this key reads facility {own} only, not {asked}")))
            }
            (Role::Facility, Some(own), _) => Ok(Some(own.clone())),
            (Role::Admin | Role::Doh, _, asked) => Ok(asked),
            _ => Err(ApiError::Forbidden("this key may not read claims or submissions".into())),
        }
    }

    /// May this caller read claims of `facility`?
    pub fn may_read(&self, facility: &str) -> bool {
        match self.role {
            Role::Admin | Role::Doh => true,
            Role::Facility => self.facility.as_deref() == Some(facility),
            Role::Eligibility => false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("role `facility` needs --facility CODE")]
    FacilityRequired,
    #[error("facility code `{0}` must be 5 letters or digits")]
    BadFacilityCode(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Creates a key (registering an unknown facility as `onboarding`) and returns the full key,
/// which is never stored and cannot be shown again.
/// `sensitive_reader`: the key may read the sensitive tables.
pub fn create_key(
    db: &Db,
    role: Role,
    facility: Option<&str>,
    label: &str,
    sensitive_reader: bool,
    actor: &str,
) -> Result<String, KeyError> {
    if role == Role::Facility && facility.is_none() {
        return Err(KeyError::FacilityRequired);
    }
    if let Some(code) = facility
        && (code.len() != 5 || !code.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err(KeyError::BadFacilityCode(code.to_owned()));
    }
    let id = random_hex(6);
    let secret = random_hex(32);
    let hash = sha256_hex(&secret);
    db.write_blocking(|conn| {
        if let Some(code) = facility {
            facilities::register(conn, code, &format!("Facility {code}"), "other", "onboarding")?;
        }
        keys::insert(conn, &id, &hash, role, facility, label, sensitive_reader)?;
        audit::record(
            conn,
            audit::AuditEntry {
                actor,
                role: Role::Admin.as_str(),
                action: "key.create",
                target: &id,
                detail: serde_json::json!({
                    "role": role.as_str(), "facility": facility, "label": label, "sensitive_reader": sensitive_reader,
                }),
            },
        )
    })?;
    Ok(format!("hg_{id}_{secret}"))
}

/// The id part of what may be a key, for counting failures by key id.
pub fn key_id(token: &str) -> Option<String> {
    key_parts(token).map(|(id, _)| id.to_owned())
}

/// The id and the secret of a key `hg_<id>_<secret>`.
fn key_parts(token: &str) -> Option<(&str, &str)> {
    token.strip_prefix("hg_").and_then(|rest| rest.split_once('_'))
}

/// Checks a bearer token against the stored keys.
pub async fn authenticate(db: &Db, token: &str) -> Result<Option<Principal>, StoreError> {
    let Some((id, secret)) = key_parts(token) else {
        return Ok(None);
    };
    let (id, hash) = (id.to_owned(), sha256_hex(secret));
    let stored = db.read(move |conn| keys::find_active(conn, &id)).await?;
    Ok(stored.filter(|k| digests_equal(&k.secret_sha256, &hash)).and_then(Principal::of_key))
}

/// How long a verified key is trusted without reading the database again: a key revoked on any
/// instance is refused everywhere within this time.
pub const KEY_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// Keys verified in the last [`KEY_CACHE_TTL`], by key id: most requests then read nothing from
/// the database to authenticate. Only successes are kept; the secret is compared every time.
#[derive(Default)]
pub struct KeyCache {
    verified: std::sync::Mutex<VerifiedKeys>,
}

/// Key id → (SHA-256 of its secret, its principal, when it was read from the database).
type VerifiedKeys = std::collections::HashMap<String, (String, Principal, std::time::Instant)>;

/// More distinct keys than a province has: past this the cache starts again empty.
const KEY_CACHE_MAX: usize = 10_000;

impl KeyCache {
    /// [`authenticate`], answered from the cache when the key was verified recently.
    pub async fn authenticate(&self, db: &Db, token: &str) -> Result<Option<Principal>, StoreError> {
        let Some((id, secret)) = key_parts(token) else {
            return Ok(None);
        };
        let hash = sha256_hex(secret);
        if let Some((stored, principal, at)) = self.lock().get(id)
            && at.elapsed() < KEY_CACHE_TTL
            && digests_equal(stored, &hash)
        {
            return Ok(Some(principal.clone()));
        }
        let principal = authenticate(db, token).await?;
        if let Some(p) = &principal {
            let mut verified = self.lock();
            if verified.len() >= KEY_CACHE_MAX {
                verified.clear();
            }
            verified.insert(id.to_owned(), (hash, p.clone(), std::time::Instant::now()));
        }
        Ok(principal)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VerifiedKeys> {
        self.verified.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Revokes a key; `false` if no active key has this id.
pub fn revoke_key(db: &Db, id: &str, actor: &str) -> Result<bool, StoreError> {
    db.write_blocking(|conn| {
        if !keys::revoke(conn, id)? {
            return Ok(false);
        }
        audit::record(
            conn,
            audit::AuditEntry {
                actor,
                role: Role::Admin.as_str(),
                action: "key.revoke",
                target: id,
                detail: serde_json::json!({}),
            },
        )?;
        Ok(true)
    })
}

/// The answer to a client or key id locked out for failing too often.
pub fn locked_out(wait: std::time::Duration) -> ApiError {
    ApiError::TooManyRequests {
        detail: "too many failed sign-ins from this address or with this key id; try again later".to_owned(),
        retry_after_seconds: wait.as_secs().max(1),
    }
}

/// What checks a request's key: the stored keys (and those verified recently), the failures
/// counted per client and key id, and which proxies' forwarded addresses are believed. One per
/// server, reached by the [`Principal`] extractor and the dashboard's sign-in.
pub struct Gate {
    pub db: Db,
    pub keys: KeyCache,
    pub failures: failures::FailedAuth,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// A facility key needs its facility's client certificate (mutual TLS).
    pub require_client_certificate: bool,
}

impl Gate {
    pub fn new(db: Db, settings: &crate::config::Settings) -> Gate {
        Gate {
            db,
            keys: KeyCache::default(),
            failures: failures::FailedAuth::for_settings(settings),
            trusted_proxies: settings.trusted_proxies.clone(),
            require_client_certificate: settings.tls_require_client_certificate,
        }
    }

    /// The client's address, believing a trusted proxy's forwarded header.
    pub fn client_address(&self, req: &HttpRequest) -> std::net::IpAddr {
        crate::http::client_address(req, &self.trusted_proxies)
    }

    /// Counts and audits a failed sign-in or bad key (`channel`: `api`, `dashboard`).
    pub async fn record_failure(&self, client: std::net::IpAddr, key_id: Option<String>, channel: &'static str) {
        failures::record_failure(&self.failures, &self.db, client, key_id, channel).await;
    }

    /// The principal of a bearer `token` sent by `client` over a connection with `certificate`.
    async fn principal(
        &self,
        token: &str,
        client: std::net::IpAddr,
        certificate: Option<&crate::http::tls::ClientCertificate>,
    ) -> Result<Principal, ApiError> {
        let key_id = key_id(token);
        if let Some(wait) = self.failures.locked_for(client, key_id.as_deref()) {
            return Err(locked_out(wait));
        }
        match self.keys.authenticate(&self.db, token).await? {
            Some(principal) => {
                self.failures.succeeded(client, &principal.key_id);
                if let Some(facility) = &principal.facility {
                    crate::http::tls::facility_may_use(facility, certificate, self.require_client_certificate)
                        .map_err(ApiError::Forbidden)?;
                }
                Ok(principal)
            }
            None => {
                self.record_failure(client, key_id, "api").await;
                Err(ApiError::Unauthorized("the API key is unknown or revoked"))
            }
        }
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Principal, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let gate = req.app_data::<web::Data<Gate>>().cloned();
        let header =
            req.headers().get(actix_web::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let client = gate.as_ref().map(|g| g.client_address(req));
        let certificate = req.conn_data::<crate::http::tls::ClientCertificate>().cloned();
        Box::pin(async move {
            let (Some(gate), Some(client)) = (gate, client) else {
                return Err(ApiError::Internal("the key gate is not configured".into()));
            };
            let token = header
                .as_deref()
                .and_then(|h| h.strip_prefix("Bearer "))
                .ok_or(ApiError::Unauthorized("send `Authorization: Bearer <api key>`"))?
                .trim();
            gate.principal(token, client, certificate.as_ref()).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facility_keys_are_scoped() {
        let p = Principal {
            key_id: "k".into(),
            role: Role::Facility,
            facility: Some("83001".into()),
            sensitive_reader: false,
        };
        assert!(p.may_write_for("83001") && p.may_read("83001"));
        assert!(!p.may_write_for("83002") && !p.may_read("83002"));
        let doh = Principal { key_id: "d".into(), role: Role::Doh, facility: None, sensitive_reader: false };
        assert!(doh.may_read("83002") && !doh.may_write_for("83002"));
    }
}
