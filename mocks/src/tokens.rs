//! Session tokens with an expiry, and "expire every token now" for tests of re-login.

use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Clone)]
pub struct Session {
    pub id_token: String,
    pub username: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Unknown,
    Expired,
}

pub struct TokenStore {
    ttl: Mutex<Duration>,
    sessions: Mutex<HashMap<String, Session>>,
}

impl TokenStore {
    pub fn new(ttl_seconds: i64) -> Self {
        TokenStore { ttl: Mutex::new(Duration::seconds(ttl_seconds)), sessions: Mutex::new(HashMap::new()) }
    }

    /// Issues a session: (access token, session).
    pub fn issue(&self, username: &str) -> (String, Session) {
        let ttl = *self.ttl.lock().unwrap_or_else(|p| p.into_inner());
        let access = uuid::Uuid::new_v4().simple().to_string();
        let session = Session {
            id_token: uuid::Uuid::new_v4().simple().to_string(),
            username: username.to_owned(),
            expires_at: Utc::now() + ttl,
        };
        self.sessions.lock().unwrap_or_else(|p| p.into_inner()).insert(access.clone(), session.clone());
        (access, session)
    }

    /// Checks an access token (and, when given, its id token).
    pub fn check(&self, access: &str, id_token: Option<&str>) -> Result<Session, TokenError> {
        let sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let session = sessions.get(access).ok_or(TokenError::Unknown)?;
        if id_token.is_some_and(|id| id != session.id_token) {
            return Err(TokenError::Unknown);
        }
        if session.expires_at <= Utc::now() {
            return Err(TokenError::Expired);
        }
        Ok(session.clone())
    }

    /// Every issued token expires at once.
    pub fn expire_all(&self) {
        let past = Utc::now() - Duration::seconds(1);
        for s in self.sessions.lock().unwrap_or_else(|p| p.into_inner()).values_mut() {
            s.expires_at = past;
        }
    }

    pub fn set_ttl_seconds(&self, seconds: i64) {
        *self.ttl.lock().unwrap_or_else(|p| p.into_inner()) = Duration::seconds(seconds);
    }
}
