//! Conformance: timers.
use crate::common::*;
