//! A declarative admin panel, in the spirit of Django's `ModelAdmin`: which columns the list shows,
//! what it searches, filters and orders by, and which fields are read-only. Every name is checked
//! against the entity's columns when the app is assembled, so a typo fails at startup.

use std::sync::Arc;

use sea_orm::EntityTrait;
use serde_json::{Map, Value as Json};

use super::object_action::{ActionContext, ActionField, ActionOutcome, ObjectAction};
use crate::FieldErrors;
use crate::models::ModelInfo;

/// A check a module adds to a panel's form: it sees the row as it would be saved and reports
/// problems by field.
pub type Validator = Arc<dyn Fn(&Map<String, Json>, &mut FieldErrors) + Send + Sync>;

/// Work to do after a change made through the panel has committed (reload a cache, notify).
pub type ChangeHook = Arc<
    dyn Fn(
            crate::AppState,
        )
            -> std::pin::Pin<Box<dyn std::future::Future<Output = crate::Result<()>> + Send>>
        + Send
        + Sync,
>;

/// A bulk action on selected rows, run in the transaction that also records it in the audit log;
/// returns how many rows it changed.
pub type ActionFn = Arc<
    dyn for<'a> Fn(
            &'a sea_orm::DatabaseTransaction,
            &'a [Json],
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = crate::Result<u64>> + Send + 'a>,
        > + Send
        + Sync,
>;

/// A band of an integer column that the list filters by (`AdminPanel::ranges`).
#[derive(Debug, Clone)]
pub struct Range {
    pub label: String,
    pub min: Option<i64>,
    pub max: Option<i64>,
}

/// A module-defined bulk action, offered in the list's action menu to users whose roles grant
/// `name` on the panel's model (`store.order`, `refund`).
#[derive(Clone)]
pub struct AdminAction {
    pub name: String,
    pub label: String,
    pub run: ActionFn,
}

/// A column the form does not show, computed from another on every save (`username_key` from
/// `username`). Uniqueness errors of the derived column are reported on its source.
#[derive(Clone)]
pub struct Derived {
    pub column: String,
    pub source: String,
    pub compute: fn(&str) -> String,
}

const MAX_PER_PAGE: u64 = 500;

#[derive(Clone)]
pub struct AdminPanel {
    model: ModelInfo,
    label: String,
    list_display: Vec<String>,
    search_fields: Vec<String>,
    list_filter: Vec<String>,
    by_year: Vec<String>,
    ordering: Vec<String>,
    readonly_fields: Vec<String>,
    per_page: u64,
    exclude: Vec<String>,
    blank: Vec<String>,
    fieldsets: Vec<(String, Vec<String>)>,
    derived: Vec<Derived>,
    validators: Vec<Validator>,
    display: Option<String>,
    on_add: Option<fn(&mut Map<String, Json>)>,
    on_change: Option<fn(&mut Map<String, Json>)>,
    after_change: Option<ChangeHook>,
    read_only: bool,
    actions: Vec<AdminAction>,
    object_actions: Vec<ObjectAction>,
    /// Names given to `object_action_when` that no object action has (reported by `validate`).
    unknown_conditions: Vec<String>,
    computed: Vec<Computed>,
    object_links: Vec<(String, String)>,
    many_to_many: Vec<ManyToMany>,
    choices: Vec<(String, Vec<String>)>,
    money: Vec<String>,
    ranges: Vec<(String, Vec<Range>)>,
    inlines: Vec<Inline>,
}

/// Child rows edited on their parent's page (order lines under an order): `fk_column` of the
/// child points at the parent; `panel` describes the child's editable columns.
#[derive(Clone)]
pub struct Inline {
    pub name: String,
    pub label: String,
    pub panel: Box<AdminPanel>,
    pub fk_column: String,
    /// Empty rows offered for new children.
    pub extra: usize,
}

/// A set of rows of another table linked through a join table (a user's roles through
/// `core_user_role`), edited on the form as one list of checkboxes.
#[derive(Clone, Debug)]
pub struct ManyToMany {
    pub name: String,
    pub label: String,
    pub join: ModelInfo,
    /// The join table's column that points at this panel's row.
    pub own_column: String,
    /// The join table's column that points at the other table.
    pub other_column: String,
}

