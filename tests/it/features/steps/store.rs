//! `features/store.feature`: the catalogue, the cart, checkout and paying on the sandbox. The
//! admin's journey reuses a paid order.

use bureau_core::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use bureau_store::category;
use cucumber::gherkin::Step;
use cucumber::{given, then, when};

use crate::browser::location;
use crate::features::steps::movies::href_before;
use crate::features::world::{Journey, Who, text_of};
use crate::store::{item, rates, shelf};
use crate::store_checkout::ready_to_order;
use crate::support::input;

/// "12.50" → 1250.
fn cents(price: &str) -> i64 {
    let (units, hundredths) = price.split_once('.').unwrap_or((price, "00"));
    units.parse::<i64>().expect("a price") * 100 + hundredths.parse::<i64>().expect("a price")
}

#[given(expr = "the store sells {string} in {string} at {string} with {int} in stock")]
async fn sells(world: &mut Journey, name: String, shelf_name: String, price: String, stock: i32) {
    let app = world.app();
    let existing = category::Entity::find()
        .filter(category::Column::Name.eq(&shelf_name))
        .one(app.state().db())
        .await
        .unwrap();
    let category = match existing {
        Some(found) => found,
        None => shelf(app, &shelf_name).await,
    };
    let product = item(app, category.id, &name, cents(&price), stock).await;
    world.products.insert(name, product.id);
}

/// What `rates` sets up, spelled out: the steps say which figures the totals come from.
#[given("the store ships to France by \"Standard\" at €4.90, free from €50")]
async fn ships_to_france(world: &mut Journey) {
    rates(world.app()).await;
}

#[when("I browse the store")]
async fn browse(world: &mut Journey) {
    world.visit(&Who::Me, "/store/").await;
}

#[then(expr = "I see {string} at {string}")]
async fn see_product(world: &mut Journey, name: String, price: String) {
    let text = world.last(&Who::Me).text();
    assert!(text.contains(&format!("{name} {price}")), "{text}");
}

#[when(expr = "I open the product {string}")]
async fn open_product(world: &mut Journey, name: String) {
    let list = world.last(&Who::Me).page();
    let path = href_before(
        &list,
        &format!("<span class=\"product-name\">{name}</span>"),
    );
    world.visit(&Who::Me, &path).await;
}

#[when(expr = "I add {int} to my cart")]
async fn add_to_cart(world: &mut Journey, quantity: u32) {
    let product_page = world.last(&Who::Me);
    let (page, product) = (
        product_page.at.clone(),
        input(&product_page.page(), "product"),
    );
    let quantity = quantity.to_string();
    world
        .submit(
            &Who::Me,
            &page,
            "/store/cart/add/",
            &[("product", &product), ("quantity", &quantity)],
        )
        .await;
}

#[then(expr = "my cart holds {int} {string} for {string}")]
async fn cart_holds(world: &mut Journey, quantity: u32, name: String, subtotal: String) {
    let text = world.visit(&Who::Me, "/store/cart/").await.text();
    let items = if quantity == 1 { "item" } else { "items" };
    assert!(text.contains(&name), "{text}");
    assert!(
        text.contains(&format!("Subtotal ({quantity} {items}) {subtotal}")),
        "{text}"
    );
}

/// A two-column table: the checkout form's fields and what to type in each.
#[when("I check out with these details:")]
async fn check_out(world: &mut Journey, step: &Step) {
    let table = step.table.as_ref().expect("a table of fields");
    let fields: Vec<(&str, &str)> = table
        .rows
        .iter()
        .map(|row| (row[0].as_str(), row[1].as_str()))
        .collect();
    world
        .submit(&Who::Me, "/store/checkout/", "/store/checkout/", &fields)
        .await;
}

#[then(expr = "shipping by {string} costs {string}, for a total of {string}")]
async fn shipping_costs(world: &mut Journey, method: String, price: String, total: String) {
    let reply = world.last(&Who::Me);
    assert_eq!(reply.at, "/store/checkout/shipping/", "{}", reply.page());
    let text = reply.text();
    assert!(
        text.contains(&format!("{method} — {price} (total {total})")),
        "{text}"
    );
}

