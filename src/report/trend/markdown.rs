//! The trend issue body.
