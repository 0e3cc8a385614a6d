//! The caller's cart: `GET /cart/`, `POST /cart/items/`, `PUT` and `DELETE /cart/items/{id}/`,
//! with the refusals of `crate::cart` reported on the `quantity` or `product_id` field.

use bureau_core::api::{Input, Nullable};
use bureau_core::auth::ApiAuth;
use bureau_core::poem;
use bureau_core::poem::web::Data;
use bureau_core::poem_openapi::param::Path;
use bureau_core::poem_openapi::payload::Json;
use bureau_core::poem_openapi::types::Example;
use bureau_core::poem_openapi::{self, ApiResponse, Object, OpenApi};
use bureau_core::{AppState, Error, Result};

use super::{StoreTag, config, invalid};
use crate::cart::{self, Holder};

/// One product in the cart, priced now.
#[derive(Object)]
struct CartLineView {
    product_id: i64,
    slug: String,
    name: String,
    sku: String,
    image: Nullable<String>,
    unit_price_cents: i64,
    quantity: i32,
    line_total_cents: i64,
    /// Units on hand: the most the line may hold (and at most 99).
    stock: i32,
}

/// The caller's cart, priced from the products as they are now.
#[derive(Object)]
#[oai(example)]
pub(super) struct CartView {
    lines: Vec<CartLineView>,
    /// The lines' totals, tax and shipping excluded, in cents.
    subtotal_cents: i64,
    currency: String,
    /// How many units in all.
    items: i64,
    weight_grams: i64,
    /// What changed since the cart was last read (a product sold out and removed...).
    notices: Vec<String>,
}

impl CartView {
    fn of(cart: cart::Cart, currency: &str) -> Self {
        Self {
            lines: cart
                .lines
                .into_iter()
                .map(|l| CartLineView {
                    product_id: l.product,
                    slug: l.slug,
                    name: l.name,
                    sku: l.sku,
                    image: l.image.into(),
                    unit_price_cents: l.unit_price,
                    quantity: l.quantity,
                    line_total_cents: l.line_total,
                    stock: l.stock,
                })
                .collect(),
            subtotal_cents: cart.subtotal,
            currency: currency.to_owned(),
            items: cart.items,
            weight_grams: cart.weight_grams,
            notices: cart.notices,
        }
    }
}

/// A product to add to the cart. Unknown fields (a price...) are refused.
#[derive(Object)]
#[oai(example)]
struct CartItemWrite {
    /// An active product's id.
    product_id: i64,
    /// 1 to 99, added to what the cart already holds; the sum may not exceed the stock.
    #[oai(validator(minimum(value = "1"), maximum(value = "99")))]
    quantity: i64,
}

/// A cart line's new quantity.
#[derive(Object)]
#[oai(example)]
struct CartQuantityWrite {
    /// 0 to 99, at most the stock; 0 removes the line.
    #[oai(validator(minimum(value = "0"), maximum(value = "99")))]
    quantity: i64,
}

#[derive(ApiResponse)]
enum Removed {
    /// The line was removed.
    #[oai(status = 204)]
    Removed,
}

pub(super) struct CartApi;

