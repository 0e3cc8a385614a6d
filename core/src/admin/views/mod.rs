//! The admin's pages. Each one starts the same way: a staff user (`access::staff`), the panel of
//! the URL (`access::panel`), and the permission the page needs (`Access::require`).

pub(super) mod actions;
pub(super) mod autocomplete;
pub(super) mod dashboard;
pub(super) mod delete;
pub(super) mod export;
pub(super) mod form;
pub(super) mod history;
pub(super) mod list;
pub(super) mod object_action;
