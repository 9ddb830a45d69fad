//! Recently verified HTTP Basic credentials, so a client that sends them with every request (as
//! Bot.one integrations do) does not pay an argon2 verification (tens of milliseconds) each time.
//!
//! Entries hold a salted SHA-256 of login and password (the salt is random per process), never
//! the password, and expire after [`TTL`] by the `Clock` port. A wrong password never matches an
//! entry, so it always goes to argon2 and fails there. Within the TTL a password changed since
//! (there is no password-change service yet) would still be accepted by a node that cached it.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::auth::Principal;

/// How long a verified login is trusted without asking argon2 again.
pub(crate) const TTL: Duration = Duration::seconds(60);
/// How many logins are remembered at most; past this the cache is emptied.
const CAPACITY: usize = 10_000;

struct Entry {
    digest: [u8; 32],
    principal: Principal,
    expires_at: DateTime<Utc>,
}

/// Logins verified in the last [`TTL`], keyed by normalised login.
pub(crate) struct VerifiedLogins {
    salt: [u8; 32],
    entries: Mutex<HashMap<String, Entry>>,
}

impl VerifiedLogins {
    pub(crate) fn new() -> Self {
        let mut salt = [0u8; 32];
        rand::rng().fill_bytes(&mut salt);
        Self {
            salt,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn digest(&self, login: &str, password: &str) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(self.salt);
        hasher.update(login.as_bytes());
        hasher.update([0u8]);
        hasher.update(password.as_bytes());
        hasher.finalize().into()
    }

    /// The principal of `login` if exactly this password was verified within the TTL.
    pub(crate) fn get(&self, login: &str, password: &str, now: DateTime<Utc>) -> Option<Principal> {
        let digest = self.digest(login, password);
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(login)
            .filter(|e| e.digest == digest && e.expires_at > now)
            .map(|e| e.principal)
    }

    /// Remembers a login that argon2 just verified.
    pub(crate) fn remember(
        &self,
        login: &str,
        password: &str,
        principal: Principal,
        now: DateTime<Utc>,
    ) {
        let entry = Entry {
            digest: self.digest(login, password),
            principal,
            expires_at: now + TTL,
        };
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= CAPACITY {
            entries.retain(|_, e| e.expires_at > now);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(login.to_owned(), entry);
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::ids::{CompanyId, UserId};
    use crate::values::Role;

    fn principal() -> Principal {
        Principal {
            company_id: CompanyId(1),
            user_id: UserId(2),
            role: Role::Api,
        }
    }

    #[test]
    fn only_the_same_password_within_the_ttl_matches() {
        let cache = VerifiedLogins::new();
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        cache.remember("ann@acme.test", "correct horse", principal(), now);
        assert_eq!(
            cache.get("ann@acme.test", "correct horse", now),
            Some(principal())
        );
        assert_eq!(cache.get("ann@acme.test", "correct horsE", now), None);
        assert_eq!(cache.get("bob@acme.test", "correct horse", now), None);
        assert_eq!(cache.get("ann@acme.test", "correct horse", now + TTL), None);
    }

    #[test]
    fn login_and_password_cannot_be_shifted_into_each_other() {
        let cache = VerifiedLogins::new();
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        cache.remember("a", "bc", principal(), now);
        assert_eq!(cache.get("ab", "c", now), None);
    }
}
