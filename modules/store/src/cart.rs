//! The cart: a guest's lives in their session, a customer's in `store_cart_item`, and the first
//! joins the second when the guest logs in. Only product ids and quantities are kept; names,
//! prices and stock are read from the products every time, so totals never come from a form.

use std::collections::BTreeMap;

use bureau_core::sea_orm::sea_query::OnConflict;
use bureau_core::sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use bureau_core::session::Session;
use bureau_core::{Error, Result};

use crate::entities::{cart_item, product, product_image};

/// Where a guest's cart is kept in their session: product id → quantity.
const SESSION_KEY: &str = "store.cart";

/// The most of one product a cart holds, whatever the stock: a typo of 1000 is not an order.
pub const MAX_QUANTITY: i64 = 99;

/// Whose cart.
#[derive(Clone, Copy)]
pub enum Holder<'a> {
    Guest(&'a Session),
    Customer(i64),
}

/// One product in the cart, priced now.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Line {
    pub product: i64,
    pub name: String,
    pub slug: String,
    pub sku: String,
    pub image: Option<String>,
    /// Cents.
    pub unit_price: i64,
    pub quantity: i32,
    pub line_total: i64,
    pub stock: i32,
    pub weight_grams: i32,
}

/// The cart as it stands, with what had to change since the customer last saw it.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Cart {
    pub lines: Vec<Line>,
    pub subtotal: i64,
    pub weight_grams: i64,
    pub items: i64,
    /// "Mug is sold out and was removed from your cart."
    pub notices: Vec<String>,
}

