//! The store's API as an integrator uses it: the catalogue with its filters and pages, a cart whose
//! refusals name the field and write nothing, a checkout priced by the server and safe to repeat
//! that never goes on with a cart the client did not see, and orders no one else can read; and
//! the same API called from a page, with the session cookie and its CSRF token.

use bureau_core::sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};
use bureau_core::testing::TestApp;
use bureau_store::{cart_item, category, order, product};
use reqwest::Method;
use serde_json::{Value, json};

use crate::store::{item, rates, shelf};
use crate::support::{PASSWORD, logged_in, person, spawn};

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn fields(&self) -> Vec<&str> {
        self.body["errors"]
            .as_array()
            .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default()
    }
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

/// An API client with `username`'s access token (none for `None`).
struct Client<'a> {
    app: &'a TestApp,
    access: Option<String>,
}

impl<'a> Client<'a> {
    fn anonymous(app: &'a TestApp) -> Self {
        Self { app, access: None }
    }

    async fn login(app: &'a TestApp, username: &str) -> Self {
        let answer = send(
            app.client
                .post(app.url("/api/auth/login/"))
                .json(&json!({"username": username, "password": PASSWORD})),
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        Self {
            app,
            access: Some(answer.body["access_token"].as_str().unwrap().to_owned()),
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self.app.client.request(method, self.app.url(path));
        if let Some(token) = &self.access {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        send(request).await
    }

    async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(body)).await
    }
}

async fn cart_rows(app: &TestApp) -> u64 {
    cart_item::Entity::find()
        .count(app.state().db())
        .await
        .unwrap()
}

fn names(answer: &Answer) -> Vec<&str> {
    answer.body["results"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", answer.body))
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_catalogue_filters_sorts_and_pages_active_products() {
    let (app, _) = spawn().await;
    let kitchen = shelf(&app, "Kitchen").await;
    let cups = category::ActiveModel {
        name: Set("Cups".to_owned()),
        slug: Set("cups".to_owned()),
        description: Set(String::new()),
        parent_id: Set(Some(kitchen.id)),
        ..Default::default()
    }
    .insert(app.state().db())
    .await
    .unwrap();
    let garden = shelf(&app, "Garden").await;
    item(&app, kitchen.id, "Kettle", 3000, 4).await;
    item(&app, cups.id, "Mug", 1250, 0).await;
    item(&app, garden.id, "Rake", 2000, 9).await;
    let hidden = item(&app, kitchen.id, "Old pan", 100, 9).await;
    let mut hidden: product::ActiveModel = hidden.into();
    hidden.active = Set(false);
    hidden.update(app.state().db()).await.unwrap();
    let anyone = Client::anonymous(&app);

    let all = anyone.get("/api/store/products/?ordering=price").await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(
        names(&all),
        ["Mug", "Rake", "Kettle"],
        "no inactive product"
    );
    assert_eq!(all.body["count"], 3);
    let mug = &all.body["results"][0];
    assert_eq!(
        (&mug["price_cents"], &mug["currency"], &mug["price_display"]),
        (&json!(1250), &json!("EUR"), &json!("€12.50"))
    );

    let kitchen_list = anyone
        .get("/api/store/products/?category=kitchen&ordering=name")
        .await;
    assert_eq!(
        names(&kitchen_list),
        ["Kettle", "Mug"],
        "with sub-categories"
    );
    let ranged = anyone
        .get("/api/store/products/?min_price=1500&max_price=3000&in_stock=true&ordering=-price")
        .await;
    assert_eq!(names(&ranged), ["Kettle", "Rake"]);
    let searched = anyone.get("/api/store/products/?q=MU").await;
    assert_eq!(names(&searched), ["Mug"]);
    assert_eq!(
        anyone
            .get("/api/store/products/?category=nowhere")
            .await
            .status,
        404
    );

    let first = anyone
        .get("/api/store/products/?ordering=price&page_size=2")
        .await;
    assert_eq!(names(&first), ["Mug", "Rake"]);
    assert!(first.body["previous"].is_null());
    let next = first.body["next"].as_str().unwrap();
    assert!(
        next.ends_with("?ordering=price&page_size=2&page=2"),
        "{next}"
    );
    let second = anyone
        .get("/api/store/products/?ordering=price&page_size=2&page=2")
        .await;
    assert_eq!(names(&second), ["Kettle"]);
    assert!(second.body["next"].is_null());
    assert_eq!(
        anyone
            .get("/api/store/products/?page_size=2&page=3")
            .await
            .status,
        404
    );

    let detail = anyone.get("/api/store/products/kettle/").await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    assert_eq!(detail.body["stock"], 4);
    assert_eq!(anyone.get("/api/store/products/old-pan/").await.status, 404);
}

#[tokio::test]
async fn the_cart_refuses_bad_quantities_naming_the_field_and_writes_nothing() {
    let (app, _) = spawn().await;
    person(&app, "ann", &[]).await;
    let kitchen = shelf(&app, "Kitchen").await;
    let mug = item(&app, kitchen.id, "Mug", 1250, 5).await;
    let ann = Client::login(&app, "ann").await;

    let anonymous = Client::anonymous(&app);
    assert_eq!(anonymous.get("/api/store/cart/").await.status, 401);
    let refused = anonymous
        .post(
            "/api/store/cart/items/",
            json!({"product_id": mug.id, "quantity": 1}),
        )
        .await;
    assert_eq!(refused.status, 401);

    let cases = [
        (json!({"product_id": mug.id, "quantity": -1}), "quantity"),
        (json!({"product_id": mug.id, "quantity": 0}), "quantity"),
        (json!({"product_id": mug.id, "quantity": 6}), "quantity"),
        (json!({"product_id": mug.id, "quantity": 1000}), "quantity"),
        (
            json!({"product_id": mug.id, "quantity": 18446744073709551615u64}),
            "quantity",
        ),
        (json!({"product_id": mug.id, "quantity": 1.5}), "quantity"),
        (json!({"product_id": mug.id, "quantity": "2"}), "quantity"),
        (json!({"product_id": 999_999, "quantity": 1}), "product_id"),
        (
            json!({"product_id": mug.id, "quantity": 1, "price_cents": 1}),
            "price_cents",
        ),
        (json!({"quantity": 1}), "product_id"),
    ];
    for (body, field) in cases {
        let answer = ann.post("/api/store/cart/items/", body.clone()).await;
        assert_eq!(answer.status, 422, "{body}: {}", answer.body);
        assert!(
            answer.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/problem+json")
        );
        assert!(answer.fields().contains(&field), "{body}: {}", answer.body);
        assert_eq!(cart_rows(&app).await, 0, "{body} wrote nothing");
    }

    let added = ann
        .post(
            "/api/store/cart/items/",
            json!({"product_id": mug.id, "quantity": 2}),
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(added.body["subtotal_cents"], 2500);
    assert_eq!(added.body["lines"][0]["quantity"], 2);
    let beyond = ann
        .post(
            "/api/store/cart/items/",
            json!({"product_id": mug.id, "quantity": 4}),
        )
        .await;
    assert_eq!(beyond.status, 422, "2 + 4 is more than the 5 left");
    assert_eq!(beyond.fields(), ["quantity"]);

    let path = format!("/api/store/cart/items/{}/", mug.id);
    let set = ann
        .call(Method::PUT, &path, Some(json!({"quantity": 5})))
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.body["subtotal_cents"], 6250);
    let over = ann
        .call(Method::PUT, &path, Some(json!({"quantity": 6})))
        .await;
    assert_eq!((over.status, over.fields()), (422, vec!["quantity"]));
    let elsewhere = ann
        .call(
            Method::PUT,
            "/api/store/cart/items/999999/",
            Some(json!({"quantity": 1})),
        )
        .await;
    assert_eq!(elsewhere.status, 404);
    let cart = ann.get("/api/store/cart/").await;
    assert_eq!(cart.body["items"], 5, "refusals changed nothing");

    let removed = ann.call(Method::DELETE, &path, None).await;
    assert_eq!(removed.status, 204);
    assert_eq!(ann.call(Method::DELETE, &path, None).await.status, 404);
    assert_eq!(cart_rows(&app).await, 0);
    ann.post(
        "/api/store/cart/items/",
        json!({"product_id": mug.id, "quantity": 1}),
    )
    .await;
    let zero = ann
        .call(Method::PUT, &path, Some(json!({"quantity": 0})))
        .await;
    assert_eq!(zero.status, 200);
    assert_eq!(zero.body["lines"], json!([]));
}

fn checkout_body(key: &str, method: &str) -> Value {
    json!({
        "email": "ann@example.com",
        "phone": "+33612345678",
        "shipping_address": {
            "name": "Ann Example", "line1": "1 rue de la Paix", "postcode": "75002",
            "city": "Paris", "country": "FR"
        },
        "shipping_method": method,
        "idempotency_key": key,
    })
}

#[tokio::test]
async fn a_checkout_is_priced_by_the_server_repeats_safely_and_orders_stay_private() {
    let (app, _) = spawn().await;
    rates(&app).await;
    person(&app, "ann", &[]).await;
    person(&app, "bob", &[]).await;
    let kitchen = shelf(&app, "Kitchen").await;
    let mug = item(&app, kitchen.id, "Mug", 1250, 10).await;
    let db = app.state().db();
    let ann = Client::login(&app, "ann").await;
    let bob = Client::login(&app, "bob").await;

    let empty = ann
        .post("/api/store/checkout/quotes/", json!({"country": "FR"}))
        .await;
    assert_eq!(empty.status, 409, "{}", empty.body);
    ann.post(
        "/api/store/cart/items/",
        json!({"product_id": mug.id, "quantity": 3}),
    )
    .await;
    let quotes = ann
        .post("/api/store/checkout/quotes/", json!({"country": "FR"}))
        .await;
    assert_eq!(quotes.status, 200, "{}", quotes.body);
    let quote = &quotes.body["quotes"][0];
    // 3 mugs: 37.50 + 4.90 shipping, 20 % tax on both = 8.48, total 50.88.
    assert_eq!(
        (
            &quote["price_cents"],
            &quote["tax_cents"],
            &quote["total_cents"]
        ),
        (&json!(490), &json!(848), &json!(5088))
    );
    let method = quote["id"].as_str().unwrap().to_owned();
    let nowhere = ann
        .post("/api/store/checkout/quotes/", json!({"country": "XX"}))
        .await;
    assert_eq!((nowhere.status, nowhere.fields()), (422, vec!["country"]));

    let mut bad = checkout_body("k1", &method);
    bad["email"] = json!("not-an-email");
    bad["shipping_address"]["city"] = json!("");
    bad["shipping_address"]["country"] = json!("XX");
    bad["total_cents"] = json!(1);
    let refused = ann.post("/api/store/checkout/", bad).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    for field in [
        "email",
        "shipping_address.city",
        "shipping_address.country",
        "total_cents",
    ] {
        assert!(
            refused.fields().contains(&field),
            "{field}: {}",
            refused.body
        );
    }
    let unknown_method = ann
        .post("/api/store/checkout/", checkout_body("k1", "table:999999"))
        .await;
    assert_eq!(unknown_method.fields(), ["shipping_method"]);
    assert_eq!(order::Entity::find().count(db).await.unwrap(), 0);

    let placed = ann
        .post("/api/store/checkout/", checkout_body("k1", &method))
        .await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    let number = placed.body["number"].as_str().unwrap().to_owned();
    let location = format!("/api/store/orders/{number}/");
    assert_eq!(placed.headers["location"], location.as_str());
    assert_eq!(placed.body["status"], "pending_payment");
    assert_eq!(
        (
            &placed.body["subtotal_cents"],
            &placed.body["shipping_cents"],
            &placed.body["tax_cents"],
            &placed.body["total_cents"]
        ),
        (&json!(3750), &json!(490), &json!(848), &json!(5088))
    );
    assert_eq!(placed.body["lines"][0]["quantity"], 3);
    assert_eq!(placed.body["shipping_address"]["country"], "FR");
    assert_eq!(placed.body["billing_address"]["city"], "Paris");
    assert_eq!(placed.body["timeline"][0]["status"], "pending_payment");
    assert_eq!(ann.get("/api/store/cart/").await.body["items"], 0);

    let again = ann
        .post("/api/store/checkout/", checkout_body("k1", &method))
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["number"], number.as_str());
    assert_eq!(again.headers["location"], location.as_str());
    assert_eq!(order::Entity::find().count(db).await.unwrap(), 1);
    let stock = product::Entity::find_by_id(mug.id).one(db).await.unwrap();
    assert_eq!(stock.unwrap().stock, 7, "reserved once");

    let empty_cart = ann
        .post("/api/store/checkout/", checkout_body("k2", &method))
        .await;
    assert_eq!(empty_cart.status, 409, "{}", empty_cart.body);

    let mine = ann.get("/api/store/orders/").await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.body["count"], 1);
    assert_eq!(mine.body["results"][0]["number"], number.as_str());
    assert_eq!(mine.body["results"][0]["items"], 3);
    let detail = ann.get(&location).await;
    assert_eq!(detail.status, 200);
    assert_eq!(detail.body["total_cents"], 5088);
    assert!(detail.body["tracking_number"].is_null());

    assert_eq!(bob.get(&location).await.status, 404);
    assert_eq!(bob.get("/api/store/orders/").await.body["count"], 0);
    assert_eq!(Client::anonymous(&app).get(&location).await.status, 401);
    assert_eq!(
        Client::anonymous(&app)
            .post("/api/store/checkout/", checkout_body("k3", &method))
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn a_product_sold_out_before_checkout_is_a_conflict_with_nothing_written() {
    let (app, _) = spawn().await;
    rates(&app).await;
    person(&app, "ann", &[]).await;
    let kitchen = shelf(&app, "Kitchen").await;
    let mug = item(&app, kitchen.id, "Mug", 1250, 2).await;
    let db = app.state().db();
    let ann = Client::login(&app, "ann").await;
    ann.post(
        "/api/store/cart/items/",
        json!({"product_id": mug.id, "quantity": 2}),
    )
    .await;
    let quotes = ann
        .post("/api/store/checkout/quotes/", json!({"country": "FR"}))
        .await;
    let method = quotes.body["quotes"][0]["id"].as_str().unwrap().to_owned();
    let mut gone: product::ActiveModel = mug.into();
    gone.stock = Set(0);
    gone.update(db).await.unwrap();

    let placed = ann
        .post("/api/store/checkout/", checkout_body("k1", &method))
        .await;
    // The cart drops the sold-out line as it is read, and says so.
    assert_eq!(placed.status, 409, "{}", placed.body);
    let detail = placed.body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("Mug is sold out"), "{detail}");
    assert_eq!(order::Entity::find().count(db).await.unwrap(), 0);
}

fn set_stock(product: &product::Model, stock: i32) -> product::ActiveModel {
    let mut row: product::ActiveModel = product.clone().into();
    row.stock = Set(stock);
    row
}

#[tokio::test]
async fn a_cart_cut_to_the_stock_is_a_conflict_saying_so_and_the_next_try_orders_what_is_left() {
    let (app, _) = spawn().await;
    rates(&app).await;
    person(&app, "ann", &[]).await;
    let kitchen = shelf(&app, "Kitchen").await;
    let mug = item(&app, kitchen.id, "Mug", 1250, 5).await;
    let db = app.state().db();
    let ann = Client::login(&app, "ann").await;
    ann.post(
        "/api/store/cart/items/",
        json!({"product_id": mug.id, "quantity": 3}),
    )
    .await;

    // Two mugs sold elsewhere before the quote: quoting three would price a cart ann no longer has.
    set_stock(&mug, 2).update(db).await.unwrap();
    let cut = ann
        .post("/api/store/checkout/quotes/", json!({"country": "FR"}))
        .await;
    assert_eq!(cut.status, 409, "{}", cut.body);
    assert!(
        cut.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/problem+json")
    );
    let detail = cut.body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("Only 2 of Mug are left"), "{detail}");
    let quotes = ann
        .post("/api/store/checkout/quotes/", json!({"country": "FR"}))
        .await;
    assert_eq!(quotes.status, 200, "asked again: {}", quotes.body);
    assert_eq!(quotes.body["quotes"][0]["subtotal_cents"], 2500);
    let method = quotes.body["quotes"][0]["id"].as_str().unwrap().to_owned();

    // One more sold between the quote and the checkout: no order for a cart ann did not see.
    set_stock(&mug, 1).update(db).await.unwrap();
    let refused = ann
        .post("/api/store/checkout/", checkout_body("k1", &method))
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    let detail = refused.body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("Only 1 of Mug is left"), "{detail}");
    assert_eq!(order::Entity::find().count(db).await.unwrap(), 0);
    let mug_now = product::Entity::find_by_id(mug.id).one(db).await.unwrap();
    assert_eq!(mug_now.unwrap().stock, 1, "nothing reserved");
    let cart = ann.get("/api/store/cart/").await;
    assert_eq!(cart.body["items"], 1, "the cart holds what is left");

