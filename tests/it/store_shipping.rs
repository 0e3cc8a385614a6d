//! Shipping quotes from the store's table of zones and rates, a chosen quote found and priced again
//! at checkout, and the admin's checks of zones and rates.

use std::sync::Arc;

use bureau_core::sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};
use bureau_core::testing::TestApp;
use bureau_store::shipping::{Parcel, Quote, ShippingRateProvider, TableRates};
use bureau_store::{shipping_rate, shipping_zone};

use crate::support::{admin_login, html, person, spawn};

async fn zone(app: &TestApp, name: &str, countries: &str) -> i64 {
    shipping_zone::ActiveModel {
        name: Set(name.to_owned()),
        countries: Set(countries.to_owned()),
        ..Default::default()
    }
    .insert(app.state().db())
    .await
    .unwrap()
    .id
}

/// An active rate of `zone` for parcels from `min` grams (included) to `max` (excluded).
fn rate(
    zone: i64,
    name: &str,
    min: i32,
    max: Option<i32>,
    price: i64,
) -> shipping_rate::ActiveModel {
    shipping_rate::ActiveModel {
        zone_id: Set(zone),
        name: Set(name.to_owned()),
        min_weight_grams: Set(min),
        max_weight_grams: Set(max),
        price: Set(price),
        free_above: Set(None),
        active: Set(true),
        ..Default::default()
    }
}

async fn add(app: &TestApp, rate: shipping_rate::ActiveModel) -> shipping_rate::Model {
    rate.insert(app.state().db()).await.unwrap()
}

fn parcel(country: &str, weight_grams: i64, subtotal: i64) -> Parcel {
    Parcel {
        country: country.to_owned(),
        weight_grams,
        subtotal,
    }
}

async fn quotes(app: &TestApp, parcel: &Parcel) -> Vec<Quote> {
    TableRates
        .quotes(app.state().db().into(), parcel)
        .await
        .unwrap()
}

async fn quote(app: &TestApp, parcel: &Parcel, id: &str) -> Option<Quote> {
    TableRates
        .quote(app.state().db().into(), parcel, id)
        .await
        .unwrap()
}

/// Each quote as `(name, price)`, in the order given.
async fn offered(app: &TestApp, country: &str, weight: i64, subtotal: i64) -> Vec<(String, i64)> {
    quotes(app, &parcel(country, weight, subtotal))
        .await
        .into_iter()
        .map(|q| (q.name, q.price))
        .collect()
}

fn priced(list: &[(&str, i64)]) -> Vec<(String, i64)> {
    list.iter().map(|(n, p)| ((*n).to_owned(), *p)).collect()
}

#[tokio::test]
async fn a_flat_rate_is_quoted_with_an_id_checkout_can_post_back() {
    let (app, _) = spawn().await;
    let france = zone(&app, "France", "FR").await;
    let standard = add(&app, rate(france, "Standard", 0, None, 490)).await;

    // Held as checkout holds its providers.
    let provider: Arc<dyn ShippingRateProvider> = Arc::new(TableRates);
    assert_eq!(provider.name(), "table");
    let parcel = parcel("FR", 1200, 3000);
    let quotes = provider
        .quotes(app.state().db().into(), &parcel)
        .await
        .unwrap();
    assert_eq!(
        quotes,
        vec![Quote {
            id: format!("table:{}", standard.id),
            provider: "table",
            rate_id: Some(standard.id),
            name: "Standard".to_owned(),
            price: 490,
            free: false,
        }]
    );
    assert_eq!(
        offered(&app, "fr", 1200, 3000).await,
        priced(&[("Standard", 490)]),
        "a country code in lower case is still the country"
    );

    // Inside a transaction too, as an order being placed reads it.
    let txn = bureau_core::sea_orm::TransactionTrait::begin(app.state().db())
        .await
        .unwrap();
    let again = provider
        .quote((&txn).into(), &parcel, &quotes[0].id)
        .await
        .unwrap();
    assert_eq!(again.as_ref(), quotes.first());
    txn.commit().await.unwrap();
}

