//! Pagination: turning a face's `limit`/`offset` (or page number) parameters into a domain `Page`.

use parley_domain::Detail;
use parley_domain::values::Page;

use crate::common::error::ApiError;

/// The page size when the client names none.
pub const DEFAULT_LIMIT: u64 = 50;

/// A page from optional `limit` (1–1000, default 50) and `offset` (default 0).
pub fn page(limit: Option<u64>, offset: Option<u64>) -> Result<Page, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    Page::new(offset.unwrap_or(0), limit).map_err(|error| {
        ApiError::invalid(format!("query parameter `limit`: {}", error.message())).with_details([
            Detail {
                field: Some("limit".into()),
                ..Detail::new(error.message())
            },
        ])
    })
}

/// A page from a 1-based page number and a page size, as some vendors count.
pub fn numbered_page(number: Option<u64>, size: Option<u64>) -> Result<Page, ApiError> {
    let size = size.unwrap_or(DEFAULT_LIMIT);
    let number = number.unwrap_or(1);
    if number == 0 {
        return Err(ApiError::invalid(
            "query parameter `page`: pages are numbered from 1",
        ));
    }
    page(Some(size), Some((number - 1).saturating_mul(size)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(
            page(None, None).unwrap(),
            Page {
                offset: 0,
                limit: 50
            }
        );
        assert_eq!(
            page(Some(1000), Some(7)).unwrap(),
            Page {
                offset: 7,
                limit: 1000
            }
        );
        assert_eq!(
            page(Some(0), None).unwrap_err().details()[0]
                .field
                .as_deref(),
            Some("limit")
        );
        assert!(page(Some(1001), None).is_err());
        assert_eq!(
            numbered_page(Some(3), Some(10)).unwrap(),
            Page {
                offset: 20,
                limit: 10
            }
        );
        assert!(numbered_page(Some(0), None).is_err());
    }
}
