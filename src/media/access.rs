//! Who may see and change the images of each kind of owner: the one place for the rule, used by
//! the API and by the pages.

use super::ImageOwner;
use crate::{
    accounts::Principal,
    bookings,
    error::{ApiError, ApiResult},
    incentives, markets,
    state::AppState,
    venues,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Change,
}

/// `Ok` when `principal` may have `access` to `owner`'s images. An owner the caller may not see
/// is "not found"; one it sees but may not change is "forbidden", with who may.
pub async fn authorize(
    state: &AppState,
    principal: &Principal,
    owner: ImageOwner,
    access: Access,
) -> ApiResult<()> {
    match owner {
        // Logos are public; members change their own organization's.
        ImageOwner::OrganizationLogo(organization_id) => match access {
            Access::Read => Ok(()),
            Access::Change if principal.acts_for(organization_id) => Ok(()),
            Access::Change if principal.is_staff() => {
                Err(ApiError::forbidden(crate::error::Refusal::new("members-only-logo")))
            }
            Access::Change => Err(ApiError::not_found(format!("Organization {organization_id}"))),
        },
        // Those who may see the booking see its images; its applicant changes them.
        ImageOwner::Booking(booking_id) => {
            let row = bookings::service::load_visible(state, principal, booking_id).await?;
            if access == Access::Change && !principal.acts_for(row.organization_id) {
                return Err(ApiError::forbidden(crate::error::Refusal::new("applicant-only-images")));
            }
            Ok(())
        }
        // Figures' photos: those who see the booking see them; its organization and staff change
        // them (staff correct figures).
        ImageOwner::EventFigures(booking_id) => {
            let row = bookings::service::load_visible(state, principal, booking_id).await?;
            if access == Access::Change && !principal.acts_for(row.organization_id) && !principal.is_staff() {
                return Err(ApiError::forbidden(crate::error::Refusal::new("figures-photos")));
            }
            Ok(())
        }
        // Evidence: the applicant and staff see it; the applicant changes it.
        ImageOwner::IncentiveEvidence(application_id) => {
            let row = incentives::service::load_visible(state, principal, application_id).await?;
            if access == Access::Change && !principal.acts_for(row.organization_id) {
                return Err(ApiError::forbidden(crate::error::Refusal::new("applicant-only-evidence")));
            }
            Ok(())
        }
        // The vendor changes its application's images; the vendor, the market's organizer and
        // staff see them (photos also show on the public page once the vendor is accepted).
        ImageOwner::MarketApplication(id) | ImageOwner::MarketPermit(id) => {
            let (_, row) = markets::service::load_application(state, principal, id).await?;
            if access == Access::Change && !principal.acts_for(row.organization_id) {
                return Err(ApiError::forbidden(crate::error::Refusal::new("vendor-only-images")));
            }
            Ok(())
        }
        // Venue photos are public; staff change them.
        ImageOwner::Venue(venue_id) => {
            if access == Access::Change {
                principal.require_staff()?;
            }
            venue_exists(state, venue_id).await
        }
    }
}

pub async fn venue_exists(state: &AppState, venue_id: i64) -> ApiResult<()> {
    venues::store::find(&state.db, venue_id)
        .await?
        .map(|_| ())
        .ok_or_else(|| ApiError::not_found(format!("Venue {venue_id}")))
}
