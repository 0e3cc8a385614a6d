//! The admin: panels modules declare for their entities. The engine that renders them builds on
//! these definitions.

mod panel;

pub use panel::AdminPanel;
