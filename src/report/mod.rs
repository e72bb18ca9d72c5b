//! report (to come).
