//! `/api/store/`: the catalogue for anyone; the cart, checkout and order history for the logged-in
//! customer, by bearer token or browser session.
//!
//! Money is integer cents (`price_cents`, `total_cents`...) with the store's `currency`; the
//! server prices everything from the products and shipping rates, and a body that carries a price
//! is refused for its unknown field. The rules are the pages' own: the queries come from
//! `catalogue`, the cart's refusals from `cart`, orders from `checkout::place`.

use bureau_core::api::{Input, Nullable, Pagination, Problems};
use bureau_core::auth::ApiAuth;
use bureau_core::poem::web::Data;
use bureau_core::poem::{self, Request};
use bureau_core::poem_openapi::param::{Path, Query};
use bureau_core::poem_openapi::payload::Json;
use bureau_core::poem_openapi::{self, ApiResponse, Enum, Object, OpenApi, Tags};
use bureau_core::sea_orm::{
    ColumnTrait, DatabaseExecutor, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use bureau_core::{AppState, Error, FieldErrors, Result};
use chrono::{DateTime, FixedOffset};

use crate::cart::{self, Holder};
use crate::catalogue::{self, Filters, Tree};
use crate::checkout::{self, Details, Shipping};
use crate::checkout_pages::text;
use crate::config::StoreConfig;
use crate::countries::country_name;
use crate::orders::Status;
use crate::price::format_price;
use crate::shipping::{Parcel, ShippingRateProvider, TableRates};
use crate::{address, order, order_event, order_line, product};

fn config(state: &AppState) -> Result<&StoreConfig> {
    state.config().section::<StoreConfig>("store")
}

fn invalid(field: &str, message: impl Into<String>) -> Error {
    let mut errors = FieldErrors::new();
    errors.add(field, message);
    Error::Invalid(errors)
}

// ---- Views -------------------------------------------------------------------------------------

/// How the product list is sorted. Ties are broken by id.
#[derive(Enum, Clone, Copy, Debug)]
#[oai(rename = "ProductOrdering")]
enum ProductOrdering {
    /// Newest first (the default).
    #[oai(rename = "newest")]
    Newest,
    #[oai(rename = "price")]
    Price,
    #[oai(rename = "-price")]
    PriceDesc,
    /// By name, ignoring case.
    #[oai(rename = "name")]
    Name,
    /// Best average rating first; products without reviews last.
    #[oai(rename = "rating")]
    Rating,
}

impl ProductOrdering {
    /// The catalogue's name for the same sort.
    fn sort(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Price => "price",
            Self::PriceDesc => "-price",
            Self::Name => "name",
            Self::Rating => "rating",
        }
    }
}

/// A product on sale.
#[derive(Object)]
struct ProductView {
    id: i64,
    slug: String,
    name: String,
    sku: String,
    description: String,
    category_id: i64,
    /// Tax excluded, in cents of `currency`.
    price_cents: i64,
    /// ISO 4217, e.g. `EUR`.
    currency: String,
    /// The price as customers read it (`€12.50`).
    price_display: String,
    /// Units on hand; 0 is sold out.
    stock: i32,
    weight_grams: i32,
    /// The average approved rating, 1 to 5; null without reviews.
    rating: Nullable<f64>,
    rating_count: i64,
    /// The main picture's URL, if any.
    image: Nullable<String>,
}

impl ProductView {
    fn of(product: product::Model, image: Option<String>, currency: &str) -> Self {
        Self {
            rating: product.rating().into(),
            price_display: format_price(product.price, currency),
            id: product.id,
            slug: product.slug,
            name: product.name,
            sku: product.sku,
            description: product.description,
            category_id: product.category_id,
            price_cents: product.price,
            currency: currency.to_owned(),
            stock: product.stock,
            weight_grams: product.weight_grams,
            rating_count: product.rating_count,
            image: image.into(),
        }
    }
}

