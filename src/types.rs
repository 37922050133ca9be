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
    File,
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

// TEMPORARY until the types branch lands.
impl Type {
    pub const ALL: &'static [Type] = &[Type::String];
    pub fn parse(name: &str) -> Option<Type> {
        Some(match name {
            "string" => Type::String,
            "bool" => Type::Bool,
            "int" => Type::Int,
            "float" => Type::Float,
            "cpu" => Type::Cpu,
            "memory" => Type::Memory,
            "duration" => Type::Duration,
            "port" => Type::Port,
            "dns-label" => Type::DnsLabel,
            "dns-subdomain" => Type::DnsSubdomain,
            "host" => Type::Host,
            "path" => Type::Path,
            "image" => Type::Image,
            "cron" => Type::Cron,
            "enum" => Type::Enum,
            "map" => Type::Map,
            "scalar" => Type::Scalar,
            "int-or-percent" => Type::IntOrPercent,
            "file-mode" => Type::FileMode,
            "port-ref" => Type::PortRef,
            "file" => Type::File,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        "x"
    }
    pub fn describe(self) -> &'static str {
        "x"
    }
}
pub fn check(_ty: Type, v: &Value, _c: &Constraints) -> Result<Value, TypeError> {
    Ok(v.clone())
}
pub fn is_dns1035_label(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max
}
pub fn is_dns_label(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max
}
pub fn dns_label(s: &str) -> String {
    s.to_lowercase()
}
pub fn parse_duration(s: &str) -> Option<u64> {
    s.trim_end_matches('s').parse().ok()
}
