//! An event's figures on its portal page: once the approved event has ended, its organization
//! files footfall, sales (in yuan) and media reach, with up to four photos, until the office
//! confirms them. The rules are `reports::figures`'s.

use crate::web::form::{LongForm, Upload};
use poem::{
    Request, Response, handler,
    web::{Data, Path},
};
use serde::Deserialize;

use crate::{
    bookings::{BookingState, store::BookingRow},
    error::{ApiError, ApiResult, FieldError},
    media::{self, ImageOwner},
    pages::{Img, img},
    reports::{
        FILE_WITHIN,
        figures::{self, FiguresInput},
        store,
    },
    state::AppState,
    values::{
        Lang,
        money::{format_cny, parse_yuan, thousands},
    },
    web::{Input, SignedIn, see_other, store_image},
};

crate::words::catalogue! {
    /// The words of the figures section.
    pub struct FiguresWords in "figures" {
        heading,
        help,
        footfall,
        sales,
        sales_hint,
        media_reach,
        file,
        confirmed,
        awaiting,
        photos,
    }
}

/// What the booking page shows about figures, once the event has ended.
pub struct FiguresView {
    pub fw: &'static FiguresWords,
    pub due: String,
    pub status: Option<&'static str>,
    pub filed: Vec<(&'static str, String)>,
    pub can_file: bool,
    pub inputs: Vec<Input>,
    pub photos: Vec<Option<Img>>,
}

pub async fn view(
    state: &AppState,
    me: &SignedIn,
    row: &BookingRow,
    lang: Lang,
) -> ApiResult<Option<FiguresView>> {
    if row.state != BookingState::Approved || row.ends_at > state.now() {
        return Ok(None);
    }
    let fw = FiguresWords::of(lang);
    let filed = store::figures(&state.db, row.id).await?;
    let mine = me.principal.acts_for(row.organization_id) || me.principal.is_staff();
    let confirmed = filed.as_ref().is_some_and(|f| f.confirmed_at.is_some());
    let value = |pick: fn(&store::FiguresRow) -> i64| {
        filed.as_ref().map(pick).map_or(String::new(), |v| v.to_string())
    };
    let sales =
        filed.as_ref().map_or(String::new(), |f| format!("{}.{:02}", f.sales_fen / 100, f.sales_fen % 100));
    let mut photos = Vec::new();
    for image in media::store::list(&state.db, ImageOwner::EventFigures(row.id)).await? {
        photos.push(img(&image.variants()?, &image.alt, &state.settings.public_url));
    }
    Ok(Some(FiguresView {
        fw,
        due: (row.ends_at + FILE_WITHIN).with_timezone(&row.zone.tz()).format("%Y-%m-%d").to_string(),
        status: filed.as_ref().map(|_| if confirmed { fw.confirmed } else { fw.awaiting }),
        filed: filed
            .as_ref()
            .map(|f| {
                vec![
                    (fw.footfall, thousands(f.footfall)),
                    (fw.sales, format_cny(f.sales_fen)),
                    (fw.media_reach, thousands(f.media_reach)),
                ]
            })
            .unwrap_or_default(),
        can_file: mine && !confirmed,
        inputs: vec![
            Input::whole_number("footfall", fw.footfall, &value(|f| f.footfall)),
            Input::money("sales_fen", fw.sales, &sales).hint(fw.sales_hint),
            Input::whole_number("media_reach", fw.media_reach, &value(|f| f.media_reach)),
        ],
        photos,
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FiguresForm {
    csrf: String,
    footfall: String,
    sales_fen: String,
    media_reach: String,
}

impl FiguresForm {
    fn to_input(&self) -> Result<FiguresInput, ApiError> {
        let mut errors = Vec::new();
        let mut number = |field: &str, raw: &str| {
            raw.trim().replace([',', '，'], "").parse::<i64>().unwrap_or_else(|_| {
                errors.push(FieldError::new(field, crate::error::Invalid::new("whole-number")));
                0
            })
        };
        let footfall = number("footfall", &self.footfall);
        let media_reach = number("media_reach", &self.media_reach);
        let sales_fen = parse_yuan(&self.sales_fen).unwrap_or_else(|| {
            errors.push(FieldError::new("sales_fen", crate::error::Invalid::new("yuan")));
            0
        });
        if errors.is_empty() {
            Ok(FiguresInput { footfall, sales_fen, media_reach, confirm: false })
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// `POST /portal/bookings/{id}/figures`.
#[handler]
pub async fn file(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    LongForm(form): LongForm<FiguresForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    let result = match form.to_input() {
        Ok(input) => figures::file(&state, &me.principal, id, input).await.map(|_| ()),
        Err(err) => Err(err),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/portal/bookings/{id}?done=saved#figures"), vec![])),
        Err(problem) => super::show_problem(req, &state, &me, id, problem).await,
    }
}

/// `POST /portal/bookings/{id}/figures/photos` (multipart: `file`, `alt`, `csrf`).
#[handler]
pub async fn upload_photo(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Upload(upload): Upload,
    me: SignedIn,
) -> poem::Result<Response> {
    match store_image(&state, &me, ImageOwner::EventFigures(id), upload).await? {
        Ok(()) => Ok(see_other(&format!("/portal/bookings/{id}?done=saved#figures"), vec![])),
        Err(problem) => super::show_problem(req, &state, &me, id, problem).await,
    }
}
