//! [`Rbac`]: the one place a permission is decided, over a casbin enforcer whose rules come from
//! the database and are reloaded when `core_rbac_state.version` says another writer changed them.

use std::sync::Arc;

use casbin::{CoreApi, DefaultModel, Enforcer};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, SqlErr, TransactionTrait,
};
use tokio::sync::{RwLock, RwLockReadGuard};

use super::adapter::{SeaOrmAdapter, bump_version, delete_rule, insert_rule, read_version, settle};
use super::policy::{check_action, check_object, check_role};
use crate::entities::{role, user, user_role};
use crate::{Error, Result};

/// Grants on every object, or every action, when it stands in a rule's object or action:
/// `grant("auditor", "*", "view")`. Module defaults cannot use it; administrators can.
pub const WILDCARD: &str = "*";

/// casbin's model: subjects are role names, a role inherits another through `g, role, parent`,
/// and a rule's object or action may be the wildcard.
pub const MODEL: &str = r#"
[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub) && (p.obj == "*" || r.obj == p.obj) && (p.act == "*" || r.act == p.act)
"#;

/// A casbin enforcer with Bureau's [`MODEL`] over the rules in the database, loaded now. For
/// tools and tests that use casbin's own API: what they write goes through [`SeaOrmAdapter`],
/// which bumps the policy version, so running instances pick it up.
pub async fn enforcer(db: DatabaseConnection) -> Result<Enforcer> {
    let model = DefaultModel::from_str(MODEL).await.map_err(casbin_error)?;
    Enforcer::new(model, SeaOrmAdapter::new(db))
        .await
        .map_err(casbin_error)
}

/// Role-based access control for the running app, reached through `AppState::rbac()`. Cheap to
/// clone.
///
/// Subjects are roles; a user's roles are read from `core_user_role` on every check, so an
/// assignment counts at once on every instance. The rules (grants and inheritance) are cached in
/// memory and reloaded when `core_rbac_state.version` moves: at once on the instance that changed
/// them through this type, within about a second (the core job `rbac-refresh`) on the others.
#[derive(Clone)]
pub struct Rbac(Arc<Inner>);

struct Inner {
    db: DatabaseConnection,
    /// `None` until the first check: the server may start before its database answers.
    cache: RwLock<Option<Cached>>,
}

struct Cached {
    enforcer: Enforcer,
    /// The version read just *before* the rules were, so a change that lands while they load
    /// leaves the cache looking old and is picked up by the next refresh.
    version: i64,
}