/// One page of products.
#[derive(Object)]
struct ProductPage {
    /// How many products match, on all pages.
    count: u64,
    /// The next page's URL, or null on the last page.
    next: Nullable<String>,
    /// The previous page's URL, or null on the first page.
    previous: Nullable<String>,
    results: Vec<ProductView>,
}

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
struct CartView {
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
struct CartItemWrite {
    /// An active product's id.
    product_id: i64,
    /// 1 to 99, added to what the cart already holds; the sum may not exceed the stock.
    #[oai(validator(minimum(value = "1"), maximum(value = "99")))]
    quantity: i64,
}

/// A cart line's new quantity.
#[derive(Object)]
struct CartQuantityWrite {
    /// 0 to 99, at most the stock; 0 removes the line.
    #[oai(validator(minimum(value = "0"), maximum(value = "99")))]
    quantity: i64,
}

/// Where the cart would be shipped.
#[derive(Object)]
struct QuoteRequest {
    /// ISO 3166-1 alpha-2 (`FR`).
    #[oai(validator(
        pattern = r"^(AT|AU|BE|BR|CA|CH|CN|CZ|DE|DK|ES|FI|FR|GB|GR|HU|IE|IN|IS|IT|JP|KR|LU|MA|MX|NL|NO|NZ|PL|PT|RO|SE|SG|SI|SK|SN|TN|TR|US|ZA)$"
    ))]
    country: String,
}

/// One way to ship the cart, with the order's totals if it is chosen.
#[derive(Object)]
struct QuoteView {
    /// What `shipping_method` takes at checkout (`table:3`).
    id: String,
    name: String,
    /// 0 when `free`.
    price_cents: i64,
    /// Free because the subtotal reached the rate's threshold.
    free: bool,
    subtotal_cents: i64,
    /// Tax on the goods and their shipping, rounded half up to the cent.
    tax_cents: i64,
    total_cents: i64,
    currency: String,
}

/// The shipping methods for the cart, cheapest first; empty when the store does not ship there.
#[derive(Object)]
struct QuoteList {
    quotes: Vec<QuoteView>,
}

/// A postal address. Unknown fields are refused.
#[derive(Object)]
#[oai(deny_unknown_fields)]
struct AddressWrite {
    #[oai(validator(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    name: String,
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    line1: String,
    #[oai(
        default,
        validator(max_length = 200, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")
    )]
    line2: String,
    #[oai(validator(
        min_length = 1,
        max_length = 20,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    postcode: String,
    #[oai(validator(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    city: String,
    /// ISO 3166-1 alpha-2, among those checkout offers.
    #[oai(validator(
        pattern = r"^(AT|AU|BE|BR|CA|CH|CN|CZ|DE|DK|ES|FI|FR|GB|GR|HU|IE|IN|IS|IT|JP|KR|LU|MA|MX|NL|NO|NZ|PL|PT|RO|SE|SG|SI|SK|SN|TN|TR|US|ZA)$"
    ))]
    country: String,
}

/// Placing the cart as an order. Prices and totals are the server's; unknown fields are refused.
#[derive(Object)]
struct CheckoutRequest {
    #[oai(validator(
        max_length = 254,
        pattern = r"^[A-Za-z0-9_%+-]{1,20}(\.[A-Za-z0-9_%+-]{1,20}){0,2}@[A-Za-z0-9]{1,63}(\.[A-Za-z0-9]{1,63})+$"
    ))]
    email: String,
    /// E.164 (`+33612345678`), for SMS notices; optional.
    #[oai(default, validator(pattern = r"^(\+[1-9][0-9]{7,14})?$"))]
    phone: String,
    shipping_address: AddressWrite,
    /// Defaults to the shipping address.
    billing_address: Option<AddressWrite>,
    /// A quote's `id` from `POST /api/store/checkout/quotes/`, priced again now.
    #[oai(validator(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    shipping_method: String,
    /// Chosen by the client, one per order it means to place (1–64 of `A-Z a-z 0-9 - _`):
    /// sending it again answers the first order instead of placing another.
    #[oai(validator(pattern = "^[A-Za-z0-9_-]{1,64}$"))]
    idempotency_key: String,
}

/// Where an order stands.
#[derive(Enum, Clone, Copy, Debug)]
#[oai(rename = "OrderStatus", rename_all = "snake_case")]
enum OrderStatus {
    PendingPayment,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
    Refunded,
}

