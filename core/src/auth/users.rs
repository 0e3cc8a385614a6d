//! Accounts: creating users, finding them by what they log in with, checking passwords (with
//! login protection), and changing passwords.

use std::net::IpAddr;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, Set,
};

use super::lockout::{self, Keys};
use super::password::{UNUSABLE, Verified};
use super::validation::{check_email, check_password, check_username};
use crate::entities::user;
use crate::{AppState, FieldErrors, Result};

/// The one message for every failed login, so it never says which part was wrong.
pub const LOGIN_FAILED: &str = "The username/email or password is not correct.";

/// What a new account is made of.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub password: String,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub email_verified: bool,
}

/// Why a login did not succeed.
#[derive(Debug)]
pub enum LoginFailure {
    /// Wrong password, unknown account, or inactive account — indistinguishable on purpose.
    Invalid,
    /// Too many recent failures; the message says for how long.
    Locked(String),
    /// The password was right but the address is not verified yet (verification mandatory).
    Unverified(user::Model),
}

/// Checks a new account's fields, including that the username and email are free.
pub async fn validate_new(state: &AppState, new: &NewUser, errors: &mut FieldErrors) -> Result<()> {
    check_username(&new.username, errors);
    check_email("email", &new.email, errors);
    check_password(
        "password",
        &new.password,
        state.config().auth.password_min_length,
        &new.username,
        &new.email,
        errors,
    );
    if !errors.has("username") && username_taken(state.db(), &new.username).await? {
        errors.add("username", "A user with that username already exists.");
    }
    if !errors.has("email") && email_taken(state.db(), &new.email, None).await? {
        errors.add(
            "email",
            "A user is already registered with this email address.",
        );
    }
    Ok(())
}

pub async fn username_taken(db: &impl ConnectionTrait, username: &str) -> Result<bool> {
    Ok(user::Entity::find()
        .filter(user::Column::UsernameKey.eq(username.to_lowercase()))
        .count(db)
        .await?
        > 0)
}

/// Whether another account (not `except`) uses this address, ignoring case.
pub async fn email_taken(
    db: &impl ConnectionTrait,
    email: &str,
    except: Option<i64>,
) -> Result<bool> {
    let mut query = user::Entity::find().filter(user::Column::EmailKey.eq(email.to_lowercase()));
    if let Some(id) = except {
        query = query.filter(user::Column::Id.ne(id));
    }
    Ok(query.count(db).await? > 0)
}

/// Validates and inserts a new account on `db` (a transaction, when mail goes with it).
pub async fn create(
    db: &impl ConnectionTrait,
    state: &AppState,
    new: &NewUser,
) -> Result<user::Model> {
    let mut errors = FieldErrors::new();
    validate_new(state, new, &mut errors).await?;
    errors.into_result()?;
    insert(db, state, new).await
}

