//! `secret NAME sealed=FILE`: a SealedSecret (`bitnami.com/v1alpha1`), as
//! `kubeseal` writes it. The controller opens it only where it was sealed
//! for, by its scope (`kubeseal --scope`):
//!
//! - strict (the default): its own name and namespace;
//! - namespace-wide (annotation `sealedsecrets.bitnami.com/namespace-wide`):
//!   any name in its namespace;
//! - cluster-wide (annotation `sealedsecrets.bitnami.com/cluster-wide`):
//!   anywhere.
//!
//! So what the scope fixes must already be NAME and the app's namespace
//! (else it would never decrypt there), and what it leaves free kiln sets,
//! which lets one cluster-wide file serve every app and env.

use serde_json::Value as Json;

use super::{SecretObject, document, meta, namespace_mismatch};
use crate::check::Model;
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::resolve::Resolved;
use crate::resolve::secrets::ResolvedSecret;
use crate::span::{Sources, Spanned};

/// The annotations `kubeseal --scope` sets.
const CLUSTER_WIDE: &str = "sealedsecrets.bitnami.com/cluster-wide";
const NAMESPACE_WIDE: &str = "sealedsecrets.bitnami.com/namespace-wide";

/// What a SealedSecret may be renamed or moved to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    Strict,
    NamespaceWide,
    ClusterWide,
}

impl Scope {
    /// The scope of a SealedSecret, from its annotations (or its
    /// template's, where older kubeseal versions put them).
    fn of(doc: &Json) -> Scope {
        let set = |key: &str| {
            [&doc["metadata"], &doc["spec"]["template"]["metadata"]]
                .iter()
                .any(|m| m["annotations"][key] == "true")
        };
        if set(CLUSTER_WIDE) {
            Scope::ClusterWide
        } else if set(NAMESPACE_WIDE) {
            Scope::NamespaceWide
        } else {
            Scope::Strict
        }
    }
}

/// The SealedSecret of `s`, named NAME in the app's namespace.
pub(super) fn object(
    model: &Model,
    app: &Resolved,
    s: &ResolvedSecret,
    file: &Spanned<String>,
    bytes: &[u8],
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Option<SecretObject> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut doc = document(file, text, diags)?;
    if doc["apiVersion"] != "bitnami.com/v1alpha1" || doc["kind"] != "SealedSecret" {
        let plain =
            doc["kind"] == "Secret" && ["data", "stringData"].iter().any(|f| !doc[f].is_null());
        let d = if plain {
            Diagnostic::error(
                codes::PLAINTEXT_SECRET,
                format!("`{}` is a Secret in plain text, not a SealedSecret", file.value),
            )
            .help("seal it first, and commit only the sealed file: `kubeseal --format yaml < secret.yaml > sealed.yaml`")
        } else {
            Diagnostic::error(
                codes::SECRET_FILE,
                format!(
                    "`{}` is not a SealedSecret: expected `bitnami.com/v1alpha1` `SealedSecret`",
                    file.value
                ),
            )
            .help("`sealed=` takes what `kubeseal --format yaml` writes")
        };
        diags.push(d.primary(file.span, "this file"));
        return None;
    }
    let scope = Scope::of(&doc);
    let before = diags.error_count();
    if scope == Scope::Strict {
        match meta(&doc, "name") {
            Some(name) if name == s.name() => {}
            found => diags.push(
                Diagnostic::error(
                    codes::SECRET_MISMATCH,
                    format!(
                        "SealedSecret in `{}` was sealed for the name {}, not `{}`: it would never decrypt as `{}`",
                        file.value,
                        found.map_or("of no name".to_string(), |n| format!("`{n}`")),
                        s.name(),
                        s.name()
                    ),
                )
                .primary(s.secret.name.span, "the secret's name")
                .related(file.span, "the sealed file")
                .help(format!(
                    "a SealedSecret opens only under the name it was sealed for: seal it again with `kubeseal --name {}`, or with `--scope namespace-wide` to let kiln name it",
                    s.name()
                )),
            ),
        }
    }
    if scope != Scope::ClusterWide {
        match meta(&doc, "namespace") {
            Some(ns) if ns == app.namespace => {}
            found => diags.push(namespace_mismatch(
                model,
                app,
                file,
                format!(
                    "SealedSecret `{}` was sealed for {}, but app `{}` deploys to `{}`: it would never decrypt there",
                    s.name(),
                    found.map_or("a namespace the file does not name".to_string(), |n| format!("namespace `{n}`")),
                    app.app,
                    app.namespace
                ),
                format!(
                    "the controller opens a SealedSecret only in the namespace it was sealed for: seal it again with `kubeseal --namespace {}`, or with `--scope cluster-wide` to use it in any namespace",
                    app.namespace
                ),
            )),
        }
    }
    if diags.error_count() > before {
        return None;
    }
    // What the scope leaves free is set here, on the object and on the
    // template of the Secret the controller makes, where there is one.
    for field in ["name", "namespace"] {
        let value = if field == "name" {
            s.name()
        } else {
            &app.namespace
        };
        doc["metadata"][field] = Json::String(value.to_string());
        if let Some(t) = doc
            .pointer_mut("/spec/template/metadata")
            .and_then(Json::as_object_mut)
        {
            t.insert(field.to_string(), Json::String(value.to_string()));
        }
    }
    // Problems in fields are shown in the file when it was preloaded
    // (named without a template), else at the node.
    let origin = super::super::manifests::file_id(sources, file, &model.root)
        .map(|id| {
            let start = super::super::manifests::document_starts(&sources.get(id).text);
            (id, start.first().copied().unwrap_or(0))
        })
        .unwrap_or((s.secret.span.file, s.secret.span.start as usize));
    Some(SecretObject {
        value: doc,
        verbatim: None,
        span: s.secret.span,
        origin,
    })
}

#[cfg(test)]
mod tests {
    use super::Scope;
    use serde_json::json;

    #[test]
    fn the_scope_comes_from_the_annotations() {
        assert_eq!(Scope::of(&json!({"metadata": {}})), Scope::Strict);
        let ns = json!({"metadata": {"annotations": {"sealedsecrets.bitnami.com/namespace-wide": "true"}}});
        assert_eq!(Scope::of(&ns), Scope::NamespaceWide);
        let cw = json!({"spec": {"template": {"metadata": {"annotations": {"sealedsecrets.bitnami.com/cluster-wide": "true"}}}}});
        assert_eq!(Scope::of(&cw), Scope::ClusterWide);
        let off = json!({"metadata": {"annotations": {"sealedsecrets.bitnami.com/cluster-wide": "false"}}});
        assert_eq!(Scope::of(&off), Scope::Strict);
    }
}
