//! JSON ↔ column values, by column type. JSON is the wire format of fixtures (and, later, of the
//! admin engine's generic reads); the column type, not the JSON, decides what is stored.

use std::str::FromStr;

use sea_orm::prelude::{Date, DateTime, DateTimeWithTimeZone, Decimal, Time, Uuid};
use sea_orm::sea_query::{ColumnType, Expr, ExprTrait};
use sea_orm::{DbBackend, DbErr, QueryResult, TryGetable, Value};
use serde_json::Value as Json;

use super::ColumnInfo;

/// The expression that stores `json` in `column`, or why it cannot.
pub(crate) fn to_expr(column: &ColumnInfo, json: &Json) -> Result<Expr, String> {
    if json.is_null() {
        return if column.nullable {
            Ok(Expr::val(null_of(&column.column_type)))
        } else {
            Err("may not be null".into())
        };
    }
    let value = match &column.column_type {
        ColumnType::Char(_) | ColumnType::String(_) | ColumnType::Text => {
            Value::String(Some(text(json)?.to_owned()))
        }
        ColumnType::TinyInteger => Value::TinyInt(Some(integer(json)?)),
        ColumnType::SmallInteger => Value::SmallInt(Some(integer(json)?)),
        ColumnType::Integer => Value::Int(Some(integer(json)?)),
        ColumnType::BigInteger => Value::BigInt(Some(integer(json)?)),
        ColumnType::TinyUnsigned => Value::TinyUnsigned(Some(integer(json)?)),
        ColumnType::SmallUnsigned => Value::SmallUnsigned(Some(integer(json)?)),
        ColumnType::Unsigned => Value::Unsigned(Some(integer(json)?)),
        ColumnType::BigUnsigned => Value::BigUnsigned(Some(integer(json)?)),
        ColumnType::Float => Value::Float(Some(number(json)? as f32)),
        ColumnType::Double => Value::Double(Some(number(json)?)),
        ColumnType::Decimal(_) | ColumnType::Money(_) => Value::Decimal(Some(decimal(json)?)),
        ColumnType::Boolean => Value::Bool(Some(json.as_bool().ok_or("expected true or false")?)),
        ColumnType::Date => Value::ChronoDate(Some(parse::<Date>(json, "a date like 2026-11-23")?)),
        ColumnType::Time => Value::ChronoTime(Some(parse::<Time>(json, "a time like 14:30:00")?)),
        ColumnType::DateTime | ColumnType::Timestamp => {
            Value::ChronoDateTime(Some(naive_datetime(json)?))
        }
        ColumnType::TimestampWithTimeZone => {
            Value::ChronoDateTimeWithTimeZone(Some(parse::<DateTimeWithTimeZone>(
                json,
                "a timestamp with offset like 2026-11-23T14:30:00Z",
            )?))
        }
        ColumnType::Json | ColumnType::JsonBinary => Value::Json(Some(Box::new(json.clone()))),
        ColumnType::Uuid => Value::Uuid(Some(parse::<Uuid>(json, "a UUID")?)),
        ColumnType::Enum { name, variants } => {
            let variant = text(json)?;
            if !variants.iter().any(|v| v.to_string() == variant) {
                let names: Vec<String> = variants.iter().map(|v| v.to_string()).collect();
                return Err(format!("{variant:?} is not one of: {}", names.join(", ")));
            }
            return Ok(Expr::val(variant).as_enum(name.clone()));
        }
        other => {
            return Err(format!(
                "has column type {other:?}, which fixtures do not support"
            ));
        }
    };
    Ok(Expr::val(value))
}

