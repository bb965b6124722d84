//! Conformance: nodes.
use crate::common::*;