impl ManyToMany {
    /// The table the links lead to.
    pub fn target_table(&self) -> Option<&str> {
        self.join
            .foreign_key(&self.other_column)
            .map(|fk| fk.table.as_str())
    }
}

/// A list column computed from the row rather than stored.
#[derive(Clone)]
pub struct Computed {
    pub name: String,
    pub label: String,
    pub value: ComputedValue,
}

/// What a computed list column shows.
#[derive(Clone, Copy)]
pub enum ComputedValue {
    Text(fn(&Map<String, Json>) -> String),
    /// A small image (a poster, a photo): its URL, which may depend on the configuration (an image
    /// server's address); none shows an empty cell.
    Image(fn(&Map<String, Json>, &crate::Config) -> Option<String>),
}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} from {}", self.column, self.source)
    }
}

impl AdminPanel {
    /// A panel for entity `E` showing its primary key, searching nothing, 50 rows a page.
    pub fn of<E: EntityTrait>() -> Self {
        let model = ModelInfo::of::<E>("");
        Self {
            label: model.name.replace('_', " "),
            list_display: model.primary_key.clone(),
            search_fields: Vec::new(),
            list_filter: Vec::new(),
            by_year: Vec::new(),
            ordering: Vec::new(),
            readonly_fields: Vec::new(),
            per_page: 50,
            exclude: Vec::new(),
            blank: Vec::new(),
            fieldsets: Vec::new(),
            derived: Vec::new(),
            validators: Vec::new(),
            display: None,
            on_add: None,
            on_change: None,
            after_change: None,
            read_only: false,
            actions: Vec::new(),
            object_actions: Vec::new(),
            unknown_conditions: Vec::new(),
            computed: Vec::new(),
            object_links: Vec::new(),
            many_to_many: Vec::new(),
            choices: Vec::new(),
            money: Vec::new(),
            ranges: Vec::new(),
            inlines: Vec::new(),
            model,
        }
    }

