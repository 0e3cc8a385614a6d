//! Assembly: modules put in startup order, built, and checked against each other. The result is a
//! frozen [`Registry`] (what exists; shared by the running app) and the endpoints the server is
//! made of.
//!
//! Startup order is deterministic: core first, then the modules in the order the composition root
//! lists them, except that a module always comes after the modules it depends on.

use std::collections::{BTreeMap, HashMap};

use poem::endpoint::BoxEndpoint;
use poem::http::Method;
use serde_json::Value;

use crate::admin::AdminPanel;
use crate::builtin::Core;
use crate::cli::RegisteredCommand;
use crate::config::ConfigSection;
use crate::jobs::Job;
use crate::models::{Fixture, ModelInfo};
use crate::module::{AppBuilder, Module};
use crate::rbac::Policy;
use crate::web::assets::Assets;
use crate::web::nav::NavEntry;
use crate::web::openapi;
use crate::web::routing::{RouteInfo, is_under, shape};
use crate::{Error, Result};

/// Names a module cannot take: core's own namespaces in URLs and templates.
const RESERVED_NAMES: [&str; 8] = [
    "core", "admin", "api", "static", "accounts", "auth", "errors", "bureau",
];

/// Everything the modules registered, after every check passed.
pub struct Registry {
    modules: Vec<ModuleInfo>,
    routes: Vec<RouteInfo>,
    models: Vec<ModelInfo>,
    panels: Vec<AdminPanel>,
    policies: Vec<(&'static str, Policy)>,
    fixtures: Vec<Fixture>,
    nav: Vec<NavEntry>,
    fragments: Vec<crate::web::fragments::Fragment>,
    login_hooks: Vec<crate::auth::login_hooks::LoginHook>,
    templates: Vec<(&'static str, Assets)>,
    static_files: Vec<(&'static str, Assets)>,
    jobs: Vec<Job>,
    config_sections: Vec<ConfigSection>,
    commands: Vec<RegisteredCommand>,
    migrator: bureau_migrations::Migrator,
    openapi: Value,
}

/// A module in startup order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleInfo {
    pub name: &'static str,
    pub dependencies: Vec<&'static str>,
}

/// The endpoints to serve: page routes by path, and API services by prefix.
pub(crate) struct Endpoints {
    pub pages: Vec<(String, Vec<(Method, BoxEndpoint<'static>)>)>,
    pub apis: Vec<(String, BoxEndpoint<'static>)>,
}

impl Registry {
    pub fn modules(&self) -> &[ModuleInfo] {
        &self.modules
    }

    /// Page routes and API operations, pages first, each in registration order.
    pub fn routes(&self) -> &[RouteInfo] {
        &self.routes
    }

    pub fn models(&self) -> &[ModelInfo] {
        &self.models
    }

    pub fn model(&self, key: &str) -> Option<&ModelInfo> {
        self.models.iter().find(|m| m.key() == key)
    }

    pub fn admin_panels(&self) -> &[AdminPanel] {
        &self.panels
    }

    /// Default RBAC rules with the module that declared each.
    pub fn policies(&self) -> &[(&'static str, Policy)] {
        &self.policies
    }

    pub fn nav(&self) -> &[NavEntry] {
        &self.nav
    }

    pub fn fragments(&self) -> &[crate::web::fragments::Fragment] {
        &self.fragments
    }

    pub fn login_hooks(&self) -> &[crate::auth::login_hooks::LoginHook] {
        &self.login_hooks
    }

    /// Names of the background jobs, as `<module>/<job>`.
    pub fn job_names(&self) -> Vec<String> {
        self.jobs
            .iter()
            .map(|j| format!("{}/{}", j.module, j.name))
            .collect()
    }

    /// Names of the registered fixtures, as `<module>/<name>`.
    pub fn fixture_names(&self) -> Vec<String> {
        self.fixtures.iter().map(Fixture::full_name).collect()
    }

    pub(crate) fn fixtures(&self) -> &[Fixture] {
        &self.fixtures
    }

    pub(crate) fn template_sources(&self) -> &[(&'static str, Assets)] {
        &self.templates
    }

    pub(crate) fn static_sources(&self) -> &[(&'static str, Assets)] {
        &self.static_files
    }

    pub(crate) fn jobs(&self) -> &[Job] {
        &self.jobs
    }

    pub(crate) fn config_sections(&self) -> &[ConfigSection] {
        &self.config_sections
    }

    /// Names of the modules' commands, as `<module> <command>`.
    pub fn command_names(&self) -> Vec<String> {
        self.commands
            .iter()
            .map(RegisteredCommand::full_name)
            .collect()
    }

    pub(crate) fn commands(&self) -> &[RegisteredCommand] {
        &self.commands
    }

    pub(crate) fn migrator(&self) -> &bureau_migrations::Migrator {
        &self.migrator
    }

    pub(crate) fn openapi(&self) -> &Value {
        &self.openapi
    }
}

/// Builds core and `modules` and checks what they registered.
pub(crate) fn assemble(modules: &[std::sync::Arc<dyn Module>]) -> Result<(Registry, Endpoints)> {
    let ordered = startup_order(modules).map_err(registration_error)?;
    let mut builder = AppBuilder::new();
    let mut infos = Vec::new();
    let core: &dyn Module = &Core;
    for module in std::iter::once(core).chain(ordered.iter().map(|m| m.as_ref())) {
        builder.module = module.name();
        module.build(&mut builder);
        infos.push(ModuleInfo {
            name: module.name(),
            dependencies: module.dependencies().to_vec(),
        });
    }
    crate::builtin::finish(&mut builder);
    let parts = builder.parts;
    let mut errors = parts.errors;

    let mut routes: Vec<RouteInfo> = parts.routes.iter().map(|r| r.info()).collect();
    routes.extend(parts.apis.iter().flat_map(|api| api.routes()));
    errors.extend(route_conflicts(&parts.routes, &parts.apis));
    errors.extend(duplicates(
        "admin panel for",
        parts
            .panels
            .iter()
            .map(|p| (p.model().table.clone(), p.model().module)),
    ));
    errors.extend(duplicates(
        "table",
        parts.models.iter().map(|m| (m.table.clone(), m.module)),
    ));
    errors.extend(duplicates(
        "job",
        parts
            .jobs
            .iter()
            .map(|j| (format!("{}/{}", j.module, j.name), j.module)),
    ));
    errors.extend(duplicates(
        "fixture",
        parts.fixtures.iter().map(|f| (f.full_name(), f.module)),
    ));
    errors.extend(duplicates(
        "configuration section",
        parts
            .config_sections
            .iter()
            .map(|s| (format!("[{}]", s.name), s.module)),
    ));
    // A module's commands live under its own name, so only the module itself can repeat one.
    let core_commands = crate::cli::core_command_names();
    for (index, command) in parts.commands.iter().enumerate() {
        if parts.commands[..index]
            .iter()
            .any(|other| other.full_name() == command.full_name())
        {
            errors.push(format!(
                "module `{}`: command `{}` is registered twice",
                command.module, command.name
            ));
        }
        if core_commands.iter().any(|c| c == command.module) {
            errors.push(format!(
                "module `{}`: command `{}` cannot be reached, because `bureau {}` is a core command",
                command.module, command.name, command.module
            ));
        }
    }
    for (module, policy) in &parts.policies {
        if let Some(object) = policy.object()
            && !parts.models.iter().any(|m| m.key() == object)
        {
            errors.push(format!(
                "module `{module}`: policy {policy} names `{object}`, which no module registered as a model"
            ));
        }
    }
    let migrator = bureau_migrations::Migrator::new(parts.migrations.clone());
    if let Err(duplicate) = &migrator {
        errors.push(duplicate.to_string());
    }
    let openapi = openapi::merge(&parts.apis).unwrap_or_else(|problems| {
        errors.extend(problems);
        Value::Null
    });
    let migrator = match migrator {
        Ok(migrator) if errors.is_empty() => migrator,
        _ => return Err(registration_error(errors)),
    };

    let mut pages: Vec<(String, Vec<(Method, BoxEndpoint<'static>)>)> = Vec::new();
    for route in parts.routes {
        pages.push((route.path, route.methods.handlers));
    }
    let apis = parts
        .apis
        .into_iter()
        .map(|api| (api.prefix, api.endpoint))
        .collect();
    let mut policies = parts.policies;
    policies.dedup();
    let registry = Registry {
        modules: infos,
        routes,
        models: parts.models,
        panels: parts.panels,
        policies,
        fixtures: parts.fixtures,
        nav: parts.nav,
        fragments: parts.fragments,
        login_hooks: parts.login_hooks,
        templates: parts.templates,
        static_files: parts.static_files,
        jobs: parts.jobs,
        config_sections: parts.config_sections,
        commands: parts.commands,
        migrator,
        openapi,
    };
    Ok((registry, Endpoints { pages, apis }))
}

fn registration_error(errors: Vec<String>) -> Error {
    Error::Registration(format!(
        "the modules cannot be assembled:\n  - {}",
        errors.join("\n  - ")
    ))
}

/// Modules sorted so each comes after its dependencies, otherwise keeping the listed order.
fn startup_order(
    modules: &[std::sync::Arc<dyn Module>],
) -> Result<Vec<std::sync::Arc<dyn Module>>, Vec<String>> {
    let mut errors = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (index, module) in modules.iter().enumerate() {
        let name = module.name();
        if !is_module_name(name) {
            errors.push(format!(
                "module name `{name}` must be lowercase letters, digits and `_`, starting with a letter"
            ));
        } else if RESERVED_NAMES.contains(&name) {
            errors.push(format!("module name `{name}` is reserved for core"));
        }
        if seen.insert(name, index).is_some() {
            errors.push(format!("module `{name}` is registered twice"));
        }
    }
    for module in modules {
        for dependency in module.dependencies() {
            if !seen.contains_key(dependency) {
                errors.push(format!(
                    "module `{}` depends on `{dependency}`, which is not registered",
                    module.name()
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut ordered: Vec<std::sync::Arc<dyn Module>> = Vec::new();
    let mut remaining: Vec<&std::sync::Arc<dyn Module>> = modules.iter().collect();
    while !remaining.is_empty() {
        let ready = remaining.iter().position(|module| {
            module
                .dependencies()
                .iter()
                .all(|dep| ordered.iter().any(|done| done.name() == *dep))
        });
        match ready {
            Some(index) => ordered.push(remaining.remove(index).clone()),
            None => {
                let names: Vec<&str> = remaining.iter().map(|m| m.name()).collect();
                return Err(vec![format!(
                    "modules depend on each other in a cycle: {}",
                    names.join(", ")
                )]);
            }
        }
    }
    Ok(ordered)
}

fn is_module_name(name: &str) -> bool {
    name.len() <= 32
        && name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Routes two modules cannot both have: the same page path (parameter names aside), a page or an
/// operation inside another API's prefix, or two APIs at one prefix.
fn route_conflicts(
    pages: &[crate::web::routing::PageRoute],
    apis: &[openapi::ApiService],
) -> Vec<String> {
    let mut errors = Vec::new();
    let mut by_shape: BTreeMap<String, (&str, &str)> = BTreeMap::new();
    for page in pages {
        if let Some((module, path)) = by_shape.insert(shape(&page.path), (page.module, &page.path))
        {
            errors.push(format!(
                "route `{}` of module `{}` is the same route as `{path}` of module `{module}`",
                page.path, page.module
            ));
        }
        for api in apis {
            if is_under(&page.path, &api.prefix) {
                errors.push(format!(
                    "route `{}` of module `{}` lies inside `{}`, where module `{}` serves its API",
                    page.path, page.module, api.prefix, api.module
                ));
            }
        }
    }
    for (i, api) in apis.iter().enumerate() {
        for other in &apis[i + 1..] {
            if api.prefix == other.prefix {
                errors.push(format!(
                    "modules `{}` and `{}` both serve an API at `{}`",
                    api.module, other.module, api.prefix
                ));
            }
        }
        for other in apis.iter().filter(|o| o.prefix != api.prefix) {
            for (method, path) in &api.operations {
                if is_under(path, &other.prefix) && other.prefix.len() > api.prefix.len() {
                    errors.push(format!(
                        "API operation {method} {path} of module `{}` lies inside `{}`, where module `{}` serves its API",
                        api.module, other.prefix, other.module
                    ));
                }
            }
        }
    }
    errors
}

/// "X is registered by both a and b" for every key that appears twice.
fn duplicates(what: &str, items: impl Iterator<Item = (String, &'static str)>) -> Vec<String> {
    let mut first: BTreeMap<String, &'static str> = BTreeMap::new();
    let mut errors = Vec::new();
    for (key, module) in items {
        if let Some(owner) = first.insert(key.clone(), module) {
            errors.push(format!(
                "{what} `{key}` is registered by both `{owner}` and `{module}`"
            ));
        }
    }
    errors
}
