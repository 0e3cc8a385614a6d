//! `/api/tasks/`: each user manages their own tasks, by bearer token or browser session.
//!
//! Every query is filtered by the caller, so another user's task is simply not found: it can be
//! neither read, changed nor deleted, and its existence is not revealed.

use bureau_core::api::{Input, Nullable, Pagination, Problems};
use bureau_core::auth::ApiAuth;
use bureau_core::entities::user;
use bureau_core::poem::web::Data;
use bureau_core::poem::{self, Request};
use bureau_core::poem_openapi::param::{Path, Query};
use bureau_core::poem_openapi::payload::Json;
use bureau_core::poem_openapi::types::Example;
use bureau_core::poem_openapi::{self, ApiResponse, Enum, Object, OpenApi, Tags};
use bureau_core::sea_orm::sea_query::Expr;
use bureau_core::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, Order, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use bureau_core::{AppState, Error, Result, icontains};
use chrono::{DateTime, FixedOffset, Utc};

use crate::counts::{Counted, count, counted, total};
use crate::task;
use crate::validation::{Changes, Mode, read};

/// Where a task is in its life.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[oai(rename = "TaskStatus", rename_all = "lowercase")]
pub enum Status {
    #[default]
    Todo,
    Doing,
    Done,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Todo => "todo",
            Self::Doing => "doing",
            Self::Done => "done",
        }
    }

    /// The stored value; the admin only offers the three, so anything else is a new task.
    fn of(stored: &str) -> Self {
        match stored {
            "doing" => Self::Doing,
            "done" => Self::Done,
            _ => Self::Todo,
        }
    }
}

/// How a list is sorted; `-` sorts descending. Ties are broken by id, in the same direction.
#[derive(Enum, Clone, Copy, Debug)]
#[oai(rename = "TaskOrdering")]
enum Ordering {
    #[oai(rename = "created_at")]
    CreatedAt,
    #[oai(rename = "-created_at")]
    CreatedAtDesc,
    #[oai(rename = "updated_at")]
    UpdatedAt,
    #[oai(rename = "-updated_at")]
    UpdatedAtDesc,
    #[oai(rename = "status")]
    Status,
    #[oai(rename = "-status")]
    StatusDesc,
    #[oai(rename = "title")]
    Title,
    #[oai(rename = "-title")]
    TitleDesc,
}

impl Ordering {
    fn column_and_order(self) -> (task::Column, Order) {
        use task::Column as C;
        match self {
            Self::CreatedAt => (C::CreatedAt, Order::Asc),
            Self::CreatedAtDesc => (C::CreatedAt, Order::Desc),
            Self::UpdatedAt => (C::UpdatedAt, Order::Asc),
            Self::UpdatedAtDesc => (C::UpdatedAt, Order::Desc),
            Self::Status => (C::Status, Order::Asc),
            Self::StatusDesc => (C::Status, Order::Desc),
            Self::Title => (C::Title, Order::Asc),
            Self::TitleDesc => (C::Title, Order::Desc),
        }
    }
}

/// A task, as the API shows it.
#[derive(Object)]
#[oai(example)]
struct Task {
    id: i64,
    title: String,
    description: String,
    status: Status,
    /// The owner's username: always the caller.
    owner: String,
    created_at: DateTime<FixedOffset>,
    /// Moves only when a field actually changes.
    updated_at: DateTime<FixedOffset>,
}

impl Task {
    fn of(model: task::Model, owner: &user::Model) -> Self {
        Self {
            id: model.id,
            status: Status::of(&model.status),
            title: model.title,
            description: model.description,
            owner: owner.username.clone(),
            created_at: model.created_at,
            updated_at: model.updated_at,
        }
    }
}

impl Example for Task {
    fn example() -> Self {
        let at = DateTime::parse_from_rfc3339("2026-11-23T09:30:00Z").unwrap_or_default();
        Self {
            id: 42,
            title: "Write the quarterly report".to_owned(),
            description: "Figures from the store module; send to Ann.".to_owned(),
            status: Status::Doing,
            owner: "ann".to_owned(),
            created_at: at,
            updated_at: at,
        }
    }
}

/// A new task (POST), or all of one (PUT). Unknown fields are refused.
#[derive(Object)]
#[oai(example)]
struct TaskWrite {
    /// 1–200 characters once surrounding whitespace is trimmed; no control characters.
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    title: String,
    /// Free text, up to 10,000 characters. Defaults to empty.
    #[oai(default, validator(max_length = 10000, pattern = r"^[^\x00]*$"))]
    description: String,
    /// Defaults to `todo`.
    #[oai(default = "Status::default")]
    status: Status,
}

