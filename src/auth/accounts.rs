//! Accounts of the BHXH-compatible front door (`/bhxh`): a HIS logs in as it does at the BHXH portal
//! (`token/take` with the username and the MD5 of the password, BHXH-API.md §2) and sends with the
//! tokens it got and the same MD5 (`passwordHash`) on every call.
//!
//! The password is shown once, when the account is made. What is stored is an argon2id hash of its
//! MD5, since the MD5 is what the protocol sends and so what a stolen copy would let a caller
//! replay; a session stores the SHA-256 of its tokens and of the MD5 given at login, so each call
//! costs one lookup, not a slow hash. An account sends for one facility, or (a Department of Health
//! account, `<province>_SYT`) for every facility whose `MA_CSKCB` starts with its province's code.

use super::Principal;
use crate::digest::{digests_equal, md5_upper_hex, random_hex, sha256_hex};
use crate::store::front_door::{self, StoredAccount, StoredSession};
use crate::store::{Db, StoreError, audit, facilities, now_ms};
use crate::vocabulary::{FacilityCode, Role};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// For whom an account sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountScope {
    Facility(FacilityCode),
    /// A province's 2-digit code: every facility whose `MA_CSKCB` starts with it.
    Province(String),
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("facility code `{0}` must be 5 letters or digits")]
    BadFacilityCode(String),
    #[error("province code `{0}` must be 2 digits")]
    BadProvinceCode(String),
    #[error("a username has 1 to 64 letters, digits, `_`, `-` or `.`")]
    BadUsername,
    #[error("the username `{0}` is taken")]
    Taken(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An account just made: the password is not stored and cannot be shown again.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub password: String,
}

fn slow_hash(md5: &str) -> String {
    let salt = SaltString::encode_b64(random_hex(16).as_bytes()).expect("32 hex characters are a valid salt");
    argon2::Argon2::default().hash_password(md5.as_bytes(), &salt).expect("argon2 hashes any input").to_string()
}

/// Makes an account (registering an unknown facility as `onboarding`), by default named as the
/// portal names them: `<MA_CSKCB>_BV`, or `<province>_SYT` for a Department of Health.
pub fn create_account(
    db: &Db,
    scope: AccountScope,
    username: Option<&str>,
    actor: &str,
) -> Result<NewAccount, AccountError> {
    let (facility_code, province_code) = match &scope {
        AccountScope::Facility(code) if code.len() == 5 && code.chars().all(|c| c.is_ascii_alphanumeric()) => {
            (Some(code.clone()), None)
        }
        AccountScope::Facility(code) => return Err(AccountError::BadFacilityCode(code.to_string())),
        AccountScope::Province(p) if p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()) => (None, Some(p.clone())),
        AccountScope::Province(p) => return Err(AccountError::BadProvinceCode(p.clone())),
    };
    let username = match (username, &facility_code, &province_code) {
        (Some(name), _, _) => name.to_owned(),
        (None, Some(code), _) => format!("{code}_BV"),
        (None, None, province) => format!("{}_SYT", province.as_deref().unwrap_or_default()),
    };
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    if username.is_empty() || username.len() > 64 || !username.chars().all(valid) {
        return Err(AccountError::BadUsername);
    }
    let password = random_hex(10);
    let account = StoredAccount {
        username: username.clone(),
        facility_code,
        province_code,
        password_hash: slow_hash(&md5_upper_hex(&password)),
        created_at: now_ms(),
        revoked_at: None,
    };
    let created = db.write_blocking(|conn| {
        if let Some(code) = &account.facility_code {
            facilities::register(conn, code, &format!("Facility {code}"), "other", "onboarding")?;
        }
        if !front_door::insert_account(conn, &account)? {
            return Ok(false);
        }
        let detail = serde_json::json!({ "facility": account.facility_code, "province": account.province_code });
        let entry = audit::AuditEntry {
            actor,
            role: Role::Admin.as_str(),
            action: "account.create",
            target: &account.username,
            detail,
        };
        audit::record(conn, entry)?;
        Ok(true)
    })?;
    match created {
        true => Ok(NewAccount { username, password }),
        false => Err(AccountError::Taken(username)),
    }
}

/// Revokes an account and ends its sessions; `false` when no active account has that name.
pub fn revoke_account(db: &Db, username: &str, actor: &str) -> Result<bool, StoreError> {
    db.write_blocking(|conn| {
        let revoked = front_door::revoke_account(conn, username)?;
        if revoked {
            let entry = audit::AuditEntry {
                actor,
                role: Role::Admin.as_str(),
                action: "account.revoke",
                target: username,
                detail: serde_json::json!({}),
            };
            audit::record(conn, entry)?;
        }
        Ok(revoked)
    })
}

