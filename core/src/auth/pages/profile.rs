//! `/accounts/profile/`: the account and its settings.

use poem::handler;
use poem::{IntoResponse, Response};
use serde_json::json;

use crate::Result;
use crate::web::page::Page;

#[handler]
pub async fn page(page: Page<'_>) -> Result<Response> {
    let Some(user) = &page.user else {
        return Ok(page.login_redirect());
    };
    let context = json!({ "account": user });
    Ok(page
        .render_form("accounts/profile.html", context)
        .await?
        .into_response())
}
