//! Actions on one object that ask for a little input first ("Mark shipped": carrier and tracking
//! number): what a panel declares (`AdminPanel::object_action`), what the action's code receives
//! and answers, and reading the submitted form into checked values.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use sea_orm::DatabaseTransaction;
use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::entities::user;
use crate::{FieldErrors, Result};

/// What a text field accepts unless `max_length` says otherwise.
const TEXT_MAX: usize = 255;
/// What a textarea accepts unless `max_length` says otherwise.
const TEXTAREA_MAX: usize = 5000;

/// One input of an object action's form.
///
/// ```
/// use bureau_core::ActionField;
/// let fields = [
///     ActionField::select("carrier", "Carrier", [("dhl", "DHL"), ("ups", "UPS")]).required(),
///     ActionField::text("tracking", "Tracking number").required().max_length(40),
///     ActionField::textarea("note", "Note for the customer").help("Shown in the shipping mail."),
/// ];
/// ```
#[derive(Debug, Clone)]
pub struct ActionField {
    pub(crate) name: String,
    pub(crate) label: String,
    pub(crate) kind: FieldKind,
    pub(crate) required: bool,
    pub(crate) max_length: usize,
    pub(crate) help: Option<String>,
}

/// The kind of input a field is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FieldKind {
    /// One line of text, trimmed.
    Text,
    /// Several lines of text, trimmed, line breaks as `\n`.
    Textarea,
    /// One of the choices: `(value, label)` pairs; the value is what the action receives.
    Select(Vec<(String, String)>),
    /// A box to tick: the action receives `"yes"` or `""`; required means it must be ticked
    /// ("I have refunded the customer").
    Checkbox,
}

impl ActionField {
    fn new(name: &str, label: &str, kind: FieldKind, max_length: usize) -> Self {
        Self {
            name: name.to_owned(),
            label: label.to_owned(),
            kind,
            required: false,
            max_length,
            help: None,
        }
    }

    /// One line of text, at most 255 characters unless `max_length` says otherwise.
    pub fn text(name: &str, label: &str) -> Self {
        Self::new(name, label, FieldKind::Text, TEXT_MAX)
    }

    /// Several lines of text, at most 5000 characters unless `max_length` says otherwise.
    pub fn textarea(name: &str, label: &str) -> Self {
        Self::new(name, label, FieldKind::Textarea, TEXTAREA_MAX)
    }

    /// A choice among `(value, label)` pairs; anything else is refused.
    pub fn select<'a>(
        name: &str,
        label: &str,
        choices: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        let choices = choices
            .into_iter()
            .map(|(value, label)| (value.to_owned(), label.to_owned()))
            .collect();
        Self::new(name, label, FieldKind::Select(choices), TEXT_MAX)
    }

    /// A box to tick; `required()` makes ticking it the confirmation the action asks for.
    pub fn checkbox(name: &str, label: &str) -> Self {
        Self::new(name, label, FieldKind::Checkbox, TEXT_MAX)
    }

    /// The field may not be left empty (a checkbox: must be ticked).
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// At most `chars` characters (counted as Unicode scalar values, after trimming).
    pub fn max_length(mut self, chars: usize) -> Self {
        self.max_length = chars;
        self
    }

    /// A sentence shown under the field.
    pub fn help(mut self, text: &str) -> Self {
        self.help = Some(text.to_owned());
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

/// What an object action's code receives.
#[derive(Clone)]
pub struct ActionContext {
    /// The object's primary key, as its column's JSON value (`7`, `"a1b2"`).
    pub id: Json,
    /// The object's row as read at the start of the action's transaction, locked until it ends
    /// (`FOR UPDATE` on PostgreSQL and MySQL; on SQLite the transaction holds the write lock), so
    /// what the row says cannot change under the action.
    pub row: Map<String, Json>,
    /// The checked input of every declared field by name; an optional field left empty is `""`.
    pub inputs: HashMap<String, String>,
    /// Who runs the action.
    pub user: user::Model,
    /// The app, for what the action does beyond the row (a customer's mail).
    pub state: crate::AppState,
}

impl std::fmt::Debug for ActionContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActionContext")
            .field("id", &self.id)
            .field("inputs", &self.inputs)
            .field("user", &self.user.username)
            .finish_non_exhaustive()
    }
}

