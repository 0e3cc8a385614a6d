//! Phone numbers in the one form SMS providers take everywhere: E.164, `+` and the digits.

use std::fmt;

use crate::{Error, FieldErrors, Result};

/// E.164 allows at most 15 digits; fewer than 8 is no full international number in practice.
const MIN_DIGITS: usize = 8;
const MAX_DIGITS: usize = 15;

/// A phone number in E.164 form: `+`, a country code (never starting with 0) and the subscriber
/// number, 8 to 15 digits in all, nothing else — `+14155550123`. Only [`parse`](Self::parse)
/// makes one, so holding one means it is well formed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// `text` as a phone number, or `Error::BadRequest` saying what E.164 looks like. Spaces,
    /// dashes and brackets are refused rather than guessed away: a number is stored the way it is
    /// sent.
    pub fn parse(text: &str) -> Result<Self> {
        if is_e164(text) {
            Ok(Self(text.to_owned()))
        } else {
            Err(Error::BadRequest(format!(
                "{text:?} is not a phone number in international E.164 form: + and {MIN_DIGITS} to \
                 {MAX_DIGITS} digits, e.g. +14155550123"
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Adds a form error to `field` unless `value` is a phone number [`PhoneNumber::parse`] takes.
pub fn check_phone(field: &str, value: &str, errors: &mut FieldErrors) {
    if value.is_empty() {
        errors.add(field, "Enter a phone number.");
    } else if !is_e164(value) {
        errors.add(
            field,
            "Enter the phone number in international form, e.g. +14155550123.",
        );
    }
}

pub(crate) fn is_e164(text: &str) -> bool {
    let Some(digits) = text.strip_prefix('+') else {
        return false;
    };
    (MIN_DIGITS..=MAX_DIGITS).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        // Country codes start with 1 to 9.
        && !digits.starts_with('0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sms_phone_numbers_are_e164() {
        for good in [
            "+14155550123",
            "+4915123456789",
            "+12345678",
            "+123456789012345",
        ] {
            assert_eq!(
                PhoneNumber::parse(good).map(|n| n.to_string()).ok(),
                Some(good.to_owned())
            );
        }
        for bad in [
            "",
            "+",
            "14155550123",
            "+1234567",
            "+1234567890123456",
            "+01234567890",
            "+1 415 555 0123",
            "+1-415-555-0123",
            "+1415555012x",
            " +14155550123",
            "+14155550123\n",
            "+١٤١٥٥٥٥٠١٢٣",
        ] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad:?}");
            let mut errors = FieldErrors::new();
            check_phone("phone", bad, &mut errors);
            assert!(errors.has("phone"), "{bad:?}");
        }
    }
}