impl OrderStatus {
    fn of(stored: &str) -> Self {
        match Status::parse(stored) {
            Some(Status::Paid) => Self::Paid,
            Some(Status::Shipped) => Self::Shipped,
            Some(Status::Delivered) => Self::Delivered,
            Some(Status::Cancelled) => Self::Cancelled,
            Some(Status::Refunded) => Self::Refunded,
            Some(Status::PendingPayment) | None => Self::PendingPayment,
        }
    }
}

fn label(stored: &str) -> String {
    Status::parse(stored)
        .map(|s| s.label().to_owned())
        .unwrap_or_else(|| stored.to_owned())
}

/// An order in the history.
#[derive(Object)]
struct OrderSummary {
    /// The public reference, as in `/api/store/orders/{number}/`.
    number: String,
    status: OrderStatus,
    /// The status as customers read it.
    status_label: String,
    items: i64,
    total_cents: i64,
    currency: String,
    created_at: DateTime<FixedOffset>,
}

/// One page of the caller's orders, newest first.
#[derive(Object)]
struct OrderPage {
    count: u64,
    next: Nullable<String>,
    previous: Nullable<String>,
    results: Vec<OrderSummary>,
}

/// A product of an order, as it was when ordered.
#[derive(Object)]
struct OrderLineView {
    /// Null once the product is deleted.
    product_id: Nullable<i64>,
    name: String,
    sku: String,
    unit_price_cents: i64,
    quantity: i32,
    line_total_cents: i64,
}

#[derive(Object)]
struct AddressView {
    name: String,
    line1: String,
    line2: String,
    postcode: String,
    city: String,
    country: String,
    country_name: String,
}

impl AddressView {
    fn of(a: address::Model) -> Self {
        Self {
            country_name: country_name(&a.country).unwrap_or_default().to_owned(),
            name: a.name,
            line1: a.line1,
            line2: a.line2,
            postcode: a.postcode,
            city: a.city,
            country: a.country,
        }
    }
}

/// A status the order reached.
#[derive(Object)]
struct TimelineEvent {
    status: OrderStatus,
    status_label: String,
    /// What the customer was told with it (a tracking number, a reason).
    note: String,
    at: DateTime<FixedOffset>,
}

/// One of the caller's orders in full.
#[derive(Object)]
struct OrderView {
    number: String,
    status: OrderStatus,
    status_label: String,
    email: String,
    /// Empty when none was given.
    phone: String,
    lines: Vec<OrderLineView>,
    shipping_address: Nullable<AddressView>,
    billing_address: Nullable<AddressView>,
    shipping_method: String,
    subtotal_cents: i64,
    shipping_cents: i64,
    tax_cents: i64,
    total_cents: i64,
    currency: String,
    /// Set once shipped.
    carrier: Nullable<String>,
    tracking_number: Nullable<String>,
    /// Oldest first.
    timeline: Vec<TimelineEvent>,
    created_at: DateTime<FixedOffset>,
    updated_at: DateTime<FixedOffset>,
}

fn nonempty(text: String) -> Nullable<String> {
    (!text.is_empty()).then_some(text).into()
}

async fn order_view(state: &AppState, order: order::Model) -> Result<OrderView> {
    let db = state.db();
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order.id))
        .order_by_asc(order_line::Column::Id)
        .all(db)
        .await?;
    let mut addresses = address::Entity::find()
        .filter(address::Column::OrderId.eq(order.id))
        .all(db)
        .await?;
    let mut take = |kind: &str| {
        let at = addresses.iter().position(|a| a.kind == kind)?;
        Some(AddressView::of(addresses.remove(at)))
    };
    let (shipping_address, billing_address) = (take("shipping"), take("billing"));
    let events = order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(order.id))
        .order_by_asc(order_event::Column::CreatedAt)
        .order_by_asc(order_event::Column::Id)
        .all(db)
        .await?;
    Ok(OrderView {
        status: OrderStatus::of(&order.status),
        status_label: label(&order.status),
        lines: lines
            .into_iter()
            .map(|l| OrderLineView {
                product_id: l.product_id.into(),
                name: l.name,
                sku: l.sku,
                unit_price_cents: l.unit_price,
                quantity: l.quantity,
                line_total_cents: l.line_total,
            })
            .collect(),
        shipping_address: shipping_address.into(),
        billing_address: billing_address.into(),
        timeline: events
            .into_iter()
            .map(|e| TimelineEvent {
                status: OrderStatus::of(&e.status),
                status_label: label(&e.status),
                note: e.note,
                at: e.created_at,
            })
            .collect(),
        carrier: nonempty(order.carrier),
        tracking_number: nonempty(order.tracking_number),
        number: order.number,
        email: order.email,
        phone: order.phone,
        shipping_method: order.shipping_method,
        subtotal_cents: order.subtotal,
        shipping_cents: order.shipping,
        tax_cents: order.tax,
        total_cents: order.total,
        currency: order.currency,
        created_at: order.created_at,
        updated_at: order.updated_at,
    })
}

