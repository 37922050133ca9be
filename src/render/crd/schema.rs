//! Compiling a CRD version's `openAPIV3Schema` into a [`Schema`] tree the
//! walker in `validate.rs` checks objects against: keywords decoded once,
//! patterns compiled once, CEL rules parsed once (`cel.rs`).
//!
//! The keywords are those of a Kubernetes structural schema (PLATFORM.md
//! "Custom resources"). Keywords that do not constrain a value (`default`,
//! `description`, `example`, `title`, `externalDocs`,
//! `x-kubernetes-map-type`) are read past. Anything else the API server
//! would refuse in a CRD is an error naming its path in the schema.

use regex::Regex;
use serde_json::Value as Json;

use super::cel::Rule;
use crate::IndexMap;

/// One node of a compiled schema.
#[derive(Debug, Default)]
pub struct Schema {
    pub ty: Option<Ty>,
    pub nullable: bool,
    /// `x-kubernetes-int-or-string`: an integer or a string.
    pub int_or_string: bool,
    /// `x-kubernetes-preserve-unknown-fields`: fields the schema does not
    /// name are kept, not refused.
    pub preserve_unknown: bool,
    /// `x-kubernetes-embedded-resource`: an object with `apiVersion`,
    /// `kind` and `metadata` of its own.
    pub embedded: bool,
    pub properties: IndexMap<String, Schema>,
    pub required: Vec<String>,
    pub additional: Option<Additional>,
    pub items: Option<Box<Schema>>,
    pub enum_values: Vec<Json>,
    pub format: Option<String>,
    pub minimum: Option<f64>,
    pub exclusive_minimum: bool,
    pub maximum: Option<f64>,
    pub exclusive_maximum: bool,
    pub multiple_of: Option<f64>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<Regex>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub min_properties: Option<u64>,
    pub max_properties: Option<u64>,
    pub list: ListType,
    pub all_of: Vec<Schema>,
    pub any_of: Vec<Schema>,
    pub one_of: Vec<Schema>,
    pub not: Option<Box<Schema>>,
    /// `x-kubernetes-validations`.
    pub rules: Vec<Rule>,
}

/// `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Object,
    Array,
    String,
    Integer,
    Number,
    Boolean,
}

impl Ty {
    /// How messages name a value of this type ("expected a string").
    pub fn describe(self) -> &'static str {
        match self {
            Ty::Object => "a map",
            Ty::Array => "a list",
            Ty::String => "a string",
            Ty::Integer => "an integer",
            Ty::Number => "a number",
            Ty::Boolean => "a boolean",
        }
    }
}

/// `additionalProperties`: a schema for every other key, or a flag.
#[derive(Debug)]
pub enum Additional {
    Allowed(bool),
    Schema(Box<Schema>),
}

/// `x-kubernetes-list-type`.
#[derive(Debug, Default, PartialEq, Eq)]
pub enum ListType {
    /// `atomic` or unset: any items.
    #[default]
    Atomic,
    /// `set`: no two items equal.
    Set,
    /// `map`: no two items with the same `x-kubernetes-list-map-keys`.
    Map(Vec<String>),
}

/// Keywords read past: they document or default, they do not constrain.
const IGNORED: &[&str] = &[
    "default",
    "description",
    "example",
    "title",
    "externalDocs",
    "x-kubernetes-map-type",
    "$schema",
    "id",
];

