//! Steps every journey shares: the people in it, logging them in, and what a page tells them.

use cucumber::{given, then};

use crate::features::world::{Journey, Who};
use crate::support::person;

#[given(expr = "the account {string}")]
async fn account(world: &mut Journey, username: String) {
    person(world.app(), &username, &[]).await;
}

#[given(expr = "the accounts {string} and {string}")]
async fn accounts(world: &mut Journey, first: String, second: String) {
    for username in [first, second] {
        person(world.app(), &username, &[]).await;
    }
}

#[given(expr = "the moderator {string}")]
async fn moderator(world: &mut Journey, username: String) {
    person(world.app(), &username, &["moderator"]).await;
}

#[given(expr = "the store manager {string}")]
async fn store_manager(world: &mut Journey, username: String) {
    person(world.app(), &username, &["store_manager"]).await;
}

/// Staff with the default `staff` role: they may look at most things in the admin, and change
/// nothing.
#[given(expr = "the staff member {string}")]
async fn staff_member(world: &mut Journey, username: String) {
    person(world.app(), &username, &["staff"]).await;
}

#[given(expr = "I am logged in as {string}")]
async fn logged_in_as(world: &mut Journey, username: String) {
    world.log_in_as(&username).await;
}

#[then(expr = "{who} am/is told {string}")]
async fn told(world: &mut Journey, who: Who, message: String) {
    let reply = world.last(&who);
    let messages = reply.messages();
    assert!(
        messages.iter().any(|m| m.contains(&message)),
        "{message:?} is not among the page's messages {messages:?} (HTTP {} at {})",
        reply.status,
        reply.at
    );
}

#[then(expr = "the form is refused with {string}")]
async fn form_refused(world: &mut Journey, message: String) {
    let reply = world.last(&Who::Me);
    assert_eq!(reply.status, 422, "{}", reply.page());
    assert!(reply.page().contains(&message), "{}", reply.page());
}

#[then(expr = "{who} am/is refused")]
async fn refused(world: &mut Journey, who: Who) {
    let reply = world.last(&who);
    assert_eq!(reply.status, 403, "{}", reply.page());
}

#[then(expr = "{who} am/is refused with {string}")]
async fn refused_with(world: &mut Journey, who: Who, message: String) {
    let reply = world.last(&who);
    assert_eq!(reply.status, 403, "{}", reply.page());
    assert!(reply.page().contains(&message), "{}", reply.page());
}

#[then("the page is not found")]
async fn not_found(world: &mut Journey) {
    let reply = world.last(&Who::Me);
    assert_eq!(reply.status, 404, "{}", reply.page());
}
