//! Reading the configuration layers and saying precisely what is wrong with them.
//!
//! Layers, later ones winning: the built-in defaults (the repository's `config.toml`, compiled in),
//! the config file, `.env`, then the environment. The merged result is checked once; an error is
//! blamed on the last layer that set the key in question (the one whose value counted), and for
//! variables on the exact variable.

use std::any::Any;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use figment::providers::{Data, Format, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};
use serde::de::DeserializeOwned;

use super::Config;
use crate::{Error, Result};

const PREFIX: &str = "BUREAU_";
const CORE_SECTIONS: [&str; 10] = [
    "app", "server", "database", "log", "security", "auth", "session", "mail", "sms", "cors",
];

/// `BUREAU_` variables that are read directly rather than as configuration keys.
const NON_CONFIG_VARS: [&str; 3] = [
    "BUREAU_CONFIG",             // path of the config file
    "BUREAU_TEST_DATABASE_URL",  // the database server the test suite runs against
    "BUREAU_SUPERUSER_PASSWORD", // `createsuperuser --no-input`
];

/// The path of a `.env` file and the `BUREAU_*` variables it sets.
type DotEnv = (PathBuf, Vec<(String, String)>);

/// Everything a configuration is read from.
#[derive(Clone, Debug)]
pub struct ConfigSource {
    defaults: &'static str,
    file: Option<PathBuf>,
    dotenv: Option<DotEnv>,
    env: Vec<(String, String)>,
}

impl ConfigSource {
    /// Only the built-in defaults; add layers with [`file`](Self::file) and [`var`](Self::var).
    pub fn defaults(defaults: &'static str) -> Self {
        Self {
            defaults,
            file: None,
            dotenv: None,
            env: Vec::new(),
        }
    }

    /// What this process was started with: the config file named by `--config` or `BUREAU_CONFIG`
    /// (which must exist) or else `./config.toml` when present, `./.env` when present, and the
    /// `BUREAU_*` environment variables.
    pub fn from_process(defaults: &'static str, config_file: Option<PathBuf>) -> Result<Self> {
        let env: Vec<(String, String)> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| k.starts_with(PREFIX))
            .collect();
        let dotenv = read_dotenv(Path::new(".env"))?;
        let named = config_file.or_else(|| {
            lookup(&env, "BUREAU_CONFIG")
                .or_else(|| {
                    dotenv
                        .as_ref()
                        .and_then(|(_, vars)| lookup(vars, "BUREAU_CONFIG"))
                })
                .map(PathBuf::from)
        });
        let file = match named {
            Some(path) if !path.is_file() => {
                return Err(Error::Config(format!(
                    "config file {} does not exist",
                    path.display()
                )));
            }
            Some(path) => Some(path),
            None => Some(PathBuf::from("config.toml")).filter(|p| p.is_file()),
        };
        Ok(Self {
            defaults,
            file,
            dotenv,
            env,
        })
    }

    pub fn file(mut self, path: impl Into<PathBuf>) -> Self {
        self.file = Some(path.into());
        self
    }

    /// Sets a `BUREAU_*` environment variable, replacing an earlier value as the environment would.
    pub fn var(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.env.retain(|(existing, _)| *existing != name);
        self.env.push((name, value.into()));
        self
    }

    /// A `BUREAU_*` variable that is not a configuration key, from the environment or `.env`.
    pub fn env_var(&self, name: &str) -> Option<String> {
        lookup(&self.env, name).or_else(|| {
            self.dotenv
                .as_ref()
                .and_then(|(_, vars)| lookup(vars, name))
        })
    }
}

fn lookup(vars: &[(String, String)], name: &str) -> Option<String> {
    vars.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

fn read_dotenv(path: &Path) -> Result<Option<DotEnv>> {
    if !path.is_file() {
        return Ok(None);
    }
    let vars = dotenvy::from_path_iter(path)
        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
        .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
    let vars = vars
        .into_iter()
        .filter(|(k, _)| k.starts_with(PREFIX))
        .collect();
    Ok(Some((path.to_owned(), vars)))
}

/// A module's section, parsed into the module's own type.
pub(crate) type SectionValue = Arc<dyn Any + Send + Sync>;

/// A configuration section a module owns, e.g. `[store]`.
#[derive(Clone)]
pub struct ConfigSection {
    pub(crate) module: &'static str,
    pub(crate) name: &'static str,
    parse: fn(&Figment, &'static str) -> Result<SectionValue, Box<figment::Error>>,
}

impl ConfigSection {
    pub(crate) fn new<T: DeserializeOwned + Send + Sync + 'static>(
        module: &'static str,
        name: &'static str,
    ) -> Self {
        fn parse<T: DeserializeOwned + Send + Sync + 'static>(
            figment: &Figment,
            name: &'static str,
        ) -> Result<SectionValue, Box<figment::Error>> {
            // An absent section deserializes from an empty table, so the module's serde defaults apply.
            let value: T = if figment.contains(name) {
                figment.focus(name).extract_lossy()?
            } else {
                Figment::new().extract_lossy()?
            };
            Ok(Arc::new(value))
        }
        Self {
            module,
            name,
            parse: parse::<T>,
        }
    }
}

