//! Modules that contradict each other stop the app at startup with a message naming both.

use bureau_core::sea_orm_migration::{MigrationName, MigrationTrait, SchemaManager};
use bureau_core::{AdminPanel, App, AppBuilder, Module, get};

use crate::probe::{Probe, note};

/// A module made of one closure, for building contradictions.
struct Part {
    name: &'static str,
    after: &'static [&'static str],
    build: fn(&mut AppBuilder),
}

impl Module for Part {
    fn name(&self) -> &'static str {
        self.name
    }

    fn dependencies(&self) -> &'static [&'static str] {
        self.after
    }

    fn build(&self, app: &mut AppBuilder) {
        (self.build)(app)
    }
}

fn part(name: &'static str, build: fn(&mut AppBuilder)) -> Part {
    Part {
        name,
        after: &[],
        build,
    }
}

fn assembly_error(app: App) -> String {
    match app.registry() {
        Ok(_) => panic!("the app assembled although its modules conflict"),
        Err(error) => error.to_string(),
    }
}

#[bureau_core::poem::handler]
fn page() -> &'static str {
    "page"
}

#[test]
fn two_modules_with_the_same_route_are_refused() {
    let app = bureau::app()
        .module(part("alpha", |app| {
            app.route("/shared/:id/", get(page));
        }))
        .module(part("beta", |app| {
            app.route("/shared/:slug/", get(page));
        }));

    let error = assembly_error(app);

    assert!(
        error.contains("route `/shared/:slug/` of module `beta` is the same route as `/shared/:id/` of module `alpha`"),
        "{error}"
    );
}

#[test]
fn a_module_cannot_take_a_core_route_or_serve_inside_another_api() {
    let app = bureau::app()
        .module(Probe::default())
        .module(part("gamma", |app| {
            app.route("/healthz", get(page))
                .route("/api/probe/extra", get(page));
        }));

    let error = assembly_error(app);

    assert!(
        error.contains(
            "route `/healthz` of module `gamma` is the same route as `/healthz` of module `core`"
        ),
        "{error}"
    );
    assert!(
        error.contains("route `/api/probe/extra` of module `gamma` lies inside `/api/probe`"),
        "{error}"
    );
}

struct Shared;

impl MigrationName for Shared {
    fn name(&self) -> &str {
        "m20261123_000001_shared"
    }
}

#[bureau_core::sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Shared {
    async fn up(&self, _: &SchemaManager) -> Result<(), bureau_core::sea_orm::DbErr> {
        Ok(())
    }
}

fn shared() -> Vec<Box<dyn MigrationTrait>> {
    vec![Box::new(Shared)]
}

#[test]
fn two_modules_with_the_same_migration_name_are_refused() {
    let app = bureau::app()
        .module(part("alpha", |app| {
            app.migrations(shared);
        }))
        .module(part("beta", |app| {
            app.migrations(shared);
        }));

    let error = assembly_error(app);

    assert!(
        error.contains(
            "migration `m20261123_000001_shared` is registered by both `alpha` and `beta`"
        ),
        "{error}"
    );
}

#[test]
fn two_admin_panels_for_one_entity_are_refused() {
    let app = bureau::app()
        .module(part("alpha", |app| {
            app.admin(AdminPanel::of::<note::Entity>());
        }))
        .module(part("beta", |app| {
            app.admin(AdminPanel::of::<note::Entity>());
        }));

    let error = assembly_error(app);

    assert!(
        error.contains("admin panel for `probe_note` is registered by both `alpha` and `beta`"),
        "{error}"
    );
}

#[test]
fn an_admin_panel_naming_a_missing_column_is_refused() {
    let app = bureau::app().module(part("alpha", |app| {
        app.admin(AdminPanel::of::<note::Entity>().list_display(["titel"]));
    }));

    let error = assembly_error(app);

    assert!(
        error.contains("list_display names `titel`, which is not a column of probe_note"),
        "{error}"
    );
    assert!(
        error.contains("columns: id, title, body, published, created_at"),
        "{error}"
    );
}

