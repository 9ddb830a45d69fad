//! The HTTP faces: Parley's own API and, beside it, the vendor-compatible APIs. Faces share
//! `crate::common` and never import one another.

pub mod botone;
pub mod is74;
pub mod native;
pub mod neuro;
pub mod twin;