/// Compiles `v`, found at `at` (a path inside the schema, for messages).
pub fn compile(v: &Json, at: &str) -> Result<Schema, String> {
    let Json::Object(m) = v else {
        return Err(format!("`{at}` is not a schema (a map)"));
    };
    let mut s = Schema::default();
    for (key, value) in m {
        let here = || format!("{at}.{key}");
        match key.as_str() {
            "type" => {
                s.ty = Some(match value.as_str() {
                    Some("object") => Ty::Object,
                    Some("array") => Ty::Array,
                    Some("string") => Ty::String,
                    Some("integer") => Ty::Integer,
                    Some("number") => Ty::Number,
                    Some("boolean") => Ty::Boolean,
                    _ => return Err(format!("`{}` has an unknown type {value}", here())),
                })
            }
            "nullable" => s.nullable = flag(value, &here())?,
            "x-kubernetes-int-or-string" => s.int_or_string = flag(value, &here())?,
            "x-kubernetes-preserve-unknown-fields" => s.preserve_unknown = flag(value, &here())?,
            "x-kubernetes-embedded-resource" => s.embedded = flag(value, &here())?,
            "properties" => {
                let Json::Object(props) = value else {
                    return Err(format!("`{}` is not a map", here()));
                };
                for (name, p) in props {
                    s.properties.insert(
                        name.clone(),
                        compile(p, &format!("{at}.properties.{name}"))?,
                    );
                }
            }
            "required" => s.required = strings(value, &here())?,
            "additionalProperties" => {
                s.additional = Some(match value {
                    Json::Bool(b) => Additional::Allowed(*b),
                    other => Additional::Schema(Box::new(compile(other, &here())?)),
                })
            }
            "items" => s.items = Some(Box::new(compile(value, &here())?)),
            "enum" => match value {
                Json::Array(values) => s.enum_values = values.clone(),
                _ => return Err(format!("`{}` is not a list", here())),
            },
            "format" => s.format = Some(string(value, &here())?),
            "minimum" => s.minimum = Some(number(value, &here())?),
            "maximum" => s.maximum = Some(number(value, &here())?),
            "exclusiveMinimum" => s.exclusive_minimum = flag(value, &here())?,
            "exclusiveMaximum" => s.exclusive_maximum = flag(value, &here())?,
            "multipleOf" => s.multiple_of = Some(number(value, &here())?),
            "minLength" => s.min_length = Some(count(value, &here())?),
            "maxLength" => s.max_length = Some(count(value, &here())?),
            "minItems" => s.min_items = Some(count(value, &here())?),
            "maxItems" => s.max_items = Some(count(value, &here())?),
            "minProperties" => s.min_properties = Some(count(value, &here())?),
            "maxProperties" => s.max_properties = Some(count(value, &here())?),
            "pattern" => {
                let text = string(value, &here())?;
                s.pattern = Some(Regex::new(&text).map_err(|e| {
                    format!(
                        "`{}` is not a regular expression kiln can read: {e}",
                        here()
                    )
                })?);
            }
            "uniqueItems" => {
                if flag(value, &here())? {
                    return Err(format!(
                        "`{}`: `uniqueItems: true` is not allowed in a CRD; use `x-kubernetes-list-type: set`",
                        here()
                    ));
                }
            }
            "x-kubernetes-list-type" => {
                s.list = match value.as_str() {
                    Some("atomic") => ListType::Atomic,
                    Some("set") => ListType::Set,
                    Some("map") => ListType::Map(match m.get("x-kubernetes-list-map-keys") {
                        Some(keys) => strings(keys, &format!("{at}.x-kubernetes-list-map-keys"))?,
                        None => {
                            return Err(format!(
                                "`{}` is `map` without `x-kubernetes-list-map-keys`",
                                here()
                            ));
                        }
                    }),
                    _ => return Err(format!("`{}` is not `atomic`, `set` or `map`", here())),
                }
            }
            "x-kubernetes-list-map-keys" => {}
            "allOf" => s.all_of = schemas(value, &here())?,
            "anyOf" => s.any_of = schemas(value, &here())?,
            "oneOf" => s.one_of = schemas(value, &here())?,
            "not" => s.not = Some(Box::new(compile(value, &here())?)),
            "x-kubernetes-validations" => s.rules = super::cel::compile_rules(value, &here())?,
            k if IGNORED.contains(&k) => {}
            other => {
                return Err(format!(
                    "`{at}` has keyword `{other}`, which a CRD schema may not use"
                ));
            }
        }
    }
    if (s.exclusive_minimum && s.minimum.is_none()) || (s.exclusive_maximum && s.maximum.is_none())
    {
        return Err(format!(
            "`{at}` has `exclusiveMinimum` or `exclusiveMaximum` without its bound"
        ));
    }
    Ok(s)
}

fn flag(v: &Json, at: &str) -> Result<bool, String> {
    v.as_bool()
        .ok_or_else(|| format!("`{at}` is not `true` or `false`"))
}

fn string(v: &Json, at: &str) -> Result<String, String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("`{at}` is not a string"))
}

fn number(v: &Json, at: &str) -> Result<f64, String> {
    v.as_f64().ok_or_else(|| format!("`{at}` is not a number"))
}

fn count(v: &Json, at: &str) -> Result<u64, String> {
    v.as_u64()
        .ok_or_else(|| format!("`{at}` is not a whole number at least 0"))
}

fn strings(v: &Json, at: &str) -> Result<Vec<String>, String> {
    match v {
        Json::Array(items) => items.iter().map(|i| string(i, at)).collect(),
        _ => Err(format!("`{at}` is not a list of strings")),
    }
}

fn schemas(v: &Json, at: &str) -> Result<Vec<Schema>, String> {
    match v {
        Json::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| compile(item, &format!("{at}.{i}")))
            .collect(),
        _ => Err(format!("`{at}` is not a list of schemas")),
    }
}
