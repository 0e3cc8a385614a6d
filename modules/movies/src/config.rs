//! `[movies]` in the configuration.

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MoviesConfig {
    /// Where TMDb's images live, at the size the pages show: a poster's URL is this plus its
    /// `poster_path`.
    pub image_base_url: String,
}

impl Default for MoviesConfig {
    fn default() -> Self {
        Self {
            image_base_url: "https://image.tmdb.org/t/p/w342".to_owned(),
        }
    }
}

impl MoviesConfig {
    /// The poster's full URL, if the film has one.
    pub fn poster_url(&self, poster_path: Option<&str>) -> Option<String> {
        let path = poster_path.filter(|p| !p.trim().is_empty())?;
        Some(format!(
            "{}/{}",
            self.image_base_url.trim_end_matches('/'),
            path.trim_start_matches('/')
        ))
    }
}
