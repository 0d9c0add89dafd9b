//! `JsonBody<T>`: the request-body extractor every JSON operation uses.
//!
//! poem-openapi's own `Json` reports a wrong type without naming the field. We parse with serde
//! and `serde_path_to_error` instead, so a client reads `capacity: invalid type: string "ten",
//! expected i64`, and we cap the body size while reading it. The schema in the OpenAPI document
//! still comes from `T`'s `Object` derive.

use poem::{Request, RequestBody, http::header};
use poem_openapi::{
    ApiExtractor, ApiExtractorType, ExtractParamOptions,
    payload::{ParsePayload, Payload},
    registry::{MetaMediaType, MetaRequest, MetaSchemaRef, Registry},
    types::Type,
};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

/// The largest JSON body we read; anything larger is a 413.
pub const MAX_JSON_BODY: usize = 256 * 1024;

pub struct JsonBody<T>(pub T);

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn check_content_type(content_type: &str) -> bool {
        let essence = content_type.split(';').next().unwrap_or("").trim();
        essence.eq_ignore_ascii_case("application/json")
            || (essence.starts_with("application/") && essence.ends_with("+json"))
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type + DeserializeOwned + Send> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let too_large =
            || ApiError::PayloadTooLarge(format!("The JSON body exceeds {MAX_JSON_BODY} bytes; send less."));
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > MAX_JSON_BODY as u64) {
            return Err(too_large().into());
        }
        let bytes = body
            .take()
            .map_err(|e| ApiError::BadRequest(e.to_string()))?
            .into_bytes_limit(MAX_JSON_BODY)
            .await
            .map_err(|e| match e {
                poem::error::ReadBodyError::PayloadTooLarge => too_large(),
                other => ApiError::BadRequest(format!("Could not read the body: {other}")),
            })?;
        parse_json(&bytes).map(Self).map_err(|err| every_missing_field::<T>(&bytes, err).into())
    }
}

/// serde stops at the first missing field; a client fixing its request wants them all. When the
/// first problem is a missing top-level field, every required property of `T`'s schema (the one
/// the OpenAPI document shows) that the body lacks is named.
fn every_missing_field<T: Type>(bytes: &[u8], err: ApiError) -> ApiError {
    let ApiError::Validation(fields) = &err else { return err };
    let top_level_missing = fields.len() == 1
        && fields[0].message.starts_with("missing field")
        && !fields[0].field.contains(['.', '[']);
    if !top_level_missing {
        return err;
    }
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}".as_slice() } else { bytes };
    let Ok(serde_json::Value::Object(given)) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return err;
    };
    let mut registry = Registry::new();
    T::register(&mut registry);
    let Some(schema) = registry.schemas.get(&*T::name()) else { return err };
    let missing: Vec<FieldError> = schema
        .required
        .iter()
        .filter(|name| !given.contains_key(**name))
        .map(|name| FieldError::new((*name).to_owned(), format!("missing field `{name}`")))
        .collect();
    if missing.len() > 1 { ApiError::Validation(missing) } else { err }
}

/// Like poem-openapi's payload extractors, except that a request with no body at all reads as
/// `{}`: an action such as `POST /bookings/1/approve` needs no body, and a missing required
/// field is then a 422 naming it rather than a complaint about content types.
impl<'a, T: Type + DeserializeOwned + Send> ApiExtractor<'a> for JsonBody<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        <Self as Payload>::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: <Self as Payload>::CONTENT_TYPE,
                schema: <Self as Payload>::schema_ref(),
            }],
            // Required when the body has required fields; an action whose fields are all
            // optional may be sent with no body at all (it reads as `{}`).
            required: {
                let mut registry = Registry::new();
                T::register(&mut registry);
                registry.schemas.get(&*T::name()).is_none_or(|schema| !schema.required.is_empty())
            },
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        match request.content_type() {
            Some(content_type) if !Self::check_content_type(content_type) => {
                Err(ApiError::UnsupportedMediaType(format!(
                    "Content type {content_type:?} is not supported; send `Content-Type: application/json`."
                ))
                .into())
            }
            _ => <Self as ParsePayload>::from_request(request, body).await,
        }
    }
}

/// For `#[serde(default, deserialize_with = "crate::http::not_null")]` on an optional field whose
/// absence means something (`booking_ids` left out: all of them): `null` is refused rather than
/// read as absent, so a client that sends `null` for "none chosen" does not get "all".
pub fn not_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    match <Option<T> as serde::Deserialize>::deserialize(deserializer)? {
        Some(value) => Ok(Some(value)),
        None => Err(serde::de::Error::custom("must not be null; leave the field out instead")),
    }
}

/// Parses a JSON document, naming the offending field on a type error.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}".as_slice() } else { bytes };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            // serde reports `null` (or a number) where an enum belongs as a syntax error; when the
            // document itself is valid JSON, it is the field's value that is wrong.
            if path != "." && serde_json::from_slice::<serde_json::Value>(bytes).is_ok() {
                return ApiError::invalid(
                    path,
                    "has no valid value here (null or the wrong type); see the allowed values",
                );
            }
            return ApiError::BadRequest(format!("The body is not valid JSON: {inner}."));
        }
        let message = inner.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
        // A missing field is reported at its parent object; name the field itself.
        let field = match message.strip_prefix("missing field `").and_then(|m| m.split('`').next()) {
            Some(name) if path == "." => name.to_owned(),
            Some(name) => format!("{path}.{name}"),
            None if path == "." => "body".to_owned(),
            None => path,
        };
        ApiError::invalid(field, message)
    })?;
    deserializer.end().map_err(|e| ApiError::BadRequest(format!("The body is not valid JSON: {e}.")))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Input {
        name: String,
        capacity: i64,
        hours: Vec<Window>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Window {
        opens: String,
    }

    fn field_of(err: ApiError) -> String {
        match err {
            ApiError::Validation(errors) => errors[0].field.clone(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn wrong_type_names_the_field() {
        let err = parse_json::<Input>(br#"{"name":"x","capacity":"ten","hours":[]}"#).unwrap_err();
        assert_eq!(field_of(err), "capacity");
    }

    #[test]
    fn nested_wrong_type_names_the_path() {
        let err = parse_json::<Input>(br#"{"name":"x","capacity":1,"hours":[{"opens":1}]}"#).unwrap_err();
        assert_eq!(field_of(err), "hours[0].opens");
    }

    #[test]
    fn missing_field_names_the_field() {
        let err = parse_json::<Input>(br#"{"capacity":1,"hours":[]}"#).unwrap_err();
        assert_eq!(field_of(err), "name");
    }

    #[test]
    fn syntax_error_is_a_bad_request() {
        assert!(matches!(parse_json::<Input>(br#"{"name":"#), Err(ApiError::BadRequest(_))));
        assert_eq!(field_of(parse_json::<Input>(b"").unwrap_err()), "name", "no body reads as {{}}");
        assert!(matches!(
            parse_json::<Input>(br#"{"name":"x","capacity":1,"hours":[]} trailing"#),
            Err(ApiError::BadRequest(_))
        ));
    }
}
