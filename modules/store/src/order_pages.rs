//! A customer's orders: their history, each order's tracking page (status timeline, carrier and
//! tracking number), and paying for it. Another customer's order does not exist (404).

use bureau_core::flash::Level;
use bureau_core::poem::http::{HeaderMap, StatusCode};
use bureau_core::poem::web::{Form, Path, Query};
use bureau_core::poem::{Body, IntoResponse, Response, handler};
use bureau_core::sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use bureau_core::{Error, Page, Result, page_of};
use serde::Deserialize;
use serde_json::json;

use crate::entities::{address, order, order_event, order_line, payment};
use crate::orders::Status;
use crate::payments::settle::{self, provider};
use crate::payments::{PaymentRequest, PaymentState, sandbox};
use crate::price;

const PER_PAGE: u64 = 20;

fn label(status: &str) -> &'static str {
    Status::parse(status).map_or("Unknown", Status::label)
}

/// The logged-in customer's order `number`; anyone else's is not found.
async fn own(page: &Page<'_>, number: &str) -> Result<std::result::Result<order::Model, Response>> {
    let Some(user) = &page.user else {
        return Ok(Err(page.login_redirect()));
    };
    order::Entity::find()
        .filter(order::Column::Number.eq(number))
        .filter(order::Column::UserId.eq(user.id))
        .one(page.state.db())
        .await?
        .map(Ok)
        .ok_or(Error::NotFound)
}

#[derive(Deserialize)]
pub struct ListParams {
    page: Option<String>,
}

#[handler]
pub async fn history(page: Page<'_>, Query(params): Query<ListParams>) -> Result<Response> {
    let Some(user) = &page.user else {
        return Ok(page.login_redirect());
    };
    let db = page.state.db();
    let mine = order::Entity::find().filter(order::Column::UserId.eq(user.id));
    let count = mine.clone().count(db).await?;
    let (number, pages) = page_of(params.page.as_deref(), count, PER_PAGE)?;
    let orders = mine
        .order_by_desc(order::Column::CreatedAt)
        .order_by_desc(order::Column::Id)
        .offset((number - 1) * PER_PAGE)
        .limit(PER_PAGE)
        .all(db)
        .await?;
    let rows: Vec<_> = orders
        .iter()
        .map(|o| {
            json!({
                "number": o.number,
                "date": o.created_at.format("%-d %B %Y").to_string(),
                "status": label(&o.status),
                "pending": o.status == Status::PendingPayment.as_str(),
                "total": price::format_price(o.total, &o.currency),
            })
        })
        .collect();
    let context = json!({
        "orders": rows, "count": count, "page": number, "pages": pages,
        "previous": (number > 1).then(|| format!("?page={}", number - 1)),
        "next": (number < pages).then(|| format!("?page={}", number + 1)),
    });
    Ok(page
        .render("store/orders.html", context)
        .await?
        .into_response())
}

#[handler]
pub async fn detail(page: Page<'_>, Path(number): Path<String>) -> Result<Response> {
    let found = match own(&page, &number).await? {
        Ok(found) => found,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let db = page.state.db();
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(found.id))
        .order_by_asc(order_line::Column::Id)
        .all(db)
        .await?;
    let addresses = address::Entity::find()
        .filter(address::Column::OrderId.eq(found.id))
        // "shipping" before "billing".
        .order_by_desc(address::Column::Kind)
        .all(db)
        .await?;
    let events = order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(found.id))
        .order_by_asc(order_event::Column::CreatedAt)
        .order_by_asc(order_event::Column::Id)
        .all(db)
        .await?;
    let money = |cents: i64| price::format_price(cents, &found.currency);
    let context = json!({
        "order": {
            "number": found.number,
            "status": label(&found.status),
            "pending": found.status == Status::PendingPayment.as_str(),
            "date": found.created_at.format("%-d %B %Y, %H:%M").to_string(),
            "subtotal": money(found.subtotal), "shipping": money(found.shipping),
            "tax": money(found.tax), "total": money(found.total),
            "shipping_method": found.shipping_method,
            "carrier": found.carrier, "tracking_number": found.tracking_number,
        },
        "lines": lines.iter().map(|l| json!({
            "name": l.name, "sku": l.sku, "quantity": l.quantity,
            "unit_price": money(l.unit_price), "line_total": money(l.line_total),
        })).collect::<Vec<_>>(),
        "addresses": addresses.iter().map(|a| json!({
            "kind": a.kind, "name": a.name, "line1": a.line1, "line2": a.line2,
            "postcode": a.postcode, "city": a.city,
            "country": crate::countries::country_name(&a.country).unwrap_or(&a.country),
        })).collect::<Vec<_>>(),
        "timeline": events.iter().map(|e| json!({
            "status": label(&e.status), "note": e.note,
            "at": e.created_at.format("%-d %B %Y, %H:%M").to_string(),
        })).collect::<Vec<_>>(),
    });
    Ok(page
        .render("store/order.html", context)
        .await?
        .into_response())
}

