//! Prices as customers read them: the one place that turns cents and the store's currency into
//! text, so the catalogue, the cart and the mails all write `€1,234.50` the same way.

/// Currencies written with a symbol before the amount; any other code follows it (`12.50 CHF`).
const SYMBOLS: [(&str, &str); 3] = [("EUR", "€"), ("USD", "$"), ("GBP", "£")];

/// `1250` in `"EUR"` → `"€12.50"`; `123450` → `"€1,234.50"`; `-500` → `"-€5.00"`; in a code
/// without a symbol, `"12.50 CHF"`. Amounts are in minor units with two places, as the store
/// keeps them (see `bureau_core::money`).
pub(crate) fn format_price(cents: i64, currency: &str) -> String {
    let plain = bureau_core::money::format_cents(cents.saturating_abs());
    let (whole, fraction) = plain.split_once('.').unwrap_or((plain.as_str(), "00"));
    let amount = format!("{}.{fraction}", grouped(whole));
    let sign = if cents < 0 { "-" } else { "" };
    let code = currency.trim().to_ascii_uppercase();
    match SYMBOLS.iter().find(|(c, _)| *c == code) {
        Some((_, symbol)) => format!("{sign}{symbol}{amount}"),
        None if code.is_empty() => format!("{sign}{amount}"),
        None => format!("{sign}{amount} {code}"),
    }
}

/// `"1234567"` → `"1,234,567"`: long prices are read at a glance.
fn grouped(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::format_price;

    #[test]
    fn prices_carry_their_currency_and_two_places() {
        assert_eq!(format_price(1250, "EUR"), "€12.50");
        assert_eq!(format_price(5, "eur"), "€0.05");
        assert_eq!(format_price(0, "USD"), "$0.00");
        assert_eq!(format_price(123_450, "GBP"), "£1,234.50");
        assert_eq!(format_price(100_000_000, "EUR"), "€1,000,000.00");
        assert_eq!(format_price(-500, "EUR"), "-€5.00");
        assert_eq!(format_price(1250, "CHF"), "12.50 CHF");
        assert_eq!(format_price(1250, ""), "12.50");
        assert_eq!(format_price(i64::MIN, "EUR"), "-€92,233,720,368,547,758.07");
    }
}