// ---- Answers -----------------------------------------------------------------------------------

#[derive(ApiResponse)]
enum Removed {
    /// The line was removed.
    #[oai(status = 204)]
    Removed,
}

#[derive(ApiResponse)]
enum Placed {
    /// The order was placed; it waits for payment.
    #[oai(status = 201)]
    Created(Json<OrderView>, #[oai(header = "Location")] String),
    /// This idempotency key already placed an order: that order, unchanged.
    #[oai(status = 200)]
    Repeated(Json<OrderView>, #[oai(header = "Location")] String),
}

// ---- Operations --------------------------------------------------------------------------------

pub(crate) struct StoreApi;

#[OpenApi]
impl StoreApi {
    /// The products on sale, a page at a time, newest first unless `ordering` says otherwise.
    #[oai(
        path = "/products/",
        method = "get",
        operation_id = "listProducts",
        tag = "StoreTag::Catalogue"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn products(
        &self,
        state: Data<&AppState>,
        req: &Request,
        /// Only products whose name contains this text, ignoring case.
        #[oai(validator(max_length = 200, pattern = r"^[^\x00]*$"))]
        q: Query<Option<String>>,
        /// A category's slug: its products and its sub-categories'. An unknown one is not found.
        #[oai(validator(max_length = 120, pattern = r"^[^\x00]*$"))]
        category: Query<Option<String>>,
        /// Lowest price in cents, included.
        #[oai(validator(minimum(value = "0"), maximum(value = "100000000000")))]
        min_price: Query<Option<i64>>,
        /// Highest price in cents, included.
        #[oai(validator(minimum(value = "0"), maximum(value = "100000000000")))]
        max_price: Query<Option<i64>>,
        /// `true`: only products with stock left.
        in_stock: Query<Option<bool>>,
        /// Default `newest`.
        ordering: Query<Option<ProductOrdering>>,
        /// Page number, from 1. A page past the last is not found (404).
        #[oai(validator(minimum(value = "1"), maximum(value = "2147483647")))]
        page: Query<Option<u32>>,
        /// Products per page, default 20; values above 100 are lowered to 100.
        #[oai(validator(minimum(value = "1"), maximum(value = "2147483647")))]
        page_size: Query<Option<u32>>,
    ) -> Result<Json<ProductPage>, Problems<404>> {
        let db = state.db();
        let currency = &config(&state)?.currency;
        let tree = Tree::load(db).await?;
        let category = match category.0.as_deref().map(str::trim) {
            Some(slug) if !slug.is_empty() => {
                Some(tree.by_slug(slug).cloned().ok_or(Error::NotFound)?)
            }
            _ => None,
        };
        let filters = Filters {
            category,
            search: q
                .0
                .as_deref()
                .unwrap_or_default()
                .trim()
                .chars()
                .take(catalogue::MAX_SEARCH_CHARS)
                .collect(),
            min_price: min_price.0,
            max_price: max_price.0,
            in_stock: in_stock.0.unwrap_or(false),
            sort: ordering.0.unwrap_or(ProductOrdering::Newest).sort(),
        };
        let query = catalogue::filtered(&filters, &tree, db.get_database_backend());
        let count = query.clone().count(db).await.map_err(Error::from)?;
        let pagination = Pagination::new(page.0.map(u64::from), page_size.0.map(u64::from));
        let links = pagination.links(req, count)?;
        let products = catalogue::ordered(query, filters.sort)
            .offset(pagination.offset())
            .limit(pagination.limit())
            .all(db)
            .await
            .map_err(Error::from)?;
        let mut pictures =
            catalogue::main_pictures(db, products.iter().map(|p| p.id).collect()).await?;
        let results = products
            .into_iter()
            .map(|p| {
                let image = pictures.remove(&p.id).map(|picture| picture.url);
                ProductView::of(p, image, currency)
            })
            .collect();
        Ok(Json(ProductPage {
            count,
            next: links.next.into(),
            previous: links.previous.into(),
            results,
        }))
    }

    /// A product on sale, by its slug.
    #[oai(
        path = "/products/:slug/",
        method = "get",
        operation_id = "getProduct",
        tag = "StoreTag::Catalogue"
    )]
    async fn product(
        &self,
        state: Data<&AppState>,
        #[oai(validator(max_length = 220))] slug: Path<String>,
    ) -> poem::Result<Json<ProductView>> {
        let db = state.db();
        let currency = &config(&state)?.currency;
        let product = catalogue::shown_product(db, &slug.0).await?;
        let image = catalogue::main_pictures(db, vec![product.id])
            .await?
            .remove(&product.id)
            .map(|p| p.url);
        Ok(Json(ProductView::of(product, image, currency)))
    }

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