impl Example for TaskWrite {
    fn example() -> Self {
        Self {
            title: "Write the quarterly report".to_owned(),
            description: "Figures from the store module; send to Ann.".to_owned(),
            status: Status::Todo,
        }
    }
}

/// Some fields of a task (PATCH); the others keep their values. Unknown fields are refused.
#[derive(Object)]
#[oai(example)]
struct TaskPatch {
    /// 1–200 characters once surrounding whitespace is trimmed; no control characters.
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    title: Option<String>,
    /// Up to 10,000 characters.
    #[oai(validator(max_length = 10000, pattern = r"^[^\x00]*$"))]
    description: Option<String>,
    status: Option<Status>,
}

impl Example for TaskPatch {
    fn example() -> Self {
        Self {
            title: None,
            description: None,
            status: Some(Status::Done),
        }
    }
}

/// One page of the caller's tasks.
#[derive(Object)]
#[oai(example)]
struct TaskPage {
    /// How many tasks match, on all pages.
    count: u64,
    /// The next page's URL, or null on the last page.
    next: Nullable<String>,
    /// The previous page's URL, or null on the first page.
    previous: Nullable<String>,
    results: Vec<Task>,
}

impl Example for TaskPage {
    fn example() -> Self {
        Self {
            count: 45,
            next: Some("https://bureau.example.com/api/tasks/?page=3&status=doing".to_owned())
                .into(),
            previous: Some("https://bureau.example.com/api/tasks/?status=doing".to_owned()).into(),
            results: vec![Task::example()],
        }
    }
}

#[derive(ApiResponse)]
enum Created {
    /// The task was created.
    #[oai(status = 201)]
    Created(Json<Task>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
enum Deleted {
    /// The task was deleted.
    #[oai(status = 204)]
    Deleted,
}

pub(crate) struct TasksApi;

#[OpenApi(tag = "TasksTag::Tasks")]
impl TasksApi {
    /// List your tasks, a page at a time, newest first unless `ordering` says otherwise.
    #[oai(path = "/", method = "get", operation_id = "listTasks")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: ApiAuth,
        req: &Request,
        /// Page number, from 1. A page past the last is not found (404).
        #[oai(validator(minimum(value = "1"), maximum(value = "2147483647")))]
        page: Query<Option<u32>>,
        /// Tasks per page, default 20; values above 100 are lowered to 100.
        #[oai(validator(minimum(value = "1"), maximum(value = "2147483647")))]
        page_size: Query<Option<u32>>,
        /// Sort field, `-` for descending. Default `-created_at`.
        ordering: Query<Option<Ordering>>,
        /// Only tasks with this status.
        status: Query<Option<Status>>,
        /// Only tasks whose title contains this text, ignoring case.
        #[oai(validator(max_length = 200, pattern = r"^[^\x00]*$"))]
        search: Query<Option<String>>,
    ) -> Result<Json<TaskPage>, Problems<404>> {
        let owner = auth.user();
        let db = state.db();
        let mut query = task::Entity::find().filter(task::Column::OwnerId.eq(owner.id));
        if let Some(status) = status.0 {
            query = query.filter(task::Column::Status.eq(status.as_str()));
        }
        let search = search.0.as_deref().map(str::trim).filter(|t| !t.is_empty());
        if let Some(text) = search {
            if text.contains('\0') {
                return Err(invalid("search", "Must not contain NUL characters.").into());
            }
            let title = Expr::col((task::Entity, task::Column::Title));
            query = query.filter(icontains(title, text, db.get_database_backend()));
        }
        let pagination = Pagination::new(page.0.map(u64::from), page_size.0.map(u64::from));
        let (column, order) = ordering
            .0
            .unwrap_or(Ordering::CreatedAtDesc)
            .column_and_order();
        let page_query = query
            .clone()
            .order_by(column, order.clone())
            .order_by(task::Column::Id, order)
            .offset(pagination.offset())
            .limit(pagination.limit());
        let (rows, count) = if search.is_some() {
            // No count is kept for a search: count its matches.
            let count = count(db, query).await?;
            pagination.links(req, count)?;
            (page_query.all(db).await.map_err(Error::from)?, count)
        } else {
            // The page and its count in one query; a page with no rows asks for the count alone.
            let rows: Vec<Counted> = page_query
                .column_as(total(owner, status.0), "total")
                .into_model()
                .all(db)
                .await
                .map_err(Error::from)?;
            let count = match rows.first() {
                Some(row) => u64::try_from(row.total).unwrap_or(0),
                None => counted(db, owner, status.0).await?,
            };
            (rows.into_iter().map(|row| row.task).collect(), count)
        };
        let links = pagination.links(req, count)?;
        Ok(Json(TaskPage {
            count,
            next: links.next.into(),
            previous: links.previous.into(),
            results: rows.into_iter().map(|t| Task::of(t, owner)).collect(),
        }))
    }

    /// Create a task.
    #[oai(path = "/", method = "post", operation_id = "createTask")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: ApiAuth,
        req: &Request,
        body: Json<Input<TaskWrite>>,
    ) -> poem::Result<Created> {
        let owner = auth.user();
        let changes = read(body.0, Mode::Create)?;
        let now = now();
        let created = task::ActiveModel {
            owner_id: Set(owner.id),
            title: Set(changes.title.unwrap_or_default()),
            description: Set(changes.description.unwrap_or_default()),
            status: Set(changes.status.unwrap_or("todo").to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(state.db())
        .await
        .map_err(Error::from)?;
        let location = format!("{}{}/", req.original_uri().path(), created.id);
        Ok(Created::Created(Json(Task::of(created, owner)), location))
    }

    /// One of your tasks.
    #[oai(path = "/:id/", method = "get", operation_id = "getTask")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: ApiAuth,
        id: Path<i64>,
    ) -> poem::Result<Json<Task>> {
        let owner = auth.user();
        let task = owned(state.db(), owner, id.0).await?;
        Ok(Json(Task::of(task, owner)))
    }

    /// Replace a task: fields left out take their defaults.
    #[oai(path = "/:id/", method = "put", operation_id = "replaceTask")]
    async fn replace(
        &self,
        state: Data<&AppState>,
        auth: ApiAuth,
        id: Path<i64>,
        body: Json<Input<TaskWrite>>,
    ) -> poem::Result<Json<Task>> {
        let changes = read(body.0, Mode::Replace)?;
        Ok(update(state.0, auth.user(), id.0, changes).await?)
    }

    /// Change some fields of a task.
    #[oai(path = "/:id/", method = "patch", operation_id = "updateTask")]
    async fn patch(
        &self,
        state: Data<&AppState>,
        auth: ApiAuth,
        id: Path<i64>,
        body: Json<Input<TaskPatch>>,
    ) -> poem::Result<Json<Task>> {
        let changes = read(body.0, Mode::Patch)?;
        Ok(update(state.0, auth.user(), id.0, changes).await?)
    }

    /// Delete a task.
    #[oai(path = "/:id/", method = "delete", operation_id = "deleteTask")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        auth: ApiAuth,
        id: Path<i64>,
    ) -> poem::Result<Deleted> {
        let deleted = task::Entity::delete_many()
            .filter(task::Column::Id.eq(id.0))
            .filter(task::Column::OwnerId.eq(auth.user().id))
            .exec(state.db())
            .await
            .map_err(Error::from)?;
        if deleted.rows_affected == 0 {
            return Err(Error::NotFound.into());
        }
        Ok(Deleted::Deleted)
    }
}

