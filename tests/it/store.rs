//! The store module: its demo catalogue, and store managers keeping products, reviews and
//! shipping rates in the admin.

use bureau_core::sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use bureau_core::testing::TestApp;
use bureau_store::{category, product, review, shipping_rate};

use crate::support::{admin_login, person, spawn, spawn_with};

pub(crate) async fn shelf(app: &TestApp, name: &str) -> category::Model {
    category::ActiveModel {
        name: Set(name.to_owned()),
        slug: Set(name.to_lowercase()),
        description: Set(String::new()),
        parent_id: Set(None),
        ..Default::default()
    }
    .insert(app.state().db())
    .await
    .unwrap()
}

pub(crate) async fn item(
    app: &TestApp,
    category: i64,
    name: &str,
    price: i64,
    stock: i32,
) -> product::Model {
    let now = chrono::Utc::now().fixed_offset();
    product::ActiveModel {
        category_id: Set(category),
        name: Set(name.to_owned()),
        slug: Set(name.to_lowercase().replace(' ', "-")),
        sku: Set(format!("SKU-{}", name.to_uppercase().replace(' ', "-"))),
        description: Set(String::new()),
        price: Set(price),
        stock: Set(stock),
        weight_grams: Set(100),
        active: Set(true),
        rating_sum: Set(0),
        rating_count: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(app.state().db())
    .await
    .unwrap()
}

/// France: Standard at €4.90, free from €50.
pub(crate) async fn rates(app: &TestApp) {
    let db = app.state().db();
    let zone = bureau_store::shipping_zone::ActiveModel {
        name: Set("France".to_owned()),
        countries: Set("FR".to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    bureau_store::shipping_rate::ActiveModel {
        zone_id: Set(zone.id),
        name: Set("Standard".to_owned()),
        min_weight_grams: Set(0),
        max_weight_grams: Set(None),
        price: Set(490),
        free_above: Set(Some(5000)),
        active: Set(true),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
}

#[tokio::test]
async fn the_demo_store_has_a_category_tree_products_and_shipping_rates() {
    let (app, _) = spawn_with(|s| s.var("BUREAU_APP__LOAD_DEMO_FIXTURES", "true")).await;
    let db = app.state().db();
    assert_eq!(product::Entity::find().count(db).await.unwrap(), 288);
    let subs = category::Entity::find()
        .filter(category::Column::ParentId.is_not_null())
        .count(db)
        .await
        .unwrap();
    assert_eq!(subs, 12);
    assert!(shipping_rate::Entity::find().count(db).await.unwrap() >= 5);
    let picture = app.get("/static/store/kitchen.svg").await;
    assert_eq!(picture.status(), 200);
}

#[tokio::test]
async fn the_database_refuses_negative_stock_and_out_of_range_ratings() {
    let (app, _) = spawn().await;
    let ann = person(&app, "ann", &[]).await;
    let kitchen = shelf(&app, "Kitchen").await;
    let mug = item(&app, kitchen.id, "Mug", 1250, 1).await;
    let db = app.state().db();
    let mut row: product::ActiveModel = mug.clone().into();
    row.stock = Set(-1);
    assert!(row.update(db).await.is_err(), "stock below zero");
    let rating = |value: i16| review::ActiveModel {
        product_id: Set(mug.id),
        user_id: Set(ann.id),
        rating: Set(value),
        title: Set("Fine".to_owned()),
        body: Set(String::new()),
        status: Set(review::PENDING.to_owned()),
        created_at: Set(chrono::Utc::now().fixed_offset()),
        ..Default::default()
    };
    assert!(rating(6).insert(db).await.is_err());
    assert!(rating(0).insert(db).await.is_err());
    rating(5).insert(db).await.unwrap();
    assert!(
        rating(4).insert(db).await.is_err(),
        "one review per customer and product"
    );
}

#[tokio::test]
async fn managers_keep_products_with_prices_in_euros_and_filter_by_stock() {
    let (app, _) = spawn().await;
    person(&app, "meg", &["store_manager"]).await;
    person(&app, "stan", &["staff"]).await;
    let kitchen = shelf(&app, "Kitchen").await;
    item(&app, kitchen.id, "Sold out kettle", 3000, 0).await;
    item(&app, kitchen.id, "Last teapot", 4000, 2).await;
    let db = app.state().db();
    let meg = admin_login(&app, "meg").await;
    let category = kitchen.id.to_string();
    let form = |price: &'static str, stock: &'static str| {
        vec![
            ("name", "Blue mug"),
            ("slug", "blue-mug"),
            ("sku", "MUG-1"),
            ("category_id", category.as_str()),
            ("description", ""),
            ("price", price),
            ("stock", stock),
            ("weight_grams", "350"),
            ("active", "on"),
            ("images-TOTAL", "1"),
            ("images-0-position", "0"),
            ("images-0-url", "/static/store/kitchen.svg"),
            ("images-0-alt", "A blue mug"),
        ]
    };
    for (price, stock, message) in [
        ("-1", "5", "greater than or equal to 0"),
        ("12.505", "5", "no more than 2 decimal places"),
        ("twelve", "5", "Enter an amount"),
        ("99999999999999", "5", "at most"),
    ] {
        let refused = meg
            .fill("/admin/store/product/add/", &form(price, stock))
            .await;
        assert_eq!(refused.status(), 422, "{price}");
        let page = crate::support::html(&refused.text().await.unwrap());
        assert!(page.contains(message), "{price}: {page}");
    }
    assert_eq!(
        product::Entity::find().count(db).await.unwrap(),
        2,
        "nothing written"
    );
    let added = meg
        .fill("/admin/store/product/add/", &form("12.5", "40"))
        .await;
    assert_eq!(added.status(), 303, "{}", added.text().await.unwrap());
    let mug = product::Entity::find()
        .filter(product::Column::Sku.eq("MUG-1"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mug.price, 1250, "stored in cents");
    let (_, change) = meg
        .page(&format!("/admin/store/product/{}/change/", mug.id))
        .await;
    assert!(
        change.contains(r#"value="12.50""#),
        "shown in euros: {change}"
    );

    let (_, list) = meg.page("/admin/store/product/").await;
    assert!(list.contains("12.50") && list.contains("40.00"), "{list}");
    let (_, out) = meg.page("/admin/store/product/?stock__lte=0").await;
    assert!(
        out.contains("Sold out kettle") && !out.contains("Last teapot"),
        "{out}"
    );
    let (_, low) = meg
        .page("/admin/store/product/?stock__gte=1&stock__lte=5")
        .await;
    assert!(
        low.contains("Last teapot") && !low.contains("Blue mug"),
        "{low}"
    );
    assert!(
        list.contains("Low stock") && list.contains("Out of stock"),
        "the filter's bands"
    );
    let (status, _) = meg.page("/admin/store/product/?stock__gte=many").await;
    assert_eq!(status, 400);
    let csv = meg
        .get("/admin/store/product/export.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("12.50"), "{csv}");

    let ids = [mug.id.to_string()];
    let mut off = vec![("action", "deactivate"), ("confirm", "yes")];
    off.extend(ids.iter().map(|id| ("_selected", id.as_str())));
    let stan = admin_login(&app, "stan").await;
    let refused = stan
        .submit(
            "/admin/store/product/",
            "/admin/store/product/action/",
            &off,
        )
        .await;
    assert_eq!(refused.status(), 403, "staff look, managers sell");
    let done = meg
        .submit(
            "/admin/store/product/",
            "/admin/store/product/action/",
            &off,
        )
        .await;
    assert_eq!(done.status(), 303);
    let mug = product::Entity::find_by_id(mug.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert!(!mug.active);
}

#[tokio::test]
async fn approved_reviews_make_a_products_rating_whatever_changes_them() {
    let (app, _) = spawn().await;
    person(&app, "meg", &["store_manager"]).await;
    let kitchen = shelf(&app, "Kitchen").await;
    let mug = item(&app, kitchen.id, "Mug", 1250, 10).await;
    let db = app.state().db();
    let mut ids = Vec::new();
    for (name, stars) in [("ann", 5), ("bob", 3), ("cy", 1)] {
        let who = person(&app, name, &[]).await;
        let written = review::ActiveModel {
            product_id: Set(mug.id),
            user_id: Set(who.id),
            rating: Set(stars),
            title: Set(format!("{stars} stars")),
            body: Set(String::new()),
            status: Set(review::PENDING.to_owned()),
            created_at: Set(chrono::Utc::now().fixed_offset()),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        ids.push(written.id.to_string());
    }
    let rating = || async {
        let p = product::Entity::find_by_id(mug.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        (p.rating_sum, p.rating_count)
    };
    assert_eq!(rating().await, (0, 0), "pending reviews do not count");
    let meg = admin_login(&app, "meg").await;
    let mut approve = vec![("action", "approve"), ("confirm", "yes")];
    approve.extend(ids[..2].iter().map(|id| ("_selected", id.as_str())));
    let done = meg
        .submit(
            "/admin/store/review/",
            "/admin/store/review/action/",
            &approve,
        )
        .await;
    assert_eq!(done.status(), 303);
    assert_eq!(rating().await, (8, 2));
    let mut reject = vec![("action", "reject"), ("confirm", "yes")];
    reject.extend(ids[..1].iter().map(|id| ("_selected", id.as_str())));
    meg.submit(
        "/admin/store/review/",
        "/admin/store/review/action/",
        &reject,
    )
    .await;
    assert_eq!(rating().await, (3, 1));
    review::Entity::delete_many().exec(db).await.unwrap();
    assert_eq!(rating().await, (0, 0), "deleted by hand, still right");
}

#[test]
fn a_bad_tax_rate_or_payment_provider_stops_the_start_naming_the_key() {
    let message = crate::config::check_fails_with(&[("BUREAU_STORE__TAX_RATE", "20 percent")]);
    assert!(
        message.contains("BUREAU_STORE__TAX_RATE") && message.contains("percentage from 0 to 100"),
        "{message}"
    );
    let message = crate::config::check_fails_with(&[("BUREAU_STORE__PAYMENT_PROVIDER", "paypal")]);
    assert!(
        message.contains("BUREAU_STORE__PAYMENT_PROVIDER") && message.contains("sandbox"),
        "{message}"
    );
}
