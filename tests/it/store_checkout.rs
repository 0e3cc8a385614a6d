//! Checkout and payment: a customer's cart becomes an order with server-side totals, stock is
//! reserved so concurrent checkouts never oversell, a double submit makes one order, and the
//! sandbox and Stripe's webhooks mark it paid exactly once, with the customer told by mail.

use bureau_core::entities::outbox;
use bureau_core::sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use bureau_store::{order, order_event, payment, product, webhook_event};

use crate::browser::{Browser, location};
use crate::store::{item, rates, shelf};
use crate::support::{input, logged_in, person, spawn, spawn_with};

/// An order as the database has it now.
async fn order_now(db: &bureau_core::sea_orm::DatabaseConnection, id: i64) -> order::Model {
    order::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

/// A product as the database has it now.
async fn product_now(db: &bureau_core::sea_orm::DatabaseConnection, id: i64) -> product::Model {
    product::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

pub(crate) const ADDRESS: [(&str, &str); 8] = [
    ("email", "ann@example.com"),
    ("phone", "+33612345678"),
    ("ship_name", "Ann Example"),
    ("ship_line1", "1 rue de la Paix"),
    ("ship_postcode", "75002"),
    ("ship_city", "Paris"),
    ("ship_country", "FR"),
    ("same_billing", "on"),
];

/// Puts `quantity` of `product` in the browser's cart and fills in the addresses; returns the
/// shipping page's idempotency key and first method.
pub(crate) async fn ready_to_order(
    browser: &Browser,
    product: i64,
    quantity: &str,
) -> (String, String) {
    let id = product.to_string();
    let added = browser
        .submit(
            "/store/cart/",
            "/store/cart/add/",
            &[("product", &id), ("quantity", quantity)],
        )
        .await;
    assert_eq!(added.status(), 303);
    let saved = browser.fill("/store/checkout/", &ADDRESS).await;
    assert_eq!(saved.status(), 303, "{}", saved.text().await.unwrap());
    let (status, page) = browser.page("/store/checkout/shipping/").await;
    assert_eq!(status, 200, "{page}");
    (input(&page, "key"), input(&page, "method"))
}

#[tokio::test]
async fn a_customer_buys_and_pays_with_the_sandbox_and_is_told_by_mail_and_sms() {
    let (app, _) = spawn().await;
    rates(&app).await;
    let ann = person(&app, "ann", &[]).await;
    let kitchen = shelf(&app, "Kitchen").await;
    let mug = item(&app, kitchen.id, "Mug", 1250, 10).await;
    let db = app.state().db();
    let browser = logged_in(&app, "ann").await;
    let id = mug.id.to_string();
    browser
        .submit(
            "/store/cart/",
            "/store/cart/add/",
            &[("product", &id), ("quantity", "2")],
        )
        .await;

    let mut bad = ADDRESS.to_vec();
    bad.retain(|(name, _)| !["ship_city", "phone", "ship_country"].contains(name));
    bad.push(("phone", "0612"));
    bad.push(("ship_country", "XX"));
    let refused = browser.fill("/store/checkout/", &bad).await;
    assert_eq!(refused.status(), 422);
    let page = crate::support::html(&refused.text().await.unwrap());
    assert!(
        page.contains("This field is required.") && page.contains("Choose a country"),
        "{page}"
    );
    assert!(
        page.contains("1 rue de la Paix"),
        "what was typed stays: {page}"
    );

    let (key, method) = ready_to_order(&browser, mug.id, "1").await;
    let (_, summary) = browser.page("/store/checkout/shipping/").await;
    // 3 mugs: 37.50 + 4.90 shipping, 20 % tax on both = 8.48, total 50.88.
    assert!(
        summary.contains("€37.50")
            && summary.contains("€4.90")
            && summary.contains("€8.48")
            && summary.contains("€50.88"),
        "{summary}"
    );
    let tampered = browser
        .submit(
            "/store/checkout/shipping/",
            "/store/checkout/place/",
            &[("key", &key), ("method", "table:999999"), ("total", "1")],
        )
        .await;
    assert_eq!(tampered.status(), 303);
    assert_eq!(
        order::Entity::find().count(db).await.unwrap(),
        0,
        "an unknown method places nothing"
    );
    let form = [("key", key.as_str()), ("method", method.as_str())];
    let placed = browser
        .submit("/store/checkout/shipping/", "/store/checkout/place/", &form)
        .await;
    assert_eq!(placed.status(), 303);
    let pay_page = location(&placed);
    assert!(pay_page.ends_with("/pay/"), "{pay_page}");
    // The same form again (a double click): the same order.
    let again = browser
        .submit("/store/orders/", "/store/checkout/place/", &form)
        .await;
    assert_eq!(location(&again), pay_page);
    let placed = order::Entity::find().one(db).await.unwrap().unwrap();
    assert_eq!(order::Entity::find().count(db).await.unwrap(), 1);
    assert_eq!(
        (placed.subtotal, placed.shipping, placed.tax, placed.total),
        (3750, 490, 848, 5088)
    );
    assert_eq!(placed.status, "pending_payment");
    assert_eq!(placed.user_id, ann.id);
    let stock = product_now(db, mug.id).await.stock;
    assert_eq!(stock, 7, "reserved at checkout");
    let (_, cart) = browser.page("/store/cart/").await;
    assert!(cart.contains("Your cart is empty"), "{cart}");

    let pay = format!("/store/orders/{}/pay/", placed.number);
    let declined = browser
        .submit(
            &pay,
            &pay,
            &[("key", "k1"), ("payment_method", "4000 0000 0000 0002")],
        )
        .await;
    assert_eq!(declined.status(), 303);
    let (_, page) = browser.page(&pay).await;
    assert!(page.contains("Your card was declined."), "{page}");
    let key = input(&page, "key");
    let asked = browser
        .submit(
            &pay,
            &pay,
            &[("key", &key), ("payment_method", "4000 0027 6000 3184")],
        )
        .await;
    let bank = location(&asked);
    assert!(bank.starts_with("/store/sandbox/3ds/"), "{bank}");
    let still = order_now(db, placed.id).await;
    assert_eq!(
        still.status, "pending_payment",
        "not before the bank says so"
    );
    let approved = browser
        .submit(&bank, &bank, &[("decision", "approve")])
        .await;
    let back = location(&approved);
    let settled = browser.get(&back).await;
    assert_eq!(
        location(&settled),
        format!("/store/orders/{}/", placed.number)
    );
    let paid = order_now(db, placed.id).await;
    assert_eq!(paid.status, "paid");
    // Coming back twice changes nothing.
    browser.get(&back).await;
    let events = order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(placed.id))
        .all(db)
        .await
        .unwrap();
    assert_eq!(
        events.iter().map(|e| e.status.as_str()).collect::<Vec<_>>(),
        ["pending_payment", "paid"]
    );
    let (_, tracking) = browser
        .page(&format!("/store/orders/{}/", placed.number))
        .await;
    assert!(
        tracking.contains("Payment received")
            && tracking.contains("Awaiting payment")
            && tracking.contains("Paid"),
        "{tracking}"
    );
    let (_, history) = browser.page("/store/orders/").await;
    assert!(
        history.contains(&placed.number) && history.contains("€50.88"),
        "{history}"
    );

    let messages = outbox::Entity::find().all(db).await.unwrap();
    let subjects: Vec<&str> = messages.iter().map(|m| m.subject.as_str()).collect();
    assert!(
        subjects.contains(&format!("Order {} placed", placed.number).as_str()),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&format!("Order {} is paid", placed.number).as_str()),
        "{subjects:?}"
    );
    let texts = messages
        .iter()
        .filter(|m| m.recipient == "+33612345678")
        .count();
    assert_eq!(texts, 2, "an SMS for placed and paid");

    // Store managers see it in the admin, with its lines, timeline and payments; nobody edits
    // it there except through its actions.
    person(&app, "meg", &["store_manager"]).await;
    let meg = crate::support::admin_login(&app, "meg").await;
    let (_, list) = meg.page("/admin/store/order/?status=paid").await;
    assert!(
        list.contains(&placed.number) && list.contains("50.88"),
        "{list}"
    );
    let (status, view) = meg
        .page(&format!("/admin/store/order/{}/change/", placed.id))
        .await;
    assert_eq!(status, 200);
    assert!(
        view.contains("Mug") && view.contains("Paid by card") && view.contains("succeeded"),
        "{view}"
    );
    assert_eq!(meg.page("/admin/store/order/add/").await.0, 403);

    // Another customer cannot see, pay or approve it.
    person(&app, "bob", &[]).await;
    let bob = logged_in(&app, "bob").await;
    assert_eq!(
        bob.page(&format!("/store/orders/{}/", placed.number))
            .await
            .0,
        404
    );
    assert_eq!(bob.page(&pay).await.0, 404);
    assert_eq!(bob.page(&bank).await.0, 404);
}

