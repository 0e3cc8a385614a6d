//! Amounts of money as integer minor units (cents): exact on every backend (SQLite has no exact
//! decimal column), summed and compared by the database without rounding. Text is the customer's
//! and staff's view: `12.50`, always two places.

/// `1250` → `"12.50"`; `-5` → `"-0.05"`.
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// The largest amount accepted from a form: a billion, far above any price, far below overflow.
pub const MAX_CENTS: i64 = 100_000_000_000;

/// `"12.5"`, `"12.50"`, `"12"` → `1250`. Refuses signs, more than two decimal places, other
/// characters and amounts above [`MAX_CENTS`], with a message for the person who typed it.
pub fn parse_cents(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if text.starts_with('-') {
        return Err("Ensure this value is greater than or equal to 0.".to_owned());
    }
    if whole.is_empty() && fraction.is_empty() || !digits(whole) || !digits(fraction) {
        return Err("Enter an amount such as 12.50.".to_owned());
    }
    if fraction.len() > 2 {
        return Err("Ensure that there are no more than 2 decimal places.".to_owned());
    }
    let too_big = || format!("Ensure this value is at most {}.", format_cents(MAX_CENTS));
    // Leading zeros carry no value; more digits than MAX_CENTS has are too big whatever they are.
    let whole = whole.trim_start_matches('0');
    if whole.len() > 12 {
        return Err(too_big());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_big())?
    };
    let fraction: i64 = format!("{fraction:0<2}").parse().unwrap_or(0);
    let cents = whole * 100 + fraction;
    if cents > MAX_CENTS {
        return Err(too_big());
    }
    Ok(cents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_read_and_write_with_two_places() {
        assert_eq!(format_cents(1250), "12.50");
        assert_eq!(format_cents(5), "0.05");
        assert_eq!(format_cents(-5), "-0.05");
        assert_eq!(format_cents(0), "0.00");
        for (text, cents) in [
            ("12.5", 1250),
            ("12.50", 1250),
            ("12", 1200),
            (".5", 50),
            ("0012.05", 1205),
        ] {
            assert_eq!(parse_cents(text), Ok(cents), "{text}");
        }
        for bad in [
            "",
            ".",
            "-1",
            "1.005",
            "1,50",
            "1e3",
            "12.5.0",
            " + 1",
            "9999999999999",
        ] {
            assert!(parse_cents(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_cents("1000000000"), Ok(MAX_CENTS));
        assert!(parse_cents("1000000000.01").is_err());
    }
}
