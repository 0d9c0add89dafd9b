//! How a request body names a venue: by id or by slug.

use serde::Deserialize;

use super::{Venue, store};
use crate::error::ApiResult;

/// How a request body names a venue: its numeric id or its slug (`"venue_id": 3` or
/// `"venue_id": "wuma-street"`), as venue URLs do.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum VenueKey {
    Id(i64),
    Slug(String),
}

impl VenueKey {
    /// The venue it names, if there is one.
    pub async fn find(&self, db: &crate::db::Db) -> ApiResult<Option<Venue>> {
        match self {
            Self::Id(id) => store::find(db, *id).await,
            Self::Slug(slug) => store::find_by_slug(db, slug.trim()).await,
        }
    }
}

impl std::fmt::Display for VenueKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Id(id) => write!(f, "{id}"),
            Self::Slug(slug) => write!(f, "'{slug}'"),
        }
    }
}

/// In the document: an integer or a string.
impl poem_openapi::types::Type for VenueKey {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> std::borrow::Cow<'static, str> {
        "venue_key".into()
    }

    fn schema_ref() -> poem_openapi::registry::MetaSchemaRef {
        use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
        let mut schema = MetaSchema::ANY;
        schema.description = Some("A venue's numeric id or its slug, e.g. 3 or \"wuma-street\".");
        schema.one_of = vec![
            MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("integer", "int64"))),
            MetaSchemaRef::Inline(Box::new(MetaSchema::new("string"))),
        ];
        MetaSchemaRef::Inline(Box::new(schema))
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(std::iter::once(self))
    }
}

impl poem_openapi::types::ToJSON for VenueKey {
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(match self {
            Self::Id(id) => serde_json::Value::from(*id),
            Self::Slug(slug) => serde_json::Value::String(slug.clone()),
        })
    }
}

impl poem_openapi::types::ParseFromJSON for VenueKey {
    fn parse_from_json(value: Option<serde_json::Value>) -> poem_openapi::types::ParseResult<Self> {
        match value {
            Some(serde_json::Value::String(slug)) => Ok(Self::Slug(slug)),
            Some(serde_json::Value::Number(n)) if n.is_i64() => Ok(Self::Id(n.as_i64().unwrap_or_default())),
            other => Err(poem_openapi::types::ParseError::expected_type(other.unwrap_or_default())),
        }
    }
}