impl ActionContext {
    /// The input of field `name` (`""` when empty or not declared).
    pub fn input(&self, name: &str) -> &str {
        self.inputs
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// The input of field `name`, none when it was left empty.
    pub fn optional(&self, name: &str) -> Option<&str> {
        Some(self.input(name)).filter(|value| !value.is_empty())
    }
}

/// How an object action ended. Only `Done` commits; the others roll the transaction back and
/// show the form again (422) with the input kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionOutcome {
    /// Done: the message is flashed on the object's page.
    Done(String),
    /// Not done, for a reason shown above the form ("An order that is delivered cannot be
    /// cancelled.").
    Refused(String),
    /// Not done: problems with the input, shown next to their fields (a field the form does not
    /// have, or `""`, above the form).
    Invalid(FieldErrors),
}

impl ActionOutcome {
    pub fn done(message: impl Into<String>) -> Self {
        Self::Done(message.into())
    }

    pub fn refused(message: impl Into<String>) -> Self {
        Self::Refused(message.into())
    }

    /// One problem with field `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        Self::Invalid(errors)
    }
}

/// The code of an object action: runs in the transaction that also records it in the audit log.
pub type ObjectActionFn = Arc<
    dyn for<'a> Fn(
            &'a DatabaseTransaction,
            ActionContext,
        ) -> Pin<Box<dyn Future<Output = Result<ActionOutcome>> + Send + 'a>>
        + Send
        + Sync,
>;

/// Whether an object action is offered for a row.
pub type OfferedFn = Arc<dyn Fn(&Map<String, Json>) -> bool + Send + Sync>;

/// An action on one object, declared by `AdminPanel::object_action`.
#[derive(Clone)]
pub(crate) struct ObjectAction {
    pub name: String,
    pub label: String,
    pub fields: Vec<ActionField>,
    pub run: ObjectActionFn,
    pub offered: Option<OfferedFn>,
}

impl ObjectAction {
    /// Whether the action applies to `row` as it is now.
    pub fn offered_for(&self, row: &Map<String, Json>) -> bool {
        self.offered.as_ref().is_none_or(|offered| offered(row))
    }

    /// Problems with the declaration, for assembly to report.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Err(message) = crate::rbac::check_action(&self.name) {
            problems.push(message);
        }
        if RESERVED.contains(&self.name.as_str()) {
            problems.push(format!(
                "`{}` is one of the admin's own permissions; name the action after what it does",
                self.name
            ));
        }
        for (index, field) in self.fields.iter().enumerate() {
            let valid = field
                .name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase())
                && field
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid {
                problems.push(format!(
                    "field `{}` must be lowercase letters, digits and `_`",
                    field.name
                ));
            }
            if self.fields[..index].iter().any(|f| f.name == field.name) {
                problems.push(format!("field `{}` is declared twice", field.name));
            }
            if field.max_length == 0 {
                problems.push(format!("field `{}` allows no characters", field.name));
            }
            if let FieldKind::Select(choices) = &field.kind {
                if choices.is_empty() {
                    problems.push(format!("select `{}` has no choices", field.name));
                }
                if choices.iter().any(|(value, _)| value.trim().is_empty()) {
                    problems.push(format!(
                        "select `{}` has an empty choice, which reads as no choice",
                        field.name
                    ));
                }
            }
        }
        problems
    }
}

/// RBAC actions the engine itself checks, which an object action must not borrow.
const RESERVED: [&str; 5] = ["view", "add", "change", "delete", "delete_selected"];

