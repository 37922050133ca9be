//! `{{ … }}` templates in string values, with minijinja.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, RwLock};

use minijinja::{Environment, UndefinedBehavior};
use serde_json::Value as Json;

use crate::diag::{Diagnostic, codes};
use crate::span::{Sources, Span};

/// How much work one template may do before it is stopped: enough for any
/// real config, small enough that a template that never ends fails in
/// well under a second.
pub const FUEL: u64 = 2_000_000;

/// A minijinja environment set up the way kiln evaluates every template:
/// strict undefined, bounded fuel and recursion, the `dns_label` filter.
pub fn environment<'s>() -> Environment<'s> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    env.set_recursion_limit(64);
    // A string's trailing newline is part of its value (file contents).
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    env.add_filter("dns_label", |s: String| crate::check::types::dns_label(&s));
    // minijinja serializes an undefined value as `null` even in strict mode;
    // in a template that emits everything through `tojson`, a misspelt name
    // would then reach the cluster as null. Make it the error it is.
    env.add_filter(
        "tojson",
        |value: &minijinja::Value,
         indent: Option<minijinja::Value>,
         args: minijinja::value::Kwargs| {
            if value.is_undefined() {
                return Err(minijinja::Error::new(
                    minijinja::ErrorKind::UndefinedError,
                    "an undefined value passed to `tojson`",
                ));
            }
            if indent.is_none()
                && args.args().next().is_none()
                && let Some(json) = scalar_json(value)
            {
                return Ok(minijinja::Value::from_safe_string(json));
            }
            minijinja::filters::tojson(value, indent, args)
        },
    );
    env
}

/// `tojson` of a string, boolean or none, written directly: the bulk of
/// what the standard templates emit. Byte for byte what minijinja's
/// `tojson` writes (JSON's escapes, and `<`, `>`, `&` and `'` as `\u00XX`);
/// `None` for every other value, left to minijinja.
fn scalar_json(value: &minijinja::Value) -> Option<String> {
    use minijinja::value::ValueKind;
    match value.kind() {
        ValueKind::None => Some("null".to_string()),
        ValueKind::Bool => Some(if value.is_true() { "true" } else { "false" }.to_string()),
        ValueKind::String => {
            let s = value.as_str()?;
            let mut out = String::with_capacity(s.len() + 2);
            out.push('"');
            let mut plain = 0;
            for (i, b) in s.bytes().enumerate() {
                let escape = match b {
                    b'"' => "\\\"",
                    b'\\' => "\\\\",
                    b'\n' => "\\n",
                    b'\r' => "\\r",
                    b'\t' => "\\t",
                    0x08 => "\\b",
                    0x0c => "\\f",
                    b'<' => "\\u003c",
                    b'>' => "\\u003e",
                    b'&' => "\\u0026",
                    b'\'' => "\\u0027",
                    0..0x20 => "",
                    _ => continue,
                };
                out.push_str(&s[plain..i]);
                if escape.is_empty() {
                    out.push_str(&format!("\\u{b:04x}"));
                } else {
                    out.push_str(escape);
                }
                plain = i + 1;
            }
            out.push_str(&s[plain..]);
            out.push('"');
            Some(out)
        }
        _ => None,
    }
}

/// Renders the string template `source` (written at `span`) with `ctx`.
/// A string without `{{` or `{%` is returned as it is.
pub fn render(
    source: &str,
    span: Span,
    ctx: &Json,
    sources: &Sources,
) -> Result<String, Diagnostic> {
    if !is_template(source) {
        return Ok(source.to_string());
    }
    render_prepared(source, span, ctx, &prepare(ctx), sources)
}

/// [`render`] with the context already converted (by [`prepare`] or
/// [`layered`]), for callers that render many strings in one context;
/// `ctx` names what is defined when a name is not.
///
/// Each distinct string is compiled once per process ([`COMPILED`]): an
/// app's `image "…:{{ vars.tag }}"` is the same text in every env.
pub fn render_prepared(
    source: &str,
    span: Span,
    ctx: &Json,
    prepared: &minijinja::Value,
    sources: &Sources,
) -> Result<String, Diagnostic> {
    if !is_template(source) {
        return Ok(source.to_string());
    }
    render_compiled(source, prepared).map_err(|e| template_error(&e, source, span, ctx, sources))
}

/// Whether a string is a template: it holds an expression or a statement
/// (`{% for … %}`).
pub fn is_template(s: &str) -> bool {
    s.contains("{{") || s.contains("{%")
}

/// The string templates compiled so far in this process (strings in
/// parameters and vars, manifest files), each named by its own source text.
/// Names are sources, so no name may switch escaping on the way a `.yaml`
/// or `.html` template name would.
static COMPILED: LazyLock<RwLock<Environment<'static>>> = LazyLock::new(|| {
    let mut env = environment();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    RwLock::new(env)
});

/// The bytes of source [`COMPILED`] holds, and at most how many it keeps (an
/// editor session compiles every version of every string typed): past it,
/// a new template is compiled each time it is rendered.
static COMPILED_BYTES: AtomicUsize = AtomicUsize::new(0);
const MAX_COMPILED_BYTES: usize = 16 << 20;

