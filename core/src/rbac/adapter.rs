//! casbin's [`Adapter`] over sea-orm: the rules live in `core_casbin_rule` on SQLite, PostgreSQL
//! and MySQL/MariaDB alike (casbin's own sea-orm adapter still needs sea-orm 1).
//!
//! Every write also increments `core_rbac_state.version` in the same transaction, so every
//! instance — whichever wrote, and however (casbin's API, [`Rbac`](super::Rbac), seeding) — sees
//! that the rules changed and reloads them. The increment comes *first* in each transaction: it
//! takes the write lock (the state row on PostgreSQL and MySQL, the database on SQLite) before
//! anything is read, so writers queue instead of racing their existence checks into the unique
//! index, and a SQLite transaction never has to upgrade a read snapshot that went stale.

use async_trait::async_trait;
use casbin::error::AdapterError;
use casbin::{Adapter, Filter, Model};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QueryOrder, TransactionSession, TransactionTrait,
};

use crate::entities::{casbin_rule, rbac_state};

/// The value columns of `core_casbin_rule`, in order.
const VALUES: [casbin_rule::Column; 6] = [
    casbin_rule::Column::V0,
    casbin_rule::Column::V1,
    casbin_rule::Column::V2,
    casbin_rule::Column::V3,
    casbin_rule::Column::V4,
    casbin_rule::Column::V5,
];

/// The id of the one `core_rbac_state` row (the migration inserts it).
const STATE_ROW: i32 = 1;

/// Rows written per INSERT when a whole policy is saved; far below every backend's limit on
/// bound parameters.
const SAVE_BATCH: usize = 100;

/// casbin's adapter on Bureau's database.
pub struct SeaOrmAdapter {
    db: DatabaseConnection,
    filtered: bool,
}

