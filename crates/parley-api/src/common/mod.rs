//! What every face shares: the face-neutral error and its rendering layer, authentication
//! extractors, body/query/path extractors with enveloped rejections, id references, pagination
//! and the client address.

pub mod auth;
pub mod client;
pub mod error;
pub mod ids;
pub mod json;
pub mod pagination;
pub mod query;
