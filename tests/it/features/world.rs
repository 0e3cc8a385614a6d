//! The world a journey's scenario runs in: an app and database of its own, the browsers and API
//! tokens of the people in it, what each of them last saw, and the names the scenario gave to
//! what it made (posts, tasks, products, orders) mapped to their ids.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use bureau_core::testing::TestApp;

use crate::browser::{Browser, location};
use crate::support::{html, logged_in, spawn_with};

#[derive(cucumber::World)]
#[world(init = Self::new)]
pub(crate) struct Journey {
    /// `None` only once the after hook has stopped it.
    app: Option<TestApp>,
    /// Who "I" am in first-person steps; a visitor until a step logs in.
    me: String,
    browsers: HashMap<String, Browser>,
    /// What each person last got back, for the `Then` steps that look at it.
    replies: HashMap<String, Reply>,
    /// Who got the latest reply.
    latest: String,
    pub(crate) tokens: HashMap<String, String>,
    pub(crate) posts: HashMap<String, i64>,
    pub(crate) tasks: HashMap<String, i64>,
    pub(crate) products: HashMap<String, i64>,
    /// Each customer's latest order number.
    pub(crate) orders: HashMap<String, String>,
    /// The link of the last mail a step read.
    pub(crate) mail_link: Option<String>,
}

/// The visitor "I" am before any step logs in.
const VISITOR: &str = "a visitor";

impl Journey {
    async fn new() -> Self {
        // The outbox worker looks for mail every 20 ms, so mail steps wait milliseconds, not the
        // default two seconds.
        let (app, _) = spawn_with(|s| s.var("BUREAU_MAIL__POLL_INTERVAL_MS", "20")).await;
        Self {
            app: Some(app),
            me: VISITOR.to_owned(),
            browsers: HashMap::new(),
            replies: HashMap::new(),
            latest: String::new(),
            tokens: HashMap::new(),
            posts: HashMap::new(),
            tasks: HashMap::new(),
            products: HashMap::new(),
            orders: HashMap::new(),
            mail_link: None,
        }
    }

    pub(crate) fn app(&self) -> &TestApp {
        self.app
            .as_ref()
            .expect("the app runs until the scenario ends")
    }

    /// Stops the app before its database is dropped, so no job of a finished scenario keeps
    /// running beside the next ones.
    pub(crate) async fn stop(&mut self) {
        if let Some(app) = self.app.take() {
            let TestApp {
                server, database, ..
            } = app;
            if let Err(error) = server.shutdown().await {
                panic!("stopping the app: {error}");
            }
            drop(database);
        }
    }

    /// The name "I" or `who` stands for.
    pub(crate) fn name(&self, who: &Who) -> String {
        match who {
            Who::Me => self.me.clone(),
            Who::Named(name) => name.clone(),
        }
    }

    /// From now on "I" am `name`, logged in.
    pub(crate) async fn log_in_as(&mut self, name: &str) {
        self.me = name.to_owned();
        self.browser(name).await;
    }

    /// `name`'s browser, logged in on first use (a visitor's is not).
    pub(crate) async fn browser(&mut self, name: &str) -> &Browser {
        if !self.browsers.contains_key(name) {
            let browser = if name == VISITOR {
                Browser::new(self.app())
            } else {
                logged_in(self.app(), name).await
            };
            self.browsers.insert(name.to_owned(), browser);
        }
        &self.browsers[name]
    }

    /// Opens `path` as `who` and keeps the page.
    pub(crate) async fn visit(&mut self, who: &Who, path: &str) -> &Reply {
        let name = self.name(who);
        let response = self.browser(&name).await.get(path).await;
        let mut reply = Reply::of(response).await;
        path.clone_into(&mut reply.at);
        self.keep(name, reply)
    }

