//! The demo store as a first start loads it (`fixtures/store_orders_demo.json`): orders of the
//! demo customers in every status whose figures add up as checkout makes them, timelines the
//! state machine allows, payments where the orders were paid, and reviews whose ratings the
//! product pages show — and which loading the fixtures again leaves in step.

use std::collections::BTreeMap;

use bureau_core::sea_orm::{
    ColumnTrait, Condition, DatabaseExecutor, EntityTrait, QueryFilter, QueryOrder,
};
use bureau_core::testing::TestApp;
use bureau_store::orders::Status;
use bureau_store::shipping::{Parcel, ShippingRateProvider, TableRates};
use bureau_store::{
    StoreConfig, address, checkout, order, order_event, order_line, payment, product, review,
};
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::probe::Probe;
use crate::support::{app_with, command};

/// The password of the demo accounts (`fixtures/accounts_demo.json`).
const DEMO_PASSWORD: &str = "demo-password";
/// Ann, Bob and Carol.
const CUSTOMERS: [i64; 3] = [101, 102, 103];

/// Each rated product's `(rating_sum, rating_count)`, as the database's triggers keep them.
async fn ratings(app: &TestApp) -> BTreeMap<i64, (i64, i64)> {
    product::Entity::find()
        .filter(
            Condition::any()
                .add(product::Column::RatingCount.ne(0))
                .add(product::Column::RatingSum.ne(0)),
        )
        .all(app.state().db())
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.id, (p.rating_sum, p.rating_count)))
        .collect()
}

/// Checks one demo order against what checkout, the shipping rates, the state machine and the
/// payment providers would have made of it.
async fn check_order(app: &TestApp, order: &order::Model, tax_rate: i64) {
    let db = app.state().db();
    let number = &order.number;
    assert!(
        CUSTOMERS.contains(&order.user_id),
        "{number} is a demo customer's"
    );
    let (day, code) = number.split_once('-').unwrap();
    assert_eq!(
        day,
        order.created_at.format("%Y%m%d").to_string(),
        "{number}"
    );
    assert!(
        code.len() == 8
            && code
                .chars()
                .all(|c| "ABCDEFGHJKLMNPQRSTUVWXYZ23456789".contains(c)),
        "{number} is numbered as checkout numbers orders"
    );

    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order.id))
        .all(db)
        .await
        .unwrap();
    assert!(!lines.is_empty(), "{number} has lines");
    let mut weight = 0;
    for line in &lines {
        let product = product::Entity::find_by_id(line.product_id.unwrap())
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (&line.name, &line.sku, line.unit_price),
            (&product.name, &product.sku, product.price),
            "{number}: a line copies its product"
        );
        assert_eq!(line.line_total, line.unit_price * i64::from(line.quantity));
        weight += i64::from(product.weight_grams) * i64::from(line.quantity);
    }
    let subtotal = lines.iter().map(|l| l.line_total).sum();
    assert_eq!(
        checkout::totals(subtotal, order.shipping, tax_rate),
        checkout::Totals {
            subtotal: order.subtotal,
            shipping: order.shipping,
            tax: order.tax,
            total: order.total,
        },
        "{number}: subtotal, tax at the configured rate, total"
    );

    let addresses = address::Entity::find()
        .filter(address::Column::OrderId.eq(order.id))
        .all(db)
        .await
        .unwrap();
    let mut kinds: Vec<&str> = addresses.iter().map(|a| a.kind.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["billing", "shipping"], "{number}");
    let ship_to = addresses.iter().find(|a| a.kind == "shipping").unwrap();
    let parcel = Parcel {
        country: ship_to.country.clone(),
        weight_grams: weight,
        subtotal,
    };
    let quotes = TableRates
        .quotes(DatabaseExecutor::from(db), &parcel)
        .await
        .unwrap();
    let quote = quotes
        .iter()
        .find(|q| q.name == order.shipping_method)
        .unwrap_or_else(|| panic!("{number}: {} is not offered", order.shipping_method));
    assert_eq!(
        quote.price, order.shipping,
        "{number}: shipping as the rates price it"
    );

    let events = order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(order.id))
        .order_by_asc(order_event::Column::CreatedAt)
        .order_by_asc(order_event::Column::Id)
        .all(db)
        .await
        .unwrap();
    assert_eq!(
        events[0].status,
        Status::PendingPayment.as_str(),
        "{number}"
    );
    assert_eq!(events[0].created_at, order.created_at, "{number}");
    for pair in events.windows(2) {
        let (from, to) = (
            Status::parse(&pair[0].status).unwrap(),
            Status::parse(&pair[1].status).unwrap(),
        );
        assert!(from.may_become(to), "{number}: {from:?} → {to:?}");
    }
    let last = events.last().unwrap();
    assert_eq!(
        last.status, order.status,
        "{number}: the timeline ends where it stands"
    );
    assert_eq!(last.created_at, order.updated_at, "{number}");
    let status = Status::parse(&order.status).unwrap();
    let shipped = events.iter().find(|e| e.status == Status::Shipped.as_str());
    match shipped {
        Some(event) => assert_eq!(
            event.note,
            format!(
                "{}, tracking number {}",
                order.carrier, order.tracking_number
            ),
            "{number}: shipped with a carrier and a tracking number"
        ),
        None => assert!(order.carrier.is_empty() && order.tracking_number.is_empty()),
    }

    let payments = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(order.id))
        .all(db)
        .await
        .unwrap();
    let paid = events.iter().any(|e| e.status == Status::Paid.as_str());
    let settled: Vec<&str> = payments
        .iter()
        .filter(|p| p.status == "succeeded" || p.status == "refunded")
        .map(|p| p.status.as_str())
        .collect();
    let expected: &[&str] = match (paid, status) {
        (false, _) => &[],
        (true, Status::Cancelled | Status::Refunded) => &["refunded"],
        (true, _) => &["succeeded"],
    };
    assert_eq!(settled, expected, "{number}: its payments");
    for p in &payments {
        assert_eq!(
            (p.provider.as_str(), p.amount, p.currency.as_str()),
            ("sandbox", order.total, order.currency.as_str()),
            "{number}"
        );
    }
}