/// A typed NULL: PostgreSQL infers parameter types from the value, so `None` must carry one.
fn null_of(column_type: &ColumnType) -> Value {
    match column_type {
        ColumnType::TinyInteger => Value::TinyInt(None),
        ColumnType::SmallInteger => Value::SmallInt(None),
        ColumnType::Integer => Value::Int(None),
        ColumnType::BigInteger => Value::BigInt(None),
        ColumnType::TinyUnsigned => Value::TinyUnsigned(None),
        ColumnType::SmallUnsigned => Value::SmallUnsigned(None),
        ColumnType::Unsigned => Value::Unsigned(None),
        ColumnType::BigUnsigned => Value::BigUnsigned(None),
        ColumnType::Float => Value::Float(None),
        ColumnType::Double => Value::Double(None),
        ColumnType::Decimal(_) | ColumnType::Money(_) => Value::Decimal(None),
        ColumnType::Boolean => Value::Bool(None),
        ColumnType::Date => Value::ChronoDate(None),
        ColumnType::Time => Value::ChronoTime(None),
        ColumnType::DateTime | ColumnType::Timestamp => Value::ChronoDateTime(None),
        ColumnType::TimestampWithTimeZone => Value::ChronoDateTimeWithTimeZone(None),
        ColumnType::Json | ColumnType::JsonBinary => Value::Json(None),
        ColumnType::Uuid => Value::Uuid(None),
        _ => Value::String(None),
    }
}

fn text(json: &Json) -> Result<&str, String> {
    json.as_str()
        .ok_or_else(|| format!("expected text, found {json}"))
}

fn integer<T: TryFrom<i128>>(json: &Json) -> Result<T, String> {
    let wide = json
        .as_i64()
        .map(i128::from)
        .or_else(|| json.as_u64().map(i128::from))
        .ok_or_else(|| format!("expected a whole number, found {json}"))?;
    T::try_from(wide).map_err(|_| format!("{wide} is out of range for this column"))
}

fn number(json: &Json) -> Result<f64, String> {
    json.as_f64()
        .ok_or_else(|| format!("expected a number, found {json}"))
}

/// Decimals come as JSON strings ("19.99") to stay exact; plain JSON numbers are accepted too.
fn decimal(json: &Json) -> Result<Decimal, String> {
    let digits = match json {
        Json::String(s) => s.clone(),
        Json::Number(n) => n.to_string(),
        other => return Err(format!("expected a decimal like \"19.99\", found {other}")),
    };
    Decimal::from_str(&digits)
        .map_err(|_| format!("expected a decimal like \"19.99\", found {digits:?}"))
}

fn parse<T: FromStr>(json: &Json, expected: &str) -> Result<T, String> {
    let s = text(json)?;
    s.parse()
        .map_err(|_| format!("expected {expected}, found {s:?}"))
}

