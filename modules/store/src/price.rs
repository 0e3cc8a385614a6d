//! Prices as customers read them: `€12.50`, `$3.00`, `12.50 CHF`.

use bureau_core::money::format_cents;

/// `cents` in `currency` (ISO 4217), with its symbol where it has a common one.
pub fn format(cents: i64, currency: &str) -> String {
    let amount = format_cents(cents);
    match currency {
        "EUR" => format!("€{amount}"),
        "USD" => format!("${amount}"),
        "GBP" => format!("£{amount}"),
        other => format!("{amount} {other}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn symbols_lead_and_codes_follow() {
        assert_eq!(super::format(1250, "EUR"), "€12.50");
        assert_eq!(super::format(5, "CHF"), "0.05 CHF");
    }
}
