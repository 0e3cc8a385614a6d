//! The modules' poem-openapi services, and the one document that describes them all.
//!
//! poem-openapi describes an API through static functions of its type, so several APIs chosen at
//! run time cannot become one `OpenApiService`. Each module's API is therefore served by its own
//! service, nested at the module's prefix, and the documents those services generate (paths
//! already carrying the prefix) are merged here into `/api/openapi.json`.
//!
//! API paths end with a slash, as Django REST framework's do (`/api/tasks/{id}/`). poem-openapi
//! drops trailing slashes from the paths it documents, so the document gets them back here (and
//! `api_endpoint` removes them from requests before poem-openapi routes them).

use std::collections::BTreeMap;

use poem::endpoint::BoxEndpoint;
use poem::http::Method;
use poem::web::Data;
use poem::{Response, handler};
use poem_openapi::{OpenApi, OpenApiService};
use serde_json::{Map, Value, json};

use super::routing::{RouteInfo, RouteKind, validate_path};
use crate::AppState;

pub(crate) struct ApiService {
    pub module: &'static str,
    pub prefix: String,
    /// Method and full path (OpenAPI style, `{id}`) of every operation.
    pub operations: Vec<(Method, String)>,
    pub spec: Value,
    pub endpoint: BoxEndpoint<'static>,
}

impl ApiService {
    pub fn new<T: OpenApi + 'static>(
        module: &'static str,
        prefix: &str,
        api: T,
    ) -> Result<Self, String> {
        validate_path(prefix)?;
        if prefix.len() < 2 || prefix.ends_with('/') || prefix.contains([':', '*']) {
            return Err(format!(
                "API prefix `{prefix}` must be a fixed path below the root without a trailing slash, e.g. /api/tasks"
            ));
        }
        let mut operations = Vec::new();
        let mut operation_ids = Vec::new();
        for path in T::meta().into_iter().flat_map(|api| api.paths) {
            for operation in &path.operations {
                let full = slashed(&format!("{prefix}{}", path.path));
                if operations.contains(&(operation.method.clone(), full.clone())) {
                    return Err(format!(
                        "API operation {} {full} is declared twice",
                        operation.method
                    ));
                }
                if let Some(id) = operation.operation_id {
                    if operation_ids.contains(&id) {
                        return Err(format!("API operation id `{id}` is used twice"));
                    }
                    operation_ids.push(id);
                }
                operations.push((operation.method.clone(), full));
            }
        }
        let service = OpenApiService::new(api, "", "").url_prefix(prefix);
        let mut spec = serde_json::from_str(&service.spec())
            .map_err(|e| format!("the OpenAPI document of the API at {prefix} is not JSON: {e}"))?;
        crate::api::document_problems(&mut spec);
        if let Some(paths) = spec["paths"].as_object_mut() {
            *paths = std::mem::take(paths)
                .into_iter()
                .map(|(path, item)| (slashed(&path), item))
                .collect();
        }
        Ok(Self {
            module,
            prefix: prefix.to_owned(),
            endpoint: super::api_endpoint::wrap(service, operations.clone()),
            operations,
            spec,
        })
    }

    pub fn routes(&self) -> Vec<RouteInfo> {
        let mut by_path: BTreeMap<&str, Vec<Method>> = BTreeMap::new();
        for (method, path) in &self.operations {
            by_path.entry(path).or_default().push(method.clone());
        }
        by_path
            .into_iter()
            .map(|(path, methods)| RouteInfo {
                module: self.module,
                path: path.to_owned(),
                methods,
                kind: RouteKind::Api,
            })
            .collect()
    }
}

fn slashed(path: &str) -> String {
    if path.ends_with('/') {
        path.to_owned()
    } else {
        format!("{path}/")
    }
}

/// Merges the services' documents. Two modules may share a schema name only with an identical
/// schema, and an operation id only never.
pub(crate) fn merge(services: &[ApiService]) -> Result<Value, Vec<String>> {
    let mut errors = Vec::new();
    let mut paths = Map::new();
    let mut schemas = Map::new();
    let mut security_schemes = Map::new();
    let mut tags: Vec<Value> = Vec::new();
    let mut schema_owner: BTreeMap<String, &str> = BTreeMap::new();
    let mut operation_owner: BTreeMap<String, &str> = BTreeMap::new();

    for service in services {
        let spec = &service.spec;
        for (path, item) in spec["paths"].as_object().into_iter().flatten() {
            for operation in item.as_object().into_iter().flat_map(|ops| ops.values()) {
                if let Some(id) = operation["operationId"].as_str()
                    && let Some(first) = operation_owner.insert(id.to_owned(), service.module)
                {
                    errors.push(format!(
                        "API operation id `{id}` is used by both `{first}` and `{}`",
                        service.module
                    ));
                }
            }
            paths.insert(path.clone(), item.clone());
        }
        let components = &spec["components"];
        for (name, schema) in components["schemas"].as_object().into_iter().flatten() {
            match schemas.get(name) {
                Some(existing) if existing != schema => errors.push(format!(
                    "API schema `{name}` is defined differently by `{}` and `{}`; rename one",
                    schema_owner.get(name).copied().unwrap_or("?"),
                    service.module
                )),
                _ => {
                    schema_owner.entry(name.clone()).or_insert(service.module);
                    schemas.insert(name.clone(), schema.clone());
                }
            }
        }
        for (name, scheme) in components["securitySchemes"]
            .as_object()
            .into_iter()
            .flatten()
        {
            match security_schemes.get(name) {
                Some(existing) if existing != scheme => errors.push(format!(
                    "API security scheme `{name}` is defined differently by `{}`",
                    service.module
                )),
                _ => {
                    security_schemes.insert(name.clone(), scheme.clone());
                }
            }
        }
        for tag in spec["tags"].as_array().into_iter().flatten() {
            if !tags.iter().any(|t| t["name"] == tag["name"]) {
                tags.push(tag.clone());
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut components = Map::new();
    components.insert("schemas".into(), Value::Object(schemas));
    if !security_schemes.is_empty() {
        components.insert("securitySchemes".into(), Value::Object(security_schemes));
    }
    Ok(json!({
        "openapi": services.first().map_or(json!("3.0.0"), |s| s.spec["openapi"].clone()),
        "info": { "title": "", "version": env!("CARGO_PKG_VERSION") },
        "tags": tags,
        "paths": paths,
        "components": components,
    }))
}

/// The combined document in both encodings, titled after the site.
pub(crate) struct Documents {
    pub json: String,
    pub yaml: String,
}

impl Documents {
    pub fn new(mut merged: Value, title: &str) -> Self {
        merged["info"]["title"] = json!(format!("{title} API"));
        Self {
            json: serde_json::to_string_pretty(&merged).unwrap_or_default(),
            yaml: serde_yaml::to_string(&merged).unwrap_or_default(),
        }
    }
}

#[handler]
pub(crate) fn document_json(state: Data<&AppState>) -> Response {
    Response::builder()
        .content_type("application/json")
        .body(state.openapi().json.clone())
}

#[handler]
pub(crate) fn document_yaml(state: Data<&AppState>) -> Response {
    Response::builder()
        .content_type("application/yaml")
        .body(state.openapi().yaml.clone())
}
