//! The word catalogue: every text a person reads, one Fluent file per language.
//!
//! `zh-CN.ftl` and `en.ftl` beside this file hold the same keys (a test compares them and checks
//! that every key the code asks for exists). Translators edit those files, not Rust. A key is
//! `area-name`, for example `portal-save` or `console-waiting`.
//!
//! Two ways in:
//! - [`catalogue!`] declares a struct of fixed words (no arguments) that pages pass to templates
//!   as `w.save`; each language's struct is built once, on first use.
//! - [`text`] and [`text_with`] format one message, the latter with arguments (`{ $seconds }`)
//!   and the language's plural rules.
//!
//! Fluent wraps each argument in Unicode isolation marks by default; we turn them off because
//! our arguments are numbers and names inside one script, and the marks would show up in
//! e-mail subjects and SMS.

use std::{borrow::Cow, sync::LazyLock};

pub use fluent_bundle::FluentValue;
use fluent_bundle::{FluentArgs, FluentResource, concurrent::FluentBundle};

/// The two languages Debut speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// `en` or `en-…` is English; anything else (or nothing) is Chinese, the district's language.
    pub fn parse(raw: Option<&str>) -> Self {
        match raw.map(str::trim) {
            Some(l) if l.eq_ignore_ascii_case("en") || l.to_ascii_lowercase().starts_with("en-") => Self::En,
            _ => Self::Zh,
        }
    }

    /// The BCP 47 tag pages and feeds declare.
    pub fn code(self) -> &'static str {
        match self {
            Self::Zh => "zh-CN",
            Self::En => "en",
        }
    }

    /// The text in this language, falling back to the other when it is empty.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Zh if !zh.is_empty() => zh,
            Self::En if !en.is_empty() => en,
            Self::Zh => en,
            Self::En => zh,
        }
    }
}

impl Lang {
    /// `zh` or `en`: the stored form and the `lang` cookie's.
    pub fn short(&self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }

    pub fn from_short(text: &str) -> Result<Self, String> {
        match text {
            "zh" => Ok(Self::Zh),
            "en" => Ok(Self::En),
            other => Err(format!("unknown language {other:?}; expected zh or en")),
        }
    }
}

impl Lang {
    /// The first of `zh` or `en` an `Accept-Language` header names (`zh-CN,zh;q=0.9,en;q=0.8`
    /// is Chinese), if any. Quality values are taken in the order clients send them, which is
    /// the order of preference in every browser.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        header.split(',').map(|t| t.split(';').next().unwrap_or("").trim().to_ascii_lowercase()).find_map(
            |tag| {
                if tag.starts_with("en") {
                    Some(Self::En)
                } else if tag.starts_with("zh") {
                    Some(Self::Zh)
                } else {
                    None
                }
            },
        )
    }
}

/// The catalogue files, compiled in.
pub const SOURCES: [(Lang, &str); 2] =
    [(Lang::Zh, include_str!("zh-CN.ftl")), (Lang::En, include_str!("en.ftl"))];

type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: Lang, source: &str) -> Bundle {
    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(_, errors)| {
        panic!("the {} word catalogue does not parse: {errors:?}", lang.code())
    });
    let tag = lang.code().parse().expect("a language tag");
    let mut bundle = FluentBundle::new_concurrent(vec![tag]);
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .unwrap_or_else(|errors| panic!("duplicate keys in the {} catalogue: {errors:?}", lang.code()));
    bundle
}

static ZH: LazyLock<Bundle> = LazyLock::new(|| bundle(Lang::Zh, SOURCES[0].1));
static EN: LazyLock<Bundle> = LazyLock::new(|| bundle(Lang::En, SOURCES[1].1));

fn bundle_of(lang: Lang) -> &'static Bundle {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// Whether the catalogue of `lang` holds `key`.
pub fn has(lang: Lang, key: &str) -> bool {
    bundle_of(lang).has_message(key)
}

/// The message `key` in `lang`, without arguments.
pub fn text(lang: Lang, key: &str) -> Cow<'static, str> {
    format(lang, key, None)
}

/// The message `key` in `lang` with its arguments, e.g.
/// `text_with(lang, "portal-wait", &[("seconds", 30.into())])`.
pub fn text_with(lang: Lang, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let mut fluent_args = FluentArgs::with_capacity(args.len());
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    format(lang, key, Some(&fluent_args)).into_owned()
}

fn format(lang: Lang, key: &str, args: Option<&FluentArgs>) -> Cow<'static, str> {
    let bundle = bundle_of(lang);
    let Some(pattern) = bundle.get_message(key).and_then(|message| message.value()) else {
        // The catalogue test makes this unreachable for keys written in the code; a key built at
        // run time that is missing shows itself rather than failing the page.
        debug_assert!(false, "the {} word catalogue has no `{key}`", lang.code());
        tracing::error!(key, lang = lang.code(), "a word is missing from the catalogue");
        return Cow::Owned(key.to_owned());
    };
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    if !errors.is_empty() {
        tracing::error!(key, lang = lang.code(), ?errors, "a word's arguments do not fit its message");
    }
    Cow::Owned(text.into_owned())
}

/// A fixed word that lives as long as the process: each struct of [`catalogue!`] asks once per
/// key and language, so the leak is bounded by the catalogue's size.
pub fn fixed(lang: Lang, key: &str) -> &'static str {
    Box::leak(text(lang, key).into_owned().into_boxed_str())
}

/// The catalogue key of a struct field: `portal` + `save_draft` → `portal-save-draft`.
pub fn key(area: &str, field: &str) -> String {
    format!("{area}-{}", field.replace('_', "-"))
}

/// Declares a struct of fixed words whose fields are read from the catalogue under `area`:
///
/// ```ignore
/// crate::words::catalogue! {
///     /// The console's words.
///     pub struct ConsoleWords in "console" { waiting, days_ago }
/// }
/// let w = ConsoleWords::of(lang); // w.days_ago is `console-days-ago` in `lang`
/// ```
macro_rules! catalogue {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident in $area:literal {
            $( $(#[$field_meta:meta])* $field:ident ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $( $(#[$field_meta])* pub $field: &'static str, )*
        }

        impl $name {
            /// The catalogue area these words live under.
            pub const AREA: &'static str = $area;
            /// The fields, each a key under `AREA`.
            pub const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// These words in `lang`, read from the catalogue on first use.
            pub fn of(lang: $crate::words::Lang) -> &'static Self {
                static ZH: std::sync::LazyLock<$name> =
                    std::sync::LazyLock::new(|| $name::load($crate::words::Lang::Zh));
                static EN: std::sync::LazyLock<$name> =
                    std::sync::LazyLock::new(|| $name::load($crate::words::Lang::En));
                match lang {
                    $crate::words::Lang::Zh => &ZH,
                    $crate::words::Lang::En => &EN,
                }
            }

            fn load(lang: $crate::words::Lang) -> Self {
                Self {
                    $( $field: $crate::words::fixed(lang, &$crate::words::key($area, stringify!($field))), )*
                }
            }
        }
    };
}
pub(crate) use catalogue;
