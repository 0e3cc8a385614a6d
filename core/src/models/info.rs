use sea_orm::sea_query::ColumnType;
use sea_orm::{
    ColumnTrait, EntityTrait, IdenStatic, Iterable, PrimaryKeyToColumn, PrimaryKeyTrait,
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
        Self {
            module,
            name,
            table,
            columns,
            primary_key,
            auto_increment: <E::PrimaryKey as PrimaryKeyTrait>::auto_increment(),
        }
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