#[tokio::test]
async fn weight_bands_include_their_minimum_and_exclude_their_maximum() {
    let (app, _) = spawn().await;
    let france = zone(&app, "France", "FR").await;
    add(&app, rate(france, "Light", 0, Some(1000), 500)).await;
    add(&app, rate(france, "Medium", 1000, Some(5000), 900)).await;
    add(&app, rate(france, "Heavy", 5000, None, 1500)).await;
    add(
        &app,
        shipping_rate::ActiveModel {
            active: Set(false),
            ..rate(france, "Retired", 0, None, 100)
        },
    )
    .await;

    for (weight, name, price) in [
        (0, "Light", 500),
        (999, "Light", 500),
        (1000, "Medium", 900),
        (4999, "Medium", 900),
        (5000, "Heavy", 1500),
        (30_000_000, "Heavy", 1500),
    ] {
        assert_eq!(
            offered(&app, "FR", weight, 0).await,
            priced(&[(name, price)]),
            "{weight} g; the inactive rate is never offered"
        );
    }

    add(&app, rate(france, "Express", 0, None, 1200)).await;
    add(&app, rate(france, "Courier", 0, None, 1200)).await;
    assert_eq!(
        offered(&app, "FR", 1000, 0).await,
        priced(&[("Medium", 900), ("Courier", 1200), ("Express", 1200)]),
        "by price, then by name"
    );
    assert_eq!(
        offered(&app, "FR", 5000, 0).await,
        priced(&[("Courier", 1200), ("Express", 1200), ("Heavy", 1500)]),
    );
}

#[tokio::test]
async fn shipping_is_free_from_the_threshold_exactly() {
    let (app, _) = spawn().await;
    let france = zone(&app, "France", "FR").await;
    add(
        &app,
        shipping_rate::ActiveModel {
            free_above: Set(Some(5000)),
            ..rate(france, "Standard", 0, None, 490)
        },
    )
    .await;
    add(&app, rate(france, "Express", 0, None, 1290)).await;

    let at = quotes(&app, &parcel("FR", 800, 5000)).await;
    assert_eq!(
        at.iter()
            .map(|q| (q.name.as_str(), q.price, q.free))
            .collect::<Vec<_>>(),
        [("Standard", 0, true), ("Express", 1290, false)]
    );
    let below = quotes(&app, &parcel("FR", 800, 4999)).await;
    assert_eq!(
        below
            .iter()
            .map(|q| (q.name.as_str(), q.price, q.free))
            .collect::<Vec<_>>(),
        [("Standard", 490, false), ("Express", 1290, false)]
    );
}

#[tokio::test]
async fn a_countrys_own_zone_wins_over_the_star_zone_and_the_first_zone_over_later_ones() {
    let (app, _) = spawn().await;
    let france = zone(&app, "France", "FR").await;
    add(&app, rate(france, "Standard", 0, Some(2000), 490)).await;
    let europe = zone(&app, "Europe", "BE,DE,LU").await;
    add(&app, rate(europe, "Europe", 0, None, 890)).await;
    let world = zone(&app, "World", "*").await;
    add(&app, rate(world, "International", 0, None, 1990)).await;

    assert_eq!(
        offered(&app, "FR", 500, 0).await,
        priced(&[("Standard", 490)])
    );
    assert_eq!(
        offered(&app, "DE", 500, 0).await,
        priced(&[("Europe", 890)])
    );
    assert_eq!(
        offered(&app, "US", 500, 0).await,
        priced(&[("International", 1990)])
    );
    assert_eq!(
        offered(&app, "FR", 2500, 0).await,
        priced(&[]),
        "too heavy for France's rates: no falling back to the world's"
    );
    for garbage in ["", "F", "FRA", "F1", "1A", "É", "F ", " FR", "*"] {
        assert_eq!(
            offered(&app, garbage, 500, 0).await,
            priced(&[]),
            "{garbage:?} names no country"
        );
    }

    // The admin cannot see other zones when one is saved, so a country may end up in two: the
    // zone with the lowest id counts, and so does the first `*` zone.
    let again = zone(&app, "France again", "FR").await;
    add(&app, rate(again, "Cheaper", 0, None, 100)).await;
    let world_again = zone(&app, "World again", "*").await;
    add(&app, rate(world_again, "Cheaper", 0, None, 100)).await;
    assert_eq!(
        offered(&app, "FR", 500, 0).await,
        priced(&[("Standard", 490)])
    );
    assert_eq!(
        offered(&app, "US", 500, 0).await,
        priced(&[("International", 1990)])
    );

    shipping_zone::Entity::delete_by_id(world)
        .exec(app.state().db())
        .await
        .unwrap();
    shipping_zone::Entity::delete_by_id(world_again)
        .exec(app.state().db())
        .await
        .unwrap();
    assert_eq!(
        offered(&app, "US", 500, 0).await,
        priced(&[]),
        "no zone names it and there is no `*` zone: we do not ship there"
    );
}