#[test]
fn module_names_must_be_unique_valid_and_their_dependencies_present() {
    let error = assembly_error(
        bureau::app()
            .module(part("alpha", |_| {}))
            .module(part("alpha", |_| {}))
            .module(part("Bad-Name", |_| {}))
            .module(part("admin", |_| {}))
            .module(Part {
                name: "delta",
                after: &["missing"],
                build: |_| {},
            }),
    );

    assert!(
        error.contains("module `alpha` is registered twice"),
        "{error}"
    );
    assert!(
        error.contains("module name `Bad-Name` must be lowercase"),
        "{error}"
    );
    assert!(
        error.contains("module name `admin` is reserved for core"),
        "{error}"
    );
    assert!(
        error.contains("module `delta` depends on `missing`, which is not registered"),
        "{error}"
    );
}

#[test]
fn modules_depending_on_each_other_in_a_cycle_are_refused() {
    let error = assembly_error(
        bureau::app()
            .module(Part {
                name: "alpha",
                after: &["beta"],
                build: |_| {},
            })
            .module(Part {
                name: "beta",
                after: &["alpha"],
                build: |_| {},
            }),
    );

    assert!(
        error.contains("modules depend on each other in a cycle: alpha, beta"),
        "{error}"
    );
}

#[test]
fn a_bad_route_path_names_the_module() {
    let error = assembly_error(bureau::app().module(part("alpha", |app| {
        app.route("no-slash", get(page))
            .route("/a/*rest/b", get(page));
    })));

    assert!(
        error.contains("module `alpha`: route `no-slash` must start with `/`"),
        "{error}"
    );
    assert!(
        error.contains("module `alpha`: route `/a/*rest/b`: segment `*rest` is a catch-all"),
        "{error}"
    );
}

#[test]
fn a_policy_must_name_a_registered_model() {
    let error = assembly_error(bureau::app().module(part("alpha", |app| {
        app.policy(bureau_core::Policy::allow(
            "editor",
            "alpha.ghost",
            "change",
        ));
    })));

    assert!(
        error.contains("policy p, editor, alpha.ghost, change names `alpha.ghost`"),
        "{error}"
    );
}

#[test]
fn module_commands_are_checked_at_assembly() {
    use crate::probe::NotesCommand;

    let error = assembly_error(
        bureau::app()
            .module(part("alpha", |app| {
                app.command("sync", "Sync", NotesCommand)
                    .command("sync", "Sync again", NotesCommand)
                    .command("Sync_All", "Badly named", NotesCommand)
                    .command("configured", "Shadows --config", Shadowing);
            }))
            .module(part("check", |app| {
                app.command("deep", "Unreachable", NotesCommand);
            })),
    );

    assert!(
        error.contains("module `alpha`: command `sync` is registered twice"),
        "{error}"
    );
    assert!(
        error.contains("module `alpha`: command name `Sync_All` must be lowercase letters"),
        "{error}"
    );
    assert!(
        error.contains(
            "module `alpha`: command `configured` declares `--config`, which every command already takes"
        ),
        "{error}"
    );
    assert!(
        error.contains(
            "module `check`: command `deep` cannot be reached, because `bureau check` is a core command"
        ),
        "{error}"
    );
}

/// A command whose own `--config` would shadow the global option.
struct Shadowing;

#[derive(clap::Args)]
struct ShadowingArgs {
    #[arg(long)]
    config: Option<String>,
}

impl bureau_core::ModuleCommand for Shadowing {
    type Args = ShadowingArgs;

    async fn run(
        &self,
        _state: bureau_core::AppState,
        _args: ShadowingArgs,
        _out: &mut (dyn std::io::Write + Send),
    ) -> bureau_core::Result<()> {
        Ok(())
    }
}
