//! The store's public catalogue and reviews: `/store/` with its filters, sorts and pages, a
//! product's page, and who may review what.

use bureau_core::sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use bureau_core::testing::TestApp;
use bureau_store::{category, order, order_line, product, product_image, review};

use crate::browser::{Browser, location};
use crate::support::{html, logged_in, person, spawn, spawn_with};

async fn shelf(app: &TestApp, name: &str, slug: &str, parent: Option<i64>) -> category::Model {
    category::ActiveModel {
        name: Set(name.to_owned()),
        slug: Set(slug.to_owned()),
        description: Set(String::new()),
        parent_id: Set(parent),
        ..Default::default()
    }
    .insert(app.state().db())
    .await
    .unwrap()
}

/// A product put on sale `age` minutes ago (so "newest" has a known order).
struct Item<'a> {
    category: i64,
    name: &'a str,
    price: i64,
    stock: i32,
    active: bool,
    age: i64,
}

impl<'a> Item<'a> {
    fn new(category: i64, name: &'a str, price: i64) -> Self {
        Self {
            category,
            name,
            price,
            stock: 10,
            active: true,
            age: 0,
        }
    }

    async fn insert(self, app: &TestApp) -> product::Model {
        let at = (chrono::Utc::now() - chrono::Duration::minutes(self.age)).fixed_offset();
        let slug: String = self
            .name
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        product::ActiveModel {
            category_id: Set(self.category),
            name: Set(self.name.to_owned()),
            sku: Set(format!("SKU-{}", slug.to_uppercase())),
            slug: Set(slug),
            description: Set(format!("All about the {}.", self.name)),
            price: Set(self.price),
            stock: Set(self.stock),
            weight_grams: Set(100),
            active: Set(self.active),
            rating_sum: Set(0),
            rating_count: Set(0),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
        .insert(app.state().db())
        .await
        .unwrap()
    }
}

async fn picture(app: &TestApp, product: i64, url: &str, alt: &str, position: i32) {
    product_image::ActiveModel {
        product_id: Set(product),
        url: Set(url.to_owned()),
        alt: Set(alt.to_owned()),
        position: Set(position),
        ..Default::default()
    }
    .insert(app.state().db())
    .await
    .unwrap();
}

async fn review_by(
    app: &TestApp,
    product: i64,
    user: i64,
    rating: i16,
    title: &str,
    status: &str,
) -> review::Model {
    review::ActiveModel {
        product_id: Set(product),
        user_id: Set(user),
        rating: Set(rating),
        title: Set(title.to_owned()),
        body: Set(format!("Body of {title}")),
        status: Set(status.to_owned()),
        created_at: Set(chrono::Utc::now().fixed_offset()),
        ..Default::default()
    }
    .insert(app.state().db())
    .await
    .unwrap()
}

/// An order of `user`'s in `status` with one line for `product`.
async fn order_of(app: &TestApp, user: i64, product: &product::Model, status: &str) {
    let db = app.state().db();
    let now = chrono::Utc::now().fixed_offset();
    let number = format!("T-{user}-{}-{status}", product.id);
    let placed = order::ActiveModel {
        number: Set(number.clone()),
        user_id: Set(user),
        idempotency_key: Set(number),
        status: Set(status.to_owned()),
        email: Set("buyer@example.com".to_owned()),
        phone: Set(String::new()),
        subtotal: Set(product.price),
        shipping: Set(0),
        tax: Set(0),
        total: Set(product.price),
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
    order_line::ActiveModel {
        order_id: Set(placed.id),
        product_id: Set(Some(product.id)),
        name: Set(product.name.clone()),
        sku: Set(product.sku.clone()),
        unit_price: Set(product.price),
        quantity: Set(1),
        line_total: Set(product.price),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
}

/// The page's status and text (entities undone), for an anonymous visitor.
async fn visit(app: &TestApp, path: &str) -> (u16, String) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    (status, html(&response.text().await.unwrap()))
}

/// The product names on a list page, in order.
fn names(page: &str) -> Vec<String> {
    let marker = "<span class=\"product-name\">";
    page.split(marker)
        .skip(1)
        .filter_map(|rest| rest.split_once("</span>").map(|(name, _)| name.to_owned()))
        .collect()
}

/// Statements the app ran for one request (reported in debug, which tests run with).
fn queries(response: &reqwest::Response) -> usize {
    response.headers()["x-bureau-queries"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn reviews_of(app: &TestApp, product: i64) -> Vec<review::Model> {
    review::Entity::find()
        .filter(review::Column::ProductId.eq(product))
        .all(app.state().db())
        .await
        .unwrap()
}

#[tokio::test]
async fn only_active_products_are_listed_and_shown() {
    let (app, _) = spawn().await;
    let kitchen = shelf(&app, "Kitchen", "kitchen", None).await;
    Item::new(kitchen.id, "Blue mug", 1250).insert(&app).await;
    let hidden = Item {
        active: false,
        ..Item::new(kitchen.id, "Secret mug", 999)
    }
    .insert(&app)
    .await;

    let (status, page) = visit(&app, "/store/").await;
    assert_eq!(status, 200);
    assert_eq!(names(&page), ["Blue mug"]);
    assert!(page.contains("1 product"), "{page}");
    assert!(page.contains("€12.50"), "price with its currency: {page}");
    assert!(
        page.contains(r#"href="/store/" aria-current="page">Store</a>"#),
        "the site nav has the store: {page}"
    );

    let (status, page) = visit(&app, "/store/p/blue-mug/").await;
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Blue mug</h1>"), "{page}");
    let (status, _) = visit(&app, &format!("/store/p/{}/", hidden.slug)).await;
    assert_eq!(status, 404, "an inactive product has no page");
    let (status, _) = visit(&app, "/store/p/no-such-thing/").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_category_lists_its_sub_categories_products_too() {
    let (app, _) = spawn().await;
    let kitchen = shelf(&app, "Kitchen", "kitchen", None).await;
    let mugs = shelf(&app, "Mugs", "kitchen-mugs", Some(kitchen.id)).await;
    let espresso = shelf(&app, "Espresso cups", "espresso", Some(mugs.id)).await;
    let office = shelf(&app, "Office", "office", None).await;
    Item::new(kitchen.id, "Pan", 3000).insert(&app).await;
    Item::new(mugs.id, "Blue mug", 1250).insert(&app).await;
    Item::new(espresso.id, "Tiny cup", 800).insert(&app).await;
    Item::new(office.id, "Stapler", 1500).insert(&app).await;

    let (_, page) = visit(&app, "/store/?category=kitchen&sort=name").await;
    assert_eq!(names(&page), ["Blue mug", "Pan", "Tiny cup"]);
    assert!(page.contains("<h1>Kitchen</h1>"), "{page}");
    let (_, page) = visit(&app, "/store/?category=kitchen-mugs&sort=name").await;
    assert_eq!(names(&page), ["Blue mug", "Tiny cup"], "two levels down");
    assert!(
        page.contains(r#"aria-current="page">Mugs</a>"#),
        "the sidebar marks the current category: {page}"
    );
    for name in ["Kitchen", "Mugs", "Espresso cups", "Office"] {
        assert!(page.contains(&format!(">{name}</a>")), "{name} in the tree");
    }
    let (_, page) = visit(&app, "/store/?category=espresso").await;
    assert_eq!(names(&page), ["Tiny cup"]);
    let (status, _) = visit(&app, "/store/?category=garden").await;
    assert_eq!(status, 404, "an unknown category");
}

#[tokio::test]
async fn price_bounds_are_inclusive_and_bad_prices_are_explained() {
    let (app, _) = spawn().await;
    let kitchen = shelf(&app, "Kitchen", "kitchen", None).await;
    for (name, price) in [("Ten", 1000), ("Twelve fifty", 1250), ("Twenty", 2000)] {
        Item::new(kitchen.id, name, price).insert(&app).await;
    }
    let (_, page) = visit(&app, "/store/?min_price=12.50&max_price=20&sort=price").await;
    assert_eq!(names(&page), ["Twelve fifty", "Twenty"]);
    let (_, page) = visit(&app, "/store/?max_price=12.5&sort=price").await;
    assert_eq!(names(&page), ["Ten", "Twelve fifty"]);
    let (_, page) = visit(&app, "/store/?min_price=20.01").await;
    assert!(names(&page).is_empty());
    assert!(page.contains("No product matches these filters"), "{page}");

    for (query, message) in [
        ("min_price=abc", "Enter an amount such as 12.50."),
        ("max_price=12,50", "Enter an amount such as 12.50."),
        ("min_price=-5", "greater than or equal to 0"),
        ("min_price=1.999", "no more than 2 decimal places"),
        ("min_price=99999999999999", "at most"),
        (
            "min_price=20&max_price=10",
            "The highest price is below the lowest.",
        ),
    ] {
        let (status, page) = visit(&app, &format!("/store/?{query}&sort=price")).await;
        assert_eq!(status, 200, "{query}");
        assert!(page.contains(message), "{query}: {page}");
        assert!(
            page.contains("This price filter is not applied."),
            "{query}"
        );
        assert!(page.contains(r#"aria-invalid="true""#), "{query}");
    }
    let (_, page) = visit(&app, "/store/?min_price=abc&max_price=12.50&sort=price").await;
    assert_eq!(
        names(&page),
        ["Ten", "Twelve fifty"],
        "the good bound still applies"
    );
    assert!(
        page.contains(r#"value="abc""#),
        "what was typed stays in the field"
    );
}

#[tokio::test]
async fn in_stock_hides_sold_out_products_and_cards_say_what_is_left() {
    let (app, _) = spawn().await;
    let kitchen = shelf(&app, "Kitchen", "kitchen", None).await;
    for (name, stock) in [("Gone", 0), ("Rare", 3), ("Plenty", 50)] {
        Item {
            stock,
            ..Item::new(kitchen.id, name, 1000)
        }
        .insert(&app)
        .await;
    }
    let (_, page) = visit(&app, "/store/?sort=name").await;
    assert_eq!(names(&page), ["Gone", "Plenty", "Rare"]);
    for text in ["Sold out", "Only 3 left", "In stock"] {
        assert!(page.contains(text), "{text}");
    }
    let (_, page) = visit(&app, "/store/?sort=name&in_stock=1").await;
    assert_eq!(names(&page), ["Plenty", "Rare"]);
    assert!(page.contains(r#"name="in_stock" value="1" checked"#));
}

#[tokio::test]
async fn every_sort_orders_the_list_and_unreviewed_products_come_last_by_rating() {
    let (app, _) = spawn().await;
    let kitchen = shelf(&app, "Kitchen", "kitchen", None).await;
    let ann = person(&app, "ann", &[]).await;
    let bob = person(&app, "bob", &[]).await;
    let oldest = Item {
        age: 40,
        ..Item::new(kitchen.id, "Cafetiere", 3000)
    }
    .insert(&app)
    .await;
    let older = Item {
        age: 30,
        ..Item::new(kitchen.id, "apron", 1500)
    }
    .insert(&app)
    .await;
    let newer = Item {
        age: 20,
        ..Item::new(kitchen.id, "Bowl", 900)
    }
    .insert(&app)
    .await;
    let newest = Item {
        age: 10,
        ..Item::new(kitchen.id, "Dish", 2000)
    }
    .insert(&app)
    .await;
    Item {
        age: 5,
        ..Item::new(kitchen.id, "Egg cup", 500)
    }
    .insert(&app)
    .await;
    // Averages: Bowl 5.0 (one review), Cafetiere 4.5, apron 2.0, Dish pending only, Egg cup none.
    review_by(&app, newer.id, ann.id, 5, "Great", review::APPROVED).await;
    review_by(&app, oldest.id, ann.id, 4, "Good", review::APPROVED).await;
    review_by(&app, oldest.id, bob.id, 5, "Great", review::APPROVED).await;
    review_by(&app, older.id, ann.id, 2, "Meh", review::APPROVED).await;
    review_by(&app, older.id, bob.id, 5, "Wait", review::PENDING).await;
    review_by(&app, newest.id, ann.id, 5, "Hidden", review::REJECTED).await;

    for (sort, expected) in [
        ("", ["Egg cup", "Dish", "Bowl", "apron", "Cafetiere"]),
        ("newest", ["Egg cup", "Dish", "Bowl", "apron", "Cafetiere"]),
        ("price", ["Egg cup", "Bowl", "apron", "Dish", "Cafetiere"]),
        ("-price", ["Cafetiere", "Dish", "apron", "Bowl", "Egg cup"]),
        ("name", ["apron", "Bowl", "Cafetiere", "Dish", "Egg cup"]),
        ("rating", ["Bowl", "Cafetiere", "apron", "Egg cup", "Dish"]),
        (
            "nonsense",
            ["Egg cup", "Dish", "Bowl", "apron", "Cafetiere"],
        ),
    ] {
        let (status, page) = visit(&app, &format!("/store/?sort={sort}")).await;
        assert_eq!(status, 200);
        assert_eq!(names(&page), expected, "sort={sort}");
    }
    let (_, page) = visit(&app, "/store/?sort=rating").await;
    assert!(page.contains("4.5 out of 5 (2 reviews)"), "{page}");
    assert!(page.contains("5.0 out of 5 (1 review)"), "{page}");
    assert!(page.contains("No reviews yet"), "{page}");
}

#[tokio::test]
async fn search_finds_names_ignoring_case() {
    let (app, _) = spawn().await;
    let kitchen = shelf(&app, "Kitchen", "kitchen", None).await;
    Item::new(kitchen.id, "Blue Mug", 1250).insert(&app).await;
    Item::new(kitchen.id, "MUG XL", 1500).insert(&app).await;
    Item::new(kitchen.id, "Teapot", 3000).insert(&app).await;
    Item::new(kitchen.id, "100% cotton apron", 1800)
        .insert(&app)
        .await;
    let (_, page) = visit(&app, "/store/?q=mug&sort=price").await;
    assert_eq!(names(&page), ["Blue Mug", "MUG XL"]);
    assert!(page.contains("2 products matching “mug”"), "{page}");
    let (_, page) = visit(&app, "/store/?q=%20TEAPOT%20").await;
    assert_eq!(names(&page), ["Teapot"]);
    let (_, page) = visit(&app, "/store/?q=%25").await;
    assert_eq!(names(&page), ["100% cotton apron"], "% is a letter here");
    let (_, page) = visit(&app, "/store/?q=kettle").await;
    assert!(names(&page).is_empty());
}

#[tokio::test]
async fn pages_keep_the_filters_in_their_links() {
    let (app, _) = spawn_with(|s| s.var("BUREAU_STORE__PER_PAGE", "2")).await;
    let kitchen = shelf(&app, "Kitchen", "kitchen", None).await;
    let office = shelf(&app, "Office", "office", None).await;
    for (i, name) in ["Mug A", "Mug B", "Mug C", "Mug D", "Mug E"]
        .into_iter()
        .enumerate()
    {
        Item::new(kitchen.id, name, 1000 + i as i64 * 100)
            .insert(&app)
            .await;
    }
    Item::new(office.id, "Office mug", 1200).insert(&app).await;

    let first = "/store/?category=kitchen&q=mug&min_price=10&in_stock=1&sort=price";
    let (_, page) = visit(&app, first).await;
    assert_eq!(names(&page), ["Mug A", "Mug B"]);
    let next = "/store/?category=kitchen&q=mug&min_price=10.00&in_stock=1&sort=price&page=2";
    assert!(
        page.contains(&format!(r#"href="{next}" rel="next""#)),
        "{page}"
    );
    assert!(page.contains("Page 1 of 3"));
    let (status, page) = visit(&app, next).await;
    assert_eq!(status, 200);
    assert_eq!(names(&page), ["Mug C", "Mug D"]);
    assert!(page.contains("rel=\"prev\""));
    let (_, page) = visit(&app, &next.replace("page=2", "page=3")).await;
    assert_eq!(names(&page), ["Mug E"]);
    assert!(!page.contains("rel=\"next\""));
    // The category links keep the search, the price and the sort, and start at page 1.
    assert!(
        page.contains(
            r#"href="/store/?category=office&q=mug&min_price=10.00&in_stock=1&sort=price""#
        ),
        "{page}"
    );
    for past in ["page=4", "page=0", "page=two"] {
        let (status, _) = visit(&app, &next.replace("page=2", past)).await;
        assert_eq!(status, 404, "{past}");
    }
}

#[tokio::test]
async fn a_page_costs_the_same_queries_for_one_product_or_twenty_four() {
    let (app, _) = spawn().await;
    let many = shelf(&app, "Many", "many", None).await;
    let one = shelf(&app, "One", "one", None).await;
    let ann = person(&app, "ann", &[]).await;
    for n in 0..24 {
        let name = format!("Item {n:02}");
        let item = Item::new(many.id, &name, 1000 + n).insert(&app).await;
        picture(&app, item.id, "/static/store/kitchen.svg", &name, 1).await;
        picture(&app, item.id, "/static/store/office.svg", &name, 0).await;
        review_by(&app, item.id, ann.id, 4, "Fine", review::APPROVED).await;
    }
    Item::new(one.id, "Single", 500).insert(&app).await;

    let browser = logged_in(&app, "ann").await;
    // The first page after login also shows (and so removes) the welcome message.
    browser.get("/store/").await;
    let full = browser.get("/store/?category=many").await;
    let full_queries = queries(&full);
    let page = html(&full.text().await.unwrap());
    assert_eq!(names(&page).len(), 24);
    assert_eq!(
        page.matches("/static/store/office.svg").count(),
        24,
        "each card shows its lowest-positioned picture"
    );
    assert!(!page.contains("/static/store/kitchen.svg"));
    let lone = browser.get("/store/?category=one").await;
    assert_eq!(queries(&lone), full_queries, "1 product costs what 24 cost");
    let page = html(&lone.text().await.unwrap());
    assert!(
        page.contains("no-picture"),
        "a product without pictures has the placeholder"
    );
    assert!(full_queries <= 8, "{full_queries} queries");
}

#[tokio::test]
async fn a_product_page_shows_its_place_pictures_and_approved_reviews() {
    let (app, _) = spawn().await;
    let kitchen = shelf(&app, "Kitchen", "kitchen", None).await;
    let mugs = shelf(&app, "Mugs", "kitchen-mugs", Some(kitchen.id)).await;
    let mug = Item {
        stock: 4,
        ..Item::new(mugs.id, "Blue mug", 123_450)
    }
    .insert(&app)
    .await;
    picture(&app, mug.id, "/static/store/kitchen.svg", "The mug", 0).await;
    picture(&app, mug.id, "https://example.com/side.png", "Its side", 1).await;
    picture(&app, mug.id, "javascript:alert(1)", "Nasty", 2).await;
    let ann = person(&app, "ann", &[]).await;
    let bob = person(&app, "bob", &[]).await;
    let cat = person(&app, "cat", &[]).await;
    review_by(&app, mug.id, ann.id, 5, "Lovely mug", review::APPROVED).await;
    review_by(&app, mug.id, bob.id, 3, "Waiting mug", review::PENDING).await;
    review_by(&app, mug.id, cat.id, 1, "Rejected mug", review::REJECTED).await;

    let (status, page) = visit(&app, "/store/p/blue-mug/").await;
    assert_eq!(status, 200);
    assert!(
        page.contains(r#"<li><a href="/store/?category=kitchen">Kitchen</a></li><li><a href="/store/?category=kitchen-mugs">Mugs</a></li>"#),
        "the breadcrumb names every ancestor: {page}"
    );
    assert!(page.contains(r#"src="/static/store/kitchen.svg" alt="The mug""#));
    assert!(page.contains(r#"src="https://example.com/side.png" alt="Its side""#));
    assert!(
        !page.contains("javascript:"),
        "unsafe picture addresses are left out"
    );
    assert!(page.contains("€1,234.50"));
    assert!(page.contains("SKU-BLUE-MUG"));
    assert!(page.contains("All about the Blue mug."));
    assert!(page.contains("Only 4 left"));
    assert!(page.contains("Lovely mug") && page.contains("By ann"));
    assert!(!page.contains("Waiting mug") && !page.contains("Rejected mug"));
    assert!(page.contains("5.0 out of 5 (1 review)"));

    // The add-to-cart form, for the cart to receive.
    assert!(page.contains(r#"<form method="post" action="/store/cart/add/""#));
    assert!(page.contains(&format!(
        r#"<input type="hidden" name="product" value="{}">"#,
        mug.id
    )));
    assert!(page.contains(r#"name="quantity" value="1" min="1" max="4""#));
    assert!(page.contains(r#"name="csrf_token" value=""#));
    mug_sold_out(&app, &mug).await;
    let (_, page) = visit(&app, "/store/p/blue-mug/").await;
    assert!(page.contains(r#"<button type="submit" disabled>Sold out</button>"#));
}

async fn mug_sold_out(app: &TestApp, mug: &product::Model) {
    let mut row: product::ActiveModel = mug.clone().into();
    row.stock = Set(0);
    row.update(app.state().db()).await.unwrap();
}

#[tokio::test]
async fn reviews_are_paged_newest_first() {
    let (app, _) = spawn().await;
    let kitchen = shelf(&app, "Kitchen", "kitchen", None).await;
    let mug = Item::new(kitchen.id, "Mug", 1000).insert(&app).await;
    let ann = person(&app, "ann", &[]).await;
    for n in 0..12 {
        let user = person(&app, &format!("user{n}"), &[]).await;
        let mut row: review::ActiveModel = review_by(
            &app,
            mug.id,
            user.id,
            4,
            &format!("Review {n:02}"),
            review::APPROVED,
        )
        .await
        .into();
        row.created_at = Set((chrono::Utc::now() - chrono::Duration::hours(24 - n)).fixed_offset());
        row.update(app.state().db()).await.unwrap();
    }
    let pan = Item::new(kitchen.id, "Pan", 2000).insert(&app).await;
    review_by(&app, pan.id, ann.id, 2, "Heavy", review::APPROVED).await;

    let ten = app.get("/store/p/mug/").await;
    let one = app.get("/store/p/pan/").await;
    assert_eq!(
        queries(&ten),
        queries(&one),
        "ten reviews and their authors cost what one costs"
    );
    let page = html(&ten.text().await.unwrap());
    assert!(page.contains("Reviews (12)"));
    assert!(page.contains("Review 11") && page.contains("Review 02"));
    assert!(!page.contains("Review 01"));
    assert!(
        page.find("Review 11") < page.find("Review 10"),
        "newest first"
    );
    assert!(page.contains(r#"href="/store/p/mug/?page=2#reviews" rel="next""#));
    let (_, page) = visit(&app, "/store/p/mug/?page=2").await;
    assert!(page.contains("Review 01") && page.contains("Review 00"));
    let (status, _) = visit(&app, "/store/p/mug/?page=3").await;
    assert_eq!(status, 404);
}

const REVIEW: [(&str, &str); 3] = [
    ("rating", "4"),
    ("title", "Holds tea well"),
    ("body", "Good handle.\nKeeps warm."),
];

#[tokio::test]
async fn only_customers_with_a_paid_order_may_review() {
    let (app, _) = spawn().await;
    let kitchen = shelf(&app, "Kitchen", "kitchen", None).await;
    let mug = Item::new(kitchen.id, "Mug", 1000).insert(&app).await;
    let other = Item::new(kitchen.id, "Pan", 3000).insert(&app).await;
    let path = "/store/p/mug/";
    let action = "/store/p/mug/review/";

    // Anonymous: a link to log in that comes back; a post goes to the login page.
    let anonymous = Browser::new(&app);
    let (_, page) = anonymous.page(path).await;
    assert!(
        page.contains(r#"<a href="/accounts/login/?next=%2Fstore%2Fp%2Fmug%2F%23review-form">Log in</a> to review"#),
        "{page}"
    );
    let response = anonymous.submit(path, action, &REVIEW).await;
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/accounts/login/?next="));

    // People whose orders are not paid, or who bought something else, cannot.
    let mut refused = Vec::new();
    for (name, status, product) in [
        ("nina", None, &mug),
        ("pam", Some("pending_payment"), &mug),
        ("carl", Some("cancelled"), &mug),
        ("rita", Some("refunded"), &mug),
        ("otto", Some("delivered"), &other),
    ] {
        let user = person(&app, name, &[]).await;
        if let Some(status) = status {
            order_of(&app, user.id, product, status).await;
        }
        let browser = logged_in(&app, name).await;
        let (_, page) = browser.page(path).await;
        assert!(
            page.contains("Only customers who bought this product can review it"),
            "{name}: {page}"
        );
        assert!(!page.contains("Write a review"), "{name}");
        let response = browser.submit(path, action, &REVIEW).await;
        assert_eq!(response.status(), 403, "{name}");
        refused.push(name);
    }

    // Paid, shipped and delivered orders make reviewers.
    for (name, status) in [("bea", "paid"), ("sam", "shipped"), ("dee", "delivered")] {
        let user = person(&app, name, &[]).await;
        order_of(&app, user.id, &mug, status).await;
        let browser = logged_in(&app, name).await;
        let (_, page) = browser.page(path).await;
        assert!(page.contains("Write a review"), "{name}: {page}");
        let response = browser.submit(path, action, &REVIEW).await;
        assert_eq!(response.status(), 303, "{name}");
    }
    let written = reviews_of(&app, mug.id).await;
    assert_eq!(
        written.len(),
        3,
        "only the buyers' reviews: {refused:?} wrote none"
    );
    assert!(reviews_of(&app, other.id).await.is_empty());
}

#[tokio::test]
async fn a_buyers_review_waits_for_a_moderator_and_a_second_one_is_refused() {
    let (app, _) = spawn().await;
    let kitchen = shelf(&app, "Kitchen", "kitchen", None).await;
    let mug = Item::new(kitchen.id, "Mug", 1000).insert(&app).await;
    let bea = person(&app, "bea", &[]).await;
    order_of(&app, bea.id, &mug, "paid").await;
    let path = "/store/p/mug/";
    let action = "/store/p/mug/review/";
    let browser = logged_in(&app, "bea").await;

    let (_, page) = browser.page(path).await;
    for radio in 1..=5 {
        assert!(
            page.contains(&format!(
                r#"<label><input type="radio" name="rating" value="{radio}" required>"#
            )),
            "rating {radio} as a labelled radio button: {page}"
        );
    }
    assert!(page.contains("<legend>Your rating</legend>"));
    assert!(page.contains(r#"<label for="id_title">Title</label>"#));
    assert!(page.contains(r#"<label for="id_body">"#));

    let response = browser.submit(path, action, &REVIEW).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/store/p/mug/#your-review");
    let (_, page) = browser.page(path).await;
    assert!(
        page.contains("Thanks — your review will appear once a moderator has read it."),
        "{page}"
    );
    assert!(page.contains("Awaiting moderation"), "{page}");
    assert!(page.contains("Holds tea well"));
    assert!(page.contains("You have already reviewed this product."));
    assert!(!page.contains("Write a review"));
    let written = reviews_of(&app, mug.id).await;
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].status, review::PENDING);
    assert_eq!(written[0].rating, 4);
    assert_eq!(written[0].body, "Good handle.\nKeeps warm.");

    let (_, public) = visit(&app, path).await;
    assert!(
        !public.contains("Holds tea well"),
        "pending reviews are private"
    );

    let again = browser
        .submit(
            path,
            action,
            &[("rating", "1"), ("title", "Changed my mind"), ("body", "")],
        )
        .await;
    assert_eq!(again.status(), 409);
    let page = html(&again.text().await.unwrap());
    assert!(page.contains("You have already reviewed this product."));
    assert_eq!(reviews_of(&app, mug.id).await.len(), 1);

    // Approved, it is public and counts in the product's rating.
    let mut row: review::ActiveModel = written[0].clone().into();
    row.status = Set(review::APPROVED.to_owned());
    row.update(app.state().db()).await.unwrap();
    let (_, public) = visit(&app, path).await;
    assert!(public.contains("Holds tea well") && public.contains("By bea"));
    assert!(public.contains("4.0 out of 5 (1 review)"));
    let (_, page) = browser.page(path).await;
    assert!(page.contains("Your review</span>") || page.contains(">Your review<"));
    assert!(page.contains("Published"));
}

#[tokio::test]
async fn two_reviews_sent_at_once_make_one() {
    let (app, _) = spawn().await;
    let kitchen = shelf(&app, "Kitchen", "kitchen", None).await;
    let mug = Item::new(kitchen.id, "Mug", 1000).insert(&app).await;
    let bea = person(&app, "bea", &[]).await;
    order_of(&app, bea.id, &mug, "delivered").await;
    let browser = logged_in(&app, "bea").await;
    let token = browser.csrf_token("/store/p/mug/").await;
    let send = |title: &'static str| {
        let fields = [
            ("csrf_token", token.clone()),
            ("rating", "5".to_owned()),
            ("title", title.to_owned()),
            ("body", String::new()),
        ];
        let request = browser
            .client
            .post(browser.url("/store/p/mug/review/"))
            .form(&fields);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let (a, b) = tokio::join!(send("First"), send("Second"));
    let mut statuses = [a, b];
    statuses.sort();
    assert_eq!(statuses, [303, 409], "one saved, one refused, no 500");
    assert_eq!(reviews_of(&app, mug.id).await.len(), 1);
}

#[tokio::test]
async fn a_review_with_mistakes_comes_back_with_what_was_typed() {
    let (app, _) = spawn().await;
    let kitchen = shelf(&app, "Kitchen", "kitchen", None).await;
    let mug = Item::new(kitchen.id, "Mug", 1000).insert(&app).await;
    let bea = person(&app, "bea", &[]).await;
    order_of(&app, bea.id, &mug, "shipped").await;
    let browser = logged_in(&app, "bea").await;
    let path = "/store/p/mug/";
    let action = "/store/p/mug/review/";

    let long_title = "t".repeat(201);
    let long_body = "b".repeat(5001);
    for (fields, messages) in [
        (
            vec![("title", "No stars"), ("body", "Kept body")],
            vec!["Choose a rating from 1 to 5 stars."],
        ),
        (
            vec![("rating", "9"), ("title", "   "), ("body", "Kept body")],
            vec![
                "Choose a rating from 1 to 5 stars.",
                "Give your review a title.",
            ],
        ),
        (
            vec![
                ("rating", "3"),
                ("title", long_title.as_str()),
                ("body", "Kept body"),
            ],
            vec!["no more than 200 characters (it has 201)"],
        ),
        (
            vec![
                ("rating", "3"),
                ("title", "Kept title"),
                ("body", &long_body),
            ],
            vec!["no more than 5000 characters (it has 5001)"],
        ),
    ] {
        let response = browser.submit(path, action, &fields).await;
        assert_eq!(response.status(), 422, "{fields:?}");
        let page = html(&response.text().await.unwrap());
        for message in messages {
            assert!(page.contains(message), "{message}: {page}");
        }
        assert!(page.contains("Your review is not sent yet"));
        assert!(page.contains(r#"aria-invalid="true""#));
        for (name, value) in &fields {
            if *name == "rating" && *value == "3" {
                assert!(
                    page.contains(r#"value="3" required checked"#),
                    "rating kept"
                );
            } else if *name == "title" && !value.trim().is_empty() {
                assert!(page.contains(&format!(r#"value="{value}""#)), "title kept");
            } else if *name == "body" {
                assert!(page.contains(&format!(">{value}</textarea>")), "body kept");
            }
        }
    }
    assert!(reviews_of(&app, mug.id).await.is_empty(), "nothing written");
}

#[tokio::test]
async fn markup_in_a_review_is_shown_as_text() {
    let (app, _) = spawn().await;
    let kitchen = shelf(&app, "Kitchen", "kitchen", None).await;
    let mug = Item::new(kitchen.id, "Mug", 1000).insert(&app).await;
    let bea = person(&app, "bea", &[]).await;
    order_of(&app, bea.id, &mug, "paid").await;
    let browser = logged_in(&app, "bea").await;
    let response = browser
        .submit(
            "/store/p/mug/",
            "/store/p/mug/review/",
            &[
                ("rating", "5"),
                ("title", "<script>alert('title')</script>"),
                ("body", "<img src=x onerror=alert('body')>\"quoted\""),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    review::Entity::update_many()
        .col_expr(
            review::Column::Status,
            bureau_core::sea_orm::sea_query::Expr::value(review::APPROVED),
        )
        .exec(app.state().db())
        .await
        .unwrap();
    for page in [
        app.get("/store/p/mug/").await.text().await.unwrap(),
        browser.get("/store/p/mug/").await.text().await.unwrap(),
    ] {
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(!page.contains("<img src=x"), "{page}");
        assert!(page.contains("&lt;script&gt;alert("), "{page}");
        assert!(page.contains("&lt;img src=x onerror=alert("), "{page}");
    }
    assert_eq!(
        review::Entity::find()
            .count(app.state().db())
            .await
            .unwrap(),
        1
    );
}
