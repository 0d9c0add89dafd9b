//! The staff console: what waits for review, the queue with its clash groups, each booking's
//! review page, the venue timeline and the funds. Staff only: anyone else gets 404, as if the
//! console did not exist.
//!
//! Like the portal, every page calls the domain services the API calls, and works without
//! JavaScript.

pub mod accounts;
pub mod digest;
pub mod funds;
pub mod markets;
pub mod queue;
pub mod reports;
pub mod timeline;
pub mod venues;
pub mod words;

use crate::web::form::Form;
use askama::Template;
use chrono::TimeDelta;
use poem::{Request, Response, handler, http::StatusCode, web::Data};
use serde::Deserialize;

use crate::{
    bookings::{BookingState, service as bookings},
    calendar::{EventFilter, store as events},
    error::{ApiError, ApiResult},
    incentives::{ApplicationState, store as incentives},
    notifications,
    pages::i18n,
    state::AppState,
    values::money::format_cny,
    web::{Csrf, Shell, SignedIn, Words, language, page, see_other, words::words},
};
use words::{ConsoleWords, console_words};

/// The signed-in staff member, or 404 for anyone else (`Err` is never a redirect now; the
/// type stays for `staff_or_return!`).
pub async fn require_staff(req: &Request, state: &AppState) -> ApiResult<Result<SignedIn, Response>> {
    // Anyone but staff, signed in or not, finds no console here: a stranger learns nothing of
    // its pages, and staff sign in at /login, which brings them to /staff.
    match crate::web::signed_in(req, state).await? {
        Some(me) if me.principal.is_staff() => Ok(Ok(me)),
        _ => Err(ApiError::NotFound("No such page.".into())),
    }
}

/// A staff member: a handler that takes `Staff(me): Staff` runs only for staff; anyone else,
/// signed in or not, gets 404.
pub struct Staff(pub SignedIn);

impl<'a> poem::FromRequest<'a> for Staff {
    async fn from_request(req: &'a Request, _body: &mut poem::RequestBody) -> poem::Result<Self> {
        let state = req.data::<AppState>().expect("AppState is attached to every route");
        match require_staff(req, state).await? {
            Ok(me) => Ok(Self(me)),
            Err(redirect) => Err(poem::Error::from_response(redirect)),
        }
    }
}

/// Returns early with the redirect to sign in, or the 404.
#[macro_export]
macro_rules! staff_or_return {
    ($req:expr, $state:expr) => {
        match $crate::console::require_staff($req, $state).await? {
            Ok(me) => me,
            Err(redirect) => return Ok(redirect),
        }
    };
}

pub struct Waiting {
    pub href: String,
    pub title: String,
    pub age: String,
}

pub struct FundLine {
    pub href: String,
    pub name: String,
    pub remaining: String,
    pub budget: String,
}

pub struct EventLine {
    pub href: String,
    pub title: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "console/home.html")]
struct HomePage {
    shell: Shell,
    w: &'static Words,
    c: &'static ConsoleWords,
    /// How many of each wait, each count with its name.
    waiting: String,
    bookings: Vec<Waiting>,
    changes: Vec<Waiting>,
    awards: Vec<Waiting>,
    /// Awards and clawbacks awaiting a second staff member.
    proposals: Vec<Waiting>,
    events: Vec<EventLine>,
    funds: Vec<FundLine>,
    failed: i64,
    failing: i64,
    digest: bool,
    /// Confirmed e-mail subscribers: a number, never who.
    subscribers: i64,
}

