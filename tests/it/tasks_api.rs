//! The tasks API as an integrator uses it: log in, manage tasks, refresh; other users' tasks out
//! of reach; bad input refused field by field with nothing written; pagination, ordering,
//! filtering and search; the browser session with its CSRF header.

use bureau_core::auth::users::{self, NewUser};
use bureau_core::entities::user;
use bureau_core::sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};
use bureau_core::testing::TestApp;
use bureau_tasks::task;
use reqwest::Method;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::support::spawn;

const PASSWORD: &str = "correct horse battery";

/// A logged-in API client, as `curl -H "Authorization: Bearer ..."` would be.
struct Client<'a> {
    app: &'a TestApp,
    access: String,
    refresh: String,
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The field names of a problem's `errors`, in order.
    fn fields(&self) -> Vec<&str> {
        self.body["errors"]
            .as_array()
            .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default()
    }
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

async fn person(app: &TestApp, username: &str) -> user::Model {
    let new = NewUser {
        username: username.to_owned(),
        email: format!("{username}@example.com"),
        password: PASSWORD.to_owned(),
        email_verified: true,
        ..Default::default()
    };
    users::create(app.state().db(), app.state(), &new)
        .await
        .unwrap()
}

impl<'a> Client<'a> {
    async fn login(app: &'a TestApp, username: &str) -> Self {
        let answer = send(
            app.client
                .post(app.url("/api/auth/login"))
                .json(&json!({"username": username, "password": PASSWORD})),
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        Self {
            app,
            access: answer.body["access_token"].as_str().unwrap().to_owned(),
            refresh: answer.body["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self
            .app
            .client
            .request(method, self.app.url(path))
            .bearer_auth(&self.access);
        if let Some(body) = body {
            request = request.json(&body);
        }
        send(request).await
    }

    async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    async fn create(&self, body: Value) -> Answer {
        self.call(Method::POST, "/api/tasks/", Some(body)).await
    }

    async fn refresh(&mut self) {
        let answer = send(
            self.app
                .client
                .post(self.app.url("/api/auth/refresh"))
                .json(&json!({"refresh_token": self.refresh})),
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        self.access = answer.body["access_token"].as_str().unwrap().to_owned();
        self.refresh = answer.body["refresh_token"].as_str().unwrap().to_owned();
    }
}

async fn stored(app: &TestApp) -> u64 {
    task::Entity::find().count(app.state().db()).await.unwrap()
}

/// `n` tasks of `owner` straight into the table, a minute apart, titled "Task 001"...
async fn seed(app: &TestApp, owner: &user::Model, n: usize, status: &str) {
    let start: chrono::DateTime<chrono::FixedOffset> = "2026-11-01T09:00:00Z".parse().unwrap();
    for i in 1..=n {
        let at = start + chrono::Duration::minutes(i as i64);
        task::ActiveModel {
            owner_id: Set(owner.id),
            title: Set(format!("Task {i:03}")),
            description: Set(String::new()),
            status: Set(status.to_owned()),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
        .insert(app.state().db())
        .await
        .unwrap();
    }
}

fn titles(answer: &Answer) -> Vec<&str> {
    answer.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn an_integrator_logs_in_and_manages_tasks() {
    let (app, _) = spawn().await;
    person(&app, "ann").await;

    let anonymous = send(app.client.get(app.url("/api/tasks/"))).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.content_type(), "application/problem+json");
    assert!(anonymous.headers.contains_key("www-authenticate"));

    let mut ann = Client::login(&app, "ann").await;
    let empty = ann.get("/api/tasks/").await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert_eq!(
        empty.body,
        json!({"count": 0, "next": null, "previous": null, "results": []})
    );

    let created = ann
        .create(json!({"title": "  Write the report  ", "description": "By Friday"}))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_i64().unwrap();
    assert_eq!(created.body["title"], "Write the report", "trimmed");
    assert_eq!(created.body["status"], "todo");
    assert_eq!(created.body["owner"], "ann");
    let path = format!("/api/tasks/{id}/");
    assert_eq!(created.headers["location"], path.as_str());

    let read = ann.get(&path).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body, created.body);

    // The access token is refreshed half-way; the new one works the same.
    ann.refresh().await;
    let put = ann
        .call(
            Method::PUT,
            &path,
            Some(json!({"title": "Write the annual report", "status": "doing"})),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    assert_eq!(put.body["description"], "", "PUT resets what it leaves out");
    assert_eq!(put.body["status"], "doing");
    assert_eq!(put.body["created_at"], created.body["created_at"]);

    let patched = ann
        .call(Method::PATCH, &path, Some(json!({"status": "done"})))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.body["title"], "Write the annual report");
    assert_eq!(patched.body["status"], "done");

    // A patch that changes nothing leaves updated_at alone.
    let same = ann
        .call(Method::PATCH, &path, Some(json!({"status": "done"})))
        .await;
    assert_eq!(same.body["updated_at"], patched.body["updated_at"]);

    let list = ann.get("/api/tasks/").await;
    assert_eq!(list.body["count"], 1);
    assert_eq!(list.body["results"][0], patched.body);

    let deleted = ann.call(Method::DELETE, &path, None).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(ann.get(&path).await.status, 404);
    assert_eq!(ann.call(Method::DELETE, &path, None).await.status, 404);
    assert_eq!(stored(&app).await, 0);
}

#[tokio::test]
async fn another_users_task_is_not_found_and_stays_untouched() {
    let (app, _) = spawn().await;
    person(&app, "ann").await;
    person(&app, "bob").await;
    let ann = Client::login(&app, "ann").await;
    let bob = Client::login(&app, "bob").await;
    let created = ann.create(json!({"title": "Ann's secret"})).await;
    let path = format!("/api/tasks/{}/", created.body["id"]);

    for (method, body) in [
        (Method::GET, None),
        (Method::PUT, Some(json!({"title": "Bob was here"}))),
        (Method::PATCH, Some(json!({"status": "done"}))),
        (Method::DELETE, None),
    ] {
        let answer = bob.call(method.clone(), &path, body).await;
        assert_eq!(answer.status, 404, "{method} {path}: {}", answer.body);
        assert_eq!(answer.content_type(), "application/problem+json");
    }
    assert_eq!(bob.get("/api/tasks/").await.body["count"], 0);
    let untouched = ann.get(&path).await;
    assert_eq!(untouched.body, created.body);
}

#[tokio::test]
async fn bad_input_is_refused_field_by_field_and_nothing_is_written() {
    let (app, _) = spawn().await;
    person(&app, "ann").await;
    let ann = Client::login(&app, "ann").await;
    let long = "x".repeat(201);
    let cases = [
        (json!({}), vec!["title"]),
        (json!({"title": "   "}), vec!["title"]),
        (json!({"title": long}), vec!["title"]),
        (json!({"title": "a\u{0}b"}), vec!["title"]),
        (json!({"title": 5, "status": true}), vec!["status", "title"]),
        (json!({"title": null}), vec!["title"]),
        (json!({"title": "ok", "status": "later"}), vec!["status"]),
        (
            json!({"title": "ok", "owner": "bob", "id": 9}),
            vec!["id", "owner"],
        ),
        (
            json!({"title": "ok", "description": ["a"]}),
            vec!["description"],
        ),
    ];
    for (body, fields) in cases {
        let answer = ann.create(body.clone()).await;
        assert_eq!(answer.status, 422, "{body}: {}", answer.body);
        assert_eq!(answer.content_type(), "application/problem+json");
        let mut found = answer.fields();
        found.sort();
        assert_eq!(found, fields, "{body}: {}", answer.body);
    }
    let exactly_200 = "é".repeat(200);
    let ok = ann.create(json!({"title": exactly_200})).await;
    assert_eq!(ok.status, 201, "200 characters is the limit, not 200 bytes");

    // Not a JSON object, not JSON at all, not declared as JSON.
    assert_eq!(ann.create(json!(["title"])).await.status, 400);
    let broken = send(
        app.client
            .post(app.url("/api/tasks/"))
            .bearer_auth(&ann.access)
            .header("content-type", "application/json")
            .body("{\"title\": "),
    )
    .await;
    assert_eq!(broken.status, 400);
    assert_eq!(broken.content_type(), "application/problem+json");
    let form = send(
        app.client
            .post(app.url("/api/tasks/"))
            .bearer_auth(&ann.access)
            .form(&[("title", "x")]),
    )
    .await;
    assert_eq!(form.status, 415);
    assert_eq!(stored(&app).await, 1);

    // A bad patch changes nothing, not even its valid fields.
    let path = format!("/api/tasks/{}/", ok.body["id"]);
    let bad = ann
        .call(
            Method::PATCH,
            &path,
            Some(json!({"status": "doing", "title": ""})),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.fields(), ["title"]);
    assert_eq!(ann.get(&path).await.body, ok.body);
    for bad_id in ["abc", "99999999999999999999", "-1"] {
        let answer = ann.get(&format!("/api/tasks/{bad_id}/")).await;
        assert_eq!(answer.status, 404, "{bad_id}");
        assert_eq!(answer.content_type(), "application/problem+json");
    }
}

#[tokio::test]
async fn pages_have_edges() {
    let (app, _) = spawn().await;
    let ann = person(&app, "ann").await;
    seed(&app, &ann, 105, "todo").await;
    let ann = Client::login(&app, "ann").await;

    let first = ann.get("/api/tasks/").await;
    assert_eq!(first.body["count"], 105);
    // The token's check, then the page with its count: two queries, however long the list.
    assert_eq!(first.headers["x-bureau-queries"], "2");
    assert_eq!(titles(&first).len(), 20, "default page size");
    assert_eq!(titles(&first)[0], "Task 105", "newest first");
    assert_eq!(first.body["previous"], Value::Null);
    assert_eq!(
        first.body["next"],
        app.url("/api/tasks/?page=2").as_str(),
        "absolute, like DRF"
    );

    let capped = ann.get("/api/tasks/?page_size=1000").await;
    assert_eq!(capped.status, 200);
    assert_eq!(titles(&capped).len(), 100, "page_size is capped at 100");
    let last = ann.get("/api/tasks/?page_size=1000&page=2").await;
    assert_eq!(
        titles(&last),
        ["Task 005", "Task 004", "Task 003", "Task 002", "Task 001"]
    );
    assert_eq!(last.body["next"], Value::Null);
    assert_eq!(
        last.body["previous"],
        app.url("/api/tasks/?page_size=1000").as_str()
    );

    let past = ann.get("/api/tasks/?page=3&page_size=100").await;
    assert_eq!(past.status, 404);
    assert_eq!(past.content_type(), "application/problem+json");
    for bad in [
        "page=0",
        "page=-1",
        "page=abc",
        "page_size=0",
        "ordering=owner",
        "status=later",
    ] {
        let answer = ann.get(&format!("/api/tasks/?{bad}")).await;
        assert_eq!(answer.status, 400, "{bad}: {}", answer.body);
        assert_eq!(answer.content_type(), "application/problem+json");
        let field = bad.split('=').next().unwrap();
        assert_eq!(answer.fields(), [field], "{bad}: {}", answer.body);
    }
    let huge = ann.get("/api/tasks/?page=2147483647").await;
    assert_eq!(huge.status, 404);
    let too_big = ann.get(&format!("/api/tasks/?page={}", u64::MAX)).await;
    assert_eq!(too_big.status, 400);
}

#[tokio::test]
async fn lists_sort_filter_and_search() {
    let (app, _) = spawn().await;
    let owner = person(&app, "ann").await;
    for (title, status) in [
        ("Buy milk", "done"),
        ("Call the bank", "todo"),
        ("Answer 100% of mail", "doing"),
        ("Buy stamps", "todo"),
    ] {
        let at = chrono::Utc::now().fixed_offset();
        task::ActiveModel {
            owner_id: Set(owner.id),
            title: Set(title.to_owned()),
            description: Set(String::new()),
            status: Set(status.to_owned()),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
        .insert(app.state().db())
        .await
        .unwrap();
    }
    let ann = Client::login(&app, "ann").await;
    let by_title = ann.get("/api/tasks/?ordering=title").await;
    assert_eq!(
        titles(&by_title),
        [
            "Answer 100% of mail",
            "Buy milk",
            "Buy stamps",
            "Call the bank"
        ]
    );
    let by_title_desc = ann.get("/api/tasks/?ordering=-title").await;
    assert_eq!(titles(&by_title_desc)[3], "Answer 100% of mail");
    let by_status = ann.get("/api/tasks/?ordering=status").await;
    let statuses: Vec<&str> = by_status.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["doing", "done", "todo", "todo"]);

    let todo = ann.get("/api/tasks/?status=todo&ordering=created_at").await;
    assert_eq!(titles(&todo), ["Call the bank", "Buy stamps"]);
    let search = ann.get("/api/tasks/?search=BUY&ordering=title").await;
    assert_eq!(search.body["count"], 2);
    let literal = ann.get("/api/tasks/?search=100%25").await;
    assert_eq!(titles(&literal), ["Answer 100% of mail"]);
    let wildcard = ann.get("/api/tasks/?search=_").await;
    assert_eq!(wildcard.body["count"], 0, "`_` is not a wildcard");
    let both = ann.get("/api/tasks/?search=buy&status=done").await;
    assert_eq!(titles(&both), ["Buy milk"]);
}

#[tokio::test]
async fn the_browser_session_manages_tasks_with_its_csrf_header() {
    let (app, _) = spawn().await;
    person(&app, "ann").await;
    let browser = Browser::new(&app);
    browser
        .fill(
            "/accounts/login/",
            &[("login", "ann"), ("password", PASSWORD)],
        )
        .await;
    let forged = send(
        browser
            .client
            .post(browser.url("/api/tasks/"))
            .json(&json!({"title": "From another site"})),
    )
    .await;
    assert_eq!(forged.status, 403, "no CSRF header");
    assert_eq!(stored(&app).await, 0);
    let token = browser.csrf_token("/accounts/password/change/").await;
    let created = send(
        browser
            .client
            .post(browser.url("/api/tasks/"))
            .header("x-csrf-token", token)
            .json(&json!({"title": "From my page"})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let list = send(browser.client.get(browser.url("/api/tasks/"))).await;
    assert_eq!(list.body["count"], 1);
}

#[tokio::test]
async fn health_needs_no_login() {
    let (app, _) = spawn().await;
    let answer = send(app.client.get(app.url("/api/health/"))).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["status"], "ok");
    assert_eq!(answer.body["database"], "ok");
    assert_eq!(answer.body["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn the_document_describes_tasks_auth_and_errors() {
    let (app, _) = spawn().await;
    let spec: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let list = &spec["paths"]["/api/tasks/"]["get"];
    let params: Vec<&str> = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        params,
        ["page", "page_size", "ordering", "status", "search"]
    );
    for status in ["200", "400", "401", "403", "404"] {
        assert!(
            list["responses"][status].is_object(),
            "list answers {status}"
        );
    }
    let create = &spec["paths"]["/api/tasks/"]["post"];
    for status in ["201", "400", "401", "403", "413", "415", "422"] {
        assert!(
            create["responses"][status].is_object(),
            "create answers {status}"
        );
    }
    assert_eq!(
        create["responses"]["422"]["content"]["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/Problem"
    );
    let item = &spec["paths"]["/api/tasks/{id}/"];
    for method in ["get", "put", "patch", "delete"] {
        assert!(item[method]["responses"]["404"].is_object(), "{method}");
    }
    let login = &spec["paths"]["/api/auth/login/"]["post"];
    assert!(login["responses"]["429"].is_object());
    assert!(spec["paths"]["/api/health/"]["get"]["security"].is_null());
    let schemes = &spec["components"]["securitySchemes"];
    assert_eq!(schemes["BearerAuth"]["scheme"], "bearer");
    assert_eq!(schemes["SessionAuth"]["in"], "cookie");
    let schemas = &spec["components"]["schemas"];
    assert_eq!(schemas["TaskWrite"]["additionalProperties"], false);
    assert_eq!(schemas["LoginRequest"]["additionalProperties"], false);
    for name in [
        "Task",
        "TaskWrite",
        "TaskPatch",
        "TaskPage",
        "LoginRequest",
        "TokenPair",
        "Problem",
        "Health",
    ] {
        assert!(
            schemas[name]["example"].is_object(),
            "{name} has an example"
        );
    }
    assert_eq!(schemas["TaskPage"]["properties"]["next"]["nullable"], true);

    let yaml = app.get("/api/openapi.yaml").await.text().await.unwrap();
    assert!(yaml.contains("/api/tasks/{id}/:"));
}

#[tokio::test]
async fn demo_users_and_their_tasks_arrive_on_the_first_start() {
    let (app, _) =
        crate::support::spawn_with(|s| s.var("BUREAU_APP__LOAD_DEMO_FIXTURES", "true")).await;
    let answer = send(
        app.client
            .post(app.url("/api/auth/login/"))
            .json(&json!({"username": "ann", "password": "demo-password"})),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let token = answer.body["access_token"].as_str().unwrap();
    let list = send(
        app.client
            .get(app.url("/api/tasks/?status=doing"))
            .bearer_auth(token),
    )
    .await;
    assert_eq!(list.body["count"], 3, "{}", list.body);
    let first = task::Entity::find_by_id(1)
        .one(app.state().db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.to_string(), "Write the quarterly report [doing]");
}

/// Every (owner, status) count the triggers keep, and the same counted from the tasks.
async fn counts(app: &TestApp) -> (Vec<(i64, String, i64)>, Vec<(i64, String, i64)>) {
    use bureau_core::sea_orm::sea_query::{Expr, ExprTrait};
    use bureau_core::sea_orm::{QueryOrder, QuerySelect};
    use bureau_tasks::entities::task_count;
    let db = app.state().db();
    let mut kept: Vec<(i64, String, i64)> = task_count::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.n != 0)
        .map(|c| (c.owner_id, c.status, c.n))
        .collect();
    kept.sort();
    let real: Vec<(i64, String, i64)> = task::Entity::find()
        .select_only()
        .column(task::Column::OwnerId)
        .column(task::Column::Status)
        .column_as(Expr::col(task::Column::Id).count(), "n")
        .group_by(task::Column::OwnerId)
        .group_by(task::Column::Status)
        .order_by_asc(task::Column::OwnerId)
        .order_by_asc(task::Column::Status)
        .into_tuple()
        .all(db)
        .await
        .unwrap();
    (kept, real)
}

#[tokio::test]
async fn list_counts_kept_by_the_database_follow_every_write() {
    use bureau_core::sea_orm::{ColumnTrait, ModelTrait, QueryFilter, sea_query::Expr};
    let (app, _) = spawn().await;
    let ann = person(&app, "ann").await;
    let bob = person(&app, "bob").await;
    seed(&app, &ann, 30, "todo").await;
    seed(&app, &bob, 5, "doing").await;
    let client = Client::login(&app, "ann").await;
    let db = app.state().db();

    // Through the API: create, change status, replace, delete.
    let created = client
        .create(json!({"title": "New", "status": "done"}))
        .await;
    let path = format!("/api/tasks/{}/", created.body["id"]);
    client
        .call(Method::PATCH, &path, Some(json!({"status": "doing"})))
        .await;
    client
        .call(Method::PUT, &path, Some(json!({"title": "Newer"})))
        .await;
    client.call(Method::DELETE, "/api/tasks/1/", None).await;
    // Behind the API's back: a bulk status change, a change of owner, a bulk delete.
    task::Entity::update_many()
        .col_expr(task::Column::Status, Expr::value("done"))
        .filter(task::Column::Title.is_in(["Task 002", "Task 003"]))
        .filter(task::Column::OwnerId.eq(ann.id))
        .exec(db)
        .await
        .unwrap();
    task::Entity::update_many()
        .col_expr(task::Column::OwnerId, Expr::value(bob.id))
        .filter(task::Column::Title.eq("Task 010"))
        .filter(task::Column::OwnerId.eq(ann.id))
        .exec(db)
        .await
        .unwrap();
    task::Entity::delete_many()
        .filter(task::Column::Title.is_in(["Task 020", "Task 021"]))
        .exec(db)
        .await
        .unwrap();
    let (kept, real) = counts(&app).await;
    assert_eq!(kept, real);

    let all = client.get("/api/tasks/").await.body["count"].clone();
    let done = client.get("/api/tasks/?status=done").await.body["count"].clone();
    let searched = client.get("/api/tasks/?search=task").await.body["count"].clone();
    assert_eq!((all, done, searched), (json!(27), json!(2), json!(26)));

    // An owner's counts go with the owner.
    bob.delete(db).await.unwrap();
    let (kept, real) = counts(&app).await;
    assert_eq!(kept, real);
}