/// The submitted values of `fields` from a form, checked: trimmed, required ones present,
/// lengths within bounds, choices among the choices. Every problem is added to `errors`; the
/// values are returned either way, so the form can be shown again with them.
pub(crate) fn parse(
    fields: &[ActionField],
    form: &[(String, String)],
    errors: &mut FieldErrors,
) -> HashMap<String, String> {
    let mut values = HashMap::new();
    for field in fields {
        let raw = form
            .iter()
            .find(|(name, _)| *name == field.name)
            .map(|(_, value)| value.as_str())
            .unwrap_or_default();
        let value = match field.kind {
            FieldKind::Checkbox if raw.is_empty() => String::new(),
            FieldKind::Checkbox => "yes".to_owned(),
            // Browsers send line breaks as CRLF but count them as one character for
            // `maxlength`; counting them the same way here keeps the two limits equal.
            FieldKind::Textarea => raw.replace("\r\n", "\n").trim().to_owned(),
            FieldKind::Text | FieldKind::Select(_) => raw.trim().to_owned(),
        };
        if let Some(problem) = problem(field, &value) {
            errors.add(&field.name, problem);
        }
        values.insert(field.name.clone(), value);
    }
    values
}

fn problem(field: &ActionField, value: &str) -> Option<String> {
    if value.is_empty() {
        return match (field.required, &field.kind) {
            (false, _) => None,
            (true, FieldKind::Checkbox) => Some("Tick this box to go on.".to_owned()),
            (true, _) => Some("This field is required.".to_owned()),
        };
    }
    let allowed_control = |c: char| c == '\n' && field.kind == FieldKind::Textarea;
    if value.chars().any(|c| c.is_control() && !allowed_control(c)) {
        return Some("Remove the control characters from this value.".to_owned());
    }
    let count = value.chars().count();
    if count > field.max_length {
        return Some(format!(
            "Ensure this value has at most {} characters (it has {count}).",
            field.max_length
        ));
    }
    if let FieldKind::Select(choices) = &field.kind
        && !choices.iter().any(|(choice, _)| choice == value)
    {
        return Some(format!(
            "Select a valid choice. {value} is not one of the available choices."
        ));
    }
    None
}

