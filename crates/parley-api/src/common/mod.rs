//! What every face shares: the face-neutral error and its rendering layer, authentication
//! extractors, body/query/path extractors with enveloped rejections, id references, pagination
//! the client address, and file downloads and uploads.

pub mod auth;
pub mod client;
pub mod error;
pub mod files;
pub mod ids;
pub mod json;
pub mod pagination;
pub mod query;
