//! Entities known to core, as data: the registry that fixtures, `dumpdata` and the admin engine
//! read and write without knowing the entity types.

mod fixtures;
mod info;
mod values;

pub(crate) use fixtures::{Fixture, dump, load, load_demo_fixtures};
pub use info::{ColumnInfo, ForeignKeyInfo, ModelInfo, OnDelete};
pub(crate) use values::{select_expr, to_expr, to_json};