/// Renders `source`: names only substituted ([`super::substitute`]), or
/// from [`COMPILED`], compiling it first if it is new. A
/// panic while the lock was held cannot leave the environment half-changed
/// (minijinja inserts a template whole or not at all), so a poisoned lock
/// is used as it is.
fn render_compiled(source: &str, ctx: &minijinja::Value) -> Result<String, minijinja::Error> {
    if let Some(text) = super::substitute::render(source, ctx) {
        return Ok(text);
    }
    let read = || COMPILED.read().unwrap_or_else(|e| e.into_inner());
    {
        let env = read();
        match env.get_template(source) {
            Ok(t) => return t.render(ctx),
            Err(e) if e.kind() != minijinja::ErrorKind::TemplateNotFound => return Err(e),
            Err(_) => {}
        }
        if COMPILED_BYTES.load(Ordering::Relaxed) + source.len() > MAX_COMPILED_BYTES {
            return env.render_str(source, ctx);
        }
    }
    {
        let mut env = COMPILED.write().unwrap_or_else(|e| e.into_inner());
        // A syntax error is reported, not kept.
        env.add_template_owned(source.to_string(), source.to_string())?;
        COMPILED_BYTES.fetch_add(source.len(), Ordering::Relaxed);
    }
    read().get_template(source).and_then(|t| t.render(ctx))
}

/// A template context made of maps: a name is looked up in each in turn
/// and the first that has it answers, so an env's share of every app's
/// context is converted once and shared instead of copied per app.
pub fn layered<const N: usize>(layers: [minijinja::Value; N]) -> minijinja::Value {
    minijinja::Value::from_object(Layered(layers.into()))
}

#[derive(Debug)]
struct Layered(Vec<minijinja::Value>);

impl minijinja::value::Object for Layered {
    fn get_value(self: &std::sync::Arc<Self>, key: &minijinja::Value) -> Option<minijinja::Value> {
        self.0
            .iter()
            .find_map(|layer| layer.as_object().and_then(|o| o.get_value(key)))
    }

    fn enumerate(self: &std::sync::Arc<Self>) -> minijinja::value::Enumerator {
        let mut keys: Vec<minijinja::Value> = Vec::new();
        for layer in &self.0 {
            if let Ok(iter) = layer.try_iter() {
                for key in iter {
                    if !keys.contains(&key) {
                        keys.push(key);
                    }
                }
            }
        }
        minijinja::value::Enumerator::Values(keys)
    }
}

/// A context converted once for [`render_prepared`].
pub fn prepare(ctx: &Json) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(ctx))
}

/// A diagnostic for a failed string template, labelled inside the string
/// when the source text allows locating it.
fn template_error(
    e: &minijinja::Error,
    source: &str,
    span: Span,
    ctx: &Json,
    sources: &Sources,
) -> Diagnostic {
    let written = sources.slice(span);
    // The string as written is `"…"`; when it holds no escapes, byte offsets
    // inside the template map straight onto the file.
    let inner = written.strip_prefix('"').and_then(|w| w.strip_suffix('"'));
    let label_span = match (e.range(), inner) {
        (Some(r), Some(inner)) if inner == source && r.end <= source.len() => Span::new(
            span.file,
            span.start as usize + 1 + r.start,
            span.start as usize + 1 + r.end,
        ),
        _ => span,
    };
    let detail = e
        .detail()
        .map(str::to_string)
        .unwrap_or_else(|| e.kind().to_string());
    match e.kind() {
        minijinja::ErrorKind::UndefinedError => {
            let names = defined_names(ctx);
            let written = if label_span != span { sources.slice(label_span).trim().to_string() } else { String::new() };
            let bare: Vec<String> = names.iter().map(|n| n.trim_matches('`').to_string()).collect();
            let close = (!written.is_empty()).then(|| crate::diag::did_you_mean(&written, bare.iter().map(String::as_str))).flatten();
            let message = if written.is_empty() { "undefined name in a template".to_string() } else { format!("`{written}` is not defined") };
            let help = match close {
                Some(c) => format!("did you mean `{c}`? defined here: {}", names.join(", ")),
                None => format!("defined here: {}", names.join(", ")),
            };
            Diagnostic::error(codes::TEMPLATE, message).primary(label_span, "this is not defined").help(help)
        }
        minijinja::ErrorKind::OutOfFuel => Diagnostic::error(codes::TEMPLATE, "template ran too long and was stopped")
            .primary(label_span, "in this template")
            .help("a template may loop only so much; look for a loop over a huge range"),
        _ => Diagnostic::error(codes::TEMPLATE, format!("template error: {}", detail.trim_end_matches('.')))
            .primary(label_span, "in this template")
            .help("templates use minijinja (Jinja2) syntax: `{{ vars.tag }}`, filters such as `{{ app.name | upper }}`"),
    }
}

