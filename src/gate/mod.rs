//! gate (to come).
