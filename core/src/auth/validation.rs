//! What a username, an email address and a password must be, with messages a person can act on.
//! The password rules follow Django's validators: minimum length, not too similar to the user's
//! own name or address, not a common password, not entirely numeric.

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::LazyLock;

use crate::FieldErrors;

pub const USERNAME_MAX: usize = 150;
pub const EMAIL_MAX: usize = 254;
/// Long enough for any passphrase, short enough that nobody makes us hash megabytes.
pub const PASSWORD_MAX: usize = 1024;

/// The 20,000 most common passwords, as shipped by Django (`django/contrib/auth/
/// common-passwords.txt.gz`, BSD licence; originally compiled by Royce Williams).
static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
});

/// Usernames: letters and digits of any script plus `@ . + - _`, as Django allows; nothing
/// invisible, no spaces, no look-alike punctuation.
pub fn check_username(username: &str, errors: &mut FieldErrors) {
    if username.is_empty() {
        errors.add("username", "Enter a username.");
    } else if username.chars().count() > USERNAME_MAX {
        errors.add(
            "username",
            format!("Usernames have at most {USERNAME_MAX} characters."),
        );
    } else if !username
        .chars()
        .all(|c| c.is_alphanumeric() || "@.+-_".contains(c))
    {
        errors.add(
            "username",
            "Enter a valid username: letters, digits and @ . + - _ only.",
        );
    }
}

/// A deliverable-looking address: what lettre accepts as a mailbox, within the length limit.
pub fn check_email(field: &str, email: &str, errors: &mut FieldErrors) {
    if email.is_empty() {
        errors.add(field, "Enter an email address.");
    } else if email.chars().count() > EMAIL_MAX
        || lettre::Address::from_str(email).is_err()
        || !email.rsplit('@').next().is_some_and(|d| d.contains('.'))
    {
        errors.add(field, "Enter a valid email address.");
    }
}

/// Django's password validators. `field` names the form field the errors belong to.
pub fn check_password(
    field: &str,
    password: &str,
    min_length: usize,
    username: &str,
    email: &str,
    errors: &mut FieldErrors,
) {
    let length = password.chars().count();
    if length < min_length {
        errors.add(
            field,
            format!(
                "This password is too short. It must contain at least {min_length} characters."
            ),
        );
    }
    if length > PASSWORD_MAX {
        errors.add(
            field,
            format!("This password is too long. It may contain at most {PASSWORD_MAX} characters."),
        );
        return;
    }
    let lowered = password.to_lowercase();
    let local_part = email.split('@').next().unwrap_or_default();
    for (attribute, value) in [
        ("username", username),
        ("email address", email),
        ("email address", local_part),
    ] {
        if too_similar(&lowered, &value.to_lowercase()) {
            errors.add(
                field,
                format!("The password is too similar to the {attribute}."),
            );
            break;
        }
    }
    if COMMON_PASSWORDS.contains(lowered.trim()) {
        errors.add(field, "This password is too common.");
    }
    if !password.is_empty() && password.chars().all(|c| c.is_ascii_digit()) {
        errors.add(field, "This password is entirely numeric.");
    }
}

/// Django compares with difflib's ratio ≥ 0.7; this uses the longest common substring, which
/// flags the same cases that matter (the name with a few characters added or changed).
fn too_similar(password: &str, attribute: &str) -> bool {
    if attribute.chars().count() < 3 {
        return false;
    }
    if password.contains(attribute) || attribute.contains(password) {
        return true;
    }
    let a: Vec<char> = password.chars().collect();
    let b: Vec<char> = attribute.chars().collect();
    let common = longest_common_substring(&a, &b);
    2.0 * common as f64 / (a.len() + b.len()) as f64 >= 0.7
}

fn longest_common_substring(a: &[char], b: &[char]) -> usize {
    let mut previous = vec![0usize; b.len() + 1];
    let mut best = 0;
    for x in a {
        let mut current = vec![0usize; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            if x == y {
                current[j + 1] = previous[j] + 1;
                best = best.max(current[j + 1]);
            }
        }
        previous = current;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password_errors(password: &str) -> Vec<String> {
        let mut errors = FieldErrors::new();
        check_password(
            "password",
            password,
            10,
            "alice",
            "alice@example.com",
            &mut errors,
        );
        errors.iter().map(|e| e.message.clone()).collect()
    }

    #[test]
    fn passwords_follow_djangos_rules() {
        assert!(password_errors("correct horse battery").is_empty());
        assert!(password_errors("short1!")[0].contains("too short"));
        assert!(password_errors("alice12345")[0].contains("similar to the username"));
        assert!(password_errors("xalice@example.comx")[0].contains("similar"));
        assert!(
            password_errors("password123")
                .iter()
                .any(|m| m.contains("too common"))
        );
        assert!(
            password_errors("98127364519")
                .iter()
                .any(|m| m.contains("entirely numeric"))
        );
    }

    #[test]
    fn usernames_refuse_invisible_and_odd_characters() {
        for bad in [
            "",
            "has space",
            "zero\u{200b}width",
            "rtl\u{202e}x",
            "semi;colon",
        ] {
            let mut errors = FieldErrors::new();
            check_username(bad, &mut errors);
            assert!(errors.has("username"), "{bad:?} was accepted");
        }
        let mut errors = FieldErrors::new();
        check_username("José.da-Silva_2", &mut errors);
        assert!(errors.is_empty());
    }

    #[test]
    fn emails_must_look_deliverable() {
        for bad in ["", "no-at", "a@b", "two@@example.com", "sp ace@example.com"] {
            let mut errors = FieldErrors::new();
            check_email("email", bad, &mut errors);
            assert!(errors.has("email"), "{bad:?} was accepted");
        }
    }
}