#[tokio::test]
async fn concurrent_checkouts_of_the_last_units_never_oversell() {
    let (app, _) = spawn().await;
    rates(&app).await;
    let kitchen = shelf(&app, "Kitchen").await;
    let last = item(&app, kitchen.id, "Last teapots", 3000, 3).await;
    let mut shoppers = Vec::new();
    for i in 0..8 {
        let name = format!("buyer{i}");
        person(&app, &name, &[]).await;
        let browser = logged_in(&app, &name).await;
        let (key, method) = ready_to_order(&browser, last.id, "1").await;
        shoppers.push((browser, key, method));
    }
    let placed =
        futures_util::future::join_all(shoppers.iter().map(|(browser, key, method)| async move {
            let response = browser
                .client
                .post(browser.url("/store/checkout/place/"))
                .form(&[
                    (
                        "csrf_token",
                        browser.csrf_token("/store/cart/").await.as_str(),
                    ),
                    ("key", key.as_str()),
                    ("method", method.as_str()),
                ])
                .send()
                .await
                .unwrap();
            location(&response).ends_with("/pay/")
        }))
        .await;
    let db = app.state().db();
    assert_eq!(
        placed.iter().filter(|ok| **ok).count(),
        3,
        "exactly the stock"
    );
    assert_eq!(order::Entity::find().count(db).await.unwrap(), 3);
    let left = product_now(db, last.id).await;
    assert_eq!(left.stock, 0);
}

