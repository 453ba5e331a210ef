//! Facility keys on a hardware token or an HSM, reached through the token's PKCS#11 module
//! (`cryptoki`): the key never leaves the token, which is handed the canonical `SignedInfo` and
//! signs it with `CKM_SHA256_RSA_PKCS`. A session is opened, logged in and closed per signature
//! (a file is signed once, at its end), so a token pulled out and put back is found again.

use crate::config::Secret;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as TokenError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use std::path::Path;

/// A private key on a token.
pub struct TokenKey {
    context: Pkcs11,
    slot: Slot,
    token_label: String,
    key_label: String,
    pin: Secret,
}

/// What went wrong with a token.
#[derive(Debug, thiserror::Error)]
pub enum TokenKeyError {
    #[error("PKCS#11 {what}: {source}")]
    Call { what: String, source: TokenError },
    #[error("{0}")]
    Setup(String),
    #[error("the token could not sign: {0}")]
    Sign(TokenError),
}

fn failed(what: &str) -> impl Fn(TokenError) -> TokenKeyError + '_ {
    move |source| TokenKeyError::Call { what: what.to_owned(), source }
}

impl TokenKey {
    /// Loads `module`, finds the token labelled `token_label` and checks that the key
    /// `key_label` is on it and that the PIN opens it: a misconfigured token stops start-up.
    pub fn open(module: &Path, token_label: &str, key_label: &str, pin: Secret) -> Result<TokenKey, TokenKeyError> {
        let context = Pkcs11::new(module).map_err(failed(&format!("module {}", module.display())))?;
        // Another facility may use the same module: it is initialised once per process.
        match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(TokenError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => return Err(failed("initialisation")(e)),
        }
        let slots = context.get_slots_with_token().map_err(failed("slots"))?;
        let slot = slots
            .into_iter()
            .find(|slot| context.get_token_info(*slot).is_ok_and(|info| info.label().trim_end() == token_label))
            .ok_or_else(|| TokenKeyError::Setup(format!("no PKCS#11 token labelled `{token_label}`")))?;
        let key = TokenKey { context, slot, token_label: token_label.to_owned(), key_label: key_label.to_owned(), pin };
        key.with_key(|_, _| Ok(()))?;
        Ok(key)
    }

    /// The RSA PKCS#1 v1.5 signature of the SHA-256 of `data`.
    pub fn sign(&self, data: &[u8]) -> Result<Vec<u8>, TokenKeyError> {
        self.with_key(|session, key| session.sign(&Mechanism::Sha256RsaPkcs, key, data))
    }

    /// Runs `f` with a logged-in session and the key's handle.
    fn with_key<T>(&self, f: impl FnOnce(&Session, ObjectHandle) -> Result<T, TokenError>) -> Result<T, TokenKeyError> {
        let session = self.context.open_ro_session(self.slot).map_err(failed("session"))?;
        let pin = AuthPin::from(self.pin.expose().to_owned());
        // The login belongs to the application, not the session: another signature may hold it.
        match session.login(UserType::User, Some(&pin)) {
            Ok(()) | Err(TokenError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(e) => return Err(failed(&format!("login to token `{}`", self.token_label))(e)),
        }
        let template = [Attribute::Class(ObjectClass::PRIVATE_KEY), Attribute::Label(self.key_label.clone().into())];
        let found = session.find_objects(&template).map_err(failed("key search"))?;
        let [key] = found.as_slice() else {
            return Err(TokenKeyError::Setup(format!(
                "{} private keys labelled `{}` on token `{}` (one is needed)",
                found.len(),
                self.key_label,
                self.token_label
            )));
        };
        f(&session, *key).map_err(TokenKeyError::Sign)
    }
}
