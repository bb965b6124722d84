//! Conformance: messages.
use crate::common::*;