#[tokio::test]
async fn the_demo_orders_add_up_follow_their_timelines_and_their_reviews_rate_the_products() {
    let bureau = app_with(&Probe::default());
    let app =
        TestApp::spawn_with(&bureau, |s| s.var("BUREAU_APP__LOAD_DEMO_FIXTURES", "true")).await;
    let db = app.state().db();
    let tax_rate = app
        .state()
        .config()
        .section::<StoreConfig>("store")
        .unwrap()
        .tax_rate
        .0;

    let orders = order::Entity::find()
        .order_by_asc(order::Column::Id)
        .all(db)
        .await
        .unwrap();
    let mut statuses: Vec<&str> = orders.iter().map(|o| o.status.as_str()).collect();
    statuses.sort_unstable();
    statuses.dedup();
    assert_eq!(
        statuses,
        [
            "cancelled",
            "delivered",
            "paid",
            "pending_payment",
            "shipped"
        ]
    );
    for order in &orders {
        check_order(&app, order, tax_rate).await;
    }

    // Reviews come from customers whose delivered order brought the product.
    let delivered = orders
        .iter()
        .filter(|o| o.status == Status::Delivered.as_str());
    let owners: BTreeMap<i64, i64> = delivered.map(|o| (o.id, o.user_id)).collect();
    let received: Vec<(i64, Option<i64>)> = order_line::Entity::find()
        .filter(order_line::Column::OrderId.is_in(owners.keys().copied()))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|l| (owners[&l.order_id], l.product_id))
        .collect();
    let reviews = review::Entity::find().all(db).await.unwrap();
    for r in &reviews {
        assert!(
            received.contains(&(r.user_id, Some(r.product_id))),
            "review {} is by a customer who received the product",
            r.id
        );
    }
    let approved: Vec<&review::Model> = reviews
        .iter()
        .filter(|r| r.status == review::APPROVED)
        .collect();
    let pending: Vec<&review::Model> = reviews
        .iter()
        .filter(|r| r.status == review::PENDING)
        .collect();
    assert!(approved.len() >= 3, "a few approved reviews");
    assert_eq!(pending.len(), 1, "one waiting for a moderator");

    // Every product's figures are its approved reviews'.
    let mut expected: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for r in &approved {
        let entry = expected.entry(r.product_id).or_default();
        entry.0 += i64::from(r.rating);
        entry.1 += 1;
    }
    let figures = ratings(&app).await;
    assert_eq!(figures, expected, "rated products: (sum, count) by id");
    assert!(
        expected.values().any(|(_, count)| *count > 1),
        "a product rated by two customers shows an average"
    );

    // What visitors read: the product page and the API.
    for (id, (sum, count)) in &expected {
        let product = product::Entity::find_by_id(*id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let average = *sum as f64 / *count as f64;
        let page = app.get(&format!("/store/p/{}/", product.slug)).await;
        assert_eq!(page.status(), 200);
        let page = crate::support::html(&page.text().await.unwrap());
        let shown = format!(
            "{average:.1} out of 5 ({count} review{})",
            if *count == 1 { "" } else { "s" }
        );
        assert!(page.contains(&shown), "{} shows {shown}", product.slug);
        for r in approved.iter().filter(|r| r.product_id == *id) {
            assert!(page.contains(&r.title), "{}: {}", product.slug, r.title);
        }
        let api: Value = app
            .get(&format!("/api/store/products/{}/", product.slug))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            (&api["rating"], &api["rating_count"]),
            (&json!(average), &json!(count))
        );
    }
    let waiting = pending[0];
    let product = product::Entity::find_by_id(waiting.product_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let page = app.get(&format!("/store/p/{}/", product.slug)).await;
    assert!(
        !page.text().await.unwrap().contains(&waiting.title),
        "pending is not shown"
    );

    // Ann reads her orders and the timeline of the one on its way.
    let ann = Browser::new(&app);
    let login = ann
        .fill(
            "/accounts/login/",
            &[("login", "ann"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(login.status(), 303, "the demo password logs ann in");
    let hers: Vec<&order::Model> = orders.iter().filter(|o| o.user_id == 101).collect();
    let (_, history) = ann.page("/store/orders/").await;
    for order in &hers {
        assert!(history.contains(&order.number), "{}", order.number);
    }
    let shipped = hers
        .iter()
        .find(|o| o.status == Status::Shipped.as_str())
        .expect("ann has an order on its way");
    let (status, page) = ann
        .page(&format!("/store/orders/{}/", shipped.number))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains(&shipped.tracking_number), "{page}");
    let events = order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(shipped.id))
        .order_by_asc(order_event::Column::CreatedAt)
        .all(db)
        .await
        .unwrap();
    let timeline = &page[page.find("class=\"timeline\"").expect("a timeline")..];
    let mut from = 0;
    for event in &events {
        let label = Status::parse(&event.status).unwrap().label();
        let at = timeline[from..]
            .find(label)
            .unwrap_or_else(|| panic!("{label} after the steps before it: {timeline}"));
        from += at + label.len();
        assert!(timeline[from..].contains(&event.note));
    }

    // Loading the demo data again (it upserts) leaves the figures in step with the reviews.
    for fixture in ["store/demo", "store/demo-orders"] {
        command(&bureau, &app.database, &["loaddata", fixture])
            .await
            .unwrap();
    }
    assert_eq!(ratings(&app).await, figures);
}
