//! Integration tests: the real server over a socket, on SQLite (default) or PostgreSQL
//! (`TEST_DATABASE_URL`). One binary, one module per domain.

mod accounts;
mod architecture;
mod backup;
mod bookings;
mod calendar;
mod cli;
mod concurrency;
mod connections;
mod contract;
mod forms;
mod hardening;
mod helpers;
mod incentives;
mod limits;
mod market_portal;
mod markets;
mod media;
mod metrics;
mod notifications;
mod outages;
mod pages;
mod platform;
mod portal;
mod programme;
mod public_output;
mod scale_out;
mod security;
mod staff_security;
mod subscriptions;
mod venues;
mod words;
