//! `features/admin.feature`: moderators hide reported posts, store managers ship paid orders, and
//! staff without those roles are refused.

use bureau_core::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use bureau_store::order;
use cucumber::{then, when};

use crate::features::steps::store::latest_order;
use crate::features::world::{Journey, Who, text_of};

const POSTS: &str = "/admin/forum/post/";

#[when(expr = "{who} open(s) the moderation queue")]
async fn queue(world: &mut Journey, who: Who) {
    world
        .visit(&who, "/admin/forum/report/?resolved=false")
        .await;
}

#[then(expr = "the queue lists the report {string} about {string}")]
async fn queue_lists(world: &mut Journey, reason: String, title: String) {
    let reply = world.latest();
    assert_eq!(reply.status, 200, "{}", reply.page());
    let page = reply.page();
    let row = page
        .split("<tr>")
        .filter_map(|row| row.split("</tr>").next())
        .find(|row| row.contains(&reason))
        .unwrap_or_else(|| panic!("no report {reason} in {page}"));
    assert!(text_of(row).starts_with(&title), "{row}");
}

/// Selects the post in the posts list, found by a search for its title, and runs "hide" on it.
#[when(expr = "{who} hide(s) the post {string} in the admin")]
async fn hide(world: &mut Journey, who: Who, title: String) {
    let query = serde_urlencoded::to_string([("q", &title)]).unwrap();
    let list = format!("{POSTS}?{query}");
    let page = world.visit(&who, &list).await.page();
    let checkbox = page
        .find(&format!("aria-label=\"Select {title}\""))
        .unwrap_or_else(|| panic!("{title} cannot be selected: {page}"));
    let value = page[..checkbox].rfind("value=\"").expect("the row's id") + "value=\"".len();
    let id = page[value..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned();
    let action = format!("{POSTS}action/");
    let form = [("action", "hide"), ("confirm", "yes"), ("_selected", &id)];
    world.submit(&who, &list, &action, &form).await;
}

/// The request the hide action's form would send, though the list offers it no such action.
#[when(expr = "{who} tries/try to hide the post {string} in the admin")]
async fn try_to_hide(world: &mut Journey, who: Who, title: String) {
    let id = world.posts[&title].to_string();
    let action = format!("{POSTS}action/");
    let form = [("action", "hide"), ("confirm", "yes"), ("_selected", &id)];
    world.submit(&who, POSTS, &action, &form).await;
}

/// The admin page of `customer`'s latest order, by the order's id, as a bookmark would open it
/// (the order list links to it too; tests/it/store_checkout.rs follows that link).
async fn order_page(world: &Journey, customer: &Who) -> String {
    let number = latest_order(world, customer);
    let found = order::Entity::find()
        .filter(order::Column::Number.eq(&number))
        .one(world.app().state().db())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no order {number}"));
    format!("/admin/store/order/{}/change/", found.id)
}

#[when(expr = "{who} open(s) the order of {who} in the admin")]
async fn open_order(world: &mut Journey, who: Who, customer: Who) {
    let number = latest_order(world, &customer);
    let listed = world
        .visit(&who, &format!("/admin/store/order/?status=paid&q={number}"))
        .await
        .text();
    assert!(listed.contains(&number), "{listed}");
    let page = order_page(world, &customer).await;
    world.visit(&who, &page).await;
}

#[when(expr = "{who} mark(s) it shipped with {string} and the tracking number {string}")]
async fn ship(world: &mut Journey, who: Who, carrier: String, tracking: String) {
    let page = world.last(&who).page();
    let marker = "\">Mark shipped</a>";
    let at = page
        .find(marker)
        .unwrap_or_else(|| panic!("no Mark shipped on {page}"));
    let link = page[..at].rfind("href=\"").expect("the action's link") + "href=\"".len();
    let action = page[link..at].to_owned();
    let fields = [
        ("carrier", carrier.as_str()),
        ("tracking_number", &tracking),
    ];
    world.submit(&who, &action, &action, &fields).await;
}

/// The request the ship form would send, though the order's page offers no such action.
#[when(
    expr = "{who} tries/try to mark the order of {who} shipped with {string} and the tracking number {string}"
)]
async fn try_to_ship(
    world: &mut Journey,
    who: Who,
    customer: Who,
    carrier: String,
    tracking: String,
) {
    let page = order_page(world, &customer).await;
    let action = page.replace("/change/", "/action/ship/");
    let fields = [
        ("carrier", carrier.as_str()),
        ("tracking_number", &tracking),
    ];
    world.submit(&who, &page, &action, &fields).await;
}

#[then(expr = "{who} see(s) no {string} on the order")]
async fn no_action(world: &mut Journey, who: Who, label: String) {
    let reply = world.last(&who);
    assert_eq!(reply.status, 200, "{}", reply.page());
    let text = reply.text();
    assert!(text.contains("Order"), "{text}");
    assert!(!text.contains(&label), "{text}");
}