    /// The shipping methods for your cart to `country`, each with the totals it makes.
    #[oai(
        path = "/checkout/quotes/",
        method = "post",
        operation_id = "quoteShipping",
        tag = "StoreTag::Checkout"
    )]
    async fn quotes(
        &self,
        state: Data<&AppState>,
        auth: ApiAuth,
        body: Json<Input<QuoteRequest>>,
    ) -> Result<Json<QuoteList>, Problems<409>> {
        let mut input = body.0;
        let country = input
            .required_string("country")
            .map(|c| c.trim().to_owned());
        if let Some(code) = &country
            && country_name(code).is_none()
        {
            input.error("country", "Choose a country checkout offers.");
        }
        input.finish()?;
        let country = country.unwrap_or_default();
        let store = config(&state)?;
        let cart = non_empty_cart(&state, auth.user().id).await?;
        let parcel = parcel(country, &cart);
        let quotes = TableRates
            .quotes(DatabaseExecutor::from(state.db()), &parcel)
            .await?;
        Ok(Json(QuoteList {
            quotes: quotes
                .into_iter()
                .map(|q| {
                    let sums = checkout::totals(cart.subtotal, q.price, store.tax_rate.0);
                    QuoteView {
                        id: q.id,
                        name: q.name,
                        price_cents: q.price,
                        free: q.free,
                        subtotal_cents: sums.subtotal,
                        tax_cents: sums.tax,
                        total_cents: sums.total,
                        currency: store.currency.clone(),
                    }
                })
                .collect(),
        }))
    }

    /// Place your cart as an order, priced by the server. The same `idempotency_key` again
    /// answers the first order (200). A product sold out meanwhile, or an empty cart, is a
    /// conflict (409), with nothing written.
    #[oai(
        path = "/checkout/",
        method = "post",
        operation_id = "checkout",
        tag = "StoreTag::Checkout"
    )]
    async fn checkout(
        &self,
        state: Data<&AppState>,
        auth: ApiAuth,
        body: Json<Input<CheckoutRequest>>,
    ) -> Result<Placed, Problems<409>> {
        let user = auth.user().id;
        let (details, method, key) = read_checkout(body.0)?;
        let location = |number: &str| format!("/api/store/orders/{number}/");
        if let Some(order) = checkout::by_key(&state, user, &key).await? {
            let at = location(&order.number);
            return Ok(Placed::Repeated(Json(order_view(&state, order).await?), at));
        }
        let cart = non_empty_cart(&state, user).await?;
        let parcel = parcel(details.shipping.country.clone(), &cart);
        let quote = TableRates
            .quote(DatabaseExecutor::from(state.db()), &parcel, &method)
            .await?
            .ok_or_else(|| {
                invalid(
                    "shipping_method",
                    "Choose one of the shipping methods offered for this address.",
                )
            })?;
        let shipping = Shipping {
            name: quote.name,
            price: quote.price,
        };
        match checkout::place(&state, user, &details, &shipping, &key).await? {
            Ok(placed) => {
                let at = location(&placed.order.number);
                let view = Json(order_view(&state, placed.order).await?);
                Ok(if placed.repeated {
                    Placed::Repeated(view, at)
                } else {
                    Placed::Created(view, at)
                })
            }
            Err(refused) => Err(Error::Conflict(refused.0).into()),
        }
    }

    /// Your orders, newest first, a page at a time.
    #[oai(
        path = "/orders/",
        method = "get",
        operation_id = "listOrders",
        tag = "StoreTag::Orders"
    )]
    async fn orders(
        &self,
        state: Data<&AppState>,
        auth: ApiAuth,
        req: &Request,
        /// Page number, from 1. A page past the last is not found (404).
        #[oai(validator(minimum(value = "1"), maximum(value = "2147483647")))]
        page: Query<Option<u32>>,
        /// Orders per page, default 20; values above 100 are lowered to 100.
        #[oai(validator(minimum(value = "1"), maximum(value = "2147483647")))]
        page_size: Query<Option<u32>>,
    ) -> Result<Json<OrderPage>, Problems<404>> {
        let db = state.db();
        let query = order::Entity::find().filter(order::Column::UserId.eq(auth.user().id));
        let count = query.clone().count(db).await.map_err(Error::from)?;
        let pagination = Pagination::new(page.0.map(u64::from), page_size.0.map(u64::from));
        let links = pagination.links(req, count)?;
        let orders = query
            .order_by_desc(order::Column::CreatedAt)
            .order_by_desc(order::Column::Id)
            .offset(pagination.offset())
            .limit(pagination.limit())
            .all(db)
            .await
            .map_err(Error::from)?;
        // Units per order, for the page's orders in one query.
        let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
        let lines = order_line::Entity::find()
            .filter(order_line::Column::OrderId.is_in(ids))
            .all(db)
            .await
            .map_err(Error::from)?;
        let items = |id: i64| -> i64 {
            lines
                .iter()
                .filter(|l| l.order_id == id)
                .map(|l| i64::from(l.quantity))
                .sum()
        };
        Ok(Json(OrderPage {
            count,
            next: links.next.into(),
            previous: links.previous.into(),
            results: orders
                .into_iter()
                .map(|o| OrderSummary {
                    items: items(o.id),
                    status: OrderStatus::of(&o.status),
                    status_label: label(&o.status),
                    number: o.number,
                    total_cents: o.total,
                    currency: o.currency,
                    created_at: o.created_at,
                })
                .collect(),
        }))
    }

    /// One of your orders: lines, addresses, totals, status and timeline, carrier and tracking.
    /// Another customer's order is not found.
    #[oai(
        path = "/orders/:number/",
        method = "get",
        operation_id = "getOrder",
        tag = "StoreTag::Orders"
    )]
    async fn order(
        &self,
        state: Data<&AppState>,
        auth: ApiAuth,
        #[oai(validator(max_length = 32))] number: Path<String>,
    ) -> poem::Result<Json<OrderView>> {
        let order = order::Entity::find()
            .filter(order::Column::Number.eq(number.0.as_str()))
            .filter(order::Column::UserId.eq(auth.user().id))
            .one(state.db())
            .await
            .map_err(Error::from)?
            .ok_or(Error::NotFound)?;
        Ok(Json(order_view(&state, order).await?))
    }
}