#[tokio::test]
async fn a_chosen_quote_is_found_again_and_priced_for_the_parcel_as_it_is_now() {
    let (app, _) = spawn().await;
    let db = app.state().db();
    let france = zone(&app, "France", "FR").await;
    let standard = add(
        &app,
        shipping_rate::ActiveModel {
            free_above: Set(Some(5000)),
            ..rate(france, "Standard", 0, Some(2000), 490)
        },
    )
    .await;
    let world = zone(&app, "World", "*").await;
    let international = add(&app, rate(world, "International", 0, None, 1990)).await;

    let chosen = quotes(&app, &parcel("FR", 1000, 4999)).await.remove(0);
    assert_eq!(chosen.id, format!("table:{}", standard.id));
    assert_eq!(
        quote(&app, &parcel("FR", 1000, 4999), &chosen.id).await,
        Some(chosen.clone())
    );
    let free = quote(&app, &parcel("FR", 1000, 5000), &chosen.id)
        .await
        .unwrap();
    assert_eq!((free.price, free.free), (0, true), "the cart grew");
    let not_free = quote(&app, &parcel("FR", 1000, 4999), &chosen.id)
        .await
        .unwrap();
    assert_eq!((not_free.price, not_free.free), (490, false), "and shrank");
    assert_eq!(
        quote(&app, &parcel("FR", 2000, 4999), &chosen.id).await,
        None,
        "the parcel outgrew the rate's band"
    );
    assert_eq!(
        quote(&app, &parcel("US", 1000, 4999), &chosen.id).await,
        None,
        "a rate of another zone than the address's"
    );
    assert_eq!(
        quote(
            &app,
            &parcel("FR", 1000, 4999),
            &format!("table:{}", international.id)
        )
        .await,
        None,
        "the world's rate is not France's"
    );

    let mut dearer: shipping_rate::ActiveModel = standard.clone().into();
    dearer.price = Set(590);
    let dearer = dearer.update(db).await.unwrap();
    assert_eq!(
        quote(&app, &parcel("FR", 1000, 0), &chosen.id)
            .await
            .map(|q| q.price),
        Some(590),
        "priced from the table now, not from what was shown"
    );
    let mut retired: shipping_rate::ActiveModel = dearer.into();
    retired.active = Set(false);
    retired.update(db).await.unwrap();
    assert_eq!(quote(&app, &parcel("FR", 1000, 0), &chosen.id).await, None);

    let anywhere = parcel("US", 1000, 0);
    let id = international.id;
    for garbage in [
        String::new(),
        "table".to_owned(),
        "table:".to_owned(),
        "table:abc".to_owned(),
        format!("table:+{id}"),
        format!("table:0{id}"),
        format!("table:{id} "),
        format!("table:{}", id + 1000),
        format!("ups:{id}"),
        format!("{id}"),
        "table:99999999999999999999999".to_owned(),
        "'; DROP TABLE store_shipping_rate; --".to_owned(),
    ] {
        assert_eq!(quote(&app, &anywhere, &garbage).await, None, "{garbage:?}");
    }
    assert!(
        quote(&app, &anywhere, &format!("table:{id}"))
            .await
            .is_some()
    );
}

