//! HTTP building blocks the domains' APIs share: the JSON body extractor, cursor pagination and
//! the OpenAPI tags, and the server's accept loop with its connection limits. Route composition
//! is in [`crate::startup`].

mod csv;
mod json;
mod page;
pub mod server;
mod tags;

pub use csv::csv;
pub use json::{JsonBody, MAX_JSON_BODY, not_null, parse_json};
pub use page::Page;
pub use tags::ApiTags;
