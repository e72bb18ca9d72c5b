//! Percentiles and statistical tests.
