//! One error vocabulary for the whole service.
//!
//! Every failure a client can see is an [`ApiError`]; it maps to exactly one HTTP status and is
//! rendered as an RFC 9457 `application/problem+json` body ([`Problem`]). Internal causes are
//! logged and never sent to clients. [`problem_responses`] turns errors raised outside our
//! handlers (unknown routes, unparsable parameters, wrong content types) into the same body.

use std::time::Duration;

use crate::words::Lang;
use poem::{
    IntoResponse, Response,
    error::ResponseError,
    http::{HeaderValue, StatusCode, header},
};
use poem_openapi::{
    ApiResponse, Object,
    registry::{MetaMediaType, MetaResponse, MetaResponses, Registry},
    types::{ToJSON, Type},
};

mod coded;
mod from_poem;

pub use self::coded::{Coded, ConflictKind, ForbiddenKind, Invalid, InvalidKind, Kind, Reason, Refusal};
pub use self::from_poem::{PathParams, api_error_from_poem, problem_responses};

use self::coded::render;
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";
/// One offending input field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
pub struct FieldError {
    /// The field's path in the request, e.g. `opening_hours[1].closes` or the query parameter.
    pub field: String,
    /// What is wrong, stable for programs: `required`, `too-long`, `email`…; `text` where only
    /// the message says.
    pub code: String,
    /// What is wrong, for people, in the language the request asked for (`Accept-Language`).
    pub message: String,
    /// The code's arguments, kept to say the message again in another language.
    #[oai(skip)]
    pub args: Vec<(String, String)>,
}

impl FieldError {
    /// `field` is wrong as `invalid` says; the message is English until [`Self::localize`].
    pub fn new(field: impl Into<String>, invalid: impl Into<Invalid>) -> Self {
        let invalid = invalid.into();
        Self {
            field: field.into(),
            code: invalid.code.to_owned(),
            message: invalid.text(Lang::En),
            args: invalid.args.into_iter().map(|(name, value)| (name.to_owned(), value)).collect(),
        }
    }