#[tokio::test]
async fn managers_are_refused_bad_country_lists_and_weight_bands() {
    let (app, _) = spawn().await;
    let db = app.state().db();
    person(&app, "meg", &["store_manager"]).await;
    let meg = admin_login(&app, "meg").await;

    let zone_form = |countries: &'static str| {
        vec![
            ("name", "Benelux"),
            ("countries", countries),
            ("rates-TOTAL", "0"),
        ]
    };
    for (countries, message) in [
        (
            "fr,be",
            "Write country codes in capitals: FR rather than fr.",
        ),
        ("FRA", "\"FRA\" is not a country code."),
        ("FR,,BE", "An empty entry is not a country code."),
        ("BE,*", "Enter \"*\" alone"),
        ("BE,NL,BE", "BE is listed twice."),
    ] {
        let refused = meg
            .fill("/admin/store/shipping_zone/add/", &zone_form(countries))
            .await;
        assert_eq!(refused.status(), 422, "{countries}");
        let page = html(&refused.text().await.unwrap());
        assert!(page.contains(message), "{countries}: {page}");
    }
    assert_eq!(shipping_zone::Entity::find().count(db).await.unwrap(), 0);
    let added = meg
        .fill("/admin/store/shipping_zone/add/", &zone_form("BE,NL,LU"))
        .await;
    assert_eq!(added.status(), 303, "{}", added.text().await.unwrap());
    let world = meg
        .fill("/admin/store/shipping_zone/add/", &zone_form("*"))
        .await;
    assert_eq!(world.status(), 303, "{}", world.text().await.unwrap());
    let benelux = shipping_zone::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .find(|z| z.countries == "BE,NL,LU")
        .unwrap();

    let zone_id = benelux.id.to_string();
    let rate_form = |min: &'static str, max: &'static str, free_above: &'static str| {
        vec![
            ("zone_id", zone_id.clone()),
            ("name", "Standard".to_owned()),
            ("min_weight_grams", min.to_owned()),
            ("max_weight_grams", max.to_owned()),
            ("price", "8.90".to_owned()),
            ("free_above", free_above.to_owned()),
            ("active", "on".to_owned()),
        ]
    };
    for (min, max, free_above, message) in [
        (
            "1000",
            "1000",
            "",
            "Enter more than the minimum weight (1000 g)",
        ),
        (
            "1000",
            "500",
            "",
            "Enter more than the minimum weight (1000 g)",
        ),
        ("-5", "", "", "Enter a weight of 0 grams or more."),
        ("0", "", "-1", "greater than or equal to 0"),
    ] {
        let form = rate_form(min, max, free_above);
        let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = meg.fill("/admin/store/shipping_rate/add/", &fields).await;
        assert_eq!(
            refused.status(),
            422,
            "{min}..{max} free above {free_above}"
        );
        let page = html(&refused.text().await.unwrap());
        assert!(page.contains(message), "{min}..{max}: {page}");
    }
    assert_eq!(shipping_rate::Entity::find().count(db).await.unwrap(), 0);
    for (min, max, free_above) in [("0", "2000", "100.00"), ("2000", "", "")] {
        let form = rate_form(min, max, free_above);
        let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let added = meg.fill("/admin/store/shipping_rate/add/", &fields).await;
        assert_eq!(added.status(), 303, "{}", added.text().await.unwrap());
    }
    assert_eq!(
        offered(&app, "NL", 1999, 10_000).await,
        priced(&[("Standard", 0)]),
        "what the admin saved is what checkout quotes"
    );
    assert_eq!(
        offered(&app, "NL", 2000, 10_000).await,
        priced(&[("Standard", 890)])
    );
}

