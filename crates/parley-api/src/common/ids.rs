//! Object references as clients send them: an integer id or a UUID, in a path or a JSON body.

use std::fmt;
use std::str::FromStr;

use parley_domain::ErrorKind;
use parley_domain::ids::{Ref, Uuid};
use serde::de::{self, Deserializer, Visitor};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};

use crate::common::error::ApiError;

/// Reads `text` as a reference to a `what` (`"agent"`): an integer id or a UUID.
pub fn parse_ref<I: FromStr>(what: &str, text: &str) -> Result<Ref<I>, ApiError> {
    Ref::parse(text).ok_or_else(|| {
        ApiError::new(
            ErrorKind::InvalidInput,
            format!("`{text}` is not a valid {what} reference (expected an integer id or a UUID)"),
        )
    })
}

/// A JSON value that refers to an object: `42`, `"42"` or `"0190f5c8-…"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnyRef {
    /// An integer id.
    Id(i64),
    /// A UUID.
    Uuid(Uuid),
}

impl AnyRef {
    /// The domain reference, made with the id newtype's constructor: `to_ref(AgentId)`.
    pub fn to_ref<I>(self, id: impl FnOnce(i64) -> I) -> Ref<I> {
        match self {
            AnyRef::Id(n) => Ref::Id(id(n)),
            AnyRef::Uuid(uuid) => Ref::Uuid(uuid),
        }
    }
}

impl<'de> serde::Deserialize<'de> for AnyRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(AnyRefVisitor)
    }
}

struct AnyRefVisitor;

impl Visitor<'_> for AnyRefVisitor {
    type Value = AnyRef;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer id or a UUID")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<AnyRef, E> {
        Ok(AnyRef::Id(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<AnyRef, E> {
        i64::try_from(v)
            .map(AnyRef::Id)
            .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<AnyRef, E> {
        match Ref::<i64>::parse(v) {
            Some(Ref::Id(id)) => Ok(AnyRef::Id(id)),
            Some(Ref::Uuid(uuid)) => Ok(AnyRef::Uuid(uuid)),
            None => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
}

impl utoipa::PartialSchema for AnyRef {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
            )
            .description(Some("An integer id or a UUID"))
            .into()
    }
}

impl utoipa::ToSchema for AnyRef {}

#[cfg(test)]
mod tests {
    use parley_domain::ids::AgentId;

    use super::*;

    #[test]
    fn numbers_numeric_strings_and_uuids() {
        let uuid = "0190f5c8-7d2a-7cc0-8a55-8f6f4a3b2c1d";
        assert_eq!(serde_json::from_str::<AnyRef>("7").unwrap(), AnyRef::Id(7));
        assert_eq!(
            serde_json::from_str::<AnyRef>("\"7\"").unwrap(),
            AnyRef::Id(7)
        );
        assert!(matches!(
            serde_json::from_str::<AnyRef>(&format!("\"{uuid}\"")).unwrap(),
            AnyRef::Uuid(_)
        ));
        let err = serde_json::from_str::<AnyRef>("true")
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected an integer id or a UUID"), "{err}");
        assert_eq!(AnyRef::Id(3).to_ref(AgentId), Ref::Id(AgentId(3)));
        assert_eq!(
            parse_ref::<AgentId>("agent", " 9 ").unwrap(),
            Ref::Id(AgentId(9))
        );
        let err = parse_ref::<AgentId>("agent", "abc").unwrap_err();
        assert_eq!(
            err.message(),
            "`abc` is not a valid agent reference (expected an integer id or a UUID)"
        );
    }
}
