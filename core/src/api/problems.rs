//! How the API document describes errors. Every error answer is an RFC 9457 problem, rendered by
//! `web::errors`; this file only documents them.
//!
//! Most statuses follow from an operation's shape, because the layers in front of the handler
//! produce them: a parameter or body that does not parse (400), a missing or bad credential or
//! CSRF token (401, 403), a body too large, of the wrong type or failing validation (413, 415,
//! 422), an object that is not there (404 on paths with parameters). [`document`] adds those to
//! every operation. A handler that can answer something else says so in its return type with
//! [`Problems`], e.g. `Result<Json<Tokens>, Problems<401, 429>>`.

use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::{Example, Type};
use poem_openapi::{ApiResponse, Object};
use serde_json::{Map, Value, json};

use crate::Error;

const PROBLEM: &str = "application/problem+json";

/// An error result whose possible statuses (besides those [`document`] adds) are listed in the
/// API document. It carries a core [`Error`]; the status comes from the error, not from the list.
pub struct Problems<const A: u16, const B: u16 = 0, const C: u16 = 0>(pub Error);

impl<const A: u16, const B: u16, const C: u16> From<Error> for Problems<A, B, C> {
    fn from(error: Error) -> Self {
        Self(error)
    }
}

impl<const A: u16, const B: u16, const C: u16> From<Problems<A, B, C>> for poem::Error {
    fn from(problems: Problems<A, B, C>) -> Self {
        problems.0.into()
    }
}

impl<const A: u16, const B: u16, const C: u16> poem::IntoResponse for Problems<A, B, C> {
    fn into_response(self) -> poem::Response {
        poem::Error::from(self.0).into_response()
    }
}

impl<const A: u16, const B: u16, const C: u16> ApiResponse for Problems<A, B, C> {
    fn meta() -> MetaResponses {
        let responses = [A, B, C]
            .into_iter()
            .filter(|&status| status != 0)
            .map(|status| MetaResponse {
                description: describe(status),
                status: Some(status),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: PROBLEM,
                    schema: MetaSchemaRef::Reference("Problem".to_owned()),
                }],
                headers: Vec::new(),
            })
            .collect();
        MetaResponses { responses }
    }

    fn register(registry: &mut Registry) {
        Problem::register(registry);
    }
}

fn describe(status: u16) -> &'static str {
    match status {
        400 => "A parameter or the body could not be parsed.",
        401 => "No valid credentials: log in, or send a fresh access token.",
        403 => {
            "Not allowed: the account lacks the permission, or a session request lacks its X-CSRF-Token header."
        }
        404 => "Not found, or not yours.",
        409 => "The change conflicts with the current state.",
        413 => "The body is larger than the server accepts.",
        415 => "The body is not JSON (Content-Type: application/json).",
        422 => "The input is invalid; `errors` lists each field's problem.",
        429 => "Too many attempts; wait and retry.",
        503 => "The service cannot answer right now.",
        _ => "Error.",
    }
}

/// Adds the statuses every operation can answer given its shape, the schemas they use, and
/// `additionalProperties: false` on request bodies: `Input` refuses unknown fields, and the
/// core's own request objects deny them too.
pub(crate) fn document(spec: &mut Value) {
    let mut closed = Vec::new();
    let mut any = false;
    for item in spec["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|p| p.values_mut())
    {
        for operation in item
            .as_object_mut()
            .into_iter()
            .flat_map(|o| o.values_mut())
        {
            let params = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let in_path = params.iter().any(|p| p["in"] == "path");
            let body = &operation["requestBody"];
            let has_body = body.is_object();
            if let Some(content) = body["content"].as_object() {
                closed.extend(content.values().filter_map(|media| {
                    let name = media["schema"]["$ref"].as_str()?;
                    Some(name.trim_start_matches("#/components/schemas/").to_owned())
                }));
            }
            let secured = operation["security"]
                .as_array()
                .is_some_and(|s| !s.is_empty());
            let mut statuses = Vec::new();
            if !params.is_empty() || has_body {
                statuses.push(400);
            }
            if secured {
                statuses.extend([401, 403]);
            }
            if in_path {
                statuses.push(404);
            }
            if has_body {
                statuses.extend([413, 415, 422]);
            }
            let Some(responses) = operation["responses"].as_object_mut() else {
                continue;
            };
            for status in statuses {
                responses
                    .entry(status.to_string())
                    .or_insert_with(|| response(status));
            }
            any = true;
        }
    }
    if !any {
        return;
    }
    let schemas = &mut spec["components"]["schemas"];
    if !schemas.is_object() {
        *schemas = Value::Object(Map::new());
    }
    // Objects nested in a body are read with `Input::object`, which refuses unknown fields too.
    while let Some(name) = closed.pop() {
        let Some(schema) = schemas.get_mut(&name).and_then(Value::as_object_mut) else {
            continue;
        };
        if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
            continue;
        }
        schema.insert("additionalProperties".to_owned(), Value::Bool(false));
        let properties = schema.get("properties").and_then(Value::as_object);
        closed.extend(
            properties
                .into_iter()
                .flat_map(|p| p.values())
                .filter_map(|property| {
                    let reference = property["$ref"]
                        .as_str()
                        .or_else(|| property["allOf"][0]["$ref"].as_str())?;
                    Some(
                        reference
                            .trim_start_matches("#/components/schemas/")
                            .to_owned(),
                    )
                }),
        );
    }
    let mut registry = Registry::new();
    Problem::register(&mut registry);
    if let Some(schemas) = schemas.as_object_mut() {
        for (name, schema) in registry.schemas {
            if let Ok(schema) = serde_json::to_value(schema) {
                schemas.insert(name, schema);
            }
        }
    }
}

fn response(status: u16) -> Value {
    json!({
        "description": describe(status),
        "content": { PROBLEM: { "schema": { "$ref": "#/components/schemas/Problem" } } },
    })
}

/// An error, as RFC 9457 problem details.
#[derive(Object)]
#[oai(example)]
struct Problem {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[oai(rename = "type")]
    kind: String,
    /// The status's standard phrase.
    title: String,
    /// The HTTP status.
    status: u16,
    /// What went wrong, for people.
    detail: Option<String>,
    /// On 422 (and on a 400 for a parameter), one entry per problem, naming the field.
    errors: Option<Vec<FieldError>>,
    /// The request's id, as in the server's logs and the `X-Request-Id` header.
    request_id: Option<String>,
}

/// One field's problem.
#[derive(Object)]
struct FieldError {
    /// The field's name; empty for the input as a whole.
    field: String,
    message: String,
}

impl Example for Problem {
    fn example() -> Self {
        Self {
            kind: "about:blank".to_owned(),
            title: "Unprocessable Entity".to_owned(),
            status: 422,
            detail: Some("title: This field is required.".to_owned()),
            errors: Some(vec![FieldError {
                field: "title".to_owned(),
                message: "This field is required.".to_owned(),
            }]),
            request_id: Some("0f8e6a2c5b1d4e7f".to_owned()),
        }
    }
}
