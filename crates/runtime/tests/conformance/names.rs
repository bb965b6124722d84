//! Conformance: names.
use crate::common::*;
