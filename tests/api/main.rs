//! Integration tests: the real server over a socket, on SQLite (default) or PostgreSQL
//! (`TEST_DATABASE_URL`). One binary, one module per domain.

mod accounts;
mod cli;
mod helpers;
mod platform;
mod venues;