impl Cart {
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// A request the cart refuses, in words for the customer.
pub type Refusal = String;

async fn session_items(session: &Session) -> Result<BTreeMap<i64, i64>> {
    Ok(session
        .get::<BTreeMap<i64, i64>>(SESSION_KEY)
        .await
        .map_err(bureau_core::session::session_error)?
        .unwrap_or_default())
}

async fn save_session_items(session: &Session, items: &BTreeMap<i64, i64>) -> Result<()> {
    let saved = if items.is_empty() {
        session
            .remove::<BTreeMap<i64, i64>>(SESSION_KEY)
            .await
            .map(|_| ())
    } else {
        session.insert(SESSION_KEY, items).await
    };
    saved.map_err(bureau_core::session::session_error)
}

/// Product id → quantity.
pub async fn items(db: &impl ConnectionTrait, holder: Holder<'_>) -> Result<BTreeMap<i64, i64>> {
    match holder {
        Holder::Guest(session) => session_items(session).await,
        Holder::Customer(user) => Ok(cart_item::Entity::find()
            .filter(cart_item::Column::UserId.eq(user))
            .all(db)
            .await?
            .into_iter()
            .map(|i| (i.product_id, i64::from(i.quantity)))
            .collect()),
    }
}

/// The cart priced from the products as they are now (two queries). Products taken off sale
/// or deleted drop out, and quantities above the stock shrink to it, each with a notice; the
/// stored cart is corrected too, so the notice shows once.
pub async fn load(db: &impl ConnectionTrait, holder: Holder<'_>) -> Result<Cart> {
    let wanted = items(db, holder).await?;
    if wanted.is_empty() {
        return Ok(Cart::default());
    }
    let ids: Vec<i64> = wanted.keys().copied().collect();
    let products = product::Entity::find()
        .filter(product::Column::Id.is_in(ids.clone()))
        .order_by_asc(product::Column::Name)
        .all(db)
        .await?;
    let mut images: BTreeMap<i64, String> = BTreeMap::new();
    for image in product_image::Entity::find()
        .filter(product_image::Column::ProductId.is_in(ids))
        .order_by_desc(product_image::Column::Position)
        .all(db)
        .await?
    {
        // Descending, so the lowest position is written last and wins.
        images.insert(image.product_id, image.url);
    }
    let mut cart = Cart::default();
    let mut corrected = wanted.clone();
    for id in wanted.keys() {
        if !products.iter().any(|p| p.id == *id && p.active) {
            corrected.remove(id);
            cart.notices
                .push("A product in your cart is no longer on sale and was removed.".to_owned());
        }
    }
    for product in products.into_iter().filter(|p| p.active) {
        let asked = wanted.get(&product.id).copied().unwrap_or(0);
        let quantity = asked.min(i64::from(product.stock));
        if quantity <= 0 {
            corrected.remove(&product.id);
            cart.notices.push(format!(
                "{} is sold out and was removed from your cart.",
                product.name
            ));
            continue;
        }
        if quantity < asked {
            corrected.insert(product.id, quantity);
            cart.notices.push(format!(
                "Only {quantity} of {} {} left: your cart now holds {quantity}.",
                product.name,
                if quantity == 1 { "is" } else { "are" }
            ));
        }
        let quantity = quantity as i32;
        let line_total = product.price * i64::from(quantity);
        cart.subtotal += line_total;
        cart.weight_grams += i64::from(product.weight_grams) * i64::from(quantity);
        cart.items += i64::from(quantity);
        cart.lines.push(Line {
            image: images.remove(&product.id),
            product: product.id,
            name: product.name,
            slug: product.slug,
            sku: product.sku,
            unit_price: product.price,
            quantity,
            line_total,
            stock: product.stock,
            weight_grams: product.weight_grams,
        });
    }
    if corrected != wanted {
        store(db, holder, &wanted, &corrected).await?;
    }
    Ok(cart)
}

/// Writes `after` over `before` for the holder.
async fn store(
    db: &impl ConnectionTrait,
    holder: Holder<'_>,
    before: &BTreeMap<i64, i64>,
    after: &BTreeMap<i64, i64>,
) -> Result<()> {
    match holder {
        Holder::Guest(session) => save_session_items(session, after).await,
        Holder::Customer(user) => {
            let gone: Vec<i64> = before
                .keys()
                .filter(|id| !after.contains_key(id))
                .copied()
                .collect();
            if !gone.is_empty() {
                cart_item::Entity::delete_many()
                    .filter(cart_item::Column::UserId.eq(user))
                    .filter(cart_item::Column::ProductId.is_in(gone))
                    .exec(db)
                    .await?;
            }
            for (id, quantity) in after {
                if before.get(id) != Some(quantity) {
                    put(db, user, *id, *quantity).await?;
                }
            }
            Ok(())
        }
    }
}

/// Sets the customer's quantity of a product, adding the line if need be.
async fn put(db: &impl ConnectionTrait, user: i64, product: i64, quantity: i64) -> Result<()> {
    let quantity = i32::try_from(quantity).map_err(|_| Error::BadRequest("quantity".into()))?;
    cart_item::Entity::insert(cart_item::ActiveModel {
        user_id: Set(user),
        product_id: Set(product),
        quantity: Set(quantity),
        added_at: Set(chrono::Utc::now().fixed_offset()),
    })
    .on_conflict(
        OnConflict::columns([cart_item::Column::UserId, cart_item::Column::ProductId])
            .update_column(cart_item::Column::Quantity)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Reads a quantity typed in a form: a whole number from `min` to [`MAX_QUANTITY`].
pub fn quantity(text: &str, min: i64) -> std::result::Result<i64, Refusal> {
    let n: i64 = text
        .trim()
        .parse()
        .map_err(|_| "Enter a whole number of items.".to_owned())?;
    in_range(n, min)
}

/// A quantity from `min` to [`MAX_QUANTITY`], as the API receives it.
pub fn in_range(n: i64, min: i64) -> std::result::Result<i64, Refusal> {
    if n < min {
        return Err(format!("The quantity must be at least {min}."));
    }
    if n > MAX_QUANTITY {
        return Err(format!("At most {MAX_QUANTITY} of one product per order."));
    }
    Ok(n)
}

/// The product the customer means, if it is on sale.
pub(crate) async fn on_sale(db: &impl ConnectionTrait, id: i64) -> Result<Option<product::Model>> {
    Ok(product::Entity::find_by_id(id)
        .filter(product::Column::Active.eq(true))
        .one(db)
        .await?)
}

/// The quantity refused when it exceeds the stock, in the customer's words.
fn beyond_stock(product: &product::Model, quantity: i64) -> Option<Refusal> {
    match product.stock {
        stock if i64::from(stock) >= quantity => None,
        0 => Some(format!("{} is sold out.", product.name)),
        stock => Some(format!(
            "Only {stock} of {} {} left.",
            product.name,
            if stock == 1 { "is" } else { "are" }
        )),
    }
}

/// Adds `quantity` of product `id`; refused (and nothing changed) beyond the stock.
pub async fn add(
    db: &impl ConnectionTrait,
    holder: Holder<'_>,
    id: i64,
    quantity: i64,
) -> Result<std::result::Result<product::Model, Refusal>> {
    let Some(product) = on_sale(db, id).await? else {
        return Ok(Err("That product is not on sale.".to_owned()));
    };
    let before = items(db, holder).await?;
    let total = before.get(&id).copied().unwrap_or(0) + quantity;
    if total > MAX_QUANTITY {
        return Ok(Err(format!(
            "At most {MAX_QUANTITY} of one product per order."
        )));
    }
    if let Some(refusal) = beyond_stock(&product, total) {
        return Ok(Err(refusal));
    }
    let mut after = before.clone();
    after.insert(id, total);
    store(db, holder, &before, &after).await?;
    Ok(Ok(product))
}

/// Sets the quantity of a product already in the cart; 0 removes it.
pub async fn set(
    db: &impl ConnectionTrait,
    holder: Holder<'_>,
    id: i64,
    quantity: i64,
) -> Result<std::result::Result<(), Refusal>> {
    let before = items(db, holder).await?;
    if !before.contains_key(&id) {
        return Ok(Err("That product is not in your cart.".to_owned()));
    }
    let mut after = before.clone();
    if quantity == 0 {
        after.remove(&id);
    } else {
        let Some(product) = on_sale(db, id).await? else {
            return Ok(Err("That product is not on sale.".to_owned()));
        };
        if let Some(refusal) = beyond_stock(&product, quantity) {
            return Ok(Err(refusal));
        }
        after.insert(id, quantity);
    }
    store(db, holder, &before, &after).await?;
    Ok(Ok(()))
}

/// Moves a guest's cart into the customer's who just logged in: quantities of the same product
/// add up, as far as the stock goes. The login hook.
pub async fn merge(db: &impl ConnectionTrait, session: &Session, user: i64) -> Result<()> {
    let guest = session_items(session).await?;
    if guest.is_empty() {
        return Ok(());
    }
    let before = items(db, Holder::Customer(user)).await?;
    let mut after = before.clone();
    for (id, quantity) in guest {
        *after.entry(id).or_insert(0) += quantity;
    }
    let stock: BTreeMap<i64, i64> = product::Entity::find()
        .filter(product::Column::Id.is_in(after.keys().copied().collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, i64::from(p.stock)))
        .collect();
    after.retain(|id, quantity| {
        *quantity = (*quantity)
            .min(MAX_QUANTITY)
            .min(stock.get(id).copied().unwrap_or(0));
        *quantity > 0
    });
    store(db, Holder::Customer(user), &before, &after).await?;
    save_session_items(session, &BTreeMap::new()).await
}

/// Takes `products` out of the customer's cart (they are ordered, in the same transaction).
pub async fn remove(db: &impl ConnectionTrait, user: i64, products: Vec<i64>) -> Result<()> {
    cart_item::Entity::delete_many()
        .filter(cart_item::Column::UserId.eq(user))
        .filter(cart_item::Column::ProductId.is_in(products))
        .exec(db)
        .await?;
    Ok(())
}