/// One field as the action's template draws it.
#[derive(Debug, Serialize)]
pub(crate) struct FieldView {
    pub name: String,
    pub label: String,
    /// text, textarea, select, checkbox
    pub widget: &'static str,
    pub value: String,
    pub required: bool,
    pub maxlength: Option<usize>,
    pub choices: Vec<ChoiceView>,
    pub help: Option<String>,
    pub errors: Vec<String>,
    /// The ids of the help text and the errors, for `aria-describedby`.
    pub described_by: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ChoiceView {
    pub value: String,
    pub label: String,
}

/// The fields showing `values`, with their errors.
pub(crate) fn views(
    fields: &[ActionField],
    values: &HashMap<String, String>,
    errors: &FieldErrors,
) -> Vec<FieldView> {
    let by_field = errors.by_field();
    fields
        .iter()
        .map(|field| {
            let (widget, choices) = match &field.kind {
                FieldKind::Text => ("text", Vec::new()),
                FieldKind::Textarea => ("textarea", Vec::new()),
                FieldKind::Checkbox => ("checkbox", Vec::new()),
                FieldKind::Select(choices) => (
                    "select",
                    choices
                        .iter()
                        .map(|(value, label)| ChoiceView {
                            value: value.clone(),
                            label: label.clone(),
                        })
                        .collect(),
                ),
            };
            let errors: Vec<String> = by_field
                .get(field.name.as_str())
                .map(|m| m.iter().map(|s| (*s).to_owned()).collect())
                .unwrap_or_default();
            let described: Vec<String> = [
                field
                    .help
                    .as_ref()
                    .map(|_| format!("id_{}_help", field.name)),
                (!errors.is_empty()).then(|| format!("id_{}_errors", field.name)),
            ]
            .into_iter()
            .flatten()
            .collect();
            FieldView {
                name: field.name.clone(),
                label: field.label.clone(),
                widget,
                value: values.get(&field.name).cloned().unwrap_or_default(),
                required: field.required,
                maxlength: matches!(field.kind, FieldKind::Text | FieldKind::Textarea)
                    .then_some(field.max_length),
                choices,
                help: field.help.clone(),
                errors,
                described_by: (!described.is_empty()).then(|| described.join(" ")),
            }
        })
        .collect()
}

/// Messages that belong to no field of the form (`""`, or a name it does not have): shown above
/// it, so none is lost.
pub(crate) fn form_errors(fields: &[ActionField], errors: &FieldErrors) -> Vec<String> {
    errors
        .iter()
        .filter(|error| !fields.iter().any(|f| f.name == error.field))
        .map(|error| error.message.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn fields() -> Vec<ActionField> {
        vec![
            ActionField::text("carrier", "Carrier")
                .required()
                .max_length(5),
            ActionField::textarea("note", "Note").max_length(4),
            ActionField::select("speed", "Speed", [("slow", "Slow"), ("fast", "Fast")]),
            ActionField::checkbox("sure", "I am sure").required(),
        ]
    }

    fn messages(errors: &FieldErrors) -> Vec<(String, String)> {
        errors
            .iter()
            .map(|e| (e.field.clone(), e.message.clone()))
            .collect()
    }

    #[test]
    fn good_input_is_trimmed_and_kept() {
        let mut errors = FieldErrors::new();
        let values = parse(
            &fields(),
            &form(&[
                ("carrier", "  DHL "),
                ("note", "a\r\nb"),
                ("speed", "fast"),
                ("sure", "on"),
            ]),
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(values["carrier"], "DHL");
        assert_eq!(
            values["note"], "a\nb",
            "a CRLF line break counts as one character"
        );
        assert_eq!(values["speed"], "fast");
        assert_eq!(values["sure"], "yes");
    }

    #[test]
    fn every_problem_is_reported_by_field() {
        let mut errors = FieldErrors::new();
        let values = parse(
            &fields(),
            &form(&[("carrier", "   "), ("note", "toolong"), ("speed", "warp")]),
            &mut errors,
        );
        assert_eq!(
            messages(&errors),
            [
                ("carrier".into(), "This field is required.".into()),
                (
                    "note".into(),
                    "Ensure this value has at most 4 characters (it has 7).".into()
                ),
                (
                    "speed".into(),
                    "Select a valid choice. warp is not one of the available choices.".into()
                ),
                ("sure".into(), "Tick this box to go on.".into()),
            ]
        );
        assert_eq!(values["note"], "toolong", "the input is kept for the form");
    }

    #[test]
    fn optional_fields_may_be_empty_but_not_hold_control_characters() {
        let fields = [ActionField::text("reason", "Reason")];
        let mut errors = FieldErrors::new();
        assert_eq!(parse(&fields, &[], &mut errors)["reason"], "");
        assert!(errors.is_empty());
        parse(&fields, &form(&[("reason", "a\0b")]), &mut errors);
        assert!(errors.has("reason"));
    }

    #[test]
    fn declarations_are_checked() {
        let action = |name: &str, fields: Vec<ActionField>| ObjectAction {
            name: name.to_owned(),
            label: name.to_owned(),
            fields,
            run: Arc::new(|_, _| Box::pin(async { Ok(ActionOutcome::done("")) })),
            offered: None,
        };
        assert!(action("ship", fields()).problems().is_empty());
        assert_eq!(action("change", Vec::new()).problems().len(), 1);
        assert_eq!(action("Ship it", Vec::new()).problems().len(), 1);
        let bad = vec![
            ActionField::text("a", "A"),
            ActionField::text("a", "A again"),
            ActionField::text("csrf-token", "Token"),
            ActionField::select("s", "S", []),
            ActionField::text("n", "N").max_length(0),
        ];
        assert_eq!(action("ship", bad).problems().len(), 4);
    }
}
