//! The renderer's side of custom resources: an object of a group that is
//! not built into Kubernetes gets its namespace from its CRD's scope and is
//! checked against the CRD (`render::crd`), with diagnostics exactly like
//! the built-in kinds' (`kiln::render::invalid_object` at the template or
//! manifest line that wrote the field, and the app).
//!
//! An object whose CRD is neither in the project's `crds` nor built in may
//! be defined by a CRD another app of the env renders: it waits until
//! every app of the env has rendered ([`Custom::Deferred`]), then is
//! checked against those, or reported as `kiln::render::unknown_kind`.

use std::sync::Arc;

use serde_json::Value as Json;

use super::crd::{CrdKind, Crds};
use super::renderer::Object;
use super::validate::Problem;
use crate::diag::{Diagnostic, Diagnostics, codes, suggest};
use crate::span::Sources;
use crate::span::Span;

/// What became of a custom resource.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Custom {
    /// Checked against its CRD (any problem reported).
    Checked,
    /// No CRD known yet: to be checked once the env's rendered CRDs are.
    Deferred,
}

/// The app an object belongs to, as diagnostics name it.
pub(super) struct Owner<'a> {
    pub(super) app: &'a str,
    /// Where the app's namespaced objects go.
    pub(super) namespace: &'a str,
}

