//! The dialogs this process saved last, so the next turn of a dialog need not read it back.
//!
//! Only the turn path uses it, always under the dialog's lock, and every save is optimistic
//! (`save_turn` checks the version): a copy made stale by another node is caught as a `Conflict`
//! and the turn is redone from a fresh read. Reads for users (`get`, `details`, lists) never use it.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::dialog::Dialog;
use crate::ids::{CompanyId, DialogId};

/// How many dialogs are kept; past this, one is dropped for each new one.
const CAPACITY: usize = 20_000;

/// A bounded map of the last saved version of open dialogs.
#[derive(Debug, Default)]
pub(crate) struct RecentDialogs {
    dialogs: Mutex<HashMap<DialogId, Dialog>>,
}

impl RecentDialogs {
    /// The last saved version of dialog `id` of `company`, if this process holds one.
    pub(crate) fn get(&self, company: CompanyId, id: DialogId) -> Option<Dialog> {
        let dialogs = self.dialogs.lock().unwrap_or_else(PoisonError::into_inner);
        dialogs
            .get(&id)
            .filter(|d| d.company_id == company)
            .cloned()
    }

    /// Keeps `dialog` as the last saved version; a dialog that has ended is dropped instead.
    pub(crate) fn remember(&self, dialog: &Dialog) {
        let mut dialogs = self.dialogs.lock().unwrap_or_else(PoisonError::into_inner);
        if dialog.status.is_final() {
            dialogs.remove(&dialog.id);
            return;
        }
        let full = dialogs.len() >= CAPACITY && !dialogs.contains_key(&dialog.id);
        if let Some(evicted) = dialogs.keys().next().copied().filter(|_| full) {
            dialogs.remove(&evicted);
        }
        dialogs.insert(dialog.id, dialog.clone());
    }

    /// Drops dialog `id` (after an error, when the stored version is unknown).
    pub(crate) fn forget(&self, id: DialogId) {
        self.dialogs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
    }
}