#[tokio::test]
async fn cancelling_puts_the_stock_back_and_the_machine_refuses_what_it_must() {
    use bureau_store::orders::{Status, transition};
    let (app, _) = spawn().await;
    rates(&app).await;
    person(&app, "ann", &[]).await;
    let kitchen = shelf(&app, "Kitchen").await;
    let mug = item(&app, kitchen.id, "Mug", 1250, 5).await;
    let browser = logged_in(&app, "ann").await;
    let (key, method) = ready_to_order(&browser, mug.id, "2").await;
    browser
        .submit(
            "/store/checkout/shipping/",
            "/store/checkout/place/",
            &[("key", &key), ("method", &method)],
        )
        .await;
    let db = app.state().db();
    let placed = order::Entity::find().one(db).await.unwrap().unwrap();
    let stock = || async { product_now(db, mug.id).await.stock };
    assert_eq!(stock().await, 3);
    let refused = transition(db, placed.id, Status::Shipped, "", None)
        .await
        .unwrap();
    assert!(refused.unwrap_err().0.contains("cannot be shipped"));
    transition(db, placed.id, Status::Cancelled, "Changed my mind", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stock().await, 5, "back on the shelf");
    let twice = transition(db, placed.id, Status::Cancelled, "", None)
        .await
        .unwrap();
    assert!(twice.is_err(), "a cancelled order stays cancelled");
    assert_eq!(stock().await, 5, "and its stock is returned once");
}

