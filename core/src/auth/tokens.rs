//! Single-use, expiring tokens mailed to users: verify an email address, reset a password. The
//! link carries 256 random bits; the database keeps only their SHA-256, so a leaked table opens
//! no accounts. Using a token is a conditional update, so it works once even under a double click.

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use sha2::{Digest, Sha256};

use crate::Result;
use crate::entities::account_token;
use crate::web::csrf::random_token;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }
}

/// Makes a token for `user_id` (and, for email verification, the address it proves) and returns
/// the secret to put in the link.
pub async fn issue(
    db: &impl ConnectionTrait,
    user_id: i64,
    purpose: Purpose,
    email: Option<&str>,
    lifetime: Duration,
) -> Result<String> {
    let secret = random_token()?;
    let now = Utc::now().fixed_offset();
    account_token::ActiveModel {
        user_id: Set(user_id),
        purpose: Set(purpose.as_str().to_owned()),
        token_hash: Set(digest(&secret)),
        email: Set(email.map(str::to_owned)),
        created_at: Set(now),
        expires_at: Set(now + lifetime),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(secret)
}

/// The token's row if it exists, has this purpose and is neither used nor expired; nothing is
/// changed (for pages that show a form before the token is used).
pub async fn peek(
    db: &impl ConnectionTrait,
    secret: &str,
    purpose: Purpose,
) -> Result<Option<account_token::Model>> {
    Ok(account_token::Entity::find()
        .filter(account_token::Column::TokenHash.eq(digest(secret)))
        .filter(account_token::Column::Purpose.eq(purpose.as_str()))
        .filter(account_token::Column::UsedAt.is_null())
        .filter(account_token::Column::ExpiresAt.gt(Utc::now().fixed_offset()))
        .one(db)
        .await?)
}

/// Uses the token: its row if this call was the one that used it, `None` if it was invalid,
/// expired or already used. Call it in the transaction of the change the token authorises.
pub async fn consume(
    db: &impl ConnectionTrait,
    secret: &str,
    purpose: Purpose,
) -> Result<Option<account_token::Model>> {
    let Some(token) = peek(db, secret, purpose).await? else {
        return Ok(None);
    };
    let now = Utc::now().fixed_offset();
    let claimed = account_token::Entity::update_many()
        .col_expr(account_token::Column::UsedAt, Expr::value(now))
        .filter(account_token::Column::Id.eq(token.id))
        .filter(account_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok((claimed.rows_affected == 1).then_some(token))
}

/// Uses up every outstanding token of this purpose for the user (after a reset, older links die).
pub async fn revoke_all(db: &impl ConnectionTrait, user_id: i64, purpose: Purpose) -> Result<()> {
    account_token::Entity::update_many()
        .col_expr(
            account_token::Column::UsedAt,
            Expr::value(Utc::now().fixed_offset()),
        )
        .filter(account_token::Column::UserId.eq(user_id))
        .filter(account_token::Column::Purpose.eq(purpose.as_str()))
        .filter(account_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes tokens that can no longer be used.
pub async fn delete_spent(db: &impl ConnectionTrait) -> Result<u64> {
    let now = Utc::now().fixed_offset();
    Ok(account_token::Entity::delete_many()
        .filter(
            Condition::any()
                .add(account_token::Column::ExpiresAt.lt(now))
                .add(account_token::Column::UsedAt.lt(now - Duration::days(1))),
        )
        .exec(db)
        .await?
        .rows_affected)
}

fn digest(secret: &str) -> String {
    let hash = Sha256::digest(secret.as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}
