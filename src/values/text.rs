//! Validated text: names and descriptions, e-mail addresses, and enums stored as text.

use crate::error::Invalid;

/// Stores a value as TEXT on both backends: encodes with `$to_text`, decodes with `$parse`.
/// A stored value that does not parse fails the query (logged, a 500), so a corrupt row is never
/// read as some default.
macro_rules! sqlx_text {
    ($ty:ty, $to_text:expr, $parse:expr) => {
        impl<DB: sqlx::Database> sqlx::Type<DB> for $ty
        where
            str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $ty
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&'r str as sqlx::Decode<'r, DB>>::decode(value)?;
                let parse: fn(&str) -> Result<$ty, _> = $parse;
                parse(text).map_err(|message| format!("unreadable {}: {message}", stringify!($ty)).into())
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $ty
        where
            String: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut DB::ArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                let to_text: fn(&$ty) -> &str = $to_text;
                <String as sqlx::Encode<'q, DB>>::encode(to_text(self).to_owned(), buf)
            }
        }
    };
}
pub(crate) use sqlx_text;

/// Gives a fieldless enum its wire text: `as_str`, `parse` (with an error that lists the allowed
/// values) and TEXT storage on both backends.
macro_rules! text_enum {
    ($ty:ty { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &[Self] = &[$(Self::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Result<Self, $crate::error::Invalid> {
                match text {
                    $($text => Ok(Self::$variant),)+
                    other => Err($crate::error::Invalid::new("one-of")
                        .with("typed", other)
                        .with("allowed", [$($text),+].join(", "))),
                }
            }
        }

        $crate::values::text::sqlx_text!($ty, |value: &$ty| value.as_str(), <$ty>::parse);
    };
}
pub(crate) use text_enum;

/// A normalized (trimmed, lower-case) e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let email = raw.trim().to_lowercase();
        let valid = email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if valid { Ok(Self(email)) } else { Err(Invalid::new("email")) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Trimmed, non-empty text of one line and bounded length (names, titles, addresses): no control
/// character at all, line breaks and tabs included, since these end up in page titles, feed
/// headers and e-mail subjects.
pub fn required_text(raw: &str, max_chars: usize) -> Result<String, Invalid> {
    let text = optional_line(raw, max_chars)?;
    if text.is_empty() { Err(Invalid::new("required")) } else { Ok(text) }
}

/// Trimmed text of one line and bounded length that may be empty (a title in one language).
pub fn optional_line(raw: &str, max_chars: usize) -> Result<String, Invalid> {
    let text = raw.trim();
    if text.chars().count() > max_chars {
        Err(Invalid::new("too-long").with("max", max_chars))
    } else if text.chars().any(char::is_control) {
        Err(Invalid::new("one-line"))
    } else {
        Ok(text.to_owned())
    }
}

/// Trimmed, non-empty text of bounded length that may run over several lines (a comment).
pub fn required_paragraph(raw: &str, max_chars: usize) -> Result<String, Invalid> {
    let text = optional_text(raw, max_chars)?;
    if text.is_empty() { Err(Invalid::new("required")) } else { Ok(text) }
}

/// Trimmed text of bounded length that may be empty (descriptions). Line breaks become `\n`.
pub fn optional_text(raw: &str, max_chars: usize) -> Result<String, Invalid> {
    let text = raw.trim().replace("\r\n", "\n").replace('\r', "\n");
    if text.chars().count() > max_chars {
        Err(Invalid::new("too-long").with("max", max_chars))
    } else if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        Err(Invalid::new("control-characters"))
    } else {
        Ok(text)
    }
}

/// A title in Chinese, English or both (each at most 200 characters): checked into `v` as
/// `title_zh` and `title_en`; `None` where a field is bad.
pub fn bilingual_title(
    v: &mut crate::error::Violations,
    zh: &str,
    en: &str,
) -> (Option<String>, Option<String>) {
    let title_zh = v.check("title_zh", optional_line(zh, 200));
    let title_en = v.check("title_en", optional_line(en, 200));
    if title_zh.as_deref() == Some("") && title_en.as_deref() == Some("") {
        v.add("title_zh", Invalid::new("title-either"));
    }
    (title_zh, title_en)
}

/// A slug a person chose for an address: 3 to 60 of a-z, 0-9 and inner hyphens.
pub fn validate_slug(raw: &str) -> Result<String, Invalid> {
    let slug = raw.trim();
    let ok = (3..=60).contains(&slug.len())
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok { Ok(slug.to_owned()) } else { Err(Invalid::new("slug")) }
}

/// The words of `source` as a URL slug: lower-case ASCII letters and digits joined by single
/// hyphens, at most about `max` bytes; empty when nothing in it is ASCII.
pub fn slug_words(source: &str, max: usize) -> String {
    let mut slug = String::new();
    for c in source.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= max {
            break;
        }
    }
    slug.trim_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Colour {
        Red,
        DeepBlue,
    }
    text_enum!(Colour { Red => "red", DeepBlue => "deep_blue" });

    #[test]
    fn email_is_normalized_and_validated() {
        assert_eq!(Email::parse("  Ada@Example.COM ").unwrap().as_str(), "ada@example.com");
        for bad in ["", "ada", "ada@", "@example.com", "ada@example", "a da@example.com", "a@b@c.d"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn text_enums_round_trip_and_explain_unknown_values() {
        assert_eq!(Colour::parse("deep_blue"), Ok(Colour::DeepBlue));
        assert_eq!(Colour::Red.as_str(), "red");
        assert_eq!(Colour::ALL, [Colour::Red, Colour::DeepBlue]);
        let err = Colour::parse("green").unwrap_err();
        assert_eq!(
            err.text(crate::words::Lang::En),
            "unknown value \"green\"; expected one of: red, deep_blue"
        );
    }

    #[test]
    fn required_text_trims_and_refuses_empty() {
        assert_eq!(required_text("  Wuma  ", 10), Ok("Wuma".into()));
        assert_eq!(required_text("   ", 10), Err(Invalid::new("required")));
        assert_eq!(required_text("x\u{0}y", 10), Err(Invalid::new("one-line")));
        assert!(required_text("two\nlines", 10).is_err() && required_text("a\tb", 10).is_err());
        assert_eq!(required_paragraph(" two\r\nlines ", 20), Ok("two\nlines".into()));
        assert_eq!(required_text("五马街五马街", 5), Err(Invalid::new("too-long").with("max", 5)));
    }

    #[test]
    fn optional_text_normalises_line_breaks() {
        assert_eq!(optional_text(" a\r\nb\rc ", 10), Ok("a\nb\nc".into()));
        assert_eq!(optional_text("", 10), Ok(String::new()));
        assert!(optional_text("toolong", 3).is_err());
    }
}
