//! Checkout: `POST /checkout/quotes/` (the shipping methods for the cart, with the totals each
//! makes) and `POST /checkout/` (the cart placed as an order through `checkout::place`), and how
//! their bodies are read: addresses, email and phone as the checkout page checks them.

use bureau_core::api::{Input, Problems};
use bureau_core::auth::ApiAuth;
use bureau_core::poem::web::Data;
use bureau_core::poem_openapi::payload::Json;
use bureau_core::poem_openapi::types::Example;
use bureau_core::poem_openapi::{self, ApiResponse, Object, OpenApi};
use bureau_core::sea_orm::DatabaseExecutor;
use bureau_core::{AppState, Error, FieldErrors, Result};

use super::orders::{OrderView, order_view};
use super::{StoreTag, config, invalid};
use crate::cart::{self, Holder};
use crate::checkout::{self, Details, Shipping};
use crate::checkout_pages::text;
use crate::countries::country_name;
use crate::shipping::{Parcel, ShippingRateProvider, TableRates};

/// Where the cart would be shipped.
#[derive(Object)]
#[oai(example)]
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
#[oai(example)]
struct QuoteList {
    quotes: Vec<QuoteView>,
}

/// A postal address. Unknown fields are refused.
#[derive(Object)]
#[oai(deny_unknown_fields, example)]
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
#[oai(example)]
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

#[derive(ApiResponse)]
enum Placed {
    /// The order was placed; it waits for payment.
    #[oai(status = 201)]
    Created(Json<OrderView>, #[oai(header = "Location")] String),
    /// This idempotency key already placed an order: that order, unchanged.
    #[oai(status = 200)]
    Repeated(Json<OrderView>, #[oai(header = "Location")] String),
}

pub(super) struct CheckoutApi;

#[OpenApi]
impl CheckoutApi {
    /// The shipping methods for your cart to `country`, each with the totals it makes. An empty
    /// cart, or one that changed as it was read (a product sold out or off sale, a quantity
    /// lowered to the stock), is a conflict (409) saying what changed; ask again to quote what
    /// the cart now holds.
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
        let cart = cart_to_check_out(&state, auth.user().id).await?;
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
    /// answers the first order (200). An empty cart, or one that changed since it was last read
    /// (a product sold out or off sale, a quantity lowered to the stock), is a conflict (409)
    /// saying what changed, and no order is placed: the cart then holds what is left, and the
    /// same request again orders that.
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
        let cart = cart_to_check_out(&state, user).await?;
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
}

/// The caller's cart as checkout may use it, or a conflict: when there is nothing in it to ship,
/// or when reading it just changed it (a product sold out or taken off sale, a quantity lowered
/// to the stock). `cart::load` corrects the stored cart as it reads it, so this is the one time
/// its notices can be told: going on would quote or place a cart the client never saw. The
/// checkout pages show the same notices as flash messages; a client of the API gets them here.
async fn cart_to_check_out(state: &AppState, user: i64) -> Result<cart::Cart> {
    let cart = cart::load(state.db(), Holder::Customer(user)).await?;
    if !cart.notices.is_empty() {
        return Err(Error::Conflict(format!(
            "Your cart changed: {} Read it again before checking out.",
            cart.notices.join(" ")
        )));
    }
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

// ---- Examples the API document shows -----------------------------------------------------------

impl Example for QuoteRequest {
    fn example() -> Self {
        Self {
            country: "FR".to_owned(),
        }
    }
}

impl Example for QuoteList {
    fn example() -> Self {
        // Two mugs (27.00) to France: tax is 20 % of the goods and their shipping.
        let quote = |id: &str, name: &str, price_cents: i64, tax_cents: i64| QuoteView {
            id: id.to_owned(),
            name: name.to_owned(),
            price_cents,
            free: false,
            subtotal_cents: 2700,
            tax_cents,
            total_cents: 2700 + price_cents + tax_cents,
            currency: "EUR".to_owned(),
        };
        Self {
            quotes: vec![
                quote("table:1", "Standard", 490, 638),
                quote("table:2", "Express", 1290, 798),
            ],
        }
    }
}

impl Example for AddressWrite {
    fn example() -> Self {
        Self {
            name: "Ann Martin".to_owned(),
            line1: "12 rue des Lilas".to_owned(),
            line2: "Bâtiment B".to_owned(),
            postcode: "75011".to_owned(),
            city: "Paris".to_owned(),
            country: "FR".to_owned(),
        }
    }
}

impl Example for CheckoutRequest {
    fn example() -> Self {
        Self {
            email: "ann@example.com".to_owned(),
            phone: "+33612345678".to_owned(),
            shipping_address: AddressWrite::example(),
            billing_address: Some(AddressWrite {
                name: "Ann Martin".to_owned(),
                line1: "4 place du Marché".to_owned(),
                line2: String::new(),
                postcode: "69002".to_owned(),
                city: "Lyon".to_owned(),
                country: "FR".to_owned(),
            }),
            shipping_method: "table:1".to_owned(),
            idempotency_key: "checkout-5f2d9c41".to_owned(),
        }
    }
}
