//! How `kiln explain` shows one parameter: its merged value written as the
//! user writes KDL (`resources cpu="50m" memory-limit="512Mi"`, one line
//! per entry of a repeated parameter), and what each layer did to it.
//!
//! A repeated parameter keeps entries from several layers (`port`, `probe`,
//! `env` by key), so "overridden" would be wrong for most of them: each
//! layer's entry is said to be added, to replace the entry with its key,
//! or to have been replaced or removed by a later layer.

use crate::check::schema::ParamSchema;
use crate::check::{App, Env, Model, ParamUse, entry_key};
use crate::resolve::{Layer, ResolvedParam};
use crate::span::{Sources, Span};
use crate::syntax::quote::identifier;

/// The merged value as KDL lines: one for a single-valued parameter, one
/// per entry of a repeated one, the component's default when no layer
/// sets it; none when it has no value at all.
pub(super) fn value_lines(ps: &ParamSchema, rp: Option<&ResolvedParam>) -> Vec<String> {
    match rp {
        Some(rp) => rp.uses.iter().map(kdl).collect(),
        None => ps
            .shorthand
            .as_ref()
            .and_then(|v| v.default.as_ref())
            .map(|d| vec![format!("{} {d}", ps.name)])
            .unwrap_or_default(),
    }
}

/// One line per layer that wrote the parameter, lowest first: "set by",
/// "added by", "overridden, was", "replaced, was", "removed by", with the
/// layer, its file:line:col and the text it wrote.
pub(super) fn provenance_lines(
    ps: &ParamSchema,
    rp: &ResolvedParam,
    written: &[Option<&ParamUse>],
    sources: &Sources,
) -> Vec<String> {
    rp.provenance
        .iter()
        .enumerate()
        .map(|(i, (layer, span))| {
            let verb = verb(ps, rp, written, i);
            format!(
                "{verb} {layer} at {}: {}",
                super::explain::location(sources, *span),
                sources.slice(*span).trim()
            )
        })
        .collect()
}

/// The uses the layers wrote, aligned with `rp.provenance`: found by span
/// among the app's, its env's flavors' and the env's `app` block's; `None`
/// for a `--set`, which is in no file.
pub(super) fn written<'m>(
    model: &'m Model,
    env: &'m Env,
    app: &'m App,
    rp: &ResolvedParam,
) -> Vec<Option<&'m ParamUse>> {
    let mut layers: Vec<&'m [ParamUse]> = vec![&app.params];
    for f in &env.flavors {
        if let Some(flavor) = model.flavors.get(&f.value) {
            layers.push(&flavor.params);
        }
    }
    if let Some(ea) = env.apps.get(&app.name.value) {
        layers.push(&ea.params);
    }
    rp.provenance
        .iter()
        .map(|(layer, span)| {
            if matches!(layer, Layer::CommandLine) {
                return None;
            }
            layers
                .iter()
                .flat_map(|uses| uses.iter())
                .find(|u| u.span == *span)
        })
        .collect()
}

/// What the `i`th layer's use did to the value in effect.
fn verb(ps: &ParamSchema, rp: &ResolvedParam, written: &[Option<&ParamUse>], i: usize) -> String {
    let span = rp.provenance[i].1;
    let mine = written.get(i).copied().flatten();
    if mine.is_some_and(|u| u.remove) {
        return "removed by".to_string();
    }
    let in_effect = |s: Span| rp.uses.iter().any(|u| u.span == s);
    if !ps.repeated {
        if i + 1 == rp.provenance.len() {
            return "set by".to_string();
        }
        // A later layer's use merges into this one property by property:
        // the properties no later layer gives are still this layer's.
        let kept: Vec<&str> = match (mine, rp.uses.first()) {
            (Some(u), Some(merged)) => u
                .props
                .iter()
                .filter(|(k, p)| {
                    merged
                        .props
                        .get(*k)
                        .is_some_and(|m| m.value.span == p.value.span)
                })
                .map(|(k, _)| k.as_str())
                .collect(),
            _ => Vec::new(),
        };
        return if kept.is_empty() {
            "overridden, was".to_string()
        } else {
            format!("overridden but for {}, was", kept.join(", "))
        };
    }
    let key = |u: &ParamUse| (!ps.key.is_empty()).then(|| entry_key(ps, u));
    let same_key = |j: usize| {
        let (Some(a), Some(b)) = (mine, written.get(j).copied().flatten()) else {
            return false;
        };
        key(a).is_some() && key(a) == key(b)
    };
    if in_effect(span) {
        // An entry that takes the place of an earlier one with its key.
        let replaces = (0..i).any(|j| same_key(j) && written[j].is_some_and(|u| !u.remove));
        return if replaces { "set by" } else { "added by" }.to_string();
    }
    let later = (i + 1..rp.provenance.len()).find(|j| same_key(*j));
    match later.and_then(|j| written[j]) {
        Some(u) if u.remove => "removed, was".to_string(),
        _ => "replaced, was".to_string(),
    }
}

/// A use in KDL: name, arguments, properties and child block.
fn kdl(u: &ParamUse) -> String {
    let mut s = u.name.value.clone();
    for a in &u.args {
        s.push_str(&format!(" {}", a.value));
    }
    for (k, p) in &u.props {
        s.push_str(&format!(" {}={}", identifier(k), p.value.value));
    }
    if !u.children.is_empty() {
        let children: Vec<String> = u.children.iter().map(kdl).collect();
        s.push_str(&format!(" {{ {}; }}", children.join("; ")));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::kdl;
    use crate::check::value::Value;
    use crate::check::{ParamUse, PropUse};
    use crate::span::{Span, Spanned};

    fn use_of(name: &str, args: &[Value], props: &[(&str, Value)]) -> ParamUse {
        let span = Span::new(0, 0, 0);
        ParamUse {
            name: Spanned::new(name.to_string(), span),
            span,
            args: args.iter().map(|a| Spanned::new(a.clone(), span)).collect(),
            props: props
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        PropUse {
                            name_span: span,
                            value: Spanned::new(v.clone(), span),
                        },
                    )
                })
                .collect(),
            children: Vec::new(),
            remove: false,
        }
    }

    #[test]
    fn a_use_reads_as_the_kdl_a_user_writes() {
        let r = use_of(
            "resources",
            &[],
            &[
                ("cpu", Value::from("50m")),
                ("memory-limit", Value::from("512Mi")),
            ],
        );
        assert_eq!(kdl(&r), r#"resources cpu="50m" memory-limit="512Mi""#);
        let mut probe = use_of(
            "probe",
            &[Value::from("liveness")],
            &[("period", Value::Int(10))],
        );
        probe.children.push(use_of(
            "exec",
            &[Value::from("app"), Value::from("check")],
            &[],
        ));
        assert_eq!(
            kdl(&probe),
            r#"probe "liveness" period=10 { exec "app" "check"; }"#
        );
        assert_eq!(
            kdl(&use_of("harden", &[Value::Bool(false)], &[])),
            "harden #false"
        );
        let annotations = use_of(
            "pod-annotations",
            &[],
            &[("prometheus.io/port", Value::from("9797"))],
        );
        assert_eq!(
            kdl(&annotations),
            r#"pod-annotations "prometheus.io/port"="9797""#
        );
    }
}
