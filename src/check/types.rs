//! The value types of parameters (LANGUAGE.md "Types") and their checks.
//!
//! [`check`] both validates and normalizes a value, so that templates see one
//! spelling per type: durations become seconds, file modes integers, scalars
//! strings. The checks follow what Kubernetes itself accepts, so that an
//! error surfaces at the line the user wrote rather than at `kubectl apply`.

use std::fmt;

use crate::check::value::Value;

mod cron;
mod image;
mod semver_range;
mod url;

use cron::cron_help;
use image::image_help;
pub use image::{Reference, split_reference};

/// A parameter's value type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// Any string.
    String,
    /// `#true` or `#false`.
    Bool,
    /// An integer, within the parameter's `min`/`max`.
    Int,
    /// A number; integers are accepted.
    Float,
    /// A Kubernetes CPU quantity such as `250m` or `1.5`.
    Cpu,
    /// A Kubernetes memory quantity such as `512Mi`.
    Memory,
    /// Whole seconds, written `1h30m` or as a bare integer.
    Duration,
    /// A port number, 1–65535.
    Port,
    /// An RFC 1123 label.
    DnsLabel,
    /// An RFC 1123 subdomain.
    DnsSubdomain,
    /// A host name, optionally a `*.` wildcard.
    Host,
    /// An absolute path.
    Path,
    /// A container image reference.
    Image,
    /// A five-field cron schedule or a macro such as `@daily`.
    Cron,
    /// One of the parameter's `values`.
    Enum,
    /// String keys to string values, written as properties; never a single value.
    Map,
    /// Any scalar, turned into a string (an `env` value).
    Scalar,
    /// An integer or a percentage string such as `"25%"`.
    IntOrPercent,
    /// An octal file mode such as `"0644"`.
    FileMode,
    /// A port number or a port's name.
    PortRef,
    /// A path relative to the `.kdl` file that names it; the compiler reads it.
    File,
    /// A Secret's name: a DNS name, checked against the `secret`s the env
    /// declares (PLATFORM.md "Secrets").
    Secret,
    /// A key of the Secret that the same node's `secret`-typed value names.
    SecretKey,
    /// A version range such as `>=1.0.0 <2.0.0` or `1.x` (`types/semver_range.rs`).
    SemverRange,
    /// A URL with a scheme and a host; `values` lists the schemes allowed.
    Url,
    /// Any KDL value, `#null` included, passed on as written.
    Any,
}

/// What a value must satisfy besides its type.
#[derive(Clone, Copy, Debug, Default)]
pub struct Constraints<'a> {
    /// The least value of an `int`, `float`, `port`, or `duration` (in seconds).
    pub min: Option<i128>,
    /// The greatest value of an `int`, `float`, `port`, or `duration` (in seconds).
    pub max: Option<i128>,
    /// The allowed values of an `enum`.
    pub values: &'a [String],
}

/// Why a value does not fit its type.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeError {
    /// "expected …, found …", in the style of rustc.
    pub message: String,
    /// How to fix it, when there is something more useful to say.
    pub help: Option<String>,
}

impl TypeError {
    fn new(message: String) -> Self {
        TypeError {
            message,
            help: None,
        }
    }

    fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    fn with_maybe_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}

