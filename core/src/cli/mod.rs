//! `bureau <command>`: serve, migrate, createsuperuser, loaddata, dumpdata, check, routes, and
//! the commands modules add (`bureau <module> <command>`, `module_commands.rs`).

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};
use sea_orm::{DatabaseConnection, TransactionTrait};

use crate::app::{prepare_database, shutdown_signal, start};
use crate::config::ConfigSource;
use crate::registry::Endpoints;
use crate::{App, AppState, Config, Error, Registry, Result, db, mail, models, rbac, session, sms};

mod module_commands;
mod superuser;

pub use module_commands::ModuleCommand;
pub(crate) use module_commands::RegisteredCommand;

/// Where `createsuperuser --no-input` takes the password from.
const SUPERUSER_PASSWORD_VAR: &str = "BUREAU_SUPERUSER_PASSWORD";

#[derive(Debug, Parser)]
#[command(
    name = "bureau",
    version,
    about = "Bureau: an admin-first back office in one binary"
)]
struct Cli {
    /// Configuration file [default: ./config.toml when present, or $BUREAU_CONFIG]
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server (what `bureau` does with no command)
    Serve {
        /// Address to listen on, instead of server.addr
        #[arg(long)]
        addr: Option<SocketAddr>,
    },
    /// Apply, revert or list database migrations
    Migrate {
        #[command(subcommand)]
        action: Migrate,
    },
    /// Load fixtures (JSON files, or registered names such as tasks/demo), all in one transaction
    Loaddata {
        #[arg(required = true, value_name = "FIXTURE")]
        fixtures: Vec<String>,
    },
    /// Write rows as fixture JSON: every model, or the models or modules named
    Dumpdata {
        /// `<module>.<entity>` or `<module>`
        #[arg(value_name = "MODEL")]
        models: Vec<String>,
        /// Write to this file instead of standard output
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Create a superuser (staff, every permission). Asks for the details unless --no-input,
    /// which takes the password from BUREAU_SUPERUSER_PASSWORD
    Createsuperuser {
        #[arg(long)]
        username: Option<String>,
        #[arg(long)]
        email: Option<String>,
        /// Ask nothing: --username and --email are required, the password comes from the
        /// BUREAU_SUPERUSER_PASSWORD environment variable
        #[arg(long)]
        no_input: bool,
    },
    /// Check the configuration and that the database answers; exits non-zero on a problem
    Check,
    /// List every route with its methods and module
    Routes,
}

#[derive(Debug, Subcommand)]
enum Migrate {
    /// Apply pending migrations
    Up {
        /// Apply only this many
        #[arg(short = 'n', long)]
        steps: Option<u32>,
    },
    /// Revert the most recently applied migrations
    Down {
        /// Revert this many
        #[arg(short = 'n', long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied
    Status,
    /// Drop every table in the database, then apply all migrations
    Fresh {
        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
    },
}

impl App {
    /// Runs the command line of this process and reports failure as the exit code.
    pub fn run_cli(self) -> ExitCode {
        match self.assemble().and_then(|(registry, endpoints)| {
            // Exits the process itself for --help, --version and arguments that do not parse.
            let matches = command_line(&registry).get_matches();
            run_process(&self, matches, registry, endpoints)
        }) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        }
    }

    /// Runs one command as `bureau <args>` would, with the configuration from `source`, writing
    /// its output to `out`. `serve` runs until SIGINT/SIGTERM.
    pub async fn run_command<I, T>(
        &self,
        args: I,
        source: ConfigSource,
        out: &mut (dyn Write + Send),
    ) -> Result<()>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let (registry, endpoints) = self.assemble()?;
        let matches = command_line(&registry)
            .try_get_matches_from(
                std::iter::once("bureau".into()).chain(args.into_iter().map(Into::into)),
            )
            .map_err(|e| Error::BadRequest(e.to_string()))?;
        let (invocation, _) = Invocation::of(&registry, &matches)?;
        let config = Config::load(&source, registry.config_sections())?;
        let password = source.env_var(SUPERUSER_PASSWORD_VAR);
        dispatch(invocation, registry, endpoints, config, password, out).await
    }
}

/// Core's commands, then each module's under the module's name.
fn command_line(registry: &Registry) -> clap::Command {
    module_commands::add_to(Cli::command(), registry.commands())
}

