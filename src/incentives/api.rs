//! HTTP operations for first-store incentives.

use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::{Json, PlainText},
};

use super::{
    ApplicationState, IncentiveAction, proposals,
    service::{
        self, Application, ApplicationInput, Fund, FundInput, FundReport, IncentiveActionRequest,
        RegisterEntry,
    },
    store,
};
use crate::{
    accounts::auth::{BearerAuth, StaffAuth},
    audit::{self, HistoryResponse, Subject},
    error::ApiResult,
    http::{ApiTags, JsonBody},
    state::AppState,
};

pub struct IncentivesApi;

#[derive(Debug, Object)]
pub struct FundList {
    pub items: Vec<Fund>,
}

#[derive(Debug, Object)]
pub struct ApplicationList {
    pub items: Vec<Application>,
}

#[derive(ApiResponse)]
pub enum FundCreated {
    /// The fund was created.
    #[oai(status = 201)]
    Created(Json<Fund>),
}

#[derive(ApiResponse)]
pub enum FundResponse {
    /// The fund.
    #[oai(status = 200)]
    Ok(Json<Fund>),
}

#[derive(ApiResponse)]
pub enum FundListResponse {
    /// Every fund.
    #[oai(status = 200)]
    Ok(Json<FundList>),
}

#[derive(ApiResponse)]
pub enum ReportResponse {
    /// Budget, awarded, clawed back, remaining, and sums by tier and mall.
    #[oai(status = 200)]
    Ok(Json<FundReport>),
}

#[derive(ApiResponse)]
pub enum CsvResponse {
    /// UTF-8 CSV with a byte-order mark, so spreadsheets keep Chinese text intact.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Ok(PlainText<String>, #[oai(header = "Content-Disposition")] String),
}

#[derive(ApiResponse)]
pub enum RegisterResponse {
    /// The fund's awards, when it publishes them.
    #[oai(status = 200)]
    Ok(Json<Vec<RegisterEntry>>),
}

#[derive(ApiResponse)]
pub enum ApplicationCreated {
    /// The draft application was created.
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
    /// Applications in id order.
    #[oai(status = 200)]
    Ok(Json<ApplicationList>),
}

#[OpenApi(prefix_path = "/", tag = "ApiTags::Incentives")]
impl IncentivesApi {
    /// Create a fund (staff)
    ///
    /// Money is integer fen. Tier caps default to, and may not exceed, the configured maximum
    /// (2,000,000 CNY unless set otherwise).
    #[oai(path = "/funds", method = "post")]
    async fn create_fund(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: JsonBody<FundInput>,
    ) -> ApiResult<FundCreated> {
        Ok(FundCreated::Created(Json(service::create_fund(&state, &auth.0, body.0).await?)))
    }

    /// List funds
    #[oai(path = "/funds", method = "get")]
    async fn funds(&self, state: Data<&AppState>, _auth: BearerAuth) -> ApiResult<FundListResponse> {
        let now = state.clock.now();
        let items = store::list_funds(&state.db).await?.iter().map(|f| service::fund_view(f, now)).collect();
        Ok(FundListResponse::Ok(Json(FundList { items })))
    }

