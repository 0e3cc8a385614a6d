//! The forum's pages: the list (new or top, by film), a post, and writing one.

use bureau_core::entities::user;
use bureau_core::flash::Level;
use bureau_core::poem::http::StatusCode;
use bureau_core::poem::web::{Form, Html, Path, Query};
use bureau_core::poem::{IntoResponse, Response, handler};
use bureau_core::sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, Set,
};
use bureau_core::{AppState, Error, FieldErrors, Page, Result, page_of};
use bureau_movies::movie;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::post;
use crate::{markdown, vote};

const PER_PAGE: u64 = 20;
pub const TITLE_MAX_CHARS: usize = 200;
pub const BODY_MAX_CHARS: usize = 20_000;
/// A user may publish this many posts within [`RATE_WINDOW_MINUTES`].
const RATE_LIMIT: u64 = 5;
const RATE_WINDOW_MINUTES: i64 = 10;

/// Whether `user` sees hidden posts and may moderate.
pub(crate) async fn moderates(state: &AppState, user: Option<&user::Model>) -> Result<bool> {
    match user {
        Some(user) => {
            state
                .rbac()
                .allows(state.db(), user, "forum.post", "hide")
                .await
        }
        None => Ok(false),
    }
}

/// The posts `user` may see: all but hidden ones, except their own (and all, for moderators).
fn visible(
    query: Select<post::Entity>,
    user: Option<&user::Model>,
    moderator: bool,
) -> Select<post::Entity> {
    if moderator {
        return query;
    }
    let mut shown = Condition::any().add(post::Column::Hidden.eq(false));
    if let Some(user) = user {
        shown = shown.add(post::Column::AuthorId.eq(user.id));
    }
    query.filter(shown)
}

#[derive(Deserialize, Default)]
pub struct ListParams {
    sort: Option<String>,
    movie: Option<String>,
    page: Option<String>,
}

#[handler]
pub async fn list(page: Page<'_>, Query(params): Query<ListParams>) -> Result<Html<String>> {
    let state = page.state;
    let db = state.db();
    let moderator = moderates(state, page.user.as_ref()).await?;
    let top = params.sort.as_deref() == Some("top");
    let film = match params.movie.as_deref().and_then(|m| m.parse::<i64>().ok()) {
        Some(id) => movie::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let mut query = visible(post::Entity::find(), page.user.as_ref(), moderator);
    if let Some(film) = &film {
        query = query.filter(post::Column::MovieId.eq(film.id));
    }
    let count = query.clone().count(db).await?;
    let (number, pages) = page_of(params.page.as_deref(), count, PER_PAGE)?;
    let query = if top {
        query.order_by_desc(post::Column::Score)
    } else {
        query.order_by_desc(post::Column::CreatedAt)
    };
    let posts = query
        .order_by_desc(post::Column::Id)
        .offset((number - 1) * PER_PAGE)
        .limit(PER_PAGE)
        .all(db)
        .await?;
    let authors = names(state, posts.iter().map(|p| p.author_id)).await?;
    let link = |page: u64, top: bool| {
        let mut query: Vec<(&str, String)> = Vec::new();
        if top {
            query.push(("sort", "top".to_owned()));
        }
        if let Some(film) = &film {
            query.push(("movie", film.id.to_string()));
        }
        if page > 1 {
            query.push(("page", page.to_string()));
        }
        let encoded = serde_urlencoded::to_string(&query).unwrap_or_default();
        if encoded.is_empty() {
            "/forum/".to_owned()
        } else {
            format!("/forum/?{encoded}")
        }
    };
    let rows: Vec<_> = posts
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "title": p.title,
                "author": authors.get(&p.author_id),
                "created": p.created_at.format("%-d %B %Y").to_string(),
                "score": p.score,
                "hidden": p.hidden,
                "locked": p.locked,
            })
        })
        .collect();
    let context = json!({
        "posts": rows,
        "count": count,
        "top": top,
        "film": film.as_ref().map(|f| json!({ "id": f.id, "title": f.title })),
        "new_link": link(1, false),
        "top_link": link(1, true),
        "page": number,
        "pages": pages,
        "previous": (number > 1).then(|| link(number - 1, top)),
        "next": (number < pages).then(|| link(number + 1, top)),
    });
    page.render("forum/list.html", context).await
}