/// The names of core's commands, which no module's name may shadow.
pub(crate) fn core_command_names() -> Vec<String> {
    let cli = Cli::command();
    let mut names: Vec<String> = cli
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    names.push("help".into());
    names
}

/// What the command line asks for.
enum Invocation<'m> {
    Core(Option<Command>),
    Module(RegisteredCommand, &'m ArgMatches),
}

impl<'m> Invocation<'m> {
    /// The command `matches` chose, and the configuration file it names.
    fn of(registry: &Registry, matches: &'m ArgMatches) -> Result<(Self, Option<PathBuf>)> {
        let parse_error = |e: clap::Error| Error::BadRequest(e.to_string());
        if let Some((command, args)) = module_commands::chosen(registry.commands(), matches) {
            // A global option's value is kept at the top level wherever it was typed.
            let config = matches.get_one::<PathBuf>("config").cloned();
            return Ok((Self::Module(command, args), config));
        }
        let cli = Cli::from_arg_matches(matches).map_err(parse_error)?;
        Ok((Self::Core(cli.command), cli.config))
    }
}

fn run_process(
    app: &App,
    matches: ArgMatches,
    registry: Registry,
    endpoints: Endpoints,
) -> Result<()> {
    let (invocation, file) = Invocation::of(&registry, &matches)?;
    let source = ConfigSource::from_process(app.defaults(), file)?;
    let config = Config::load(&source, registry.config_sections())?;
    let password = source.env_var(SUPERUSER_PASSWORD_VAR);
    crate::logging::init(&config);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("starting the async runtime", e))?;
    let mut stdout = std::io::stdout();
    runtime.block_on(dispatch(
        invocation,
        registry,
        endpoints,
        config,
        password,
        &mut stdout,
    ))
}

async fn dispatch(
    invocation: Invocation<'_>,
    registry: Registry,
    endpoints: Endpoints,
    mut config: Config,
    superuser_password: Option<String>,
    out: &mut (dyn Write + Send),
) -> Result<()> {
    let out_err = |e| Error::io("writing output", e);
    let command = match invocation {
        Invocation::Core(command) => command,
        Invocation::Module(command, args) => {
            return module_command(&command, args, registry, config, out).await;
        }
    };
    match command.unwrap_or(Command::Serve { addr: None }) {
        Command::Serve { addr } => {
            if let Some(addr) = addr {
                config.server.addr = addr;
            }
            // Registered before anything slow, so an early Ctrl-C still shuts down cleanly.
            let signal = shutdown_signal();
            let server = start(registry, endpoints, config).await?;
            writeln!(
                out,
                "Bureau is running at {}/ (press Ctrl-C to stop)",
                server.url()
            )
            .map_err(out_err)?;
            if let Some((username, password)) = server.first_superuser() {
                writeln!(
                    out,
                    "Created the superuser `{username}` with password `{password}`.\n\
                     Log in at {}/accounts/login/ and change the password at \
                     {}/accounts/password/change/ (this is shown only once).",
                    server.url(),
                    server.url()
                )
                .map_err(out_err)?;
            }
            out.flush().map_err(out_err)?;
            server.run_until(signal).await
        }
        Command::Migrate { action } => migrate(action, &registry, &config, out).await,
        Command::Loaddata { fixtures } => loaddata(&fixtures, &registry, &config, out).await,
        Command::Dumpdata { models, output } => {
            dumpdata(&models, output, &registry, &config, out).await
        }
        Command::Createsuperuser {
            username,
            email,
            no_input,
        } => {
            let answers = if no_input {
                superuser::Answers::given(username, email, superuser_password)?
            } else {
                superuser::Answers::ask(username, email)?
            };
            superuser::create(answers, registry, config, out).await
        }
        Command::Check => check(&registry, &config, out).await,
        Command::Routes => {
            for route in registry.routes() {
                let methods: Vec<&str> = route.methods.iter().map(|m| m.as_str()).collect();
                writeln!(
                    out,
                    "{:<18} {:<40} {:<4} {}",
                    methods.join(","),
                    route.path,
                    route.kind,
                    route.module
                )
                .map_err(out_err)?;
            }
            Ok(())
        }
    }
}

