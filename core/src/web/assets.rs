//! A folder of files embedded with rust-embed: templates or static assets of core or a module.

use rust_embed::{EmbeddedFile, RustEmbed};

/// The lookup function rust-embed generates for a folder, as a value, so folders of different
/// modules can sit in one list.
#[derive(Clone, Copy)]
pub(crate) struct Assets {
    get: fn(&str) -> Option<EmbeddedFile>,
}

impl Assets {
    pub fn of<E: RustEmbed>() -> Self {
        Self { get: E::get }
    }

    /// The file at `path`, refusing anything that could climb out of the folder.
    pub fn get(&self, path: &str) -> Option<EmbeddedFile> {
        let safe = !path.is_empty()
            && !path.starts_with('/')
            && !path.contains('\\')
            && path
                .split('/')
                .all(|segment| !segment.is_empty() && segment != "." && segment != "..");
        if safe { (self.get)(path) } else { None }
    }
}

/// A short fingerprint of a file's content, for ETags and cache-busting URLs.
pub(crate) fn fingerprint(file: &EmbeddedFile) -> String {
    file.metadata.sha256_hash()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
