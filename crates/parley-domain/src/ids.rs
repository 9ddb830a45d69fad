//! Integer id newtypes for every entity; each entity also carries a UUID (v7) that some faces show instead.

use std::fmt;
use std::str::FromStr;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse().map(Self)
            }
        }
    )*};
}

id_type!(
    /// A company (tenant).
    CompanyId,
    /// A user of a company.
    UserId,
    /// An agent (bot).
    AgentId,
    /// A dialog (conversation or call dialog).
    DialogId,
    /// A message in a dialog.
    MessageId,
    /// A file uploaded into a dialog.
    FileId,
    /// An outbound calling campaign (Neuro.net bulk, Twin24 task, is74 campaign).
    CampaignId,
    /// One call attempt.
    CallId,
);

pub use uuid::Uuid;

/// A reference to an object by either of its identities, as faces receive them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref<I> {
    /// The integer id.
    Id(I),
    /// The UUID.
    Uuid(Uuid),
}

impl<I: fmt::Display> fmt::Display for Ref<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ref::Id(id) => id.fmt(f),
            Ref::Uuid(uuid) => uuid.fmt(f),
        }
    }
}

impl<I: FromStr> Ref<I> {
    /// Reads `"42"` as an id and a UUID string as a UUID; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Ok(uuid) = Uuid::parse_str(text) {
            return Some(Ref::Uuid(uuid));
        }
        text.parse().ok().map(Ref::Id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_parse_ids_and_uuids() {
        assert_eq!(Ref::<AgentId>::parse(" 42 "), Some(Ref::Id(AgentId(42))));
        let uuid = "0190f5c8-7d2a-7cc0-8a55-8f6f4a3b2c1d";
        assert_eq!(
            Ref::<AgentId>::parse(uuid),
            Some(Ref::Uuid(Uuid::parse_str(uuid).unwrap_or_default()))
        );
        assert_eq!(Ref::<AgentId>::parse("abc"), None);
    }
}