/// `Stripe-Signature` for `body` at `t`, as Stripe computes it.
fn sign(secret: &str, t: i64, body: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[tokio::test]
async fn stripe_webhooks_mark_an_order_paid_once_and_forged_ones_change_nothing() {
    let (app, _) = spawn_with(|s| {
        s.var("BUREAU_STORE__PAYMENT_PROVIDER", "stripe")
            .var("BUREAU_STORE__STRIPE_SECRET_KEY", "sk_test_local")
            .var("BUREAU_STORE__STRIPE_WEBHOOK_SECRET", "whsec_local")
            .var("BUREAU_STORE__STRIPE_API_BASE", "http://127.0.0.1:9")
    })
    .await;
    let ann = person(&app, "ann", &[]).await;
    let db = app.state().db();
    let now = chrono::Utc::now().fixed_offset();
    let placed = order::ActiveModel {
        number: Set("20261123-TESTPAID".to_owned()),
        user_id: Set(ann.id),
        idempotency_key: Set("k".to_owned()),
        status: Set("pending_payment".to_owned()),
        email: Set("ann@example.com".to_owned()),
        phone: Set(String::new()),
        subtotal: Set(1000),
        shipping: Set(0),
        tax: Set(200),
        total: Set(1200),
        currency: Set("EUR".to_owned()),
        shipping_method: Set("Standard".to_owned()),
        carrier: Set(String::new()),
        tracking_number: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    payment::ActiveModel {
        order_id: Set(placed.id),
        provider: Set("stripe".to_owned()),
        reference: Set("pi_local_1".to_owned()),
        amount: Set(1200),
        currency: Set("EUR".to_owned()),
        status: Set("requires_action".to_owned()),
        message: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let event = |id: &str, amount: i64| {
        serde_json::json!({
            "id": id, "object": "event", "type": "payment_intent.succeeded",
            "data": {"object": {"id": "pi_local_1", "object": "payment_intent", "amount": amount,
                "amount_received": amount, "currency": "eur", "status": "succeeded"}}
        })
        .to_string()
    };
    let post = |body: String, signature: String| {
        let client = app.client.clone();
        let url = app.url("/api/webhooks/store/stripe");
        async move {
            client
                .post(url)
                .header("Stripe-Signature", signature)
                .header("Content-Type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let t = chrono::Utc::now().timestamp();
    let forged = event("evt_forged", 1200);
    assert_eq!(
        post(forged.clone(), sign("whsec_other", t, &forged)).await,
        400
    );
    let short = event("evt_short", 1);
    assert_eq!(
        post(short.clone(), sign("whsec_local", t, &short)).await,
        200,
        "signed, but the wrong amount"
    );
    let status = || async { order_now(db, placed.id).await.status };
    assert_eq!(status().await, "pending_payment");
    let real = event("evt_1", 1200);
    for _ in 0..3 {
        assert_eq!(post(real.clone(), sign("whsec_local", t, &real)).await, 200);
    }
    assert_eq!(status().await, "paid");
    let paid_events = order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(placed.id))
        .filter(order_event::Column::Status.eq("paid"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(paid_events, 1, "paid once");
    let mails = outbox::Entity::find()
        .filter(outbox::Column::Subject.eq("Order 20261123-TESTPAID is paid"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(mails, 1, "told once");
    // A second event for the same payment (Stripe sends several kinds) changes nothing either.
    let other = event("evt_2", 1200);
    assert_eq!(
        post(other.clone(), sign("whsec_local", t, &other)).await,
        200
    );
    assert_eq!(
        order_event::Entity::find()
            .filter(order_event::Column::OrderId.eq(placed.id))
            .count(db)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        webhook_event::Entity::find().count(db).await.unwrap(),
        3,
        "evt_short, evt_1, evt_2"
    );
}

#[tokio::test]
async fn order_mails_reach_a_real_smtp_server_when_placed_paid_shipped_cancelled_and_refunded() {
    use bureau_store::orders::{self, Status};
    let sink = crate::smtp::SmtpSink::start(crate::smtp::Options::default());
    let (app, _) = spawn_with(crate::mail::smtp(sink.port())).await;
    rates(&app).await;
    person(&app, "ann", &[]).await;
    let kitchen = shelf(&app, "Kitchen").await;
    let mug = item(&app, kitchen.id, "Mug", 1250, 10).await;
    let browser = logged_in(&app, "ann").await;
    let mut numbers = Vec::new();
    for _ in 0..2 {
        let (key, method) = ready_to_order(&browser, mug.id, "1").await;
        let placed = browser
            .submit(
                "/store/checkout/shipping/",
                "/store/checkout/place/",
                &[("key", &key), ("method", &method)],
            )
            .await;
        numbers.push(location(&placed).split('/').nth(3).unwrap().to_owned());
    }
    let pay = format!("/store/orders/{}/pay/", numbers[0]);
    let (_, page) = browser.page(&pay).await;
    browser
        .submit(
            &pay,
            &pay,
            &[
                ("key", &input(&page, "key")),
                ("payment_method", "4242424242424242"),
            ],
        )
        .await;
    let db = app.state().db();
    let first = order::Entity::find()
        .filter(order::Column::Number.eq(&numbers[0]))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let second = order::Entity::find()
        .filter(order::Column::Number.eq(&numbers[1]))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.status, "paid");
    orders::ship(db, app.state(), first.id, "La Poste", "6A12345678901", None)
        .await
        .unwrap()
        .unwrap();
    orders::transition_and_tell(
        db,
        app.state(),
        second.id,
        Status::Cancelled,
        "Out of time",
        None,
    )
    .await
    .unwrap()
    .unwrap();
    orders::transition_and_tell(
        db,
        app.state(),
        first.id,
        Status::Refunded,
        "Lost in transit",
        None,
    )
    .await
    .unwrap()
    .unwrap();

    let messages = sink.wait_for(6, std::time::Duration::from_secs(20)).await;
    let subject = |m: &String| {
        m.lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .unwrap_or_default()
            .to_owned()
    };
    let mut subjects: Vec<String> = messages.iter().map(subject).collect();
    subjects.sort();
    let (a, b) = (&numbers[0], &numbers[1]);
    let mut expected = vec![
        format!("Order {a} placed"),
        format!("Order {a} is paid"),
        format!("Order {a} is on its way"),
        format!("Order {b} placed"),
        format!("Order {b} is cancelled"),
        format!("Order {a} is refunded"),
    ];
    expected.sort();
    assert_eq!(subjects, expected);
    let shipped = messages
        .iter()
        .find(|m| subject(m).ends_with("on its way"))
        .unwrap();
    assert!(
        shipped.contains("6A12345678901") && shipped.contains("text/html"),
        "{shipped}"
    );
    let placed = messages
        .iter()
        .find(|m| subject(m) == format!("Order {a} placed"))
        .unwrap();
    assert!(
        placed.contains("1 =C3=97 Mug") && placed.contains(&format!("/store/orders/{a}/")),
        "{placed}"
    );
}

/// `browser` orders one of `product` and pays with the sandbox's card that pays: the paid order.
async fn buy_and_pay(
    app: &bureau_core::testing::TestApp,
    browser: &Browser,
    product: i64,
) -> order::Model {
    let (key, method) = ready_to_order(browser, product, "1").await;
    let placed = browser
        .submit(
            "/store/checkout/shipping/",
            "/store/checkout/place/",
            &[("key", &key), ("method", &method)],
        )
        .await;
    let pay = location(&placed);
    let (_, page) = browser.page(&pay).await;
    browser
        .submit(
            &pay,
            &pay,
            &[
                ("key", &input(&page, "key")),
                ("payment_method", "4242 4242 4242 4242"),
            ],
        )
        .await;
    let number = pay.split('/').nth(3).unwrap();
    let paid = order::Entity::find()
        .filter(order::Column::Number.eq(number))
        .one(app.state().db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(paid.status, "paid");
    paid
}

#[tokio::test]
async fn managers_ship_deliver_and_refund_orders_from_the_admin_and_staff_cannot() {
    use bureau_core::entities::admin_log;
    let (app, _) = spawn().await;
    rates(&app).await;
    person(&app, "ann", &[]).await;
    person(&app, "meg", &["store_manager"]).await;
    person(&app, "stan", &["staff"]).await;
    let kitchen = shelf(&app, "Kitchen").await;
    let mug = item(&app, kitchen.id, "Mug", 1250, 10).await;
    let ann = logged_in(&app, "ann").await;
    let order_row = buy_and_pay(&app, &ann, mug.id).await;
    let db = app.state().db();
    let change = format!("/admin/store/order/{}/change/", order_row.id);
    let ship = format!("/admin/store/order/{}/action/ship/", order_row.id);

    let stan = crate::support::admin_login(&app, "stan").await;
    let (_, view) = stan.page(&change).await;
    assert!(!view.contains("Mark shipped"), "staff look only");
    assert_eq!(stan.page(&ship).await.0, 403);

    let meg = crate::support::admin_login(&app, "meg").await;
    let (_, list) = meg.page("/admin/store/order/").await;
    assert!(
        crate::support::html(&list).contains(&format!("href=\"{change}\"")),
        "a read-only panel's rows link to their pages: {list}"
    );
    let (_, view) = meg.page(&change).await;
    assert!(
        view.contains("Mark shipped") && view.contains("Refund") && view.contains("Cancel order"),
        "{view}"
    );
    assert!(!view.contains("Mark delivered"), "not before it ships");
    let missing = meg
        .fill(&ship, &[("carrier", "La Poste"), ("tracking_number", "")])
        .await;
    assert_eq!(missing.status(), 422);
    let shipped = meg
        .fill(
            &ship,
            &[("carrier", "La Poste"), ("tracking_number", "6A123")],
        )
        .await;
    assert_eq!(shipped.status(), 303);
    let row = order_now(db, order_row.id).await;
    assert_eq!(
        (
            row.status.as_str(),
            row.carrier.as_str(),
            row.tracking_number.as_str()
        ),
        ("shipped", "La Poste", "6A123")
    );
    let audit = admin_log::Entity::find()
        .filter(admin_log::Column::Action.eq("ship"))
        .one(db)
        .await
        .unwrap()
        .expect("the audit entry");
    assert!(
        audit.changes.contains("6A123") && audit.username == "meg",
        "{audit:?}"
    );
    let (_, tracking) = ann.page(&format!("/store/orders/{}/", row.number)).await;
    assert!(
        tracking.contains("La Poste") && tracking.contains("6A123") && tracking.contains("Shipped"),
        "{tracking}"
    );
    assert_eq!(
        meg.fill(&ship, &[("carrier", "UPS"), ("tracking_number", "1Z")])
            .await
            .status(),
        409,
        "shipped once"
    );
    let cancel = format!("/admin/store/order/{}/action/cancel/", order_row.id);
    assert_ne!(
        meg.fill(&cancel, &[("reason", "")]).await.status(),
        303,
        "a shipped order is not cancelled"
    );

    let deliver = format!("/admin/store/order/{}/action/deliver/", order_row.id);
    assert_eq!(meg.fill(&deliver, &[]).await.status(), 303);
    let refund = format!("/admin/store/order/{}/action/refund/", order_row.id);
    assert_eq!(
        meg.fill(&refund, &[("note", "Broken in transit")])
            .await
            .status(),
        422,
        "confirmation needed"
    );
    let refunded = meg
        .fill(
            &refund,
            &[("note", "Broken in transit"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(refunded.status(), 303);
    let row = order_now(db, order_row.id).await;
    assert_eq!(row.status, "refunded");
    let paid = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(order_row.id))
        .all(db)
        .await
        .unwrap();
    assert_eq!(paid.len(), 1);
    assert_eq!(
        paid[0].status, "refunded",
        "the money went back through the provider"
    );
    assert!(paid[0].message.contains("sbx_re_"), "{:?}", paid[0]);
    let stock = product_now(db, mug.id).await.stock;
    assert_eq!(
        stock, 9,
        "delivered goods do not come back on the shelf by themselves"
    );
    let timeline: Vec<String> = order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(order_row.id))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.status)
        .collect();
    assert_eq!(
        timeline,
        [
            "pending_payment",
            "paid",
            "shipped",
            "delivered",
            "refunded"
        ]
    );
}

#[tokio::test]
async fn cancelling_a_paid_order_refunds_it_and_a_refused_refund_changes_nothing() {
    let (app, _) = spawn().await;
    rates(&app).await;
    person(&app, "ann", &[]).await;
    person(&app, "meg", &["store_manager"]).await;
    let kitchen = shelf(&app, "Kitchen").await;
    let mug = item(&app, kitchen.id, "Mug", 1250, 10).await;
    let ann = logged_in(&app, "ann").await;
    let db = app.state().db();
    let mut paid_orders = Vec::new();
    for _ in 0..2 {
        paid_orders.push(buy_and_pay(&app, &ann, mug.id).await);
    }
    assert_eq!(product_now(db, mug.id).await.stock, 8);
    let meg = crate::support::admin_login(&app, "meg").await;

    let cancel = |id: i64| format!("/admin/store/order/{id}/action/cancel/");
    let done = meg
        .fill(
            &cancel(paid_orders[0].id),
            &[("reason", "Out of stock at the warehouse")],
        )
        .await;
    assert_eq!(done.status(), 303);
    assert_eq!(order_now(db, paid_orders[0].id).await.status, "cancelled");
    let refunded = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(paid_orders[0].id))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(refunded.status, "refunded");

    // A payment the configured provider did not take: it cannot give it back, so nothing moves.
    let other = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(paid_orders[1].id))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let mut foreign: payment::ActiveModel = other.clone().into();
    foreign.provider = Set("stripe".to_owned());
    foreign.update(db).await.unwrap();
    let events_before = order_event::Entity::find().count(db).await.unwrap();
    let mails_before = outbox::Entity::find().count(db).await.unwrap();
    let refused = meg
        .fill(&cancel(paid_orders[1].id), &[("reason", "")])
        .await;
    assert_eq!(refused.status(), 422, "refused, shown above the form");
    let page = refused.text().await.unwrap();
    assert!(page.contains("refund it there"), "{page}");
    assert_eq!(order_now(db, paid_orders[1].id).await.status, "paid");
    let untouched = payment::Entity::find_by_id(other.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(untouched.status, "succeeded");
    assert_eq!(
        product_now(db, mug.id).await.stock,
        9,
        "only the refunded order's mug is back"
    );
    assert_eq!(
        order_event::Entity::find().count(db).await.unwrap(),
        events_before
    );
    assert_eq!(
        outbox::Entity::find().count(db).await.unwrap(),
        mails_before,
        "nobody told"
    );
}
