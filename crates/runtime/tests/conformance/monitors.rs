//! Conformance: monitors.
use crate::common::*;
