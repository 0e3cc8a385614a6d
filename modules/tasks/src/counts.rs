//! A list's `count`. Without a search it comes from `tasks_task_count`, which the database's
//! triggers keep (see the `task_counts` migration): a primary-key lookup per status instead of a
//! count over all of the owner's tasks, and read in the same query as the page.

use bureau_core::Result;
use bureau_core::entities::user;
use bureau_core::sea_orm::sea_query::{Asterisk, Expr, ExprTrait, Func, Query};
use bureau_core::sea_orm::{ConnectionTrait, FromQueryResult, QuerySelect, Select};

use crate::api::Status;
use crate::entities::task_count;
use crate::task;

/// A task of a page, with the count of the whole list (`total` as the page query names it).
#[derive(FromQueryResult)]
pub(crate) struct Counted {
    #[sea_orm(nested)]
    pub task: task::Model,
    pub total: i64,
}

/// How many tasks `query` matches, counted.
pub(crate) async fn count(db: &impl ConnectionTrait, query: Select<task::Entity>) -> Result<u64> {
    let n: Option<i64> = query
        .select_only()
        .expr(Expr::col(Asterisk).count())
        .into_tuple()
        .one(db)
        .await?;
    Ok(n.unwrap_or(0).try_into().unwrap_or(0))
}

/// How many tasks `owner` has (with `status`), as one SQL expression over the counts the
/// database's triggers keep: a primary-key lookup per status, added up.
pub(crate) fn total(owner: &user::Model, status: Option<Status>) -> Expr {
    let statuses = match status {
        Some(status) => vec![status.as_str()],
        None => crate::STATUSES.to_vec(),
    };
    statuses
        .into_iter()
        .map(|status| {
            let n = Query::select()
                .column(task_count::Column::N)
                .from(task_count::Entity)
                .and_where(Expr::col(task_count::Column::OwnerId).eq(owner.id))
                .and_where(Expr::col(task_count::Column::Status).eq(status))
                .to_owned();
            Expr::from(Func::coalesce([
                Expr::SubQuery(None, Box::new(n.into())),
                Expr::val(0i64),
            ]))
        })
        .reduce(ExprTrait::add)
        .unwrap_or(Expr::val(0i64))
}

/// The same as a value, for a page with no rows to carry it.
pub(crate) async fn counted(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    status: Option<Status>,
) -> Result<u64> {
    let statement = db
        .get_database_backend()
        .build(Query::select().expr_as(total(owner, status), "total"));
    let total: Option<i64> = match db.query_one_raw(statement).await? {
        Some(row) => Some(row.try_get("", "total")?),
        None => None,
    };
    Ok(total.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
}
