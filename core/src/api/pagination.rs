//! Page-number pagination in Django REST framework's shape: `?page=2&page_size=50` in, and
//! `{count, next, previous, results}` out, where `next` and `previous` are absolute URLs that keep
//! the request's other parameters (filters, ordering, search).

use poem::Request;
use poem::http::Uri;

use crate::web::ClientInfo;
use crate::{Error, Result};

pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// A larger `page_size` is lowered to this, as DRF's `max_page_size` does, rather than refused.
pub const MAX_PAGE_SIZE: u64 = 100;

/// One page of a list. `page` counts from 1; operations declare `minimum: 1` for both parameters
/// so that poem-openapi refuses 0 with a 400 before a handler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pagination {
    page: u64,
    size: u64,
}

/// Where the neighbouring pages are, for the `next` and `previous` fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    pub next: Option<String>,
    pub previous: Option<String>,
}

impl Pagination {
    pub fn new(page: Option<u64>, page_size: Option<u64>) -> Self {
        Self {
            page: page.unwrap_or(1).max(1),
            size: page_size
                .unwrap_or(DEFAULT_PAGE_SIZE)
                .clamp(1, MAX_PAGE_SIZE),
        }
    }

    pub fn limit(&self) -> u64 {
        self.size
    }

    pub fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(self.size)
    }

    /// The links to the pages around this one, given how many rows the list has. A page past
    /// the last is not found, except page 1 of an empty list, which is an empty page.
    pub fn links(&self, req: &Request, count: u64) -> Result<Links> {
        let client = req.extensions().get::<ClientInfo>();
        self.links_at(req.original_uri(), client, count)
    }

    fn links_at(&self, uri: &Uri, client: Option<&ClientInfo>, count: u64) -> Result<Links> {
        let last = count.div_ceil(self.size).max(1);
        if self.page > last {
            return Err(Error::NoSuchPage {
                page: self.page,
                last,
            });
        }
        let url = |page: u64| page_url(uri, client, page);
        Ok(Links {
            next: (self.page < last).then(|| url(self.page + 1)),
            previous: (self.page > 1).then(|| url(self.page - 1)),
        })
    }
}

/// The request's own URL with `page` set (left out for page 1, as DRF does).
fn page_url(uri: &Uri, client: Option<&ClientInfo>, page: u64) -> String {
    let mut query: Vec<(String, String)> = uri
        .query()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    query.retain(|(name, _)| name != "page");
    if page > 1 {
        query.push(("page".to_owned(), page.to_string()));
    }
    let origin = match client.and_then(|c| c.host.as_deref()) {
        Some(host) => {
            let scheme = if client.is_some_and(|c| c.https) {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{host}")
        }
        None => String::new(),
    };
    let path = uri.path();
    match serde_urlencoded::to_string(&query) {
        Ok(encoded) if !encoded.is_empty() => format!("{origin}{path}?{encoded}"),
        _ => format!("{origin}{path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(uri: &str, page: u64, size: u64, count: u64) -> Result<Links> {
        let client = ClientInfo {
            request_id: "t".to_owned(),
            ip: None,
            https: true,
            host: Some("api.example.com".to_owned()),
        };
        let uri: Uri = uri.parse().unwrap();
        Pagination::new(Some(page), Some(size)).links_at(&uri, Some(&client), count)
    }

    #[test]
    fn sizes_are_capped_and_pages_count_from_one() {
        let p = Pagination::new(None, Some(1000));
        assert_eq!((p.limit(), p.offset()), (MAX_PAGE_SIZE, 0));
        let p = Pagination::new(Some(3), Some(10));
        assert_eq!((p.limit(), p.offset()), (10, 20));
        assert_eq!(Pagination::new(Some(u64::MAX), None).offset(), u64::MAX);
    }

    #[test]
    fn links_keep_other_parameters() {
        let uri = "/api/tasks/?status=todo&page=2&page_size=10&search=a%20b";
        let links = links(uri, 2, 10, 25).unwrap();
        assert_eq!(
            links.next.as_deref(),
            Some("https://api.example.com/api/tasks/?status=todo&page_size=10&search=a+b&page=3")
        );
        assert_eq!(
            links.previous.as_deref(),
            Some("https://api.example.com/api/tasks/?status=todo&page_size=10&search=a+b")
        );
    }

    #[test]
    fn past_the_last_page_is_not_found_but_an_empty_list_has_page_one() {
        assert!(links("/api/tasks/", 4, 10, 30).is_err());
        let empty = links("/api/tasks/", 1, 20, 0).unwrap();
        assert_eq!((empty.next, empty.previous), (None, None));
    }
}
