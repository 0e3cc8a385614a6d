//! `bureau movies import-tmdb`: films from TMDb — JSON files saved from its API, or the API
//! itself — saved by TMDb id (`import.rs`), with a progress bar and a summary of what was
//! created, updated and why anything failed. `shapes.rs` reads TMDb's JSON, `client.rs` asks the
//! API.

mod client;
mod failure;
mod import;
mod shapes;

use std::collections::HashSet;
use std::fmt::Display;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use bureau_core::{AppState, Error, ModuleCommand, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sea_orm::DatabaseConnection;

use self::client::{HttpClient, List, TmdbApi};
use self::failure::Failure;
use self::import::Saved;
use self::shapes::{Document, Film, ListPage};
use crate::config::MoviesConfig;

/// The command as the module registers it.
pub(crate) struct ImportTmdb;

pub(crate) const NAME: &str = "import-tmdb";
pub(crate) const ABOUT: &str = "Import films from TMDb JSON files (--file) or the TMDb API (--api), \
     updating films already imported by their TMDb id";

#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    /// TMDb JSON files: list pages (as /movie/popular and /discover/movie answer) or movie
    /// details fetched with append_to_response=credits
    #[arg(
        long = "file",
        value_name = "PATH",
        num_args = 1..,
        required_unless_present = "api",
        conflicts_with = "api"
    )]
    files: Vec<PathBuf>,
    /// Fetch from the TMDb API with [movies] tmdb_api_key or tmdb_read_token: list pages, then
    /// each film's details and credits
    #[arg(long)]
    api: bool,
    /// How many list pages to fetch with --api (20 films each)
    #[arg(
        long,
        default_value_t = 1,
        requires = "api",
        value_parser = clap::value_parser!(u32).range(1..=500)
    )]
    pages: u32,
    /// Which list to fetch with --api
    #[arg(long, value_enum, default_value_t = List::Popular, requires = "api")]
    list: List,
}

impl ModuleCommand for ImportTmdb {
    type Args = ImportArgs;

    async fn run(
        &self,
        state: AppState,
        args: ImportArgs,
        out: &mut (dyn Write + Send),
    ) -> Result<()> {
        let mut report = Report::default();
        if args.api {
            let client = HttpClient::new(state.config().section::<MoviesConfig>("movies")?)?;
            from_api(&client, args.list, args.pages, state.db(), &mut report).await;
        } else {
            from_files(&args.files, state.db(), &mut report).await;
        }
        report.write(out)?;
        report.outcome()
    }
}

async fn from_files(paths: &[PathBuf], db: &DatabaseConnection, report: &mut Report) {
    let mut films = Vec::new();
    for path in paths {
        let document = tokio::fs::read(path)
            .await
            .map_err(Failure::Io)
            .and_then(|json| shapes::document(&json).map_err(Failure::Invalid));
        match document {
            Ok(Document::Details(film)) => films.push(film),
            Ok(Document::List(page)) => films.extend(entries(page, path, report)),
            Err(failure) => report.failed(path.display(), failure),
        }
    }
    let bar = progress_bar(films.len(), "Importing");
    for film in &films {
        save(db, film, report).await;
        bar.inc(1);
    }
    bar.finish_and_clear();
}

/// A page's films; its broken entries go to the report.
fn entries(page: ListPage, path: &Path, report: &mut Report) -> Vec<Film> {
    let mut films = Vec::new();
    for (index, entry) in page.entries.into_iter().enumerate() {
        match (entry.film, entry.tmdb_id) {
            (Ok(film), _) => films.push(film),
            (Err(reason), Some(id)) => {
                report.failed(format_args!("TMDb id {id} ({})", path.display()), reason)
            }
            (Err(reason), None) => report.failed(
                format_args!("{}, result {}", path.display(), index + 1),
                reason,
            ),
        }
    }
    films
}

