//! Checkout's pages, for logged-in customers: addresses and contact (`/store/checkout/`), then
//! the shipping method with the order's summary (`/store/checkout/shipping/`), then placing the
//! order. What the first step took waits in the session; the prices never do.

use bureau_core::flash::Level;
use bureau_core::poem::http::StatusCode;
use bureau_core::poem::web::Form;
use bureau_core::poem::{IntoResponse, Response, handler};
use bureau_core::sea_orm::DatabaseExecutor;
use bureau_core::{Error, FieldErrors, Page, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::cart::{self, Holder};
use crate::cart_pages::{config, shown};
use crate::checkout::{self, Address, Details, Shipping};
use crate::countries::{COUNTRIES, country_name};
use crate::price;
use crate::shipping::{Parcel, ShippingRateProvider, TableRates};

/// Where the first step's answers wait for the second.
const SESSION_KEY: &str = "store.checkout";

/// The checkout form as posted: every field a string, so nothing typed is lost on a refusal.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AddressForm {
    email: String,
    phone: String,
    ship_name: String,
    ship_line1: String,
    ship_line2: String,
    ship_postcode: String,
    ship_city: String,
    ship_country: String,
    /// "on" when the billing address is the shipping address.
    same_billing: String,
    bill_name: String,
    bill_line1: String,
    bill_line2: String,
    bill_postcode: String,
    bill_city: String,
    bill_country: String,
}

pub(crate) fn text(
    errors: &mut FieldErrors,
    field: &str,
    value: &str,
    max: usize,
    required: bool,
) -> String {
    let value = value.trim();
    if required && value.is_empty() {
        errors.add(field, "This field is required.");
    } else if value.chars().count() > max {
        errors.add(
            field,
            format!("Ensure this value has at most {max} characters."),
        );
    } else if value.chars().any(char::is_control) {
        errors.add(field, "Remove the control characters.");
    }
    value.to_owned()
}

fn address(errors: &mut FieldErrors, form: &AddressForm, billing: bool) -> Address {
    let (prefix, [name, line1, line2, postcode, city, country]) = if billing {
        (
            "bill",
            [
                &form.bill_name,
                &form.bill_line1,
                &form.bill_line2,
                &form.bill_postcode,
                &form.bill_city,
                &form.bill_country,
            ],
        )
    } else {
        (
            "ship",
            [
                &form.ship_name,
                &form.ship_line1,
                &form.ship_line2,
                &form.ship_postcode,
                &form.ship_city,
                &form.ship_country,
            ],
        )
    };
    let field = |name: &str| format!("{prefix}_{name}");
    let country = country.trim().to_uppercase();
    if country_name(&country).is_none() {
        errors.add(&field("country"), "Choose a country from the list.");
    }
    Address {
        name: text(errors, &field("name"), name, 100, true),
        line1: text(errors, &field("line1"), line1, 200, true),
        line2: text(errors, &field("line2"), line2, 200, false),
        postcode: text(errors, &field("postcode"), postcode, 20, true),
        city: text(errors, &field("city"), city, 100, true),
        country,
    }
}

/// The customer's details, or what is wrong with the form.
fn details(form: &AddressForm) -> std::result::Result<Details, FieldErrors> {
    let mut errors = FieldErrors::new();
    let email = text(&mut errors, "email", &form.email, 254, true);
    if !email.is_empty() {
        bureau_core::auth::validation::check_email("email", &email, &mut errors);
    }
    let phone: String = form.phone.chars().filter(|c| !c.is_whitespace()).collect();
    if !phone.is_empty() {
        bureau_core::sms::check_phone("phone", &phone, &mut errors);
    }
    let shipping = address(&mut errors, form, false);
    let billing = if form.same_billing == "on" {
        shipping.clone()
    } else {
        address(&mut errors, form, true)
    };
    if errors.is_empty() {
        Ok(Details {
            email,
            phone,
            shipping,
            billing,
        })
    } else {
        Err(errors)
    }
}

fn form_of(details: &Details) -> AddressForm {
    let same = details.billing == details.shipping;
    AddressForm {
        email: details.email.clone(),
        phone: details.phone.clone(),
        ship_name: details.shipping.name.clone(),
        ship_line1: details.shipping.line1.clone(),
        ship_line2: details.shipping.line2.clone(),
        ship_postcode: details.shipping.postcode.clone(),
        ship_city: details.shipping.city.clone(),
        ship_country: details.shipping.country.clone(),
        same_billing: if same { "on".to_owned() } else { String::new() },
        bill_name: details.billing.name.clone(),
        bill_line1: details.billing.line1.clone(),
        bill_line2: details.billing.line2.clone(),
        bill_postcode: details.billing.postcode.clone(),
        bill_city: details.billing.city.clone(),
        bill_country: details.billing.country.clone(),
    }
}

async fn saved(page: &Page<'_>) -> Result<Option<Details>> {
    page.session
        .get::<Details>(SESSION_KEY)
        .await
        .map_err(bureau_core::session::session_error)
}

/// The customer's cart, or the response that sends them elsewhere (to log in, to the cart).
async fn customer_cart(
    page: &Page<'_>,
) -> Result<std::result::Result<(i64, cart::Cart), Response>> {
    let Some(user) = &page.user else {
        page.flash(
            Level::Info,
            "Log in or sign up to check out; your cart comes with you.",
        )
        .await?;
        return Ok(Err(page.login_redirect()));
    };
    let cart = cart::load(page.state.db(), Holder::Customer(user.id)).await?;
    for notice in &cart.notices {
        page.flash(Level::Warning, notice.clone()).await?;
    }
    if cart.is_empty() {
        page.flash(Level::Info, "Your cart is empty.").await?;
        return Ok(Err(page.redirect("/store/cart/")));
    }
    Ok(Ok((user.id, cart)))
}