/// Finishes a custom resource (its labels already set): namespace by the
/// CRD's scope, then the CRD's checks. Without a CRD, `Deferred` while
/// `last_chance` is false, else an unknown kind.
pub(super) fn finish(
    crds: &Crds,
    rendered: &[Arc<CrdKind>],
    o: &mut Object,
    owner: &Owner<'_>,
    last_chance: bool,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Custom {
    let api = o.value["apiVersion"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let kind = o.value["kind"].as_str().unwrap_or_default().to_string();
    let group = api.rsplit_once('/').map_or("", |(g, _)| g);
    let Some(crd) = crds.find(rendered, group, &kind) else {
        if !last_chance {
            return Custom::Deferred;
        }
        // Most custom resources are namespaced: the guess, under a warning.
        set_namespace(o, owner.namespace);
        unknown_kind(crds, rendered, o, owner, group, &kind, sources, diags);
        return Custom::Checked;
    };
    if crd.namespaced {
        set_namespace(o, owner.namespace);
    }
    let verdict = crd.check(&o.value);
    if let Some(warning) = verdict.deprecated {
        diags.push(
            Diagnostic::warning(
                codes::DEPRECATED,
                format!("{kind} `{}` of app `{}`: {warning}", name(o), owner.app),
            )
            .primary(
                field_line(sources, o, &["apiVersion".to_string()]),
                "this apiVersion",
            )
            .related(o.app_span, format!("app `{}` uses this", owner.app))
            .help(format!(
                "CRD `{}` serves {}; move to a version that is not deprecated",
                crd.name,
                served(&crd)
            )),
        );
    }
    report(
        &kind,
        owner.app,
        o,
        verdict.problems,
        &format!(
            "CRD `{}` rejects this {kind}: check the field's name and type against its schema (`kubectl explain {}`)",
            crd.name,
            kind.to_lowercase()
        ),
        sources,
        diags,
    );
    Custom::Checked
}

/// Sets `metadata.namespace` where the object has none, right after
/// `metadata.name`, where built-in kinds have it (labels come first here:
/// the scope is known only once the CRD is).
fn set_namespace(o: &mut Object, namespace: &str) {
    let Json::Object(meta) = &mut o.value["metadata"] else {
        return;
    };
    if meta.get("namespace").is_some_and(|n| !n.is_null()) {
        return;
    }
    let old = std::mem::take(meta);
    for (k, v) in old {
        if k == "namespace" {
            continue;
        }
        let after_name = k == "name";
        meta.insert(k, v);
        if after_name {
            meta.insert("namespace".to_string(), Json::String(namespace.to_string()));
        }
    }
}

fn name(o: &Object) -> &str {
    o.value["metadata"]["name"].as_str().unwrap_or_default()
}

fn served(crd: &CrdKind) -> String {
    crd.versions
        .iter()
        .filter(|v| v.served && v.deprecated.is_none())
        .map(|v| format!("`{}/{}`", crd.group, v.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `kiln::render::unknown_kind`: an error, or a warning under `crds
/// allow-unknown=#true`.
#[allow(clippy::too_many_arguments)]
fn unknown_kind(
    crds: &Crds,
    rendered: &[Arc<CrdKind>],
    o: &Object,
    owner: &Owner<'_>,
    group: &str,
    kind: &str,
    sources: &Sources,
    diags: &mut Diagnostics,
) {
    let kinds = crds.kinds_of(rendered, group);
    let (message, help) = if kinds.is_empty() {
        (
            format!("no CRD defines group `{group}` ({kind} `{}` of app `{}`)", name(o), owner.app),
            "vendor the group's CustomResourceDefinitions and name them in `project { crds \"crds/…\" }`; `crds allow-unknown=#true` makes this a warning".to_string(),
        )
    } else {
        (
            format!(
                "no CRD of group `{group}` defines kind `{kind}` ({kind} `{}` of app `{}`)",
                name(o),
                owner.app
            ),
            suggest(
                kind,
                kinds.iter().map(String::as_str),
                &format!("the kinds of `{group}` are"),
            ),
        )
    };
    let d = if crds.allow_unknown {
        Diagnostic::warning(codes::UNKNOWN_KIND, message)
    } else {
        Diagnostic::error(codes::UNKNOWN_KIND, message)
    };
    diags.push(
        d.primary(field_line(sources, o, &["kind".to_string()]), "this object")
            .related(o.app_span, format!("app `{}` uses this", owner.app))
            .help(help),
    );
}

/// `kiln::render::invalid_object` for each problem: at the first line of
/// the template or manifest that writes the field, with the app.
pub(super) fn report(
    kind: &str,
    app: &str,
    o: &Object,
    problems: Vec<Problem>,
    help: &str,
    sources: &Sources,
    diags: &mut Diagnostics,
) {
    for p in problems {
        diags.push(
            Diagnostic::error(
                codes::INVALID_OBJECT,
                format!(
                    "{kind} `{}` of app `{app}`: {} at `{}`",
                    name(o),
                    p.message,
                    p.path.join(".")
                ),
            )
            .primary(field_line(sources, o, &p.path), "this field")
            .related(o.app_span, format!("app `{app}` uses this"))
            .help(help),
        );
    }
}

/// The line of `o`'s template or manifest that writes the field at `path`:
/// each key of the path found in turn from the start of the object's
/// document; failing that (a key written by a macro elsewhere), the first
/// line that names the last key; failing that, the document's first line.
pub(super) fn field_line(sources: &Sources, o: &Object, path: &[String]) -> Span {
    let text = sources.get(o.origin).text.as_str();
    let keys: Vec<&str> = path
        .iter()
        .map(String::as_str)
        .filter(|k| k.parse::<usize>().is_err())
        .collect();
    let mut at = o.start.min(text.len());
    let mut found = None;
    for key in &keys {
        match find_key(text, at, key) {
            Some((span, next)) => {
                found = Some(span);
                at = next;
            }
            None => {
                found = None;
                break;
            }
        }
    }
    let (start, end) = found
        .or_else(|| keys.last().and_then(|k| find_key(text, 0, k)).map(|f| f.0))
        .unwrap_or_else(|| {
            let start = o.start.min(text.len());
            let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            (start, end)
        });
    Span::new(o.origin, start, end)
}

/// The first line at or after `from` (a line start) that writes `key` as a
/// YAML key (`key:`, `- key:`) or names it quoted (`"key"`, as templates
/// built with `tojson` do): its trimmed extent, and where the next line
/// starts.
fn find_key(text: &str, from: usize, key: &str) -> Option<((usize, usize), usize)> {
    let mut offset = from;
    for line in text[from..].split_inclusive('\n') {
        let t = line.trim_start();
        let rest = t.strip_prefix("- ").unwrap_or(t);
        let hit = rest.strip_prefix(key).is_some_and(|r| r.starts_with(':'))
            || t.contains(&format!("\"{key}\""));
        if hit {
            let start = offset + (line.len() - t.len());
            return Some(((start, offset + line.trim_end().len()), offset + line.len()));
        }
        offset += line.len();
    }
    None
}
