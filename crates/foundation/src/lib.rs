//! The system under test: a Rust port of the Foundation agent-coordination layer.
//!
//! (Components arrive module by module.)

pub mod agent;
pub mod api;
pub mod app;
pub mod config;
pub mod coordinator;
pub mod durable;
pub mod events;
pub mod flaws;
pub mod manager;
pub mod protocol;
pub mod task;
pub mod workflow;

pub use config::Config;
pub use flaws::{Flaw, Flaws};
pub use task::{Behavior, TaskId, TaskOutcome, TaskSpec, TaskType};
