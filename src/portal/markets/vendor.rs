//! The vendor's side: applying for a stall, the application page with its offers and stalls, photos and permit.

use crate::web::form::{Form, LongForm, Upload};
use askama::Template;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde::Deserialize;

use crate::portal::DoneQuery;
use crate::{
    error::ApiResult,
    markets::{ApplicationInput, ApplicationState, service, store},
    media::{self, ImageOwner, api::ImageUpload},
    pages::{
        Img, i18n, img,
        markets::{MarketWords, market_words},
    },
    state::AppState,
    values::{money::format_cny, time::local_time},
    web::{
        Csrf, CsrfForm, Errors, Input, Shell, SignedIn, Words, discard_image, language, page, see_other,
        store_image, words::words,
    },
};

use super::{done_notice, fee_word, first_photo, state_word, title, when};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ApplyForm {
    csrf: String,
    category: String,
    products: String,
    description: String,
    sells_food: String,
    preferred_class_id: String,
    /// Ticked dates, as `date-{id}` fields.
    #[serde(flatten)]
    rest: std::collections::BTreeMap<String, String>,
}

impl ApplyForm {
    fn dates(&self) -> Vec<i64> {
        self.rest.keys().filter_map(|k| k.strip_prefix("date-")).filter_map(|d| d.parse().ok()).collect()
    }
}

pub struct ClassChoice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct DateChoice {
    pub id: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "portal/market_apply.html")]
pub(super) struct ApplyPage {
    shell: Shell,
    w: &'static Words,
    mw: &'static MarketWords,
    id: i64,
    title: String,
    inputs: Vec<Input>,
    description: String,
    sells_food: bool,
    classes: Vec<ClassChoice>,
    dates: Vec<DateChoice>,
}

async fn apply_view(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    id: i64,
    form: &ApplyForm,
    errors: Errors,
) -> ApiResult<(ApplyPage, Csrf)> {
    let lang = language(req);
    let (w, mw, csrf) = (words(lang), market_words(lang), Csrf::of(req, state));
    let market = service::load(state, id).await?;
    let mut classes = vec![ClassChoice {
        value: String::new(),
        label: mw.any_class.into(),
        selected: form.preferred_class_id.is_empty(),
    }];
    for c in store::classes(&state.db, id).await? {
        classes.push(ClassChoice {
            selected: form.preferred_class_id == c.id.to_string(),
            value: c.id.to_string(),
            label: format!(
                "{} · {} m² · {}{}",
                c.name,
                c.size_m2,
                format_cny(c.fee_fen),
                if c.food_allowed { format!(" · {}", mw.food) } else { String::new() }
            ),
        });
    }
    let ticked = form.dates();
    let dates = store::occurrences(&state.db, id)
        .await?
        .iter()
        .filter(|d| d.cancelled_at.is_none())
        .map(|d| DateChoice {
            id: format!("date-{}", d.id),
            label: i18n::span(lang, d.starts_at, d.ends_at, market.zone.tz()),
            checked: ticked.contains(&d.id),
        })
        .collect();
    let shell = Shell::new(req, lang, mw.apply, &csrf, Some(me)).with_errors(errors);
    Ok((
        ApplyPage {
            shell,
            w,
            mw,
            id,
            title: title(&market, lang),
            inputs: vec![
                Input::new("category", mw.category, "text", &form.category, "off").hint(mw.category_hint),
                Input::new("products", mw.products, "text", &form.products, "off"),
            ],
            description: form.description.clone(),
            sells_food: !form.sells_food.is_empty(),
            classes,
            dates,
        },
        csrf,
    ))
}

