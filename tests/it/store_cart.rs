//! The cart: guests and customers add, change and remove products; the server prices them and
//! holds them to the stock; a guest's cart joins the customer's at login.

use bureau_core::sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use bureau_store::{cart_item, product};

use crate::browser::Browser;
use crate::store::{item, shelf};
use crate::support::{PASSWORD, html, logged_in, person, spawn};

/// Posts to the cart as a guest (the login page carries the session's CSRF token).
async fn guest_post(browser: &Browser, action: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    browser.submit("/accounts/login/", action, fields).await
}

#[tokio::test]
async fn guests_fill_a_cart_priced_by_the_server_and_held_to_the_stock() {
    let (app, _) = spawn().await;
    let kitchen = shelf(&app, "Kitchen").await;
    let mug = item(&app, kitchen.id, "Mug", 1250, 3).await;
    let pot = item(&app, kitchen.id, "Teapot", 3999, 10).await;
    let guest = Browser::new(&app);
    let id = mug.id.to_string();
    let added = guest_post(
        &guest,
        "/store/cart/add/",
        &[("product", &id), ("quantity", "2"), ("price", "1")],
    )
    .await;
    assert_eq!(added.status(), 303);
    let (status, cart) = guest.page("/store/cart/").await;
    assert_eq!(status, 200);
    assert!(cart.contains("Added 2 × Mug to your cart."), "{cart}");
    assert!(
        cart.contains("€25.00"),
        "priced by the server, not the form: {cart}"
    );

    for (quantity, message) in [
        ("2", "Only 3 of Mug are left."),
        ("-1", "at least 1"),
        ("0", "at least 1"),
        ("99999999999999999999", "whole number"),
        ("abc", "whole number"),
        ("100", "At most 99"),
    ] {
        let refused = guest_post(
            &guest,
            "/store/cart/add/",
            &[("product", &id), ("quantity", quantity)],
        )
        .await;
        assert_eq!(refused.status(), 303);
        let (_, cart) = guest.page("/store/cart/").await;
        assert!(cart.contains(message), "{quantity}: {cart}");
        assert!(cart.contains("€25.00"), "unchanged after {quantity}");
    }
    for product in ["999999", "x", ""] {
        guest_post(
            &guest,
            "/store/cart/add/",
            &[("product", product), ("quantity", "1")],
        )
        .await;
        let (_, cart) = guest.page("/store/cart/").await;
        assert!(
            cart.contains("not on sale") || cart.contains("does not exist"),
            "{product}: {cart}"
        );
    }
    let pot_id = pot.id.to_string();
    guest_post(
        &guest,
        "/store/cart/add/",
        &[("product", &pot_id), ("quantity", "1")],
    )
    .await;
    guest_post(
        &guest,
        "/store/cart/update/",
        &[("product", &id), ("quantity", "3")],
    )
    .await;
    let (_, cart) = guest.page("/store/cart/").await;
    assert!(cart.contains("€77.49"), "3 × 12.50 + 39.99: {cart}");
    guest_post(
        &guest,
        "/store/cart/update/",
        &[("product", &id), ("quantity", "4")],
    )
    .await;
    let (_, cart) = guest.page("/store/cart/").await;
    assert!(
        cart.contains("Only 3 of Mug are left.") && cart.contains("€77.49"),
        "{cart}"
    );
    guest_post(&guest, "/store/cart/remove/", &[("product", &pot_id)]).await;
    let (_, cart) = guest.page("/store/cart/").await;
    assert!(
        cart.contains("€37.50") && !cart.contains("Teapot"),
        "{cart}"
    );

    // The stock falls under what the cart holds: the cart follows, and says so once.
    let mut row: product::ActiveModel = mug.clone().into();
    row.stock = Set(1);
    row.update(app.state().db()).await.unwrap();
    let (_, cart) = guest.page("/store/cart/").await;
    assert!(
        cart.contains("Only 1 of Mug is left") && cart.contains("€12.50"),
        "{cart}"
    );
    let (_, again) = guest.page("/store/cart/").await;
    assert!(!again.contains("Only 1 of Mug is left"), "{again}");
    let mut row: product::ActiveModel = mug.clone().into();
    row.active = Set(false);
    row.update(app.state().db()).await.unwrap();
    let (_, cart) = guest.page("/store/cart/").await;
    assert!(
        cart.contains("no longer on sale") && cart.contains("Your cart is empty"),
        "{cart}"
    );
}

#[tokio::test]
async fn a_guests_cart_joins_the_customers_at_login() {
    let (app, _) = spawn().await;
    let ann = person(&app, "ann", &[]).await;
    let kitchen = shelf(&app, "Kitchen").await;
    let mug = item(&app, kitchen.id, "Mug", 1250, 5).await;
    let pot = item(&app, kitchen.id, "Teapot", 3999, 10).await;
    let db = app.state().db();
    // Ann left a mug in her cart on another device.
    cart_item::ActiveModel {
        user_id: Set(ann.id),
        product_id: Set(mug.id),
        quantity: Set(4),
        added_at: Set(chrono::Utc::now().fixed_offset()),
    }
    .insert(db)
    .await
    .unwrap();
    let browser = Browser::new(&app);
    let (mug_id, pot_id) = (mug.id.to_string(), pot.id.to_string());
    guest_post(
        &browser,
        "/store/cart/add/",
        &[("product", &mug_id), ("quantity", "3")],
    )
    .await;
    guest_post(
        &browser,
        "/store/cart/add/",
        &[("product", &pot_id), ("quantity", "1")],
    )
    .await;
    let login = browser
        .fill(
            "/accounts/login/",
            &[("login", "ann"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(login.status(), 303);
    let mut items = cart_item::Entity::find()
        .filter(cart_item::Column::UserId.eq(ann.id))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|i| (i.product_id, i.quantity))
        .collect::<Vec<_>>();
    items.sort();
    assert_eq!(
        items,
        [(mug.id, 5), (pot.id, 1)],
        "4 + 3 mugs, as far as the stock goes"
    );
    let (_, cart) = browser.page("/store/cart/").await;
    assert!(
        cart.contains("Teapot") && cart.contains("€102.49"),
        "{cart}"
    );

    // The guest cart is gone from the session: logging out leaves an empty cart.
    browser
        .submit("/store/cart/", "/accounts/logout/", &[])
        .await;
    let (_, cart) = browser.page("/store/cart/").await;
    assert!(cart.contains("Your cart is empty"), "{}", html(&cart));
    // And another customer's browser sees only their own cart.
    person(&app, "bob", &[]).await;
    let bob = logged_in(&app, "bob").await;
    let (_, cart) = bob.page("/store/cart/").await;
    assert!(cart.contains("Your cart is empty"));
}
