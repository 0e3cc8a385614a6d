//! Role-based access control. Modules declare default rules here; they are written into the
//! policy store when missing.

mod policy;

pub use policy::Policy;
