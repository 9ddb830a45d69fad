//! In-process notification of dialog changes, for customers waiting on a dialog (long-poll,
//! server-sent events): one broadcast channel per watched dialog, created by the first watcher
//! and dropped with the last. The dialog service publishes after every saved turn.
//!
//! Only changes saved by this process are announced; a watcher on another node learns of them
//! when its wait ends and it reads the store again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::broadcast;

use crate::dialog::{DialogStatus, Message};
use crate::ids::DialogId;

/// How many events a slow watcher may fall behind before it is told it missed some.
const CAPACITY: usize = 64;

/// Something that happened in a dialog.
#[derive(Debug, Clone, PartialEq)]
pub enum DialogEvent {
    /// A change was saved: the messages it wrote (maybe none) and the dialog's status after it.
    Saved {
        /// The dialog's status after the change.
        status: DialogStatus,
        /// The messages written, in order.
        messages: Vec<Message>,
    },
    /// The bot started (`true`) or stopped (`false`) showing that it is typing.
    Typing(bool),
    /// The watcher fell behind and missed events: read the dialog again.
    Missed,
}

type Channels = Arc<Mutex<HashMap<DialogId, broadcast::Sender<DialogEvent>>>>;

/// The channels of watched dialogs.
#[derive(Debug, Default)]
pub struct DialogNotifier {
    channels: Channels,
}

impl DialogNotifier {
    /// Starts watching `dialog`: every event published from now on reaches the watch.
    pub fn watch(&self, dialog: DialogId) -> DialogWatch {
        let mut channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        let receiver = channels
            .entry(dialog)
            .or_insert_with(|| broadcast::channel(CAPACITY).0)
            .subscribe();
        DialogWatch {
            dialog,
            receiver,
            channels: Arc::clone(&self.channels),
        }
    }

    /// Tells the watchers of `dialog`, if any, of the event `event` builds (only built when
    /// someone watches).
    pub fn publish(&self, dialog: DialogId, event: impl FnOnce() -> DialogEvent) {
        let channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(sender) = channels.get(&dialog) {
            // An error means nobody listens any more; the last watch's drop removes the entry.
            let _ = sender.send(event());
        }
    }

    /// How many dialogs are watched (for tests).
    pub fn watched(&self) -> usize {
        self.channels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// A subscription to one dialog's events; dropping it unsubscribes.
#[derive(Debug)]
pub struct DialogWatch {
    dialog: DialogId,
    receiver: broadcast::Receiver<DialogEvent>,
    channels: Channels,
}

impl DialogWatch {
    /// The dialog watched.
    pub fn dialog(&self) -> DialogId {
        self.dialog
    }

    /// The next event; waits until one is published.
    pub async fn next(&mut self) -> DialogEvent {
        match self.receiver.recv().await {
            Ok(event) => event,
            Err(broadcast::error::RecvError::Lagged(_)) => DialogEvent::Missed,
            // The notifier keeps the sender while any watch lives, so this does not happen;
            // if it did, the watcher re-reads and waits out its deadline.
            Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
        }
    }
}

impl Drop for DialogWatch {
    fn drop(&mut self) {
        let mut channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        // This watch's receiver is still alive here: one receiver left means it was the last.
        if channels
            .get(&self.dialog)
            .is_some_and(|sender| sender.receiver_count() <= 1)
        {
            channels.remove(&self.dialog);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn watchers_get_events_and_the_last_drop_forgets_the_dialog() {
        let notifier = DialogNotifier::default();
        notifier.publish(DialogId(1), || DialogEvent::Typing(true));
        let mut first = notifier.watch(DialogId(1));
        let mut second = notifier.watch(DialogId(1));
        let other = notifier.watch(DialogId(2));
        assert_eq!(notifier.watched(), 2);
        notifier.publish(DialogId(1), || DialogEvent::Typing(true));
        assert_eq!(first.next().await, DialogEvent::Typing(true));
        assert_eq!(second.next().await, DialogEvent::Typing(true));
        drop(first);
        assert_eq!(notifier.watched(), 2);
        drop(second);
        drop(other);
        assert_eq!(notifier.watched(), 0);
    }

    #[tokio::test]
    async fn a_watcher_that_falls_behind_is_told() {
        let notifier = DialogNotifier::default();
        let mut watch = notifier.watch(DialogId(7));
        for _ in 0..=CAPACITY {
            notifier.publish(DialogId(7), || DialogEvent::Typing(false));
        }
        assert_eq!(watch.next().await, DialogEvent::Missed);
        assert_eq!(watch.dialog(), DialogId(7));
    }
}