impl Type {
    /// Every type, in the order the contract lists them.
    pub const ALL: &'static [Type] = &[
        Type::String,
        Type::Bool,
        Type::Int,
        Type::Float,
        Type::Cpu,
        Type::Memory,
        Type::Duration,
        Type::Port,
        Type::DnsLabel,
        Type::DnsSubdomain,
        Type::Host,
        Type::Path,
        Type::Image,
        Type::Cron,
        Type::Enum,
        Type::Map,
        Type::Scalar,
        Type::IntOrPercent,
        Type::FileMode,
        Type::PortRef,
        Type::File,
        Type::Secret,
        Type::SecretKey,
        Type::SemverRange,
        Type::Url,
        Type::Any,
    ];

    /// The type named `name` in a schema's `type=`, if there is one.
    pub fn parse(name: &str) -> Option<Type> {
        Type::ALL.iter().copied().find(|t| t.name() == name)
    }

    /// The name a schema writes in `type=`.
    pub fn name(self) -> &'static str {
        match self {
            Type::String => "string",
            Type::Bool => "bool",
            Type::Int => "int",
            Type::Float => "float",
            Type::Cpu => "cpu",
            Type::Memory => "memory",
            Type::Duration => "duration",
            Type::Port => "port",
            Type::DnsLabel => "dns-label",
            Type::DnsSubdomain => "dns-subdomain",
            Type::Host => "host",
            Type::Path => "path",
            Type::Image => "image",
            Type::Cron => "cron",
            Type::Enum => "enum",
            Type::Map => "map",
            Type::Scalar => "scalar",
            Type::IntOrPercent => "int-or-percent",
            Type::FileMode => "file-mode",
            Type::PortRef => "port-ref",
            Type::File => "file",
            Type::Secret => "secret",
            Type::SecretKey => "secret-key",
            Type::SemverRange => "semver-range",
            Type::Url => "url",
            Type::Any => "any",
        }
    }

    /// A phrase for "expected …" messages and `kiln explain`, with an example.
    pub fn describe(self) -> &'static str {
        match self {
            Type::String => "a string",
            Type::Bool => "a boolean (`#true` or `#false`)",
            Type::Int => "an integer",
            Type::Float => "a number such as `1.5`",
            Type::Cpu => "a CPU quantity such as `250m` or `1.5`",
            Type::Memory => "a memory quantity such as `512Mi`",
            Type::Duration => "a duration such as `30s` or `1h30m`",
            Type::Port => "a port number from 1 to 65535",
            Type::DnsLabel => "a DNS label such as `my-app`",
            Type::DnsSubdomain => "a DNS name such as `api.example.com`",
            Type::Host => "a host name such as `example.com` or `*.example.com`",
            Type::Path => "an absolute path such as `/healthz`",
            Type::Image => "a container image reference such as `nginx:1.27`",
            Type::Cron => "a cron schedule such as `*/5 * * * *` or `@daily`",
            Type::Enum => "one of the listed values",
            Type::Map => "properties such as `key=\"value\"`",
            Type::Scalar => "a string, number or boolean",
            Type::IntOrPercent => "an integer or a percentage such as `\"25%\"`",
            Type::FileMode => "an octal file mode such as `\"0644\"`",
            Type::PortRef => "a port number or a port name such as `http`",
            Type::File => "a relative file path such as `config/app.toml`",
            Type::Secret => "a Secret's name such as `web-db`",
            Type::SecretKey => "a Secret's key such as `url` or `tls.crt`",
            Type::SemverRange => "a version range such as `>=1.0.0 <2.0.0` or `1.x`",
            Type::Url => "a URL such as `https://charts.example.com`",
            Type::Any => "any value",
        }
    }
}

