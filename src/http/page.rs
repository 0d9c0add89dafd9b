//! Cursor pagination for listings.

use crate::error::{ApiError, ApiResult};

/// Cursor pagination: `limit` (1–100, default 50) and an opaque `cursor` from the last page.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub limit: i64,
    pub after_id: i64,
}

impl Page {
    pub const DEFAULT_LIMIT: i64 = 50;
    pub const MAX_LIMIT: i64 = 100;

    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> ApiResult<Self> {
        let limit = limit.unwrap_or(Self::DEFAULT_LIMIT);
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid(
                "limit",
                crate::error::Invalid::new("limit").with("max", Self::MAX_LIMIT),
            ));
        }
        let after_id = match cursor {
            None | Some("") => 0,
            Some(c) => c
                .parse::<i64>()
                .ok()
                .filter(|id| *id >= 0)
                .ok_or_else(|| ApiError::invalid("cursor", crate::error::Invalid::new("cursor")))?,
        };
        Ok(Self { limit, after_id })
    }

    /// Trims the extra item fetched to detect a next page and returns the cursor for it.
    pub fn next_cursor<T>(&self, items: &mut Vec<T>, id_of: impl Fn(&T) -> i64) -> Option<String> {
        if items.len() as i64 > self.limit {
            items.truncate(self.limit as usize);
            items.last().map(|item| id_of(item).to_string())
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_parameters_are_validated() {
        assert_eq!(Page::parse(None, None).unwrap().limit, 50);
        assert!(Page::parse(Some(0), None).is_err());
        assert!(Page::parse(Some(101), None).is_err());
        assert!(Page::parse(None, Some("abc")).is_err());
        assert_eq!(Page::parse(Some(2), Some("7")).unwrap().after_id, 7);
    }

    #[test]
    fn next_cursor_points_at_the_last_item_shown() {
        let page = Page::parse(Some(2), None).unwrap();
        let mut items = vec![1, 2, 3];
        assert_eq!(page.next_cursor(&mut items, |i| *i), Some("2".into()));
        assert_eq!(items, [1, 2]);
        let mut items = vec![1, 2];
        assert_eq!(page.next_cursor(&mut items, |i| *i), None);
    }
}
