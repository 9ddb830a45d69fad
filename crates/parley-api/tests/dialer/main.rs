//! The dialer in process, over the real store and the simulated line at time scale 0: contacts
//! are called within the rules, retried, finished, and every attempt leaves its record.

#[path = "../common/mod.rs"]
mod common;

mod calls;
mod nodes;
mod rules;