    /// A fund
    #[oai(path = "/funds/:id", method = "get")]
    async fn fund(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<FundResponse> {
        let fund = service::load_fund(&state, id.0).await?;
        Ok(FundResponse::Ok(Json(service::fund_view(&fund, state.clock.now()))))
    }

    /// A fund's report (staff)
    #[oai(path = "/funds/:id/report", method = "get")]
    async fn report(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<ReportResponse> {
        Ok(ReportResponse::Ok(Json(service::report(&state, &auth.0, id.0).await?)))
    }

    /// Export a fund's applications as CSV (staff)
    #[oai(path = "/funds/:id/applications.csv", method = "get")]
    async fn applications_csv(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<CsvResponse> {
        let csv = service::applications_csv(&state, &auth.0, id.0).await?;
        Ok(CsvResponse::Ok(
            PlainText(csv),
            format!("attachment; filename=\"fund-{}-applications.csv\"", id.0),
        ))
    }

    /// Export a fund's ledger as CSV (staff)
    #[oai(path = "/funds/:id/ledger.csv", method = "get")]
    async fn ledger_csv(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<CsvResponse> {
        let csv = service::ledger_csv(&state, &auth.0, id.0).await?;
        Ok(CsvResponse::Ok(PlainText(csv), format!("attachment; filename=\"fund-{}-ledger.csv\"", id.0)))
    }

    /// A fund's public register of awards
    ///
    /// Only for funds that publish one (off by default); no login needed. Staff (with their
    /// bearer token) may read any fund's, to see it before it is published.
    #[oai(path = "/funds/:id/register", method = "get")]
    async fn register(
        &self,
        req: &poem::Request,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> ApiResult<RegisterResponse> {
        let preview =
            crate::accounts::auth::bearer_principal(req, &state).await?.is_some_and(|p| p.is_staff());
        Ok(RegisterResponse::Ok(Json(service::register(&state, id.0, preview).await?)))
    }

    /// Apply for a first-store award (brand)
    #[oai(path = "/incentives", method = "post")]
    async fn apply(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: JsonBody<ApplicationInput>,
    ) -> ApiResult<ApplicationCreated> {
        Ok(ApplicationCreated::Created(Json(service::apply(&state, &auth.0, body.0).await?)))
    }

    /// List applications
    ///
    /// Staff see all (with possible duplicates flagged); brands see their own.
    #[oai(path = "/incentives", method = "get")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        fund_id: Query<Option<i64>>,
        #[oai(name = "state")] application_state: Query<Option<ApplicationState>>,
    ) -> ApiResult<ApplicationListResponse> {
        let organization_id = auth.0.listing_scope()?;
        let rows =
            store::list_applications(&state.db, fund_id.0, organization_id, application_state.0).await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            items.push(service::view(&state, &auth.0, row).await?);
        }
        Ok(ApplicationListResponse::Ok(Json(ApplicationList { items })))
    }

    /// An application
    #[oai(path = "/incentives/:id", method = "get")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<ApplicationResponse> {
        let row = service::load_visible(&state, &auth.0, id.0).await?;
        Ok(ApplicationResponse::Ok(Json(service::view(&state, &auth.0, &row).await?)))
    }

    /// Edit a draft or an application sent back for changes (brand)
    #[oai(path = "/incentives/:id", method = "put")]
    async fn edit(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        body: JsonBody<ApplicationInput>,
    ) -> ApiResult<ApplicationResponse> {
        Ok(ApplicationResponse::Ok(Json(service::edit(&state, &auth.0, id.0, body.0).await?)))
    }

    /// The application's audit trail
    #[oai(path = "/incentives/:id/history", method = "get")]
    async fn history(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<HistoryResponse> {
        service::load_visible(&state, &auth.0, id.0).await?;
        Ok(HistoryResponse::Ok(Json(audit::history(&state.db, Subject::Incentive(id.0)).await?)))
    }

    /// Act on an application: submit, approve, reject, request-changes or claw-back
    ///
    /// `approve` needs `amount_fen` (at most the amount requested and the tier's cap); an award
    /// the fund cannot cover is a 409 stating what remains. `claw-back` needs `amount_fen` and a
    /// reason in `note`, and returns the money to the fund. An award or clawback at or above the
    /// fund's `four_eyes_threshold` is a proposal (202, in `awaiting_confirmation`) until another
    /// staff member confirms it at `POST /award-proposals/{id}/confirm`; meanwhile other staff
    /// actions on the application are a 409.
    #[oai(path = "/incentives/:id/:action", method = "post")]
    async fn act(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        action: Path<IncentiveAction>,
        body: JsonBody<IncentiveActionRequest>,
    ) -> ApiResult<ActResponse> {
        let action = action.0;
        let application = service::act(&state, &auth.0, id.0, action, body.0).await?;
        let proposed = matches!(action, IncentiveAction::Approve | IncentiveAction::ClawBack)
            && application.awaiting_confirmation.is_some();
        Ok(if proposed {
            ActResponse::Proposed(Json(application))
        } else {
            ActResponse::Ok(Json(application))
        })
    }

    /// Awards and clawbacks awaiting a second staff member (staff)
    ///
    /// Oldest first; `can_confirm` says whether the caller may confirm each (not their own).
    #[oai(path = "/award-proposals", method = "get")]
    async fn award_proposals(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<ProposalsResponse> {
        Ok(ProposalsResponse::Ok(Json(proposals::awaiting(&state, &auth.0).await?)))
    }

    /// Confirm an award or clawback (staff, not its proposer)
    ///
    /// It reaches the ledger now, checked again: a 409 if the fund no longer covers it or the
    /// application moved; 403 for the staff member who proposed it. A sensitive action: a
    /// sign-in older than 15 minutes is asked to confirm the password first.
    #[oai(path = "/award-proposals/:id/confirm", method = "post")]
    async fn confirm_proposal(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<ApplicationResponse> {
        Ok(ApplicationResponse::Ok(Json(proposals::confirm(&state, &auth.0, id.0).await?)))
    }

    /// Decline an award or clawback (staff; its proposer withdraws it)
    ///
    /// Nothing reaches the ledger; the application is free for another decision.
    #[oai(path = "/award-proposals/:id/decline", method = "post")]
    async fn decline_proposal(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: JsonBody<DeclineRequest>,
    ) -> ApiResult<DeclinedResponse> {
        proposals::decline(&state, &auth.0, id.0, body.0.note.as_deref().unwrap_or("")).await?;
        Ok(DeclinedResponse::Declined)
    }
}

#[derive(Debug, Object, serde::Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct DeclineRequest {
    /// Why, for the audit trail.
    pub note: Option<String>,
}

#[derive(ApiResponse)]
pub enum ActResponse {
    /// Done.
    #[oai(status = 200)]
    Ok(Json<Application>),
    /// At or above the fund's four-eyes threshold: proposed, awaiting a second staff member.
    #[oai(status = 202)]
    Proposed(Json<Application>),
}

#[derive(ApiResponse)]
pub enum ProposalsResponse {
    /// Proposals awaiting confirmation.
    #[oai(status = 200)]
    Ok(Json<Vec<proposals::Proposal>>),
}

#[derive(ApiResponse)]
pub enum DeclinedResponse {
    /// Declined.
    #[oai(status = 204)]
    Declined,
}
