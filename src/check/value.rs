//! Scalar values as written in KDL, independent of the kdl crate.

use std::fmt;

/// A KDL scalar: what an argument or a property holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    String(String),
    Int(i128),
    Float(f64),
    Bool(bool),
    Null,
}

impl Value {
    /// The KDL kind of the value, for "expected X, found Y" messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Bool(_) => "a boolean",
            Value::Null => "#null",
        }
    }

    /// The string, when the value is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as JSON, as templates see it.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Int(i) => match i64::try_from(*i) {
                Ok(i) => serde_json::Value::from(i),
                Err(_) => serde_json::Value::String(i.to_string()),
            },
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Null => serde_json::Value::Null,
        }
    }

    /// The value as text, for string-typed contexts (`env` values, labels).
    pub fn to_plain_string(&self) -> String {
        match self {
            Value::String(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => String::new(),
        }
    }
}

impl From<&kdl::KdlValue> for Value {
    fn from(v: &kdl::KdlValue) -> Self {
        match v {
            kdl::KdlValue::String(s) => Value::String(s.clone()),
            kdl::KdlValue::Integer(i) => Value::Int(*i),
            kdl::KdlValue::Float(f) => Value::Float(*f),
            kdl::KdlValue::Bool(b) => Value::Bool(*b),
            kdl::KdlValue::Null => Value::Null,
        }
    }
}

/// Values built in code (`kiln import` writes parameters from objects).
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i128::from(i))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl fmt::Display for Value {
    /// KDL 2.0 spelling, as a user would write the value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::String(s) => write!(f, "{s:?}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x:?}"),
            Value::Bool(b) => write!(f, "#{b}"),
            Value::Null => write!(f, "#null"),
        }
    }
}