impl fmt::Display for Type {
    /// The type's name, as a schema writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Checks `v` against `ty` and `c`, and returns the value templates see.
///
/// Normalization: `duration` → `Int` seconds; `file-mode` → `Int`; `scalar`,
/// `cpu`, `memory` → `String`; `float` → `Float`; `port-ref` and
/// `int-or-percent` → `Int` or `String`; everything else is returned as given.
/// `map` is never a single value, so it is always an error here.
pub fn check(ty: Type, v: &Value, c: &Constraints) -> Result<Value, TypeError> {
    match ty {
        Type::String => string_of(ty, v, c).map(|_| v.clone()),
        Type::Bool => match v {
            Value::Bool(_) => Ok(v.clone()),
            Value::String(s) if s == "true" || s == "false" => {
                Err(wrong_kind(ty.describe(), v).with_help(format!("write `#{s}`")))
            }
            _ => Err(wrong_kind(ty.describe(), v)),
        },
        Type::Int => check_int(v, c),
        Type::Float => check_float(v, c),
        Type::Cpu => check_cpu(v),
        Type::Memory => check_memory(v),
        Type::Duration => check_duration(v, c),
        Type::Port => check_port(v, c),
        Type::PortRef => check_port_ref(v, c),
        Type::DnsLabel => {
            let s = string_of(ty, v, c)?;
            if is_dns_label(s, 63) {
                Ok(v.clone())
            } else {
                Err(invalid(ty.describe(), v).with_maybe_help(dns_help(s, 63)))
            }
        }
        Type::DnsSubdomain | Type::Secret => {
            let s = string_of(ty, v, c)?;
            match subdomain_help(s) {
                None => Ok(v.clone()),
                Some(help) => Err(invalid(ty.describe(), v).with_help(help)),
            }
        }
        Type::Host => {
            let s = string_of(ty, v, c)?;
            match subdomain_help(s.strip_prefix("*.").unwrap_or(s)) {
                None => Ok(v.clone()),
                Some(help) => Err(invalid(ty.describe(), v).with_help(help)),
            }
        }
        Type::Path => {
            let s = string_of(ty, v, c)?;
            if s.starts_with('/') && !s.contains('\0') {
                Ok(v.clone())
            } else {
                let help = (!s.is_empty() && !s.contains('\0'))
                    .then(|| format!("start it with `/`: `/{s}`"));
                Err(invalid(ty.describe(), v).with_maybe_help(help))
            }
        }
        Type::Image => {
            let s = string_of(ty, v, c)?;
            match image_help(s) {
                Ok(()) => Ok(v.clone()),
                Err(help) => Err(invalid(ty.describe(), v).with_maybe_help(help)),
            }
        }
        Type::Cron => {
            let s = string_of(ty, v, c)?;
            match cron_help(s) {
                Ok(()) => Ok(v.clone()),
                Err(help) => Err(invalid(ty.describe(), v).with_help(help)),
            }
        }
        Type::Enum => check_enum(v, c),
        Type::Map => Err(wrong_kind("properties (a map)", v)
            .with_help("write the entries as properties, such as `key=\"value\"`")),
        Type::Scalar => match v {
            Value::String(s) => Ok(Value::String(s.clone())),
            Value::Int(i) => Ok(Value::String(i.to_string())),
            // Debug keeps the spelling the user wrote: `1.0` stays "1.0".
            Value::Float(f) => Ok(Value::String(format!("{f:?}"))),
            Value::Bool(b) => Ok(Value::String(b.to_string())),
            Value::Null => Err(wrong_kind(ty.describe(), v)
                .with_help("write the value as a string, such as `\"\"`, or leave it out")),
        },
        Type::SecretKey => {
            let s = string_of(ty, v, c)?;
            if is_secret_key(s) {
                Ok(v.clone())
            } else {
                Err(invalid(ty.describe(), v)
                    .with_help("a Secret's key is at most 253 letters, digits, `-`, `_` and `.`"))
            }
        }
        Type::IntOrPercent => check_int_or_percent(v),
        Type::FileMode => check_file_mode(v),
        Type::File => {
            let s = string_of(ty, v, c)?;
            if s.is_empty() || s.contains('\0') {
                Err(invalid(ty.describe(), v))
            } else if s.starts_with('/') {
                Err(invalid(ty.describe(), v)
                    .with_help("write the path relative to the `.kdl` file that names it"))
            } else {
                Ok(v.clone())
            }
        }
        Type::SemverRange => semver_range::check(string_of(ty, v, c)?)
            .map(|()| v.clone())
            .map_err(|help| invalid(ty.describe(), v).with_help(help)),
        Type::Url => url::check(string_of(ty, v, c)?, c.values)
            .map(|()| v.clone())
            .map_err(|help| invalid(ty.describe(), v).with_help(help)),
        Type::Any => Ok(v.clone()),
    }
}

/// How the value appears after "found": the user's spelling in backticks,
/// cut short when long so a megabyte value is not repeated in the message.
fn spelled(v: &Value) -> String {
    const MAX_CHARS: usize = 80;
    let text = v.to_string();
    match text.char_indices().nth(MAX_CHARS) {
        None => format!("`{text}`"),
        Some((cut, _)) => format!("`{}…` ({} bytes)", &text[..cut], text.len()),
    }
}

/// An error for a value of the right kind but the wrong content.
fn invalid(expected: &str, v: &Value) -> TypeError {
    TypeError::new(format!("expected {expected}, found {}", spelled(v)))
}

/// An error for a value of the wrong KDL kind: the kind is named too.
fn wrong_kind(expected: &str, v: &Value) -> TypeError {
    let found = match v {
        Value::Null => spelled(v),
        _ => format!("{} {}", v.kind(), spelled(v)),
    };
    TypeError::new(format!("expected {expected}, found {found}"))
}

/// The string in `v`, or a kind error saying to quote it when quoting would do.
fn string_of<'v>(ty: Type, v: &'v Value, c: &Constraints) -> Result<&'v str, TypeError> {
    match v {
        Value::String(s) => Ok(s),
        Value::Null => Err(wrong_kind(&expected(ty, c), v)),
        _ => {
            // Only one level deep: the retry is a string, which returns above.
            let quoted = Value::String(v.to_plain_string());
            let help = check(ty, &quoted, c)
                .is_ok()
                .then(|| format!("write it as a string: `{quoted}`"));
            Err(wrong_kind(&expected(ty, c), v).with_maybe_help(help))
        }
    }
}

