//! A clash group: the pending bookings that want the same venue at overlapping times, side by
//! side, decided together.

use crate::console::Staff;
use crate::web::form::LongForm;
use std::collections::BTreeMap;

use askama::Template;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Query},
};
use serde::Deserialize;

use crate::console::words::{ConsoleWords, console_words};
use crate::{
    bookings::{Action, service},
    error::ApiError,
    pages::i18n,
    state::AppState,
    values::Zone,
    web::{Csrf, Shell, Words, language, page, see_other, words::words},
};

/// A request drawn on the group's shared time axis.
pub struct Bar {
    pub id: i64,
    pub title: String,
    pub when: String,
    pub x: f64,
    pub width: f64,
    pub y: f64,
    pub text_y: f64,
}

#[derive(Template)]
#[template(path = "console/group.html")]
pub(super) struct GroupPage {
    shell: Shell,
    w: &'static Words,
    c: &'static ConsoleWords,
    ids: String,
    bars: Vec<Bar>,
    height: f64,
    reject_message: &'static str,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GroupQuery {
    ids: String,
}

fn parse_ids(raw: &str) -> Vec<i64> {
    raw.split(',').filter_map(|s| s.trim().parse().ok()).take(20).collect()
}

/// `GET /staff/queue/group?ids=…`: the competing requests on one timeline, and one decision
/// for all of them.
#[handler]
pub async fn group(
    req: &Request,
    state: Data<&AppState>,
    Query(query): Query<GroupQuery>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    let lang = language(req);
    let (w, c, csrf) = (words(lang), console_words(lang), Csrf::of(req, &state));
    let mut bookings = Vec::new();
    for id in parse_ids(&query.ids) {
        let row = service::load_visible(&state, &me.principal, id).await?;
        bookings.push(service::view(&row, &me.principal)?);
    }
    if bookings.is_empty() {
        return Err(ApiError::invalid("ids", crate::error::Invalid::new("group-bookings")).into());
    }
    let start = bookings.iter().map(|b| b.starts_at).min().expect("not empty");
    let end = bookings.iter().map(|b| b.ends_at).max().expect("not empty");
    let span = (end - start).num_seconds().max(1) as f64;
    let tz = Zone::parse(&bookings[0].zone).map(Zone::tz).unwrap_or_default();
    let bars = bookings
        .iter()
        .enumerate()
        .map(|(i, b)| Bar {
            id: b.id,
            title: lang.pick(&b.title_zh, &b.title_en).to_owned(),
            when: i18n::span(lang, b.starts_at, b.ends_at, tz),
            x: 10.0 + 580.0 * (b.starts_at - start).num_seconds() as f64 / span,
            width: (580.0 * (b.ends_at - b.starts_at).num_seconds() as f64 / span).max(4.0),
            y: 10.0 + 50.0 * i as f64,
            text_y: 10.0 + 50.0 * i as f64 + 40.0,
        })
        .collect();
    let shell = Shell::new(req, lang, c.clash_group, &csrf, Some(&me));
    let height = 20.0 + 50.0 * bookings.len() as f64;
    let template = GroupPage {
        shell,
        w,
        c,
        ids: query.ids.clone(),
        bars,
        height,
        reject_message: c.group_message_reject,
    };
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

/// The group decision: which one to approve, and for each other one its action and message
/// (`action_{id}`, `note_{id}`).
#[handler]
pub async fn decide_group(
    state: Data<&AppState>,
    LongForm(form): LongForm<BTreeMap<String, String>>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    let ids = parse_ids(form.get("ids").map_or("", String::as_str));
    let approve: i64 = form
        .get("approve")
        .and_then(|v| v.parse().ok())
        .filter(|id| ids.contains(id))
        .ok_or_else(|| ApiError::invalid("approve", crate::error::Invalid::new("choose-approved")))?;
    // Approve first: if it cannot be approved (a clash with an approved booking), nothing else
    // is decided either.
    service::act(
        &state,
        &me.principal,
        approve,
        Action::Approve,
        form.get("note_approve").map_or("", String::as_str),
    )
    .await?;
    for id in ids.into_iter().filter(|id| *id != approve) {
        let action = match form.get(&format!("action_{id}")).map(String::as_str) {
            Some("request-changes") => Action::RequestChanges,
            _ => Action::Reject,
        };
        let note = form.get(&format!("note_{id}")).map_or("", String::as_str);
        service::act(&state, &me.principal, id, action, note).await?;
    }
    Ok(see_other("/staff/queue?done=decided", vec![]))
}
