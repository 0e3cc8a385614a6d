//! Core's own tables, as sea-orm entities (no behaviour here).

pub(crate) mod fixture_load;