    /// Columns the form neither shows nor writes (a password hash).
    pub fn exclude<'a>(mut self, columns: impl IntoIterator<Item = &'a str>) -> Self {
        self.exclude = owned(columns);
        self
    }

    /// Text columns that may be left empty (stored as `""`); other non-null columns are required.
    pub fn blank<'a>(mut self, columns: impl IntoIterator<Item = &'a str>) -> Self {
        self.blank = owned(columns);
        self
    }

    /// Groups the form's fields under headings, in this order; fields in no group follow.
    pub fn fieldset<'a>(mut self, title: &str, columns: impl IntoIterator<Item = &'a str>) -> Self {
        self.fieldsets.push((title.to_owned(), owned(columns)));
        self
    }

    /// `column` is not shown and is computed from `source` on every save.
    pub fn derive(mut self, column: &str, source: &str, compute: fn(&str) -> String) -> Self {
        self.derived.push(Derived {
            column: column.to_owned(),
            source: source.to_owned(),
            compute,
        });
        self
    }

    /// Adds a check of the whole row before it is saved.
    pub fn validator(
        mut self,
        check: impl Fn(&Map<String, Json>, &mut FieldErrors) + Send + Sync + 'static,
    ) -> Self {
        self.validators.push(Arc::new(check));
        self
    }

    /// Fills what a new row needs beyond the form (columns the form does not show, timestamps).
    pub fn on_add(mut self, fill: fn(&mut Map<String, Json>)) -> Self {
        self.on_add = Some(fill);
        self
    }

    /// Runs `hook` after every add, change or delete through this panel has committed.
    pub fn after_change<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(crate::AppState) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = crate::Result<()>> + Send + 'static,
    {
        self.after_change = Some(Arc::new(move |state| Box::pin(hook(state))));
        self
    }

    pub(crate) async fn changed(&self, state: &crate::AppState) -> crate::Result<()> {
        match &self.after_change {
            Some(hook) => hook(state.clone()).await,
            None => Ok(()),
        }
    }

    /// Adds a bulk action: `action("publish", "Publish selected notes", |txn, ids| Box::pin(async
    /// move { ... }))`. Users need the RBAC action `name` on the model to see and run it.
    pub fn action<F>(mut self, name: &str, label: &str, run: F) -> Self
    where
        F: for<'a> Fn(
                &'a sea_orm::DatabaseTransaction,
                &'a [Json],
            ) -> std::pin::Pin<
                Box<dyn std::future::Future<Output = crate::Result<u64>> + Send + 'a>,
            > + Send
            + Sync
            + 'static,
    {
        self.actions.push(AdminAction {
            name: name.to_owned(),
            label: label.to_owned(),
            run: Arc::new(run),
        });
        self
    }

    pub fn actions(&self) -> &[AdminAction] {
        &self.actions
    }

    /// Adds an action on one object that asks for `fields` first, offered on the object's page
    /// to users whose roles grant `name` on the model (also on a `read_only` panel):
    ///
    /// ```ignore
    /// panel.object_action(
    ///     "cancel",
    ///     "Cancel order",
    ///     [ActionField::textarea("reason", "Reason")],
    ///     |txn, action| Box::pin(async move {
    ///         if order::cancel(txn, &action.id, action.optional("reason")).await? {
    ///             Ok(ActionOutcome::done("The order was cancelled."))
    ///         } else {
    ///             Ok(ActionOutcome::refused("An order that is delivered cannot be cancelled."))
    ///         }
    ///     }),
    /// )
    /// ```
    ///
    /// Its form is at `/admin/<module>/<entity>/<id>/action/<name>/`. The input is checked
    /// against the fields before `run` is called; `run` gets the object's key and row, the input
    /// and the user, in one transaction with the action's audit entry (its `changes` are the
    /// input). Only [`ActionOutcome::Done`] commits; an `Error::Invalid` from `run` is shown on
    /// the form like [`ActionOutcome::Invalid`].
    pub fn object_action<F>(
        mut self,
        name: &str,
        label: &str,
        fields: impl IntoIterator<Item = ActionField>,
        run: F,
    ) -> Self
    where
        F: for<'a> Fn(
                &'a sea_orm::DatabaseTransaction,
                ActionContext,
            ) -> std::pin::Pin<
                Box<dyn std::future::Future<Output = crate::Result<ActionOutcome>> + Send + 'a>,
            > + Send
            + Sync
            + 'static,
    {
        self.object_actions.push(ObjectAction {
            name: name.to_owned(),
            label: label.to_owned(),
            fields: fields.into_iter().collect(),
            run: Arc::new(run),
            offered: None,
        });
        self
    }

    /// Offers object action `name` only for the rows `offered` accepts ("ship" only for paid
    /// orders). The row is checked again, inside the action's transaction, when the form is
    /// submitted: a row that changed meanwhile is refused with a message, nothing done.
    pub fn object_action_when(
        mut self,
        name: &str,
        offered: impl Fn(&Map<String, Json>) -> bool + Send + Sync + 'static,
    ) -> Self {
        match self.object_actions.iter_mut().find(|a| a.name == name) {
            Some(action) => action.offered = Some(Arc::new(offered)),
            None => self.unknown_conditions.push(name.to_owned()),
        }
        self
    }

    pub(crate) fn object_actions(&self) -> &[ObjectAction] {
        &self.object_actions
    }

    pub(crate) fn object_action_named(&self, name: &str) -> Option<&ObjectAction> {
        self.object_actions.iter().find(|a| a.name == name)
    }

    /// A list column `name` (usable in `list_display`) whose cells `value` computes from the row.
    pub fn computed(
        mut self,
        name: &str,
        label: &str,
        value: fn(&Map<String, Json>) -> String,
    ) -> Self {
        self.computed.push(Computed {
            name: name.to_owned(),
            label: label.to_owned(),
            value: ComputedValue::Text(value),
        });
        self
    }

    /// A list column `name` showing a thumbnail of the image at the URL `url` computes.
    pub fn thumbnail(
        mut self,
        name: &str,
        label: &str,
        url: fn(&Map<String, Json>, &crate::Config) -> Option<String>,
    ) -> Self {
        self.computed.push(Computed {
            name: name.to_owned(),
            label: label.to_owned(),
            value: ComputedValue::Image(url),
        });
        self
    }

    /// A link on each object's page to `path`, relative to the object (`password/` →
    /// `/admin/core/user/7/password/`), for pages a module adds beside the engine's.
    pub fn object_link(mut self, label: &str, path: &str) -> Self {
        self.object_links.push((label.to_owned(), path.to_owned()));
        self
    }

    /// Edits the rows linked through join entity `J` as a list of checkboxes named `name`:
    /// `own_column` of `J` points at this panel's row, `other_column` at the linked table.
    pub fn many_to_many<J: EntityTrait>(
        mut self,
        name: &str,
        label: &str,
        own_column: &str,
        other_column: &str,
    ) -> Self {
        self.many_to_many.push(ManyToMany {
            name: name.to_owned(),
            label: label.to_owned(),
            join: ModelInfo::of::<J>(""),
            own_column: own_column.to_owned(),
            other_column: other_column.to_owned(),
        });
        self
    }

    /// The values a text column may hold: the form offers them in a select, the list filters by
    /// them, and anything else is refused.
    pub fn choices<'a>(mut self, column: &str, values: impl IntoIterator<Item = &'a str>) -> Self {
        self.choices.push((column.to_owned(), owned(values)));
        self
    }

    /// Integer columns holding amounts in cents: the list, the export and the form show them as
    /// `12.50`, and the form takes them that way (never negative, at most two decimal places).
    pub fn money<'a>(mut self, columns: impl IntoIterator<Item = &'a str>) -> Self {
        self.money = owned(columns);
        self
    }

    pub fn is_money(&self, column: &str) -> bool {
        self.money.iter().any(|c| c == column)
    }

    /// Named bands of an integer column for the list's filter: `ranges("stock", [("Out of
    /// stock", None, Some(0)), ("In stock", Some(1), None)])`, bounds included.
    pub fn ranges<'a>(
        mut self,
        column: &str,
        bands: impl IntoIterator<Item = (&'a str, Option<i64>, Option<i64>)>,
    ) -> Self {
        let bands = bands
            .into_iter()
            .map(|(label, min, max)| Range {
                label: label.to_owned(),
                min,
                max,
            })
            .collect();
        self.ranges.push((column.to_owned(), bands));
        self
    }

    pub fn ranges_of(&self, column: &str) -> Option<&[Range]> {
        self.ranges
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, bands)| bands.as_slice())
    }

    pub fn choices_of(&self, column: &str) -> Option<&[String]> {
        self.choices
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, values)| values.as_slice())
    }

    /// Edits the rows of `C` whose `fk_column` points at this panel's row on its page, showing
    /// `columns` of each, plus three empty rows for new ones.
    pub fn inline<'a, C: EntityTrait>(
        self,
        name: &str,
        label: &str,
        fk_column: &str,
        columns: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        self.inline_panel(
            name,
            label,
            fk_column,
            AdminPanel::of::<C>().list_display(columns),
        )
    }

    /// `inline`, with the child rows read, checked and filled as `child` says (its money
    /// columns, choices, validators, `on_add`): its `list_display` are the columns shown. Writing
    /// a child row needs the user's permission on the child's model too.
    pub fn inline_panel(
        mut self,
        name: &str,
        label: &str,
        fk_column: &str,
        child: AdminPanel,
    ) -> Self {
        let shown = child.list_display.clone();
        let hidden: Vec<String> = child
            .model
            .column_names()
            .into_iter()
            .filter(|c| {
                !shown.iter().any(|s| s == c) && !child.model.primary_key.iter().any(|k| k == c)
            })
            .map(str::to_owned)
            .collect();
        let child = AdminPanel {
            list_display: shown,
            exclude: hidden,
            ..child
        };
        self.inlines.push(Inline {
            name: name.to_owned(),
            label: label.to_owned(),
            panel: Box::new(child),
            fk_column: fk_column.to_owned(),
            extra: 3,
        });
        self
    }

    pub fn inlines(&self) -> &[Inline] {
        &self.inlines
    }

    pub fn relations(&self) -> &[ManyToMany] {
        &self.many_to_many
    }

    pub fn object_links(&self) -> &[(String, String)] {
        &self.object_links
    }

    pub fn computed_column(&self, name: &str) -> Option<&Computed> {
        self.computed.iter().find(|c| c.name == name)
    }

    /// `fk__field` in `list_display`: the foreign key column and the field of the row it points at.
    pub fn related_column(name: &str) -> Option<(&str, &str)> {
        name.split_once("__")
    }

    /// Nobody adds, changes or deletes through this panel's forms, superusers included (an audit
    /// log). The panel's own actions, bulk or on one object, still run for users allowed them
    /// (orders changed only through "Mark shipped" and "Cancel").
    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Fills what a changed row needs beyond the form (an `updated_at`).
    pub fn on_change(mut self, fill: fn(&mut Map<String, Json>)) -> Self {
        self.on_change = Some(fill);
        self
    }

    pub(crate) fn fill_changed(&self, row: &mut Map<String, Json>) {
        if let Some(fill) = self.on_change {
            fill(row);
        }
    }

    pub(crate) fn fill_new(&self, row: &mut Map<String, Json>) {
        if let Some(fill) = self.on_add {
            fill(row);
        }
    }

    /// The column that names a row in titles, messages and the audit log (default: the first
    /// list column).
    pub fn display(mut self, column: &str) -> Self {
        self.display = Some(column.to_owned());
        self
    }

    /// The plural name shown in the admin, e.g. "orders".
    pub fn label(mut self, label: &str) -> Self {
        self.label = label.to_owned();
        self
    }

    pub fn list_display<'a>(mut self, columns: impl IntoIterator<Item = &'a str>) -> Self {
        self.list_display = owned(columns);
        self
    }

    pub fn search_fields<'a>(mut self, columns: impl IntoIterator<Item = &'a str>) -> Self {
        self.search_fields = owned(columns);
        self
    }

    /// Date columns among the filters that are filtered by decade and year (release dates,
    /// birthdays) rather than by recent days (when something happened here).
    pub fn by_year<'a>(mut self, columns: impl IntoIterator<Item = &'a str>) -> Self {
        self.by_year = owned(columns);
        self
    }

    pub fn years_of(&self) -> &[String] {
        &self.by_year
    }

    pub fn list_filter<'a>(mut self, columns: impl IntoIterator<Item = &'a str>) -> Self {
        self.list_filter = owned(columns);
        self
    }

    /// Default ordering; `-column` sorts descending.
    pub fn ordering<'a>(mut self, columns: impl IntoIterator<Item = &'a str>) -> Self {
        self.ordering = owned(columns);
        self
    }

    pub fn readonly_fields<'a>(mut self, columns: impl IntoIterator<Item = &'a str>) -> Self {
        self.readonly_fields = owned(columns);
        self
    }

    pub fn per_page(mut self, rows: u64) -> Self {
        self.per_page = rows;
        self
    }

    /// `<module>.<entity>`.
    pub fn key(&self) -> String {
        self.model.key()
    }

    pub fn model(&self) -> &ModelInfo {
        &self.model
    }

    pub fn label_text(&self) -> &str {
        &self.label
    }

    pub fn columns(&self) -> &[String] {
        &self.list_display
    }

    pub fn searches(&self) -> &[String] {
        &self.search_fields
    }

    pub fn filters(&self) -> &[String] {
        &self.list_filter
    }

    pub fn default_ordering(&self) -> &[String] {
        &self.ordering
    }

    pub fn readonly(&self) -> &[String] {
        &self.readonly_fields
    }

    pub fn rows_per_page(&self) -> u64 {
        self.per_page
    }

    pub fn excluded(&self) -> &[String] {
        &self.exclude
    }

    pub fn may_be_blank(&self, column: &str) -> bool {
        self.blank.iter().any(|c| c == column)
    }

    pub fn fieldsets(&self) -> &[(String, Vec<String>)] {
        &self.fieldsets
    }

    pub fn derived(&self) -> &[Derived] {
        &self.derived
    }

    pub fn validators(&self) -> &[Validator] {
        &self.validators
    }

    /// The column that names a row.
    pub fn display_column(&self) -> &str {
        self.display
            .as_deref()
            .or_else(|| self.list_display.first().map(String::as_str))
            .unwrap_or_default()
    }

    pub(crate) fn owned_by(mut self, module: &'static str) -> Self {
        let mut model = ModelInfo::clone(&self.model);
        model.module = module;
        model.name = model
            .table
            .strip_prefix(&format!("{module}_"))
            .unwrap_or(&model.table)
            .to_owned();
        if self.label == self.model.name.replace('_', " ") {
            self.label = model.name.replace('_', " ");
        }
        self.model = model;
        self.inlines = self
            .inlines
            .into_iter()
            .map(|inline| Inline {
                panel: Box::new(inline.panel.owned_by(module)),
                ..inline
            })
            .collect();
        self
    }

    /// Every problem with the names this panel uses.
    pub(crate) fn validate(&self) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        let derived_columns: Vec<String> = self
            .derived
            .iter()
            .flat_map(|d| [d.column.clone(), d.source.clone()])
            .collect();
        let grouped: Vec<String> = self.fieldsets.iter().flat_map(|(_, c)| c.clone()).collect();
        let display: Vec<String> = self.display.iter().cloned().collect();
        let with_choices: Vec<String> = self.choices.iter().map(|(c, _)| c.clone()).collect();
        let lists = [
            ("list_display", &self.list_display),
            ("search_fields", &self.search_fields),
            ("list_filter", &self.list_filter),
            ("by_year", &self.by_year),
            ("ordering", &self.ordering),
            ("readonly_fields", &self.readonly_fields),
            ("exclude", &self.exclude),
            ("blank", &self.blank),
            ("fieldset", &grouped),
            ("derive", &derived_columns),
            ("display", &display),
            ("choices", &with_choices),
        ];
        for (option, names) in lists {
            for name in names {
                let column = name
                    .strip_prefix('-')
                    .filter(|_| option == "ordering")
                    .unwrap_or(name);
                let shown_otherwise = option == "list_display"
                    && (self.computed_column(column).is_some()
                        || Self::related_column(column)
                            .is_some_and(|(fk, _)| self.model.foreign_key(fk).is_some()));
                // A list may be filtered by a many-to-many relation's rows (`genres`).
                let linked =
                    option == "list_filter" && self.many_to_many.iter().any(|r| r.name == column);
                let shown_otherwise = shown_otherwise || linked;
                if self.model.column(column).is_none() && !shown_otherwise {
                    problems.push(format!(
                        "admin panel `{}`: {option} names `{column}`, which is not a column of {} (columns: {})",
                        self.key(),
                        self.model.table,
                        self.model.column_names().join(", ")
                    ));
                }
            }
        }
        for inline in &self.inlines {
            let fk = inline.panel.model.foreign_key(&inline.fk_column);
            if fk.is_none_or(|fk| fk.table != self.model.table) {
                problems.push(format!(
                    "admin panel `{}`: inline `{}`: {}.{} is not a foreign key to {}",
                    self.key(),
                    inline.name,
                    inline.panel.model.table,
                    inline.fk_column,
                    self.model.table
                ));
            }
            if let Err(child) = inline.panel.validate() {
                problems.extend(child);
            }
        }
        for relation in &self.many_to_many {
            let own = relation.join.foreign_key(&relation.own_column);
            if own.is_none_or(|fk| fk.table != self.model.table) {
                problems.push(format!(
                    "admin panel `{}`: many_to_many `{}`: {}.{} is not a foreign key to {}",
                    self.key(),
                    relation.name,
                    relation.join.table,
                    relation.own_column,
                    self.model.table
                ));
            }
            if relation.target_table().is_none() {
                problems.push(format!(
                    "admin panel `{}`: many_to_many `{}`: {}.{} is not a foreign key",
                    self.key(),
                    relation.name,
                    relation.join.table,
                    relation.other_column
                ));
            }
        }
        for (index, action) in self.object_actions.iter().enumerate() {
            for problem in action.problems() {
                problems.push(format!(
                    "admin panel `{}`: object action `{}`: {problem}",
                    self.key(),
                    action.name
                ));
            }
            if self.object_actions[..index]
                .iter()
                .any(|a| a.name == action.name)
            {
                problems.push(format!(
                    "admin panel `{}`: object action `{}` is declared twice",
                    self.key(),
                    action.name
                ));
            }
        }
        for name in &self.unknown_conditions {
            problems.push(format!(
                "admin panel `{}`: object_action_when names `{name}`, which is no object action \
                 declared before it",
                self.key()
            ));
        }
        if !(1..=MAX_PER_PAGE).contains(&self.per_page) {
            problems.push(format!(
                "admin panel `{}`: per_page must be between 1 and {MAX_PER_PAGE}",
                self.key()
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

fn owned<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    names.into_iter().map(str::to_owned).collect()
}
