//! Property tests of what the admin reads from people: whatever a submitted form or a list's
//! query string holds, parsing ends in values or messages (never a panic), a parsed form holds
//! only values its columns can store, and a list's SQL names only the table's own columns, with
//! every value typed in bound as a parameter.

use std::collections::{BTreeSet, HashMap};

use proptest::prelude::*;
use sea_orm::DbBackend;
use sea_orm::sea_query::ColumnType;
use serde_json::Value as Json;

use super::AdminPanel;
use super::forms;
use super::query::{self, Seek};
use super::views::list::list_query;
use crate::FieldErrors;

mod sample {
    use sea_orm::entity::prelude::*;

    /// One column of each kind a form or a filter treats differently.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "sample_item")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        #[sea_orm(column_type = "String(StringLen::N(20))")]
        pub title: String,
        #[sea_orm(column_type = "Text", nullable)]
        pub body: Option<String>,
        pub status: String,
        pub count: i32,
        pub small: i16,
        pub big: i64,
        pub flag: bool,
        #[sea_orm(column_type = "Decimal(Some((6, 2)))")]
        pub price: Decimal,
        pub day: Date,
        pub at: DateTimeWithTimeZone,
        pub parent_id: Option<i32>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

fn panel() -> AdminPanel {
    AdminPanel::of::<sample::Entity>()
        .list_display([
            "title",
            "status",
            "count",
            "flag",
            "day",
            "at",
            "parent_id__title",
        ])
        .search_fields(["title", "body"])
        .list_filter(["flag", "count", "status", "day", "at", "parent_id"])
        .choices("status", ["draft", "published"])
        .ordering(["-at"])
        .readonly_fields(["big"])
}

const CASES: u32 = 400;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        // A failure prints its minimal input; no regression files in the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Text as forms and query strings carry it: values of the right shape, values just past the
/// edges, SQL and markup, and anything at all.
fn text() -> impl Strategy<Value = String> {
    let shaped = prop::sample::select(vec![
        "",
        " ",
        "0",
        "-1",
        "1",
        "on",
        "true",
        "false",
        "draft",
        "published",
        "12.5",
        "9999.99",
        "10000",
        "0.001",
        "2147483647",
        "2147483648",
        "-32769",
        "9223372036854775808",
        "1e3",
        "NaN",
        "inf",
        "2026-11-23",
        "2026-02-30",
        "2026-11-23T10:30",
        "2026-11-23T10:30:00",
        "-at",
        "title,-id",
        "id",
        "parent_id__title",
        "body",
        "last",
        "x' OR '1'='1",
        "\"; DROP TABLE sample_item; --",
        "`id`",
        "%_\\",
        "\u{0}",
        "<script>",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ])
    .prop_map(str::to_owned);
    prop_oneof![
        3 => shaped,
        2 => "[ -~]{0,24}",
        1 => any::<String>().prop_map(|s| s.chars().take(24).collect()),
    ]
}

/// A field or parameter name: the table's columns with the suffixes filters read, the list's own
/// parameters, and names that are none of these.
fn name() -> impl Strategy<Value = String> {
    let columns: Vec<String> = panel()
        .model()
        .columns
        .iter()
        .map(|c| c.name.clone())
        .collect();
    let known = prop::sample::select(columns).prop_flat_map(|column| {
        prop::sample::select(vec!["", "__gte", "__lte", "__isnull", "__in", "__title"])
            .prop_map(move |suffix| format!("{column}{suffix}"))
    });
    let list = prop::sample::select(vec!["q", "o", "p", "after", "before", "_selected"])
        .prop_map(str::to_owned);
    prop_oneof![3 => known, 2 => list, 1 => "[a-z_]{1,12}"]
}

/// `o=`: columns of the list and of the table, and other names, each maybe descending.
fn ordering() -> impl Strategy<Value = String> {
    let mut names: Vec<String> = panel().columns().to_vec();
    names.extend(panel().model().columns.iter().map(|c| c.name.clone()));
    let term = (
        any::<bool>(),
        prop_oneof![4 => prop::sample::select(names), 1 => "[a-z_]{0,8}"],
    )
        .prop_map(|(descending, name)| format!("{}{name}", if descending { "-" } else { "" }));
    prop::collection::vec(term, 1..4).prop_map(|terms| terms.join(","))
}

fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    let pair = prop_oneof![
        4 => (name(), text()),
        1 => ordering().prop_map(|o| ("o".to_owned(), o)),
    ];
    prop::collection::vec(pair, 0..10)
}

/// Integer limits of a column type, as forms enforce them.
fn integer_range(column_type: &ColumnType) -> Option<(i64, i64)> {
    Some(match column_type {
        ColumnType::SmallInteger => (i16::MIN.into(), i16::MAX.into()),
        ColumnType::Integer => (i32::MIN.into(), i32::MAX.into()),
        ColumnType::BigInteger => (i64::MIN, i64::MAX),
        _ => return None,
    })
}

