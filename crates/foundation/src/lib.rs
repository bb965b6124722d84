//! The system under test: a Rust port of the Foundation agent-coordination layer.
//!
//! (Components arrive module by module.)

pub mod config;
pub mod flaws;

pub use config::Config;
pub use flaws::{Flaw, Flaws};
