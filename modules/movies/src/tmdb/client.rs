//! Talking to TMDb's API: the two questions the import asks, behind [`TmdbApi`] so the import
//! can be run against a stand-in, and the real client over HTTP.

use std::future::Future;
use std::time::Duration;

use bureau_core::{Error, Result};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{StatusCode, Url};

use super::failure::Failure;
use super::shapes::{self, Film, ListPage};
use crate::config::MoviesConfig;

/// Retries of a request TMDb answered 429 (Too Many Requests).
const MAX_RETRIES: u32 = 3;
/// The longest pause the import makes when TMDb asks for one. TMDb's limit is per second, so a
/// longer request means something else is wrong, and waiting on would only stall the import.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// Which TMDb list `--api` walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum List {
    /// /movie/popular
    Popular,
    /// /discover/movie, most popular first
    Discover,
}

impl std::fmt::Display for List {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Popular => "popular",
            Self::Discover => "discover",
        })
    }
}

/// What the import asks of TMDb.
pub(crate) trait TmdbApi: Sync {
    /// Page `page` (from 1) of a list.
    fn list_page(
        &self,
        list: List,
        page: u32,
    ) -> impl Future<Output = Result<ListPage, Failure>> + Send;

    /// A film's details with its credits.
    fn details(&self, tmdb_id: i64) -> impl Future<Output = Result<Film, Failure>> + Send;
}

/// TMDb's API over HTTP, with the configured credentials.
pub(crate) struct HttpClient {
    http: reqwest::Client,
    base: String,
    credentials: Credentials,
    timeout: Duration,
}

enum Credentials {
    ApiKey(String),
    ReadToken(String),
}

impl HttpClient {
    /// The client `[movies]` describes; an error names the key to set.
    pub(crate) fn new(config: &MoviesConfig) -> Result<Self> {
        let credentials = if !config.tmdb_read_token.trim().is_empty() {
            Credentials::ReadToken(config.tmdb_read_token.trim().to_owned())
        } else if !config.tmdb_api_key.trim().is_empty() {
            Credentials::ApiKey(config.tmdb_api_key.trim().to_owned())
        } else {
            return Err(Error::Config(
                "importing from the TMDb API needs movies.tmdb_api_key or movies.tmdb_read_token \
                 (e.g. BUREAU_MOVIES__TMDB_API_KEY in the environment)"
                    .into(),
            ));
        };
        let base = config.tmdb_api_url.trim_end_matches('/').to_owned();
        let usable = Url::parse(&base)
            .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && !url.cannot_be_a_base());
        if !usable {
            return Err(Error::Config(format!(
                "movies.tmdb_api_url: `{base}` is not an http(s) URL"
            )));
        }
        if config.tmdb_timeout_secs == 0 {
            return Err(Error::Config(
                "movies.tmdb_timeout_secs: must be at least 1".into(),
            ));
        }
        let timeout = Duration::from_secs(config.tmdb_timeout_secs);
        let http = reqwest::Client::builder()
            .user_agent(concat!("bureau/", env!("CARGO_PKG_VERSION")))
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| Error::Internal(format!("building the HTTP client: {e}")))?;
        Ok(Self {
            http,
            base,
            credentials,
            timeout,
        })
    }

    /// `GET {base}/{path}?{query}`: the body of a successful answer. A 429 is retried after the
    /// pause TMDb asks for (or 1, 2, 4 s), within bounds.
    async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Vec<u8>, Failure> {
        let mut url = Url::parse(&format!("{}/{path}", self.base))
            .map_err(|e| Failure::Invalid(format!("cannot build the URL of {path}: {e}")))?;
        {
            let mut pairs = url.query_pairs_mut();
            pairs.extend_pairs(query);
            if let Credentials::ApiKey(key) = &self.credentials {
                pairs.append_pair("api_key", key);
            }
        }
        let mut retries = 0;
        loop {
            let mut request = self.http.get(url.clone());
            if let Credentials::ReadToken(token) = &self.credentials {
                request = request.bearer_auth(token);
            }
            let response = request
                .send()
                .await
                .map_err(|e| Failure::from_http(e, self.timeout))?;
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS {
                let retry_after = retry_after(response.headers())
                    .unwrap_or_else(|| Duration::from_secs(1 << retries));
                if retries == MAX_RETRIES || retry_after > MAX_RETRY_AFTER {
                    return Err(Failure::RateLimited {
                        retries,
                        retry_after,
                    });
                }
                tokio::time::sleep(retry_after).await;
                retries += 1;
                continue;
            }
            let body = response
                .bytes()
                .await
                .map_err(|e| Failure::from_http(e, self.timeout))?;
            if !status.is_success() {
                let message = serde_json::from_slice(&body)
                    .ok()
                    .and_then(|value| shapes::error_message(&value));
                return Err(Failure::Status {
                    status: status.as_u16(),
                    message,
                });
            }
            return Ok(body.to_vec());
        }
    }
}

impl TmdbApi for HttpClient {
    async fn list_page(&self, list: List, page: u32) -> Result<ListPage, Failure> {
        let page = page.to_string();
        let body = match list {
            List::Popular => self.get("movie/popular", &[("page", &page)]).await?,
            List::Discover => {
                let query = [
                    ("page", page.as_str()),
                    ("sort_by", "popularity.desc"),
                    ("include_adult", "false"),
                ];
                self.get("discover/movie", &query).await?
            }
        };
        shapes::list_page(&body).map_err(Failure::Invalid)
    }

    async fn details(&self, tmdb_id: i64) -> Result<Film, Failure> {
        let body = self
            .get(
                &format!("movie/{tmdb_id}"),
                &[("append_to_response", "credits")],
            )
            .await?;
        shapes::details(&body).map_err(Failure::Invalid)
    }
}

/// `Retry-After` in seconds, or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.signed_duration_since(chrono::Utc::now());
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(retry_after(&headers("2")), Some(Duration::from_secs(2)));
        assert_eq!(
            retry_after(&headers("Wed, 21 Oct 2015 07:28:00 GMT")),
            Some(Duration::ZERO),
            "a date in the past asks for no pause"
        );
        assert_eq!(retry_after(&headers("soon")), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }
}
