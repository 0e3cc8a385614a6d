//! JSON request bodies read field by field.
//!
//! poem-openapi's own parsing of an object stops at the first bad field, answers it as a 400
//! without naming the field, and quietly turns numbers and booleans into strings. An [`Input`] is
//! documented as its schema type `T` but keeps the raw object, so the handler can check every
//! field strictly and report all problems at once, as a 422 problem with one entry per field.

use std::borrow::Cow;
use std::marker::PhantomData;

use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, Type};
use serde_json::{Map, Value};

use crate::FieldErrors;

const REQUIRED: &str = "This field is required.";

/// A JSON object body described in the API document by `T` (usually a poem-openapi `Object`).
/// Take it as `Json<Input<T>>`; read fields with [`Input::string`] and friends, then call
/// [`Input::finish`], which also refuses every field the handler did not read.
pub struct Input<T> {
    fields: Map<String, Value>,
    errors: FieldErrors,
    schema: PhantomData<fn() -> T>,
}

impl<T> Input<T> {
    /// Reads a string field: `None` when it is absent (or wrong, which is recorded).
    pub fn string(&mut self, name: &str) -> Option<String> {
        match self.fields.remove(name)? {
            Value::String(text) => Some(text),
            Value::Null => {
                self.errors.add(name, "This field may not be null.");
                None
            }
            other => {
                let found = json_type(&other);
                self.errors
                    .add(name, format!("Expected a string, not {found}."));
                None
            }
        }
    }

    /// Reads an integer field that may be null: `None` when absent or null (or wrong, which is
    /// recorded).
    pub fn nullable_integer(&mut self, name: &str) -> Option<i64> {
        match self.fields.remove(name)? {
            Value::Null => None,
            Value::Number(n) if n.is_i64() => n.as_i64(),
            other => {
                let found = json_type(&other);
                self.errors
                    .add(name, format!("Expected an integer or null, not {found}."));
                None
            }
        }
    }

    /// Reads an integer field: `None` when it is absent (or wrong, which is recorded). A number
    /// beyond 64 bits, a fraction or a numeric string is wrong, not rounded or converted.
    pub fn integer(&mut self, name: &str) -> Option<i64> {
        match self.fields.remove(name)? {
            Value::Number(n) if n.is_i64() => n.as_i64(),
            Value::Number(n) if n.is_u64() => {
                self.errors.add(name, "This number is too large.");
                None
            }
            other => {
                let found = json_type(&other);
                self.errors
                    .add(name, format!("Expected an integer, not {found}."));
                None
            }
        }
    }

    /// Like [`Input::integer`], but an absent field is an error too.
    pub fn required_integer(&mut self, name: &str) -> Option<i64> {
        if !self.fields.contains_key(name) {
            self.errors.add(name, REQUIRED);
            return None;
        }
        self.integer(name)
    }

    /// Reads an object field, to be read field by field in turn: `None` when it is absent (or
    /// not an object, which is recorded). Hand it back with [`Input::nested`].
    pub fn object(&mut self, name: &str) -> Option<Input<()>> {
        match self.fields.remove(name)? {
            Value::Object(fields) => Some(Input {
                fields,
                errors: FieldErrors::new(),
                schema: PhantomData,
            }),
            other => {
                let found = json_type(&other);
                self.errors
                    .add(name, format!("Expected an object, not {found}."));
                None
            }
        }
    }

    /// Like [`Input::object`], but an absent field is an error too.
    pub fn required_object(&mut self, name: &str) -> Option<Input<()>> {
        if !self.fields.contains_key(name) {
            self.errors.add(name, REQUIRED);
            return None;
        }
        self.object(name)
    }

    /// Takes in the problems of an object read with [`Input::object`], its unread fields
    /// included, each named `name.field`; `true` when there were none.
    pub fn nested<U>(&mut self, name: &str, mut inner: Input<U>) -> bool {
        for field in inner.fields.keys() {
            inner.errors.add(field, "Unknown field.");
        }
        for error in inner.errors.iter() {
            self.errors
                .add(&format!("{name}.{}", error.field), error.message.clone());
        }
        inner.errors.is_empty()
    }

    /// Like [`Input::string`], but an absent field is an error too.
    pub fn required_string(&mut self, name: &str) -> Option<String> {
        if !self.fields.contains_key(name) {
            self.errors.add(name, REQUIRED);
            return None;
        }
        self.string(name)
    }

    /// Records a problem the handler found with a field's value.
    pub fn error(&mut self, name: &str, message: impl Into<String>) {
        self.errors.add(name, message);
    }

    /// `Ok` when every field was read without a problem; otherwise `Error::Invalid` listing each
    /// problem, and each field the operation does not take.
    pub fn finish(mut self) -> crate::Result<()> {
        for name in self.fields.keys() {
            self.errors.add(name, "Unknown field.");
        }
        std::mem::take(&mut self.errors).into_result()
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<T: Type> Type for Input<T> {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        T::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(std::iter::once(self))
    }
}

impl<T: Type> ParseFromJSON for Input<T> {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::Object(fields)) => Ok(Self {
                fields,
                errors: FieldErrors::new(),
                schema: PhantomData,
            }),
            Some(other) => Err(ParseError::custom(format!(
                "the body must be a JSON object, not {}",
                json_type(&other)
            ))),
            None => Err(ParseError::custom("the body must be a JSON object")),
        }
    }
}
