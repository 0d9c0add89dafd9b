//! The words of the signed-in areas (sign-in, the portal) in zh-CN and en.

use crate::{bookings::BookingState, values::Lang};

crate::words::catalogue! {
    /// Every fixed text of the signed-in pages, in one language.
    pub struct Words in "portal" {
        yes,
        no,
        site,
        skip,
        switch_label,
        sign_in,
        sign_out,
        register,
        portal,
        public_site,
        account,
        error_summary,
        required,
        email,
        password,
        password_hint,
        current_password,
        new_password,
        forgot_password,
        no_account,
        have_account,
        wrong_login,
        too_many_logins,
        organization_kind,
        kind_brand,
        kind_brand_hint,
        kind_organizer,
        kind_organizer_hint,
        kind_vendor,
        kind_vendor_hint,
        organization_name,
        display_name,
        create_account,
        email_taken,
        forgot_title,
        forgot_help,
        send_reset_link,
        reset_sent,
        reset_title,
        reset_dead,
        set_password,
        password_set,
        change_password,
        password_changed,
        language,
        save,
        welcome,
        next_step,
        bookings,
        apply_for_slot,
        no_bookings,
        open,
        public_page,
        state,
        venue,
        when,
        choose_venue,
        core_showcases,
        main_showcases,
        other_venues,
        capacity,
        indoor,
        outdoor,
        choose_time,
        venue_time,
        previous_week,
        next_week,
        free,
        busy,
        closed,
        pick_hint,
        details,
        title_zh,
        title_en,
        title_hint,
        description_zh,
        description_en,
        format,
        reach,
        brand_name,
        brand_name_hint,
        expected_attendance,
        starts_at,
        ends_at,
        time_hint,
        setup_minutes,
        teardown_minutes,
        minutes_hint,
        contact_name,
        contact_email,
        contact_phone,
        save_draft,
        submit_for_review,
        submit_anyway,
        withdraw,
        edit,
        request_change,
        clash_title,
        clash_text,
        suggestions,
        use_slot,
        at_other_venue,
        timeline,
        comments,
        no_comments,
        comment,
        send,
        staff,
        images,
        poster,
        /// An image added after approval, not public until staff approve it.
        awaiting_review,
        image_file,
        image_alt,
        upload,
        remove,
        no_images,
        pending_change,
        cancel_reason,
        saved,
        submitted_note,
        withdrawn_note,
        commented_note,
        removed_note,
        calendar_feed,
        calendar_feed_help,
        renew,
        revoke,
        create_feed,
        organization,
        rename,
        logo,
        no_logo,
        members,
        owner,
        member,
        you,
        invite,
        invite_help,
        send_invitation,
        invited,
        pending_invitations,
        expires,
        withdraw_invitation,
        join,
        join_help,
        invitation_dead,
        invitation_other_account,
        removed,
        awards,
        apply_for_award,
        no_awards,
        fund,
        no_open_fund,
        store_name,
        mall,
        no_mall,
        address,
        address_hint,
        tier,
        cap,
        opening_date,
        floor_area,
        investment,
        requested,
        money_hint,
        statement,
        evidence,
        evidence_help,
        award,
        clawed_back,
        alternatives,
        alternative,
        console,
        queue,
        timeline_nav,
        venues_nav,
        markets_nav,
        reports_nav,
        staff_nav,
        refused_title,
        form_expired,
        too_large_title,
        too_large,
        form_unreadable,
        too_many_title,
        go_back,
        home,
        not_found_title,
        not_found,
        forbidden_title,
        forbidden,
        gone_title,
        gone,
        unavailable_title,
        unavailable,
        broken_title,
        broken,
        bad_request_title,
        bad_request,
    }
}

pub fn words(lang: Lang) -> &'static Words {
    Words::of(lang)
}

crate::words::catalogue! {
    /// What the applicant for a slot does next, in one sentence per state.
    pub struct BookingNextWords in "booking-next" {
        draft,
        submitted,
        changes_requested,
        approved,
        /// Approved, with a change under review.
        approved_change_pending,
        rejected,
        withdrawn,
        cancelled,
    }
}

crate::words::catalogue! {
    /// What the applicant for an award does next, in one sentence per state.
    pub struct AwardNextWords in "award-next" {
        draft,
        submitted,
        changes_requested,
        approved,
        rejected,
    }
}

/// What a booking's history entry says happened: a state it moved to, or a verdict on an image
/// added after approval (`media::review_booking_image`).
pub fn history_label(lang: Lang, to_state: &str) -> &'static str {
    let w = crate::bookings::StateWords::of(lang);
    match to_state {
        "image_approved" => w.image_approved,
        "image_rejected" => w.image_rejected,
        _ => BookingState::parse(to_state).map(|s| state_label(lang, s).0).unwrap_or(""),
    }
}

/// A state as a word and a shape, never colour alone.
pub fn state_label(lang: Lang, state: BookingState) -> (&'static str, &'static str) {
    use BookingState::*;
    let word = state.label(lang);
    let shape = match state {
        Draft => "○",
        Submitted => "◐",
        ChangesRequested => "●",
        Approved => "✓",
        Rejected | Cancelled => "✕",
        Withdrawn => "–",
    };
    (word, shape)
}

/// What the applicant does next, in one sentence.
pub fn next_step(lang: Lang, state: BookingState, change_pending: bool) -> &'static str {
    use BookingState::*;
    let w = BookingNextWords::of(lang);
    match (state, change_pending) {
        (Approved, true) => w.approved_change_pending,
        (Draft, _) => w.draft,
        (Submitted, _) => w.submitted,
        (ChangesRequested, _) => w.changes_requested,
        (Approved, false) => w.approved,
        (Rejected, _) => w.rejected,
        (Withdrawn, _) => w.withdrawn,
        (Cancelled, _) => w.cancelled,
    }
}

/// An incentive application's state as a word and a shape.
pub fn application_state_label(
    lang: Lang,
    state: crate::incentives::ApplicationState,
) -> (&'static str, &'static str) {
    use crate::incentives::ApplicationState as S;
    let as_booking = match state {
        S::Draft => BookingState::Draft,
        S::Submitted => BookingState::Submitted,
        S::Approved => BookingState::Approved,
        S::Rejected => BookingState::Rejected,
        S::ChangesRequested => BookingState::ChangesRequested,
    };
    state_label(lang, as_booking)
}

/// What the applicant for an award does next.
pub fn application_next_step(lang: Lang, state: crate::incentives::ApplicationState) -> &'static str {
    use crate::incentives::ApplicationState as S;
    let w = AwardNextWords::of(lang);
    match state {
        S::Draft => w.draft,
        S::Submitted => w.submitted,
        S::ChangesRequested => w.changes_requested,
        S::Approved => w.approved,
        S::Rejected => w.rejected,
    }
}