#[derive(Tags)]
enum StoreTag {
    /// The products on sale.
    Catalogue,
    /// Your cart.
    Cart,
    /// Shipping quotes and placing an order.
    Checkout,
    /// Your orders.
    Orders,
}

async fn cart_view(state: &AppState, user: i64) -> Result<CartView> {
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

/// The caller's cart, or a conflict when there is nothing in it to ship.
async fn non_empty_cart(state: &AppState, user: i64) -> Result<cart::Cart> {
    let cart = cart::load(state.db(), Holder::Customer(user)).await?;
    if cart.is_empty() {
        return Err(Error::Conflict("Your cart is empty.".to_owned()));
    }
    Ok(cart)
}

fn parcel(country: String, cart: &cart::Cart) -> Parcel {
    Parcel {
        country,
        weight_grams: cart.weight_grams,
        subtotal: cart.subtotal,
    }
}

/// Reads an address the way the checkout page does, reporting each field as `<name>.<field>`.
fn read_address<T>(input: &mut Input<T>, name: &str, required: bool) -> Option<checkout::Address> {
    let mut fields = if required {
        input.required_object(name)
    } else {
        input.object(name)
    }?;
    let mut errors = FieldErrors::new();
    let mut field = |key: &str, max: usize, required: bool| {
        let value = if required {
            fields.required_string(key)
        } else {
            fields.string(key)
        };
        value
            .map(|v| text(&mut errors, key, &v, max, required))
            .unwrap_or_default()
    };
    let mut address = checkout::Address {
        name: field("name", 100, true),
        line1: field("line1", 200, true),
        line2: field("line2", 200, false),
        postcode: field("postcode", 20, true),
        city: field("city", 100, true),
        country: String::new(),
    };
    if let Some(country) = fields.required_string("country") {
        let country = country.trim().to_owned();
        if country_name(&country).is_none() {
            errors.add("country", "Choose a country checkout offers.");
        }
        address.country = country;
    }
    for error in errors.iter() {
        fields.error(&error.field, error.message.clone());
    }
    input.nested(name, fields).then_some(address)
}

/// The shape the API document gives emails: what every mail server takes, no quoting or
/// comments, and a local part short enough (at most three parts of 20) that a regular
/// expression without look-ahead can keep it under the 64 characters mail allows.
fn plain_email(email: &str) -> bool {
    let atom = |part: &str, extra: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
    };
    let Some((user, domain)) = email.split_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    user.split('.').count() <= 3
        && user.split('.').all(|p| p.len() <= 20 && atom(p, "_%+-"))
        && labels.len() > 1
        && labels.iter().all(|l| l.len() <= 63 && atom(l, ""))
}