/// The film page's part: the latest posts about the film, and where to write one.
pub async fn about_film(state: AppState, context: serde_json::Value) -> Result<String> {
    let Some(movie_id) = context["movie_id"].as_i64() else {
        return Ok(String::new());
    };
    let db = state.db();
    let about = post::Entity::find()
        .filter(post::Column::MovieId.eq(movie_id))
        .filter(post::Column::Hidden.eq(false));
    let count = about.clone().count(db).await?;
    let latest = about
        .order_by_desc(post::Column::CreatedAt)
        .order_by_desc(post::Column::Id)
        .limit(5)
        .all(db)
        .await?;
    let authors = names(&state, latest.iter().map(|p| p.author_id)).await?;
    let posts: Vec<_> = latest
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "title": p.title,
                "author": authors.get(&p.author_id),
                "created": p.created_at.format("%-d %B %Y").to_string(),
                "score": p.score,
            })
        })
        .collect();
    let html = state.render(
        "forum/about_film.html",
        json!({ "posts": posts, "count": count, "movie_id": movie_id }),
    )?;
    Ok(html.0)
}

/// Usernames by user id, in one query.
pub(crate) async fn names(
    state: &AppState,
    ids: impl Iterator<Item = i64>,
) -> Result<std::collections::HashMap<i64, String>> {
    let ids: Vec<i64> = ids.collect();
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(state.db())
        .await?;
    Ok(users.into_iter().map(|u| (u.id, u.username)).collect())
}

/// The post `id` as `user` may see it; hidden from others, it does not exist.
pub(crate) async fn shown(
    state: &AppState,
    user: Option<&user::Model>,
    id: &str,
) -> Result<(post::Model, bool)> {
    let id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    let moderator = moderates(state, user).await?;
    let found = visible(post::Entity::find_by_id(id), user, moderator)
        .one(state.db())
        .await?
        .ok_or(Error::NotFound)?;
    Ok((found, moderator))
}

