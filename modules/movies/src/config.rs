//! `[movies]` in the configuration.

use serde::Deserialize;

/// No `Debug`: the TMDb credentials must never reach a log.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MoviesConfig {
    /// Where TMDb's images live, at the size the pages show: a poster's URL is this plus its
    /// `poster_path`.
    pub image_base_url: String,
    /// TMDb's API v3, which `import-tmdb --api` reads.
    pub tmdb_api_url: String,
    /// TMDb API key (v3 auth), sent as the `api_key` parameter.
    pub tmdb_api_key: String,
    /// TMDb API read access token (v4 auth), sent as a bearer token; used when both are set.
    pub tmdb_read_token: String,
    /// How long one TMDb request may take, connecting included.
    pub tmdb_timeout_secs: u64,
}

impl Default for MoviesConfig {
    fn default() -> Self {
        Self {
            image_base_url: "https://image.tmdb.org/t/p/w342".to_owned(),
            tmdb_api_url: "https://api.themoviedb.org/3".to_owned(),
            tmdb_api_key: String::new(),
            tmdb_read_token: String::new(),
            tmdb_timeout_secs: 10,
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
