//! CSV exports that spreadsheet programs open correctly.

/// A CSV document that spreadsheet programs open as UTF-8 (it starts with a byte-order mark).
pub fn csv(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    fn field(value: &str) -> String {
        // Numbers stay numbers, so a clawback's negative amount still adds up.
        let digits = value.strip_prefix('-').unwrap_or(value);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return value.to_owned();
        }
        // Quote everything else; neutralize formulas so a store name cannot run in a spreadsheet.
        let value =
            if value.starts_with(['=', '+', '-', '@']) { format!("'{value}") } else { value.to_owned() };
        format!("\"{}\"", value.replace('"', "\"\""))
    }
    let mut out = String::from("\u{feff}");
    out.push_str(&header.iter().map(|h| field(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for row in rows {
        out.push_str(&row.iter().map(|v| field(v)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_starts_with_a_bom_quotes_fields_and_defuses_formulas() {
        let out = csv(&["brand", "store"], [vec!["首店 \"Brand\"".to_owned(), "=HYPERLINK(1)".to_owned()]]);
        assert_eq!(out, "\u{feff}\"brand\",\"store\"\r\n\"首店 \"\"Brand\"\"\",\"'=HYPERLINK(1)\"\r\n");
        let amounts = csv(
            &["amount_fen"],
            [vec!["-100000".to_owned()], vec!["250".to_owned()], vec!["-1e5".to_owned()]],
        );
        assert_eq!(
            amounts, "\u{feff}\"amount_fen\"\r\n-100000\r\n250\r\n\"'-1e5\"\r\n",
            "whole numbers stay numeric"
        );
    }
}
