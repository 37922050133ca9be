//! The walker: checks a value against a compiled [`Schema`] as the API
//! server checks a custom resource, collecting every problem with its path.
//!
//! Null where the schema is not `nullable` counts as absent: the API server
//! prunes it before validating. Unknown fields are errors (the API server
//! would drop them without a word), except below
//! `x-kubernetes-preserve-unknown-fields` or where `additionalProperties`
//! allows them. `format` is checked for `int32`, `int64`, `byte`, `date` and
//! `date-time`; other formats are left to the API server.

use serde_json::Value as Json;

use super::cel;
use super::schema::{Additional, ListType, Schema, Ty};
use crate::diag::count;
use crate::render::validate::Problem;

/// How strictly a node is walked: inside `anyOf`/`oneOf`/`allOf`/`not`
/// only values are checked, not which fields exist.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Full,
    ValuesOnly,
}

/// Every problem of `value` against `schema`, paths from `path`.
pub fn check(schema: &Schema, value: &Json, path: &mut Vec<String>, out: &mut Vec<Problem>) {
    walk(schema, value, path, out, Mode::Full);
}

/// `metadata` of an object or of an embedded resource: an ObjectMeta.
/// CRD schemas say only `type: object` here; the API server checks it.
pub fn check_metadata(value: &Json, path: &mut Vec<String>, out: &mut Vec<Problem>) {
    const STRINGS: &[&str] = &[
        "name",
        "generateName",
        "namespace",
        "uid",
        "resourceVersion",
        "selfLink",
        "creationTimestamp",
        "deletionTimestamp",
    ];
    const OTHERS: &[&str] = &[
        "labels",
        "annotations",
        "finalizers",
        "ownerReferences",
        "managedFields",
        "generation",
        "deletionGracePeriodSeconds",
    ];
    let Json::Object(m) = value else {
        problem(
            path,
            out,
            format!("expected a map, found {}", describe(value)),
        );
        return;
    };
    for (k, v) in m {
        path.push(k.clone());
        match k.as_str() {
            s if STRINGS.contains(&s) => {
                if !v.is_string() && !v.is_null() {
                    problem(
                        path,
                        out,
                        format!("expected a string, found {}", describe(v)),
                    );
                }
            }
            "labels" | "annotations" => match v {
                Json::Object(pairs) => {
                    for (key, val) in pairs {
                        if !val.is_string() {
                            path.push(key.clone());
                            problem(
                                path,
                                out,
                                format!("expected a string, found {}", describe(val)),
                            );
                            path.pop();
                        }
                    }
                }
                Json::Null => {}
                other => problem(
                    path,
                    out,
                    format!("expected a map, found {}", describe(other)),
                ),
            },
            s if OTHERS.contains(&s) => {}
            _ => problem(path, out, format!("unknown field `{k}`")),
        }
        path.pop();
    }
}

fn problem(path: &[String], out: &mut Vec<Problem>, message: String) {
    out.push(Problem {
        path: path.to_vec(),
        message,
    });
}

fn describe(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(n) if n.is_f64() => "a number",
        Json::Number(_) => "an integer",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "a map",
    }
}

fn walk(s: &Schema, v: &Json, path: &mut Vec<String>, out: &mut Vec<Problem>, mode: Mode) {
    if v.is_null() {
        // Pruned by the API server unless nullable; `required` catches a
        // field that had to be there.
        return;
    }
    if s.int_or_string {
        if !(v.is_string() || v.is_i64() || v.is_u64()) {
            problem(
                path,
                out,
                format!("expected an integer or a string, found {}", describe(v)),
            );
            return;
        }
    } else if let Some(ty) = s.ty {
        let ok = match ty {
            Ty::Object => v.is_object(),
            Ty::Array => v.is_array(),
            Ty::String => v.is_string(),
            Ty::Integer => v.is_i64() || v.is_u64(),
            Ty::Number => v.is_number(),
            Ty::Boolean => v.is_boolean(),
        };
        if !ok {
            problem(
                path,
                out,
                format!("expected {}, found {}", ty.describe(), describe(v)),
            );
            return;
        }
    }
    if !s.enum_values.is_empty() && !s.enum_values.iter().any(|e| same(e, v)) {
        let list: Vec<String> = s
            .enum_values
            .iter()
            .map(|e| format!("`{}`", plain(e)))
            .collect();
        problem(
            path,
            out,
            format!("expected one of {}, found `{}`", list.join(", "), plain(v)),
        );
    }
    match v {
        Json::String(text) => string(s, text, path, out),
        Json::Number(n) => number(s, n, path, out),
        Json::Array(items) => array(s, items, path, out, mode),
        Json::Object(_) => object(s, v, path, out, mode),
        _ => {}
    }
    for sub in &s.all_of {
        walk(sub, v, path, out, Mode::ValuesOnly);
    }
    if !s.any_of.is_empty() && !s.any_of.iter().any(|sub| matches(sub, v)) {
        problem(
            path,
            out,
            "matches none of the schemas of `anyOf`".to_string(),
        );
    }
    if !s.one_of.is_empty() {
        let n = s.one_of.iter().filter(|sub| matches(sub, v)).count();
        if n != 1 {
            problem(
                path,
                out,
                format!("matches {n} of the schemas of `oneOf`, not exactly one"),
            );
        }
    }
    if s.not.as_deref().is_some_and(|sub| matches(sub, v)) {
        problem(path, out, "matches the schema of `not`".to_string());
    }
    for rule in cel::broken(&s.rules, v) {
        let mut at = path.clone();
        if let Some(fp) = &rule.field_path {
            at.extend(fp.split('.').filter(|p| !p.is_empty()).map(str::to_string));
        }
        out.push(Problem {
            path: at,
            message: format!("{} (rule `{}`)", rule.message, rule.rule),
        });
    }
}

