//! The cart's pages: see it, add to it, change a quantity, remove a line. Every outcome and every
//! refusal is a flash message after a redirect, so reloading never repeats a change.

use bureau_core::flash::Level;
use bureau_core::poem::web::{Form, Html};
use bureau_core::poem::{Response, handler};
use bureau_core::{Page, Result};
use serde::Deserialize;
use serde_json::json;

use crate::cart::{self, Holder};
use crate::{StoreConfig, price};

pub(crate) fn holder<'a>(page: &'a Page<'_>) -> Holder<'a> {
    match &page.user {
        Some(user) => Holder::Customer(user.id),
        None => Holder::Guest(page.session),
    }
}

pub(crate) fn config<'a>(page: &'a Page<'_>) -> Result<&'a StoreConfig> {
    page.state.config().section::<StoreConfig>("store")
}

/// The cart's lines and totals as the templates show them.
pub(crate) fn shown(cart: &cart::Cart, currency: &str) -> serde_json::Value {
    let lines: Vec<_> = cart
        .lines
        .iter()
        .map(|l| {
            json!({
                "product": l.product, "name": l.name, "slug": l.slug, "sku": l.sku,
                "image": l.image, "quantity": l.quantity, "stock": l.stock,
                "unit_price": price::format_price(l.unit_price, currency),
                "line_total": price::format_price(l.line_total, currency),
            })
        })
        .collect();
    json!({
        "lines": lines,
        "items": cart.items,
        "subtotal": price::format_price(cart.subtotal, currency),
        "max_quantity": cart::MAX_QUANTITY,
    })
}

#[handler]
pub async fn show(page: Page<'_>) -> Result<Html<String>> {
    let currency = &config(&page)?.currency;
    let cart = cart::load(page.state.db(), holder(&page)).await?;
    for notice in &cart.notices {
        page.flash(Level::Warning, notice.clone()).await?;
    }
    page.render_form("store/cart.html", json!({ "cart": shown(&cart, currency) }))
        .await
}

#[derive(Deserialize)]
pub struct LineForm {
    #[serde(default)]
    product: String,
    #[serde(default)]
    quantity: String,
}

/// The product id in a form, or a refusal.
fn product_id(form: &LineForm) -> std::result::Result<i64, String> {
    form.product
        .trim()
        .parse()
        .map_err(|_| "That product does not exist.".to_owned())
}

async fn answer(
    page: &Page<'_>,
    outcome: std::result::Result<String, String>,
    back: &str,
) -> Result<Response> {
    match outcome {
        Ok(message) => page.flash(Level::Success, message).await?,
        Err(refusal) => page.flash(Level::Error, refusal).await?,
    }
    Ok(page.redirect(back))
}

#[handler]
pub async fn add(page: Page<'_>, Form(form): Form<LineForm>) -> Result<Response> {
    let outcome = async {
        let id = product_id(&form)?;
        let quantity = cart::quantity(&form.quantity, 1)?;
        Ok::<_, String>((id, quantity))
    }
    .await;
    let outcome = match outcome {
        Ok((id, quantity)) => cart::add(page.state.db(), holder(&page), id, quantity)
            .await?
            .map(|product| format!("Added {quantity} × {} to your cart.", product.name)),
        Err(refusal) => Err(refusal),
    };
    answer(&page, outcome, "/store/cart/").await
}

#[handler]
pub async fn update(page: Page<'_>, Form(form): Form<LineForm>) -> Result<Response> {
    let outcome =
        match product_id(&form).and_then(|id| Ok((id, cart::quantity(&form.quantity, 0)?))) {
            Ok((id, quantity)) => cart::set(page.state.db(), holder(&page), id, quantity)
                .await?
                .map(|()| {
                    if quantity == 0 {
                        "The product is removed from your cart.".to_owned()
                    } else {
                        "Your cart is updated.".to_owned()
                    }
                }),
            Err(refusal) => Err(refusal),
        };
    answer(&page, outcome, "/store/cart/").await
}

#[handler]
pub async fn remove(page: Page<'_>, Form(form): Form<LineForm>) -> Result<Response> {
    let outcome = match product_id(&form) {
        Ok(id) => cart::set(page.state.db(), holder(&page), id, 0)
            .await?
            .map(|()| "The product is removed from your cart.".to_owned()),
        Err(refusal) => Err(refusal),
    };
    answer(&page, outcome, "/store/cart/").await
}
