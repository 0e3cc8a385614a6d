//! Commands modules add to the command line: `bureau <module> <command> [args]`.
//!
//! A module registers a [`ModuleCommand`] with `AppBuilder::command`; assembly checks the names,
//! the command line lists each module's commands under the module's name, and running one gives
//! it the app's state prepared as `serve` prepares it.

use std::future::Future;
use std::io::Write;
use std::sync::Arc;

use clap::{ArgMatches, FromArgMatches};
use futures_util::future::BoxFuture;

use crate::{AppState, Error, Result};

/// A command a module adds, run as `bureau <module> <name> [args]`. The module depends on `clap`
/// itself: clap's derive names the crate, so a re-export would not do.
///
/// ```ignore
/// #[derive(clap::Args)]
/// struct ImportArgs { #[arg(long)] file: Vec<PathBuf> }
///
/// impl ModuleCommand for Import {
///     type Args = ImportArgs;
///     async fn run(&self, state: AppState, args: ImportArgs, out: &mut (dyn Write + Send)) -> Result<()> { ... }
/// }
///
/// app.command("import", "Import films from files", Import);
/// ```
pub trait ModuleCommand: Send + Sync + 'static {
    /// The command's arguments, declared with clap's derive (`#[derive(clap::Args)]`).
    type Args: clap::Args + Send;

    /// Runs the command. `state` is the app's, prepared as `serve` prepares it: the database is
    /// connected and migrated (or the command is refused while migrations are pending), default
    /// permissions are seeded and demo fixtures loaded as configured. Output meant for the user
    /// goes to `out` (standard output, or a buffer in tests); an error ends the process with a
    /// non-zero status.
    fn run(
        &self,
        state: AppState,
        args: Self::Args,
        out: &mut (dyn Write + Send),
    ) -> impl Future<Output = Result<()>> + Send;
}

/// A registered command, its argument type erased so commands of every module fit in one list.
#[derive(Clone)]
pub(crate) struct RegisteredCommand {
    pub module: &'static str,
    pub name: &'static str,
    about: &'static str,
    args: fn(clap::Command) -> clap::Command,
    run: Arc<dyn Run>,
}

trait Run: Send + Sync {
    fn run<'a>(
        &'a self,
        state: AppState,
        matches: &'a ArgMatches,
        out: &'a mut (dyn Write + Send),
    ) -> BoxFuture<'a, Result<()>>;
}

impl<C: ModuleCommand> Run for C {
    fn run<'a>(
        &'a self,
        state: AppState,
        matches: &'a ArgMatches,
        out: &'a mut (dyn Write + Send),
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let args =
                C::Args::from_arg_matches(matches).map_err(|e| Error::BadRequest(e.to_string()))?;
            ModuleCommand::run(self, state, args, out).await
        })
    }
}

impl RegisteredCommand {
    /// The command, or why its name cannot be one.
    pub fn new<C: ModuleCommand>(
        module: &'static str,
        name: &'static str,
        about: &'static str,
        command: C,
    ) -> Result<Self, String> {
        let valid = name.len() <= 40
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid || name == "help" {
            return Err(format!(
                "command name `{name}` must be lowercase letters, digits and `-`, starting with a \
                 letter, and not `help`"
            ));
        }
        let registered = Self {
            module,
            name,
            about,
            args: <C::Args as clap::Args>::augment_args,
            run: Arc::new(command),
        };
        // clap would panic on an option that shadows the global one, and only in debug builds.
        let shadows_global = registered
            .clap()
            .get_arguments()
            .any(|arg| arg.get_id() == "config" || arg.get_long() == Some("config"));
        if shadows_global {
            return Err(format!(
                "command `{name}` declares `--config`, which every command already takes"
            ));
        }
        Ok(registered)
    }

    /// `<module> <name>`, as typed after `bureau`.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.module, self.name)
    }

    fn clap(&self) -> clap::Command {
        (self.args)(clap::Command::new(self.name).about(self.about))
    }

    pub async fn run(
        &self,
        state: AppState,
        matches: &ArgMatches,
        out: &mut (dyn Write + Send),
    ) -> Result<()> {
        self.run.run(state, matches, out).await
    }
}

/// Adds each module's commands to `cli` as `<module> <command>`. The group's description names
/// its commands, so `bureau --help` shows every command there is.
pub(crate) fn add_to(mut cli: clap::Command, commands: &[RegisteredCommand]) -> clap::Command {
    let mut modules: Vec<&'static str> = Vec::new();
    for command in commands {
        if !modules.contains(&command.module) {
            modules.push(command.module);
        }
    }
    for module in modules {
        let own: Vec<&RegisteredCommand> = commands.iter().filter(|c| c.module == module).collect();
        let names: Vec<&str> = own.iter().map(|c| c.name).collect();
        let group = clap::Command::new(module)
            .about(format!(
                "Commands of the {module} module: {}",
                names.join(", ")
            ))
            .subcommand_required(true)
            .arg_required_else_help(true)
            .subcommands(own.iter().map(|c| c.clap()));
        cli = cli.subcommand(group);
    }
    cli
}

/// The module command `matches` chose, with its own arguments, if it chose one.
pub(crate) fn chosen<'m>(
    commands: &[RegisteredCommand],
    matches: &'m ArgMatches,
) -> Option<(RegisteredCommand, &'m ArgMatches)> {
    let (module, group) = matches.subcommand()?;
    let (name, args) = group.subcommand()?;
    commands
        .iter()
        .find(|c| c.module == module && c.name == name)
        .map(|c| (c.clone(), args))
}