/// The "expected" phrase, with an enum's values spelled out.
fn expected(ty: Type, c: &Constraints) -> String {
    match ty {
        Type::Enum => enum_phrase(c.values),
        _ => ty.describe().to_string(),
    }
}

/// "from 1 to 5", "of at least 1", "of at most 5", or nothing.
fn bounds_phrase(min: Option<i128>, max: Option<i128>, show: impl Fn(i128) -> String) -> String {
    match (min, max) {
        (Some(lo), Some(hi)) => format!(" from {} to {}", show(lo), show(hi)),
        (Some(lo), None) => format!(" of at least {}", show(lo)),
        (None, Some(hi)) => format!(" of at most {}", show(hi)),
        (None, None) => String::new(),
    }
}

fn in_bounds(n: i128, c: &Constraints) -> bool {
    c.min.is_none_or(|lo| n >= lo) && c.max.is_none_or(|hi| n <= hi)
}

fn check_int(v: &Value, c: &Constraints) -> Result<Value, TypeError> {
    match v {
        // Kubernetes reads integers as 64-bit; a larger one would reach the
        // output as a string and fail there, far from the user's value.
        Value::Int(i) if i64::try_from(*i).is_err() => Err(invalid(
            "an integer from -9223372036854775808 to 9223372036854775807",
            v,
        )),
        Value::Int(i) if in_bounds(*i, c) => Ok(v.clone()),
        Value::Int(_) => {
            let bounds = bounds_phrase(c.min, c.max, |n| n.to_string());
            Err(invalid(&format!("an integer{bounds}"), v))
        }
        Value::String(s) if s.trim().parse::<i128>().is_ok() => {
            Err(wrong_kind("an integer", v).with_help(format!("remove the quotes: `{}`", s.trim())))
        }
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
            Err(wrong_kind("an integer", v).with_help(format!("write `{}`", *f as i128)))
        }
        _ => Err(wrong_kind("an integer", v)),
    }
}

fn check_float(v: &Value, c: &Constraints) -> Result<Value, TypeError> {
    let f = match v {
        Value::Float(f) => *f,
        // Precision loss above 2^53 is accepted: such a float is its own error.
        Value::Int(i) => *i as f64,
        Value::String(s) if s.trim().parse::<f64>().is_ok() => {
            return Err(wrong_kind(Type::Float.describe(), v)
                .with_help(format!("remove the quotes: `{}`", s.trim())));
        }
        _ => return Err(wrong_kind(Type::Float.describe(), v)),
    };
    let low = c.min.is_some_and(|lo| f < lo as f64);
    let high = c.max.is_some_and(|hi| f > hi as f64);
    if f.is_nan() || low || high {
        let bounds = bounds_phrase(c.min, c.max, |n| n.to_string());
        return Err(invalid(&format!("a number{bounds}"), v));
    }
    Ok(Value::Float(f))
}

