//! Who a person is: accounts and passwords, browser-session login, login protection, mailed
//! single-use tokens, API tokens (JWT), and the account pages and auth API built on them.

mod api;
pub mod cleanup;
mod jwt;
pub mod lockout;
pub mod login_hooks;
mod pages;
pub mod password;
pub mod session_auth;
pub mod tokens;
pub mod users;
pub mod validation;

pub(crate) use api::AuthApi;
pub use api::{ApiAuth, BearerAuth, SessionAuth};
pub use jwt::Keys as JwtKeys;
pub(crate) use pages::register as register_pages;
pub use password::Passwords;
pub use session_auth::current_user;
