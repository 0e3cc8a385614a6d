//! CSRF protection with the synchronizer-token pattern: a random token lives in the session, every
//! HTML form carries it in a hidden `csrf_token` field, scripts send it as `X-CSRF-Token`, and an
//! unsafe request whose token is missing or different is refused with 403 before any handler runs.
//!
//! Checked: every unsafe request to a page, and every unsafe API request that carries the session
//! cookie (the browser would attach it to a forged request). Exempt: API requests with a bearer
//! token or no session cookie at all — they carry no ambient authority a forger could borrow.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use poem::http::{Method, header};
use poem::{Endpoint, EndpointExt, Request};
use subtle::ConstantTimeEq;

use super::is_api_path;
use crate::session::{self, Session, session_error};
use crate::{Error, Result};

/// The session key, form field and header that carry the token.
const KEY: &str = "_csrf";
pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";

/// The session's token, made on first use.
pub async fn token(session: &Session) -> Result<String> {
    if let Some(token) = session.get::<String>(KEY).await.map_err(session_error)? {
        return Ok(token);
    }
    rotate(session).await
}

/// A fresh token, as at login: a token seen before authentication is not trusted after it.
pub async fn rotate(session: &Session) -> Result<String> {
    let token = random_token()?;
    session.insert(KEY, &token).await.map_err(session_error)?;
    Ok(token)
}

/// 32 random bytes, URL-safe base64.
pub fn random_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Internal(format!("no randomness available: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

pub(crate) fn check<E: Endpoint + 'static>(ep: E) -> impl Endpoint<Output = E::Output> {
    ep.before(|mut req| async move {
        if !needs_check(&req) {
            return Ok(req);
        }
        let Some(session) = req.extensions().get::<Session>().cloned() else {
            return Err(Error::Internal("CSRF check without a session".to_owned()).into());
        };
        let expected = session.get::<String>(KEY).await.map_err(session_error)?;
        let provided = match header_token(&req) {
            Some(token) => Some(token),
            None => form_token(&mut req).await?,
        };
        match (expected, provided) {
            (None, _) => Err(Error::Csrf(
                "this form's session has expired or cookies are blocked. Reload the page and try again",
            )
            .into()),
            (Some(_), None) => Err(Error::Csrf("the request carries no CSRF token").into()),
            (Some(expected), Some(provided))
                if bool::from(expected.as_bytes().ct_eq(provided.as_bytes())) =>
            {
                Ok(req)
            }
            (Some(_), Some(_)) => Err(Error::Csrf(
                "the CSRF token does not match this session. Reload the page and try again",
            )
            .into()),
        }
    })
}

fn needs_check(req: &Request) -> bool {
    if matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return false;
    }
    if !is_api_path(req.uri().path()) {
        return true;
    }
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer "));
    !bearer && session::has_cookie(req)
}

fn header_token(req: &Request) -> Option<String> {
    req.headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Reads the `csrf_token` field of a urlencoded form and puts the body back for the handler.
async fn form_token(req: &mut Request) -> Result<Option<String>> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok(None);
    }
    let body = req
        .take_body()
        .into_bytes()
        .await
        .map_err(|e| Error::BadRequest(format!("reading the form: {e}")))?;
    let token = serde_urlencoded_pairs(&body)
        .into_iter()
        .find(|(name, _)| name == FIELD)
        .map(|(_, value)| value);
    req.set_body(body);
    Ok(token)
}

fn serde_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}
