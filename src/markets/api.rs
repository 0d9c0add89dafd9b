//! HTTP operations for markets: dates, the stall plan, the vendor call, applications, stalls
//! and fees.

use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::Path,
    payload::{Json, PlainText},
};

use super::{
    ApplicationAction, ApplicationInput, DatesInput, MarketInput, StallPlanInput,
    service::{
        self, Application, Assignment, AssignmentInput, FeeInput, Fees, Market, MarketOverview, StallPlan,
        VendorCallInput,
    },
    store,
};
use crate::{
    accounts::auth::BearerAuth,
    error::ApiResult,
    http::{ApiTags, JsonBody},
    state::AppState,
};

pub struct MarketsApi;

#[derive(Debug, Object)]
pub struct MarketList {
    pub items: Vec<Market>,
}

#[derive(Debug, Object)]
#[oai(rename = "MarketOverviewList")]
pub struct Overview {
    pub items: Vec<MarketOverview>,
}

#[derive(Debug, Object)]
#[oai(rename = "MarketApplicationList")]
pub struct ApplicationList {
    pub items: Vec<Application>,
}

#[derive(Debug, Object)]
pub struct AssignmentList {
    pub items: Vec<Assignment>,
}

#[derive(ApiResponse)]
pub enum MarketCreated {
    /// The market with its dates.
    #[oai(status = 201)]
    Created(Json<Market>),
}

#[derive(ApiResponse)]
pub enum MarketResponse {
    /// The market with its dates.
    #[oai(status = 200)]
    Ok(Json<Market>),
}

#[derive(ApiResponse)]
pub enum MarketListResponse {
    /// Markets in order of their booking's start.
    #[oai(status = 200)]
    Ok(Json<MarketList>),
}

#[derive(ApiResponse)]
pub enum OverviewResponse {
    /// Markets with vendor counts and stall occupancy per date.
    #[oai(status = 200)]
    Ok(Json<Overview>),
}

#[derive(ApiResponse)]
pub enum PlanResponse {
    /// The stall classes and stalls.
    #[oai(status = 200)]
    Ok(Json<StallPlan>),
}

#[derive(ApiResponse)]
pub enum ApplicationCreated {
    /// The application, submitted.
    #[oai(status = 201)]
    Created(Json<Application>),
}

#[derive(ApiResponse)]
pub enum ApplicationResponse {
    /// The application.
    #[oai(status = 200)]
    Ok(Json<Application>),
}

#[derive(ApiResponse)]
pub enum ApplicationListResponse {
    /// Applications in the order they came in.
    #[oai(status = 200)]
    Ok(Json<ApplicationList>),
}

#[derive(ApiResponse)]
pub enum AssignmentCreated {
    /// The stall is the vendor's for that date; a fee line is due.
    #[oai(status = 201)]
    Created(Json<Assignment>),
}

#[derive(ApiResponse)]
pub enum AssignmentResponse {
    /// The assignment (fee line).
    #[oai(status = 200)]
    Ok(Json<Assignment>),
}

#[derive(ApiResponse)]
pub enum AssignmentListResponse {
    /// Assignments by date and stall.
    #[oai(status = 200)]
    Ok(Json<AssignmentList>),
}

#[derive(ApiResponse)]
pub enum AssignmentDeleted {
    /// The stall is free again on that date.
    #[oai(status = 204)]
    Deleted,
}

#[derive(ApiResponse)]
pub enum FeesResponse {
    /// Every fee line with totals by state.
    #[oai(status = 200)]
    Ok(Json<Fees>),
}

#[derive(ApiResponse)]
pub enum CsvResponse {
    /// UTF-8 CSV with a byte-order mark, so spreadsheets keep Chinese text intact.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Ok(PlainText<String>, #[oai(header = "Content-Disposition")] String),
}

