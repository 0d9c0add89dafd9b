//! Shared value types: validated text and e-mail, instants and their bounds, money, the two
//! languages, and who acts on a reviewed record. Every domain imports these from here; none of
//! them knows any domain.
//!
//! Parsing functions return `Result<_, String>`: the message says what a valid value looks like,
//! and callers attach the field name (see [`crate::error::Violations`]).

pub mod money;
pub mod text;
pub mod time;

use chrono_tz::Tz;

pub use crate::words::Lang;

// Stored as `zh` or `en` (a user's language for notifications).
text::sqlx_text!(Lang, |lang: &Lang| lang.short(), Lang::from_short);

/// Who acts on a reviewed record (a booking, an incentive application): the organization that
/// applied, or the commerce office's staff. State machines name the actor of every move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Owner,
    Staff,
}

/// An IANA time zone such as `Asia/Shanghai`, stored by name. A stored name that no longer parses
/// is an unreadable row (a 500 that is logged), never a silent fallback to another zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(Tz);

impl Zone {
    pub const DEFAULT_NAME: &str = "Asia/Shanghai";

    pub fn parse(raw: &str) -> Result<Self, String> {
        raw.trim()
            .parse::<Tz>()
            .map(Self)
            .map_err(|_| format!("{raw:?} is not an IANA time zone; use a name like Asia/Shanghai"))
    }

    pub fn tz(self) -> Tz {
        self.0
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

impl std::fmt::Display for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Default for Zone {
    fn default() -> Self {
        Self(chrono_tz::Asia::Shanghai)
    }
}

text::sqlx_text!(Zone, |zone: &Zone| zone.name(), Zone::parse);

/// In the API a zone is its IANA name, a string.
impl poem_openapi::types::Type for Zone {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> std::borrow::Cow<'static, str> {
        "string(iana-zone)".into()
    }

    fn schema_ref() -> poem_openapi::registry::MetaSchemaRef {
        let mut schema = poem_openapi::registry::MetaSchema::new("string");
        schema.description = Some("An IANA time zone name, e.g. Asia/Shanghai.");
        poem_openapi::registry::MetaSchemaRef::Inline(Box::new(schema))
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(std::iter::once(self))
    }
}

impl poem_openapi::types::ToJSON for Zone {
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::Value::String(self.name().to_owned()))
    }
}

impl poem_openapi::types::ParseFromJSON for Zone {
    fn parse_from_json(value: Option<serde_json::Value>) -> poem_openapi::types::ParseResult<Self> {
        match value {
            Some(serde_json::Value::String(name)) => {
                Self::parse(&name).map_err(poem_openapi::types::ParseError::custom)
            }
            other => Err(poem_openapi::types::ParseError::expected_type(other.unwrap_or_default())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_parse_from_tags_and_fall_back_to_chinese() {
        assert_eq!(Lang::parse(Some("en-GB")), Lang::En);
        assert_eq!(Lang::parse(Some(" EN ")), Lang::En);
        assert_eq!(Lang::parse(Some("zh-CN")), Lang::Zh);
        assert_eq!(Lang::parse(Some("fr")), Lang::Zh);
        assert_eq!(Lang::parse(None), Lang::Zh);
    }

    #[test]
    fn text_falls_back_to_the_other_language() {
        assert_eq!(Lang::En.pick("五马街", ""), "五马街");
        assert_eq!(Lang::Zh.pick("", "Wuma Street"), "Wuma Street");
        assert_eq!(Lang::Zh.pick("五马街", "Wuma Street"), "五马街");
    }

    #[test]
    fn zones_are_iana_names() {
        assert_eq!(Zone::parse(" Asia/Shanghai ").unwrap().name(), "Asia/Shanghai");
        assert!(Zone::parse("Mars/Olympus").unwrap_err().contains("IANA"));
        assert_eq!(Zone::default().name(), Zone::DEFAULT_NAME);
    }
}