fn check_port(v: &Value, c: &Constraints) -> Result<Value, TypeError> {
    let lo = c.min.map_or(1, |m| m.max(1));
    let hi = c.max.map_or(65535, |m| m.min(65535));
    let phrase = format!("a port number from {lo} to {hi}");
    match v {
        Value::Int(i) if (lo..=hi).contains(i) => Ok(v.clone()),
        Value::Int(_) => Err(invalid(&phrase, v)),
        Value::String(s) if s.parse::<u16>().is_ok() => {
            Err(wrong_kind(&phrase, v).with_help(format!("remove the quotes: `{s}`")))
        }
        _ => Err(wrong_kind(&phrase, v)),
    }
}

fn check_port_ref(v: &Value, c: &Constraints) -> Result<Value, TypeError> {
    match v {
        Value::Int(_) => check_port(v, c),
        Value::String(s) if is_port_name(s) => Ok(v.clone()),
        Value::String(s) if s.parse::<u16>().is_ok() => {
            Err(invalid(Type::PortRef.describe(), v).with_help(format!("remove the quotes: `{s}`")))
        }
        Value::String(_) => Err(invalid(Type::PortRef.describe(), v).with_help(
            "a port name has at most 15 lower-case letters, digits and `-`, \
             with at least one letter and no `-` at either end or twice in a row",
        )),
        _ => Err(wrong_kind(Type::PortRef.describe(), v)),
    }
}

/// Whether `s` is a Kubernetes port name (an IANA service name).
pub fn is_port_name(s: &str) -> bool {
    (1..=15).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && s.bytes().any(|b| b.is_ascii_lowercase())
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

fn check_enum(v: &Value, c: &Constraints) -> Result<Value, TypeError> {
    let s = string_of(Type::Enum, v, c)?;
    if c.values.iter().any(|x| x == s) {
        return Ok(v.clone());
    }
    let help = did_you_mean(s, c.values.iter().map(String::as_str))
        .map(|m| format!("did you mean `{m}`?"));
    Err(invalid(&enum_phrase(c.values), v).with_maybe_help(help))
}

fn enum_phrase(values: &[String]) -> String {
    match values {
        [] => "a value of an enum that lists none".to_string(),
        [one] => format!("`{one}`"),
        _ => {
            let list: Vec<String> = values.iter().map(|x| format!("`{x}`")).collect();
            format!("one of {}", list.join(", "))
        }
    }
}

/// The candidate closest to `s`, when one is close enough to be a typo.
fn did_you_mean<'a>(s: &str, candidates: impl Iterator<Item = &'a str> + Clone) -> Option<&'a str> {
    if let Some(m) = candidates.clone().find(|x| x.eq_ignore_ascii_case(s)) {
        return Some(m);
    }
    candidates
        .map(|x| (strsim::damerau_levenshtein(s, x), x))
        .filter(|(d, x)| *d <= (x.chars().count() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, x)| x)
}

