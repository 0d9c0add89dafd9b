//! Sentences kept as a stable code and its arguments ([`Invalid`], [`Reason`]), said in the
//! reader's language at the edge.

use std::marker::PhantomData;

use crate::words::{self, Lang};

/// A sentence for people kept as a stable code and its arguments: the words are the catalogue's
/// `{kind}-{code}`, made in the reader's language where it is shown (the API by
/// `Accept-Language`, a page in its own language), so nothing below the edge writes prose.
/// [`Invalid`] says what is wrong with one input (`invalid-…`), [`Reason`] why a request cannot
/// be done as things stand, a 409 (`conflict-…`).
pub struct Coded<K> {
    pub code: &'static str,
    pub args: Vec<(&'static str, String)>,
    kind: PhantomData<K>,
}

/// Which words a [`Coded`] sentence is: the catalogue's prefix.
pub trait Kind {
    const PREFIX: &'static str;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidKind {}
impl Kind for InvalidKind {
    const PREFIX: &'static str = "invalid";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictKind {}
impl Kind for ConflictKind {
    const PREFIX: &'static str = "conflict";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForbiddenKind {}
impl Kind for ForbiddenKind {
    const PREFIX: &'static str = "forbidden";
}

pub type Invalid = Coded<InvalidKind>;
pub type Reason = Coded<ConflictKind>;
/// Why this person may not do this, a 403 (`forbidden-…`).
pub type Refusal = Coded<ForbiddenKind>;

impl<K: Kind> Coded<K> {
    pub fn new(code: &'static str) -> Self {
        Self { code, args: Vec::new(), kind: PhantomData }
    }

    /// Adds an argument the words name, e.g. `.with("max", 80)`.
    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    /// The words in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        render(lang, K::PREFIX, self.code, self.args.iter().map(|(name, value)| (*name, value.as_str())))
    }
}

// By hand: derived impls would ask the same of the marker type.
impl<K> Clone for Coded<K> {
    fn clone(&self) -> Self {
        Self { code: self.code, args: self.args.clone(), kind: PhantomData }
    }
}

impl<K> PartialEq for Coded<K> {
    fn eq(&self, other: &Self) -> bool {
        (self.code, &self.args) == (other.code, &other.args)
    }
}

impl<K> Eq for Coded<K> {}

impl<K: Kind> std::fmt::Debug for Coded<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{} {:?}", K::PREFIX, self.code, self.args)
    }
}

/// In English, for logs.
impl<K: Kind> std::fmt::Display for Coded<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

/// Text written before codes existed: shown as it is, in English (`invalid-text`,
/// `conflict-text`; giving it a code is adding two catalogue lines).
impl<K: Kind> From<String> for Coded<K> {
    fn from(text: String) -> Self {
        Self::new("text").with("text", text)
    }
}

impl<K: Kind> From<&str> for Coded<K> {
    fn from(text: &str) -> Self {
        Self::from(text.to_owned())
    }
}

pub(super) fn render<'a>(
    lang: Lang,
    kind: &str,
    code: &str,
    args: impl Iterator<Item = (&'a str, &'a str)>,
) -> String {
    // Whole numbers go in as numbers, so that plural rules apply to them; what a person typed
    // ("007") stays as typed.
    let args: Vec<_> = args
        .map(|(name, value)| {
            let value = match value.parse::<i64>() {
                Ok(number) if number.to_string() == value => words::FluentValue::from(number),
                _ => words::FluentValue::from(value),
            };
            (name, value)
        })
        .collect();
    words::text_with(lang, &format!("{kind}-{code}"), &args)
}