impl Rbac {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        Self(Arc::new(Inner {
            db,
            cache: RwLock::new(None),
        }))
    }

    /// `Ok` when `user` may do `action` on `object` (`store.order`, `refund`), else
    /// `Error::Forbidden` naming what was refused. Every handler and admin view that acts on a
    /// model checks through here.
    ///
    /// An inactive user may do nothing; an active superuser may do everything; anyone else may do
    /// what one of their roles is granted, directly or through the roles it inherits.
    pub async fn require(
        &self,
        db: &impl ConnectionTrait,
        user: &user::Model,
        object: &str,
        action: &str,
    ) -> Result<()> {
        if self.allows(db, user, object, action).await? {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "you do not have permission to {action} {object}"
            )))
        }
    }

    /// Whether [`require`](Self::require) would let `user` through; for showing or hiding what a
    /// user could not use.
    pub async fn allows(
        &self,
        db: &impl ConnectionTrait,
        user: &user::Model,
        object: &str,
        action: &str,
    ) -> Result<bool> {
        if !user.is_active {
            return Ok(false);
        }
        if user.is_superuser {
            return Ok(true);
        }
        let roles = self.roles_of(db, user.id).await?;
        self.allows_as(user, &roles, object, action).await
    }

    /// Like [`allows`](Self::allows) with the user's roles already read (by
    /// [`roles_of`](Self::roles_of)): a page that checks many permissions reads them once.
    pub async fn allows_as(
        &self,
        user: &user::Model,
        roles: &[String],
        object: &str,
        action: &str,
    ) -> Result<bool> {
        if !user.is_active {
            return Ok(false);
        }
        if user.is_superuser {
            return Ok(true);
        }
        if roles.is_empty() {
            return Ok(false);
        }
        let cached = self.cached().await?;
        for role in roles {
            let allowed = cached
                .enforcer
                .enforce((role.as_str(), object, action))
                .map_err(casbin_error)?;
            if allowed {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The names of the roles `user_id` holds, in one query, sorted.
    pub async fn roles_of(&self, db: &impl ConnectionTrait, user_id: i64) -> Result<Vec<String>> {
        Ok(role::Entity::find()
            .select_only()
            .column(role::Column::Name)
            .inner_join(user_role::Entity)
            .filter(user_role::Column::UserId.eq(user_id))
            .order_by_asc(role::Column::Name)
            .into_tuple::<String>()
            .all(db)
            .await?)
    }

    /// Lets `role` do `action` on `object`; creates the role when it has no row yet. Either may
    /// be [`WILDCARD`]. `false` when the grant was there already.
    ///
    /// Like every change here it runs in one transaction — a savepoint when `db` is one already;
    /// the change then counts on this instance after that outer transaction commits and the next
    /// refresh runs.
    pub async fn grant(
        &self,
        db: &impl TransactionTrait,
        role: &str,
        object: &str,
        action: &str,
    ) -> Result<bool> {
        let rule = grant_rule(role, object, action)?;
        let txn = db.begin().await?;
        let outcome = async {
            bump_version(&txn).await?;
            let created = ensure_role(&txn, role).await?;
            let added = insert_rule(&txn, "p", &rule).await?;
            Ok::<_, DbErr>((created || added, added))
        }
        .await;
        let (changed, added) = settle(txn, outcome, |(changed, _)| *changed).await?;
        if changed {
            self.reload().await?;
        }
        Ok(added)
    }

    /// Withdraws a grant made by [`grant`](Self::grant) or seeded as a default (a seeded default
    /// stays withdrawn across restarts). `false` when there was no such grant.
    pub async fn revoke(
        &self,
        db: &impl TransactionTrait,
        role: &str,
        object: &str,
        action: &str,
    ) -> Result<bool> {
        let rule = grant_rule(role, object, action)?;
        self.remove(db, "p", &rule).await
    }

    /// Gives `role` every grant of `parent` (and of what `parent` inherits); creates either role
    /// when it has no row yet. `false` when it inherited it already.
    pub async fn inherit(
        &self,
        db: &impl TransactionTrait,
        role: &str,
        parent: &str,
    ) -> Result<bool> {
        let rule = inherit_rule(role, parent)?;
        let txn = db.begin().await?;
        let outcome = async {
            bump_version(&txn).await?;
            let created_role = ensure_role(&txn, role).await?;
            let created_parent = ensure_role(&txn, parent).await?;
            let added = insert_rule(&txn, "g", &rule).await?;
            Ok::<_, DbErr>((created_role || created_parent || added, added))
        }
        .await;
        let (changed, added) = settle(txn, outcome, |(changed, _)| *changed).await?;
        if changed {
            self.reload().await?;
        }
        Ok(added)
    }

    /// Undoes [`inherit`](Self::inherit). `false` when `role` did not inherit `parent`.
    pub async fn disinherit(
        &self,
        db: &impl TransactionTrait,
        role: &str,
        parent: &str,
    ) -> Result<bool> {
        let rule = inherit_rule(role, parent)?;
        self.remove(db, "g", &rule).await
    }

    /// Gives user `user_id` the existing role `role`. `false` when the user held it already.
    ///
    /// Assignments are read on every check, never cached, so they do not move the policy version.
    pub async fn assign(
        &self,
        db: &impl TransactionTrait,
        user_id: i64,
        role: &str,
    ) -> Result<bool> {
        let txn = db.begin().await?;
        let outcome = async {
            let role_id = existing_role(&txn, role).await?;
            if user::Entity::find_by_id(user_id).one(&txn).await?.is_none() {
                return Err(Error::BadRequest(format!("there is no user {user_id}")));
            }
            if assignment(&txn, user_id, role_id).await?.is_some() {
                return Ok(false);
            }
            let inserted = user_role::Entity::insert(user_role::ActiveModel {
                id: NotSet,
                user_id: Set(user_id),
                role_id: Set(role_id),
            })
            .exec_without_returning(&txn)
            .await;
            match inserted {
                Ok(_) => Ok(true),
                // Someone assigned the same role between the check and the insert: it is held,
                // as asked. The savepoint is rolled back, so an outer transaction stays usable.
                Err(error)
                    if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
                {
                    Ok(false)
                }
                Err(error) => Err(error.into()),
            }
        }
        .await;
        settle(txn, outcome, |added| *added).await
    }

    /// Takes `role` from user `user_id`. `false` when the user did not hold it.
    pub async fn unassign(
        &self,
        db: &impl ConnectionTrait,
        user_id: i64,
        role: &str,
    ) -> Result<bool> {
        let role_id = existing_role(db, role).await?;
        let deleted = user_role::Entity::delete_many()
            .filter(user_role::Column::UserId.eq(user_id))
            .filter(user_role::Column::RoleId.eq(role_id))
            .exec(db)
            .await?;
        Ok(deleted.rows_affected > 0)
    }

    /// Records that rules in `core_casbin_rule` were changed some other way (the admin editing
    /// rows, a script), so that every instance reloads them, and reloads this one. Call it in the
    /// transaction that made the change, so the two commit together; this instance then sees the
    /// change at its next refresh after the commit, like the others.
    pub async fn changed(&self, db: &impl ConnectionTrait) -> Result<()> {
        bump_version(db).await?;
        self.reload().await
    }

    /// Reloads the rules if the policy version moved since they were loaded; `true` when it did.
    /// Before the first check there is nothing cached to go stale, so nothing is read.
    pub async fn refresh(&self) -> Result<bool> {
        let Some(cached) = self.0.cache.read().await.as_ref().map(|c| c.version) else {
            return Ok(false);
        };
        if read_version(&self.0.db).await? == cached {
            return Ok(false);
        }
        self.reload().await?;
        Ok(true)
    }

    /// Loads the rules from the database now. Checks keep using the previous rules until the new
    /// ones are in, and a failed load keeps them (the next refresh tries again).
    pub async fn reload(&self) -> Result<()> {
        let fresh = self.load().await?;
        let mut cache = self.0.cache.write().await;
        // Two reloads may overlap; the one that read the older version must not win.
        if cache.as_ref().is_none_or(|c| c.version <= fresh.version) {
            *cache = Some(fresh);
        }
        Ok(())
    }

    async fn load(&self) -> Result<Cached> {
        let version = read_version(&self.0.db).await?;
        let enforcer = enforcer(self.0.db.clone()).await?;
        Ok(Cached { enforcer, version })
    }

    /// The cached rules, loaded first if this is the first check.
    async fn cached(&self) -> Result<RwLockReadGuard<'_, Cached>> {
        let guard = match RwLockReadGuard::try_map(self.0.cache.read().await, Option::as_ref) {
            Ok(cached) => return Ok(cached),
            Err(empty) => empty,
        };
        drop(guard);
        let mut cache = self.0.cache.write().await;
        // Checks that arrived together wait here; the first loads, the rest find it loaded.
        if cache.is_none() {
            *cache = Some(self.load().await?);
        }
        RwLockReadGuard::try_map(cache.downgrade(), Option::as_ref)
            .map_err(|_| Error::Internal("the RBAC rules were not loaded".into()))
    }

    async fn remove(
        &self,
        db: &impl TransactionTrait,
        ptype: &str,
        rule: &[String],
    ) -> Result<bool> {
        let txn = db.begin().await?;
        let outcome = async {
            bump_version(&txn).await?;
            delete_rule(&txn, ptype, rule).await
        }
        .await;
        let removed = settle(txn, outcome, |removed| *removed).await?;
        if removed {
            self.reload().await?;
        }
        Ok(removed)
    }
}

fn grant_rule(role: &str, object: &str, action: &str) -> Result<Vec<String>> {
    let checked = check_role(role)
        .and_then(|()| match object {
            WILDCARD => Ok(()),
            _ => check_object(object),
        })
        .and_then(|()| match action {
            WILDCARD => Ok(()),
            _ => check_action(action),
        });
    checked.map_err(Error::BadRequest)?;
    Ok(vec![role.to_owned(), object.to_owned(), action.to_owned()])
}

fn inherit_rule(role: &str, parent: &str) -> Result<Vec<String>> {
    check_role(role)
        .and_then(|()| check_role(parent))
        .map_err(Error::BadRequest)?;
    if role == parent {
        return Err(Error::BadRequest(format!(
            "role `{role}` cannot inherit itself"
        )));
    }
    Ok(vec![role.to_owned(), parent.to_owned()])
}

/// Creates the role's row when it has none; `true` when it did. Callers hold the version lock, so
/// two writers never both find it missing.
pub(crate) async fn ensure_role_described(
    db: &impl ConnectionTrait,
    name: &str,
    description: &str,
) -> Result<bool, DbErr> {
    let present = role::Entity::find()
        .filter(role::Column::Name.eq(name))
        .one(db)
        .await?
        .is_some();
    if present {
        return Ok(false);
    }
    role::Entity::insert(role::ActiveModel {
        id: NotSet,
        name: Set(name.to_owned()),
        description: Set(description.to_owned()),
    })
    .exec_without_returning(db)
    .await?;
    Ok(true)
}

async fn ensure_role(db: &impl ConnectionTrait, name: &str) -> Result<bool, DbErr> {
    ensure_role_described(db, name, "").await
}

async fn existing_role(db: &impl ConnectionTrait, name: &str) -> Result<i64> {
    role::Entity::find()
        .filter(role::Column::Name.eq(name))
        .one(db)
        .await?
        .map(|role| role.id)
        .ok_or_else(|| Error::BadRequest(format!("there is no role `{name}`")))
}

async fn assignment(
    db: &impl ConnectionTrait,
    user_id: i64,
    role_id: i64,
) -> Result<Option<user_role::Model>, DbErr> {
    user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(user_id))
        .filter(user_role::Column::RoleId.eq(role_id))
        .one(db)
        .await
}

/// casbin's error as ours: a database failure inside the adapter stays a database error (logged
/// with its cause by `web::errors`); anything else is a fault in the model or its use.
pub(crate) fn casbin_error(error: casbin::Error) -> Error {
    match error {
        casbin::Error::AdapterError(casbin::error::AdapterError(inner)) => {
            match inner.downcast::<DbErr>() {
                Ok(db) => Error::Database(*db),
                Err(other) => Error::Internal(format!("RBAC adapter: {other}")),
            }
        }
        other => Error::Internal(format!("RBAC: {other}")),
    }
}
