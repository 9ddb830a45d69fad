//! Tests of the simulated line.
