//! API tokens: short-lived access JWTs and long-lived refresh JWTs, both HS256 with a key derived
//! from `security.secret_key`. Each login starts a *family*; a refresh token can be exchanged once
//! for a new pair of the same family, and presenting a spent one again revokes the whole family
//! (someone else has a copy). Access tokens name their family, so logout ends them too.

use chrono::{Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::entities::{refresh_token, token_family, user};
use crate::web::csrf::random_token;
use crate::{AppState, Error, Result};

const ACCESS: &str = "access";
const REFRESH: &str = "refresh";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: i64,
    iat: i64,
    jti: String,
    fam: String,
    typ: String,
}

/// A token pair as the API returns it.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
    pub access_expires_in: i64,
}

/// Signing keys, derived once from the secret key.
#[derive(Clone)]
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl Keys {
    pub fn new(secret: &str) -> Self {
        // A key of its own, so a token can never be confused with another use of the secret.
        let key = Sha256::new()
            .chain_update(b"bureau jwt\0")
            .chain_update(secret.as_bytes())
            .finalize();
        Self {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
        }
    }
}

fn unauthorized(message: &str) -> Error {
    Error::Unauthorized(message.to_owned())
}

/// Starts a family for `user` and returns its first pair.
pub async fn login(state: &AppState, user: &user::Model) -> Result<Tokens> {
    let now = Utc::now().fixed_offset();
    let family = random_token()?;
    let txn = state.db().begin().await?;
    token_family::ActiveModel {
        id: Set(family[..32].to_owned()),
        user_id: Set(user.id),
        created_at: Set(now),
        expires_at: Set(now + Duration::days(state.config().auth.refresh_token_days)),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let tokens = issue(&txn, state, user.id, &family[..32]).await?;
    txn.commit().await?;
    Ok(tokens)
}

async fn issue(
    db: &impl ConnectionTrait,
    state: &AppState,
    user_id: i64,
    family: &str,
) -> Result<Tokens> {
    let auth = &state.config().auth;
    let now = Utc::now();
    let jti = random_token()?[..32].to_owned();
    refresh_token::ActiveModel {
        jti: Set(jti.clone()),
        family_id: Set(family.to_owned()),
        created_at: Set(now.fixed_offset()),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    let sign = |typ: &str, jti: String, lifetime: Duration| {
        let claims = Claims {
            sub: user_id.to_string(),
            iat: now.timestamp(),
            exp: (now + lifetime).timestamp(),
            jti,
            fam: family.to_owned(),
            typ: typ.to_owned(),
        };
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &state.jwt().encoding,
        )
        .map_err(|e| Error::Internal(format!("signing a token: {e}")))
    };
    let access_lifetime = Duration::minutes(auth.access_token_minutes);
    Ok(Tokens {
        access: sign(ACCESS, random_token()?[..32].to_owned(), access_lifetime)?,
        refresh: sign(REFRESH, jti, Duration::days(auth.refresh_token_days))?,
        access_expires_in: access_lifetime.num_seconds(),
    })
}

fn verify(state: &AppState, token: &str, typ: &str) -> Result<Claims> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "sub"]);
    let claims = decode::<Claims>(token, &state.jwt().decoding, &validation)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                unauthorized("the token has expired")
            }
            _ => unauthorized("the token is not valid"),
        })?
        .claims;
    if claims.typ != typ {
        return Err(unauthorized(&format!("a {typ} token is required")));
    }
    Ok(claims)
}

/// The user an access token speaks for: valid signature, not expired, family not revoked,
/// account active — one query.
pub async fn authenticate(state: &AppState, token: &str) -> Result<user::Model> {
    let claims = verify(state, token, ACCESS)?;
    let user_id: i64 = claims
        .sub
        .parse()
        .map_err(|_| unauthorized("the token is not valid"))?;
    let now = Utc::now().fixed_offset();
    let found = user::Entity::find_by_id(user_id)
        .inner_join(token_family::Entity)
        .filter(token_family::Column::Id.eq(claims.fam))
        .filter(token_family::Column::RevokedAt.is_null())
        .filter(token_family::Column::ExpiresAt.gt(now))
        .filter(user::Column::IsActive.eq(true))
        .one(state.db())
        .await?;
    found.ok_or_else(|| unauthorized("the token has been revoked"))
}

/// Exchanges a refresh token for a new pair. A token exchanged before is a sign of theft: the
/// whole family is revoked and the caller must log in again.
pub async fn refresh(state: &AppState, token: &str) -> Result<Tokens> {
    let claims = verify(state, token, REFRESH)?;
    let user_id: i64 = claims
        .sub
        .parse()
        .map_err(|_| unauthorized("the token is not valid"))?;
    let now = Utc::now().fixed_offset();
    let family = token_family::Entity::find_by_id(claims.fam.clone())
        .one(state.db())
        .await?
        .filter(|f| f.user_id == user_id && f.revoked_at.is_none() && f.expires_at > now)
        .ok_or_else(|| unauthorized("the refresh token has been revoked"))?;
    // Spending the token and issuing the next pair happen together or not at all.
    let txn = state.db().begin().await?;
    let spent = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Jti.eq(claims.jti.as_str()))
        .filter(refresh_token::Column::FamilyId.eq(family.id.as_str()))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        revoke_family(&txn, &family.id).await?;
        txn.commit().await?;
        tracing::warn!(user_id, family = %family.id, "refresh token reused; family revoked");
        return Err(unauthorized(
            "the refresh token was already used; every token of this login is revoked",
        ));
    }
    let tokens = issue(&txn, state, user_id, &family.id).await?;
    txn.commit().await?;
    Ok(tokens)
}

/// Revokes the family of a refresh token (logout). An invalid token is refused.
pub async fn logout(state: &AppState, token: &str) -> Result<()> {
    let claims = verify(state, token, REFRESH)?;
    revoke_family(state.db(), &claims.fam).await
}

async fn revoke_family(db: &impl ConnectionTrait, family: &str) -> Result<()> {
    token_family::Entity::update_many()
        .col_expr(
            token_family::Column::RevokedAt,
            Expr::value(Utc::now().fixed_offset()),
        )
        .filter(token_family::Column::Id.eq(family))
        .filter(token_family::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes families that expired (their refresh tokens go with them).
pub async fn delete_expired(db: &impl ConnectionTrait) -> Result<u64> {
    Ok(token_family::Entity::delete_many()
        .filter(token_family::Column::ExpiresAt.lt(Utc::now().fixed_offset()))
        .exec(db)
        .await?
        .rows_affected)
}
