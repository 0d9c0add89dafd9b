//! The tags that group operations in the OpenAPI document, one per domain.

use poem_openapi::Tags;

#[derive(Tags)]
pub enum ApiTags {
    /// Registration, login and organizations.
    Accounts,
    /// The showcase venues.
    Venues,
    /// Applications for venues and their review.
    Bookings,
    /// First-store incentive funds, applications and awards.
    Incentives,
    /// Calls for debuts: publishing, applying, blind scoring.
    Calls,
    /// Pop-up and night markets: dates, stall plans, vendor applications and stalls.
    Markets,
    /// Event figures and the programme report.
    Reports,
    /// Public events and calendar feeds.
    Events,
    /// Logos, booking images and venue photos.
    Media,
}
