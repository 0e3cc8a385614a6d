//! The add/change form of any panel: which fields it has, the widget each column type gets, and
//! turning what a person typed back into column values — with a message for every way it can be
//! wrong, and the input kept for the page that shows the errors.

use std::collections::HashMap;
use std::str::FromStr;

use sea_orm::prelude::{Decimal, Uuid};
use sea_orm::sea_query::ColumnType;
use serde::Serialize;
use serde_json::Value as Json;

use super::AdminPanel;
use super::query::Row;
use crate::FieldErrors;
use crate::models::ColumnInfo;

/// One field as the template draws it.
#[derive(Debug, Serialize)]
pub struct Field {
    pub name: String,
    pub label: String,
    /// text, textarea, number, decimal, checkbox, date, datetime, select, json
    pub widget: &'static str,
    /// The text the input shows (for a checkbox: "on" or "").
    pub value: String,
    pub required: bool,
    pub readonly: bool,
    pub maxlength: Option<u32>,
    pub min: Option<String>,
    pub max: Option<String>,
    pub step: Option<&'static str>,
    pub choices: Vec<String>,
    /// For a foreign key: the admin list of the table it points at, when it has one.
    pub related: Option<String>,
    pub errors: Vec<String>,
}

/// A heading and its fields.
#[derive(Debug, Serialize)]
pub struct Fieldset {
    pub title: Option<String>,
    pub fields: Vec<Field>,
}

/// The columns a form edits: every column except an auto-increment key, the excluded ones and
/// the derived ones. Read-only columns are shown but never written.
pub fn columns(panel: &AdminPanel) -> Vec<&ColumnInfo> {
    let model = panel.model();
    model
        .columns
        .iter()
        .filter(|c| !(model.auto_increment && model.primary_key.contains(&c.name)))
        .filter(|c| !panel.excluded().contains(&c.name))
        .filter(|c| !panel.derived().iter().any(|d| d.column == c.name))
        .collect()
}

pub fn is_readonly(panel: &AdminPanel, column: &ColumnInfo, adding: bool) -> bool {
    // A key is chosen when the row is made and never changed afterwards.
    panel.readonly().contains(&column.name)
        || (!adding && panel.model().primary_key.contains(&column.name))
}

/// The form's fields in the panel's groups, showing `values` (the row, or what was typed).
pub fn fieldsets(
    panel: &AdminPanel,
    values: &HashMap<String, String>,
    errors: &FieldErrors,
    adding: bool,
    related: &dyn Fn(&str) -> Option<String>,
) -> Vec<Fieldset> {
    let by_field = errors.by_field();
    let field = |column: &ColumnInfo| {
        let mut field = widget(column);
        if let Some(choices) = panel.choices_of(&column.name) {
            field.widget = "select";
            field.choices = choices.to_vec();
        }
        if panel.is_money(&column.name) {
            field.widget = "decimal";
        }
        field.value = values.get(&column.name).cloned().unwrap_or_default();
        field.required =
            !column.nullable && field.widget != "checkbox" && !panel.may_be_blank(&column.name);
        field.readonly = is_readonly(panel, column, adding);
        field.related = panel
            .model()
            .foreign_key(&column.name)
            .and_then(|fk| related(&fk.table));
        field.errors = by_field
            .get(column.name.as_str())
            .map(|m| m.iter().map(|s| (*s).to_owned()).collect())
            .unwrap_or_default();
        field
    };
    let editable = columns(panel);
    let mut placed: Vec<&str> = Vec::new();
    let mut sets = Vec::new();
    for (title, names) in panel.fieldsets() {
        let fields = names
            .iter()
            .filter_map(|name| editable.iter().find(|c| &c.name == name))
            .map(|column| {
                placed.push(&column.name);
                field(column)
            })
            .collect();
        sets.push(Fieldset {
            title: Some(title.clone()),
            fields,
        });
    }
    let rest: Vec<Field> = editable
        .iter()
        .filter(|c| !placed.contains(&c.name.as_str()))
        .map(|c| field(c))
        .collect();
    if !rest.is_empty() {
        sets.insert(
            0,
            Fieldset {
                title: None,
                fields: rest,
            },
        );
    }
    sets
}