#[derive(Tags)]
enum TasksTag {
    /// Your own tasks.
    Tasks,
}

fn now() -> DateTime<FixedOffset> {
    Utc::now().fixed_offset()
}

fn invalid(field: &str, message: &str) -> Error {
    let mut errors = bureau_core::FieldErrors::new();
    errors.add(field, message);
    Error::Invalid(errors)
}

/// The caller's task `id`; someone else's is not found, exactly like one that does not exist.
async fn owned(db: &impl ConnectionTrait, owner: &user::Model, id: i64) -> Result<task::Model> {
    task::Entity::find_by_id(id)
        .filter(task::Column::OwnerId.eq(owner.id))
        .one(db)
        .await?
        .ok_or(Error::NotFound)
}

/// Applies `changes`; `updated_at` moves only when a value differs. One statement, so a task is
/// changed entirely or not at all.
async fn update(
    state: &AppState,
    owner: &user::Model,
    id: i64,
    changes: Changes,
) -> Result<Json<Task>> {
    let db = state.db();
    let current = owned(db, owner, id).await?;
    let mut row: task::ActiveModel = current.clone().into();
    if let Some(title) = changes.title {
        row.title = Set(title);
    }
    if let Some(description) = changes.description {
        row.description = Set(description);
    }
    if let Some(status) = changes.status {
        row.status = Set(status.to_owned());
    }
    let changed = row.title.as_ref() != &current.title
        || row.description.as_ref() != &current.description
        || row.status.as_ref() != &current.status;
    if !changed {
        return Ok(Json(Task::of(current, owner)));
    }
    row.updated_at = Set(now());
    let updated = match row.update(db).await {
        Ok(updated) => updated,
        // Deleted by another request between the read and the write.
        Err(DbErr::RecordNotUpdated) => return Err(Error::NotFound),
        Err(other) => return Err(other.into()),
    };
    Ok(Json(Task::of(updated, owner)))
}
