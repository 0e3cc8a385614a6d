//! The public catalogue: the product list with its filters (`list.rs`), a product's page
//! (`detail.rs`) and customers' reviews (`reviews.rs`), over the category tree (`tree.rs`).

mod detail;
mod list;
mod reviews;
mod tree;

pub(crate) use detail::shown_product;
pub(crate) use list::{Filters, MAX_SEARCH_CHARS, filtered, main_pictures, ordered};
pub(crate) use tree::Tree;

use bureau_core::rust_embed::RustEmbed;
use bureau_core::{AppBuilder, get, post};
use serde::Serialize;

use crate::product;

/// The store's page templates, named `store/<file>`.
#[derive(RustEmbed)]
#[folder = "templates/store/"]
#[crate_path = "bureau_core::rust_embed"]
struct Templates;

pub(crate) fn register(app: &mut AppBuilder) {
    app.route("/store/", get(list::list))
        .route("/store/p/:slug/", get(detail::detail))
        .route("/store/p/:slug/review/", post(reviews::create))
        .templates::<Templates>()
        .nav("Store", "/store/");
}

/// Stock at or below this shows "only N left", so customers know to hurry.
const FEW_LEFT: i32 = 5;

/// How much of a product is left, as the customer reads it.
#[derive(Serialize)]
struct Stock {
    /// `in`, `few` or `out`, for styling.
    state: &'static str,
    text: String,
}

fn stock(units: i32) -> Stock {
    match units {
        ..=0 => Stock {
            state: "out",
            text: "Sold out".to_owned(),
        },
        1..=FEW_LEFT => Stock {
            state: "few",
            text: format!("Only {units} left"),
        },
        _ => Stock {
            state: "in",
            text: "In stock".to_owned(),
        },
    }
}

/// A product's approved reviews in figures: the average to one decimal, whole stars for the
/// picture, and how many.
#[derive(Serialize)]
struct Rating {
    average: Option<String>,
    stars: u8,
    count: i64,
    text: String,
}

fn rating(product: &product::Model) -> Rating {
    let count = product.rating_count;
    match product.rating() {
        Some(average) => Rating {
            average: Some(format!("{average:.1}")),
            stars: average.round().clamp(0.0, 5.0) as u8,
            count,
            text: format!(
                "{average:.1} out of 5 ({count} review{})",
                if count == 1 { "" } else { "s" }
            ),
        },
        None => Rating {
            average: None,
            stars: 0,
            count: 0,
            text: "No reviews yet".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn stock_says_how_much_is_left() {
        assert_eq!(super::stock(0).text, "Sold out");
        assert_eq!(super::stock(-1).state, "out");
        assert_eq!(super::stock(1).text, "Only 1 left");
        assert_eq!(super::stock(5).text, "Only 5 left");
        assert_eq!(super::stock(6).text, "In stock");
    }
}