fn widget(column: &ColumnInfo) -> Field {
    let mut field = Field {
        name: column.name.clone(),
        label: super::views::list::label(&column.name),
        widget: "text",
        value: String::new(),
        required: false,
        readonly: false,
        maxlength: None,
        min: None,
        max: None,
        step: None,
        choices: Vec::new(),
        related: None,
        errors: Vec::new(),
    };
    match &column.column_type {
        ColumnType::String(_) | ColumnType::Char(_) => {
            field.maxlength = max_length(&column.column_type)
        }
        ColumnType::Text => field.widget = "textarea",
        ColumnType::Json | ColumnType::JsonBinary => field.widget = "json",
        ColumnType::Boolean => field.widget = "checkbox",
        ColumnType::Date => field.widget = "date",
        ColumnType::DateTime | ColumnType::Timestamp | ColumnType::TimestampWithTimeZone => {
            field.widget = "datetime";
            field.step = Some("1");
        }
        ColumnType::Decimal(_) | ColumnType::Money(_) => field.widget = "decimal",
        ColumnType::Float | ColumnType::Double => {
            field.widget = "number";
            field.step = Some("any");
        }
        ColumnType::Enum { variants, .. } => {
            field.widget = "select";
            field.choices = variants.iter().map(|v| v.to_string()).collect();
        }
        other => {
            if let Some((min, max)) = integer_range(other) {
                field.widget = "number";
                field.step = Some("1");
                field.min = Some(min.to_string());
                field.max = Some(max.to_string());
            }
        }
    }
    field
}

fn max_length(column_type: &ColumnType) -> Option<u32> {
    match column_type {
        ColumnType::String(sea_orm::sea_query::StringLen::N(n)) => Some(*n),
        ColumnType::Char(n) => *n,
        _ => None,
    }
}

fn integer_range(column_type: &ColumnType) -> Option<(i128, i128)> {
    Some(match column_type {
        ColumnType::TinyInteger => (i8::MIN.into(), i8::MAX.into()),
        ColumnType::SmallInteger => (i16::MIN.into(), i16::MAX.into()),
        ColumnType::Integer => (i32::MIN.into(), i32::MAX.into()),
        ColumnType::BigInteger => (i64::MIN.into(), i64::MAX.into()),
        ColumnType::TinyUnsigned => (0, u8::MAX.into()),
        ColumnType::SmallUnsigned => (0, u16::MAX.into()),
        ColumnType::Unsigned => (0, u32::MAX.into()),
        ColumnType::BigUnsigned => (0, u64::MAX.into()),
        _ => return None,
    })
}

/// What a stored value looks like in its input.
pub fn to_input(column: &ColumnInfo, value: &Json) -> String {
    match (value, &column.column_type) {
        (Json::Null, _) => String::new(),
        (Json::Bool(b), _) => if *b { "on" } else { "" }.to_owned(),
        (Json::String(s), ColumnType::TimestampWithTimeZone) => {
            chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| t.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string())
                .unwrap_or_else(|_| s.clone())
        }
        (Json::String(s), ColumnType::DateTime | ColumnType::Timestamp) => {
            s.split('.').next().unwrap_or(s).to_owned()
        }
        (Json::String(s), _) => s.clone(),
        (other, ColumnType::Json | ColumnType::JsonBinary) => other.to_string(),
        (other, _) => other.to_string(),
    }
}

/// The row's values as the form shows them.
pub fn inputs(panel: &AdminPanel, row: &Row) -> HashMap<String, String> {
    columns(panel)
        .into_iter()
        .map(|c| {
            let value = row.get(&c.name).unwrap_or(&Json::Null);
            let input = match value.as_i64() {
                Some(cents) if panel.is_money(&c.name) => crate::money::format_cents(cents),
                _ => to_input(c, value),
            };
            (c.name.clone(), input)
        })
        .collect()
}

/// Parses the submitted `form` into column values for the writable columns (read-only ones are
/// left out), adding a message per field for anything that does not fit its column.
pub fn parse(
    panel: &AdminPanel,
    form: &HashMap<String, String>,
    adding: bool,
    errors: &mut FieldErrors,
) -> Row {
    let mut row = Row::new();
    for column in columns(panel) {
        if is_readonly(panel, column, adding) {
            continue;
        }
        let raw = form.get(&column.name).map(String::as_str);
        let parsed = if panel.is_money(&column.name) {
            parse_money(column, raw)
        } else {
            parse_one(column, raw, panel.may_be_blank(&column.name))
        };
        match parsed {
            Ok(Json::String(value))
                if panel
                    .choices_of(&column.name)
                    .is_some_and(|choices| !choices.contains(&value)) =>
            {
                errors.add(
                    &column.name,
                    format!("Select a valid choice. {value} is not one of the available choices."),
                );
            }
            Ok(value) => {
                row.insert(column.name.clone(), value);
            }
            Err(message) => errors.add(&column.name, message),
        }
    }
    for derived in panel.derived() {
        if let Some(Json::String(source)) = row.get(&derived.source) {
            let value = (derived.compute)(source);
            row.insert(derived.column.clone(), Json::String(value));
        }
    }
    row
}

