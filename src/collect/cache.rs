//! The local SQLite cache (stub; see issue 3).
