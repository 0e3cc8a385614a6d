//! `/api/forum/`: posts and votes for integrators. Reading is public (hidden posts are not
//! there); writing and voting need a login, by bearer token or session.

use bureau_core::api::{Input, Nullable, Pagination, Problems};
use bureau_core::auth::ApiAuth;
use bureau_core::poem::Request;
use bureau_core::poem::web::Data;
use bureau_core::poem_openapi::param::{Path, Query};
use bureau_core::poem_openapi::payload::Json;
use bureau_core::poem_openapi::types::Example;
use bureau_core::poem_openapi::{self, ApiResponse, Enum, Object, OpenApi, Tags};
use bureau_core::sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use bureau_core::{AppState, Error};
use chrono::{DateTime, FixedOffset};

use crate::pages::{PostForm, checked, film_of, too_fast, too_fast_message};
use crate::{markdown, post, votes};

/// How a list is sorted.
#[derive(Enum, Clone, Copy, Debug)]
#[oai(rename = "PostOrdering")]
enum Ordering {
    /// Newest first.
    #[oai(rename = "new")]
    New,
    /// Highest score first.
    #[oai(rename = "top")]
    Top,
}

/// A post.
#[derive(Object)]
#[oai(example)]
struct Post {
    id: i64,
    title: String,
    /// Markdown, as written.
    body: String,
    /// The body rendered and sanitised.
    body_html: String,
    /// The author's username; null once the account is deleted.
    author: Nullable<String>,
    /// The film the post is about.
    movie_id: Nullable<i64>,
    created_at: DateTime<FixedOffset>,
    updated_at: DateTime<FixedOffset>,
    score: i64,
    /// Locked posts take neither edits nor votes.
    locked: bool,
}

impl Post {
    fn of(found: post::Model, author: Option<String>) -> Self {
        Self {
            id: found.id,
            body_html: markdown::render(&found.body),
            title: found.title,
            body: found.body,
            author: author.into(),
            movie_id: found.movie_id.into(),
            created_at: found.created_at,
            updated_at: found.updated_at,
            score: found.score,
            locked: found.locked,
        }
    }
}

impl Example for Post {
    fn example() -> Self {
        let at = DateTime::parse_from_rfc3339("2026-11-23T18:00:00Z").unwrap_or_default();
        Self {
            id: 12,
            title: "Gilliam's best".to_owned(),
            body: "*Brazil* holds up.".to_owned(),
            body_html: "<p><em>Brazil</em> holds up.</p>\n".to_owned(),
            author: Some("ann".to_owned()).into(),
            movie_id: Some(1042).into(),
            created_at: at,
            updated_at: at,
            score: 7,
            locked: false,
        }
    }
}

/// A new post. Unknown fields are refused.
#[derive(Object)]
#[oai(example)]
struct PostWrite {
    /// 1–200 characters once trimmed; no control characters.
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    title: String,
    /// Markdown, 1–20,000 characters once trimmed.
    #[oai(validator(min_length = 1, max_length = 20000, pattern = r"^[^\x00]*\S[^\x00]*$"))]
    body: String,
    /// The film the post is about: a film that does not exist is not found (404).
    movie_id: Option<Nullable<i64>>,
}

impl Example for PostWrite {
    fn example() -> Self {
        Self {
            title: "Gilliam's best".to_owned(),
            body: "*Brazil* holds up.".to_owned(),
            movie_id: Some(Some(1042).into()),
        }
    }
}