#[OpenApi(prefix_path = "/", tag = "ApiTags::Markets")]
impl MarketsApi {
    /// Create a market on an approved market booking (organizer)
    ///
    /// Give single `dates`, a `series` (weekdays, times, first date and weeks, expanded into
    /// dates), or both; every date must lie within the booking's approved time.
    #[oai(path = "/markets", method = "post")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: JsonBody<MarketInput>,
    ) -> ApiResult<MarketCreated> {
        Ok(MarketCreated::Created(Json(service::create(&state, &auth.0, body.0).await?)))
    }

    /// List markets
    ///
    /// Public: every market with its dates.
    #[oai(path = "/markets", method = "get")]
    async fn list(&self, state: Data<&AppState>) -> ApiResult<MarketListResponse> {
        let mut items = Vec::new();
        for row in store::list(&state.db, None).await? {
            let occurrences = store::occurrences(&state.db, row.id).await?;
            items.push(service::view(&state, &row, &occurrences));
        }
        Ok(MarketListResponse::Ok(Json(MarketList { items })))
    }

    /// Markets with vendor counts and stall occupancy per date (staff: all; organizers: theirs)
    #[oai(path = "/markets/overview", method = "get")]
    async fn overview(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<OverviewResponse> {
        Ok(OverviewResponse::Ok(Json(Overview { items: service::overview(&state, &auth.0).await? })))
    }

    /// A market
    #[oai(path = "/markets/:id", method = "get")]
    async fn get(&self, state: Data<&AppState>, id: Path<i64>) -> ApiResult<MarketResponse> {
        Ok(MarketResponse::Ok(Json(service::market(&state, id.0).await?)))
    }

    /// Add dates to a market (organizer)
    #[oai(path = "/markets/:id/occurrences", method = "post")]
    async fn add_dates(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        body: JsonBody<DatesInput>,
    ) -> ApiResult<MarketResponse> {
        Ok(MarketResponse::Ok(Json(service::add_dates(&state, &auth.0, id.0, body.0).await?)))
    }

    /// Cancel one date (organizer)
    ///
    /// The date stays in the market's feed as `STATUS:CANCELLED`; its vendors are told.
    #[oai(path = "/markets/:id/occurrences/:occurrence_id/cancel", method = "post")]
    async fn cancel_date(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        occurrence_id: Path<i64>,
    ) -> ApiResult<MarketResponse> {
        Ok(MarketResponse::Ok(Json(service::cancel_date(&state, &auth.0, id.0, occurrence_id.0).await?)))
    }

    /// Open or move the vendor call's window (organizer)
    #[oai(path = "/markets/:id/call", method = "put")]
    async fn set_call(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        body: JsonBody<VendorCallInput>,
    ) -> ApiResult<MarketResponse> {
        Ok(MarketResponse::Ok(Json(service::set_call(&state, &auth.0, id.0, body.0).await?)))
    }

    /// The stall plan
    #[oai(path = "/markets/:id/stalls", method = "get")]
    async fn plan(&self, state: Data<&AppState>, id: Path<i64>) -> ApiResult<PlanResponse> {
        Ok(PlanResponse::Ok(Json(service::plan(&state, id.0).await?)))
    }

    /// Replace the stall plan (organizer)
    ///
    /// Classes are kept by name and stalls by code, so assignments stay with their stall. A stall
    /// with vendors cannot be removed, nor stop allowing food under a food vendor (409).
    #[oai(path = "/markets/:id/stalls", method = "put")]
    async fn replace_plan(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        body: JsonBody<StallPlanInput>,
    ) -> ApiResult<PlanResponse> {
        Ok(PlanResponse::Ok(Json(service::replace_plan(&state, &auth.0, id.0, body.0).await?)))
    }

    /// Apply for a stall (vendor, while the call is open)
    #[oai(path = "/markets/:id/applications", method = "post")]
    async fn apply(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        body: JsonBody<ApplicationInput>,
    ) -> ApiResult<ApplicationCreated> {
        Ok(ApplicationCreated::Created(Json(service::apply(&state, &auth.0, id.0, body.0).await?)))
    }

    /// A market's applications (organizer and staff: all; a vendor: its own)
    #[oai(path = "/markets/:id/applications", method = "get")]
    async fn applications(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<ApplicationListResponse> {
        let items = service::applications(&state, &auth.0, id.0).await?;
        Ok(ApplicationListResponse::Ok(Json(ApplicationList { items })))
    }

    /// A market application
    #[oai(path = "/market-applications/:id", method = "get")]
    async fn application(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<ApplicationResponse> {
        let (_, row) = service::load_application(&state, &auth.0, id.0).await?;
        Ok(ApplicationResponse::Ok(Json(service::application_view(&row))))
    }

    /// Act on an application
    ///
    /// The organizer may `accept`, `waitlist` or `reject`; the vendor may `withdraw`, and answer
    /// an offered place with `accept-offer` or `decline-offer` before its deadline. When an
    /// accepted vendor withdraws, the first waitlisted vendor is offered the place.
    #[oai(path = "/market-applications/:id/:action", method = "post")]
    async fn act(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        action: Path<ApplicationAction>,
    ) -> ApiResult<ApplicationResponse> {
        Ok(ApplicationResponse::Ok(Json(service::act(&state, &auth.0, id.0, action.0).await?)))
    }

    /// Stalls given out (organizer and staff: all; a vendor: its own)
    #[oai(path = "/markets/:id/assignments", method = "get")]
    async fn assignments(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<AssignmentListResponse> {
        let items = service::assignments(&state, &auth.0, id.0).await?;
        Ok(AssignmentListResponse::Ok(Json(AssignmentList { items })))
    }

    /// Give a stall to an accepted vendor for one date (organizer)
    ///
    /// A stall taken that date, or a vendor that already has a stall that date, is a 409; a food
    /// vendor on a stall that does not allow food is a 422.
    #[oai(path = "/markets/:id/assignments", method = "post")]
    async fn assign(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        body: JsonBody<AssignmentInput>,
    ) -> ApiResult<AssignmentCreated> {
        Ok(AssignmentCreated::Created(Json(service::assign(&state, &auth.0, id.0, body.0).await?)))
    }

    /// Take a stall back (organizer; not once its fee is paid)
    #[oai(path = "/markets/:id/assignments/:assignment_id", method = "delete")]
    async fn unassign(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        assignment_id: Path<i64>,
    ) -> ApiResult<AssignmentDeleted> {
        service::unassign(&state, &auth.0, id.0, assignment_id.0).await?;
        Ok(AssignmentDeleted::Deleted)
    }

    /// Fee lines and totals (organizer)
    #[oai(path = "/markets/:id/fees", method = "get")]
    async fn fees(&self, state: Data<&AppState>, auth: BearerAuth, id: Path<i64>) -> ApiResult<FeesResponse> {
        Ok(FeesResponse::Ok(Json(service::fees(&state, &auth.0, id.0).await?)))
    }

    /// Mark a fee line paid, waived or due again (organizer)
    #[oai(path = "/markets/:id/fees/:assignment_id", method = "put")]
    async fn set_fee(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        assignment_id: Path<i64>,
        body: JsonBody<FeeInput>,
    ) -> ApiResult<AssignmentResponse> {
        Ok(AssignmentResponse::Ok(Json(
            service::set_fee(&state, &auth.0, id.0, assignment_id.0, body.0).await?,
        )))
    }

    /// Fee lines as CSV (organizer)
    #[oai(path = "/markets/:id/fees.csv", method = "get")]
    async fn fees_csv(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<CsvResponse> {
        let csv = service::fees_csv(&state, &auth.0, id.0).await?;
        Ok(CsvResponse::Ok(PlainText(csv), format!("attachment; filename=\"market-{}-fees.csv\"", id.0)))
    }
}
