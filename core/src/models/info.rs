use sea_orm::sea_query::{ColumnType, ForeignKeyAction};
use sea_orm::{
    ColumnTrait, EntityTrait, IdenStatic, Iterable, PrimaryKeyToColumn, PrimaryKeyTrait,
    RelationTrait, RelationType,
};

/// A registered entity: its key (`<module>.<name>`), table and columns.
#[derive(Debug, Clone)]
pub struct ModelInfo {
    pub module: &'static str,
    /// The table name without the `<module>_` prefix tables carry by convention.
    pub name: String,
    pub table: String,
    pub columns: Vec<ColumnInfo>,
    pub primary_key: Vec<String>,
    pub auto_increment: bool,
    /// The entity's `belongs_to` relations: which column points at which table.
    pub foreign_keys: Vec<ForeignKeyInfo>,
}

/// A column that refers to another table's key.
#[derive(Debug, Clone)]
pub struct ForeignKeyInfo {
    pub column: String,
    pub table: String,
    pub target_column: String,
    /// What the database does to this row when the referred row is deleted.
    pub on_delete: OnDelete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDelete {
    Cascade,
    SetNull,
    /// The referred row cannot be deleted while this one points at it.
    Restrict,
}

#[derive(Debug, Clone)]
pub struct ColumnInfo {
    pub name: String,
    pub column_type: ColumnType,
    pub nullable: bool,
    pub unique: bool,
}

impl ModelInfo {
    pub(crate) fn of<E: EntityTrait>(module: &'static str) -> Self {
        let table = E::default().table_name().to_owned();
        let name = table
            .strip_prefix(&format!("{module}_"))
            .unwrap_or(&table)
            .to_owned();
        let columns = E::Column::iter()
            .map(|column| {
                let def = column.def();
                ColumnInfo {
                    name: column.as_str().to_owned(),
                    column_type: def.get_column_type().clone(),
                    nullable: def.is_null(),
                    unique: def.is_unique(),
                }
            })
            .collect();
        let primary_key = E::PrimaryKey::iter()
            .map(|key| key.into_column().as_str().to_owned())
            .collect();
        let foreign_keys = E::Relation::iter()
            .map(|relation| relation.def())
            // `belongs_to` relations: one-to-one from the side that holds the foreign key.
            .filter(|def| def.rel_type == RelationType::HasOne && !def.is_owner)
            .filter_map(|def| {
                let column = single_identity(&def.from_col)?;
                let target_column = single_identity(&def.to_col)?;
                Some(ForeignKeyInfo {
                    column,
                    table: table_name(&def.to_tbl)?,
                    target_column,
                    on_delete: match def.on_delete {
                        Some(ForeignKeyAction::Cascade) => OnDelete::Cascade,
                        Some(ForeignKeyAction::SetNull) => OnDelete::SetNull,
                        _ => OnDelete::Restrict,
                    },
                })
            })
            .collect();
        Self {
            module,
            name,
            table,
            columns,
            primary_key,
            auto_increment: <E::PrimaryKey as PrimaryKeyTrait>::auto_increment(),
            foreign_keys,
        }
    }

    /// The foreign key on `column`, if it is one.
    pub fn foreign_key(&self, column: &str) -> Option<&ForeignKeyInfo> {
        self.foreign_keys.iter().find(|fk| fk.column == column)
    }

    /// `<module>.<name>`, the name fixtures, panels and policies use.
    pub fn key(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }

    pub fn column(&self, name: &str) -> Option<&ColumnInfo> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn column_names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// The single-column primary key, if the key is not composite.
    pub fn single_key(&self) -> Option<&ColumnInfo> {
        match self.primary_key.as_slice() {
            [key] => self.column(key),
            _ => None,
        }
    }
}

fn single_identity(identity: &sea_orm::Identity) -> Option<String> {
    match identity {
        sea_orm::Identity::Unary(column) => Some(column.to_string()),
        _ => None,
    }
}

fn table_name(table: &sea_orm::sea_query::TableRef) -> Option<String> {
    match table {
        sea_orm::sea_query::TableRef::Table(name, _) => Some(name.1.to_string()),
        _ => None,
    }
}
