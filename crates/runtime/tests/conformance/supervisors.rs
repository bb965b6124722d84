//! Conformance: supervisors.
use crate::common::*;
