//! Links modules add to the site navigation of the base layout.

use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NavEntry {
    pub module: &'static str,
    pub label: String,
    pub href: String,
}

impl NavEntry {
    pub(crate) fn new(module: &'static str, label: &str, href: &str) -> Result<Self, String> {
        if label.trim().is_empty() {
            return Err(format!("nav entry for `{href}` has no label"));
        }
        if !href.starts_with('/') || href.starts_with("//") {
            return Err(format!(
                "nav entry `{label}` must link to a path on this site, found `{href}`"
            ));
        }
        Ok(Self {
            module,
            label: label.trim().to_owned(),
            href: href.to_owned(),
        })
    }
}
