//! publish (to come).