#[OpenApi]
impl CartApi {
    /// Your cart. Products taken off sale or sold out meanwhile are dropped, with a notice.
    #[oai(
        path = "/cart/",
        method = "get",
        operation_id = "getCart",
        tag = "StoreTag::Cart"
    )]
    async fn cart(&self, state: Data<&AppState>, auth: ApiAuth) -> poem::Result<Json<CartView>> {
        Ok(Json(cart_view(&state, auth.user().id).await?))
    }

    /// Add a product to your cart (to what it already holds). Refused with a 422 naming the
    /// field, and nothing changed, beyond the stock or 99 units or for a product not on sale.
    #[oai(
        path = "/cart/items/",
        method = "post",
        operation_id = "addToCart",
        tag = "StoreTag::Cart"
    )]
    async fn add(
        &self,
        state: Data<&AppState>,
        auth: ApiAuth,
        body: Json<Input<CartItemWrite>>,
    ) -> poem::Result<Json<CartView>> {
        let mut input = body.0;
        let product = input.required_integer("product_id");
        let quantity = input.required_integer("quantity");
        if let Some(n) = quantity
            && let Err(refusal) = cart::in_range(n, 1)
        {
            input.error("quantity", refusal);
        }
        input.finish()?;
        let (Some(product), Some(quantity)) = (product, quantity) else {
            return Err(invalid("", "Missing fields.").into());
        };
        let db = state.db();
        let user = auth.user().id;
        if cart::on_sale(db, product).await?.is_none() {
            return Err(invalid("product_id", "That product is not on sale.").into());
        }
        if let Err(refusal) = cart::add(db, Holder::Customer(user), product, quantity).await? {
            return Err(invalid("quantity", refusal).into());
        }
        Ok(Json(cart_view(&state, user).await?))
    }

    /// Set the quantity of a product in your cart; 0 removes it. A product not in the cart is
    /// not found.
    #[oai(
        path = "/cart/items/:product_id/",
        method = "put",
        operation_id = "setCartQuantity",
        tag = "StoreTag::Cart"
    )]
    async fn set(
        &self,
        state: Data<&AppState>,
        auth: ApiAuth,
        product_id: Path<i64>,
        body: Json<Input<CartQuantityWrite>>,
    ) -> poem::Result<Json<CartView>> {
        let mut input = body.0;
        let quantity = input.required_integer("quantity");
        if let Some(n) = quantity
            && let Err(refusal) = cart::in_range(n, 0)
        {
            input.error("quantity", refusal);
        }
        input.finish()?;
        let quantity = quantity.unwrap_or_default();
        let db = state.db();
        let user = auth.user().id;
        in_cart(&state, user, product_id.0).await?;
        if let Err(refusal) = cart::set(db, Holder::Customer(user), product_id.0, quantity).await? {
            return Err(invalid("quantity", refusal).into());
        }
        Ok(Json(cart_view(&state, user).await?))
    }

    /// Remove a product from your cart.
    #[oai(
        path = "/cart/items/:product_id/",
        method = "delete",
        operation_id = "removeFromCart",
        tag = "StoreTag::Cart"
    )]
    async fn remove(
        &self,
        state: Data<&AppState>,
        auth: ApiAuth,
        product_id: Path<i64>,
    ) -> poem::Result<Removed> {
        let user = auth.user().id;
        in_cart(&state, user, product_id.0).await?;
        cart::remove(state.db(), user, vec![product_id.0]).await?;
        Ok(Removed::Removed)
    }
}

pub(super) async fn cart_view(state: &AppState, user: i64) -> Result<CartView> {
    let cart = cart::load(state.db(), Holder::Customer(user)).await?;
    Ok(CartView::of(cart, &config(state)?.currency))
}

/// Not found unless the caller's cart holds product `id`.
async fn in_cart(state: &AppState, user: i64, id: i64) -> Result<()> {
    let items = cart::items(state.db(), Holder::Customer(user)).await?;
    if items.contains_key(&id) {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

// ---- Examples the API document shows -----------------------------------------------------------

impl Example for CartView {
    fn example() -> Self {
        Self {
            lines: vec![CartLineView {
                product_id: 1,
                slug: "stoneware-mug-slate".to_owned(),
                name: "Stoneware mug — Slate".to_owned(),
                sku: "KIT-00001".to_owned(),
                image: Some("/static/store/kitchen.svg".to_owned()).into(),
                unit_price_cents: 1350,
                quantity: 2,
                line_total_cents: 2700,
                stock: 2,
            }],
            subtotal_cents: 2700,
            currency: "EUR".to_owned(),
            items: 2,
            weight_grams: 760,
            notices: vec![
                "Only 2 of Stoneware mug — Slate are left: your cart now holds 2.".to_owned(),
            ],
        }
    }
}

impl Example for CartItemWrite {
    fn example() -> Self {
        Self {
            product_id: 1,
            quantity: 2,
        }
    }
}

impl Example for CartQuantityWrite {
    fn example() -> Self {
        Self { quantity: 3 }
    }
}
