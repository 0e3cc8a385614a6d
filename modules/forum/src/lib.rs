//! Forum: registered users post about films and vote on posts; moderators hide, lock and delete
//! posts and work through the reports users file.

mod api;
pub mod entities;
mod markdown;
mod migrations;
mod owner;
mod pages;
mod votes;

use bureau_core::rust_embed::RustEmbed;
use bureau_core::sea_orm::sea_query::Expr;
use bureau_core::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use bureau_core::{AdminPanel, AppBuilder, Module, Policy, get, post as post_route};

pub use entities::{post, report, vote};

#[derive(RustEmbed)]
#[folder = "templates/"]
#[crate_path = "bureau_core::rust_embed"]
struct Templates;

#[derive(RustEmbed)]
#[folder = "static/"]
#[crate_path = "bureau_core::rust_embed"]
struct Static;

/// The forum module, as the composition root lists it.
pub struct Forum;

/// The moderation actions on posts: (action, label, column, value it sets).
const POST_ACTIONS: [(&str, &str, post::Column, bool); 4] = [
    ("hide", "Hide selected posts", post::Column::Hidden, true),
    (
        "unhide",
        "Show selected posts again",
        post::Column::Hidden,
        false,
    ),
    ("lock", "Lock selected posts", post::Column::Locked, true),
    (
        "unlock",
        "Unlock selected posts",
        post::Column::Locked,
        false,
    ),
];

impl Module for Forum {
    fn name(&self) -> &'static str {
        "forum"
    }

    fn dependencies(&self) -> &'static [&'static str] {
        &["movies"]
    }

    fn build(&self, app: &mut AppBuilder) {
        let mut posts = AdminPanel::of::<post::Entity>()
            .label("posts")
            .list_display([
                "title",
                "author_id__username",
                "movie_id__title",
                "score",
                "hidden",
                "locked",
                "created_at",
            ])
            .search_fields(["title", "body"])
            .list_filter(["hidden", "locked", "created_at"])
            .ordering(["-created_at"])
            .display("title")
            .readonly_fields(["score", "created_at", "updated_at"])
            .on_add(|row| {
                let now = serde_json::Value::from(chrono::Utc::now().to_rfc3339());
                row.insert("created_at".into(), now.clone());
                row.insert("updated_at".into(), now);
            })
            .on_change(|row| {
                let now = chrono::Utc::now().to_rfc3339();
                row.insert("updated_at".into(), now.into());
            });
        for (name, label, column, value) in POST_ACTIONS {
            posts = posts.action(name, label, move |txn, ids| {
                Box::pin(async move {
                    let ids: Vec<i64> = ids.iter().filter_map(|id| id.as_i64()).collect();
                    // Only the rows that change count, and only those get an audit entry.
                    let done = post::Entity::update_many()
                        .col_expr(column, Expr::value(value))
                        .filter(post::Column::Id.is_in(ids))
                        .filter(column.ne(value))
                        .exec(txn)
                        .await?;
                    Ok(done.rows_affected)
                })
            });
        }
        app.migrations(migrations::all)
            .fixture("demo", include_str!("../../../fixtures/forum_demo.json"))
            .static_files::<Static>()
            .route("/forum/", get(pages::list))
            .route("/forum/new/", get(pages::new).post(pages::create))
            .route("/forum/:id/", get(pages::detail))
            .route("/forum/:id/edit/", get(owner::edit).post(owner::update))
            .route(
                "/forum/:id/delete/",
                get(owner::confirm_delete).post(owner::delete),
            )
            .route("/forum/:id/vote/", post_route(votes::cast))
            .route("/forum/:id/report/", post_route(votes::file_report))
            .templates::<Templates>()
            .nav("Forum", "/forum/")
            .fragment("movies.detail", pages::about_film)
            .api("/api/forum", api::ForumApi)
            .model::<vote::Entity>()
            .admin(posts)
            .admin(
                AdminPanel::of::<report::Entity>()
                    .label("moderation queue")
                    .list_display([
                        "post_id__title",
                        "reporter_id__username",
                        "reason",
                        "created_at",
                        "resolved",
                    ])
                    .list_filter(["resolved", "created_at"])
                    .search_fields(["reason"])
                    .ordering(["created_at"])
                    .readonly_fields(["post_id", "reporter_id", "reason", "created_at"])
                    .action("resolve", "Mark selected reports resolved", |txn, ids| {
                        Box::pin(async move {
                            let ids: Vec<i64> = ids.iter().filter_map(|id| id.as_i64()).collect();
                            let done = report::Entity::update_many()
                                .col_expr(report::Column::Resolved, Expr::value(true))
                                .filter(report::Column::Id.is_in(ids))
                                .filter(report::Column::Resolved.eq(false))
                                .exec(txn)
                                .await?;
                            Ok(done.rows_affected)
                        })
                    }),
            );
        for action in [
            "view", "change", "delete", "hide", "unhide", "lock", "unlock",
        ] {
            app.policy(Policy::allow("moderator", "forum.post", action));
        }
        for action in ["view", "change", "resolve"] {
            app.policy(Policy::allow("moderator", "forum.report", action));
        }
        app.policy(Policy::allow("staff", "forum.post", "view"))
            .policy(Policy::allow("staff", "forum.report", "view"));
    }
}