async fn migrate(
    action: Migrate,
    registry: &Registry,
    config: &Config,
    out: &mut (dyn Write + Send),
) -> Result<()> {
    let out_err = |e| Error::io("writing output", e);
    let url = &config.database.url;
    with_database(config, async |db| match action {
        Migrate::Up { steps } => {
            let before = db::migrate::pending(db, registry).await?;
            db::with_startup_lock(db, url, async {
                db::migrate::up(db, registry, steps).await?;
                rbac::seed_when_current(db, registry).await
            })
            .await?;
            let after = db::migrate::status(db, registry).await?;
            writeln!(
                out,
                "Applied {} migration(s); {} pending.",
                before - after.pending(),
                after.pending()
            )
            .map_err(out_err)?;
            if let Some(note) = after.newer_note() {
                writeln!(out, "Note: {note}.").map_err(out_err)?;
            }
            Ok(())
        }
        Migrate::Down { steps } => {
            let applied = applied_count(db, registry).await?;
            db::with_startup_lock(db, url, db::migrate::down(db, registry, steps)).await?;
            let now = applied_count(db, registry).await?;
            writeln!(out, "Reverted {} migration(s).", applied - now).map_err(out_err)
        }
        Migrate::Status => {
            let migrations = db::migrate::status(db, registry).await?;
            for state in &migrations.known {
                let mark = if state.applied { "applied" } else { "pending" };
                writeln!(out, "{mark:<8} {:<12} {}", state.module, state.name).map_err(out_err)?;
            }
            for name in &migrations.newer {
                writeln!(out, "{:<8} {:<12} {name}", "applied", "(newer)").map_err(out_err)?;
            }
            if let Some(note) = migrations.newer_note() {
                writeln!(out, "Note: {note}.").map_err(out_err)?;
            }
            Ok(())
        }
        Migrate::Fresh { yes } => {
            if !yes
                && !confirmed(&format!(
                    "This drops EVERY table in {}.",
                    config.database.url
                ))?
            {
                return Err(Error::BadRequest(
                    "not confirmed; nothing was changed (pass --yes to skip the question)".into(),
                ));
            }
            db::with_startup_lock(db, url, async {
                db::migrate::fresh(db, &config.database, registry).await?;
                rbac::seed_when_current(db, registry).await
            })
            .await?;
            let applied = applied_count(db, registry).await?;
            writeln!(
                out,
                "Dropped all tables and applied {applied} migration(s)."
            )
            .map_err(out_err)
        }
    })
    .await
}

async fn applied_count(db: &DatabaseConnection, registry: &Registry) -> Result<usize> {
    Ok(db::migrate::status(db, registry).await?.applied())
}

/// Runs a module's command with the app's state, prepared as `serve` would prepare it.
async fn module_command(
    command: &RegisteredCommand,
    args: &ArgMatches,
    registry: Registry,
    config: Config,
    out: &mut (dyn Write + Send),
) -> Result<()> {
    with_database(&config.clone(), async |db| {
        if !config.database.migrate_on_start {
            let pending = db::migrate::pending(db, &registry).await?;
            if pending > 0 {
                return Err(Error::BadRequest(format!(
                    "{pending} migration(s) pending and database.migrate_on_start is off; \
                     run `bureau migrate up` first"
                )));
            }
        }
        prepare_database(db, &registry, &config).await?;
        command.run(state(db, registry, config)?, args, out).await
    })
    .await
}

/// The state handlers get, for commands that need it: sessions in the database (a command makes
/// none), the configured mail transport and SMS sender.
fn state(db: &DatabaseConnection, registry: Registry, config: Config) -> Result<AppState> {
    let sessions = session::Store::Database(session::DatabaseStore::new(db.clone()));
    let mail = mail::Transport::from_config(&config)?;
    let sms = sms::sender(&config)?;
    AppState::new(config, db.clone(), registry, sessions, mail, sms)
}

/// Runs `work` on a fresh pool and closes the pool afterwards, whether or not the work failed.
async fn with_database<T>(
    config: &Config,
    work: impl AsyncFnOnce(&DatabaseConnection) -> Result<T>,
) -> Result<T> {
    let db = db::connect(&config.database, true).await?;
    let outcome = work(&db).await;
    let closed = db.close_by_ref().await;
    let value = outcome?;
    closed?;
    Ok(value)
}