    /// The message said again in `lang`.
    pub fn localize(&mut self, lang: Lang) {
        self.message =
            render(lang, "invalid", &self.code, self.args.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    }
}

/// Extra members of a 409 body, so clients can act on a conflict without parsing prose.
#[derive(Debug, Default, Clone)]
pub struct ConflictInfo {
    /// The state the resource is in (a transition that is not allowed from it was requested).
    pub current_state: Option<String>,
    /// Ids of the records this request clashes with.
    pub conflicts: Vec<i64>,
    /// What remains of a budget, in fen.
    pub remaining_fen: Option<i64>,
    /// Why, as a code and arguments, to say it again in the reader's language (boxed: every
    /// `Result` of ours carries an `ApiError`, so it stays small).
    pub reason: Option<Box<Reason>>,
}

/// An RFC 9457 problem details body.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Problem {
    /// A URI reference naming the kind of problem.
    #[oai(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What went wrong and what to do about it.
    pub detail: String,
    /// The offending fields (validation errors only).
    #[oai(skip_serializing_if_is_none)]
    pub errors: Option<Vec<FieldError>>,
    /// Why a conflict happened, stable for programs (`date-cancelled`, `stall-taken`…).
    #[oai(skip_serializing_if_is_none)]
    pub code: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub current_state: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub conflicts: Option<Vec<i64>>,
    #[oai(skip_serializing_if_is_none)]
    pub remaining_fen: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{detail}")]
    Forbidden { detail: String, reason: Box<Refusal> },
    /// The password was right; the account also needs a code from its authenticator app.
    #[error("{0}")]
    SecondFactorRequired(String),
    /// A sensitive action in a session whose sign-in is too old: confirm the password first.
    #[error("{0}")]
    ReauthenticationRequired(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{detail}")]
    Conflict { detail: String, info: ConflictInfo },
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after: Duration },
    /// The database is out of reach: nothing is wrong with the request, try again.
    #[error("{detail}")]
    Unavailable { detail: String, retry_after: Duration },
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::NotFound(format!("{what} was not found"))
    }

    pub fn forbidden(reason: impl Into<Refusal>) -> Self {
        let reason = reason.into();
        Self::Forbidden { detail: reason.text(Lang::En), reason: Box::new(reason) }
    }

    pub fn conflict(reason: impl Into<Reason>) -> Self {
        let reason = reason.into();
        Self::Conflict {
            detail: reason.text(Lang::En),
            info: ConflictInfo { reason: Some(Box::new(reason)), ..ConflictInfo::default() },
        }
    }

    /// A 409 that also says what the client needs to act on it: the current state, the ids it
    /// clashes with, what remains of a budget.
    pub fn conflict_with(reason: impl Into<Reason>, info: ConflictInfo) -> Self {
        let reason = reason.into();
        Self::Conflict {
            detail: reason.text(Lang::En),
            info: ConflictInfo { reason: Some(Box::new(reason)), ..info },
        }
    }

    /// A validation error for a single field.
    pub fn invalid(field: impl Into<String>, invalid: impl Into<Invalid>) -> Self {
        Self::Validation(vec![FieldError::new(field, invalid)])
    }

    /// The messages of a validation error said in `lang`.
    pub fn localized(mut self, lang: Lang) -> Self {
        match &mut self {
            Self::Validation(errors) => errors.iter_mut().for_each(|e| e.localize(lang)),
            Self::Conflict { detail, info: ConflictInfo { reason: Some(reason), .. } } => {
                *detail = reason.text(lang)
            }
            Self::Forbidden { detail, reason } => *detail = reason.text(lang),
            _ => {}
        }
        self
    }

    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } | Self::ReauthenticationRequired(_) => StatusCode::FORBIDDEN,
            Self::SecondFactorRequired(_) => StatusCode::UNAUTHORIZED,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn kind_and_title(&self) -> (&'static str, &'static str) {
        match self {
            Self::BadRequest(_) => ("/problems/bad-request", "Malformed request"),
            Self::Unauthorized(_) => ("/problems/unauthorized", "Authentication required"),
            Self::Forbidden { .. } => ("/problems/forbidden", "Not allowed"),
            Self::SecondFactorRequired(_) => ("/problems/second-factor-required", "A code is needed"),
            Self::ReauthenticationRequired(_) => {
                ("/problems/reauthentication-required", "Confirm your password first")
            }
            Self::NotFound(_) => ("/problems/not-found", "Not found"),
            Self::MethodNotAllowed(_) => ("/problems/method-not-allowed", "Method not allowed"),
            Self::Conflict { .. } => ("/problems/conflict", "Conflict"),
            Self::PayloadTooLarge(_) => ("/problems/payload-too-large", "Request body too large"),
            Self::UnsupportedMediaType(_) => ("/problems/unsupported-media-type", "Unsupported content type"),
            Self::Validation(_) => ("/problems/validation", "Invalid input"),
            Self::TooManyRequests { .. } => ("/problems/too-many-requests", "Too many requests"),
            Self::Unavailable { .. } => ("/problems/unavailable", "Service unavailable"),
            Self::Internal(_) => ("/problems/internal", "Internal error"),
        }
    }

    pub fn to_problem(&self) -> Problem {
        let (kind, title) = self.kind_and_title();
        let mut problem = Problem {
            kind: kind.to_owned(),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail: self.to_string(),
            errors: None,
            code: None,
            current_state: None,
            conflicts: None,
            remaining_fen: None,
        };
        match self {
            Self::Validation(errors) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                problem.detail = format!("Please correct these fields: {}.", fields.join(", "));
                problem.errors = Some(errors.clone());
            }
            Self::Conflict { info, .. } => {
                problem.current_state = info.current_state.clone();
                problem.conflicts = (!info.conflicts.is_empty()).then(|| info.conflicts.clone());
                problem.remaining_fen = info.remaining_fen;
                problem.code = info.reason.as_ref().map(|r| r.code.to_owned()).filter(|code| code != "text");
            }
            Self::SecondFactorRequired(_) => {
                problem.errors = Some(vec![FieldError::new("code", Invalid::new("second-factor"))]);
            }
            Self::ReauthenticationRequired(_) => {
                problem.errors = Some(vec![FieldError::new("password", Invalid::new("reauthenticate"))]);
            }
            Self::Internal(_) => {
                problem.detail =
                    "Something went wrong on our side; it has been logged. Please try again later."
                        .to_owned();
            }
            _ => {}
        }
        problem
    }
}

/// Whether a database error means the database is not there (refused, unknown, full of
/// connections, shut down, reset, a TLS failure, its file gone) rather than a fault in a
/// statement: the first is an outage, a 503 to retry; the second is ours, a 500.
pub fn is_unreachable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(e) => {
            let Some(code) = e.code() else { return false };
            if e.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // SQLite's primary result code is the low byte of its extended code: BUSY (after
                // the busy timeout), READONLY, IOERR, FULL, CANTOPEN, NOTADB.
                return code.parse::<i32>().is_ok_and(|c| matches!(c & 0xff, 5 | 8 | 10 | 13 | 14 | 26));
            }
            // PostgreSQL's SQLSTATEs: connection exceptions (08), too many connections (53300),
            // admin or crash shutdown and "cannot connect now" (57P01-03), an unknown database
            // (3D000: renamed or dropped), refused credentials (28000, 28P01), and a database
            // whose ALLOW_CONNECTIONS is false (55000 with that message).
            code.starts_with("08")
                || matches!(&*code, "53300" | "57P01" | "57P02" | "57P03" | "3D000" | "28000" | "28P01")
                || (code == "55000" && e.message().contains("not currently accepting connections"))
        }
        _ => false,
    }
}