    let placed = ann
        .post("/api/store/checkout/", checkout_body("k1", &method))
        .await;
    assert_eq!(
        placed.status, 201,
        "the same request again: {}",
        placed.body
    );
    assert_eq!(placed.body["lines"][0]["quantity"], 1);
    // 12.50 + 4.90 shipping, 20 % tax on both: 3.48.
    assert_eq!(
        (
            &placed.body["subtotal_cents"],
            &placed.body["tax_cents"],
            &placed.body["total_cents"]
        ),
        (&json!(1250), &json!(348), &json!(2088))
    );
}

#[tokio::test]
async fn the_browser_session_uses_the_store_api_with_its_csrf_header_and_nothing_without() {
    let (app, _) = spawn().await;
    rates(&app).await;
    let ann = person(&app, "ann", &[]).await;
    let kitchen = shelf(&app, "Kitchen").await;
    let mug = item(&app, kitchen.id, "Mug", 1250, 5).await;
    let db = app.state().db();
    let browser = logged_in(&app, "ann").await;
    let api = |method: Method, path: &str| browser.client.request(method, browser.url(path));
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    assert!(
        doc["paths"]["/api/store/checkout/"]["post"]["security"]
            .as_array()
            .unwrap()
            .contains(&json!({"SessionAuth": []})),
        "the document offers the session to the store API"
    );

    let read = send(api(Method::GET, "/api/store/cart/")).await;
    assert_eq!(read.status, 200, "reading needs no token: {}", read.body);

    let add = json!({"product_id": mug.id, "quantity": 2});
    let forged = send(api(Method::POST, "/api/store/cart/items/").json(&add)).await;
    assert_eq!(forged.status, 403, "no CSRF header: {}", forged.body);
    assert!(
        forged.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/problem+json")
    );
    let wrong = send(
        api(Method::POST, "/api/store/cart/items/")
            .header("x-csrf-token", "not-the-session-token")
            .json(&add),
    )
    .await;
    assert_eq!(wrong.status, 403, "a token of no session");
    assert_eq!(cart_rows(&app).await, 0, "refusals wrote nothing");

    let token = browser.csrf_token("/accounts/password/change/").await;
    let added = send(
        api(Method::POST, "/api/store/cart/items/")
            .header("x-csrf-token", &token)
            .json(&add),
    )
    .await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(added.body["items"], 2);
    let (_, cart_page) = browser.page("/store/cart/").await;
    assert!(cart_page.contains("Mug"), "the page shows the API's cart");

    let line = format!("/api/store/cart/items/{}/", mug.id);
    let set = send(api(Method::PUT, &line).json(&json!({"quantity": 5}))).await;
    assert_eq!(set.status, 403);
    let removed = send(api(Method::DELETE, &line)).await;
    assert_eq!(removed.status, 403);
    let quote =
        send(api(Method::POST, "/api/store/checkout/quotes/").json(&json!({"country": "FR"})))
            .await;
    assert_eq!(quote.status, 403);
    let cart = send(api(Method::GET, "/api/store/cart/")).await;
    assert_eq!(cart.body["items"], 2, "neither changed nor removed");

    let quotes = send(
        api(Method::POST, "/api/store/checkout/quotes/")
            .header("x-csrf-token", &token)
            .json(&json!({"country": "FR"})),
    )
    .await;
    assert_eq!(quotes.status, 200, "{}", quotes.body);
    let method = quotes.body["quotes"][0]["id"].as_str().unwrap().to_owned();
    let body = checkout_body("from-my-page", &method);
    let unsigned = send(api(Method::POST, "/api/store/checkout/").json(&body)).await;
    assert_eq!(unsigned.status, 403);
    assert_eq!(order::Entity::find().count(db).await.unwrap(), 0);
    let stock = product::Entity::find_by_id(mug.id).one(db).await.unwrap();
    assert_eq!(stock.unwrap().stock, 5, "nothing reserved");

    let placed = send(
        api(Method::POST, "/api/store/checkout/")
            .header("x-csrf-token", &token)
            .json(&body),
    )
    .await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    let number = placed.body["number"].as_str().unwrap();
    let stored = order::Entity::find().one(db).await.unwrap().unwrap();
    assert_eq!((stored.user_id, stored.number.as_str()), (ann.id, number));
    let (status, page) = browser.page(&format!("/store/orders/{number}/")).await;
    assert_eq!(status, 200, "the same session reads it as a page");
    assert!(page.contains(number));
}
