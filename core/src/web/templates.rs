//! The one minijinja environment. `.html` templates are autoescaped (minijinja picks escaping by
//! extension). Sources are the embedded folders of core (at the root: `base.html`) and of each
//! module (under its name: `store/cart.html`); debug builds notice edited files and reload them.

use minijinja::value::Serde;
use minijinja::{Environment, TemplateSource, UndefinedBehavior, Value};
use serde::Serialize;

use super::assets::Assets;
use super::static_files;
use crate::{Config, Registry, Result};

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub(crate) fn new(registry: &Registry, config: &Config) -> Self {
        let mut env = Environment::new();
        let sources = registry.template_sources().to_vec();
        env.set_loader(move |name| load(&sources, name));
        env.set_auto_reload(cfg!(debug_assertions));
        // Printing an undefined variable is a bug in the template; testing one in `if` is fine.
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.add_global("site_name", config.app.name.clone());
        env.add_global("nav", Value::from(Serde(registry.nav())));
        let statics = registry.static_sources().to_vec();
        env.add_function("static_url", move |path: &str| {
            static_files::url(&statics, path)
        });
        Self { env }
    }

    /// Renders the template `name` with `context`.
    pub fn render(&self, name: &str, context: impl Serialize) -> Result<String> {
        Ok(self.env.get_template(name)?.render(Serde(context))?)
    }

    /// Whether a template of that name exists (e.g. the optional HTML part of a mail).
    pub fn exists(&self, name: &str) -> bool {
        self.env.get_template(name).is_ok()
    }
}

fn load(
    sources: &[(&'static str, Assets)],
    name: &str,
) -> Result<Option<TemplateSource>, minijinja::Error> {
    let in_module = name.split_once('/').and_then(|(namespace, rest)| {
        sources
            .iter()
            .find(|(module, _)| *module == namespace && *module != "core")
            .map(|(_, assets)| (*assets, rest.to_owned()))
    });
    let candidates: Vec<(Assets, String)> = match in_module {
        Some(found) => vec![found],
        None => sources
            .iter()
            .filter(|(module, _)| *module == "core")
            .map(|(_, assets)| (*assets, name.to_owned()))
            .collect(),
    };
    for (assets, path) in candidates {
        let Some(file) = assets.get(&path) else {
            continue;
        };
        let text = String::from_utf8(file.data.into_owned()).map_err(|_| {
            minijinja::Error::new(
                minijinja::ErrorKind::CannotDeserialize,
                format!("template {name} is not UTF-8"),
            )
        })?;
        let source = TemplateSource::new(text);
        if !cfg!(debug_assertions) {
            return Ok(Some(source));
        }
        let hash = file.metadata.sha256_hash();
        let up_to_date = move || {
            assets
                .get(&path)
                .is_some_and(|f| f.metadata.sha256_hash() == hash)
        };
        return Ok(Some(source.with_uptodate_check(up_to_date)));
    }
    Ok(None)
}
