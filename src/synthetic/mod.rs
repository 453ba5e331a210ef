//! Deterministic synthetic data: a province of facilities and treatment episodes that pass
//! first-layer validation. Tests, the demo and the benchmarks all use this one generator.

mod episodes;
pub mod province;

pub use episodes::{EpisodeGenerator, GenOptions};
