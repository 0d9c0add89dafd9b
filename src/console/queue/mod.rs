//! The review queue (`/staff/queue`), clash groups decided in one action
//! (`/staff/queue/group`), staged decisions released together, and a booking's review page
//! (`/staff/bookings/{id}`) with comments, internal notes and history.

use crate::console::Staff;
use crate::web::form::Form;
use std::collections::BTreeMap;

use askama::Template;
use chrono::{DateTime, Utc};
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Query},
};
use serde::Deserialize;

use super::words::{ConsoleWords, console_words};
use crate::{
    bookings::{
        Action, Format, Reach,
        service::{self, QueueItem},
        store::{self as booking_store, BookingFilter},
    },
    pages::i18n,
    state::AppState,
    values::{Lang, Zone, time::parse_time},
    venues,
    web::{Csrf, CsrfForm, Errors, Shell, Words, language, page, see_other, words::words},
};

pub mod clash_group;
pub mod review;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct QueueQuery {
    venue: String,
    format: String,
    reach: String,
    from: String,
    to: String,
    done: Option<String>,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A labelled filter.
pub struct Select {
    pub id: &'static str,
    pub label: &'static str,
    pub options: Vec<Choice>,
}

pub struct Row {
    pub id: i64,
    pub href: String,
    pub title: String,
    pub venue: String,
    pub when: String,
    pub reach: &'static str,
    pub attendance: i64,
    pub age: String,
    pub clashes: Vec<String>,
    pub staged: Option<&'static str>,
}

pub struct Group {
    pub venue: String,
    pub when: String,
    pub href: String,
    pub rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "console/queue.html")]
struct QueuePage {
    shell: Shell,
    w: &'static Words,
    c: &'static ConsoleWords,
    selects: Vec<Select>,
    from: String,
    to: String,
    groups: Vec<Group>,
    singles: Vec<Row>,
    staged: usize,
}

fn action_word(c: &ConsoleWords, action: Action) -> &'static str {
    match action {
        Action::Approve => c.approve,
        Action::Reject => c.reject,
        Action::RequestChanges => c.request_changes,
        Action::Cancel => c.cancel,
        Action::Submit | Action::Withdraw => "",
    }
}

