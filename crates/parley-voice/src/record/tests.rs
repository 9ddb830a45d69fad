//! Tests of the recordings.