#[handler]
pub async fn detail(page: Page<'_>, Path(id): Path<String>) -> Result<Html<String>> {
    let state = page.state;
    let (found, moderator) = shown(state, page.user.as_ref(), &id).await?;
    let author = user::Entity::find_by_id(found.author_id)
        .one(state.db())
        .await?;
    let film = match found.movie_id {
        Some(id) => movie::Entity::find_by_id(id).one(state.db()).await?,
        None => None,
    };
    let own = page.user.as_ref().is_some_and(|u| u.id == found.author_id);
    let my_vote = match &page.user {
        Some(user) => vote::Entity::find_by_id((found.id, user.id))
            .one(state.db())
            .await?
            .map_or(0, |v| v.value),
        None => 0,
    };
    let context = json!({
        "post": {
            "id": found.id,
            "title": found.title,
            "body": markdown::render(&found.body),
            "author": author.map(|a| a.username),
            "created": found.created_at.format("%-d %B %Y, %H:%M").to_string(),
            "edited": found.updated_at != found.created_at,
            "score": found.score,
            "hidden": found.hidden,
            "locked": found.locked,
        },
        "film": film.map(|f| json!({ "id": f.id, "title": f.title })),
        "own": own,
        "my_vote": my_vote,
        "moderator": moderator,
    });
    page.render_form("forum/detail.html", context).await
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub struct PostForm {
    pub title: String,
    pub body: String,
    pub movie: String,
}

#[derive(Deserialize, Default)]
pub struct NewParams {
    movie: Option<String>,
}

#[handler]
pub async fn new(page: Page<'_>, Query(params): Query<NewParams>) -> Result<Response> {
    if page.user.is_none() {
        return Ok(page.login_redirect());
    }
    let form = PostForm {
        movie: params.movie.unwrap_or_default(),
        ..PostForm::default()
    };
    let film = film_of(page.state, &form.movie).await?;
    Ok(page
        .render_form(
            "forum/form.html",
            form_context(&form, film.as_ref(), &FieldErrors::new(), "/forum/new/"),
        )
        .await?
        .into_response())
}

pub(crate) async fn film_of(state: &AppState, id: &str) -> Result<Option<movie::Model>> {
    match id.trim().parse::<i64>() {
        Ok(id) => Ok(movie::Entity::find_by_id(id).one(state.db()).await?),
        Err(_) => Ok(None),
    }
}

/// The post form's context; `action` is where it posts (`/forum/new/` or a post's edit page).
pub(crate) fn form_context(
    form: &PostForm,
    film: Option<&movie::Model>,
    errors: &FieldErrors,
    action: &str,
) -> serde_json::Value {
    let errors: std::collections::BTreeMap<_, _> = errors.by_field();
    json!({
        "values": form,
        "errors": errors,
        "film": film.map(|f| json!({ "id": f.id, "title": f.title })),
        "action": action,
        "editing": action != "/forum/new/",
    })
}

/// Whether `author` has published as many posts as the rate limit allows lately.
pub(crate) async fn too_fast(state: &AppState, author: &user::Model) -> Result<bool> {
    let since = chrono::Utc::now() - chrono::Duration::minutes(RATE_WINDOW_MINUTES);
    let recent = post::Entity::find()
        .filter(post::Column::AuthorId.eq(author.id))
        .filter(post::Column::CreatedAt.gt(since.fixed_offset()))
        .count(state.db())
        .await?;
    Ok(recent >= RATE_LIMIT)
}

/// What the rate limit says to a user who hit it.
/// Shown above a post form sent back with mistakes, which the fields then name.
const NOT_PUBLISHED: &str = "Your post is not published yet: correct what is marked below.";

pub(crate) fn too_fast_message() -> String {
    format!(
        "You have published {RATE_LIMIT} posts in the last {RATE_WINDOW_MINUTES} minutes; wait a little before the next."
    )
}

/// The title and body as they will be saved, and what is wrong with them.
pub(crate) fn checked(form: &PostForm) -> (String, String, FieldErrors) {
    let title = form.title.trim().to_owned();
    let body = form.body.trim().to_owned();
    let mut errors = FieldErrors::new();
    if title.is_empty() {
        errors.add("title", "This field is required.");
    } else if title.chars().count() > TITLE_MAX_CHARS {
        errors.add(
            "title",
            format!("Ensure this field has no more than {TITLE_MAX_CHARS} characters."),
        );
    } else if title.chars().any(char::is_control) {
        errors.add("title", "Control characters are not allowed.");
    }
    if body.is_empty() {
        errors.add("body", "This field is required.");
    } else if body.chars().count() > BODY_MAX_CHARS {
        errors.add(
            "body",
            format!("Ensure this field has no more than {BODY_MAX_CHARS} characters."),
        );
    } else if body.contains('\0') {
        errors.add("body", "NUL characters are not allowed.");
    }
    (title, body, errors)
}

#[handler]
pub async fn create(page: Page<'_>, Form(form): Form<PostForm>) -> Result<Response> {
    let Some(author) = &page.user else {
        return Ok(page.login_redirect());
    };
    let state = page.state;
    let db = state.db();
    let (title, body, mut errors) = checked(&form);
    let film = film_of(state, &form.movie).await?;
    if !form.movie.trim().is_empty() && film.is_none() {
        errors.add("movie", "There is no such film.");
    }
    let too_fast = too_fast(state, author).await?;
    if too_fast || !errors.is_empty() {
        let form = PostForm {
            title,
            body,
            movie: form.movie,
        };
        let (status, message) = if too_fast {
            (StatusCode::TOO_MANY_REQUESTS, too_fast_message())
        } else {
            (StatusCode::UNPROCESSABLE_ENTITY, NOT_PUBLISHED.to_owned())
        };
        page.flash(Level::Error, message).await?;
        return page
            .render_form_status(
                status,
                "forum/form.html",
                form_context(&form, film.as_ref(), &errors, "/forum/new/"),
            )
            .await;
    }
    let now = chrono::Utc::now().fixed_offset();
    let created = post::ActiveModel {
        author_id: Set(author.id),
        movie_id: Set(film.map(|f| f.id)),
        title: Set(title),
        body: Set(body),
        created_at: Set(now),
        updated_at: Set(now),
        score: Set(0),
        hidden: Set(false),
        locked: Set(false),
        ..Default::default()
    }
    .insert(db)
    .await?;
    page.flash(Level::Success, "Your post is published.")
        .await?;
    Ok(page.redirect(&format!("/forum/{}/", created.id)))
}