/// The payment form for `order`, or where its customer should be instead.
async fn payable(
    page: &Page<'_>,
    number: &str,
) -> Result<std::result::Result<order::Model, Response>> {
    let found = match own(page, number).await? {
        Ok(found) => found,
        Err(elsewhere) => return Ok(Err(elsewhere)),
    };
    if found.status != Status::PendingPayment.as_str() {
        page.flash(
            Level::Info,
            format!(
                "Order {} is {}: there is nothing to pay.",
                found.number,
                label(&found.status).to_lowercase()
            ),
        )
        .await?;
        return Ok(Err(
            page.redirect(&format!("/store/orders/{}/", found.number))
        ));
    }
    Ok(Ok(found))
}

#[handler]
pub async fn pay_form(page: Page<'_>, Path(number): Path<String>) -> Result<Response> {
    let found = match payable(&page, &number).await? {
        Ok(found) => found,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let provider = provider(page.state)?;
    let context = json!({
        "order": { "number": found.number, "total": price::format_price(found.total, &found.currency) },
        "provider": provider.name(),
        "cards": sandbox::CARDS.iter().map(|(n, what)| json!({"number": n, "what": what})).collect::<Vec<_>>(),
        "key": bureau_core::random_token()?,
    });
    Ok(page
        .render_form("store/pay.html", context)
        .await?
        .into_response())
}

#[derive(Deserialize)]
pub struct PayForm {
    #[serde(default)]
    payment_method: String,
    #[serde(default)]
    key: String,
}

#[handler]
pub async fn pay(
    page: Page<'_>,
    Path(number): Path<String>,
    Form(form): Form<PayForm>,
) -> Result<Response> {
    let found = match payable(&page, &number).await? {
        Ok(found) => found,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let key = form.key.trim();
    if key.is_empty() || key.len() > 64 {
        return Err(Error::BadRequest(
            "the payment form is missing its key; reload it".to_owned(),
        ));
    }
    let provider = provider(page.state)?;
    let request = PaymentRequest {
        order_number: found.number.clone(),
        amount: found.total,
        currency: found.currency.to_lowercase(),
        idempotency_key: format!("{}-{key}", found.number),
        payment_method: form.payment_method.trim().to_owned(),
        return_url: format!("{}/store/orders/{}/pay/return/", site(&page), found.number),
    };
    let started = match provider.start(&request).await {
        Ok(started) => started,
        Err(error) => {
            tracing::warn!(%error, order = found.number, "starting a payment failed");
            page.flash(
                Level::Error,
                "The payment service did not answer; nothing was charged. Try again in a moment.",
            )
            .await?;
            return Ok(page.redirect(&format!("/store/orders/{}/pay/", found.number)));
        }
    };
    settle::record(page.state, provider.name(), &found, &started).await?;
    outcome(&page, &found.number, &started.state).await
}

/// Where the site is, for the provider to send the customer back to.
fn site(page: &Page<'_>) -> String {
    let configured = page.state.config().auth.site_url.trim_end_matches('/');
    if configured.is_empty() {
        format!("http://{}", page.state.config().server.addr)
    } else {
        configured.to_owned()
    }
}

/// Tells the customer how their payment went.
async fn outcome(page: &Page<'_>, number: &str, state: &PaymentState) -> Result<Response> {
    let order_page = format!("/store/orders/{number}/");
    Ok(match state {
        PaymentState::Succeeded => {
            page.flash(
                Level::Success,
                format!("Payment received for order {number}. Thank you!"),
            )
            .await?;
            page.redirect(&order_page)
        }
        PaymentState::Declined(why) => {
            page.flash(Level::Error, format!("The payment was declined: {why}"))
                .await?;
            page.redirect(&format!("{order_page}pay/"))
        }
        PaymentState::RequiresAction { url } => page.redirect(url),
        PaymentState::Processing => {
            page.flash(
                Level::Info,
                "Your payment is being processed; this page shows when it is through.",
            )
            .await?;
            page.redirect(&order_page)
        }
    })
}

/// The customer back from the provider's extra step: ask the provider how it ended.
#[handler]
pub async fn pay_return(page: Page<'_>, Path(number): Path<String>) -> Result<Response> {
    let found = match own(&page, &number).await? {
        Ok(found) => found,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let provider = provider(page.state)?;
    let latest = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(found.id))
        .filter(payment::Column::Provider.eq(provider.name()))
        .order_by_desc(payment::Column::Id)
        .one(page.state.db())
        .await?
        .ok_or(Error::NotFound)?;
    let state = match provider.state(&latest.reference).await {
        Ok(state) => state,
        Err(error) => {
            tracing::warn!(%error, order = found.number, "asking about a payment failed");
            PaymentState::Processing
        }
    };
    settle::settle(page.state, provider.name(), &latest.reference, &state, None).await?;
    outcome(&page, &found.number, &state).await
}

/// The sandbox "bank's" 3-D Secure page: the customer approves or refuses the payment.
#[handler]
pub async fn sandbox_3ds(page: Page<'_>, Path(reference): Path<String>) -> Result<Response> {
    let (found, order) = sandbox_payment(&page, &reference).await?;
    let context = json!({
        "reference": found.reference,
        "number": order.number,
        "amount": price::format_price(found.amount, &found.currency),
    });
    Ok(page
        .render_form("store/sandbox_3ds.html", context)
        .await?
        .into_response())
}

async fn sandbox_payment(
    page: &Page<'_>,
    reference: &str,
) -> Result<(payment::Model, order::Model)> {
    let user = page.user.as_ref().ok_or(Error::NotFound)?;
    let found = payment::Entity::find()
        .filter(payment::Column::Provider.eq("sandbox"))
        .filter(payment::Column::Reference.eq(reference))
        .find_also_related(order::Entity)
        .one(page.state.db())
        .await?;
    match found {
        Some((payment, Some(order))) if order.user_id == user.id => Ok((payment, order)),
        _ => Err(Error::NotFound),
    }
}

#[derive(Deserialize)]
pub struct Decision {
    #[serde(default)]
    decision: String,
}

#[handler]
pub async fn sandbox_decide(
    page: Page<'_>,
    Path(reference): Path<String>,
    Form(form): Form<Decision>,
) -> Result<Response> {
    let (found, order) = sandbox_payment(&page, &reference).await?;
    let state = match form.decision.as_str() {
        "approve" => PaymentState::Succeeded,
        "refuse" => PaymentState::Declined("You refused the payment at your bank.".to_owned()),
        _ => return Err(Error::BadRequest("approve or refuse".to_owned())),
    };
    // The sandbox bank decides, then sends the customer back, as a real one does.
    settle::settle(page.state, "sandbox", &found.reference, &state, None).await?;
    Ok(page.redirect(&format!("/store/orders/{}/pay/return/", order.number)))
}

/// A provider's webhook: signed, handled once, answered 200 so it stops retrying; a webhook that
/// fails its signature check is 400 and changes nothing.
#[handler]
pub async fn webhook(
    state: bureau_core::poem::web::Data<&bureau_core::AppState>,
    Path(name): Path<String>,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response> {
    let provider = provider(&state)?;
    if provider.name() != name {
        return Err(Error::NotFound);
    }
    let body = body
        .into_bytes()
        .await
        .map_err(|e| Error::BadRequest(format!("reading the webhook: {e}")))?;
    let event = match provider.webhook(headers, &body) {
        Ok(event) => event,
        Err(error) => {
            tracing::warn!(%error, provider = name, "a webhook was refused");
            return Ok(StatusCode::BAD_REQUEST.into_response());
        }
    };
    if let Some(event) = event {
        settle::settle(
            &state,
            provider.name(),
            &event.reference,
            &event.state,
            Some(&event),
        )
        .await?;
    }
    Ok(StatusCode::OK.into_response())
}
