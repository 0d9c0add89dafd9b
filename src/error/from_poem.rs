//! Errors raised outside our handlers (unknown routes, unparsable parameters, wrong content
//! types) turned into the same problem body, with positional path parameters named.

use std::sync::Arc;

use crate::words::Lang;
use poem::{
    Endpoint, IntoResponse, PathPattern, Request, Response,
    error::{NotFoundError, ReadBodyError},
    http::{StatusCode, header},
};
use poem_openapi::error::{AuthorizationError, ContentTypeError, ParseParamError, ParsePathError};

use super::ApiError;

/// The API's path parameters by route: their names and, for enums, the values allowed.
///
/// poem-openapi reports a path parameter that does not parse by its position (`param1`) and
/// with a generic reason; this maps it back to the name and values of the OpenAPI document, so
/// the problem says `action: unknown value "fly"; expected one of: submit, approve, …`.
#[derive(Debug, Default, Clone)]
pub struct PathParams(Arc<Vec<Route>>);

/// One path of the document: its pattern (`/api/v1/bookings/:param0`), its parameters and the
/// methods it answers (for a 405's `Allow`).
#[derive(Debug)]
pub(super) struct Route {
    pattern: String,
    params: Vec<PathParam>,
    methods: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PathParam {
    name: String,
    allowed: Option<Vec<String>>,
}

impl PathParams {
    /// Reads the paths (`/bookings/{id}/{action}`) and parameter schemas of an OpenAPI document.
    pub fn from_spec(spec: &serde_json::Value) -> Self {
        let mut routes = Vec::new();
        for (path, item) in spec["paths"].as_object().into_iter().flatten() {
            let (mut pattern, mut params) = (String::new(), Vec::new());
            // `str::is_empty` by name: poem-openapi's `Type` trait, in scope here, has an
            // `is_empty` of its own that is always false.
            for segment in path.split('/').filter(|s| !str::is_empty(s)) {
                pattern.push('/');
                match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => {
                        pattern.push_str(&format!(":param{}", params.len()));
                        params.push(PathParam {
                            name: name.to_owned(),
                            allowed: allowed_values(spec, item, name),
                        });
                    }
                    None => pattern.push_str(segment),
                }
            }
            let methods = item
                .as_object()
                .into_iter()
                .flat_map(|ops| ops.keys())
                .map(|m| m.to_ascii_uppercase())
                .collect();
            routes.push(Route { pattern, params, methods });
        }
        // Longest first, so a route is not mistaken for a shorter one it ends with.
        routes.sort_by_key(|route| std::cmp::Reverse(route.pattern.len()));
        Self(Arc::new(routes))
    }

    /// The methods the document lists for `path`, for the `Allow` header of a 405. Routes with
    /// more literal segments win (`/bookings/review-queue` over `/bookings/:param0`); routes that
    /// differ only in a parameter's name (`/venues/{key}` and `/venues/{id}`) add up.
    pub fn allowed_methods(&self, path: &str) -> Option<String> {
        let segments: Vec<&str> = path.split('/').filter(|s| !str::is_empty(s)).collect();
        let literals = |route: &Route| route.pattern.split('/').filter(|s| !s.starts_with(':')).count();
        let matching: Vec<&Route> = self
            .0
            .iter()
            .filter(|route| {
                let pattern: Vec<&str> = route.pattern.split('/').filter(|s| !str::is_empty(s)).collect();
                pattern.len() == segments.len()
                    && pattern.iter().zip(&segments).all(|(p, s)| p.starts_with(':') || p == s)
            })
            .collect();
        let best = matching.iter().map(|route| literals(route)).max()?;
        let methods: std::collections::BTreeSet<&str> = matching
            .iter()
            .filter(|route| literals(route) == best)
            .flat_map(|route| route.methods.iter().map(String::as_str))
            .collect();
        Some(methods.into_iter().collect::<Vec<_>>().join(", "))
    }

    /// The parameter poem calls `positional` in the route `pattern`, and its value in `path`.
    fn find<'a>(
        &'a self,
        pattern: &str,
        positional: &str,
        path: &'a str,
    ) -> Option<(&'a PathParam, &'a str)> {
        let index: usize = positional.strip_prefix("param")?.parse().ok()?;
        let Route { pattern: route, params, .. } =
            self.0.iter().find(|route| pattern.ends_with(route.pattern.as_str()))?;
        let segments = route.split('/').count();
        let placeholder = format!(":{positional}");
        let at = route.split('/').position(|s| s == placeholder)?;
        // The route is the end of the pattern, so it is the end of the path too.
        let value = path.split('/').rev().nth(segments - 1 - at)?;
        Some((params.get(index)?, value))
    }
}

