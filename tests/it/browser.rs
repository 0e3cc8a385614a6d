//! A browser for tests: a cookie jar, forms posted with the page's CSRF token, and the session id
//! it holds, against a running app.

use std::sync::Arc;

use bureau_core::testing::TestApp;
use reqwest::cookie::{CookieStore, Jar};

use crate::support::html;

pub struct Browser {
    pub client: reqwest::Client,
    jar: Arc<Jar>,
    base: String,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            client,
            jar,
            base: app.url(""),
        }
    }

    /// Points the browser at `app` (after a restart on another port), keeping its cookies.
    pub fn visit(&mut self, app: &TestApp) {
        self.base = app.url("");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// The page's text with entities undone.
    pub async fn page(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, html(&response.text().await.unwrap()))
    }

    /// Opens `form_page`, takes its CSRF token, and posts `fields` to `action`.
    pub async fn submit(
        &self,
        form_page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let (_, page) = self.page(form_page).await;
        let token = csrf_token(&page).unwrap_or_else(|| panic!("no CSRF token on {form_page}"));
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.client
            .post(self.url(action))
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    /// Posts `fields` to the page's own address, with its token.
    pub async fn fill(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.submit(path, path, fields).await
    }

    /// The session cookie's value, if the browser holds one.
    pub fn session_id(&self) -> Option<String> {
        let url = self.base.parse().unwrap();
        let cookies = self.jar.cookies(&url)?;
        cookies
            .to_str()
            .ok()?
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == "bureau_session")
            .map(|(_, value)| value.to_owned())
    }

    /// A CSRF token of this browser's session, as scripts read it from a page.
    pub async fn csrf_token(&self, page: &str) -> String {
        let (_, text) = self.page(page).await;
        csrf_token(&text).unwrap_or_else(|| panic!("no CSRF token on {page}"))
    }
}

pub fn csrf_token(page: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker)? + marker.len();
    let end = page[start..].find('"')? + start;
    Some(page[start..end].to_owned()).filter(|t| !t.is_empty())
}

/// Where a redirect points.
pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}