/// A session `token/take` opened: what the portal's `APIKey` holds.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_token: String,
    pub id_token: String,
    pub username: String,
    /// Epoch ms.
    pub expires_at: i64,
}

/// An argon2id hash checked when the username is unknown, so that an unknown name takes as long
/// to refuse as a wrong password.
static UNKNOWN_ACCOUNT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| slow_hash("-"));

/// Opens a session for `username` if `md5` (hex, either case) is its password's MD5; `None` when
/// the account is unknown, revoked or the password wrong (the caller is not told which).
pub async fn log_in(db: &Db, username: &str, md5: &str, lifetime_ms: i64) -> Result<Option<Session>, StoreError> {
    let name = username.to_owned();
    let account = db.read(move |c| front_door::find_active_account(c, &name)).await?;
    let md5 = md5.trim().to_ascii_uppercase();
    let (hash, given) =
        (account.as_ref().map_or_else(|| UNKNOWN_ACCOUNT.clone(), |a| a.password_hash.clone()), md5.clone());
    let verified = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| argon2::Argon2::default().verify_password(given.as_bytes(), &h).is_ok())
    })
    .await
    .map_err(|_| StoreError::Cancelled)?;
    if !verified || account.is_none() {
        return Ok(None);
    }
    let session = Session {
        access_token: random_hex(32),
        id_token: random_hex(32),
        username: username.to_owned(),
        expires_at: now_ms() + lifetime_ms,
    };
    let stored = StoredSession {
        access_token_sha256: sha256_hex(&session.access_token),
        id_token_sha256: sha256_hex(&session.id_token),
        password_sha256: sha256_hex(&md5),
        username: session.username.clone(),
        expires_at: session.expires_at,
    };
    db.write(move |c| front_door::open_session(c, &stored)).await?;
    Ok(Some(session))
}

/// The caller of a front-door call: an account with a live session.
#[derive(Debug, Clone)]
pub struct Caller {
    pub username: String,
    pub scope: AccountScope,
}

impl Caller {
    /// The principal this caller sends as for `facility`: the facility's own, if the account may
    /// send for it.
    pub fn principal_for(&self, facility: &str) -> Option<Principal> {
        let allowed = match &self.scope {
            AccountScope::Facility(own) => own.as_str() == facility,
            AccountScope::Province(p) => facility.len() == 5 && facility.starts_with(p.as_str()),
        };
        allowed.then(|| Principal {
            key_id: format!("account:{}", self.username),
            role: Role::Facility,
            facility: Some(FacilityCode::from(facility)),
            sensitive_reader: false,
        })
    }
}

/// The caller whose session the tokens open, if they and the MD5 are the session's and it has not
/// expired (nor its account been revoked).
pub async fn session_caller(
    db: &Db,
    access_token: &str,
    id_token: &str,
    md5: &str,
) -> Result<Option<Caller>, StoreError> {
    let digest = sha256_hex(access_token.trim());
    let Some((session, account)) = db.read(move |c| front_door::find_session(c, &digest)).await? else {
        return Ok(None);
    };
    let id_ok = digests_equal(&session.id_token_sha256, &sha256_hex(id_token.trim()));
    let md5_ok = digests_equal(&session.password_sha256, &sha256_hex(md5.trim().to_ascii_uppercase()));
    if !(id_ok && md5_ok) {
        return Ok(None);
    }
    let scope = match (account.facility_code, account.province_code) {
        (Some(code), _) => AccountScope::Facility(code),
        (None, Some(province)) => AccountScope::Province(province),
        (None, None) => return Ok(None),
    };
    Ok(Some(Caller { username: account.username, scope }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_province_account_sends_for_its_province_only() {
        let doh = Caller { username: "83_SYT".into(), scope: AccountScope::Province("83".into()) };
        assert_eq!(doh.principal_for("83001").and_then(|p| p.facility).as_deref(), Some("83001"));
        assert!(doh.principal_for("79001").is_none());
        assert!(doh.principal_for("83").is_none(), "a province code alone is not a facility");
        let own = Caller { username: "83001_BV".into(), scope: AccountScope::Facility("83001".into()) };
        assert!(own.principal_for("83001").is_some());
        assert!(own.principal_for("83002").is_none());
    }
}
