//! Who may use the admin: logged-in staff, and for each model and action, what RBAC allows.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};

use super::AdminPanel;
use crate::entities::user;
use crate::web::page::Page;
use crate::{Error, Result};

/// The staff user behind an admin request, or the answer for someone who is not one: anonymous
/// visitors go to the login page, other users get a page that says the admin is for staff.
pub(crate) async fn staff(page: &Page<'_>) -> Result<std::result::Result<user::Model, Response>> {
    let Some(user) = page.user.clone() else {
        return Ok(Err(page.login_redirect_to("/admin/login/")));
    };
    if !user.is_staff {
        let refused = page
            .render("admin/not_staff.html", ())
            .await?
            .with_status(StatusCode::FORBIDDEN)
            .into_response();
        return Ok(Err(refused));
    }
    Ok(Ok(user))
}

/// The panel at `/admin/<module>/<entity>/`, or 404.
pub(crate) fn panel<'a>(page: &'a Page<'_>, module: &str, entity: &str) -> Result<&'a AdminPanel> {
    let key = format!("{module}.{entity}");
    page.state
        .registry()
        .admin_panels()
        .iter()
        .find(|panel| panel.key() == key)
        .ok_or(Error::NotFound)
}

/// How every panel page starts: a staff user, the panel at `/admin/<module>/<entity>/`, and
/// `action` allowed on it — or the answer for a visitor who may not go further.
pub(crate) async fn enter<'a>(
    page: &'a Page<'a>,
    module: &str,
    entity: &str,
    action: &str,
) -> Result<std::result::Result<(&'a AdminPanel, Access<'a>), Response>> {
    let user = match staff(page).await? {
        Ok(user) => user,
        Err(refused) => return Ok(Err(refused)),
    };
    let panel = self::panel(page, module, entity)?;
    let access = Access::of(page, user).await?;
    access.require(panel, action).await?;
    Ok(Ok((panel, access)))
}

/// What the user may do with a panel's model, for showing only the links that work.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub(crate) struct Permissions {
    pub view: bool,
    pub add: bool,
    pub change: bool,
    pub delete: bool,
}

/// The user's roles, read once per request, and the checks made with them.
pub(crate) struct Access<'a> {
    page: &'a Page<'a>,
    pub user: user::Model,
    roles: Vec<String>,
}

impl<'a> Access<'a> {
    pub async fn of(page: &'a Page<'a>, user: user::Model) -> Result<Self> {
        let roles = page.state.rbac().roles_of(page.state.db(), user.id).await?;
        Ok(Self { page, user, roles })
    }

    pub async fn allows(&self, panel: &AdminPanel, action: &str) -> Result<bool> {
        // A read-only panel refuses the engine's own writes; what its module's actions do is
        // the module's business, and RBAC's.
        if panel.is_read_only() && matches!(action, "add" | "change" | "delete") {
            return Ok(false);
        }
        self.page
            .state
            .rbac()
            .allows_as(&self.user, &self.roles, &panel.key(), action)
            .await
    }

    /// `Error::Forbidden` unless allowed: nothing happens for a refused request.
    pub async fn require(&self, panel: &AdminPanel, action: &str) -> Result<()> {
        if self.allows(panel, action).await? {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "you do not have permission to {action} {}",
                panel.key()
            )))
        }
    }

    pub async fn permissions(&self, panel: &AdminPanel) -> Result<Permissions> {
        Ok(Permissions {
            view: self.allows(panel, "view").await?,
            add: self.allows(panel, "add").await?,
            change: self.allows(panel, "change").await?,
            delete: self.allows(panel, "delete").await?,
        })
    }
}