/// Asks on the terminal; without one there is nobody to ask, which counts as no.
fn confirmed(warning: &str) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    eprint!("{warning} Type 'yes' to continue: ");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| Error::io("reading the answer", e))?;
    Ok(answer.trim() == "yes")
}

async fn loaddata(
    names: &[String],
    registry: &Registry,
    config: &Config,
    out: &mut (dyn Write + Send),
) -> Result<()> {
    let mut sources = Vec::new();
    for name in names {
        let registered = registry.fixtures().iter().find(|f| f.full_name() == *name);
        let json = match registered {
            Some(fixture) => fixture.json.to_owned(),
            None => std::fs::read_to_string(name).map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    Error::Fixture(format!(
                        "no fixture file or registered fixture named {name}; registered fixtures: {}",
                        registry.fixture_names().join(", ")
                    ))
                } else {
                    Error::io(format!("reading {name}"), e)
                }
            })?,
        };
        sources.push((name, json));
    }
    let total = with_database(config, async |db| {
        let txn = db.begin().await?;
        let mut total = 0;
        for (name, json) in &sources {
            total += models::load(&txn, registry.models(), name, json, true).await?;
        }
        txn.commit().await?;
        Ok(total)
    })
    .await?;
    writeln!(
        out,
        "Loaded {total} record(s) from {} fixture(s).",
        sources.len()
    )
    .map_err(|e| Error::io("writing output", e))
}

async fn dumpdata(
    names: &[String],
    output: Option<PathBuf>,
    registry: &Registry,
    config: &Config,
    out: &mut (dyn Write + Send),
) -> Result<()> {
    let mut chosen = Vec::new();
    for name in names {
        let matching: Vec<_> = registry
            .models()
            .iter()
            .filter(|m| m.key() == *name || m.module == name.as_str())
            .collect();
        if matching.is_empty() {
            let known: Vec<String> = registry.models().iter().map(|m| m.key()).collect();
            return Err(Error::Fixture(format!(
                "no model or module named {name}; models: {}",
                known.join(", ")
            )));
        }
        chosen.extend(matching);
    }
    if names.is_empty() {
        chosen = registry.models().iter().collect();
    }
    with_database(config, async |db| match &output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
            let mut writer = std::io::BufWriter::new(file);
            let count = models::dump(db, &chosen, &mut writer).await?;
            writer
                .flush()
                .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
            writeln!(out, "Wrote {count} record(s) to {}.", path.display())
                .map_err(|e| Error::io("writing output", e))
        }
        None => models::dump(db, &chosen, out).await.map(drop),
    })
    .await
}

async fn check(registry: &Registry, config: &Config, out: &mut (dyn Write + Send)) -> Result<()> {
    let out_err = |e| Error::io("writing output", e);
    let profile = if config.is_production() {
        "production"
    } else {
        "dev"
    };
    writeln!(
        out,
        "configuration  ok ({profile} profile; from {})",
        config.sources.join(", ")
    )
    .map_err(out_err)?;
    for warning in config.warnings() {
        writeln!(out, "warning        {warning}").map_err(out_err)?;
    }
    let modules: Vec<&str> = registry.modules().iter().map(|m| m.name).collect();
    writeln!(out, "modules        {}", modules.join(", ")).map_err(out_err)?;
    with_database(config, async |db| {
        db::ping(
            db,
            std::time::Duration::from_secs(config.database.connect_timeout_secs),
        )
        .await?;
        let version = db::server_version(db).await?;
        writeln!(
            out,
            "database       ok ({version} at {})",
            config.database.url
        )
        .map_err(out_err)?;
        let migrations = db::migrate::status(db, registry).await?;
        let pending = migrations.pending();
        let note = if pending > 0 {
            " — run `bureau migrate up`"
        } else {
            ""
        };
        let newer = match migrations.newer.len() {
            0 => String::new(),
            n => format!(", {n} from a newer release"),
        };
        writeln!(
            out,
            "migrations     {} applied, {pending} pending{newer}{note}",
            migrations.applied()
        )
        .map_err(out_err)
    })
    .await
}
