//! The rules for a task's fields as the API receives them, in one place: every problem of a body
//! is found and reported together, before anything is written.

use bureau_core::Result;
use bureau_core::api::Input;

use crate::STATUSES;

pub const TITLE_MAX_CHARS: usize = 200;
pub const DESCRIPTION_MAX_CHARS: usize = 10_000;

/// What the body is for: a new task and a replacement need a title, and fields left out take
/// their defaults; a patch changes only the fields it names.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Create,
    Replace,
    Patch,
}

/// The fields to set; `None` leaves a field as it is.
pub(crate) struct Changes {
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Option<&'static str>,
}

pub(crate) fn read<T>(mut input: Input<T>, mode: Mode) -> Result<Changes> {
    let whole = mode != Mode::Patch;
    let title = if whole {
        input.required_string("title")
    } else {
        input.string("title")
    };
    let title = title.and_then(|raw| {
        let title = raw.trim();
        let problem = if title.is_empty() {
            Some("This field may not be blank.".to_owned())
        } else if title.chars().count() > TITLE_MAX_CHARS {
            Some(format!(
                "Ensure this field has no more than {TITLE_MAX_CHARS} characters."
            ))
        } else if title.chars().any(char::is_control) {
            Some("Control characters are not allowed.".to_owned())
        } else {
            None
        };
        match problem {
            Some(message) => {
                input.error("title", message);
                None
            }
            None => Some(title.to_owned()),
        }
    });
    let description = input.string("description").and_then(|text| {
        if text.chars().count() > DESCRIPTION_MAX_CHARS {
            input.error(
                "description",
                format!("Ensure this field has no more than {DESCRIPTION_MAX_CHARS} characters."),
            );
            None
        } else if text.contains('\0') {
            input.error("description", "NUL characters are not allowed.");
            None
        } else {
            Some(text)
        }
    });
    let status = input.string("status").and_then(|name| {
        let known = STATUSES.iter().find(|s| **s == name).copied();
        if known.is_none() {
            input.error(
                "status",
                format!("\"{name}\" is not a valid choice: todo, doing or done."),
            );
        }
        known
    });
    input.finish()?;
    Ok(Changes {
        title,
        description: description.or_else(|| whole.then(String::new)),
        status: status.or_else(|| whole.then_some(STATUSES[0])),
    })
}
