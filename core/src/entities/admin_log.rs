//! `core_admin_log`: the admin's audit log (read-only in the admin itself).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "core_admin_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeWithTimeZone,
    pub user_id: Option<i64>,
    pub username: String,
    /// `add`, `change`, `delete`, or the name of a custom action.
    pub action: String,
    /// `<module>.<entity>`.
    pub model: String,
    pub object_id: String,
    pub object_repr: String,
    /// JSON: for a change `{"field": [before, after]}`, for an add or delete the row's values.
    #[sea_orm(column_type = "Text")]
    pub changes: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    User,
}

impl ActiveModelBehavior for ActiveModel {}
