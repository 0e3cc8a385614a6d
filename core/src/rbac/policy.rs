//! Default RBAC rules in casbin's model: `p, role, object, action` grants an action on an object
//! (`store.order`, `change`), and `g, role, parent` makes a role inherit another's grants.

use std::fmt;

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

    pub(crate) fn validate(&self) -> Result<(), String> {
        let names = match self {
            Self::Allow {
                role,
                object,
                action,
            } => {
                let valid_object = object
                    .split_once('.')
                    .is_some_and(|(module, entity)| is_name(module) && is_name(entity));
                if !valid_object {
                    return Err(format!("policy {self}: object must be `<module>.<entity>`"));
                }
                vec![("role", role), ("action", action)]
            }
            Self::Inherit { role, parent } => vec![("role", role), ("parent role", parent)],
        };
        for (what, name) in names {
            if !is_name(name) {
                return Err(format!(
                    "policy {self}: {what} `{name}` must be lowercase letters, digits and `_`"
                ));
            }
        }
        Ok(())
    }
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
