//! Integration tests of the engine.

mod clean;
mod determinism;
mod eval;
mod fixtures;
mod options;
mod planted;
mod reuse;
mod scores;
mod seeds;
