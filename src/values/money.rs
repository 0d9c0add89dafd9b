//! Money: integer fen everywhere (1 CNY = 100 fen), shown as CNY only for people.

use poem_openapi::Object;

use crate::error::Invalid;

/// An amount of money in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fen(i64);

impl Fen {
    /// The most any amount may be: 10,000,000,000 CNY. Past it an amount is a typo (a budget of
    /// 10¹² fen is the whole fund's ten-thousandfold), and sums of a few stay far inside `i64`.
    pub const MAX: i64 = 1_000_000_000_000;

    /// A positive amount no larger than `max` (and never larger than [`Self::MAX`]).
    pub fn positive(amount: i64, max: Option<i64>) -> Result<Self, Invalid> {
        if amount <= 0 {
            return Err(Invalid::new("amount-positive"));
        }
        let max = max.map_or(Self::MAX, |max| max.min(Self::MAX));
        if amount > max {
            Err(Invalid::new("amount-max").with("max", format_cny(max)))
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

/// Yuan as people type them (`800000`, `800,000.50`, `80万`, `8.5万`, full-width digits) to fen;
/// `None` when it is not an amount.
pub fn parse_yuan(raw: &str) -> Option<i64> {
    // What input methods type: full-width digits, points and commas, ￥, a trailing 元.
    let text: String = raw
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            other => other,
        })
        .filter(|c| !matches!(c, ',' | '，' | ' ' | '\u{3000}'))
        .collect();
    let text = text.trim_start_matches(['¥', '￥']).trim_end_matches('元');
    // 万 is ten thousand yuan: "80万" and "8.5万" are what people write for large amounts.
    let (number, scale_digits) = match text.strip_suffix('万') {
        Some(number) => (number, 6),
        None => (text, 2),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > scale_digits
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let unit = 10_i64.pow(scale_digits as u32);
    let whole: i64 = whole.parse().ok()?;
    let fraction: i64 = format!("{fraction:0<width$}", width = scale_digits).parse().ok()?;
    whole.checked_mul(unit)?.checked_add(fraction)
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
    fn yuan_are_read_as_people_write_them() {
        assert_eq!(parse_yuan("800000"), Some(80_000_000));
        assert_eq!(parse_yuan("800,000.50"), Some(80_000_050));
        assert_eq!(parse_yuan("¥800，000"), Some(80_000_000));
        assert_eq!(parse_yuan("80万"), Some(80_000_000));
        assert_eq!(parse_yuan("8.5万元"), Some(8_500_000));
        assert_eq!(parse_yuan("５万"), Some(5_000_000));
        assert_eq!(parse_yuan("１２８０００．５"), Some(12_800_050));
        assert_eq!(parse_yuan("0.000001万"), Some(1));
        for bad in ["", "万", "80万万", "1.234", "-5", "five", "1e6", "0.0000001万", "99999999999999999万"]
        {
            assert_eq!(parse_yuan(bad), None, "{bad:?}");
        }
    }

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
        assert_eq!(
            Fen::positive(101, Some(100)).unwrap_err(),
            Invalid::new("amount-max").with("max", "¥1.00")
        );
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