/// One layer, with what an error message should call it.
struct Layer {
    label: String,
    provider: LayerProvider,
}

enum LayerProvider {
    Toml(Data<Toml>),
    Vars(VarsProvider),
}

pub(super) fn load(source: &ConfigSource, sections: &[ConfigSection]) -> Result<Config> {
    let mut layers = vec![Layer {
        label: "the built-in defaults".into(),
        provider: LayerProvider::Toml(Toml::string(source.defaults)),
    }];
    if let Some(path) = &source.file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        layers.push(Layer {
            label: path.display().to_string(),
            provider: LayerProvider::Toml(Toml::string(&text)),
        });
    }
    if let Some((path, vars)) = &source.dotenv {
        layers.push(Layer {
            label: path.display().to_string(),
            provider: LayerProvider::Vars(VarsProvider::new(vars, &format!("{}", path.display()))?),
        });
    }
    if !source.env.is_empty() {
        layers.push(Layer {
            label: "the environment".into(),
            provider: LayerProvider::Vars(VarsProvider::new(&source.env, "the environment")?),
        });
    }

    let mut figment = Figment::new();
    for layer in &layers {
        figment = match &layer.provider {
            LayerProvider::Toml(toml) => figment.merge(toml),
            LayerProvider::Vars(vars) => figment.merge(vars),
        };
    }
    let mut config = extract(&figment, sections).map_err(|e| e.describe(&layers))?;
    config.sources = layers.into_iter().map(|layer| layer.label).collect();
    Ok(config)
}

/// What went wrong while extracting, before we know which layer to blame.
enum ExtractError {
    UnknownSection {
        name: String,
        expected: Vec<&'static str>,
    },
    Value(Box<figment::Error>),
}

fn extract(figment: &Figment, sections: &[ConfigSection]) -> Result<Config, ExtractError> {
    let known: Vec<&'static str> = CORE_SECTIONS
        .iter()
        .copied()
        .chain(sections.iter().map(|s| s.name))
        .collect();
    let data = Provider::data(figment).map_err(|e| ExtractError::Value(Box::new(e)))?;
    for dict in data.values() {
        if let Some(name) = dict.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(ExtractError::UnknownSection {
                name: name.clone(),
                expected: known,
            });
        }
    }
    let mut modules = std::collections::HashMap::new();
    for section in sections {
        let value =
            (section.parse)(figment, section.name).map_err(|e| prefixed(e, section.name))?;
        modules.insert(section.name, value);
    }
    Ok(Config {
        app: section(figment, "app")?,
        server: section(figment, "server")?,
        database: section(figment, "database")?,
        log: section(figment, "log")?,
        security: section(figment, "security")?,
        auth: section(figment, "auth")?,
        session: section(figment, "session")?,
        mail: section(figment, "mail")?,
        sms: section(figment, "sms")?,
        cors: section(figment, "cors")?,
        modules: Arc::new(modules),
        sources: Vec::new(),
    })
}

fn section<T: DeserializeOwned>(figment: &Figment, name: &str) -> Result<T, ExtractError> {
    figment
        .focus(name)
        .extract_lossy()
        .map_err(|e| prefixed(e, name))
}

fn prefixed(error: impl Into<Box<figment::Error>>, section: &str) -> ExtractError {
    let mut error = error.into();
    error.path.insert(0, section.to_owned());
    ExtractError::Value(error)
}

impl ExtractError {
    fn describe(self, layers: &[Layer]) -> Error {
        let (key, problem) = match self {
            Self::UnknownSection { name, expected } => (
                vec![name.clone()],
                format!(
                    "unknown section [{name}]; expected one of: {}",
                    expected.join(", ")
                ),
            ),
            Self::Value(error) => describe_kind(error),
        };
        // Later layers win, so the last one holding the key set the value that failed.
        let layer = layers.iter().rev().find(|layer| layer.provider.holds(&key));
        let origin = match layer {
            Some(Layer {
                label,
                provider: LayerProvider::Vars(vars),
            }) => match vars.variable_for(&key) {
                Some(var) => format!("environment variable {var} (from {label})"),
                None => label.clone(),
            },
            Some(layer) => layer.label.clone(),
            None => "the configuration".to_owned(),
        };
        Error::Config(format!("configuration error in {origin}: {problem}"))
    }
}

impl LayerProvider {
    /// Whether this layer sets `key` (or, for an empty key, anything at all).
    fn holds(&self, key: &[String]) -> bool {
        let data = match self {
            Self::Toml(toml) => toml.data(),
            Self::Vars(vars) => vars.data(),
        };
        let Ok(data) = data else {
            return key.is_empty();
        };
        data.values().any(|dict| {
            let mut current = dict;
            for (depth, part) in key.iter().enumerate() {
                match current.get(part) {
                    Some(Value::Dict(_, inner)) => current = inner,
                    Some(_) => return depth + 1 == key.len(),
                    None => return false,
                }
            }
            true
        })
    }
}

