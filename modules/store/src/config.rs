//! `[store]` in the configuration.

use serde::Deserialize;

/// No `Debug`: the payment keys must never reach a log.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// ISO 4217 code of the prices (`EUR`); every amount is in its minor units (cents).
    pub currency: String,
    /// Sales tax added to the subtotal and shipping, in percent with at most two decimals
    /// (`"20"`, `"5.5"`).
    pub tax_rate: TaxRate,
    /// Products per page on the public catalogue.
    pub per_page: u64,
    pub payment_provider: ProviderKind,
    /// Stripe's secret API key (`sk_...`) and the signing secret of its webhook endpoint
    /// (`whsec_...`); set them through BUREAU_STORE__STRIPE_SECRET_KEY and
    /// BUREAU_STORE__STRIPE_WEBHOOK_SECRET.
    pub stripe_secret_key: String,
    pub stripe_webhook_secret: String,
    /// Where Stripe's API is (changed only to test against a server of the same protocol).
    pub stripe_api_base: String,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            currency: "EUR".to_owned(),
            tax_rate: TaxRate(2000),
            per_page: 24,
            payment_provider: ProviderKind::Sandbox,
            stripe_secret_key: String::new(),
            stripe_webhook_secret: String::new(),
            stripe_api_base: crate::payments::stripe::DEFAULT_API_BASE.to_owned(),
        }
    }
}

/// Who takes the money: the sandbox (test cards, nothing outside Bureau) or Stripe.
#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    Sandbox,
    Stripe,
}

/// A tax rate in basis points (1/100 of a percent), written in the configuration as a percentage
/// with at most two decimals: `"20"` is 2000, `"5.5"` is 550.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TaxRate(pub i64);

impl<'de> Deserialize<'de> for TaxRate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        bureau_core::money::parse_cents(&text)
            .ok()
            .filter(|bp| *bp <= 10_000)
            .map(TaxRate)
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "a percentage from 0 to 100 with at most two decimals, not {text:?}"
                ))
            })
    }
}

impl std::fmt::Display for TaxRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = bureau_core::money::format_cents(self.0);
        f.write_str(text.trim_end_matches('0').trim_end_matches('.'))
    }
}
