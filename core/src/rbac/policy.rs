//! Default RBAC rules in casbin's model: `p, role, object, action` grants an action on an object
//! (`store.order`, `change`), and `g, role, parent` makes a role inherit another's grants.

use std::fmt;

/// Longest role name: `core_role.name` holds 64 characters.
pub(crate) const ROLE_MAX: usize = 64;
/// Longest object or action: `core_casbin_rule` values hold 100 characters.
pub(crate) const VALUE_MAX: usize = 100;
/// Longest rule as text: `core_policy_seed.rule`, which records seeded defaults, holds 190.
const SEED_KEY_MAX: usize = 190;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Policy {
    Allow {
        role: String,
        object: String,
        action: String,
    },
    Inherit {
        role: String,
        parent: String,
    },
}

impl Policy {
    /// `role` may do `action` on `object` (`<module>.<entity>`).
    pub fn allow(role: &str, object: &str, action: &str) -> Self {
        Self::Allow {
            role: role.to_owned(),
            object: object.to_owned(),
            action: action.to_owned(),
        }
    }

    /// `role` has every grant of `parent`.
    pub fn inherit(role: &str, parent: &str) -> Self {
        Self::Inherit {
            role: role.to_owned(),
            parent: parent.to_owned(),
        }
    }

    /// The object this rule grants on, if it is an `Allow`.
    pub fn object(&self) -> Option<&str> {
        match self {
            Self::Allow { object, .. } => Some(object),
            Self::Inherit { .. } => None,
        }
    }

    /// The roles this rule names, which get a `core_role` row when it is seeded.
    pub(crate) fn roles(&self) -> Vec<&str> {
        match self {
            Self::Allow { role, .. } => vec![role],
            Self::Inherit { role, parent } => vec![role, parent],
        }
    }

    /// The rule as casbin stores it: its ptype and values.
    pub(crate) fn casbin_rule(&self) -> (&'static str, Vec<String>) {
        match self {
            Self::Allow {
                role,
                object,
                action,
            } => ("p", vec![role.clone(), object.clone(), action.clone()]),
            Self::Inherit { role, parent } => ("g", vec![role.clone(), parent.clone()]),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        let checked = match self {
            Self::Allow {
                role,
                object,
                action,
            } => check_role(role)
                .and_then(|()| check_object(object))
                .and_then(|()| check_action(action)),
            Self::Inherit { role, parent } => check_role(role).and_then(|()| check_role(parent)),
        };
        checked.map_err(|message| format!("policy {self}: {message}"))?;
        // The seed record keys the rule by its text, so a default can be recorded as written.
        if self.to_string().len() > SEED_KEY_MAX {
            return Err(format!(
                "policy {self}: longer than {SEED_KEY_MAX} characters as text"
            ));
        }
        Ok(())
    }
}

/// A role name: lowercase letters, digits and `_`, at most [`ROLE_MAX`] characters.
pub(crate) fn check_role(role: &str) -> Result<(), String> {
    check_name("role", role, ROLE_MAX)
}

/// An object: `<module>.<entity>`.
pub(crate) fn check_object(object: &str) -> Result<(), String> {
    let valid = object
        .split_once('.')
        .is_some_and(|(module, entity)| is_name(module) && is_name(entity));
    if !valid {
        return Err(format!("object `{object}` must be `<module>.<entity>`"));
    }
    if object.len() > VALUE_MAX {
        return Err(format!(
            "object `{object}` is longer than {VALUE_MAX} characters"
        ));
    }
    Ok(())
}

/// An action: `view`, `add`, `change`, `delete` or a custom one such as `refund`.
pub(crate) fn check_action(action: &str) -> Result<(), String> {
    check_name("action", action, VALUE_MAX)
}

fn check_name(what: &str, name: &str, max: usize) -> Result<(), String> {
    if !is_name(name) {
        return Err(format!(
            "{what} `{name}` must be lowercase letters, digits and `_`"
        ));
    }
    if name.len() > max {
        return Err(format!("{what} `{name}` is longer than {max} characters"));
    }
    Ok(())
}

fn is_name(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Allow {
                role,
                object,
                action,
            } => write!(f, "p, {role}, {object}, {action}"),
            Self::Inherit { role, parent } => write!(f, "g, {role}, {parent}"),
        }
    }
}
