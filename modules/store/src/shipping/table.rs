//! The built-in provider: the zones and rates store managers keep in the admin
//! (`store_shipping_zone`, `store_shipping_rate`), and the checks their panels make.

use bureau_core::{FieldErrors, Result};
use sea_orm::{
    ColumnTrait, Condition, DatabaseExecutor, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Map, Value as Json};

use super::{BoxFuture, Parcel, Quote, ShippingRateProvider};
use crate::entities::{shipping_rate, shipping_zone};

/// The provider's name, and the prefix of its quote ids.
const NAME: &str = "table";

/// In a zone's list, every country no other zone names.
const EVERYWHERE: &str = "*";

/// Quotes from the shipping rates kept in the admin.
///
/// The parcel's zone is the one whose list names its country, else the `*` zone; with neither,
/// there is no quote. When two zones name the same country (or two are `*`), the one with the
/// lowest id counts: the admin's validators see one row at a time and cannot refuse the second,
/// so the choice is made here, the same way every time. The zone's quotes are its active rates
/// whose weight band holds the parcel (minimum included, maximum excluded, no maximum meaning no
/// upper bound), free when the subtotal reaches the rate's `free_above`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TableRates;

impl ShippingRateProvider for TableRates {
    fn name(&self) -> &'static str {
        NAME
    }

    fn quotes<'a>(
        &'a self,
        db: DatabaseExecutor<'a>,
        parcel: &'a Parcel,
    ) -> BoxFuture<'a, Result<Vec<Quote>>> {
        Box::pin(quotes(db, parcel, None))
    }

    fn quote<'a>(
        &'a self,
        db: DatabaseExecutor<'a>,
        parcel: &'a Parcel,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Quote>>> {
        Box::pin(async move {
            let Some(rate_id) = rate_id(id) else {
                return Ok(None);
            };
            // The same search as `quotes`, narrowed to the rate: a rate that stopped fitting the
            // parcel (another country, weight or subtotal) is found or priced exactly as the list
            // would show it now.
            Ok(quotes(db, parcel, Some(rate_id)).await?.pop())
        })
    }
}

/// The quotes for `parcel`, of rate `only` when given: one query for the zones (a short table),
/// one for the chosen zone's rates.
async fn quotes(
    db: DatabaseExecutor<'_>,
    parcel: &Parcel,
    only: Option<i64>,
) -> Result<Vec<Quote>> {
    let Some(country) = country_code(&parcel.country) else {
        return Ok(Vec::new());
    };
    let zones: Vec<(i64, String)> = shipping_zone::Entity::find()
        .select_only()
        .column(shipping_zone::Column::Id)
        .column(shipping_zone::Column::Countries)
        .order_by_asc(shipping_zone::Column::Id)
        .into_tuple()
        .all(&db)
        .await?;
    let Some(zone) = zone_of(&country, &zones) else {
        return Ok(Vec::new());
    };
    let mut rates = shipping_rate::Entity::find()
        .filter(shipping_rate::Column::ZoneId.eq(zone))
        .filter(shipping_rate::Column::Active.eq(true))
        .filter(shipping_rate::Column::MinWeightGrams.lte(parcel.weight_grams))
        .filter(
            Condition::any()
                .add(shipping_rate::Column::MaxWeightGrams.is_null())
                .add(shipping_rate::Column::MaxWeightGrams.gt(parcel.weight_grams)),
        );
    if let Some(id) = only {
        rates = rates.filter(shipping_rate::Column::Id.eq(id));
    }
    let mut quotes: Vec<Quote> = rates
        .all(&db)
        .await?
        .into_iter()
        .map(|rate| priced(rate, parcel.subtotal))
        .collect();
    // By the price the customer pays, which free shipping changes, so not in SQL; the rate id
    // last keeps two rates of the same name and price in one order.
    quotes.sort_by(|a, b| (a.price, &a.name, a.rate_id).cmp(&(b.price, &b.name, b.rate_id)));
    Ok(quotes)
}

fn priced(rate: shipping_rate::Model, subtotal: i64) -> Quote {
    let free = rate
        .free_above
        .is_some_and(|threshold| subtotal >= threshold);
    Quote {
        id: format!("{NAME}:{}", rate.id),
        provider: NAME,
        rate_id: Some(rate.id),
        name: rate.name,
        price: if free { 0 } else { rate.price },
        free,
    }
}

/// The rate a quote id names: `table:3`, spelled exactly as `priced` writes it.
fn rate_id(id: &str) -> Option<i64> {
    let key = id.strip_prefix(NAME)?.strip_prefix(':')?;
    let rate_id: i64 = key.parse().ok()?;
    // `parse` also takes `+3` and `03`; an id has one spelling.
    (rate_id > 0 && key == rate_id.to_string()).then_some(rate_id)
}

