//! HTTP operations for event figures and the programme report.

use poem::web::Data;
use poem_openapi::{
    ApiResponse, OpenApi,
    param::{Path, Query},
    payload::{Binary, Json, PlainText},
};

use super::{
    figures::{self, Figures, FiguresInput},
    programme::{self, ProgrammeReport, PublicNumbers},
};
use crate::{
    accounts::auth::BearerAuth,
    error::ApiResult,
    http::{ApiTags, JsonBody},
    state::AppState,
};

pub struct ReportsApi;

#[derive(ApiResponse)]
pub enum FiguresResponse {
    /// The event's figures.
    #[oai(status = 200)]
    Ok(Json<Figures>),
}

#[derive(ApiResponse)]
pub enum ReportResponse {
    /// Every figure of the programme in the range.
    #[oai(status = 200)]
    Ok(Json<ProgrammeReport>),
}

#[derive(ApiResponse)]
pub enum ReportCsv {
    /// UTF-8 CSV with a byte-order mark: section, key, label, value.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Ok(PlainText<String>, #[oai(header = "Content-Disposition")] String),
}

#[derive(ApiResponse)]
pub enum ReportXlsx {
    /// An Excel workbook with the same lines as the CSV.
    #[oai(status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    Ok(Binary<Vec<u8>>, #[oai(header = "Content-Disposition")] String),
}

#[derive(ApiResponse)]
pub enum NumbersResponse {
    /// The counts of a year that may be public.
    #[oai(status = 200)]
    Ok(Json<PublicNumbers>),
}

#[OpenApi(prefix_path = "/", tag = "ApiTags::Reports")]
impl ReportsApi {
    /// File an event's figures after it ended (its organization; staff correct and confirm)
    ///
    /// Footfall, sales in fen and media reach, each from 0 to a believable maximum (422
    /// otherwise). Up to four photos go to `POST /api/v1/bookings/{id}/figures/photos`.
    #[oai(path = "/bookings/:id/figures", method = "post")]
    async fn file(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        body: JsonBody<FiguresInput>,
    ) -> ApiResult<FiguresResponse> {
        Ok(FiguresResponse::Ok(Json(figures::file(&state, &auth.0, id.0, body.0).await?)))
    }

    /// An event's figures
    #[oai(path = "/bookings/:id/figures", method = "get")]
    async fn figures(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<FiguresResponse> {
        Ok(FiguresResponse::Ok(Json(figures::get(&state, &auth.0, id.0).await?)))
    }

    /// Confirm an event's figures as filed (staff)
    #[oai(path = "/bookings/:id/figures/confirm", method = "post")]
    async fn confirm(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<FiguresResponse> {
        Ok(FiguresResponse::Ok(Json(figures::confirm(&state, &auth.0, id.0).await?)))
    }

    /// The programme report (staff)
    ///
    /// `from` and `to` are dates (district time, `to` counted whole) or RFC 3339 instants; by
    /// default this calendar year.
    #[oai(path = "/reports/programme", method = "get")]
    async fn programme(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        from: Query<Option<String>>,
        to: Query<Option<String>>,
    ) -> ApiResult<ReportResponse> {
        let (from, to) = programme::parse_range(from.0.as_deref(), to.0.as_deref(), state.now())?;
        Ok(ReportResponse::Ok(Json(programme::report(&state, &auth.0, from, to).await?)))
    }

    /// The programme report as CSV (staff)
    #[oai(path = "/reports/programme.csv", method = "get")]
    async fn programme_csv(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        from: Query<Option<String>>,
        to: Query<Option<String>>,
    ) -> ApiResult<ReportCsv> {
        let (from, to) = programme::parse_range(from.0.as_deref(), to.0.as_deref(), state.now())?;
        let report = programme::report(&state, &auth.0, from, to).await?;
        Ok(ReportCsv::Ok(
            PlainText(programme::to_csv(&report)),
            "attachment; filename=\"programme.csv\"".into(),
        ))
    }

    /// The programme report as an Excel workbook (staff)
    #[oai(path = "/reports/programme.xlsx", method = "get")]
    async fn programme_xlsx(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        from: Query<Option<String>>,
        to: Query<Option<String>>,
    ) -> ApiResult<ReportXlsx> {
        let (from, to) = programme::parse_range(from.0.as_deref(), to.0.as_deref(), state.now())?;
        let report = programme::report(&state, &auth.0, from, to).await?;
        Ok(ReportXlsx::Ok(
            Binary(programme::to_xlsx(&report)?),
            "attachment; filename=\"programme.xlsx\"".into(),
        ))
    }

    /// A year's public numbers: counts of events, first stores, markets and vendors, and footfall
    #[oai(path = "/numbers/:year", method = "get")]
    async fn numbers(&self, state: Data<&AppState>, year: Path<i32>) -> ApiResult<NumbersResponse> {
        Ok(NumbersResponse::Ok(Json(programme::public_numbers(&state, year.0).await?)))
    }
}
