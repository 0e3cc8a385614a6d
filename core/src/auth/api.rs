//! The authentication API at `/api/auth`: JWT login, refresh with rotation, logout; and the
//! security schemes every API handler uses to know its caller — a bearer JWT, or the browser
//! session (whose unsafe requests `web::csrf` has already checked for the `X-CSRF-Token` header).

use poem::Request;
use poem::web::Data;
use poem_openapi::auth::{ApiKey, Bearer};
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi, SecurityScheme};

use super::users::{self, LoginFailure};
use super::{current_user, jwt};
use crate::api::Problems;
use crate::entities::user;
use crate::session::Session;
use crate::web::ClientInfo;
use crate::{AppState, Error};

/// A bearer JWT from `POST /api/auth/login`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "check_bearer")]
pub struct BearerAuth(pub user::Model);

/// The browser session cookie; unsafe methods also need the `X-CSRF-Token` header.
#[derive(SecurityScheme)]
#[oai(
    ty = "api_key",
    key_name = "bureau_session",
    key_in = "cookie",
    checker = "check_session"
)]
pub struct SessionAuth(pub user::Model);

/// The caller of an API operation, by either scheme. When both fail, the answer is the bearer
/// scheme's error (it is tried last), which says what was wrong with a token that was sent.
#[derive(SecurityScheme)]
pub enum ApiAuth {
    Session(SessionAuth),
    Bearer(BearerAuth),
}

impl ApiAuth {
    pub fn user(&self) -> &user::Model {
        match self {
            Self::Bearer(BearerAuth(user)) | Self::Session(SessionAuth(user)) => user,
        }
    }
}

fn state(req: &Request) -> poem::Result<&AppState> {
    Ok(req
        .data::<AppState>()
        .ok_or_else(|| Error::Internal("no app state".to_owned()))?)
}

async fn check_bearer(req: &Request, bearer: Bearer) -> poem::Result<user::Model> {
    Ok(jwt::authenticate(state(req)?, &bearer.token).await?)
}

async fn check_session(req: &Request, _cookie: ApiKey) -> poem::Result<user::Model> {
    let state = state(req)?;
    let session = req
        .extensions()
        .get::<Session>()
        .ok_or_else(|| Error::Internal("no session middleware".to_owned()))?;
    current_user(state, session)
        .await?
        .ok_or_else(|| Error::Unauthorized("the session is not logged in".to_owned()).into())
}

#[derive(Object)]
#[oai(deny_unknown_fields, example)]
struct LoginRequest {
    /// Username or email address.
    #[oai(validator(min_length = 1, max_length = 254))]
    username: String,
    #[oai(validator(min_length = 1, max_length = 1024))]
    password: String,
}

#[derive(Object)]
#[oai(deny_unknown_fields, example)]
struct RefreshRequest {
    #[oai(validator(min_length = 1, max_length = 4096))]
    refresh_token: String,
}

#[derive(Object)]
#[oai(example)]
struct TokenPair {
    access_token: String,
    refresh_token: String,
    /// Always `Bearer`.
    token_type: String,
    /// Seconds until the access token expires.
    expires_in: i64,
}

impl From<jwt::Tokens> for TokenPair {
    fn from(tokens: jwt::Tokens) -> Self {
        Self {
            access_token: tokens.access,
            refresh_token: tokens.refresh,
            token_type: "Bearer".to_owned(),
            expires_in: tokens.access_expires_in,
        }
    }
}

#[derive(Object)]
#[oai(example)]
struct Me {
    id: i64,
    username: String,
    email: String,
    is_staff: bool,
    is_superuser: bool,
    date_joined: chrono::DateTime<chrono::FixedOffset>,
}

const EXAMPLE_ACCESS: &str =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMDEiLCJ0eXAiOiJhY2Nlc3MifQ.c2lnbmF0dXJl";
const EXAMPLE_REFRESH: &str =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMDEiLCJ0eXAiOiJyZWZyZXNoIn0.c2lnbmF0dXJl";

