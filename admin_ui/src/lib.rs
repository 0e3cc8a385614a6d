//! Bureau's shared look: the base layout every page extends, the error pages, and the static
//! assets (CSS, icons) they use.
//!
//! Release builds embed both folders in the binary, so a deployment needs no files beside it; debug
//! builds read them from this folder on every use, so an edited template shows on the next request.

use rust_embed::RustEmbed;

/// Templates, named by their path under `templates/` (`base.html`, `errors/error.html`).
#[derive(RustEmbed)]
#[folder = "templates/"]
pub struct Templates;

/// Static files, served under `/static/bureau/`.
#[derive(RustEmbed)]
#[folder = "static/"]
pub struct Static;