/// A vote. Unknown fields are refused.
#[derive(Object)]
#[oai(deny_unknown_fields)]
struct VoteWrite {
    /// `up` or `down`; voting the same way again takes the vote back.
    value: VoteValue,
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
enum VoteValue {
    Up,
    Down,
}

/// The post's score after a vote, and the caller's vote now.
#[derive(Object)]
struct VoteResult {
    score: i64,
    /// 1, -1, or 0 when the vote was taken back.
    my_vote: i16,
}

/// One page of posts.
#[derive(Object)]
struct PostPage {
    count: u64,
    next: Nullable<String>,
    previous: Nullable<String>,
    results: Vec<Post>,
}

#[derive(ApiResponse)]
enum Created {
    /// The post is published.
    #[oai(status = 201)]
    Created(Json<Post>, #[oai(header = "Location")] String),
}

pub(crate) struct ForumApi;

#[OpenApi(tag = "ForumTag::Forum")]
impl ForumApi {
    /// List posts, a page at a time; hidden posts are left out.
    #[oai(path = "/posts/", method = "get", operation_id = "listPosts")]
    async fn list(
        &self,
        state: Data<&AppState>,
        req: &Request,
        /// Page number, from 1. A page past the last is not found (404).
        #[oai(validator(minimum(value = "1"), maximum(value = "2147483647")))]
        page: Query<Option<u32>>,
        /// Posts per page, default 20; values above 100 are lowered to 100.
        #[oai(validator(minimum(value = "1"), maximum(value = "2147483647")))]
        page_size: Query<Option<u32>>,
        /// `new` (default) or `top`.
        ordering: Query<Option<Ordering>>,
        /// Only posts about this film.
        movie: Query<Option<i64>>,
    ) -> Result<Json<PostPage>, Problems<404>> {
        let db = state.db();
        let mut query = post::Entity::find().filter(post::Column::Hidden.eq(false));
        if let Some(movie) = movie.0 {
            query = query.filter(post::Column::MovieId.eq(movie));
        }
        let pagination = Pagination::new(page.0.map(u64::from), page_size.0.map(u64::from));
        let count = query.clone().count(db).await.map_err(Error::from)?;
        let links = pagination.links(req, count)?;
        let query = match ordering.0.unwrap_or(Ordering::New) {
            Ordering::New => query.order_by_desc(post::Column::CreatedAt),
            Ordering::Top => query.order_by_desc(post::Column::Score),
        };
        let found = query
            .order_by_desc(post::Column::Id)
            .offset(pagination.offset())
            .limit(pagination.limit())
            .all(db)
            .await
            .map_err(Error::from)?;
        let authors = crate::pages::names(&state, found.iter().map(|p| p.author_id)).await?;
        Ok(Json(PostPage {
            count,
            next: links.next.into(),
            previous: links.previous.into(),
            results: found
                .into_iter()
                .map(|p| {
                    let author = authors.get(&p.author_id).cloned();
                    Post::of(p, author)
                })
                .collect(),
        }))
    }

    /// One post; a hidden one is not found.
    #[oai(path = "/posts/:id/", method = "get", operation_id = "getPost")]
    async fn get(&self, state: Data<&AppState>, id: Path<i64>) -> poem::Result<Json<Post>> {
        let found = post::Entity::find_by_id(id.0)
            .filter(post::Column::Hidden.eq(false))
            .one(state.db())
            .await
            .map_err(Error::from)?
            .ok_or(Error::NotFound)?;
        let authors = crate::pages::names(&state, std::iter::once(found.author_id)).await?;
        let author = authors.get(&found.author_id).cloned();
        Ok(Json(Post::of(found, author)))
    }

    /// Publish a post.
    #[oai(path = "/posts/", method = "post", operation_id = "createPost")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: ApiAuth,
        req: &Request,
        body: Json<Input<PostWrite>>,
    ) -> Result<Created, Problems<404, 429>> {
        let author = auth.user();
        let mut input = body.0;
        let given_title = input.required_string("title");
        let given_body = input.required_string("body");
        let form = PostForm {
            title: given_title.clone().unwrap_or_default(),
            body: given_body.clone().unwrap_or_default(),
            movie: String::new(),
        };
        let movie_id = input.nullable_integer("movie_id");
        let (title, text, errors) = checked(&form);
        // A field that was missing or not text has its error already.
        for error in errors.iter() {
            let given = match error.field.as_str() {
                "title" => given_title.is_some(),
                "body" => given_body.is_some(),
                _ => true,
            };
            if given {
                input.error(&error.field, error.message.clone());
            }
        }
        input.finish()?;
        let film = match movie_id {
            Some(id) => Some(
                film_of(&state, &id.to_string())
                    .await?
                    .ok_or(Error::NotFound)?,
            ),
            None => None,
        };
        if too_fast(&state, author).await? {
            return Err(Error::TooManyRequests(too_fast_message()).into());
        }
        let now = chrono::Utc::now().fixed_offset();
        let created = post::ActiveModel {
            author_id: Set(author.id),
            movie_id: Set(film.map(|f| f.id)),
            title: Set(title),
            body: Set(text),
            created_at: Set(now),
            updated_at: Set(now),
            score: Set(0),
            hidden: Set(false),
            locked: Set(false),
            ..Default::default()
        }
        .insert(state.db())
        .await
        .map_err(Error::from)?;
        let location = format!("{}{}/", req.original_uri().path(), created.id);
        Ok(Created::Created(
            Json(Post::of(created, Some(author.username.clone()))),
            location,
        ))
    }