/// The checkout body: the customer's details, the shipping method's id and the idempotency key,
/// or every problem with it.
fn read_checkout(mut input: Input<CheckoutRequest>) -> Result<(Details, String, String)> {
    let mut errors = FieldErrors::new();
    let email = input
        .required_string("email")
        .map(|e| text(&mut errors, "email", &e, 254, true))
        .unwrap_or_default();
    if !email.is_empty() && !errors.has("email") {
        bureau_core::auth::validation::check_email("email", &email, &mut errors);
        if !errors.has("email") && !plain_email(&email) {
            errors.add("email", "Enter a valid email address.");
        }
    }
    // Stored as sent: spaces are refused, not guessed away.
    let phone = input.string("phone").unwrap_or_default();
    if !phone.is_empty() {
        bureau_core::sms::check_phone("phone", &phone, &mut errors);
        if phone.as_bytes().get(1) == Some(&b'0') && !errors.has("phone") {
            errors.add("phone", "A country code never starts with 0.");
        }
    }
    let shipping = read_address(&mut input, "shipping_address", true);
    let billing = read_address(&mut input, "billing_address", false);
    let method = input
        .required_string("shipping_method")
        .map(|m| m.trim().to_owned());
    if let Some(method) = &method
        && (method.is_empty() || method.chars().count() > 100)
    {
        errors.add(
            "shipping_method",
            "Choose one of the shipping methods offered.",
        );
    }
    let key = input.required_string("idempotency_key");
    if let Some(key) = &key
        && (key.is_empty()
            || key.len() > 64
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    {
        errors.add(
            "idempotency_key",
            "Use 1 to 64 letters, digits, hyphens or underscores.",
        );
    }
    for error in errors.iter() {
        input.error(&error.field, error.message.clone());
    }
    input.finish()?;
    // `finish` found a problem with any of these that is missing.
    let (Some(shipping), Some(method), Some(key)) = (shipping, method, key) else {
        return Err(invalid("", "The checkout could not be read."));
    };
    Ok((
        Details {
            email,
            phone,
            billing: billing.unwrap_or_else(|| shipping.clone()),
            shipping,
        },
        method,
        key,
    ))
}