/// An amount typed as `12.50`, stored in cents.
fn parse_money(column: &ColumnInfo, raw: Option<&str>) -> Result<Json, String> {
    match raw.map(str::trim).unwrap_or_default() {
        "" if column.nullable => Ok(Json::Null),
        "" => Err("This field is required.".to_owned()),
        text => crate::money::parse_cents(text).map(Json::from),
    }
}

fn parse_one(column: &ColumnInfo, raw: Option<&str>, blank_ok: bool) -> Result<Json, String> {
    if column.column_type == ColumnType::Boolean {
        return Ok(Json::Bool(matches!(raw, Some("on" | "true" | "1"))));
    }
    let raw = raw.unwrap_or_default();
    let is_text = matches!(
        column.column_type,
        ColumnType::String(_) | ColumnType::Char(_) | ColumnType::Text
    );
    let value = if is_text { raw } else { raw.trim() };
    if value.trim().is_empty() {
        return if column.nullable {
            Ok(Json::Null)
        } else if is_text && blank_ok {
            Ok(Json::String(String::new()))
        } else {
            Err("This field is required.".to_owned())
        };
    }
    match &column.column_type {
        ColumnType::String(_) | ColumnType::Char(_) => {
            let count = value.chars().count();
            match max_length(&column.column_type) {
                Some(max) if count > max as usize => Err(format!(
                    "Ensure this value has at most {max} characters (it has {count})."
                )),
                _ => Ok(Json::String(value.to_owned())),
            }
        }
        ColumnType::Text => Ok(Json::String(value.to_owned())),
        ColumnType::Decimal(precision) | ColumnType::Money(precision) => {
            let number = Decimal::from_str(value).map_err(|_| "Enter a number.".to_owned())?;
            if let Some((digits, places)) = precision {
                if number.scale() > *places {
                    return Err(format!(
                        "Ensure that there are no more than {places} decimal places."
                    ));
                }
                let whole = number
                    .trunc()
                    .abs()
                    .to_string()
                    .trim_start_matches('0')
                    .len() as u32;
                if whole > digits.saturating_sub(*places) {
                    return Err(format!(
                        "Ensure that there are no more than {} digits before the decimal point.",
                        digits.saturating_sub(*places)
                    ));
                }
            }
            Ok(Json::String(number.normalize().to_string()))
        }
        ColumnType::Float | ColumnType::Double => value
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Json::from)
            .ok_or_else(|| "Enter a number.".to_owned()),
        ColumnType::Date => chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map(|d| Json::String(d.to_string()))
            .map_err(|_| "Enter a valid date.".to_owned()),
        ColumnType::DateTime | ColumnType::Timestamp | ColumnType::TimestampWithTimeZone => {
            let time = chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S")
                .or_else(|_| chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M"))
                .map_err(|_| "Enter a valid date and time.".to_owned())?;
            Ok(Json::String(
                if column.column_type == ColumnType::TimestampWithTimeZone {
                    time.and_utc().to_rfc3339()
                } else {
                    time.format("%Y-%m-%dT%H:%M:%S").to_string()
                },
            ))
        }
        ColumnType::Enum { variants, .. } => {
            if variants.iter().any(|v| v.to_string() == value) {
                Ok(Json::String(value.to_owned()))
            } else {
                Err(format!(
                    "Select a valid choice. {value} is not one of the available choices."
                ))
            }
        }
        ColumnType::Json | ColumnType::JsonBinary => {
            serde_json::from_str(value).map_err(|e| format!("Enter valid JSON: {e}."))
        }
        ColumnType::Uuid => Uuid::from_str(value)
            .map(|u| Json::String(u.to_string()))
            .map_err(|_| "Enter a valid UUID.".to_owned()),
        other => match integer_range(other) {
            Some((min, max)) => {
                let number: i128 = value
                    .parse()
                    .map_err(|_| "Enter a whole number.".to_owned())?;
                if number < min {
                    Err(format!(
                        "Ensure this value is greater than or equal to {min}."
                    ))
                } else if number > max {
                    Err(format!("Ensure this value is less than or equal to {max}."))
                } else {
                    i64::try_from(number)
                        .map(Json::from)
                        .or_else(|_| u64::try_from(number).map(Json::from))
                        .map_err(|_| "Enter a whole number.".to_owned())
                }
            }
            None => Ok(Json::String(value.to_owned())),
        },
    }
}
