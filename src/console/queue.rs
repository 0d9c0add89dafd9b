//! The review queue (`/staff/queue`), clash groups decided in one action
//! (`/staff/queue/group`), staged decisions released together, and a booking's review page
//! (`/staff/bookings/{id}`) with comments, internal notes and history.

use crate::console::Staff;
use crate::web::form::{Form, LongForm};
use std::collections::BTreeMap;

use askama::Template;
use chrono::{DateTime, Utc};
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde::Deserialize;

use super::words::{ConsoleWords, console_words};
use crate::{
    accounts::store as accounts,
    audit::{self, Subject},
    bookings::{
        Action, BookingState, Format, Reach,
        service::{self, QueueItem},
        store::{self as booking_store, BookingFilter},
    },
    error::{ApiError, ApiResult},
    media,
    pages::i18n,
    state::AppState,
    values::{Lang, Zone, time::parse_time},
    venues,
    web::{Csrf, CsrfForm, Errors, Shell, SignedIn, Words, language, page, see_other, words::words},
};

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
struct GroupPage {
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

pub struct HistoryLine {
    pub when: String,
    pub what: String,
    pub note: String,
}

pub struct CommentLine {
    pub by: String,
    pub when: String,
    pub body: String,
    pub internal: bool,
}

pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

#[derive(Template)]
#[template(path = "console/booking.html")]
struct ReviewPage {
    shell: Shell,
    w: &'static Words,
    c: &'static ConsoleWords,
    id: i64,
    title: String,
    state: &'static str,
    facts: Vec<Fact>,
    clashes: Vec<String>,
    actions: Vec<(&'static str, &'static str)>,
    stageable: bool,
    staged: Option<String>,
    history: Vec<HistoryLine>,
    comments: Vec<CommentLine>,
    public_href: Option<String>,
    awaiting_images: Vec<AwaitingImage>,
}

/// An image added after approval, for staff to approve or reject.
struct AwaitingImage {
    id: i64,
    img: Option<crate::pages::Img>,
}

async fn review_page(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    id: i64,
    errors: Errors,
    notice: Option<&str>,
) -> ApiResult<(ReviewPage, Csrf)> {
    let lang = language(req);
    let (w, c, csrf) = (words(lang), console_words(lang), Csrf::of(req, state));
    let row = service::load_visible(state, &me.principal, id).await?;
    let booking = service::view(&row, &me.principal)?;
    let content = row.pending_change()?.unwrap_or(row.content()?);
    let tz = row.zone.tz();
    let (clashes, _) = service::competition(state, &me.principal, &row, &content).await?;
    let venue = venues::store::find(&state.db, booking.venue_id).await?;
    let organization = accounts::find_organization(&state.db, booking.organization_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let mut facts = vec![
        Fact { label: c.applicant, value: organization },
        Fact {
            label: c.venue,
            value: venue.map_or_else(String::new, |v| lang.pick(&v.name_zh, &v.name_en).to_owned()),
        },
        Fact {
            label: w.when,
            value: format!(
                "{} ({} {}–{} min)",
                i18n::span(lang, booking.starts_at, booking.ends_at, tz),
                c.buffer_note.trim_end_matches('。').trim_end_matches('.'),
                booking.setup_minutes,
                booking.teardown_minutes
            ),
        },
        Fact { label: c.format, value: i18n::format_name(lang, booking.format).into() },
        Fact { label: c.reach, value: i18n::reach_name(lang, booking.reach).into() },
        Fact { label: w.brand_name, value: booking.brand_name.clone() },
        Fact { label: w.expected_attendance, value: booking.expected_attendance.to_string() },
        Fact {
            label: w.contact_name,
            value: format!("{} · {} {}", booking.contact.name, booking.contact.email, booking.contact.phone),
        },
    ];
    if let Some(change) = &booking.pending_change {
        facts.push(Fact {
            label: w.pending_change,
            value: i18n::span(lang, change.starts_at, change.ends_at, tz),
        });
    }
    let under_review = booking.state == BookingState::Submitted || booking.pending_change.is_some();
    let mut actions = Vec::new();
    if under_review {
        actions = vec![("approve", c.approve), ("reject", c.reject)];
        if booking.pending_change.is_none() {
            actions.push(("request-changes", c.request_changes));
        }
    } else if booking.state == BookingState::Approved {
        actions.push(("cancel", c.cancel));
    }
    let mut history = Vec::new();
    for entry in audit::history(&state.db, Subject::Booking(id)).await? {
        let what = crate::web::words::history_label(lang, &entry.to_state);
        history.push(HistoryLine {
            when: entry.at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            what: what.into(),
            note: entry.note,
        });
    }
    let mut comments = Vec::new();
    for entry in audit::comments(&state.db, Subject::Booking(id), true).await? {
        let by = accounts::find_user(&state.db, entry.author_user_id)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_default();
        comments.push(CommentLine {
            by,
            when: entry.at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            body: entry.body,
            internal: entry.internal,
        });
    }
    let mut awaiting_images = Vec::new();
    for image in media::store::list(&state.db, media::ImageOwner::Booking(id)).await? {
        if image.awaiting_review {
            let img = crate::pages::img(&image.variants()?, &image.alt, &state.settings.public_url);
            awaiting_images.push(AwaitingImage { id: image.id, img });
        }
    }
    let shell =
        Shell::new(req, lang, lang.pick(&booking.title_zh, &booking.title_en).to_owned(), &csrf, Some(me))
            .with_errors(errors)
            .with_notice(notice);
    Ok((
        ReviewPage {
            shell,
            w,
            c,
            id,
            title: lang.pick(&booking.title_zh, &booking.title_en).to_owned(),
            state: crate::web::words::state_label(lang, booking.state).0,
            facts,
            clashes: clashes
                .iter()
                .map(|k| {
                    let (id, title) = (k.id.unwrap_or_default(), k.title.as_deref().unwrap_or_default());
                    format!("#{id} {title} · {}", i18n::span(lang, k.starts_at, k.ends_at, tz))
                })
                .collect(),
            actions,
            stageable: under_review,
            staged: booking
                .staged_decision
                .as_ref()
                .map(|s| format!("{} {}", action_word(c, s.action), s.note)),
            history,
            comments,
            public_href: crate::portal::public_href(state, id).await?,
            awaiting_images,
        },
        csrf,
    ))
}

/// `GET /staff/bookings/{id}`.
#[handler]
pub async fn review(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    let (template, csrf) = review_page(req, &state, &me, id, Errors::default(), None).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

async fn problem(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    id: i64,
    err: ApiError,
) -> poem::Result<Response> {
    let (status, errors) = Errors::from_problem(err, crate::web::language(req))?;
    let (template, csrf) = review_page(req, state, me, id, errors, None).await?;
    Ok(page(status, &template, &csrf, vec![])?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    csrf: String,
    action: String,
    note: String,
    /// `now` (apply) or `stage` (record for release with others).
    when: String,
}

/// `POST /staff/bookings/{id}/decision`: approve, reject, ask for changes or cancel, now or
/// staged.
#[handler]
pub async fn decide(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    let action = match Action::parse(&form.action) {
        Ok(action @ (Action::Approve | Action::Reject | Action::RequestChanges | Action::Cancel)) => action,
        _ => {
            return problem(
                req,
                &state,
                &me,
                id,
                ApiError::invalid("action", crate::error::Invalid::new("booking-action")),
            )
            .await;
        }
    };
    let result = if form.when == "stage" {
        service::stage(&state, &me.principal, id, Some(action), &form.note).await.map(|_| ())
    } else {
        service::act(&state, &me.principal, id, action, &form.note).await.map(|_| ())
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/staff/bookings/{id}"), vec![])),
        Err(err) => problem(req, &state, &me, id, err).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ImageVerdictForm {
    csrf: String,
    note: String,
}

/// `POST /staff/bookings/{id}/images/{image_id}/{approve|reject}`: an image added after approval.
#[handler]
pub async fn image_verdict(
    req: &Request,
    state: Data<&AppState>,
    Path((id, image_id, verdict)): Path<(i64, i64, String)>,
    Form(form): Form<ImageVerdictForm>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    let approve = match verdict.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(ApiError::not_found("No such page.").into()),
    };
    match media::review_booking_image(&state, &me.principal, id, image_id, approve, &form.note).await {
        Ok(_) => Ok(see_other(&format!("/staff/bookings/{id}#images-awaiting"), vec![])),
        Err(err) => problem(req, &state, &me, id, err).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CommentForm {
    csrf: String,
    body: String,
    internal: Option<String>,
}

/// `POST /staff/bookings/{id}/comments`: to the applicant, or an internal note.
#[handler]
pub async fn comment(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    LongForm(form): LongForm<CommentForm>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    match service::comment(&state, &me.principal, id, &form.body, form.internal.is_some()).await {
        Ok(_) => Ok(see_other(&format!("/staff/bookings/{id}#comments"), vec![])),
        Err(err) => problem(req, &state, &me, id, err).await,
    }
}