/// The key a figment error is about, and the problem in words.
fn describe_kind(error: Box<figment::Error>) -> (Vec<String>, String) {
    let error = *error;
    use figment::error::Kind;
    let mut key = error.path.clone();
    let dotted = |key: &[String]| key.join(".");
    let problem = match error.kind {
        Kind::UnknownField(field, expected) => {
            if key.last() != Some(&field) {
                key.push(field);
            }
            format!(
                "unknown key `{}`; expected one of: {}",
                dotted(&key),
                expected.join(", ")
            )
        }
        Kind::MissingField(field) => {
            if key.last().map(String::as_str) != Some(field.as_ref()) {
                key.push(field.to_string());
            }
            format!("missing key `{}`", dotted(&key))
        }
        Kind::UnknownVariant(found, expected) => {
            format!(
                "bad value for `{}`: found {found:?}, expected one of: {}",
                dotted(&key),
                expected.join(", ")
            )
        }
        Kind::InvalidType(found, expected) => {
            format!(
                "bad value for `{}`: found {found}, expected {}",
                dotted(&key),
                plain_type(&expected)
            )
        }
        Kind::InvalidValue(found, expected) => {
            format!(
                "bad value for `{}`: found {found}, expected {}",
                dotted(&key),
                plain_type(&expected)
            )
        }
        other if key.is_empty() => other.to_string(),
        other => format!("bad value for `{}`: {other}", dotted(&key)),
    };
    (key, problem)
}

/// serde names Rust types; people configuring a server think in kinds of values.
fn plain_type(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more".into(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a boolean" => "true or false".into(),
        other => other.into(),
    }
}

/// `BUREAU_<SECTION>__<KEY>` variables as a figment provider whose values stay strings, so
/// `extract_lossy` turns them into what each key expects.
#[derive(Clone)]
struct VarsProvider {
    name: String,
    /// (variable, key path)
    keys: Vec<(String, Vec<String>)>,
    dict: Dict,
}

impl VarsProvider {
    fn new(vars: &[(String, String)], name: &str) -> Result<Self> {
        let mut dict = Dict::new();
        let mut keys = Vec::new();
        let mut seen = BTreeSet::new();
        for (var, value) in vars {
            if NON_CONFIG_VARS.contains(&var.as_str()) {
                continue;
            }
            let Some(path) = config_path(var) else {
                return Err(Error::Config(format!(
                    "configuration error in {name}: {var} is not a configuration variable; \
                     overrides are named BUREAU_<SECTION>__<KEY> with two underscores, \
                     e.g. BUREAU_DATABASE__URL"
                )));
            };
            // A name set twice (possible in .env) keeps its last value, as a shell would.
            if !seen.insert(path.clone()) {
                keys.retain(|(_, existing)| *existing != path);
            }
            let nested = figment::util::nest(&path.join("."), Value::from(value.clone()));
            if let Some(nested) = nested.into_dict() {
                dict = merge(dict, nested);
            }
            keys.push((var.clone(), path));
        }
        Ok(Self {
            name: name.into(),
            keys,
            dict,
        })
    }

    /// The variable that set `key` or a key below it.
    fn variable_for(&self, key: &[String]) -> Option<&str> {
        self.keys
            .iter()
            .find(|(_, path)| path.as_slice() == key)
            .or_else(|| {
                self.keys
                    .iter()
                    .find(|(_, path)| path.starts_with(key) && !key.is_empty())
            })
            .map(|(var, _)| var.as_str())
    }
}

/// `BUREAU_DATABASE__URL` → `["database", "url"]`; `None` when the name has no `__`.
fn config_path(var: &str) -> Option<Vec<String>> {
    let rest = var.strip_prefix(PREFIX)?;
    let path: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
    (path.len() >= 2 && path.iter().all(|part| !part.is_empty())).then_some(path)
}

fn merge(mut into: Dict, other: Dict) -> Dict {
    for (key, value) in other {
        let merged = match (into.remove(&key), value) {
            (Some(Value::Dict(_, a)), Value::Dict(tag, b)) => Value::Dict(tag, merge(a, b)),
            (_, value) => value,
        };
        into.insert(key, merged);
    }
    into
}

impl Provider for VarsProvider {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name.clone())
    }

    fn data(&self) -> figment::Result<Map<Profile, Dict>> {
        Ok(Profile::Default.collect(self.dict.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_names_map_to_key_paths() {
        assert_eq!(
            config_path("BUREAU_DATABASE__URL"),
            Some(vec!["database".into(), "url".into()])
        );
        assert_eq!(config_path("BUREAU_DATABASE_URL"), None);
        assert_eq!(config_path("BUREAU_DATABASE__"), None);
    }
}