/// `GET /staff`: what waits, this week's events, the funds, failing messages.
#[handler]
pub async fn home(req: &Request, state: Data<&AppState>, Staff(me): Staff) -> poem::Result<Response> {
    let lang = language(req);
    let (w, c, csrf) = (words(lang), console_words(lang), Csrf::of(req, &state));
    let now = state.now();
    let queue = bookings::review_queue(&state, &me.principal, &Default::default(), 200).await?;
    let (mut booking_lines, mut changes) = (Vec::new(), Vec::new());
    for item in queue {
        let b = &item.booking;
        let since = b.submitted_at.unwrap_or(b.updated_at);
        let line = Waiting {
            href: format!("/staff/bookings/{}", b.id),
            title: lang.pick(&b.title_zh, &b.title_en).to_owned(),
            age: words::age(lang, (now - since).num_days()),
        };
        if b.state == BookingState::Approved { changes.push(line) } else { booking_lines.push(line) }
    }
    let awards: Vec<Waiting> =
        incentives::list_applications(&state.db, None, None, Some(ApplicationState::Submitted))
            .await?
            .into_iter()
            .map(|a| Waiting {
                href: format!("/staff/funds/{}#application-{}", a.fund_id, a.id),
                title: format!("{} · {}", a.store_name, a.organization_name),
                age: words::age(lang, (now - a.submitted_at.unwrap_or(a.updated_at)).num_days()),
            })
            .collect();
    let proposals = crate::incentives::proposals::awaiting(&state, &me.principal)
        .await?
        .into_iter()
        .map(|p| Waiting {
            href: format!("/staff/funds/{}#application-{}", p.fund_id, p.application_id),
            title: format!(
                "{} · {} · {} · {} {}",
                p.store_name, p.organization_name, p.amount.display, c.proposed_by, p.proposed_by_name
            ),
            age: words::age(lang, (now - p.proposed_at).num_days()),
        })
        .collect();
    let filter = EventFilter { from: Some(now), to: Some(now + TimeDelta::days(7)), ..Default::default() };
    let events = events::events(&state.db, &filter, now, None, 100)
        .await?
        .into_iter()
        .map(|e| EventLine {
            href: format!("/staff/bookings/{}", e.id),
            when: i18n::span(lang, e.starts_at, e.ends_at, e.tz()),
            title: e.title(lang).to_owned(),
        })
        .collect();
    let funds = incentives::list_funds(&state.db)
        .await?
        .into_iter()
        .map(|f| FundLine {
            href: format!("/staff/funds/{}", f.id),
            remaining: format_cny(f.budget_fen - f.committed_fen),
            budget: format_cny(f.budget_fen),
            name: f.name,
        })
        .collect();
    let (failed, failing) = notifications::problems(&state.db).await.map_err(ApiError::from)?;
    let shell = Shell::new(req, lang, w.console, &csrf, Some(&me));
    let digest = digest::is_wanted(&state.db, me.principal.user_id).await?;
    let subscribers = crate::subscriptions::store::count_active(&state.db).await?;
    let waiting = crate::words::text_with(
        lang,
        "console-waiting-summary",
        &[
            ("bookings", booking_lines.len().into()),
            ("changes", changes.len().into()),
            ("awards", awards.len().into()),
        ],
    );
    let template = HomePage {
        shell,
        w,
        c,
        waiting,
        bookings: booking_lines,
        changes,
        awards,
        proposals,
        events,
        funds,
        failed,
        failing,
        digest,
        subscribers,
    };
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DigestForm {
    csrf: String,
    wanted: String,
}

/// `POST /staff/digest`: the daily digest on (`wanted=1`) or off.
#[handler]
pub async fn set_digest(
    state: Data<&AppState>,
    Form(form): Form<DigestForm>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    digest::set_wanted(&state.db, me.principal.user_id, form.wanted == "1").await?;
    Ok(see_other("/staff", vec![]))
}

/// The staff console: anyone else finds nothing there (404).
pub fn routes(r: &mut crate::http::Routes) {
    use crate::http::Guard;
    r.get("/staff", home);
    r.post("/staff/digest", Guard::Staff, set_digest);
    r.get("/staff/queue", queue::queue);
    r.post("/staff/queue/release", Guard::Staff, queue::release);
    r.page_and_form(
        "/staff/queue/group",
        queue::clash_group::group,
        Guard::Staff,
        queue::clash_group::decide_group,
    );
    r.get("/staff/bookings/:id", queue::review::review);
    r.post("/staff/bookings/:id/decision", Guard::Staff, queue::review::decide);
    r.post("/staff/bookings/:id/comments", Guard::Staff, queue::review::comment);
    r.post("/staff/bookings/:id/images/:image_id/:verdict", Guard::Staff, queue::review::image_verdict);
    r.get("/staff/timeline", timeline::timeline);
    r.get("/staff/markets", markets::list);
    r.get("/staff/reports", reports::report_page);
    r.get("/staff/reports/programme.csv", reports::download);
    r.get("/staff/reports/programme.xlsx", reports::download);
    r.page_and_form("/staff/accounts", accounts::list, Guard::Staff, accounts::invite);
    r.post("/staff/accounts/:id/disable", Guard::Staff, accounts::disable);
    r.post("/staff/accounts/:id/enable", Guard::Staff, accounts::enable);
    r.post("/staff/accounts/:id/reset", Guard::Staff, accounts::reset);
    r.post("/staff/accounts/:id/two-factor/reset", Guard::Staff, accounts::reset_two_factor);
    r.post("/staff/accounts/:id/sessions/end", Guard::Staff, accounts::end_sessions);
    r.post("/staff/accounts/second-factor", Guard::Staff, accounts::second_factor_policy);
    r.get("/staff/venues", venues::list);
    r.page_and_form("/staff/venues/new", venues::new_page, Guard::Staff, venues::create);
    r.page_and_form("/staff/venues/:id", venues::edit, Guard::Staff, venues::update);
    r.post("/staff/venues/:id/archive", Guard::Staff, venues::archive);
    r.post("/staff/venues/:id/photos", Guard::Staff, venues::upload_photo);
    r.post("/staff/venues/:id/photos/:image_id/remove", Guard::Staff, venues::remove_photo);
    r.get("/staff/funds/:id", funds::fund);
    r.get("/staff/funds/:id/applications.csv", funds::applications_csv);
    r.get("/staff/funds/:id/ledger.csv", funds::ledger_csv);
    r.post("/staff/incentives/:id/decision", Guard::Staff, funds::decide);
    r.post("/staff/proposals/:id/:verdict", Guard::Staff, funds::proposal_verdict);
}