    /// Posts `fields` to `action` as `who` with `form_page`'s CSRF token, follows the redirect
    /// that answers a form (to where its flash message shows), and keeps the result.
    pub(crate) async fn submit(
        &mut self,
        who: &Who,
        form_page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> &Reply {
        let name = self.name(who);
        let browser = self.browser(&name).await;
        let mut response = browser.submit(form_page, action, fields).await;
        let mut at = action.to_owned();
        let mut redirected_to = String::new();
        for _ in 0..5 {
            if response.status() != 303 {
                break;
            }
            at = location(&response);
            if redirected_to.is_empty() {
                redirected_to.clone_from(&at);
            }
            response = browser.get(&at).await;
        }
        let mut reply = Reply::of(response).await;
        reply.at = at;
        reply.redirected_to = redirected_to;
        self.keep(name, reply)
    }

    /// Keeps what `name` got back as their latest reply.
    pub(crate) fn keep(&mut self, name: String, reply: Reply) -> &Reply {
        self.replies.insert(name.clone(), reply);
        self.latest = name;
        &self.replies[&self.latest]
    }

    /// The latest reply anyone got.
    pub(crate) fn latest(&self) -> &Reply {
        self.replies
            .get(&self.latest)
            .expect("a step has sent something")
    }

    /// What `who` last got back.
    pub(crate) fn last(&self, who: &Who) -> &Reply {
        let name = self.name(who);
        self.replies
            .get(&name)
            .unwrap_or_else(|| panic!("{name} has not opened anything yet"))
    }
}

/// A page or API answer as a step got it.
pub(crate) struct Reply {
    /// The path it came from (where the redirects ended, for a form).
    pub(crate) at: String,
    pub(crate) status: u16,
    /// Where the form's redirect pointed, when it was answered by one.
    pub(crate) redirected_to: String,
    pub(crate) content_type: String,
    /// The body as sent.
    pub(crate) body: String,
}

impl Reply {
    pub(crate) async fn of(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response.text().await.expect("reading the body");
        Self {
            at: String::new(),
            status,
            redirected_to: String::new(),
            content_type,
            body,
        }
    }

    /// The body with the page's entity escapes undone, for matching text.
    pub(crate) fn page(&self) -> String {
        html(&self.body)
    }

    /// The page as a reader sees it.
    pub(crate) fn text(&self) -> String {
        html(&text_of(&self.body))
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The flash messages the page shows.
    pub(crate) fn messages(&self) -> Vec<String> {
        self.page()
            .split("<li class=\"message message-")
            .skip(1)
            .filter_map(|rest| {
                let text = rest.split_once("\">")?.1;
                Some(text.split("</li>").next()?.to_owned())
            })
            .collect()
    }
}

/// Markup as a reader sees it: tags dropped (block ones as a space, inline ones as nothing, so
/// "<strong>La Poste</strong>, tracking" reads "La Poste, tracking"), each run of white space one
/// space.
pub(crate) fn text_of(markup: &str) -> String {
    const INLINE: [&str; 9] = [
        "a", "abbr", "b", "code", "em", "i", "span", "strong", "time",
    ];
    let mut text = String::with_capacity(markup.len());
    let mut rest = markup;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = &rest[open + 1..open + close];
        let name = tag.trim_start_matches('/').split([' ', '/']).next();
        if !name.is_some_and(|n| INLINE.contains(&n)) {
            text.push(' ');
        }
        rest = &rest[open + close + 1..];
    }
    text.push_str(rest);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Who does a step: `I` (whoever "I" am) or a person named in quotes, as in `"bob" votes`.
#[derive(Debug, cucumber::Parameter)]
#[param(name = "who", regex = r#"I|"[^"]+""#)]
pub(crate) enum Who {
    Me,
    Named(String),
}

impl FromStr for Who {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "I" => Ok(Self::Me),
            quoted => quoted
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .map(|name| Self::Named(name.to_owned()))
                .ok_or_else(|| format!("not a person: {text}")),
        }
    }
}

/// What a failing step's report shows of the world: where the app ran and who had seen what.
impl fmt::Debug for Journey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seen: HashMap<&str, (u16, &str)> = self
            .replies
            .iter()
            .map(|(who, r)| (who.as_str(), (r.status, r.at.as_str())))
            .collect();
        f.debug_struct("Journey")
            .field("app", &self.app.as_ref().map(|a| a.url("")))
            .field("me", &self.me)
            .field("last replies", &seen)
            .field("posts", &self.posts)
            .field("tasks", &self.tasks)
            .field("orders", &self.orders)
            .finish_non_exhaustive()
    }
}