/// The enum values a path parameter's schema allows, if it is an enum.
fn allowed_values(spec: &serde_json::Value, item: &serde_json::Value, name: &str) -> Option<Vec<String>> {
    let parameter = item
        .as_object()?
        .values()
        .flat_map(|operation| operation["parameters"].as_array().into_iter().flatten())
        .find(|p| p["in"] == "path" && p["name"] == name)?;
    let schema = match parameter["schema"]["$ref"].as_str() {
        Some(reference) => &spec["components"]["schemas"][reference.rsplit('/').next()?],
        None => &parameter["schema"],
    };
    schema["enum"]
        .as_array()
        .map(|values| values.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
}

/// Converts an error raised outside our handlers into our problem body.
pub fn api_error_from_poem(err: poem::Error) -> ApiError {
    api_error_from_poem_named(err, &PathParams::default(), "")
}

fn api_error_from_poem_named(err: poem::Error, path_params: &PathParams, path: &str) -> ApiError {
    let err = match err.downcast::<ApiError>() {
        Ok(api_error) => return api_error,
        Err(err) => err,
    };
    if let Some(e) = err.downcast_ref::<ParseParamError>() {
        return ApiError::invalid(e.name, e.reason.clone());
    }
    if let Some(e) = err.downcast_ref::<ParsePathError>() {
        let found = err.data::<PathPattern>().and_then(|p| path_params.find(&p.0, e.name, path));
        return match found {
            Some((PathParam { name, allowed: Some(allowed) }, value)) => ApiError::invalid(
                name,
                format!("unknown value {value:?}; expected one of: {}", allowed.join(", ")),
            ),
            Some((PathParam { name, .. }, _)) => ApiError::invalid(name, e.reason.clone()),
            None => ApiError::invalid(e.name, e.reason.clone()),
        };
    }
    if err.is::<AuthorizationError>() {
        return ApiError::Unauthorized(
            "Send a valid bearer token: `Authorization: Bearer <token>` from POST /api/v1/auth/login."
                .to_owned(),
        );
    }
    if let Some(e) = err.downcast_ref::<ContentTypeError>() {
        return ApiError::UnsupportedMediaType(format!("{e}; send `Content-Type: application/json`."));
    }
    if err.is::<NotFoundError>() {
        return ApiError::NotFound("No such route. The API lives under /api/v1; see /api/docs.".to_owned());
    }
    if let Some(ReadBodyError::PayloadTooLarge) = err.downcast_ref::<ReadBodyError>() {
        return ApiError::PayloadTooLarge("The request body is too large.".to_owned());
    }
    match err.status() {
        StatusCode::METHOD_NOT_ALLOWED => {
            ApiError::MethodNotAllowed("This route does not accept that method.".to_owned())
        }
        StatusCode::NOT_FOUND => ApiError::NotFound(err.to_string()),
        StatusCode::UNAUTHORIZED => ApiError::Unauthorized(err.to_string()),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(err.to_string()),
        status if status.is_client_error() => ApiError::BadRequest(err.to_string()),
        _ => ApiError::Internal(anyhow::anyhow!("{err}")),
    }
}

/// Middleware: every error that reaches the top becomes a problem+json response.
pub async fn problem_responses<E: Endpoint>(ep: E, req: Request) -> poem::Result<Response> {
    let path_params = req.data::<PathParams>().cloned().unwrap_or_default();
    let path = req.uri().path().to_owned();
    // Field messages follow `Accept-Language`; without one they stay English, the API's own. The
    // header is kept as it came (a reference count) and read only when an error needs it.
    let accept_language = req.headers().get(header::ACCEPT_LANGUAGE).cloned();
    match ep.call(req).await {
        Ok(response) => Ok(response.into_response()),
        // A page an HTML route made for its own refusal (`web::form`) goes out as it is.
        Err(err) if err.is_from_response() => Ok(err.into_response()),
        Err(err) => {
            let allow = (err.status() == StatusCode::METHOD_NOT_ALLOWED)
                .then(|| path_params.allowed_methods(&path))
                .flatten();
            let error = api_error_from_poem_named(err, &path_params, &path);
            let lang =
                accept_language.as_ref().and_then(|v| v.to_str().ok()).and_then(Lang::from_accept_language);
            let mut response = match lang {
                Some(lang) => error.localized(lang).into_response(),
                None => error.into_response(),
            };
            if let Some(allow) = allow.and_then(|a| poem::http::HeaderValue::from_str(&a).ok()) {
                response.headers_mut().insert(poem::http::header::ALLOW, allow);
            }
            Ok(response)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positional_path_parameters_get_their_names_and_allowed_values() {
        let spec = serde_json::json!({
            "paths": {
                "/api/v1/bookings/{id}/{action}": {"post": {"parameters": [
                    {"in": "path", "name": "id", "schema": {"type": "integer"}},
                    {"in": "path", "name": "action", "schema": {"$ref": "#/components/schemas/Action"}}
                ]}},
                "/api/v1/bookings/{id}": {}
            },
            "components": {"schemas": {"Action": {"type": "string", "enum": ["submit", "approve"]}}}
        });
        let params = PathParams::from_spec(&spec);
        let (action, value) =
            params.find("/api/v1/bookings/:param0/:param1", "param1", "/api/v1/bookings/7/fly").unwrap();
        assert_eq!((action.name.as_str(), value), ("action", "fly"));
        assert_eq!(action.allowed, Some(vec!["submit".to_owned(), "approve".to_owned()]));
        let (id, value) = params.find("/api/v1/bookings/:param0", "param0", "/api/v1/bookings/x").unwrap();
        assert_eq!((id.name.as_str(), id.allowed.as_ref(), value), ("id", None, "x"));
        assert!(params.find("/api/v1/bookings/:param0", "param1", "/api/v1/bookings/x").is_none());
        assert!(params.find("/elsewhere/:param0", "param0", "/elsewhere/x").is_none());
    }
}