/// `GET /portal/markets/{id}/apply`.
#[handler]
pub async fn apply_page(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    me: SignedIn,
) -> poem::Result<Response> {
    let (template, csrf) = apply_view(req, &state, &me, id, &ApplyForm::default(), Errors::default()).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

/// `POST /portal/markets/{id}/apply`.
#[handler]
pub async fn apply(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    LongForm(form): LongForm<ApplyForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    let input = ApplicationInput {
        category: form.category.clone(),
        products: form.products.clone(),
        description: form.description.clone(),
        sells_food: !form.sells_food.is_empty(),
        preferred_class_id: form.preferred_class_id.parse().ok(),
        occurrence_ids: form.dates(),
    };
    match service::apply(&state, &me.principal, id, input).await {
        Ok(application) => {
            Ok(see_other(&format!("/portal/market-applications/{}?done=applied", application.id), vec![]))
        }
        Err(err) => {
            let (status, errors) = Errors::from_problem(err, crate::web::language(req))?;
            let (template, csrf) = apply_view(req, &state, &me, id, &form, errors).await?;
            Ok(page(status, &template, &csrf, vec![])?)
        }
    }
}

pub struct StallLine {
    pub date: String,
    pub stall: String,
    pub fee: String,
    pub state: &'static str,
}

#[derive(Template)]
#[template(path = "portal/market_application.html")]
pub(super) struct ApplicationPage {
    shell: Shell,
    w: &'static Words,
    mw: &'static MarketWords,
    id: i64,
    market_title: String,
    public_href: String,
    vendor: String,
    state_word: &'static str,
    offer_deadline: Option<String>,
    is_vendor: bool,
    can_withdraw: bool,
    open: bool,
    sells_food: bool,
    photos: Vec<(i64, Option<Img>)>,
    permit: Option<Img>,
    stalls: Vec<StallLine>,
}

pub(super) async fn application_view(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    id: i64,
    errors: Errors,
    notice: Option<&str>,
) -> ApiResult<(ApplicationPage, Csrf)> {
    let lang = language(req);
    let (w, mw, csrf) = (words(lang), market_words(lang), Csrf::of(req, state));
    let (market, row) = service::load_application(state, &me.principal, id).await?;
    let is_vendor = me.principal.acts_for(row.organization_id);
    let scope = if is_vendor { Some(row.organization_id) } else { None };
    let stalls = store::assignments(&state.db, market.id, scope)
        .await?
        .iter()
        .filter(|a| a.application_id == id)
        .map(|a| StallLine {
            date: when(&market, lang, a.starts_at),
            stall: a.stall_code.clone(),
            fee: format_cny(a.fee_fen),
            state: fee_word(mw, a.fee_state),
        })
        .collect();
    let mut photos = Vec::new();
    for image in media::store::list(&state.db, ImageOwner::MarketApplication(id)).await? {
        photos.push((image.id, img(&image.variants()?, &image.alt, &state.settings.public_url)));
    }
    let permit = first_photo(state, ImageOwner::MarketPermit(id)).await?;
    let offer_deadline = row
        .offer_expires_at
        .filter(|_| row.state == ApplicationState::Offered)
        .map(|t| local_time(t, market.zone.tz()).replace('T', " "));
    use ApplicationState::*;
    let shell =
        Shell::new(req, lang, title(&market, lang), &csrf, Some(me)).with_errors(errors).with_notice(notice);
    Ok((
        ApplicationPage {
            shell,
            w,
            mw,
            id,
            market_title: title(&market, lang),
            public_href: format!("/markets/{}", market.slug),
            vendor: row.vendor_name.clone(),
            state_word: state_word(lang, row.state),
            offer_deadline,
            is_vendor,
            can_withdraw: is_vendor && matches!(row.state, Submitted | Waitlisted | Accepted),
            open: is_vendor && matches!(row.state, Submitted | Waitlisted | Accepted | Offered),
            sells_food: row.sells_food,
            photos,
            permit,
            stalls,
        },
        csrf,
    ))
}

/// `GET /portal/market-applications/{id}`.
#[handler]
pub async fn application_page(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Query(query): Query<DoneQuery>,
    me: SignedIn,
) -> poem::Result<Response> {
    let notice = done_notice(words(language(req)), query.done.as_deref());
    let (template, csrf) = application_view(req, &state, &me, id, Errors::default(), notice).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

async fn upload_to(
    req: &Request,
    state: &AppState,
    id: i64,
    owner: ImageOwner,
    upload: ImageUpload,
) -> poem::Result<Response> {
    let me = crate::signed_in_or_return!(req, state);
    match store_image(state, &me, owner, upload).await? {
        Ok(()) => Ok(see_other(&format!("/portal/market-applications/{id}?done=uploaded"), vec![])),
        Err(err) => {
            let (status, errors) = Errors::from_problem(err, crate::web::language(req))?;
            let (template, csrf) = application_view(req, state, &me, id, errors, None).await?;
            Ok(page(status, &template, &csrf, vec![])?)
        }
    }
}

/// `POST /portal/market-applications/{id}/photos` (multipart: `file`, `alt`, `csrf`).
#[handler]
pub async fn upload_photo(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Upload(upload): Upload,
) -> poem::Result<Response> {
    upload_to(req, &state, id, ImageOwner::MarketApplication(id), upload).await
}

/// `POST /portal/market-applications/{id}/permit` (multipart): replaces the permit on file.
#[handler]
pub async fn upload_permit(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Upload(upload): Upload,
) -> poem::Result<Response> {
    upload_to(req, &state, id, ImageOwner::MarketPermit(id), upload).await
}

/// `POST /portal/market-applications/{id}/photos/{image_id}/remove`.
#[handler]
pub async fn remove_photo(
    state: Data<&AppState>,
    Path((id, image_id)): Path<(i64, i64)>,
    _: Form<CsrfForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    discard_image(&state, &me, ImageOwner::MarketApplication(id), image_id).await?;
    Ok(see_other(&format!("/portal/market-applications/{id}"), vec![]))
}