fn check_int_or_percent(v: &Value) -> Result<Value, TypeError> {
    let expected = Type::IntOrPercent.describe();
    match v {
        Value::Int(i) if *i >= 0 => Ok(v.clone()),
        Value::Int(_) => Err(invalid(expected, v).with_help("the value is never negative")),
        Value::String(s) => match s.strip_suffix('%') {
            Some(n) if all_digits(n) => Ok(v.clone()),
            _ if all_digits(s) => Err(invalid(expected, v).with_help(format!(
                "remove the quotes for a count (`{s}`), or add `%` for a percentage (`\"{s}%\"`)"
            ))),
            _ => Err(invalid(expected, v)),
        },
        _ => Err(wrong_kind(expected, v)),
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn check_file_mode(v: &Value) -> Result<Value, TypeError> {
    let expected = Type::FileMode.describe();
    match v {
        Value::String(s) => {
            let octal = (3..=4).contains(&s.len()) && s.bytes().all(|b| (b'0'..=b'7').contains(&b));
            match i128::from_str_radix(s, 8) {
                Ok(mode) if octal && mode <= 0o777 => Ok(Value::Int(mode)),
                Ok(_) if octal => Err(invalid(expected, v)
                    .with_help("Kubernetes allows only permission bits, at most `\"0777\"`")),
                _ => Err(invalid(expected, v)
                    .with_help("write three or four octal digits, such as `\"0644\"`")),
            }
        }
        Value::Int(_) => {
            Err(wrong_kind(expected, v).with_help("write the mode as a string, such as \"0644\""))
        }
        _ => Err(wrong_kind(expected, v)),
    }
}

// Quantities

/// The parts of a Kubernetes quantity string, following its grammar:
/// `[+-] (digits | digits.digits | digits. | .digits) suffix`.
struct Quantity<'a> {
    negative: bool,
    /// The number, sign excluded.
    number: &'a str,
    suffix: &'a str,
}

impl Quantity<'_> {
    fn has_fraction(&self) -> bool {
        self.number.contains('.')
    }
}

/// Splits `s` into sign, number and suffix; `None` when there is no number.
fn split_quantity(s: &str) -> Option<Quantity<'_>> {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..)?),
        Some(b'+') => (false, s.get(1..)?),
        _ => (false, s),
    };
    let end = rest
        .find(|ch: char| !(ch.is_ascii_digit() || ch == '.'))
        .unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(end);
    let digits = number.bytes().filter(u8::is_ascii_digit).count();
    let dots = number.len() - digits;
    if digits == 0 || dots > 1 {
        return None;
    }
    Some(Quantity {
        negative,
        number,
        suffix,
    })
}

/// Whether `suffix` is a quantity suffix: binary SI, decimal SI, or `e`/`E`
/// followed by a signed integer exponent.
fn is_quantity_suffix(suffix: &str) -> bool {
    const SUFFIXES: &[&str] = &[
        "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "m", "k", "M", "G", "T", "P", "E",
    ];
    if SUFFIXES.contains(&suffix) {
        return true;
    }
    match suffix.strip_prefix(['e', 'E']) {
        Some(exp) => all_digits(exp.strip_prefix(['+', '-']).unwrap_or(exp)),
        None => false,
    }
}

const MEMORY_UNITS_HELP: &str =
    "memory units are Ki, Mi, Gi, Ti, Pi, Ei (powers of 2) or k, M, G, T, P, E (powers of 10)";

fn check_memory(v: &Value) -> Result<Value, TypeError> {
    let expected = Type::Memory.describe();
    let s = match v {
        Value::String(s) => s,
        Value::Int(i) if *i >= 0 => return Ok(Value::String(i.to_string())),
        Value::Int(_) => return Err(invalid(expected, v).with_help("a quantity is never negative")),
        Value::Float(_) => {
            return Err(wrong_kind(expected, v)
                .with_help("write a string with a unit, such as `\"1.5Gi\"`"));
        }
        _ => return Err(wrong_kind(expected, v)),
    };
    let Some(q) = split_quantity(s) else {
        return Err(invalid(expected, v));
    };
    if !is_quantity_suffix(q.suffix) {
        let help = match binary_unit_for(q.suffix) {
            Some(unit) => format!("{MEMORY_UNITS_HELP}: did you mean `{}{unit}`?", q.number),
            None if q.suffix == "K" => format!(
                "{MEMORY_UNITS_HELP}: did you mean `{n}Ki` or `{n}k`?",
                n = q.number
            ),
            None => MEMORY_UNITS_HELP.to_string(),
        };
        return Err(invalid(expected, v).with_help(help));
    }
    if q.negative {
        return Err(invalid(expected, v).with_help("a quantity is never negative"));
    }
    Ok(Value::String(s.clone()))
}

