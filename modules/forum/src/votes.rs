//! Voting and reporting.
//!
//! A vote toggles: voting the same way again takes the vote back, voting the other way switches
//! it. The score moves in the same transaction, by an increment the database applies (`score =
//! score + delta`), and each step is a write that needs no earlier read in the transaction — so
//! concurrent votes, even on SQLite, neither lose an update nor fail on a stale snapshot.

use bureau_core::flash::Level;
use bureau_core::poem::web::{Form, Path};
use bureau_core::poem::{Response, handler};
use bureau_core::sea_orm::sea_query::{Expr, ExprTrait};
use bureau_core::sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, Set, SqlErr, TransactionTrait,
};
use bureau_core::sea_orm::{DatabaseConnection, DatabaseTransaction};
use bureau_core::{Error, Page, Result};
use serde::Deserialize;

use crate::pages::shown;
use crate::{post, report, vote};

/// A user's reports are kept short.
const REASON_MAX_CHARS: usize = 1000;

#[derive(Deserialize)]
pub struct VoteForm {
    /// `up` or `down`.
    value: String,
}

#[handler]
pub async fn cast(
    page: Page<'_>,
    Path(id): Path<String>,
    Form(form): Form<VoteForm>,
) -> Result<Response> {
    let Some(user) = page.user.clone() else {
        return Ok(page.login_redirect());
    };
    let (found, _) = shown(page.state, Some(&user), &id).await?;
    let back = format!("/forum/{}/", found.id);
    let value: i16 = match form.value.as_str() {
        "up" => 1,
        "down" => -1,
        _ => return Err(Error::BadRequest("a vote is up or down".to_owned())),
    };
    if found.locked {
        page.flash(Level::Error, "This post is locked: it takes no more votes.")
            .await?;
        return Ok(page.redirect(&back));
    }
    let now = apply(page.state.db(), found.id, user.id, value).await?;
    let message = match now {
        0 => "Your vote is taken back.",
        _ if value > 0 => "You voted this post up.",
        _ => "You voted this post down.",
    };
    page.flash(Level::Success, message).await?;
    Ok(page.redirect(&back))
}

/// Votes `value` on the post as the user and returns their vote now (0 when taken back),
/// trying again when a concurrent vote got in the way.
pub(crate) async fn apply(
    db: &DatabaseConnection,
    post_id: i64,
    user_id: i64,
    value: i16,
) -> Result<i16> {
    let mut attempt = 1;
    loop {
        match toggle(db, post_id, user_id, value).await {
            Ok(now) => return Ok(now),
            // The same user's double click (the loser's insert meets the winner's row), or a
            // deadlock the database broke by aborting us.
            Err(error) if attempt < ATTEMPTS && bureau_core::is_conflict(&error) => attempt += 1,
            // Deleted since it was shown.
            Err(error)
                if matches!(
                    error.sql_err(),
                    Some(SqlErr::ForeignKeyConstraintViolation(_))
                ) =>
            {
                return Err(Error::NotFound);
            }
            Err(error) => return Err(error.into()),
        }
    }
}

/// How often a vote is tried when concurrent ones get in its way.
const ATTEMPTS: u32 = 5;

/// Applies the vote in one transaction and returns the user's vote now (0 when taken back).
async fn toggle(
    db: &DatabaseConnection,
    post_id: i64,
    user_id: i64,
    value: i16,
) -> std::result::Result<i16, DbErr> {
    let txn = db.begin().await?;
    match steps(&txn, post_id, user_id, value).await {
        Ok(now) => {
            txn.commit().await?;
            Ok(now)
        }
        Err(error) => {
            // Said explicitly: a transaction left to drop can hold MariaDB's locks meanwhile.
            txn.rollback().await?;
            Err(error)
        }
    }
}

async fn steps(
    txn: &DatabaseTransaction,
    post_id: i64,
    user_id: i64,
    value: i16,
) -> std::result::Result<i16, DbErr> {
    // The post's row first: every vote on it then waits its turn here. Taking it later, after
    // the vote row's foreign-key check has share-locked it, lets two votes deadlock on MySQL.
    post::Entity::update_many()
        .col_expr(
            post::Column::Score,
            Expr::col(post::Column::Score).add(0i64),
        )
        .filter(post::Column::Id.eq(post_id))
        .exec(txn)
        .await?;
    let mine = || {
        vote::Entity::delete_many()
            .filter(vote::Column::PostId.eq(post_id))
            .filter(vote::Column::UserId.eq(user_id))
    };
    let taken_back = mine()
        .filter(vote::Column::Value.eq(value))
        .exec(txn)
        .await?
        .rows_affected
        == 1;
    let (delta, now) = if taken_back {
        (-i64::from(value), 0)
    } else if vote::Entity::update_many()
        .col_expr(vote::Column::Value, Expr::value(value))
        .filter(vote::Column::PostId.eq(post_id))
        .filter(vote::Column::UserId.eq(user_id))
        .filter(vote::Column::Value.eq(-value))
        .exec(txn)
        .await?
        .rows_affected
        == 1
    {
        (2 * i64::from(value), value)
    } else {
        vote::ActiveModel {
            post_id: Set(post_id),
            user_id: Set(user_id),
            value: Set(value),
        }
        .insert(txn)
        .await?;
        (i64::from(value), value)
    };
    post::Entity::update_many()
        .col_expr(
            post::Column::Score,
            Expr::col(post::Column::Score).add(delta),
        )
        .filter(post::Column::Id.eq(post_id))
        .exec(txn)
        .await?;
    Ok(now)
}

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    reason: String,
}

#[handler]
pub async fn file_report(
    page: Page<'_>,
    Path(id): Path<String>,
    Form(form): Form<ReportForm>,
) -> Result<Response> {
    let Some(user) = page.user.clone() else {
        return Ok(page.login_redirect());
    };
    let (found, _) = shown(page.state, Some(&user), &id).await?;
    let back = format!("/forum/{}/", found.id);
    let reason = form.reason.trim();
    if reason.is_empty() || reason.chars().count() > REASON_MAX_CHARS || reason.contains('\0') {
        page.flash(
            Level::Error,
            format!("Say in a few words (at most {REASON_MAX_CHARS} characters) what is wrong with the post."),
        )
        .await?;
        return Ok(page.redirect(&back));
    }
    report::ActiveModel {
        post_id: Set(found.id),
        reporter_id: Set(user.id),
        reason: Set(reason.to_owned()),
        created_at: Set(chrono::Utc::now().fixed_offset()),
        resolved: Set(false),
        ..Default::default()
    }
    .insert(page.state.db())
    .await?;
    page.flash(
        Level::Success,
        "Thank you: a moderator will look at this post.",
    )
    .await?;
    Ok(page.redirect(&back))
}