impl From<sqlx::Error> for ApiError {
    /// A database that cannot be reached is a 503 to retry; any other database error is ours.
    fn from(err: sqlx::Error) -> Self {
        if is_unreachable(&err) {
            tracing::warn!(error = %err, "database unreachable");
            Self::Unavailable {
                detail: "The database cannot be reached right now; please try again in a minute.".into(),
                retry_after: Duration::from_secs(30),
            }
        } else {
            Self::Internal(err.into())
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        Self::Internal(err)
    }
}

impl ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        self.status_code()
    }

    fn as_response(&self) -> Response {
        if let Self::Internal(cause) = self {
            tracing::error!(error = %format!("{cause:#}"), "request failed");
        }
        let body = self.to_problem().to_json_string();
        let mut response =
            Response::builder().status(self.status_code()).content_type(PROBLEM_CONTENT_TYPE).body(body);
        if let Self::TooManyRequests { retry_after, .. } | Self::Unavailable { retry_after, .. } = self {
            let seconds = retry_after.as_secs().max(1);
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.as_response()
    }
}

/// Documents every error status once, so each operation lists them in the OpenAPI document.
impl ApiResponse for ApiError {
    fn meta() -> MetaResponses {
        let statuses: [(u16, &'static str); 11] = [
            (400, "Malformed request (unparsable JSON, bad parameter)."),
            (401, "Missing, invalid or expired bearer token."),
            (403, "Authenticated, but not allowed to do this."),
            (404, "The resource does not exist or is not visible to you."),
            (409, "Conflicts with the current state (not an allowed move, a clash, no budget left)."),
            (413, "Request body too large."),
            (415, "The body's content type is not one this operation takes."),
            (422, "Validation failed; `errors` lists each offending field."),
            (429, "Too many attempts; retry after the `Retry-After` seconds."),
            (500, "Unexpected server error; logged, details withheld."),
            (503, "The database is out of reach; retry after the `Retry-After` seconds."),
        ];
        MetaResponses {
            responses: statuses
                .into_iter()
                .map(|(status, description)| MetaResponse {
                    description,
                    status: Some(status),
                    status_range: None,
                    content: vec![MetaMediaType {
                        content_type: PROBLEM_CONTENT_TYPE,
                        schema: Problem::schema_ref(),
                    }],
                    headers: vec![],
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        Problem::register(registry);
    }
}

/// Collects every invalid field of a request before failing, so clients fix them all at once.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldError>);

impl Violations {
    pub fn add(&mut self, field: impl Into<String>, invalid: impl Into<Invalid>) {
        self.0.push(FieldError::new(field, invalid));
    }

    /// Records the error of `result` under `field` and returns its value, if any.
    pub fn check<T, E: Into<Invalid>>(
        &mut self,
        field: impl Into<String>,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.add(field, message);
                None
            }
        }
    }

    /// `Ok(value)` when nothing was recorded, else a 422 listing every field.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> ApiResult<T> {
        if self.0.is_empty() { Ok(value()) } else { Err(ApiError::Validation(self.0)) }
    }

    pub fn into_error(self) -> ApiError {
        ApiError::Validation(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coded_messages_are_said_in_each_language_with_numbers_and_typed_text_as_given() {
        let long = Invalid::new("too-long").with("max", 80);
        assert_eq!(long.text(Lang::En), "must be at most 80 characters");
        assert_eq!(long.text(Lang::Zh), "最多 80 个字。");
        let typed = Invalid::new("date").with("typed", "007");
        assert_eq!(typed.text(Lang::En), "\"007\" is not a date; use 2026-12-04");
        let mut field = FieldError::new("title_zh", long);
        assert_eq!(
            (field.code.as_str(), field.message.as_str()),
            ("too-long", "must be at most 80 characters")
        );
        field.localize(Lang::Zh);
        assert_eq!(field.message, "最多 80 个字。");
        // Prose from before codes is kept as it is, in both languages.
        let old = Invalid::from("line 3: write code | class");
        assert_eq!((old.text(Lang::Zh), old.code), ("line 3: write code | class".to_owned(), "text"));
        let conflict = ApiError::conflict(Reason::new("date-cancelled")).localized(Lang::Zh);
        assert_eq!(conflict.to_problem().detail, "这个日期已经取消。");
        assert_eq!(conflict.to_problem().code.as_deref(), Some("date-cancelled"));
    }
}
