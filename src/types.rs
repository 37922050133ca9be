//! The value types of parameters (LANGUAGE.md "Types") and their checks.
//!
//! [`check`] both validates and normalizes a value, so that templates see one
//! spelling per type: durations become seconds, file modes integers, scalars
//! strings. The checks follow what Kubernetes itself accepts, so that an
//! error surfaces at the line the user wrote rather than at `kubectl apply`.

use std::fmt;

use crate::value::Value;

mod semver_range;
mod url;

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
fn is_port_name(s: &str) -> bool {
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

/// `5400` → `1h30m`, for messages about duration bounds.
fn format_duration(secs: i128) -> String {
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

// Images

/// Checks a container image reference against the distribution reference
/// grammar: `[host[:port]/]path[:tag][@algorithm:hex]`. The error is a help
/// text, when there is a specific one.
fn image_help(s: &str) -> Result<(), Option<String>> {
    let (name_tag, digest) = match s.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (s, None),
    };
    if let Some(d) = digest {
        let ok = match d.split_once(':') {
            Some(("sha256", hex)) => is_lower_hex(hex, 64),
            Some(("sha512", hex)) => is_lower_hex(hex, 128),
            _ => false,
        };
        if !ok {
            return Err(Some(
                "a digest is `@sha256:` followed by 64 lower-case hex digits".to_string(),
            ));
        }
    }
    let last_slash = name_tag.rfind('/');
    let (name, tag) = match name_tag.rfind(':') {
        Some(colon) if last_slash.is_none_or(|slash| colon > slash) => (
            name_tag.get(..colon).unwrap_or(""),
            name_tag.get(colon + 1..),
        ),
        _ => (name_tag, None),
    };
    if let Some(tag) = tag
        && !is_tag(tag)
    {
        return Err(Some(
            "a tag has at most 128 letters, digits, `_`, `.` and `-`, \
             and does not start with `.` or `-`"
                .to_string(),
        ));
    }
    if name.is_empty() {
        return Err(None);
    }
    if name.len() > 255 {
        return Err(Some("an image name has at most 255 characters".to_string()));
    }
    let (domain, path) = match name.split_once('/') {
        Some((first, rest)) if is_domain_like(first) => (Some(first), rest),
        _ => (None, name),
    };
    if let Some(domain) = domain
        && !is_registry(domain)
    {
        return Err(Some(
            "a registry is a host name or address, with an optional `:port`".to_string(),
        ));
    }
    if path.split('/').all(is_path_component) {
        return Ok(());
    }
    let lower = path.to_ascii_lowercase();
    if lower != path && lower.split('/').all(is_path_component) {
        // `path` ends `name`, which starts `s`: the slices are in bounds.
        let head = s.get(..name.len() - path.len()).unwrap_or("");
        let tail = s.get(name.len()..).unwrap_or("");
        let fixed = format!("{head}{lower}{tail}");
        return Err(Some(format!("repository names are lower case: `{fixed}`")));
    }
    Err(Some(
        "a repository name is lower-case letters and digits, separated by `/`, \
         `.`, `_`, `__` or dashes"
            .to_string(),
    ))
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn is_tag(tag: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    (1..=128).contains(&tag.len())
        && tag.as_bytes().first().is_some_and(|b| word(*b))
        && tag.bytes().all(|b| word(b) || b == b'.' || b == b'-')
}

/// Whether the first component of a name is a registry rather than part of
/// the repository path, as docker decides it.
fn is_domain_like(first: &str) -> bool {
    first.contains(['.', ':'])
        || first == "localhost"
        || first.bytes().any(|b| b.is_ascii_uppercase())
}

/// `host[:port]`, where host is a domain name, an IPv4 address, or `[IPv6]`.
fn is_registry(domain: &str) -> bool {
    let (host, port) = if let Some(v6) = domain.strip_prefix('[') {
        let Some((addr, after)) = v6.split_once(']') else {
            return false;
        };
        if addr.is_empty()
            || !addr
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return false;
        }
        match after {
            "" => return true,
            _ => match after.strip_prefix(':') {
                Some(port) => ("v6", Some(port)),
                None => return false,
            },
        }
    } else {
        match domain.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (domain, None),
        }
    };
    let component = |c: &str| {
        let b = c.as_bytes();
        !c.is_empty()
            && c.bytes().all(|x| x.is_ascii_alphanumeric() || x == b'-')
            && b.first().is_some_and(u8::is_ascii_alphanumeric)
            && b.last().is_some_and(u8::is_ascii_alphanumeric)
    };
    host.split('.').all(component) && port.is_none_or(all_digits)
}

