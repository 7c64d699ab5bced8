//! The persistent index, through its API: batches decided as one scan,
//! and what its store keeps and refuses.

#[path = "../../../doublet/tests/it/fixtures.rs"]
#[allow(dead_code)]
mod fixtures;

mod batches;
mod store;
