//! Supervisors (to come).
