//! The words of the subscription pages in zh-CN and en.

use crate::values::Lang;

crate::words::catalogue! {
    pub struct SubscriptionWords in "subscribe" {
        title,
        intro,
        email_hint,
        language,
        follows,
        follows_hint,
        venue_kind,
        any,
        markets_only,
        also,
        submit,
        privacy,
        every_event,
        filter_gone,
        sent_title,
        sent_body,
        confirm_title,
        confirm_body,
        confirm_button,
        link_dead,
        subscribe_again,
        page_title,
        status,
        pending,
        active,
        ended,
        confirmed_notice,
        unsubscribe_button,
        unsubscribe_help,
        unsubscribe_every_help,
        unsubscribed_notice,
        no_such,
        see_events,
    }
}

pub fn words(lang: Lang) -> &'static SubscriptionWords {
    SubscriptionWords::of(lang)
}
