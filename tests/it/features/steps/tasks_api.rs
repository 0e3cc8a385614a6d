//! `features/tasks_api.feature`: an integrator's tasks through the JSON API, with the bearer
//! token `/api/auth/login/` gives.

use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use reqwest::Method;
use serde_json::{Value, json};

use crate::features::world::{Journey, Reply};
use crate::support::PASSWORD;

/// Sends `body` to `path` as `name` (with their token, once they have one), keeping the answer.
async fn call(world: &mut Journey, name: &str, method: Method, path: &str, body: Option<String>) {
    let app = world.app();
    let mut request = app.client.request(method, app.url(path));
    if let Some(token) = world.tokens.get(name) {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let reply = Reply::of(request.send().await.expect("the API answers")).await;
    world.keep(name.to_owned(), reply);
}

async fn log_in(world: &mut Journey, name: &str, password: &str) {
    let body = json!({"username": name, "password": password}).to_string();
    call(world, name, Method::POST, "/api/auth/login/", Some(body)).await;
    let answer = world.latest();
    if answer.status == 200 {
        let token = answer.json()["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned();
        world.tokens.insert(name.to_owned(), token);
    }
}

fn task_path(world: &Journey, title: &str) -> String {
    let id = world
        .tasks
        .get(title)
        .unwrap_or_else(|| panic!("no task {title} was created"));
    format!("/api/tasks/{id}/")
}

async fn create(world: &mut Journey, name: &str, title: &str) {
    let body = json!({ "title": title }).to_string();
    call(world, name, Method::POST, "/api/tasks/", Some(body)).await;
    if let Some(id) = world.latest().json()["id"].as_i64() {
        world.tasks.insert(title.to_owned(), id);
    }
}

#[given(expr = "{string} has logged in to the API")]
async fn has_logged_in(world: &mut Journey, name: String) {
    log_in(world, &name, PASSWORD).await;
    assert!(world.tokens.contains_key(&name), "{}", world.latest().body);
}

#[when(expr = "{string} logs in to the API with the password {string}")]
async fn logs_in_with(world: &mut Journey, name: String, password: String) {
    log_in(world, &name, &password).await;
}

#[given(expr = "{string} has the task {string}")]
async fn has_task(world: &mut Journey, name: String, title: String) {
    create(world, &name, &title).await;
    assert_eq!(world.latest().status, 201, "{}", world.latest().body);
}

#[when(expr = "{string} creates the task {string}")]
async fn creates(world: &mut Journey, name: String, title: String) {
    create(world, &name, &title).await;
}

#[when(expr = "{string} creates a task with this JSON:")]
async fn creates_json(world: &mut Journey, name: String, step: &Step) {
    let body = step.docstring.clone().expect("the JSON as a doc string");
    call(world, &name, Method::POST, "/api/tasks/", Some(body)).await;
}

#[when(expr = "{string} lists their tasks")]
async fn lists(world: &mut Journey, name: String) {
    call(world, &name, Method::GET, "/api/tasks/", None).await;
}

#[when(expr = "{string} reads the task {string}")]
async fn reads(world: &mut Journey, name: String, title: String) {
    let path = task_path(world, &title);
    call(world, &name, Method::GET, &path, None).await;
}

#[when(expr = "{string} sets the status of the task {string} to {string}")]
async fn sets_status(world: &mut Journey, name: String, title: String, status: String) {
    let path = task_path(world, &title);
    let body = json!({ "status": status }).to_string();
    call(world, &name, Method::PATCH, &path, Some(body)).await;
}

#[when(expr = "{string} deletes the task {string}")]
async fn deletes(world: &mut Journey, name: String, title: String) {
    let path = task_path(world, &title);
    call(world, &name, Method::DELETE, &path, None).await;
}

#[then(expr = "the API answers {int}")]
async fn answers(world: &mut Journey, status: u16) {
    let answer = world.latest();
    assert_eq!(answer.status, status, "{}", answer.body);
}

#[then(expr = "the API answers {int} with a problem")]
async fn answers_problem(world: &mut Journey, status: u16) {
    let answer = world.latest();
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.content_type, "application/problem+json");
    assert_eq!(answer.json()["status"], status, "{}", answer.body);
}

#[then(expr = "the problem names the fields {string} and {string}")]
async fn problem_fields(world: &mut Journey, first: String, second: String) {
    let problem = world.latest().json();
    let mut fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {problem}"))
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, [first.as_str(), second.as_str()], "{problem}");
}

#[then(expr = "the answer is the task {string} with the status {string}")]
async fn answer_is_task(world: &mut Journey, title: String, status: String) {
    let task = world.latest().json();
    assert_eq!(task["title"], title.as_str(), "{task}");
    assert_eq!(task["status"], status.as_str(), "{task}");
    assert_eq!(
        task["id"].as_i64(),
        world.tasks.get(&title).copied(),
        "{task}"
    );
}

/// A one-column table of titles, in the list's order.
#[then("the list holds the tasks:")]
async fn list_holds(world: &mut Journey, step: &Step) {
    let table = step.table.as_ref().expect("a table of titles");
    let expected: Vec<&str> = table.rows.iter().map(|row| row[0].as_str()).collect();
    let list = world.latest().json();
    assert_eq!(titles(&list), expected, "{list}");
    assert_eq!(list["count"], expected.len(), "{list}");
}

#[then("the list is empty")]
async fn list_empty(world: &mut Journey) {
    let list = world.latest().json();
    assert_eq!(list["count"], 0, "{list}");
    assert!(titles(&list).is_empty(), "{list}");
}

#[then(expr = "{string} still has the task {string} unchanged")]
async fn still_has(world: &mut Journey, name: String, title: String) {
    let path = task_path(world, &title);
    call(world, &name, Method::GET, &path, None).await;
    let task = world.latest().json();
    assert_eq!(world.latest().status, 200, "{task}");
    assert_eq!(
        (&task["title"], &task["status"]),
        (&json!(title), &json!("todo"))
    );
}

#[then(expr = "{string} has no tasks")]
async fn has_no_tasks(world: &mut Journey, name: String) {
    call(world, &name, Method::GET, "/api/tasks/", None).await;
    assert_eq!(world.latest().json()["count"], 0, "{}", world.latest().body);
}

fn titles(list: &Value) -> Vec<&str> {
    list["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results in {list}"))
        .iter()
        .filter_map(|task| task["title"].as_str())
        .collect()
}