impl Example for LoginRequest {
    fn example() -> Self {
        Self {
            username: "ann".to_owned(),
            password: "demo-password".to_owned(),
        }
    }
}

impl Example for RefreshRequest {
    fn example() -> Self {
        Self {
            refresh_token: EXAMPLE_REFRESH.to_owned(),
        }
    }
}

impl Example for TokenPair {
    fn example() -> Self {
        Self {
            access_token: EXAMPLE_ACCESS.to_owned(),
            refresh_token: EXAMPLE_REFRESH.to_owned(),
            token_type: "Bearer".to_owned(),
            expires_in: 900,
        }
    }
}

impl Example for Me {
    fn example() -> Self {
        Self {
            id: 101,
            username: "ann".to_owned(),
            email: "ann@example.com".to_owned(),
            is_staff: false,
            is_superuser: false,
            date_joined: chrono::DateTime::parse_from_rfc3339("2026-11-01T08:00:00Z")
                .unwrap_or_default(),
        }
    }
}

#[derive(ApiResponse)]
enum LoggedOut {
    /// The refresh token's family is revoked, with every access token it issued.
    #[oai(status = 204)]
    Done,
}

pub(crate) struct AuthApi;

#[OpenApi(prefix_path = "/", tag = "AuthTag::Auth")]
impl AuthApi {
    /// Log in: exchange a username (or email) and password for a token pair.
    ///
    /// Failed attempts count against the account and the client address; past the configured
    /// limit the answer is 429 until the window passes.
    #[oai(path = "/login", method = "post")]
    async fn login(
        &self,
        state: Data<&AppState>,
        client: Data<&ClientInfo>,
        body: Json<LoginRequest>,
    ) -> Result<Json<TokenPair>, Problems<401, 403, 429>> {
        let outcome =
            users::authenticate(&state, &body.username, &body.password, client.ip).await?;
        let user = match outcome {
            Ok(user) => user,
            Err(LoginFailure::Invalid) => {
                return Err(Error::Unauthorized(users::LOGIN_FAILED.to_owned()).into());
            }
            Err(LoginFailure::Locked(message)) => {
                return Err(Error::TooManyRequests(message).into());
            }
            Err(LoginFailure::Unverified(_)) => {
                return Err(Error::Forbidden(
                    "verify your email address first: follow the link we mailed you".to_owned(),
                )
                .into());
            }
        };
        Ok(Json(jwt::login(&state, &user).await?.into()))
    }

    /// Exchange a refresh token for a new pair. Each refresh token works once; presenting a used
    /// one revokes every token of that login.
    #[oai(path = "/refresh", method = "post")]
    async fn refresh(
        &self,
        state: Data<&AppState>,
        body: Json<RefreshRequest>,
    ) -> Result<Json<TokenPair>, Problems<401>> {
        Ok(Json(
            jwt::refresh(&state, &body.refresh_token).await?.into(),
        ))
    }

    /// Log out: revoke the login the refresh token belongs to.
    #[oai(path = "/logout", method = "post")]
    async fn logout(
        &self,
        state: Data<&AppState>,
        body: Json<RefreshRequest>,
    ) -> Result<LoggedOut, Problems<401>> {
        jwt::logout(&state, &body.refresh_token).await?;
        Ok(LoggedOut::Done)
    }

    /// The authenticated user.
    #[oai(path = "/me", method = "get")]
    async fn me(&self, auth: ApiAuth) -> Json<Me> {
        let user = auth.user();
        Json(Me {
            id: user.id,
            username: user.username.clone(),
            email: user.email.clone(),
            is_staff: user.is_staff,
            is_superuser: user.is_superuser,
            date_joined: user.date_joined,
        })
    }
}

#[derive(poem_openapi::Tags)]
enum AuthTag {
    /// Tokens for the API.
    Auth,
}
