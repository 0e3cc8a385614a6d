//! A declarative admin panel, in the spirit of Django's `ModelAdmin`: which columns the list shows,
//! what it searches, filters and orders by, and which fields are read-only. Every name is checked
//! against the entity's columns when the app is assembled, so a typo fails at startup.

use sea_orm::EntityTrait;

use crate::models::ModelInfo;

const MAX_PER_PAGE: u64 = 500;

#[derive(Debug, Clone)]
pub struct AdminPanel {
    model: ModelInfo,
    label: String,
    list_display: Vec<String>,
    search_fields: Vec<String>,
    list_filter: Vec<String>,
    ordering: Vec<String>,
    readonly_fields: Vec<String>,
    per_page: u64,
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
            ordering: Vec::new(),
            readonly_fields: Vec::new(),
            per_page: 50,
            model,
        }
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
        self
    }

    /// Every problem with the names this panel uses.
    pub(crate) fn validate(&self) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        let lists = [
            ("list_display", &self.list_display),
            ("search_fields", &self.search_fields),
            ("list_filter", &self.list_filter),
            ("ordering", &self.ordering),
            ("readonly_fields", &self.readonly_fields),
        ];
        for (option, names) in lists {
            for name in names {
                let column = name
                    .strip_prefix('-')
                    .filter(|_| option == "ordering")
                    .unwrap_or(name);
                if self.model.column(column).is_none() {
                    problems.push(format!(
                        "admin panel `{}`: {option} names `{column}`, which is not a column of {} (columns: {})",
                        self.key(),
                        self.model.table,
                        self.model.column_names().join(", ")
                    ));
                }
            }
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