/// The binary unit a suffix such as `GB`, `gb` or `GiB` probably meant.
fn binary_unit_for(suffix: &str) -> Option<&'static str> {
    let mut chars = suffix.chars();
    let unit = match chars.next()?.to_ascii_uppercase() {
        'K' => "Ki",
        'M' => "Mi",
        'G' => "Gi",
        'T' => "Ti",
        'P' => "Pi",
        'E' => "Ei",
        _ => return None,
    };
    let rest = chars.as_str();
    ["b", "B", "i", "ib", "iB", "I", "IB", "Ib"]
        .contains(&rest)
        .then_some(unit)
}

fn check_cpu(v: &Value) -> Result<Value, TypeError> {
    let expected = Type::Cpu.describe();
    const UNITS_HELP: &str = "CPU is written in cores (`1.5`) or millicores (`1500m`)";
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Int(i) if *i >= 0 => return Ok(Value::String(i.to_string())),
        // Display never uses an exponent, so this is a valid quantity.
        Value::Float(f) if f.is_finite() && *f >= 0.0 => return Ok(Value::String(f.to_string())),
        Value::Int(_) | Value::Float(_) => {
            return Err(invalid(expected, v).with_help("a quantity is never negative"));
        }
        _ => return Err(wrong_kind(expected, v)),
    };
    let Some(q) = split_quantity(&s) else {
        return Err(invalid(expected, v).with_help(UNITS_HELP));
    };
    if !matches!(q.suffix, "" | "m") {
        return Err(invalid(expected, v).with_help(UNITS_HELP));
    }
    if q.negative {
        return Err(invalid(expected, v).with_help("a quantity is never negative"));
    }
    if q.suffix == "m" && q.has_fraction() {
        return Err(invalid(expected, v).with_help("millicores are whole numbers"));
    }
    Ok(Value::String(s))
}

// Durations

/// The seconds in a duration string such as `30s`, `5m`, `72h` or `1h30m`.
///
/// Units are `h`, `m` and `s`, each at most once and from largest to
/// smallest. A bare number (`"90"`) is not a duration string: [`check`]
/// accepts seconds only as a KDL integer. `None` also on overflow.
pub fn parse_duration(s: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut rest = s;
    // Units still allowed, largest first: each is used at most once.
    let mut units: &[(char, u64)] = &[('h', 3600), ('m', 60), ('s', 1)];
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let end = rest.find(|ch: char| !ch.is_ascii_digit())?;
        let (digits, tail) = rest.split_at(end);
        if digits.is_empty() {
            return None;
        }
        let n: u64 = digits.parse().ok()?;
        let unit = tail.chars().next()?;
        let at = units.iter().position(|(u, _)| *u == unit)?;
        let (_, secs) = units.get(at)?;
        total = total.checked_add(n.checked_mul(*secs)?)?;
        units = units.get(at + 1..)?;
        rest = tail.get(unit.len_utf8()..)?;
    }
    Some(total)
}

/// `5400` → `1h30m`: a duration as a user writes it, for messages about
/// duration bounds and for `kiln explain`.
pub fn format_duration(secs: i128) -> String {
    if secs <= 0 {
        return format!("{secs}s");
    }
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::new();
    for (n, unit) in [(h, 'h'), (m, 'm'), (s, 's')] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    out
}

fn check_duration(v: &Value, c: &Constraints) -> Result<Value, TypeError> {
    let expected = Type::Duration.describe();
    let secs = match v {
        Value::Int(i) if *i >= 0 => *i,
        Value::Int(_) => return Err(invalid(expected, v).with_help("a duration is never negative")),
        Value::String(s) => match parse_duration(s) {
            Some(secs) => i128::from(secs),
            None => return Err(invalid(expected, v).with_maybe_help(duration_help(s))),
        },
        Value::Float(_) => {
            return Err(wrong_kind(expected, v).with_help("durations are whole seconds"));
        }
        _ => return Err(wrong_kind(expected, v)),
    };
    if !in_bounds(secs, c) {
        let bounds = bounds_phrase(c.min, c.max, |n| format!("`{}`", format_duration(n)));
        return Err(invalid(&format!("a duration{bounds}"), v));
    }
    Ok(Value::Int(secs))
}

