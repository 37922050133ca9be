//! The value types of parameters (LANGUAGE.md "Types") and their checks.

use crate::value::Value;

/// A parameter's value type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    String,
    Bool,
    Int,
    Float,
    Cpu,
    Memory,
    Duration,
    Port,
    DnsLabel,
    DnsSubdomain,
    Host,
    Path,
    Image,
    Cron,
    Enum,
    Map,
    /// Any scalar, turned into a string (an `env` value).
    Scalar,
    /// An integer or a percentage string such as `"25%"`.
    IntOrPercent,
    /// An octal file mode such as `"0644"`.
    FileMode,
    /// A port number or a port's name.
    PortRef,
}

/// What a value must satisfy besides its type.
#[derive(Clone, Copy, Debug, Default)]
pub struct Constraints<'a> {
    pub min: Option<i128>,
    pub max: Option<i128>,
    pub values: &'a [String],
}

/// Why a value does not fit its type.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeError {
    /// "expected …, found …", in the style of rustc.
    pub message: String,
    pub help: Option<String>,
}