/// Inserts a new account that `validate_new` accepted. A race that takes the username or email
/// between the check and the insert ends as a field error too.
pub async fn insert(
    db: &impl ConnectionTrait,
    state: &AppState,
    new: &NewUser,
) -> Result<user::Model> {
    let hash = state.passwords().hash(&new.password).await?;
    let inserted = user::ActiveModel {
        username: Set(new.username.clone()),
        username_key: Set(new.username.to_lowercase()),
        email: Set(new.email.clone()),
        email_key: Set(new.email.to_lowercase()),
        password: Set(hash),
        is_active: Set(true),
        is_staff: Set(new.is_staff),
        is_superuser: Set(new.is_superuser),
        email_verified: Set(new.email_verified),
        date_joined: Set(Utc::now().fixed_offset()),
        last_login: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await;
    match inserted {
        Ok(user) => Ok(user),
        Err(error) if is_unique_violation(&error) => {
            let mut errors = FieldErrors::new();
            errors.add(
                "username",
                "A user with that username or email address already exists.",
            );
            Err(crate::Error::Invalid(errors))
        }
        Err(error) => Err(error.into()),
    }
}

fn is_unique_violation(error: &sea_orm::DbErr) -> bool {
    matches!(
        error.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// The account a login names, by username or by email address, ignoring case.
pub async fn find_by_login(db: &impl ConnectionTrait, login: &str) -> Result<Option<user::Model>> {
    let key = login.trim().to_lowercase();
    Ok(user::Entity::find()
        .filter(
            Condition::any()
                .add(user::Column::UsernameKey.eq(key.as_str()))
                .add(user::Column::EmailKey.eq(key.as_str())),
        )
        .one(db)
        .await?)
}

/// Checks a login and password, counting failures per account and per address. Every path that
/// fails verifies a password, so an unknown account takes as long as a wrong password.
pub async fn authenticate(
    state: &AppState,
    login: &str,
    password: &str,
    ip: Option<IpAddr>,
) -> Result<std::result::Result<user::Model, LoginFailure>> {
    let db = state.db();
    let config = &state.config().auth;
    let found = find_by_login(db, login).await?;
    let account = match &found {
        Some(user) => format!("user:{}", user.id),
        None => format!("login:{}", login.trim().to_lowercase()),
    };
    let keys = Keys::new(account, ip);
    if let Err(crate::Error::TooManyRequests(message)) = lockout::check(db, config, &keys).await {
        return Ok(Err(LoginFailure::Locked(message)));
    }
    let passwords = state.passwords();
    let verified = match &found {
        Some(user) if user.password != UNUSABLE => {
            passwords.verify(password, &user.password).await?
        }
        _ => passwords.verify_nobody(password).await?,
    };
    let user = match (found, verified) {
        (Some(user), Verified::Yes) if user.is_active => user,
        (Some(user), Verified::YesRehashed(hash)) if user.is_active => {
            // The cost changed since this hash was made: store one made with today's.
            let mut active = user.into_active_model();
            active.password = Set(hash);
            active.update(db).await?
        }
        _ => {
            lockout::record_failure(db, &keys).await?;
            return Ok(Err(LoginFailure::Invalid));
        }
    };
    lockout::clear(db, &keys).await?;
    let mandatory =
        state.config().auth.email_verification == crate::config::EmailVerification::Mandatory;
    if mandatory && !user.email_verified {
        return Ok(Err(LoginFailure::Unverified(user)));
    }
    Ok(Ok(user))
}

/// Checks a new password for `user` against the validators; errors go to `field`.
pub fn check_new_password(
    state: &AppState,
    user: &user::Model,
    field: &str,
    password: &str,
    errors: &mut FieldErrors,
) {
    check_password(
        field,
        password,
        state.config().auth.password_min_length,
        &user.username,
        &user.email,
        errors,
    );
}

/// Stores a new password for `user` (already validated).
pub async fn set_password(
    db: &impl ConnectionTrait,
    state: &AppState,
    user: user::Model,
    password: &str,
) -> Result<user::Model> {
    let hash = state.passwords().hash(password).await?;
    let mut active = user.into_active_model();
    active.password = Set(hash);
    Ok(active.update(db).await?)
}

/// Whether `password` is the user's current one (for confirmations; no lockout counting).
pub async fn password_matches(
    state: &AppState,
    user: &user::Model,
    password: &str,
) -> Result<bool> {
    if user.password == UNUSABLE {
        return Ok(false);
    }
    Ok(!matches!(
        state.passwords().verify(password, &user.password).await?,
        Verified::No
    ))
}

/// Marks the user's address verified.
pub async fn mark_verified(db: &impl ConnectionTrait, user: user::Model) -> Result<user::Model> {
    if user.email_verified {
        return Ok(user);
    }
    let mut active = user.into_active_model();
    active.email_verified = Set(true);
    Ok(active.update(db).await?)
}

/// On a first start with demo data, a database without any superuser gets `admin` with a random
/// password, returned so the command line can print it once.
pub async fn ensure_first_superuser(state: &AppState) -> Result<Option<(String, String)>> {
    let exists = user::Entity::find()
        .filter(user::Column::IsSuperuser.eq(true))
        .count(state.db())
        .await?
        > 0;
    if exists {
        return Ok(None);
    }
    let password = crate::web::csrf::random_token()?[..20].to_owned();
    let new = NewUser {
        username: "admin".to_owned(),
        email: "admin@example.com".to_owned(),
        password: password.clone(),
        is_staff: true,
        is_superuser: true,
        email_verified: true,
    };
    match insert(state.db(), state, &new).await {
        Ok(_) => Ok(Some((new.username, password))),
        // Another instance starting at the same moment made it first.
        Err(crate::Error::Invalid(_)) => Ok(None),
        Err(error) => Err(error),
    }
}
