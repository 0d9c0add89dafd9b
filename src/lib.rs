//! Debut: the event platform of a city district's commerce office — debut launches in its
//! showcase venues, first-store incentives and pop-up markets.
//!
//! A map of the crate, one module per domain (each owns its types, storage and API):

/// Organizations, users, roles, login tokens and throttling.
pub mod accounts;
/// The audit trail and comments of reviewed records.
pub mod audit;
/// Brands' and organizers' venue bookings, review, and conflict-free approval.
pub mod bookings;
/// Public events, iCal and RSS feeds, and their HTTP caching.
pub mod calendar;
/// The injected clock that business rules and tests share.
pub mod clock;
/// Runtime settings built from CLI flags and the environment.
pub mod config;
/// The SQLite/PostgreSQL pool, transactions and migrations.
pub mod db;
/// Demo data for `debut serve --demo`.
pub mod demo;
/// The error vocabulary and its `application/problem+json` rendering.
pub mod error;
/// The HTTP server: state, routes, middleware, OpenAPI composition.
pub mod http;
/// First-store incentive funds, applications, awards and the ledger.
pub mod incentives;
/// Uploaded images: checks, variants, content-addressed storage.
pub mod media;
/// The transactional outbox and notification delivery.
pub mod notifications;
/// The public HTML pages in zh-CN and en.
pub mod pages;
/// Showcase venues with opening hours and blackouts.
pub mod venues;