    /// Change your post's title or body. Another user's post is refused (403), and so is a
    /// locked one.
    #[oai(path = "/posts/:id/", method = "patch", operation_id = "updatePost")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: ApiAuth,
        id: Path<i64>,
        body: Json<Input<PostPatch>>,
    ) -> poem::Result<Json<Post>> {
        let user = auth.user();
        let found = own(&state, user, id.0).await?;
        let mut input = body.0;
        let given_title = input.string("title");
        let given_body = input.string("body");
        let form = PostForm {
            title: given_title.clone().unwrap_or_else(|| found.title.clone()),
            body: given_body.clone().unwrap_or_else(|| found.body.clone()),
            movie: String::new(),
        };
        let (title, text, errors) = checked(&form);
        for error in errors.iter() {
            input.error(&error.field, error.message.clone());
        }
        input.finish()?;
        if title == found.title && text == found.body {
            return Ok(Json(Post::of(found, Some(user.username.clone()))));
        }
        let mut row: post::ActiveModel = found.into();
        row.title = Set(title);
        row.body = Set(text);
        row.updated_at = Set(chrono::Utc::now().fixed_offset());
        let updated = row.update(state.db()).await.map_err(Error::from)?;
        Ok(Json(Post::of(updated, Some(user.username.clone()))))
    }

    /// Delete your post, with its votes. Another user's post is refused (403), and so is a
    /// locked one.
    #[oai(path = "/posts/:id/", method = "delete", operation_id = "deletePost")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        auth: ApiAuth,
        id: Path<i64>,
    ) -> poem::Result<Deleted> {
        let found = own(&state, auth.user(), id.0).await?;
        post::Entity::delete_by_id(found.id)
            .exec(state.db())
            .await
            .map_err(Error::from)?;
        Ok(Deleted::Deleted)
    }

    /// Vote on a post: voting the same way again takes the vote back, the other way switches it.
    #[oai(path = "/posts/:id/vote/", method = "post", operation_id = "votePost")]
    async fn vote(
        &self,
        state: Data<&AppState>,
        auth: ApiAuth,
        id: Path<i64>,
        body: Json<VoteWrite>,
    ) -> poem::Result<Json<VoteResult>> {
        let found = post::Entity::find_by_id(id.0)
            .filter(post::Column::Hidden.eq(false))
            .one(state.db())
            .await
            .map_err(Error::from)?
            .ok_or(Error::NotFound)?;
        if found.locked {
            return Err(Error::Forbidden(
                "This post is locked: it takes no more votes.".to_owned(),
            )
            .into());
        }
        let value = if body.0.value == VoteValue::Up { 1 } else { -1 };
        let my_vote = votes::apply(state.db(), found.id, auth.user().id, value).await?;
        let score = post::Entity::find_by_id(found.id)
            .one(state.db())
            .await
            .map_err(Error::from)?
            .map_or(0, |p| p.score);
        Ok(Json(VoteResult { score, my_vote }))
    }
}

/// The post `id` when `user` may change it: theirs (another's hidden post is not found) and
/// not locked.
async fn own(
    state: &AppState,
    user: &bureau_core::entities::user::Model,
    id: i64,
) -> bureau_core::Result<post::Model> {
    let found = post::Entity::find_by_id(id)
        .one(state.db())
        .await?
        .filter(|p| !p.hidden || p.author_id == user.id)
        .ok_or(Error::NotFound)?;
    if found.author_id != user.id {
        return Err(Error::Forbidden(
            "Only its author may change a post.".to_owned(),
        ));
    }
    if found.locked {
        return Err(Error::Forbidden("This post is locked.".to_owned()));
    }
    Ok(found)
}

#[derive(ApiResponse)]
enum Deleted {
    /// The post is deleted.
    #[oai(status = 204)]
    Deleted,
}

/// Some fields of a post; the others keep their values. Unknown fields are refused.
#[derive(Object)]
struct PostPatch {
    /// 1–200 characters once trimmed; no control characters.
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    title: Option<String>,
    /// Markdown, 1–20,000 characters once trimmed.
    #[oai(validator(min_length = 1, max_length = 20000, pattern = r"^[^\x00]*\S[^\x00]*$"))]
    body: Option<String>,
}

#[derive(Tags)]
enum ForumTag {
    /// Posts about films, and votes.
    Forum,
}
