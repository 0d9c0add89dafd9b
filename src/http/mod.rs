//! HTTP building blocks the domains' APIs share: the JSON body extractor, cursor pagination and
//! the OpenAPI tags. Route composition and the server are in [`crate::startup`].

mod csv;
mod json;
mod page;
mod tags;

pub use csv::csv;
pub use json::{JsonBody, MAX_JSON_BODY, parse_json};
pub use page::Page;
pub use tags::ApiTags;
