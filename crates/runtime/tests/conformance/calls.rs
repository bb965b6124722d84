//! Conformance: calls.
use crate::common::*;
