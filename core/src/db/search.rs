//! Case-insensitive substring search that behaves the same on every backend.

use sea_orm::DbBackend;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};

/// `column` contains `text`, ignoring case, with `%`, `_` and `\` in `text` taken literally.
pub fn icontains(column: Expr, text: &str, backend: DbBackend) -> Expr {
    let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
    // SQLite's LIKE already ignores case, and its lower() folds no more than LIKE does (ASCII),
    // so lower() there would only slow a scan down — by half or more.
    let column = if backend == DbBackend::Sqlite {
        column
    } else {
        Func::lower(column).into()
    };
    column.like(LikeExpr::new(pattern).escape('\\'))
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
