//! The module's tables.

pub mod cast_member;
pub mod genre;
pub mod movie;
pub mod movie_genre;
