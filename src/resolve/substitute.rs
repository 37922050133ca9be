//! String templates that only substitute names (`"…:{{ vars.tag }}"`),
//! rendered without compiling them.
//!
//! Most templated strings users write are text and `{{ a.b }}` lookups.
//! Compiling one costs more than rendering it, and a compiled template
//! holds about 4 KiB: a 1000-app fleet has thousands of distinct strings
//! (an app's image and host name each carry its name), which took 20 MiB
//! of a render's peak memory. Anything else is left to minijinja, and so
//! is every lookup that does not find a value, so errors read the same.

use minijinja::Value;

/// Names that are literals or operators in an expression, not lookups.
const KEYWORDS: &[&str] = &[
    "true", "false", "none", "True", "False", "None", "not", "and", "or", "in", "is", "if", "else",
];

/// `source` rendered with the context `ctx` the way minijinja renders it
/// (no auto-escaping: each value as it displays), when `source` is text
/// and `{{ name.name… }}` expressions only and every name is defined;
/// `None` otherwise.
pub fn render(source: &str, ctx: &Value) -> Option<String> {
    if source.contains("{%") || source.contains("{#") {
        return None;
    }
    let mut out = String::with_capacity(source.len() + 16);
    let mut rest = source;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after.find("}}")?;
        let value = lookup(&after[..close], ctx)?;
        use std::fmt::Write;
        write!(out, "{value}").ok()?;
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Some(out)
}

/// The value a dotted path of identifiers names in `ctx`; `None` when the
/// expression is anything else (whitespace control, filters, literals) or
/// a name is undefined.
fn lookup(expr: &str, ctx: &Value) -> Option<Value> {
    let path = expr.trim_matches(|c: char| matches!(c, ' ' | '\t' | '\n' | '\r'));
    let mut value = ctx.clone();
    for name in path.split('.') {
        if !is_identifier(name) || KEYWORDS.contains(&name) {
            return None;
        }
        value = value.get_attr(name).ok()?;
        if value.is_undefined() {
            return None;
        }
    }
    Some(value)
}

/// An ASCII identifier: a letter or `_`, then letters, digits and `_`.
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::strings;
    use proptest::prelude::*;
    use serde_json::json;

    fn context() -> serde_json::Value {
        json!({
            "vars": {"tag": "1.2.3", "n": 3, "big": 18446744073709551615u64, "f": 1.0,
                     "on": true, "nothing": null, "list": [1, "a"], "map": {"k": "v"},
                     "text": "a\nb <&>'\""},
            "app": {"name": "web"},
        })
    }

    fn minijinja(source: &str, ctx: &Value) -> Result<String, String> {
        let mut env = strings::environment();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        env.render_str(source, ctx).map_err(|e| e.to_string())
    }

    #[test]
    fn substitutes_what_minijinja_would() {
        let ctx = strings::prepare(&context());
        for source in [
            "registry/web:{{ vars.tag }}",
            "{{vars.tag}}-{{ app.name }}.example.com",
            "{{ vars.n }} {{ vars.big }} {{ vars.f }} {{ vars.on }} {{ vars.nothing }}",
            "{{ vars.list }} {{ vars.map }} {{ vars.text }}",
            "{{\tvars.tag\n}}",
            "no template } {",
            "trailing newline {{ vars.tag }}\n",
        ] {
            let fast = render(source, &ctx);
            assert_eq!(
                fast.as_deref().ok_or(()),
                minijinja(source, &ctx).as_deref().map_err(|_| ()),
                "{source}"
            );
        }
    }

    #[test]
    fn leaves_everything_else_to_minijinja() {
        let ctx = strings::prepare(&context());
        for source in [
            "{{ vars.missing }}",
            "{{ missing }}",
            "{{ vars.tag | upper }}",
            "{{- vars.tag }}",
            "{{ vars.tag -}}",
            "{% if true %}x{% endif %}",
            "{# comment #}{{ vars.tag }}",
            "{{ true }}",
            "{{ none }}",
            "{{ vars.list.0 }}",
            "{{ vars.tag.x }}",
            "{{ vars.nothing.x }}",
            "{{ 'a' }}",
            "{{ }}",
            "unclosed {{ vars.tag",
        ] {
            assert_eq!(render(source, &ctx), None, "{source}");
        }
    }

    proptest! {
        /// Whenever the fast path answers, minijinja gives the same text.
        #[test]
        fn agrees_with_minijinja(
            parts in proptest::collection::vec(
                prop_oneof![
                    "[a-z {}:./-]{0,6}",
                    Just("{{ vars.tag }}".to_string()),
                    Just("{{vars.n}}".to_string()),
                    Just("{{ app.name }}".to_string()),
                    Just("{{ vars.nothing }}".to_string()),
                    Just("{{ vars.map.k }}".to_string()),
                    Just("{{ vars.missing }}".to_string()),
                    "\\{\\{ ?[a-z._]{0,8} ?\\}\\}",
                ],
                0..6,
            )
        ) {
            let source = parts.concat();
            let ctx = strings::prepare(&context());
            if let Some(fast) = render(&source, &ctx) {
                prop_assert_eq!(Ok(fast), minijinja(&source, &ctx));
            }
        }
    }
}