#[tokio::test]
async fn a_zones_rates_are_edited_on_its_page_in_money_checked_and_only_by_those_allowed() {
    let (app, _) = spawn().await;
    let db = app.state().db();
    person(&app, "meg", &["store_manager"]).await;
    let meg = admin_login(&app, "meg").await;
    let zone = |bad_band: bool| {
        vec![
            ("name", "Alps"),
            ("countries", "CH,AT"),
            ("rates-TOTAL", "2"),
            ("rates-0-name", "Standard"),
            ("rates-0-min_weight_grams", "0"),
            ("rates-0-max_weight_grams", "2000"),
            ("rates-0-price", "6.50"),
            ("rates-0-free_above", "80"),
            ("rates-0-active", "on"),
            ("rates-1-name", "Heavy"),
            ("rates-1-min_weight_grams", "2000"),
            (
                "rates-1-max_weight_grams",
                if bad_band { "1500" } else { "" },
            ),
            ("rates-1-price", "14.90"),
            ("rates-1-free_above", ""),
            ("rates-1-active", "on"),
        ]
    };

    let refused = meg
        .fill("/admin/store/shipping_zone/add/", &zone(true))
        .await;
    assert_eq!(refused.status(), 422);
    let page = html(&refused.text().await.unwrap());
    assert!(
        page.contains("Enter more than the minimum weight (2000 g)") && page.contains("14.90"),
        "the row's error, next to what was typed: {page}"
    );
    assert_eq!(shipping_zone::Entity::find().count(db).await.unwrap(), 0);
    assert_eq!(shipping_rate::Entity::find().count(db).await.unwrap(), 0);

    let added = meg
        .fill("/admin/store/shipping_zone/add/", &zone(false))
        .await;
    assert_eq!(added.status(), 303, "{}", added.text().await.unwrap());
    let rates = shipping_rate::Entity::find().all(db).await.unwrap();
    let mut saved: Vec<(&str, i64, Option<i64>)> = rates
        .iter()
        .map(|r| (r.name.as_str(), r.price, r.free_above))
        .collect();
    saved.sort();
    assert_eq!(
        saved,
        [("Heavy", 1490, None), ("Standard", 650, Some(8000))]
    );
    let alps = shipping_zone::Entity::find()
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let change = format!("/admin/store/shipping_zone/{}/change/", alps.id);
    let (_, page) = meg.page(&change).await;
    assert!(page.contains("6.50") && page.contains("80.00"), "{page}");

    // Allowed to rename zones, not to touch their rates: a rate smuggled in the form is refused
    // and the rename with it.
    let zed = person(&app, "zed", &["staff"]).await;
    let rbac = app.state().rbac();
    rbac.grant(db, "zone_editor", "store.shipping_zone", "change")
        .await
        .unwrap();
    rbac.assign(db, zed.id, "zone_editor").await.unwrap();
    let zed = admin_login(&app, "zed").await;
    let version = crate::support::input(&zed.page(&change).await.1, "_version");
    let smuggled = zed
        .fill(
            &change,
            &[
                ("_version", &version),
                ("name", "Alpine"),
                ("countries", "CH,AT"),
                ("rates-TOTAL", "1"),
                ("rates-0-name", "Free for all"),
                ("rates-0-min_weight_grams", "0"),
                ("rates-0-price", "0"),
                ("rates-0-active", "on"),
            ],
        )
        .await;
    assert_eq!(smuggled.status(), 403);
    assert_eq!(shipping_rate::Entity::find().count(db).await.unwrap(), 2);
    let alps = shipping_zone::Entity::find()
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alps.name, "Alps", "nothing written");
    let renamed = zed
        .fill(
            &change,
            &[
                ("_version", &version),
                ("name", "Alpine"),
                ("countries", "CH,AT"),
                ("rates-TOTAL", "0"),
            ],
        )
        .await;
    assert_eq!(renamed.status(), 303, "{}", renamed.text().await.unwrap());
}