impl SeaOrmAdapter {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            filtered: false,
        }
    }

    /// A transaction that has already bumped the version.
    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        let txn = self.db.begin().await?;
        match bump_version(&txn).await {
            Ok(()) => Ok(txn),
            Err(error) => {
                let _ = txn.rollback().await; // as in `settle`: the bump's error is the one to report
                Err(error)
            }
        }
    }

    async fn load(&self, model: &mut dyn Model, filter: Option<&Filter<'_>>) -> Result<(), DbErr> {
        let mut query = casbin_rule::Entity::find().order_by_asc(casbin_rule::Column::Id);
        if let Some(filter) = filter {
            query = query.filter(
                Condition::any()
                    .add(section_filter("p", &filter.p)?)
                    .add(section_filter("g", &filter.g)?),
            );
        }
        for row in query.all(&self.db).await? {
            // The section is the ptype's letter: `p`, `p2` → `p`; `g`, `g2` → `g`. A ptype the
            // model does not define is skipped, as casbin's own adapters do.
            let Some(section) = row.ptype.get(..1) else {
                continue;
            };
            model.add_policy(section, &row.ptype, row_values(&row));
        }
        Ok(())
    }

    async fn save(&self, model: &mut dyn Model) -> Result<(), DbErr> {
        let mut rows = Vec::new();
        for section in ["p", "g"] {
            let Some(assertions) = model.get_model().get(section) else {
                continue;
            };
            for (ptype, assertion) in assertions {
                for rule in assertion.get_policy() {
                    rows.push(active_rule(ptype, rule)?);
                }
            }
        }
        let txn = self.begin().await?;
        let outcome = async {
            casbin_rule::Entity::delete_many().exec(&txn).await?;
            for batch in rows.chunks(SAVE_BATCH) {
                casbin_rule::Entity::insert_many(batch.to_vec())
                    .exec_without_returning(&txn)
                    .await?;
            }
            Ok(())
        }
        .await;
        settle(txn, outcome, |()| true).await
    }

    async fn clear(&self) -> Result<(), DbErr> {
        let txn = self.begin().await?;
        let outcome = casbin_rule::Entity::delete_many().exec(&txn).await;
        settle(txn, outcome, |_| true).await.map(drop)
    }

    /// Adds every rule or none: casbin adds a batch to its in-memory model only when none of it
    /// is there yet, and the table must agree with the model.
    async fn add(&self, ptype: &str, rules: &[Vec<String>]) -> Result<bool, DbErr> {
        if rules.is_empty() {
            return Ok(true); // nothing to write, and no reason to make every instance reload
        }
        let txn = self.begin().await?;
        let outcome = async {
            for rule in rules {
                if !insert_rule(&txn, ptype, rule).await? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        .await;
        settle(txn, outcome, |added| *added).await
    }

    /// Removes every rule or none, for the same reason as [`add`](Self::add).
    async fn remove(&self, ptype: &str, rules: &[Vec<String>]) -> Result<bool, DbErr> {
        if rules.is_empty() {
            return Ok(true);
        }
        let txn = self.begin().await?;
        let outcome = async {
            for rule in rules {
                if !delete_rule(&txn, ptype, rule).await? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        .await;
        settle(txn, outcome, |removed| *removed).await
    }

    async fn remove_filtered(
        &self,
        ptype: &str,
        field_index: usize,
        field_values: &[String],
    ) -> Result<bool, DbErr> {
        // casbin reads an empty value as "any"; with no value at all the call names nothing.
        if field_values.iter().all(String::is_empty) {
            return Ok(false);
        }
        let mut condition = Condition::all().add(casbin_rule::Column::Ptype.eq(ptype));
        for (offset, value) in field_values.iter().enumerate() {
            if !value.is_empty() {
                condition = condition.add(value_column(field_index + offset)?.eq(value.as_str()));
            }
        }
        let txn = self.begin().await?;
        let outcome = casbin_rule::Entity::delete_many()
            .filter(condition)
            .exec(&txn)
            .await
            .map(|deleted| deleted.rows_affected > 0);
        settle(txn, outcome, |removed| *removed).await
    }
}

#[async_trait]
impl Adapter for SeaOrmAdapter {
    async fn load_policy(&mut self, model: &mut dyn Model) -> casbin::Result<()> {
        self.load(model, None).await.map_err(adapter_error)?;
        self.filtered = false;
        Ok(())
    }

    async fn load_filtered_policy<'a>(
        &mut self,
        model: &mut dyn Model,
        filter: Filter<'a>,
    ) -> casbin::Result<()> {
        self.load(model, Some(&filter))
            .await
            .map_err(adapter_error)?;
        self.filtered = true;
        Ok(())
    }

    async fn save_policy(&mut self, model: &mut dyn Model) -> casbin::Result<()> {
        self.save(model).await.map_err(adapter_error)
    }

    async fn clear_policy(&mut self) -> casbin::Result<()> {
        self.clear().await.map_err(adapter_error)?;
        self.filtered = false;
        Ok(())
    }

    fn is_filtered(&self) -> bool {
        self.filtered
    }

    async fn add_policy(
        &mut self,
        _section: &str,
        ptype: &str,
        rule: Vec<String>,
    ) -> casbin::Result<bool> {
        self.add(ptype, &[rule]).await.map_err(adapter_error)
    }

    async fn add_policies(
        &mut self,
        _section: &str,
        ptype: &str,
        rules: Vec<Vec<String>>,
    ) -> casbin::Result<bool> {
        self.add(ptype, &rules).await.map_err(adapter_error)
    }

    async fn remove_policy(
        &mut self,
        _section: &str,
        ptype: &str,
        rule: Vec<String>,
    ) -> casbin::Result<bool> {
        self.remove(ptype, &[rule]).await.map_err(adapter_error)
    }

    async fn remove_policies(
        &mut self,
        _section: &str,
        ptype: &str,
        rules: Vec<Vec<String>>,
    ) -> casbin::Result<bool> {
        self.remove(ptype, &rules).await.map_err(adapter_error)
    }

    async fn remove_filtered_policy(
        &mut self,
        _section: &str,
        ptype: &str,
        field_index: usize,
        field_values: Vec<String>,
    ) -> casbin::Result<bool> {
        self.remove_filtered(ptype, field_index, &field_values)
            .await
            .map_err(adapter_error)
    }
}

/// Ends `txn`: commits when `keep` says the work changed something, and otherwise — nothing to
/// keep, or an error — rolls back. Explicitly, rather than by dropping the transaction: a dropped
/// transaction only queues its rollback on the connection, and on MySQL the next statement on
/// that pooled connection was seen to hang.
pub(crate) async fn settle<T, E: From<DbErr>>(
    txn: impl TransactionSession,
    outcome: Result<T, E>,
    keep: impl FnOnce(&T) -> bool,
) -> Result<T, E> {
    match outcome {
        Ok(value) if keep(&value) => {
            txn.commit().await?;
            Ok(value)
        }
        Ok(value) => {
            txn.rollback().await?;
            Ok(value)
        }
        Err(error) => {
            // The work's error is the one worth reporting; if the rollback fails too, the
            // connection is broken and the pool discards it.
            let _ = txn.rollback().await;
            Err(error)
        }
    }
}

/// casbin carries an adapter's failure as a boxed error; [`super::casbin_error`] unboxes it.
fn adapter_error(error: DbErr) -> casbin::Error {
    casbin::Error::AdapterError(AdapterError(Box::new(error)))
}

fn value_column(index: usize) -> Result<casbin_rule::Column, DbErr> {
    VALUES.get(index).copied().ok_or_else(|| {
        DbErr::Custom(format!(
            "casbin rule value {index} does not exist: core_casbin_rule holds {}",
            VALUES.len()
        ))
    })
}

/// Rules of one section whose values equal the filter's non-empty ones.
fn section_filter(section: &str, values: &[&str]) -> Result<Condition, DbErr> {
    let mut condition = Condition::all().add(casbin_rule::Column::Ptype.starts_with(section));
    for (index, value) in values.iter().enumerate() {
        if !value.is_empty() {
            condition = condition.add(value_column(index)?.eq(*value));
        }
    }
    Ok(condition)
}

/// A rule's values as casbin wants them: the stored six without the unused trailing ones.
fn row_values(row: &casbin_rule::Model) -> Vec<String> {
    let mut values = vec![
        row.v0.clone(),
        row.v1.clone(),
        row.v2.clone(),
        row.v3.clone(),
        row.v4.clone(),
        row.v5.clone(),
    ];
    while values.last().is_some_and(String::is_empty) {
        values.pop();
    }
    values
}

/// The six stored values of `rule`, unused ones empty.
fn padded(rule: &[String]) -> Result<[&str; 6], DbErr> {
    if rule.len() > VALUES.len() {
        return Err(DbErr::Custom(format!(
            "casbin rule {rule:?} has more than {} values",
            VALUES.len()
        )));
    }
    let mut values = [""; 6];
    for (slot, value) in values.iter_mut().zip(rule) {
        *slot = value;
    }
    Ok(values)
}

fn active_rule(ptype: &str, rule: &[String]) -> Result<casbin_rule::ActiveModel, DbErr> {
    let [v0, v1, v2, v3, v4, v5] = padded(rule)?;
    Ok(casbin_rule::ActiveModel {
        id: NotSet,
        ptype: Set(ptype.to_owned()),
        v0: Set(v0.to_owned()),
        v1: Set(v1.to_owned()),
        v2: Set(v2.to_owned()),
        v3: Set(v3.to_owned()),
        v4: Set(v4.to_owned()),
        v5: Set(v5.to_owned()),
    })
}

/// Exactly this rule: every value column compared, so `p, a, b` never matches `p, a, b, c`.
fn exactly(ptype: &str, rule: &[String]) -> Result<Condition, DbErr> {
    let mut condition = Condition::all().add(casbin_rule::Column::Ptype.eq(ptype));
    for (column, value) in VALUES.iter().zip(padded(rule)?) {
        condition = condition.add(column.eq(value));
    }
    Ok(condition)
}

/// Writes the rule unless it is there already; `false` when it was. Callers hold the version
/// lock (see the module notes), so no other writer can slip the same rule in between.
pub(crate) async fn insert_rule(
    db: &impl ConnectionTrait,
    ptype: &str,
    rule: &[String],
) -> Result<bool, DbErr> {
    let present = casbin_rule::Entity::find()
        .filter(exactly(ptype, rule)?)
        .one(db)
        .await?
        .is_some();
    if present {
        return Ok(false);
    }
    casbin_rule::Entity::insert(active_rule(ptype, rule)?)
        .exec_without_returning(db)
        .await?;
    Ok(true)
}

/// Deletes the rule; `false` when it was not there.
pub(crate) async fn delete_rule(
    db: &impl ConnectionTrait,
    ptype: &str,
    rule: &[String],
) -> Result<bool, DbErr> {
    let deleted = casbin_rule::Entity::delete_many()
        .filter(exactly(ptype, rule)?)
        .exec(db)
        .await?;
    Ok(deleted.rows_affected > 0)
}

/// Increments the policy version. Run it first in a transaction that changes rules.
pub(crate) async fn bump_version(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let updated = rbac_state::Entity::update_many()
        .col_expr(
            rbac_state::Column::Version,
            Expr::col(rbac_state::Column::Version).add(1),
        )
        .filter(rbac_state::Column::Id.eq(STATE_ROW))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Err(missing_state());
    }
    Ok(())
}

/// The policy version as committed now.
pub(crate) async fn read_version(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    rbac_state::Entity::find_by_id(STATE_ROW)
        .one(db)
        .await?
        .map(|state| state.version)
        .ok_or_else(missing_state)
}

fn missing_state() -> DbErr {
    DbErr::RecordNotFound(format!(
        "core_rbac_state has no row {STATE_ROW}; the accounts migration inserts it"
    ))
}