/// `app.name`, `vars.tag`, …: the names a string template may use.
pub fn defined_names(ctx: &Json) -> Vec<String> {
    let mut out = Vec::new();
    if let Json::Object(top) = ctx {
        for k in ["app", "env", "vars", "project", "git", "preview"] {
            match top.get(k) {
                Some(Json::Object(inner)) => {
                    for (ik, iv) in inner {
                        if !iv.is_null() {
                            out.push(format!("`{k}.{ik}`"));
                        }
                    }
                }
                Some(Json::Null) | None => {}
                Some(_) => out.push(format!("`{k}`")),
            }
        }
    }
    if out.is_empty() {
        out.push("nothing".to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tojson_of_an_undefined_name_is_an_error() {
        let env = environment();
        let err = env
            .render_str(
                "x: {{ greting | tojson }}",
                minijinja::context! { greeting => "hi" },
            )
            .unwrap_err();
        assert_eq!(err.kind(), minijinja::ErrorKind::UndefinedError);
        let ok = env
            .render_str(
                "x: {{ greeting | tojson }}",
                minijinja::context! { greeting => "hi" },
            )
            .unwrap();
        assert_eq!(ok, "x: \"hi\"");
    }

    #[test]
    fn templates_that_never_end_run_out_of_fuel() {
        let env = environment();
        let err = env.render_str("{% for i in range(10000) %}{% for j in range(10000) %}{{ j }}{% endfor %}{% endfor %}", minijinja::context! {}).unwrap_err();
        assert_eq!(err.kind(), minijinja::ErrorKind::OutOfFuel);
    }

    #[test]
    fn compiled_strings_render_like_fresh_ones() {
        let mut sources = Sources::default();
        let file = sources.add("<test>", None, String::new());
        let span = Span::new(file, 0, 0);
        let render = |source: &str, ctx: Json| {
            super::render(source, span, &ctx, &sources).map_err(|d| d.message)
        };
        // Once compiled, a string renders again in each context it meets.
        for tag in ["1.0", "2.0", "1.0"] {
            let out = render(
                "app:{{ vars.tag }}",
                serde_json::json!({"vars": {"tag": tag}}),
            );
            assert_eq!(out.as_deref(), Ok(format!("app:{tag}").as_str()));
        }
        // A source that reads like a file name turns no escaping on.
        for source in ["{{ v }}.html", "{{ v }}.yaml", "{{ v }}.json"] {
            let out = render(source, serde_json::json!({"v": "<a \"b\">"})).unwrap();
            assert_eq!(out, format!("<a \"b\">{}", &source[7..]));
        }
        // A syntax error is an error every time, not a cached success.
        for _ in 0..2 {
            assert!(render("{{ vars.tag ", serde_json::json!({})).is_err());
        }
        // An undefined name, too.
        for _ in 0..2 {
            let err = render("{{ vars.nope }}", serde_json::json!({"vars": {}})).unwrap_err();
            assert!(
                err.contains("not defined") || err.contains("undefined"),
                "{err}"
            );
        }
        // A source larger than the cache's bound renders, and is not kept.
        let big = format!("{}{{{{ v }}}}", "x".repeat(MAX_COMPILED_BYTES));
        let kept = COMPILED_BYTES.load(Ordering::Relaxed);
        let out = render(&big, serde_json::json!({"v": "!"})).unwrap();
        assert_eq!(
            (out.len(), out.ends_with("x!")),
            (MAX_COMPILED_BYTES + 1, true)
        );
        assert!(COMPILED_BYTES.load(Ordering::Relaxed) < kept + big.len());
    }

    #[test]
    fn scalar_tojson_is_minijinjas() {
        let mut strings: Vec<String> = (0u8..0x80).map(|b| format!("a{}z", b as char)).collect();
        strings.extend(
            [
                "",
                "plain",
                "é ü 漢字 🚀",
                "\u{7f}\u{80}\u{2028}",
                "<a href='x'>&amp;</a>",
                "\"quoted\" \\ back",
            ]
            .map(String::from),
        );
        let check = |v: minijinja::Value| {
            let fast = scalar_json(&v).expect("a scalar");
            let slow = minijinja::filters::tojson(
                &v,
                None,
                minijinja::value::Kwargs::from_iter(std::iter::empty::<(&str, minijinja::Value)>()),
            )
            .unwrap()
            .to_string();
            assert_eq!(fast, slow, "{v:?}");
        };
        for s in strings {
            check(minijinja::Value::from(s));
        }
        check(minijinja::Value::from(true));
        check(minijinja::Value::from(false));
        check(minijinja::Value::from(()));
        assert!(scalar_json(&minijinja::Value::from(3)).is_none());
        // Through a template, with and without arguments.
        let env = environment();
        let out = env
            .render_str(
                "{{ s | tojson }} {{ s | tojson(2) }} {{ m | tojson }}",
                minijinja::context! { s => "<x>", m => minijinja::context! { a => 1 } },
            )
            .unwrap();
        assert_eq!(out, r#""\u003cx\u003e" "\u003cx\u003e" {"a": 1}"#);
    }
}