/// Whether `value` is something `column_type` stores.
fn fits(column_type: &ColumnType, nullable: bool, value: &Json) -> bool {
    if value.is_null() {
        return nullable;
    }
    if let Some((min, max)) = integer_range(column_type) {
        return value.as_i64().is_some_and(|n| (min..=max).contains(&n));
    }
    match (column_type, value) {
        (ColumnType::Boolean, Json::Bool(_)) => true,
        (ColumnType::String(sea_orm::sea_query::StringLen::N(max)), Json::String(s)) => {
            s.chars().count() <= *max as usize
        }
        (ColumnType::String(_) | ColumnType::Text, Json::String(_)) => true,
        (ColumnType::Decimal(Some((digits, places))), Json::String(s)) => {
            s.parse::<sea_orm::prelude::Decimal>().is_ok_and(|d| {
                let whole = d.trunc().abs().to_string().trim_start_matches('0').len() as u32;
                d.scale() <= *places && whole <= digits - places
            })
        }
        (ColumnType::Date, Json::String(s)) => {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
        }
        (ColumnType::TimestampWithTimeZone, Json::String(s)) => {
            chrono::DateTime::parse_from_rfc3339(s).is_ok()
        }
        _ => false,
    }
}

/// Identifiers a statement names: `"…"` on PostgreSQL and SQLite, `` `…` `` on MySQL.
fn identifiers(sql: &str, quote: char) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut parts = sql.split(quote);
    parts.next();
    while let Some(name) = parts.next() {
        names.insert(name.to_owned());
        parts.next();
    }
    names
}

proptest! {
    #![proptest_config(config())]

    /// Every writable column ends as a value it can store or a message naming it, and nothing
    /// else: no read-only column, no unknown field, no message about a field that is not there.
    #[test]
    fn a_parsed_form_holds_only_values_its_columns_store(fields in pairs(), adding: bool) {
        let panel = panel();
        let form: HashMap<String, String> = fields.into_iter().collect();
        let mut errors = FieldErrors::new();

        let row = forms::parse(&panel, &form, adding, &mut errors);

        let writable: Vec<_> = forms::columns(&panel)
            .into_iter()
            .filter(|c| !forms::is_readonly(&panel, c, adding))
            .collect();
        for column in &writable {
            let value = row.get(&column.name);
            prop_assert!(
                value.is_some() != errors.has(&column.name),
                "{}: value {:?}, errors {:?}", column.name, value, errors
            );
            if let Some(value) = value {
                prop_assert!(
                    fits(&column.column_type, column.nullable, value),
                    "{} ({:?}) holds {:?}", column.name, column.column_type, value
                );
            }
        }
        let names: BTreeSet<&str> = writable.iter().map(|c| c.name.as_str()).collect();
        prop_assert!(row.keys().all(|k| names.contains(k.as_str())), "{:?}", row);
        prop_assert!(errors.iter().all(|e| names.contains(e.field.as_str())), "{:?}", errors);
        if let Some(Json::String(status)) = row.get("status") {
            prop_assert!(status == "draft" || status == "published", "{}", status);
        }
    }

    /// A value a column holds comes back unchanged through its input: what the change form
    /// shows is what saving it unchanged writes.
    #[test]
    fn a_value_survives_its_input(count: i32, small: i16, flag: bool, title in "[a-zA-Z0-9][a-zA-Z0-9 ]{0,19}") {
        let panel = panel();
        let model = panel.model();
        let values = [
            ("count", Json::from(count)),
            ("small", Json::from(small)),
            ("flag", Json::Bool(flag)),
            ("title", Json::String(title)),
        ];
        let form: HashMap<String, String> = values
            .iter()
            .filter_map(|(name, value)| {
                let column = model.column(name)?;
                Some(((*name).to_owned(), forms::to_input(column, value)))
            })
            .collect();
        let mut errors = FieldErrors::new();

        let row = forms::parse(&panel, &form, true, &mut errors);

        for (name, value) in &values {
            prop_assert_eq!(row.get(*name), Some(value), "{:?}", errors);
        }
    }

    /// Any query string makes a list query or a client error (400, 404); the statement it makes,
    /// whatever page link comes with it, names only the table and its columns on every backend,
    /// and carries no typed-in text but as bound values.
    #[test]
    fn a_list_query_string_names_only_the_tables_columns(
        params in pairs(),
        seek in prop::option::of(prop::collection::vec(
            prop_oneof![
                Just(Json::Null),
                any::<i64>().prop_map(Json::from),
                any::<bool>().prop_map(Json::from),
                text().prop_map(Json::from),
            ],
            0..4,
        )),
        backwards: bool,
    ) {
        let panel = panel();
        let model = panel.model();
        let mut allowed: BTreeSet<String> = model.columns.iter().map(|c| c.name.clone()).collect();
        allowed.insert(model.table.clone());

        let mut list = match list_query(&panel, &params) {
            Ok(list) => list,
            Err(error) => {
                prop_assert!(error.status().is_client_error(), "{} for {:?}", error, params);
                return Ok(());
            }
        };
        list.seek = seek.map(|key| if backwards { Seek::Before(key) } else { Seek::After(key) });

        for (backend, quote) in [
            (DbBackend::Postgres, '"'),
            (DbBackend::Sqlite, '"'),
            (DbBackend::MySql, '`'),
        ] {
            let Ok(select) = query::page_select(model, &list, backend) else {
                continue; // a value the column cannot hold: answered 400
            };
            let sql = backend.build(&select).sql;
            let named = identifiers(&sql, quote);
            prop_assert!(named.is_subset(&allowed), "{:?} names {:?}", backend, named.difference(&allowed).collect::<Vec<_>>());
            // Typed-in text is bound, never spliced: the only literal is LIKE's escape character.
            let literals: Vec<&str> = sql.split('\'').skip(1).step_by(2).collect();
            prop_assert!(literals.iter().all(|l| *l == "\\" || *l == "\\\\"), "{}", sql);
        }
    }
}
