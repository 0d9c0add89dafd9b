//! Debut: the event platform of a city district's commerce office — debut launches in its
//! showcase venues, first-store incentives and pop-up markets.
//!
//! A map of the crate, grouped by layer from the bottom up; a module uses only modules below it.
//! The exact order is `LAYERS` in `tests/api/architecture.rs`, which fails on any reference that
//! points up (and so on any cycle). `docs/ARCHITECTURE.md` walks through it.

// Foundation: knows no domain.

/// The injected clock that business rules and tests share.
pub mod clock;
/// Runtime settings built from CLI flags and the environment.
pub mod config;
/// The SQLite/PostgreSQL pool, transactions and migrations.
pub mod db;
/// The error vocabulary and its `application/problem+json` rendering.
pub mod error;
/// Shared value types: text, e-mail, instants, money, languages, zones, actors.
pub mod values;
/// The two languages and the word catalogue: every text a person reads, in zh-CN and en (Fluent files).
pub mod words;

// Shared machinery the domains build on.

/// The audit trail and comments of reviewed records.
pub mod audit;
/// The response cache for feeds and pages, and the public version that invalidates it.
pub mod cache;
/// HTTP building blocks: the JSON extractor, cursor pagination, OpenAPI tags.
pub mod http;
/// Prometheus metrics: requests, latency, pool, outbox, cache, image jobs.
pub mod metrics;
/// The transactional outbox and notification delivery.
pub mod notifications;
/// What every request handler can reach (database, clock, settings, cache).
pub mod state;

// Domains, each owning its types, storage and API.

/// Organizations, users, roles, login tokens and throttling.
pub mod accounts;
/// Brands' and organizers' venue bookings, review, and conflict-free approval.
pub mod bookings;
/// Public events, iCal and RSS feeds.
pub mod calendar;
/// Calls for debuts: the office's open invitations, applications and blind scoring.
pub mod calls;
/// The staff console: review queue and clash groups, venue timeline, funds.
pub mod console;
/// First-store incentive funds, applications, awards and the ledger.
pub mod incentives;
/// Pop-up and night markets: dates, stall plans, vendor calls, stalls and fees.
pub mod markets;
/// Uploaded images: checks, variants, content-addressed storage, and who may upload what.
pub mod media;
/// The public HTML pages in zh-CN and en.
pub mod pages;
/// The brand and organizer portal: apply for debut slots and follow them in the browser.
pub mod portal;
/// Event figures and the programme report: the office's year in numbers.
pub mod reports;
/// E-mail subscriptions to new events: double opt-in, a weekly digest, one-click unsubscribe.
pub mod subscriptions;
/// Showcase venues with opening hours and blackouts.
pub mod venues;
/// The signed-in HTML areas' shared parts: session cookie, CSRF, layout, sign-in pages.
pub mod web;

// The top: composition.

/// Demo data for `debut serve --demo`.
pub mod demo;
/// Routes, the OpenAPI document, the server and shutdown; only `main.rs` and tests import it.
pub mod startup;
