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
    pub tax_rate: String,
    /// Products per page on the public catalogue.
    pub per_page: u64,
    /// `sandbox` (test cards, nothing outside Bureau) or `stripe`.
    pub payment_provider: String,
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
            tax_rate: "20".to_owned(),
            per_page: 24,
            payment_provider: "sandbox".to_owned(),
            stripe_secret_key: String::new(),
            stripe_webhook_secret: String::new(),
            stripe_api_base: crate::payments::stripe::DEFAULT_API_BASE.to_owned(),
        }
    }
}

impl StoreConfig {
    /// The tax rate in basis points (1/100 of a percent): `"20"` → 2000.
    pub fn tax_basis_points(&self) -> Result<i64, String> {
        bureau_core::money::parse_cents(&self.tax_rate)
            .ok()
            .filter(|bp| *bp <= 10_000)
            .ok_or_else(|| {
                format!(
                    "store.tax_rate must be a percentage from 0 to 100 with at most two decimals, not {:?}",
                    self.tax_rate
                )
            })
    }
}
