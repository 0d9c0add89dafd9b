//! Money: integer fen everywhere (1 CNY = 100 fen), shown as CNY only for people.

use poem_openapi::Object;

/// An amount of money in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fen(i64);

impl Fen {
    /// The most any amount may be: 10,000,000,000 CNY. Past it an amount is a typo (a budget of
    /// 10¹² fen is the whole fund's ten-thousandfold), and sums of a few stay far inside `i64`.
    pub const MAX: i64 = 1_000_000_000_000;

    /// A positive amount no larger than `max` (and never larger than [`Self::MAX`]).
    pub fn positive(amount: i64, max: Option<i64>) -> Result<Self, String> {
        if amount <= 0 {
            return Err("must be a positive whole number of fen (1 CNY = 100 fen)".into());
        }
        let max = max.map_or(Self::MAX, |max| max.min(Self::MAX));
        if amount > max {
            Err(format!("must be at most {} fen ({})", max, format_cny(max)))
        } else {
            Ok(Self(amount))
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// `1,234,567`: digits grouped by thousands, as both languages write large numbers.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// `¥2,000,000.00` from fen.
pub fn format_cny(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let yuan = i64::try_from(abs / 100).unwrap_or(i64::MAX);
    format!("{sign}¥{}.{:02}", thousands(yuan), abs % 100)
}

/// Yuan as people type them (`800000`, `800,000.50`) to fen; `None` when it is not an amount.
pub fn parse_yuan(raw: &str) -> Option<i64> {
    let text: String =
        raw.trim().trim_start_matches('¥').chars().filter(|c| *c != ',' && *c != '，').collect();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > 2
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let yuan: i64 = whole.parse().ok()?;
    let fen: i64 = format!("{fraction:0<2}").parse().ok()?;
    yuan.checked_mul(100)?.checked_add(fen)
}

/// An amount as both fen and its display form.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
pub struct Money {
    pub fen: i64,
    /// For people, e.g. `¥2,000,000.00`.
    pub display: String,
}

impl From<i64> for Money {
    fn from(fen: i64) -> Self {
        Self { fen, display: format_cny(fen) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(-1000), "-1,000");
    }

    #[test]
    fn fen_show_as_cny() {
        assert_eq!(format_cny(200_000_000), "¥2,000,000.00");
        assert_eq!(format_cny(-5), "-¥0.05");
        assert_eq!(Money::from(12_345).display, "¥123.45");
    }

    #[test]
    fn amounts_are_positive_and_capped() {
        assert!(Fen::positive(0, None).is_err());
        assert_eq!(Fen::positive(101, Some(100)).unwrap_err(), "must be at most 100 fen (¥1.00)");
        assert_eq!(Fen::positive(100, Some(100)).unwrap().get(), 100);
    }

    #[test]
    fn yuan_as_typed_become_fen() {
        assert_eq!(parse_yuan("800000"), Some(80_000_000));
        assert_eq!(parse_yuan("¥800,000.5"), Some(80_000_050));
        assert_eq!(parse_yuan("0.05"), Some(5));
        for bad in ["", "abc", "1.234", "-5", "1e6", "12.3.4"] {
            assert_eq!(parse_yuan(bad), None, "{bad:?}");
        }
    }
}