/// Naive timestamps are accepted with `T` or a space, and with an offset (converted to UTC).
fn naive_datetime(json: &Json) -> Result<DateTime, String> {
    let s = text(json)?;
    DateTime::from_str(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f"))
        .or_else(|_| DateTimeWithTimeZone::from_str(s).map(|t| t.naive_utc()))
        .map_err(|_| format!("expected a timestamp like 2026-11-23T14:30:00, found {s:?}"))
}

/// Reads `column` of `row` as JSON. Drivers are strict about integer widths and the widths differ
/// by backend (PostgreSQL has no TINYINT), so integers try each width.
pub(crate) fn to_json(column: &ColumnInfo, row: &QueryResult) -> Result<Json, DbErr> {
    let name = column.name.as_str();
    let json = match &column.column_type {
        ColumnType::TinyInteger
        | ColumnType::SmallInteger
        | ColumnType::Integer
        | ColumnType::BigInteger
        | ColumnType::TinyUnsigned
        | ColumnType::SmallUnsigned
        | ColumnType::Unsigned
        | ColumnType::BigUnsigned => first_of(
            row,
            name,
            &[
                |r, n| get::<i64>(r, n).map(|v| v.map(Json::from)),
                |r, n| get::<i32>(r, n).map(|v| v.map(Json::from)),
                |r, n| get::<i16>(r, n).map(|v| v.map(Json::from)),
                |r, n| get::<i8>(r, n).map(|v| v.map(Json::from)),
                |r, n| get::<u64>(r, n).map(|v| v.map(Json::from)),
                |r, n| get::<u32>(r, n).map(|v| v.map(Json::from)),
                |r, n| get::<u16>(r, n).map(|v| v.map(Json::from)),
                |r, n| get::<u8>(r, n).map(|v| v.map(Json::from)),
            ],
        )?,
        ColumnType::Float | ColumnType::Double => first_of(
            row,
            name,
            &[
                |r, n| get::<f64>(r, n).map(|v| v.map(Json::from)),
                |r, n| get::<f32>(r, n).map(|v| v.map(Json::from)),
            ],
        )?,
        ColumnType::Decimal(_) | ColumnType::Money(_) => {
            get::<Decimal>(row, name)?.map(|d| Json::String(d.normalize().to_string()))
        }
        ColumnType::Boolean => get::<bool>(row, name)?.map(Json::Bool),
        ColumnType::Date => get::<Date>(row, name)?.map(|d| Json::String(d.to_string())),
        ColumnType::Time => get::<Time>(row, name)?.map(|t| Json::String(t.to_string())),
        ColumnType::DateTime | ColumnType::Timestamp => get::<DateTime>(row, name)?
            .map(|t| Json::String(t.format("%Y-%m-%dT%H:%M:%S%.f").to_string())),
        ColumnType::TimestampWithTimeZone => {
            get::<DateTimeWithTimeZone>(row, name)?.map(|t| Json::String(t.to_rfc3339()))
        }
        ColumnType::Json | ColumnType::JsonBinary => get::<Json>(row, name)?,
        ColumnType::Uuid => first_of(
            row,
            name,
            &[
                |r, n| get::<Uuid>(r, n).map(|v| v.map(|u| Json::String(u.to_string()))),
                |r, n| get::<String>(r, n).map(|v| v.map(Json::String)),
            ],
        )?,
        _ => get::<String>(row, name)?.map(Json::String),
    };
    Ok(json.unwrap_or(Json::Null))
}

/// The column as it must be selected for [`to_json`]: PostgreSQL's native enums only decode as
/// text after a cast.
pub(crate) fn select_expr(column: &ColumnInfo, backend: DbBackend) -> Expr {
    let expr = Expr::col(sea_orm::sea_query::Alias::new(&column.name));
    match (&column.column_type, backend) {
        (ColumnType::Enum { .. }, DbBackend::Postgres) => expr.cast_as("TEXT"),
        _ => expr,
    }
}

fn get<T: TryGetable>(row: &QueryResult, name: &str) -> Result<Option<T>, DbErr> {
    row.try_get::<Option<T>>("", name)
}

type Getter = fn(&QueryResult, &str) -> Result<Option<Json>, DbErr>;

fn first_of(row: &QueryResult, name: &str, getters: &[Getter]) -> Result<Option<Json>, DbErr> {
    let mut last = None;
    for getter in getters {
        match getter(row, name) {
            Ok(value) => return Ok(value),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| DbErr::Type(format!("column {name} could not be read"))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn column(column_type: ColumnType, nullable: bool) -> ColumnInfo {
        ColumnInfo {
            name: "c".into(),
            column_type,
            nullable,
            unique: false,
        }
    }

    #[test]
    fn values_follow_the_column_type() {
        assert!(to_expr(&column(ColumnType::Integer, false), &json!(5)).is_ok());
        assert!(to_expr(&column(ColumnType::Integer, false), &json!("5")).is_err());
        assert!(to_expr(&column(ColumnType::TinyInteger, false), &json!(300)).is_err());
        assert!(to_expr(&column(ColumnType::Text, false), &json!(null)).is_err());
        assert!(to_expr(&column(ColumnType::Text, true), &json!(null)).is_ok());
        assert!(to_expr(&column(ColumnType::Decimal(None), false), &json!("19.99")).is_ok());
        assert!(to_expr(&column(ColumnType::Date, false), &json!("2026-13-01")).is_err());
        assert!(
            to_expr(
                &column(ColumnType::DateTime, false),
                &json!("2026-11-23 10:00:00")
            )
            .is_ok()
        );
    }
}