/// `[a-z0-9]+` joined by separators `.`, `_`, `__` or runs of `-`.
fn is_path_component(c: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let b = c.as_bytes();
    if !b.first().is_some_and(|x| alnum(*x)) || !b.last().is_some_and(|x| alnum(*x)) {
        return false;
    }
    c.split(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
        .filter(|sep| !sep.is_empty())
        .all(|sep| matches!(sep, "." | "_" | "__") || sep.bytes().all(|x| x == b'-'))
}

// Cron

const CRON_MACROS: &[&str] = &[
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];

const MONTHS: &[&str] = &[
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

const WEEKDAYS: &[&str] = &["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// One field of a cron schedule: its name, bounds, and the names its values
/// may take (counted from `min`).
struct CronField {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const CRON_FIELDS: [CronField; 5] = [
    CronField {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
    },
    CronField {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
    },
    CronField {
        name: "day-of-month",
        min: 1,
        max: 31,
        names: &[],
    },
    CronField {
        name: "month",
        min: 1,
        max: 12,
        names: MONTHS,
    },
    CronField {
        name: "day-of-week",
        min: 0,
        max: 6,
        names: WEEKDAYS,
    },
];

/// Checks a cron schedule as Kubernetes (robfig/cron's standard parser)
/// reads it; the error is a help text naming the field at fault.
fn cron_help(s: &str) -> Result<(), String> {
    if s.starts_with('@') {
        if CRON_MACROS.contains(&s) {
            return Ok(());
        }
        let list: Vec<String> = CRON_MACROS.iter().map(|m| format!("`{m}`")).collect();
        return Err(match did_you_mean(s, CRON_MACROS.iter().copied()) {
            Some(m) => format!("did you mean `{m}`?"),
            None => format!("the macros are {}", list.join(", ")),
        });
    }
    let fields: Vec<&str> = s.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "a cron schedule has five fields (minute, hour, day of month, month, day of week), found {}",
            fields.len()
        ));
    }
    for (text, field) in fields.iter().zip(CRON_FIELDS.iter()) {
        for item in text.split(',') {
            cron_item(item, field)?;
        }
    }
    Ok(())
}

fn cron_item(item: &str, f: &CronField) -> Result<(), String> {
    let (range, step) = match item.split_once('/') {
        Some((r, s)) => (r, Some(s)),
        None => (item, None),
    };
    if let Some(step) = step
        && !step.parse::<u32>().is_ok_and(|n| n >= 1)
    {
        return Err(format!(
            "the step in the {} field must be a positive number, found `{step}`",
            f.name
        ));
    }
    if range == "*" || range == "?" {
        return Ok(());
    }
    let (lo, hi) = match range.split_once('-') {
        Some((lo, hi)) => (cron_value(lo, f)?, cron_value(hi, f)?),
        None => {
            let n = cron_value(range, f)?;
            (n, n)
        }
    };
    if lo > hi {
        return Err(format!(
            "the range `{range}` in the {} field runs backwards",
            f.name
        ));
    }
    Ok(())
}

fn cron_value(text: &str, f: &CronField) -> Result<u32, String> {
    if let Some(i) = f.names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
        // The name lists are far shorter than u32::MAX.
        return Ok(f.min + i as u32);
    }
    match text.parse::<u32>() {
        Ok(n) if (f.min..=f.max).contains(&n) => Ok(n),
        _ if all_digits(text) => Err(format!(
            "the {} field must be within {}–{}, found `{text}`",
            f.name, f.min, f.max
        )),
        _ if text.is_empty() => Err(format!("the {} field has an empty entry", f.name)),
        _ => Err(format!("`{text}` is not a valid {} value", f.name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::String(x.to_string())
    }

    fn ok(ty: Type, v: Value) -> Value {
        match check(ty, &v, &Constraints::default()) {
            Ok(out) => out,
            Err(e) => panic!("{ty} rejected {v}: {}", e.message),
        }
    }

    fn err(ty: Type, v: Value) -> TypeError {
        match check(ty, &v, &Constraints::default()) {
            Ok(out) => panic!("{ty} accepted {v} as {out}"),
            Err(e) => e,
        }
    }

    fn accepts(ty: Type, xs: &[&str]) {
        for x in xs {
            ok(ty, s(x));
        }
    }

    fn rejects(ty: Type, xs: &[&str]) {
        for x in xs {
            err(ty, s(x));
        }
    }

    #[test]
    fn names_round_trip() {
        for ty in Type::ALL {
            assert_eq!(Type::parse(ty.name()), Some(*ty));
            assert_eq!(ty.to_string(), ty.name());
            assert!(!ty.describe().is_empty());
        }
        assert_eq!(Type::ALL.len(), 26);
        assert_eq!(Type::parse("int-or-percent"), Some(Type::IntOrPercent));
        assert_eq!(Type::parse("file"), Some(Type::File));
        assert_eq!(Type::parse("Int"), None);
        assert_eq!(Type::parse("integer"), None);
    }

    #[test]
    fn describe_examples() {
        assert_eq!(Type::Memory.describe(), "a memory quantity such as `512Mi`");
    }

    #[test]
    fn string_bool_int_float() {
        assert_eq!(ok(Type::String, s("")), s(""));
        assert_eq!(ok(Type::Bool, Value::Bool(true)), Value::Bool(true));
        assert_eq!(ok(Type::Int, Value::Int(-3)), Value::Int(-3));
        assert_eq!(ok(Type::Float, Value::Int(2)), Value::Float(2.0));
        assert_eq!(ok(Type::Float, Value::Float(1.5)), Value::Float(1.5));

        let e = err(Type::Int, s("3"));
        assert_eq!(e.message, "expected an integer, found a string `\"3\"`");
        assert_eq!(e.help.as_deref(), Some("remove the quotes: `3`"));

        let e = err(Type::String, Value::Int(3));
        assert_eq!(e.message, "expected a string, found an integer `3`");
        assert_eq!(e.help.as_deref(), Some("write it as a string: `\"3\"`"));

        let e = err(Type::Bool, s("true"));
        assert_eq!(e.help.as_deref(), Some("write `#true`"));

        let e = err(Type::Int, Value::Float(2.0));
        assert_eq!(e.message, "expected an integer, found a float `2.0`");
        assert_eq!(e.help.as_deref(), Some("write `2`"));

        assert_eq!(
            err(Type::Int, Value::Null).message,
            "expected an integer, found `#null`"
        );
        err(Type::String, Value::Null);
        err(Type::Float, s("x"));
        err(Type::Float, Value::Bool(true));
    }

    #[test]
    fn int_bounds() {
        let c = Constraints {
            min: Some(0),
            max: Some(10),
            ..Default::default()
        };
        assert!(check(Type::Int, &Value::Int(0), &c).is_ok());
        assert!(check(Type::Int, &Value::Int(10), &c).is_ok());
        let e = check(Type::Int, &Value::Int(11), &c).unwrap_err();
        assert_eq!(e.message, "expected an integer from 0 to 10, found `11`");
        let lo = Constraints {
            min: Some(0),
            ..Default::default()
        };
        let e = check(Type::Int, &Value::Int(-1), &lo).unwrap_err();
        assert_eq!(e.message, "expected an integer of at least 0, found `-1`");
        assert!(check(Type::Float, &Value::Float(10.5), &c).is_err());
        assert!(check(Type::Float, &Value::Float(9.5), &c).is_ok());
    }

    #[test]
    fn cpu() {
        for (x, want) in [
            ("250m", "250m"),
            ("1", "1"),
            ("1.5", "1.5"),
            ("2000m", "2000m"),
            (".5", ".5"),
        ] {
            assert_eq!(ok(Type::Cpu, s(x)), s(want));
        }
        assert_eq!(ok(Type::Cpu, Value::Int(2)), s("2"));
        assert_eq!(ok(Type::Cpu, Value::Float(0.5)), s("0.5"));
        rejects(
            Type::Cpu,
            &[
                "", "m", "1.5.2", "-1", "500Mi", "1k", "2 cores", "1.5m", "1e3",
            ],
        );
        err(Type::Cpu, Value::Int(-1));
        err(Type::Cpu, Value::Float(f64::NAN));
        err(Type::Cpu, Value::Bool(true));
        let e = err(Type::Cpu, s("500Mi"));
        assert_eq!(
            e.help.as_deref(),
            Some("CPU is written in cores (`1.5`) or millicores (`1500m`)")
        );
    }

    #[test]
    fn memory() {
        accepts(
            Type::Memory,
            &[
                "512Mi",
                "1Gi",
                "1.5Gi",
                "1G",
                "128974848",
                "129e6",
                "129M",
                "123Mi",
                "1E",
                "1e3",
                "1E-3",
                "1e+3",
                "100m",
                "1Ki",
                "2Ti",
                "1Pi",
                "1Ei",
                "1k",
                "+1Gi",
                "1.",
                ".5Gi",
            ],
        );
        assert_eq!(ok(Type::Memory, Value::Int(1024)), s("1024"));
        rejects(
            Type::Memory,
            &[
                "", "Mi", "1.5Gb", "12XB", "1KI", "1K", "1mi", "-1Gi", "1 Gi", " 1Gi", "1e",
                "1e3.5", "1..5",
            ],
        );
        let e = err(Type::Memory, s("12XB"));
        assert_eq!(
            e.message,
            "expected a memory quantity such as `512Mi`, found `\"12XB\"`"
        );
        assert_eq!(e.help.as_deref(), Some(MEMORY_UNITS_HELP));
        let e = err(Type::Memory, s("1.5Gb"));
        assert_eq!(
            e.help.as_deref(),
            Some(
                "memory units are Ki, Mi, Gi, Ti, Pi, Ei (powers of 2) or k, M, G, T, P, E \
                 (powers of 10): did you mean `1.5Gi`?"
            )
        );
        assert_eq!(
            err(Type::Memory, s("1K")).help.as_deref(),
            Some(format!("{MEMORY_UNITS_HELP}: did you mean `1Ki` or `1k`?").as_str())
        );
        err(Type::Memory, Value::Float(1.5));
        err(Type::Memory, Value::Int(-1));
        let e = err(Type::Memory, Value::Bool(false));
        assert_eq!(
            e.message,
            "expected a memory quantity such as `512Mi`, found a boolean `#false`"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Some(30));
        assert_eq!(parse_duration("5m"), Some(300));
        assert_eq!(parse_duration("72h"), Some(259_200));
        assert_eq!(parse_duration("1h30m"), Some(5400));
        assert_eq!(parse_duration("1h30m15s"), Some(5415));
        assert_eq!(parse_duration("1h15s"), Some(3615));
        assert_eq!(parse_duration("0s"), Some(0));
        assert_eq!(parse_duration("90m"), Some(5400));
        for bad in [
            "",
            "90",
            "s",
            "1d",
            "500ms",
            "1.5h",
            "30m1h",
            "1h1h",
            "1h30",
            "-5s",
            "5S",
            " 5s",
            "1hm",
            "99999999999999999999999h",
            "5s ",
            "5é",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }

        assert_eq!(ok(Type::Duration, s("1h30m")), Value::Int(5400));
        assert_eq!(ok(Type::Duration, Value::Int(90)), Value::Int(90));
        assert_eq!(ok(Type::Duration, Value::Int(0)), Value::Int(0));

        let e = err(Type::Duration, s("90"));
        assert_eq!(
            e.message,
            "expected a duration such as `30s` or `1h30m`, found `\"90\"`"
        );
        assert_eq!(e.help.as_deref(), Some("add a unit: `90s`"));
        assert_eq!(
            err(Type::Duration, s("3d")).help.as_deref(),
            Some("there is no unit for days: write `72h`")
        );
        assert!(err(Type::Duration, s("500ms")).help.is_some());
        assert_eq!(
            err(Type::Duration, s("5M")).help.as_deref(),
            Some("units are lower case: `5m`")
        );
        err(Type::Duration, Value::Int(-1));
        err(Type::Duration, Value::Float(1.5));
        err(Type::Duration, Value::Null);

        let c = Constraints {
            min: Some(10),
            max: Some(3600),
            ..Default::default()
        };
        assert!(check(Type::Duration, &s("1h"), &c).is_ok());
        let e = check(Type::Duration, &s("1h30m"), &c).unwrap_err();
        assert_eq!(
            e.message,
            "expected a duration from `10s` to `1h`, found `\"1h30m\"`"
        );
        assert!(check(Type::Duration, &Value::Int(5), &c).is_err());
    }

    #[test]
    fn ports() {
        assert_eq!(ok(Type::Port, Value::Int(1)), Value::Int(1));
        assert_eq!(ok(Type::Port, Value::Int(65535)), Value::Int(65535));
        let e = err(Type::Port, Value::Int(0));
        assert_eq!(
            e.message,
            "expected a port number from 1 to 65535, found `0`"
        );
        err(Type::Port, Value::Int(65536));
        let e = err(Type::Port, s("8080"));
        assert_eq!(e.help.as_deref(), Some("remove the quotes: `8080`"));
        let c = Constraints {
            min: Some(1024),
            ..Default::default()
        };
        let e = check(Type::Port, &Value::Int(80), &c).unwrap_err();
        assert_eq!(
            e.message,
            "expected a port number from 1024 to 65535, found `80`"
        );

        assert_eq!(ok(Type::PortRef, Value::Int(8080)), Value::Int(8080));
        accepts(
            Type::PortRef,
            &["http", "http-metrics", "h2c", "a", "abcdefghijklmno", "8a"],
        );
        rejects(
            Type::PortRef,
            &[
                "",
                "HTTP",
                "-http",
                "http-",
                "ht--tp",
                "abcdefghijklmnop",
                "123",
                "my_port",
                "8080",
            ],
        );
        err(Type::PortRef, Value::Int(0));
        err(Type::PortRef, Value::Bool(true));
    }

    #[test]
    fn dns_names() {
        accepts(
            Type::DnsLabel,
            &["a", "my-app", "0abc", "a1-b2", &"a".repeat(63)],
        );
        rejects(
            Type::DnsLabel,
            &["", "-a", "a-", "My-App", "a.b", "a_b", "é", &"a".repeat(64)],
        );
        let e = err(Type::DnsLabel, s("My-App"));
        assert_eq!(
            e.message,
            "expected a DNS label such as `my-app`, found `\"My-App\"`"
        );
        assert_eq!(e.help.as_deref(), Some("use lower case: `my-app`"));
        let e = err(Type::DnsLabel, Value::Int(123));
        assert_eq!(e.help.as_deref(), Some("write it as a string: `\"123\"`"));

        accepts(
            Type::DnsSubdomain,
            &["example.com", "a", "a-b.c-d.e", "my-app"],
        );
        let long = vec!["a".repeat(63); 4].join(".");
        assert_eq!(long.len(), 255);
        rejects(
            Type::DnsSubdomain,
            &[
                "",
                ".a",
                "a.",
                "a..b",
                "Example.com",
                "*.example.com",
                &long,
                &"a".repeat(64),
            ],
        );

        accepts(Type::Host, &["example.com", "*.example.com", "localhost"]);
        rejects(
            Type::Host,
            &[
                "",
                "*",
                "*.",
                "a.*.com",
                "**.a",
                "http://a.com",
                "a.com/x",
                "A.com",
            ],
        );

        assert!(is_dns_label("abc", 3));
        assert!(!is_dns_label("abcd", 3));
        assert!(is_dns1035_label("a1", 63));
        assert!(!is_dns1035_label("1a", 63));
        assert!(!is_dns1035_label("", 63));
    }

    #[test]
    fn dns_label_filter() {
        assert_eq!(dns_label("My App"), "my-app");
        assert_eq!(dns_label("feature/JIRA-123_fix"), "feature-jira-123-fix");
        assert_eq!(dns_label("--a__b--"), "a-b");
        assert_eq!(dns_label("Ünïcödé"), "n-c-d");
        assert_eq!(dns_label("日本"), "");
        assert_eq!(dns_label(""), "");
        assert_eq!(dns_label(&"a".repeat(60)), "a".repeat(53));
        // Cut right after a dash: the dash goes too.
        let cut = format!("{}-b", "a".repeat(52));
        assert_eq!(dns_label(&cut), "a".repeat(52));
        for x in ["My App", "feature/JIRA-123_fix", "x.y.z", &"ab-".repeat(40)] {
            assert!(is_dns_label(&dns_label(x), 53), "{x}");
        }
    }

    #[test]
    fn paths_and_files() {
        accepts(Type::Path, &["/", "/healthz", "/a/b c"]);
        let e = err(Type::Path, s("healthz"));
        assert_eq!(e.help.as_deref(), Some("start it with `/`: `/healthz`"));
        rejects(Type::Path, &["", "/a\0"]);

        assert_eq!(ok(Type::File, s("config/app.toml")), s("config/app.toml"));
        accepts(Type::File, &["a", "../shared/x.txt"]);
        rejects(Type::File, &["", "/etc/passwd"]);
        err(Type::File, Value::Int(1));
    }

    #[test]
    fn images() {
        let hex = "a".repeat(64);
        accepts(
            Type::Image,
            &[
                "nginx",
                "nginx:1.27",
                "nginx:1.27-alpine",
                "library/nginx:latest",
                "ghcr.io/org/app:v1.2.3",
                "registry.example.com:5000/team/app",
                "localhost/app",
                "localhost:5000/app:dev",
                "[::1]:5000/app",
                "192.168.1.1:5000/a/b/c",
                "a__b/c.d/e---f",
                "app:V1_X",
                &format!("app@sha256:{hex}"),
                &format!("ghcr.io/org/app:v1@sha256:{hex}"),
                &format!("app@sha512:{}", "0".repeat(128)),
                &format!("app:{}", "t".repeat(128)),
            ],
        );
        rejects(
            Type::Image,
            &[
                "",
                "Nginx",
                "nginx:",
                "nginx:.x",
                "nginx:-x",
                ":tag",
                "@sha256:abc",
                "app@sha256:abc",
                &format!("app@sha256:{}", "A".repeat(64)),
                &format!("app@md5:{hex}"),
                "app/",
                "/app",
                "a//b",
                "a___b",
                "a-/b",
                "-a",
                "a b",
                "https://ghcr.io/app",
                "ghcr.io:x/app",
                "-ghcr.io/app",
                &format!("app:{}", "t".repeat(129)),
                &"a".repeat(256),
            ],
        );
        let e = err(Type::Image, s("ghcr.io/Org/App:v1"));
        assert_eq!(
            e.message,
            "expected a container image reference such as `nginx:1.27`, found `\"ghcr.io/Org/App:v1\"`"
        );
        assert_eq!(
            e.help.as_deref(),
            Some("repository names are lower case: `ghcr.io/org/app:v1`")
        );
    }

    #[test]
    fn cron() {
        accepts(
            Type::Cron,
            &[
                "* * * * *",
                "*/5 * * * *",
                "0 0 * * *",
                "0 9-17 * * MON-FRI",
                "0 0 1 jan,jul *",
                "30 4 1,15 * 5",
                "0 0 ? * sun",
                "0-59/15 0 1-31 1-12 0-6",
                "5/10 * * * *",
                "  0  0 * * *  ",
                "@yearly",
                "@annually",
                "@monthly",
                "@weekly",
                "@daily",
                "@midnight",
                "@hourly",
            ],
        );
        rejects(
            Type::Cron,
            &[
                "",
                "* * * *",
                "* * * * * *",
                "60 * * * *",
                "* 24 * * *",
                "* * 0 * *",
                "* * 32 * *",
                "* * * 13 *",
                "* * * * 7",
                "*/0 * * * *",
                "*/x * * * *",
                "5-1 * * * *",
                "1,,2 * * * *",
                "* * * foo *",
                "* * * * MONDAY",
                "@every 1h",
                "@reboot",
                "-1 * * * *",
            ],
        );
        let e = err(Type::Cron, s("0 24 * * *"));
        assert_eq!(
            e.message,
            "expected a cron schedule such as `*/5 * * * *` or `@daily`, found `\"0 24 * * *\"`"
        );
        assert_eq!(
            e.help.as_deref(),
            Some("the hour field must be within 0–23, found `24`")
        );
        assert_eq!(
            err(Type::Cron, s("@daly")).help.as_deref(),
            Some("did you mean `@daily`?")
        );
    }

    #[test]
    fn enums() {
        let values: Vec<String> = ["TCP", "UDP", "SCTP"].map(String::from).to_vec();
        let c = Constraints {
            values: &values,
            ..Default::default()
        };
        assert_eq!(check(Type::Enum, &s("UDP"), &c), Ok(s("UDP")));
        let e = check(Type::Enum, &s("tcp"), &c).unwrap_err();
        assert_eq!(
            e.message,
            "expected one of `TCP`, `UDP`, `SCTP`, found `\"tcp\"`"
        );
        assert_eq!(e.help.as_deref(), Some("did you mean `TCP`?"));
        let e = check(Type::Enum, &s("SCPT"), &c).unwrap_err();
        assert_eq!(e.help.as_deref(), Some("did you mean `SCTP`?"));
        let e = check(Type::Enum, &s("HTTP"), &c).unwrap_err();
        assert_eq!(e.help, None);
        let e = check(Type::Enum, &Value::Int(1), &c).unwrap_err();
        assert_eq!(
            e.message,
            "expected one of `TCP`, `UDP`, `SCTP`, found an integer `1`"
        );
        assert!(check(Type::Enum, &s("x"), &Constraints::default()).is_err());
    }

    #[test]
    fn map_is_never_a_value() {
        let e = err(Type::Map, s("a=b"));
        assert_eq!(
            e.message,
            "expected properties (a map), found a string `\"a=b\"`"
        );
        err(Type::Map, Value::Null);
    }

    #[test]
    fn scalar() {
        assert_eq!(ok(Type::Scalar, s("x")), s("x"));
        assert_eq!(ok(Type::Scalar, Value::Int(3)), s("3"));
        assert_eq!(ok(Type::Scalar, Value::Float(1.0)), s("1.0"));
        assert_eq!(ok(Type::Scalar, Value::Float(0.25)), s("0.25"));
        assert_eq!(ok(Type::Scalar, Value::Bool(false)), s("false"));
        err(Type::Scalar, Value::Null);
    }

    #[test]
    fn int_or_percent() {
        assert_eq!(ok(Type::IntOrPercent, Value::Int(3)), Value::Int(3));
        assert_eq!(ok(Type::IntOrPercent, Value::Int(0)), Value::Int(0));
        assert_eq!(ok(Type::IntOrPercent, s("25%")), s("25%"));
        accepts(Type::IntOrPercent, &["0%", "100%", "150%"]);
        rejects(
            Type::IntOrPercent,
            &["", "%", "25", "2.5%", "-5%", "25 %", "x%"],
        );
        let e = err(Type::IntOrPercent, s("3"));
        assert_eq!(
            e.help.as_deref(),
            Some("remove the quotes for a count (`3`), or add `%` for a percentage (`\"3%\"`)")
        );
        err(Type::IntOrPercent, Value::Int(-1));
        err(Type::IntOrPercent, Value::Float(0.5));
    }

    #[test]
    fn file_mode() {
        assert_eq!(ok(Type::FileMode, s("0644")), Value::Int(420));
        assert_eq!(ok(Type::FileMode, s("0755")), Value::Int(493));
        assert_eq!(ok(Type::FileMode, s("644")), Value::Int(420));
        assert_eq!(ok(Type::FileMode, s("0777")), Value::Int(511));
        assert_eq!(ok(Type::FileMode, s("000")), Value::Int(0));
        rejects(
            Type::FileMode,
            &[
                "",
                "64",
                "0999",
                "00644",
                "1777",
                "+644",
                "0o644",
                "rw-r--r--",
                "६४४",
            ],
        );
        let e = err(Type::FileMode, Value::Int(644));
        assert_eq!(
            e.message,
            "expected an octal file mode such as `\"0644\"`, found an integer `644`"
        );
        assert_eq!(
            e.help.as_deref(),
            Some("write the mode as a string, such as \"0644\"")
        );
    }

    /// No input makes any check panic.
    #[test]
    fn no_panics() {
        let strings = [
            "",
            " ",
            "-",
            "+",
            ".",
            ":",
            "@",
            "/",
            "*",
            "%",
            "é",
            "日本語",
            "\0",
            "1e",
            "e1",
            "[",
            "[]",
            "[::1",
            "a@",
            "@a",
            "a:b:c",
            "*/",
            "/*",
            "1-",
            "-1",
            "1--2",
            "9999999999999999999999999999999999999999",
            "0x10",
            "１２",
            "1h\u{301}",
            "Ki",
            "%%",
            "a/b@sha256:",
        ];
        let values: Vec<String> = vec!["a".into(), "é".into()];
        let c = Constraints {
            min: Some(i128::MIN),
            max: Some(i128::MAX),
            values: &values,
        };
        for ty in Type::ALL {
            for x in strings {
                let _ = check(*ty, &s(x), &c);
                let _ = check(*ty, &s(x), &Constraints::default());
            }
            for v in [
                Value::Int(i128::MIN),
                Value::Int(i128::MAX),
                Value::Float(f64::NAN),
                Value::Float(f64::INFINITY),
                Value::Float(-0.0),
                Value::Float(1e300),
                Value::Bool(true),
                Value::Null,
            ] {
                let _ = check(*ty, &v, &c);
            }
        }
        for x in strings {
            let _ = dns_label(x);
            let _ = parse_duration(x);
        }
    }
}