/// Why `s` is not a duration, when there is a likely reason.
fn duration_help(s: &str) -> Option<String> {
    if all_digits(s) {
        return Some(format!("add a unit: `{s}s`"));
    }
    if let Some(days) = s.strip_suffix('d').filter(|d| all_digits(d)) {
        let hours = days.parse::<u64>().ok()?.checked_mul(24)?;
        return Some(format!("there is no unit for days: write `{hours}h`"));
    }
    if s.ends_with("ms") || s.contains('.') {
        return Some("durations are whole seconds, in units of `h`, `m` and `s`".to_string());
    }
    if s.chars().last().is_some_and(|ch| ch.is_ascii_digit()) {
        return Some(format!("add a unit after the last number: `{s}s`"));
    }
    if parse_duration(&s.to_ascii_lowercase()).is_some() {
        return Some(format!(
            "units are lower case: `{}`",
            s.to_ascii_lowercase()
        ));
    }
    Some("write whole numbers with units `h`, `m` and `s`, largest first, such as `1h30m`".into())
}

// DNS names

/// The `dns_label` template filter: `s` made into a DNS label.
///
/// Lower-cases ASCII letters, turns every run of other characters (Unicode
/// letters included) into one `-`, trims `-` from both ends and cuts the
/// result to 53 characters, leaving room for suffixes Kubernetes adds. The
/// result is empty when `s` has no ASCII letter or digit.
pub fn dns_label(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        let ch = ch.to_ascii_lowercase();
        if ch.is_ascii_lowercase() || ch.is_ascii_digit() {
            out.push(ch);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    // The output is ASCII, so every byte index is a char boundary.
    out.truncate(53);
    let trimmed = out.trim_end_matches('-').len();
    out.truncate(trimmed);
    out
}

/// Whether `s` is an RFC 1123 label of at most `max` characters: lower-case
/// letters, digits and `-`, starting and ending with a letter or digit.
pub fn is_dns_label(s: &str, max: usize) -> bool {
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !s.is_empty()
        && s.len() <= max
        && s.bytes().all(|b| alnum(&b) || b == b'-')
        && s.as_bytes().first().is_some_and(alnum)
        && s.as_bytes().last().is_some_and(alnum)
}

/// Whether `s` is an RFC 1035 label of at most `max` characters: an RFC 1123
/// label that starts with a letter, as Service names must.
pub fn is_dns1035_label(s: &str, max: usize) -> bool {
    is_dns_label(s, max) && s.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
}

/// Why `s` is not a DNS label of at most `max` characters.
fn dns_help(s: &str, max: usize) -> Option<String> {
    if s.len() > max {
        return Some(format!(
            "a DNS label has at most {max} characters, found {}",
            s.len()
        ));
    }
    let lower = s.to_ascii_lowercase();
    if lower != s && is_dns_label(&lower, max) {
        return Some(format!("use lower case: `{lower}`"));
    }
    Some(
        "a DNS label has lower-case letters, digits and `-`, \
         and starts and ends with a letter or digit"
            .to_string(),
    )
}

/// Why `s` is not an RFC 1123 subdomain, or `None` when it is one.
/// True for a key a Secret's `data` may hold: `[-._a-zA-Z0-9]+`, at most
/// 253 characters.
pub fn is_secret_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn subdomain_help(s: &str) -> Option<String> {
    if s.len() > 253 {
        return Some(format!(
            "a DNS name has at most 253 characters, found {}",
            s.len()
        ));
    }
    if s.split('.').all(|label| is_dns_label(label, 63)) {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    if lower != s && lower.split('.').all(|label| is_dns_label(label, 63)) {
        return Some(format!("use lower case: `{lower}`"));
    }
    Some(
        "a DNS name is labels separated by `.`, each of at most 63 lower-case letters, \
         digits and `-`, starting and ending with a letter or digit"
            .to_string(),
    )
}

#[cfg(test)]
mod tests;
