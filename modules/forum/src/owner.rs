//! What a post's author may do with it: edit it and delete it — never another's post (403, and
//! nothing changes), and not a locked one.

use bureau_core::entities::user;
use bureau_core::flash::Level;
use bureau_core::poem::http::StatusCode;
use bureau_core::poem::web::{Form, Path};
use bureau_core::poem::{IntoResponse, Response, handler};
use bureau_core::sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use bureau_core::{Error, Page, Result};
use serde_json::json;

use crate::pages::{PostForm, checked, film_of, form_context, shown};
use crate::post;

/// The post, when `user` wrote it and it is not locked; otherwise the refusal.
async fn own(page: &Page<'_>, user: &user::Model, id: &str) -> Result<post::Model> {
    let (found, _) = shown(page.state, Some(user), id).await?;
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

#[handler]
pub async fn edit(page: Page<'_>, Path(id): Path<String>) -> Result<Response> {
    let Some(user) = page.user.clone() else {
        return Ok(page.login_redirect());
    };
    let found = own(&page, &user, &id).await?;
    let film = film_of(
        page.state,
        &found.movie_id.map(|m| m.to_string()).unwrap_or_default(),
    )
    .await?;
    let form = PostForm {
        title: found.title,
        body: found.body,
        movie: found.movie_id.map(|m| m.to_string()).unwrap_or_default(),
    };
    let action = format!("/forum/{}/edit/", found.id);
    let context = form_context(
        &form,
        film.as_ref(),
        &bureau_core::FieldErrors::new(),
        &action,
    );
    Ok(page
        .render_form("forum/form.html", context)
        .await?
        .into_response())
}

#[handler]
pub async fn update(
    page: Page<'_>,
    Path(id): Path<String>,
    Form(form): Form<PostForm>,
) -> Result<Response> {
    let Some(user) = page.user.clone() else {
        return Ok(page.login_redirect());
    };
    let found = own(&page, &user, &id).await?;
    let (title, body, errors) = checked(&form);
    if !errors.is_empty() {
        let film = film_of(
            page.state,
            &found.movie_id.map(|m| m.to_string()).unwrap_or_default(),
        )
        .await?;
        let form = PostForm {
            title,
            body,
            movie: form.movie,
        };
        let action = format!("/forum/{}/edit/", found.id);
        page.flash(
            Level::Error,
            "Your changes are not saved yet: correct what is marked below.",
        )
        .await?;
        return page
            .render_form_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "forum/form.html",
                form_context(&form, film.as_ref(), &errors, &action),
            )
            .await;
    }
    let id = found.id;
    if title != found.title || body != found.body {
        let mut row = found.into_active_model();
        row.title = Set(title);
        row.body = Set(body);
        row.updated_at = Set(chrono::Utc::now().fixed_offset());
        row.update(page.state.db()).await?;
    }
    page.flash(Level::Success, "Your post is saved.").await?;
    Ok(page.redirect(&format!("/forum/{id}/")))
}

#[handler]
pub async fn confirm_delete(page: Page<'_>, Path(id): Path<String>) -> Result<Response> {
    let Some(user) = page.user.clone() else {
        return Ok(page.login_redirect());
    };
    let found = own(&page, &user, &id).await?;
    let context = json!({ "post": { "id": found.id, "title": found.title } });
    Ok(page
        .render_form("forum/delete.html", context)
        .await?
        .into_response())
}

#[handler]
pub async fn delete(page: Page<'_>, Path(id): Path<String>) -> Result<Response> {
    let Some(user) = page.user.clone() else {
        return Ok(page.login_redirect());
    };
    let found = own(&page, &user, &id).await?;
    post::Entity::delete_by_id(found.id)
        .exec(page.state.db())
        .await?;
    page.flash(Level::Success, format!("“{}” is deleted.", found.title))
        .await?;
    Ok(page.redirect("/forum/"))
}