async fn render_addresses(
    page: &Page<'_>,
    status: StatusCode,
    form: &AddressForm,
    errors: &FieldErrors,
    cart: &cart::Cart,
) -> Result<Response> {
    let currency = &config(page)?.currency;
    let context = json!({
        "values": form,
        "errors": errors.by_field(),
        "countries": COUNTRIES.iter().map(|(code, name)| json!({"code": code, "name": name})).collect::<Vec<_>>(),
        "cart": shown(cart, currency),
    });
    page.render_form_status(status, "store/checkout.html", context)
        .await
}

#[handler]
pub async fn addresses(page: Page<'_>) -> Result<Response> {
    let (_, cart) = match customer_cart(&page).await? {
        Ok(found) => found,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let form = match saved(&page).await? {
        Some(details) => form_of(&details),
        None => AddressForm {
            email: page
                .user
                .as_ref()
                .map(|u| u.email.clone())
                .unwrap_or_default(),
            same_billing: "on".to_owned(),
            ..Default::default()
        },
    };
    render_addresses(&page, StatusCode::OK, &form, &FieldErrors::new(), &cart).await
}

#[handler]
pub async fn save_addresses(page: Page<'_>, Form(form): Form<AddressForm>) -> Result<Response> {
    let (_, cart) = match customer_cart(&page).await? {
        Ok(found) => found,
        Err(elsewhere) => return Ok(elsewhere),
    };
    match details(&form) {
        Ok(details) => {
            page.session
                .insert(SESSION_KEY, &details)
                .await
                .map_err(bureau_core::session::session_error)?;
            Ok(page.redirect("/store/checkout/shipping/"))
        }
        Err(errors) => {
            page.flash(Level::Error, "Check the fields marked below.")
                .await?;
            render_addresses(
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                &errors,
                &cart,
            )
            .await
        }
    }
}

fn parcel(details: &Details, cart: &cart::Cart) -> Parcel {
    Parcel {
        country: details.shipping.country.clone(),
        weight_grams: cart.weight_grams,
        subtotal: cart.subtotal,
    }
}

#[handler]
pub async fn method(page: Page<'_>) -> Result<Response> {
    let (_, cart) = match customer_cart(&page).await? {
        Ok(found) => found,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let Some(details) = saved(&page).await? else {
        return Ok(page.redirect("/store/checkout/"));
    };
    let store = config(&page)?;
    let rate = store.tax_rate.0;
    let quotes = TableRates
        .quotes(
            DatabaseExecutor::from(page.state.db()),
            &parcel(&details, &cart),
        )
        .await?;
    let money = |cents: i64| price::format_price(cents, &store.currency);
    let methods: Vec<_> = quotes
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let sums = checkout::totals(cart.subtotal, q.price, rate);
            json!({
                "id": q.id, "name": q.name, "free": q.free, "checked": i == 0,
                "price": if q.free { "Free".to_owned() } else { money(q.price) },
                "total": money(sums.total),
            })
        })
        .collect();
    let first = quotes
        .first()
        .map(|q| checkout::totals(cart.subtotal, q.price, rate));
    let context = json!({
        "cart": shown(&cart, &store.currency),
        "details": details,
        "ship_country": country_name(&details.shipping.country),
        "bill_country": country_name(&details.billing.country),
        "methods": methods,
        "summary": first.map(|t| json!({
            "subtotal": money(t.subtotal), "shipping": money(t.shipping),
            "tax": money(t.tax), "total": money(t.total),
        })),
        "tax_rate": store.tax_rate.to_string(),
        // One key per rendering of the form: submitting it twice places one order.
        "key": bureau_core::random_token()?,
    });
    Ok(page
        .render_form("store/shipping.html", context)
        .await?
        .into_response())
}

#[derive(Deserialize)]
pub struct PlaceForm {
    #[serde(default)]
    method: String,
    #[serde(default)]
    key: String,
}

#[handler]
pub async fn place(page: Page<'_>, Form(form): Form<PlaceForm>) -> Result<Response> {
    // A second submit of the same form finds the first one's order, cart emptied or not.
    if let Some(user) = &page.user
        && let Some(placed) = checkout::by_key(page.state, user.id, form.key.trim()).await?
    {
        return Ok(page.redirect(&format!("/store/orders/{}/pay/", placed.number)));
    }
    let (user, cart) = match customer_cart(&page).await? {
        Ok(found) => found,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let Some(details) = saved(&page).await? else {
        return Ok(page.redirect("/store/checkout/"));
    };
    let key = form.key.trim();
    if key.is_empty()
        || key.len() > 64
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(Error::BadRequest(
            "the checkout form is missing its key; reload it".to_owned(),
        ));
    }
    let quote = TableRates
        .quote(
            DatabaseExecutor::from(page.state.db()),
            &parcel(&details, &cart),
            &form.method,
        )
        .await?;
    let Some(quote) = quote else {
        page.flash(Level::Error, "Choose one of the shipping methods offered.")
            .await?;
        return Ok(page.redirect("/store/checkout/shipping/"));
    };
    let shipping = Shipping {
        name: quote.name,
        price: quote.price,
    };
    match checkout::place(page.state, user, &details, &shipping, key).await? {
        Ok(placed) => {
            if !placed.repeated {
                page.flash(
                    Level::Success,
                    format!(
                        "Thank you! Order {} is placed; it waits for your payment.",
                        placed.order.number
                    ),
                )
                .await?;
            }
            Ok(page.redirect(&format!("/store/orders/{}/pay/", placed.order.number)))
        }
        Err(refused) => {
            page.flash(Level::Error, refused.0).await?;
            Ok(page.redirect("/store/cart/"))
        }
    }
}