/// Two ASCII letters, upper-cased; anything else names no country.
fn country_code(country: &str) -> Option<String> {
    (country.len() == 2 && country.bytes().all(|b| b.is_ascii_alphabetic()))
        .then(|| country.to_ascii_uppercase())
}

/// The zone for `country` among `zones` (ordered by id): the first that names it, else the first
/// `*` zone. Lists are read leniently (spaces, lower case), as rows loaded from fixtures were never
/// checked by the admin.
fn zone_of(country: &str, zones: &[(i64, String)]) -> Option<i64> {
    let entries = |countries: &str| -> Vec<String> {
        countries
            .split(',')
            .map(|entry| entry.trim().to_ascii_uppercase())
            .collect()
    };
    let named = zones
        .iter()
        .find(|(_, countries)| entries(countries).iter().any(|c| c == country));
    named
        .or_else(|| {
            zones
                .iter()
                .find(|(_, countries)| entries(countries).iter().any(|c| c == EVERYWHERE))
        })
        .map(|(id, _)| *id)
}

/// The zone panel's check: `countries` is `*`, or two-letter codes in capitals separated by
/// commas. That no country is in two zones cannot be checked here (a validator sees one row, not
/// the table); `TableRates` settles it by zone id.
pub(crate) fn check_zone(row: &Map<String, Json>, errors: &mut FieldErrors) {
    if let Some(Json::String(countries)) = row.get("countries")
        && let Err(message) = countries_list(countries)
    {
        errors.add("countries", message);
    }
}

fn countries_list(countries: &str) -> std::result::Result<(), String> {
    let entries: Vec<&str> = countries.split(',').map(str::trim).collect();
    if entries.contains(&EVERYWHERE) {
        if entries.len() > 1 {
            return Err(
                "Enter \"*\" alone: it already means every country no other zone names.".to_owned(),
            );
        }
        return Ok(());
    }
    let mut seen: Vec<&str> = Vec::new();
    for entry in entries {
        if entry.len() != 2 || !entry.bytes().all(|b| b.is_ascii_alphabetic()) {
            let what = if entry.is_empty() {
                "An empty entry".to_owned()
            } else {
                format!("\"{entry}\"")
            };
            return Err(format!(
                "{what} is not a country code. Enter two-letter ISO codes separated by commas \
                 (FR,BE,LU), or \"*\" for every country no other zone names."
            ));
        }
        if entry.bytes().any(|b| b.is_ascii_lowercase()) {
            return Err(format!(
                "Write country codes in capitals: {} rather than {entry}.",
                entry.to_ascii_uppercase()
            ));
        }
        if seen.contains(&entry) {
            return Err(format!("{entry} is listed twice."));
        }
        seen.push(entry);
    }
    Ok(())
}

/// The rate panel's check: weights are not negative, a band's maximum is above its minimum, and
/// the free-shipping threshold is not negative.
pub(crate) fn check_rate(row: &Map<String, Json>, errors: &mut FieldErrors) {
    let number = |column: &str| row.get(column).and_then(Json::as_i64);
    let min = number("min_weight_grams");
    if min.is_some_and(|min| min < 0) {
        errors.add("min_weight_grams", "Enter a weight of 0 grams or more.");
    }
    if let (Some(min), Some(max)) = (min, number("max_weight_grams"))
        && max <= min
    {
        errors.add(
            "max_weight_grams",
            format!(
                "Enter more than the minimum weight ({min} g): a rate applies from its minimum \
                 weight, included, up to its maximum, excluded. Leave it empty for no upper limit."
            ),
        );
    }
    if number("free_above").is_some_and(|free| free < 0) {
        errors.add("free_above", "Enter an amount of 0 or more.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_ids_have_one_spelling() {
        assert_eq!(rate_id("table:3"), Some(3));
        for garbage in [
            "",
            "table",
            "table:",
            "table:x",
            "table:+3",
            "table:03",
            "table:-3",
            "table:0",
            "table: 3",
            "table:3 ",
            "Table:3",
            "stripe:3",
            "3",
            "table:3:4",
            "table:99999999999999999999",
        ] {
            assert_eq!(rate_id(garbage), None, "{garbage:?}");
        }
    }

    #[test]
    fn country_lists_are_star_alone_or_capital_codes() {
        for good in ["*", "FR", "FR,BE,LU", "FR, BE"] {
            assert_eq!(countries_list(good), Ok(()), "{good}");
        }
        for (bad, message) in [
            ("FR,*", "alone"),
            ("fr", "capitals: FR rather than fr"),
            ("FRA", "\"FRA\" is not a country code"),
            ("FR,,BE", "An empty entry"),
            ("FR,", "An empty entry"),
            ("F1", "not a country code"),
            ("FR,BE,FR", "FR is listed twice"),
        ] {
            let refused = countries_list(bad).expect_err(bad);
            assert!(refused.contains(message), "{bad}: {refused}");
        }
    }
}
