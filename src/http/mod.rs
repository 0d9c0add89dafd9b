//! HTTP building blocks the domains' APIs share: the JSON body extractor, cursor pagination and
//! the OpenAPI tags, and the server's accept loop with its connection limits. Route composition
//! is in [`crate::startup`].

mod csv;
mod json;
mod page;
mod routes;
pub mod server;
mod tags;

pub use csv::csv;
pub use json::{JsonBody, MAX_JSON_BODY, not_null, parse_json};
pub use page::Page;
pub use routes::{FormRoute, Guard, Routes};
pub use tags::ApiTags;

/// Percent-encodes a query-string value.
pub fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The QR code of `text` as an SVG image (dark modules on white, a quiet zone around).
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => {
            code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build()
        }
        // Only text past a QR code's capacity (about 2,900 bytes) fails: our URLs are far below it.
        Err(_) => String::new(),
    }
}
