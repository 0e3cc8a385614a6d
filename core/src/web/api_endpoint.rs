//! How requests reach a module's poem-openapi service: without their trailing slash, which
//! poem-openapi's router does not know (`/api/tasks/7/` is routed as `/7`), and with the `Allow`
//! header RFC 9110 requires on a 405, which poem-openapi leaves out.

use poem::endpoint::BoxEndpoint;
use poem::http::header::ALLOW;
use poem::http::{HeaderValue, Method, StatusCode, Uri};
use poem::{Endpoint, EndpointExt, IntoEndpoint, IntoResponse, Request, Response};
use poem_openapi::{OpenApi, OpenApiService};

/// `operations` are the service's methods and full paths (`/api/tasks/{id}/`).
pub(crate) fn wrap<T: OpenApi + 'static>(
    service: OpenApiService<T, ()>,
    operations: Vec<(Method, String)>,
) -> BoxEndpoint<'static> {
    service
        .into_endpoint()
        .around(move |inner, req| {
            let allow = allowed(&operations, req.original_uri().path());
            async move {
                match inner.call(without_trailing_slash(req)).await {
                    Ok(response) => Ok(with_allow(response.into_response(), &allow)),
                    // Other errors go on as errors: `web::errors` reads their type.
                    Err(error) if error.status() == StatusCode::METHOD_NOT_ALLOWED => {
                        Ok(with_allow(error.into_response(), &allow))
                    }
                    Err(error) => Err(error),
                }
            }
        })
        .boxed()
}

fn with_allow(mut response: Response, allow: &[Method]) -> Response {
    if response.status() == StatusCode::METHOD_NOT_ALLOWED && !allow.is_empty() {
        let list = allow
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        if let Ok(value) = HeaderValue::from_str(&list) {
            response.headers_mut().insert(ALLOW, value);
        }
    }
    response
}

/// The methods of the operations whose path matches `path`, `{param}` matching any segment.
fn allowed(operations: &[(Method, String)], path: &str) -> Vec<Method> {
    let path = path.trim_end_matches('/');
    operations
        .iter()
        .filter(|(_, pattern)| matches(pattern.trim_end_matches('/'), path))
        .map(|(method, _)| method.clone())
        .collect()
}

fn matches(pattern: &str, path: &str) -> bool {
    let (mut pattern, mut path) = (pattern.split('/'), path.split('/'));
    loop {
        match (pattern.next(), path.next()) {
            (None, None) => return true,
            (Some(p), Some(s)) if p == s || (p.starts_with('{') && !s.is_empty()) => {}
            _ => return false,
        }
    }
}

/// The request as poem-openapi routes it: `/7/` becomes `/7`. The original URI (which links
/// and `Location` headers are built from) keeps its slash.
fn without_trailing_slash(mut req: Request) -> Request {
    let uri = req.uri();
    let path = uri.path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
        let rebuilt = match uri.query() {
            Some(query) => format!("{trimmed}?{query}"),
            None => trimmed.to_owned(),
        };
        if let Ok(rebuilt) = rebuilt.parse::<Uri>() {
            *req.uri_mut() = rebuilt;
        }
    }
    req
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists_the_methods_of_the_matching_path() {
        let operations = vec![
            (Method::GET, "/api/tasks/".to_owned()),
            (Method::POST, "/api/tasks/".to_owned()),
            (Method::GET, "/api/tasks/{id}/".to_owned()),
            (Method::DELETE, "/api/tasks/{id}/".to_owned()),
        ];
        assert_eq!(
            allowed(&operations, "/api/tasks/"),
            [Method::GET, Method::POST]
        );
        assert_eq!(
            allowed(&operations, "/api/tasks/7"),
            [Method::GET, Method::DELETE]
        );
        assert!(allowed(&operations, "/api/tasks/7/x/").is_empty());
    }
}
