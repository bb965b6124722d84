//! The OTP conformance suite: one test per rule, each named for the rule it checks.
//!
//! Assertions run in the test's driver future, never inside a process: a panic in a
//! process is that process's crash, not a test failure. Processes report what they
//! saw through a [`common::Log`].

mod common;

mod calls;
mod links;
mod messages;
mod monitors;
mod names;
mod nodes;
mod supervisors;
mod timers;
