//! Values from objects in the units the language types them with:
//! `128Mi` rather than `134217728`, `1h30m` rather than `5400`, `"0755"`
//! rather than `493`.

use serde_json::Value as Json;

use crate::check::value::Value;

/// A string as a KDL value that comes out of kiln's string templates
/// unchanged: `{{`, `{%` and `{#` are written as template expressions of
/// themselves.
pub fn lit(s: &str) -> Value {
    Value::String(escape_template(s))
}

/// `s` with minijinja's delimiters escaped.
pub fn escape_template(s: &str) -> String {
    if !(s.contains("{{") || s.contains("{%") || s.contains("{#")) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s;
    while let Some(at) = ["{{", "{%", "{#"].iter().filter_map(|d| rest.find(d)).min() {
        out.push_str(&rest[..at]);
        out.push_str(&format!("{{{{ \"{}\" }}}}", &rest[at..at + 2]));
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out
}

/// A string field, as a template-safe value.
pub fn string(v: &Json) -> Option<Value> {
    v.as_str().map(lit)
}

/// An integer field.
pub fn int(v: &Json) -> Option<Value> {
    v.as_i64().map(Value::from)
}

/// A number of seconds as a duration: `5s`, `1m30s`, `24h`, `0s`.
pub fn duration(v: &Json) -> Option<Value> {
    let secs = v.as_i64().filter(|s| *s >= 0)?;
    if secs == 0 {
        return Some(Value::from("0s"));
    }
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::new();
    for (n, unit) in [(h, 'h'), (m, 'm'), (s, 's')] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    Some(Value::String(out))
}

/// A CPU quantity: a string as written, a number as its decimal text.
pub fn cpu(v: &Json) -> Option<Value> {
    match v {
        Json::String(s) => Some(Value::String(s.clone())),
        Json::Number(n) => Some(Value::String(n.to_string())),
        _ => None,
    }
}

/// A memory quantity: a string as written; a number of bytes in the
/// largest unit that holds it exactly (`134217728` → `128Mi`).
pub fn memory(v: &Json) -> Option<Value> {
    match v {
        Json::String(s) => Some(Value::String(s.clone())),
        Json::Number(n) => {
            let Some(bytes) = n.as_u64() else {
                return Some(Value::String(n.to_string()));
            };
            Some(Value::String(bytes_with_unit(bytes)))
        }
        _ => None,
    }
}

fn bytes_with_unit(bytes: u64) -> String {
    if bytes == 0 {
        return "0".to_string();
    }
    for (unit, size) in [
        ("Ei", 1u64 << 60),
        ("Pi", 1 << 50),
        ("Ti", 1 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ] {
        if bytes.is_multiple_of(size) {
            return format!("{}{unit}", bytes / size);
        }
    }
    for (unit, size) in [
        ("E", 10u64.pow(18)),
        ("P", 10u64.pow(15)),
        ("T", 10u64.pow(12)),
        ("G", 10u64.pow(9)),
        ("M", 10u64.pow(6)),
        ("k", 1000),
    ] {
        if bytes.is_multiple_of(size) {
            return format!("{}{unit}", bytes / size);
        }
    }
    bytes.to_string()
}

/// An int-or-percent field (`maxUnavailable: 0`, `maxSurge: 25%`).
pub fn int_or_percent(v: &Json) -> Option<Value> {
    match v {
        Json::Number(n) => n.as_i64().map(Value::from),
        Json::String(s) => Some(Value::String(s.clone())),
        _ => None,
    }
}

/// Permission bits as the octal string the language takes (`493` → `"0755"`).
pub fn file_mode(v: &Json) -> Option<Value> {
    let m = v.as_u64().filter(|m| *m <= 0o777)?;
    Some(Value::String(format!("{m:04o}")))
}

/// A port reference: a number, or a port's name.
pub fn port_ref(v: &Json) -> Option<Value> {
    match v {
        Json::Number(n) => n.as_i64().map(Value::from),
        Json::String(s) => Some(Value::String(s.clone())),
        _ => None,
    }
}

/// Any scalar as a string (an `env` value YAML read as a number).
pub fn text(v: &Json) -> Option<Value> {
    match v {
        Json::String(s) => Some(lit(s)),
        Json::Number(n) => Some(Value::String(n.to_string())),
        Json::Bool(b) => Some(Value::String(b.to_string())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn s(v: Option<Value>) -> String {
        v.map(|v| v.to_plain_string()).unwrap_or_default()
    }

    #[test]
    fn units_the_language_types() {
        assert_eq!(s(duration(&json!(5))), "5s");
        assert_eq!(s(duration(&json!(90))), "1m30s");
        assert_eq!(s(duration(&json!(86400))), "24h");
        assert_eq!(s(duration(&json!(0))), "0s");
        assert_eq!(s(memory(&json!(134217728))), "128Mi");
        assert_eq!(s(memory(&json!(1_000_000))), "1M");
        assert_eq!(s(memory(&json!(1000))), "1k");
        assert_eq!(s(memory(&json!(1001))), "1001");
        assert_eq!(s(memory(&json!("512Mi"))), "512Mi");
        assert_eq!(s(cpu(&json!(0.5))), "0.5");
        assert_eq!(s(cpu(&json!(2))), "2");
        assert_eq!(s(file_mode(&json!(493))), "0755");
        assert_eq!(s(file_mode(&json!(420))), "0644");
        assert!(file_mode(&json!(4096)).is_none());
    }

    #[test]
    fn template_delimiters_are_escaped() {
        assert_eq!(escape_template("plain"), "plain");
        assert_eq!(escape_template("a {{ b }} c"), "a {{ \"{{\" }} b }} c");
        assert_eq!(escape_template("{%x{#"), "{{ \"{%\" }}x{{ \"{#\" }}");
        let env = minijinja::Environment::new();
        for s in ["a {{ b }} c", "{% raw %}", "{#", "}}{{"] {
            assert_eq!(env.render_str(&escape_template(s), ()).unwrap(), s);
        }
    }
}
