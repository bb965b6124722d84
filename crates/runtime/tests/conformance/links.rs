//! Conformance: links.
use crate::common::*;
