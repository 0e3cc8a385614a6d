//! The admin: panels modules declare for their entities (`panel`), and the engine that renders
//! them for any registered entity — reading rows through `query`, checking staff and RBAC in
//! `access`, one file per page in `views`.

mod access;
mod panel;
pub(crate) mod query;
mod views;

pub use panel::AdminPanel;

use crate::module::AppBuilder;
use crate::web::routing::get;

/// The admin's URLs, as Django's.
pub(crate) fn register(app: &mut AppBuilder) {
    app.route("/admin/", get(views::dashboard::show))
        .route("/admin/:module/:entity/", get(views::list::show));
}