#[when(expr = "I place the order with {string} shipping")]
async fn place(world: &mut Journey, method: String) {
    let page = world.last(&Who::Me).page();
    let key = input(&page, "key");
    let label = page
        .find(&format!("> {method} — "))
        .unwrap_or_else(|| panic!("no {method} to choose: {page}"));
    let value = page[..label].rfind("value=\"").expect("the method's value") + "value=\"".len();
    let choice = page[value..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned();
    let reply = world
        .submit(
            &Who::Me,
            "/store/checkout/shipping/",
            "/store/checkout/place/",
            &[("key", &key), ("method", &choice)],
        )
        .await;
    let number = order_number(&reply.redirected_to.clone());
    let me = world.name(&Who::Me);
    world.orders.insert(me, number);
}

/// `/store/orders/B-123/pay/` → `B-123`.
fn order_number(path: &str) -> String {
    path.strip_prefix("/store/orders/")
        .and_then(|rest| rest.split('/').next())
        .filter(|number| !number.is_empty())
        .unwrap_or_else(|| panic!("not an order's page: {path}"))
        .to_owned()
}

#[then(expr = "I am asked to pay {string}")]
async fn asked_to_pay(world: &mut Journey, total: String) {
    let reply = world.last(&Who::Me);
    assert!(reply.at.ends_with("/pay/"), "{}", reply.at);
    assert!(
        reply.text().contains(&format!("Pay {total}")),
        "{}",
        reply.text()
    );
}

#[when(expr = "I pay with the card {string}")]
async fn pay(world: &mut Journey, card: String) {
    let pay_page = world.last(&Who::Me).at.clone();
    let key = input(&world.last(&Who::Me).page(), "key");
    world
        .submit(
            &Who::Me,
            &pay_page,
            &pay_page,
            &[("key", &key), ("payment_method", &card)],
        )
        .await;
}

#[then(expr = "my order history shows the order as {string} for {string}")]
async fn history_shows(world: &mut Journey, status: String, total: String) {
    let number = latest_order(world, &Who::Me);
    let page = world.visit(&Who::Me, "/store/orders/").await.page();
    let row = page
        .split("<tr>")
        .filter_map(|row| row.split("</tr>").next())
        .find(|row| row.contains(&format!(">{number}</a>")))
        .unwrap_or_else(|| panic!("{number} is not in {page}"));
    let shown = text_of(row);
    assert!(shown.starts_with(&number), "{shown}");
    assert!(
        shown.contains(&format!(" {status} ")) && shown.ends_with(&total),
        "{shown}"
    );
}

#[then(expr = "{who} read(s) {string} on the order's page")]
async fn reads_on_order_page(world: &mut Journey, who: Who, words: String) {
    let number = latest_order(world, &who);
    let text = world
        .visit(&who, &format!("/store/orders/{number}/"))
        .await
        .text();
    assert!(text.contains(&words), "{text}");
}

#[then(expr = "{who} see(s) the order as {string}")]
async fn order_status(world: &mut Journey, who: Who, status: String) {
    let number = latest_order(world, &who);
    let text = world
        .visit(&who, &format!("/store/orders/{number}/"))
        .await
        .text();
    assert!(text.contains(&format!("Order {number} Placed ")), "{text}");
    let placed = text.split(" Placed ").nth(1).unwrap_or_default();
    let shown = placed.split(" · ").nth(1).unwrap_or_default();
    assert!(shown.starts_with(&format!("{status} ")), "{placed}");
}

pub(crate) fn latest_order(world: &Journey, who: &Who) -> String {
    let name = world.name(who);
    world
        .orders
        .get(&name)
        .unwrap_or_else(|| panic!("{name} has placed no order"))
        .clone()
}

/// `who` puts `quantity` of `product` in the cart, checks out to the tests' Paris address, and
/// pays by the sandbox's card that succeeds.
#[given(expr = "{who} has paid for an order of {int} {string}")]
async fn paid_order(world: &mut Journey, who: Who, quantity: u32, product: String) {
    let id = world.products[&product];
    let name = world.name(&who);
    let browser = world.browser(&name).await;
    let (key, method) = ready_to_order(browser, id, &quantity.to_string()).await;
    let placed = browser
        .submit(
            "/store/checkout/shipping/",
            "/store/checkout/place/",
            &[("key", &key), ("method", &method)],
        )
        .await;
    let pay = location(&placed);
    let number = order_number(&pay);
    let key = input(&browser.page(&pay).await.1, "key");
    let paid = browser
        .submit(
            &pay,
            &pay,
            &[("key", &key), ("payment_method", "4242 4242 4242 4242")],
        )
        .await;
    assert_eq!(location(&paid), format!("/store/orders/{number}/"));
    world.orders.insert(name, number);
}
