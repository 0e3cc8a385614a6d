//! The admin: panels modules declare for their entities (`panel`), and the engine that renders
//! them for any registered entity — reading rows through `query`, checking staff and RBAC in
//! `access`, one file per page in `views`.

mod access;
mod forms;
mod inlines;
mod object_action;
mod panel;
#[cfg(test)]
mod properties;
pub(crate) mod query;
mod relations;
mod store;
mod views;

pub use object_action::{ActionContext, ActionField, ActionOutcome};
pub use panel::{AdminAction, AdminPanel};

// For pages other parts of core add beside the engine's (setting a user's password).
pub(crate) use access::{Access, panel, staff};
pub(crate) use store::audit;

use crate::module::AppBuilder;
use crate::web::routing::{get, post};

/// The admin's URLs, as Django's.
pub(crate) fn register(app: &mut AppBuilder) {
    app.route("/admin/", get(views::dashboard::show))
        .route("/admin/:module/:entity/", get(views::list::show))
        .route("/admin/:module/:entity/action/", post(views::actions::run))
        .route("/admin/:module/:entity/export.csv", get(views::export::csv))
        .route(
            "/admin/:module/:entity/autocomplete/",
            get(views::autocomplete::options),
        )
        .route(
            "/admin/:module/:entity/add/",
            get(views::form::add_page).post(views::form::add),
        )
        .route(
            "/admin/:module/:entity/:id/change/",
            get(views::form::change_page).post(views::form::change),
        )
        .route(
            "/admin/:module/:entity/:id/delete/",
            get(views::delete::confirm).post(views::delete::delete),
        )
        .route(
            "/admin/:module/:entity/:id/history/",
            get(views::history::show),
        )
        .route(
            "/admin/:module/:entity/:id/action/:name/",
            get(views::object_action::form).post(views::object_action::run),
        );
}
