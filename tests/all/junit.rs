//! Integration tests: junit.