fn row(
    lang: Lang,
    c: &ConsoleWords,
    item: &QueueItem,
    venue: &str,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Row {
    let b = &item.booking;
    let content = b.pending_change.as_ref();
    let (start, end) = content.map_or((b.starts_at, b.ends_at), |p| (p.starts_at, p.ends_at));
    Row {
        id: b.id,
        href: format!("/staff/bookings/{}", b.id),
        title: lang.pick(&b.title_zh, &b.title_en).to_owned(),
        venue: venue.to_owned(),
        when: i18n::span(lang, start, end, tz),
        reach: i18n::reach_name(lang, b.reach),
        attendance: b.expected_attendance,
        age: super::words::age(lang, (now - b.submitted_at.unwrap_or(b.updated_at)).num_days()),
        clashes: item
            .clashes
            .iter()
            .map(|k| {
                format!("#{} {}", k.id.unwrap_or_default(), i18n::span(lang, k.starts_at, k.ends_at, tz))
            })
            .collect(),
        staged: b.staged_decision.as_ref().map(|s| action_word(c, s.action)),
    }
}

/// Groups queue items that compete for one venue's time: connected by pending clashes.
fn clash_groups(items: &[QueueItem]) -> Vec<Vec<usize>> {
    let index: BTreeMap<i64, usize> =
        items.iter().enumerate().map(|(i, item)| (item.booking.id, i)).collect();
    let mut parent: Vec<usize> = (0..items.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (i, item) in items.iter().enumerate() {
        for clash in &item.clashes {
            if let Some(&j) = clash.id.and_then(|id| index.get(&id)) {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                parent[a] = b;
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..items.len() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
    groups.sort_by_key(|g| g[0]);
    groups
}

/// `GET /staff/queue`: submitted bookings and change requests, oldest first, clash groups
/// together.
#[handler]
pub async fn queue(
    req: &Request,
    state: Data<&AppState>,
    Query(query): Query<QueueQuery>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    let lang = language(req);
    let (w, c, csrf) = (words(lang), console_words(lang), Csrf::of(req, &state));
    let tz = Zone::default().tz();
    let all = venues::store::list(
        &state.db,
        &venues::store::VenueFilter { include_archived: true, ..Default::default() },
        0,
        100,
    )
    .await?;
    let mut errors = Vec::new();
    let mut bound = |field: &str, raw: &str| -> Option<DateTime<Utc>> {
        if raw.trim().is_empty() {
            return None;
        }
        parse_time(&format!("{}T00:00", raw.trim()), tz)
            .map_err(|m| errors.push(crate::error::FieldError::new(field, m)))
            .ok()
    };
    let filter = BookingFilter {
        venue_id: all.iter().find(|v| v.slug == query.venue).map(|v| v.id),
        format: Format::parse(&query.format).ok(),
        reach: Reach::parse(&query.reach).ok(),
        from: bound("from", &query.from),
        to: bound("to", &query.to),
        ..Default::default()
    };
    let items = service::review_queue(&state, &me.principal, &filter, 200).await?;
    let now = state.now();
    let venue_name = |id: i64| {
        all.iter()
            .find(|v| v.id == id)
            .map_or_else(String::new, |v| lang.pick(&v.name_zh, &v.name_en).to_owned())
    };
    let (mut groups, mut singles) = (Vec::new(), Vec::new());
    for members in clash_groups(&items) {
        let rows: Vec<Row> = members
            .iter()
            .map(|&i| row(lang, c, &items[i], &venue_name(items[i].booking.venue_id), now, tz))
            .collect();
        if rows.len() > 1 {
            let first = &items[members[0]].booking;
            let ids: Vec<String> = members.iter().map(|&i| items[i].booking.id.to_string()).collect();
            groups.push(Group {
                venue: venue_name(first.venue_id),
                when: rows[0].when.clone(),
                href: format!("/staff/queue/group?ids={}", ids.join(",")),
                rows,
            });
        } else {
            singles.extend(rows);
        }
    }
    let choices = |values: Vec<(String, String)>, selected: &str| -> Vec<Choice> {
        values
            .into_iter()
            .map(|(value, label)| Choice { selected: value == selected, value, label })
            .collect()
    };
    let staged = booking_store::staged(&state.db).await?.len();
    let shell = Shell::new(req, lang, w.queue, &csrf, Some(&me))
        .with_errors(Errors::from_fields(errors, lang))
        .with_notice(match query.done.as_deref() {
            Some("released") => Some(c.released),
            Some("decided") => Some(c.decided),
            _ => None,
        });
    let template = QueuePage {
        shell,
        w,
        c,
        selects: vec![
            Select {
                id: "venue",
                label: c.venue,
                options: choices(
                    all.iter()
                        .map(|v| (v.slug.clone(), lang.pick(&v.name_zh, &v.name_en).to_owned()))
                        .collect(),
                    &query.venue,
                ),
            },
            Select {
                id: "format",
                label: c.format,
                options: choices(
                    Format::ALL
                        .iter()
                        .map(|f| (f.as_str().to_owned(), i18n::format_name(lang, *f).to_owned()))
                        .collect(),
                    &query.format,
                ),
            },
            Select {
                id: "reach",
                label: c.reach,
                options: choices(
                    Reach::ALL
                        .iter()
                        .map(|r| (r.as_str().to_owned(), i18n::reach_name(lang, *r).to_owned()))
                        .collect(),
                    &query.reach,
                ),
            },
        ],
        from: query.from.clone(),
        to: query.to.clone(),
        groups,
        singles,
        staged,
    };
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

/// `POST /staff/queue/release`: applies every staged decision, each on its own.
#[handler]
pub async fn release(state: Data<&AppState>, _: Form<CsrfForm>, Staff(me): Staff) -> poem::Result<Response> {
    service::release(&state, &me.principal, None).await?;
    Ok(see_other("/staff/queue?done=released", vec![]))
}