/// Whether `v` passes `s` alone (for `anyOf`, `oneOf`, `not`).
fn matches(s: &Schema, v: &Json) -> bool {
    let mut scratch = Vec::new();
    walk(s, v, &mut Vec::new(), &mut scratch, Mode::ValuesOnly);
    scratch.is_empty()
}

/// Enum equality: numbers by value, so `1` and `1.0` agree.
fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// A scalar as a user wrote it: strings without quotes.
fn plain(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn string(s: &Schema, text: &str, path: &[String], out: &mut Vec<Problem>) {
    let len = text.chars().count() as u64;
    if let Some(min) = s.min_length.filter(|m| len < *m) {
        problem(
            path,
            out,
            format!(
                "expected at least {}, found {len}",
                count(min, "character", "characters")
            ),
        );
    }
    if let Some(max) = s.max_length.filter(|m| len > *m) {
        problem(
            path,
            out,
            format!(
                "expected at most {}, found {len}",
                count(max, "character", "characters")
            ),
        );
    }
    if let Some(re) = s.pattern.as_ref().filter(|re| !re.is_match(text)) {
        problem(
            path,
            out,
            format!("`{text}` does not match the pattern `{}`", re.as_str()),
        );
    }
    let ok = match s.format.as_deref() {
        Some("byte") => is_base64(text),
        Some("date-time") => is_date_time(text),
        Some("date") => is_date(text),
        _ => true,
    };
    if !ok {
        let format = s.format.as_deref().unwrap_or_default();
        problem(path, out, format!("`{text}` is not of format `{format}`"));
    }
}

fn number(s: &Schema, n: &serde_json::Number, path: &[String], out: &mut Vec<Problem>) {
    let x = n.as_f64().unwrap_or(f64::NAN);
    if let Some(min) = s.minimum {
        if s.exclusive_minimum && x <= min {
            problem(path, out, format!("expected more than {min}, found {n}"));
        } else if x < min {
            problem(path, out, format!("expected at least {min}, found {n}"));
        }
    }
    if let Some(max) = s.maximum {
        if s.exclusive_maximum && x >= max {
            problem(path, out, format!("expected less than {max}, found {n}"));
        } else if x > max {
            problem(path, out, format!("expected at most {max}, found {n}"));
        }
    }
    if let Some(m) = s
        .multiple_of
        .filter(|m| *m != 0.0 && (x / m).fract() != 0.0)
    {
        problem(path, out, format!("expected a multiple of {m}, found {n}"));
    }
    let range = match s.format.as_deref() {
        Some("int32") => Some((i32::MIN as f64, i32::MAX as f64)),
        Some("int64") => Some((i64::MIN as f64, i64::MAX as f64)),
        _ => None,
    };
    if let Some((lo, hi)) = range.filter(|(lo, hi)| x < *lo || x > *hi) {
        problem(
            path,
            out,
            format!(
                "{n} is out of range for `{}` ({lo} to {hi})",
                s.format.as_deref().unwrap_or_default()
            ),
        );
    }
}

fn array(s: &Schema, items: &[Json], path: &mut Vec<String>, out: &mut Vec<Problem>, mode: Mode) {
    let len = items.len() as u64;
    if let Some(min) = s.min_items.filter(|m| len < *m) {
        problem(
            path,
            out,
            format!(
                "expected at least {}, found {len}",
                count(min, "item", "items")
            ),
        );
    }
    if let Some(max) = s.max_items.filter(|m| len > *m) {
        problem(
            path,
            out,
            format!(
                "expected at most {}, found {len}",
                count(max, "item", "items")
            ),
        );
    }
    if let Some(item) = &s.items {
        for (i, v) in items.iter().enumerate() {
            path.push(i.to_string());
            walk(item, v, path, out, mode);
            path.pop();
        }
    }
    match &s.list {
        ListType::Atomic => {}
        ListType::Set => {
            for (i, v) in items.iter().enumerate() {
                if items[..i].contains(v) {
                    path.push(i.to_string());
                    problem(path, out, format!("`{}` is in this set twice", plain(v)));
                    path.pop();
                }
            }
        }
        ListType::Map(keys) => {
            let key_of = |v: &Json| keys.iter().map(|k| v.get(k).cloned()).collect::<Vec<_>>();
            for (i, v) in items.iter().enumerate() {
                let key = key_of(v);
                if items[..i].iter().any(|w| key_of(w) == key) {
                    path.push(i.to_string());
                    let shown: Vec<String> = keys
                        .iter()
                        .zip(&key)
                        .map(|(k, v)| format!("{k}={}", v.as_ref().map(plain).unwrap_or_default()))
                        .collect();
                    problem(
                        path,
                        out,
                        format!("two items with the key {}", shown.join(", ")),
                    );
                    path.pop();
                }
            }
        }
    }
}

fn object(s: &Schema, v: &Json, path: &mut Vec<String>, out: &mut Vec<Problem>, mode: Mode) {
    let Json::Object(m) = v else { return };
    for r in &s.required {
        if m.get(r).is_none_or(Json::is_null) {
            problem(path, out, format!("missing field `{r}`"));
        }
    }
    let len = m.len() as u64;
    if let Some(min) = s.min_properties.filter(|x| len < *x) {
        problem(
            path,
            out,
            format!(
                "expected at least {}, found {len}",
                count(min, "field", "fields")
            ),
        );
    }
    if let Some(max) = s.max_properties.filter(|x| len > *x) {
        problem(
            path,
            out,
            format!(
                "expected at most {}, found {len}",
                count(max, "field", "fields")
            ),
        );
    }
    if s.embedded && mode == Mode::Full {
        for field in ["apiVersion", "kind"] {
            if m.get(field)
                .and_then(Json::as_str)
                .is_none_or(str::is_empty)
            {
                problem(
                    path,
                    out,
                    format!("missing field `{field}` of the embedded object"),
                );
            }
        }
    }
    for (k, child) in m {
        path.push(k.clone());
        match s.properties.get(k) {
            // An embedded resource's metadata is an ObjectMeta, whatever
            // the schema says (CRDs say `type: object` and no more).
            _ if s.embedded && k == "metadata" => check_metadata(child, path, out),
            Some(sub) => walk(sub, child, path, out, mode),
            None if s.embedded && (k == "apiVersion" || k == "kind") => {}
            None => match &s.additional {
                Some(Additional::Schema(sub)) => walk(sub, child, path, out, mode),
                Some(Additional::Allowed(true)) => {}
                _ if s.preserve_unknown || mode == Mode::ValuesOnly => {}
                _ => problem(path, out, format!("unknown field `{k}`")),
            },
        }
        path.pop();
    }
}

fn is_base64(text: &str) -> bool {
    let bytes = text.as_bytes();
    let body = text.trim_end_matches('=');
    bytes.len().is_multiple_of(4)
        && bytes.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|i| b[*i].is_ascii_digit())
}

/// RFC 3339: `2026-11-30T12:00:00Z`, fractions and offsets allowed.
fn is_date_time(text: &str) -> bool {
    let Some((date, time)) = text.split_once(['T', 't', ' ']) else {
        return false;
    };
    let t = time.as_bytes();
    let clock = t.len() >= 8
        && t[2] == b':'
        && t[5] == b':'
        && [0, 1, 3, 4, 6, 7].iter().all(|i| t[*i].is_ascii_digit());
    if !is_date(date) || !clock {
        return false;
    }
    let mut rest = &time[8..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &frac[digits..];
    }
    match rest.as_bytes() {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()),
        _ => false,
    }
}