async fn from_api(
    api: &impl TmdbApi,
    list: List,
    pages: u32,
    db: &DatabaseConnection,
    report: &mut Report,
) {
    let bar = progress_bar(pages as usize, "Listing");
    let ids = list_ids(api, list, pages, report, &bar).await;
    bar.set_length(ids.len() as u64);
    bar.set_position(0);
    bar.set_message("Importing");
    for id in ids {
        match api.details(id).await {
            Ok(film) => save(db, &film, report).await,
            Err(failure) => report.failed(format_args!("TMDb id {id}"), failure),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
}

/// The ids on the first `pages` pages of `list`, each once, in the list's order. Stops at the
/// list's last page, and when TMDb refuses the credentials.
async fn list_ids(
    api: &impl TmdbApi,
    list: List,
    pages: u32,
    report: &mut Report,
    bar: &ProgressBar,
) -> Vec<i64> {
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    for page in 1..=pages {
        match api.list_page(list, page).await {
            Ok(listing) => {
                for (index, entry) in listing.entries.into_iter().enumerate() {
                    match entry.tmdb_id {
                        // Popularity moves while the pages are read, so a film can be on two.
                        Some(id) if seen.insert(id) => ids.push(id),
                        Some(_) => {}
                        None => report.failed(
                            format_args!("{list} page {page}, result {}", index + 1),
                            "no TMDb id",
                        ),
                    }
                }
                bar.inc(1);
                if page >= listing.total_pages {
                    break;
                }
            }
            Err(failure) => {
                let refused = failure.is_unauthorized();
                report.failed(format_args!("{list} page {page}"), failure);
                if refused {
                    break;
                }
            }
        }
    }
    ids
}

async fn save(db: &DatabaseConnection, film: &Film, report: &mut Report) {
    match import::save(db, film).await {
        Ok(saved) => report.saved(saved),
        Err(error) => report.failed(
            format_args!("TMDb id {}", film.tmdb_id),
            Failure::Database(error),
        ),
    }
}

/// Hidden unless standard error is a terminal, so logs and scripts get the summary alone.
fn progress_bar(len: usize, message: &'static str) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(len as u64), target);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta} left)") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar
}

/// What became of each film, file and page.
#[derive(Debug, Default)]
struct Report {
    created: usize,
    updated: usize,
    /// "what: why", in the order they happened.
    failures: Vec<String>,
}

impl Report {
    fn saved(&mut self, saved: Saved) {
        match saved {
            Saved::Created => self.created += 1,
            Saved::Updated => self.updated += 1,
        }
    }

    fn failed(&mut self, what: impl Display, why: impl Display) {
        self.failures.push(format!("{what}: {why}"));
    }

    fn write(&self, out: &mut (dyn Write + Send)) -> Result<()> {
        let out_err = |e| Error::io("writing output", e);
        writeln!(
            out,
            "Imported {} films: {} created, {} updated, {} failed.",
            self.created + self.updated,
            self.created,
            self.updated,
            self.failures.len()
        )
        .map_err(out_err)?;
        for failure in &self.failures {
            writeln!(out, "  failed: {failure}").map_err(out_err)?;
        }
        Ok(())
    }

    /// An error only when nothing could be imported, so a script notices; a partial import
    /// succeeds, its failures listed in the summary.
    fn outcome(&self) -> Result<()> {
        if self.created + self.updated > 0 {
            return Ok(());
        }
        Err(Error::BadRequest(match self.failures.len() {
            0 => "nothing was imported: no films found".into(),
            failed => format!("nothing was imported: {failed} failed"),
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::shapes::Entry;
    use super::*;

    /// A TMDb that answers list pages from a script and records what was asked.
    struct Scripted {
        pages: Vec<Result<Vec<Option<i64>>, u16>>,
        asked: Mutex<Vec<u32>>,
    }

    impl TmdbApi for Scripted {
        async fn list_page(&self, _list: List, page: u32) -> Result<ListPage, Failure> {
            self.asked.lock().unwrap().push(page);
            match &self.pages[page as usize - 1] {
                Ok(ids) => Ok(ListPage {
                    total_pages: self.pages.len() as u32,
                    entries: ids
                        .iter()
                        .map(|id| Entry {
                            tmdb_id: *id,
                            film: Err("unused".into()),
                        })
                        .collect(),
                }),
                Err(status) => Err(Failure::Status {
                    status: *status,
                    message: None,
                }),
            }
        }

        async fn details(&self, _tmdb_id: i64) -> Result<Film, Failure> {
            Err(Failure::Invalid("unused".into()))
        }
    }

    async fn listed(
        pages: Vec<Result<Vec<Option<i64>>, u16>>,
        wanted: u32,
    ) -> (Vec<i64>, Report, Vec<u32>) {
        let api = Scripted {
            pages,
            asked: Mutex::new(Vec::new()),
        };
        let mut report = Report::default();
        let ids = list_ids(
            &api,
            List::Popular,
            wanted,
            &mut report,
            &ProgressBar::hidden(),
        )
        .await;
        let asked = api.asked.into_inner().unwrap();
        (ids, report, asked)
    }

    #[tokio::test]
    async fn listing_stops_at_the_last_page_and_keeps_each_film_once() {
        let (ids, report, asked) = listed(
            vec![Ok(vec![Some(1), Some(2)]), Ok(vec![Some(2), None, Some(3)])],
            5,
        )
        .await;

        assert_eq!(ids, [1, 2, 3]);
        assert_eq!(asked, [1, 2]);
        assert_eq!(report.failures, ["popular page 2, result 2: no TMDb id"]);
    }

    #[tokio::test]
    async fn a_failed_page_is_reported_and_refused_credentials_stop_the_listing() {
        let (ids, report, _) =
            listed(vec![Err(500), Ok(vec![Some(7)]), Ok(vec![Some(8)])], 3).await;
        assert_eq!(ids, [7, 8]);
        assert_eq!(report.failures, ["popular page 1: TMDb answered HTTP 500"]);

        let (ids, report, asked) = listed(vec![Err(401), Ok(vec![Some(7)])], 2).await;
        assert!(ids.is_empty());
        assert_eq!(asked, [1]);
        assert_eq!(report.failures.len(), 1);
        assert!(report.outcome().is_err());
    }
}
