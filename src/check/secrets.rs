//! `secret NAME …` (PLATFORM.md "Secrets"), decoded into a [`SecretUse`]:
//! exactly one of `external=STORE { key … }`, `sops=FILE` and
//! `sealed=FILE`, or `remove=#true`. Strings may hold templates, which
//! `resolve::secrets` evaluates and checks again; everything else is
//! checked here. The files are read when the app renders
//! (`render::secrets`).

use kdl::KdlNode;

use super::{Checker, ExternalSecretUse, SecretKeyUse, SecretSource, SecretUse, nodes};
use crate::check::types::{self, Constraints, Type};
use crate::check::value::Value;
use crate::diag::{Diagnostic, codes, suggest};
use crate::span::{FileId, Span, Spanned};

/// The properties of `secret`.
const PROPS: &[&str] = &[
    "external",
    "sops",
    "sealed",
    "cluster-store",
    "refresh",
    "remove",
];

/// The properties of an ExternalSecret's `key`.
const KEY_PROPS: &[&str] = &["remote", "property", "version"];

/// True for a string that holds a template, checked once evaluated.
fn templated(s: &str) -> bool {
    s.contains("{{") || s.contains("{%")
}

impl Checker<'_> {
    /// Decodes `secret NAME …` into `into`, unless it is too broken to
    /// merge (reported). Two entries with one NAME in a block are an error,
    /// as for every keyed parameter.
    pub(super) fn secret(&mut self, file: FileId, node: &KdlNode, into: &mut Vec<SecretUse>) {
        let Some(name) = self.node_name(file, node, "a secret") else {
            return;
        };
        self.extra_args(file, node, 1);
        let span = nodes::head_span(file, node, self.text(file));
        self.typed(
            Type::Secret,
            &Value::String(name.value.clone()),
            name.span,
            "a secret's name",
        );
        let mut sources: Vec<(&'static str, Spanned<String>, Span)> = Vec::new();
        let mut cluster_store = None;
        let mut refresh = None;
        let mut remove = false;
        for p in nodes::props(file, node) {
            match p.name.as_str() {
                kind @ ("external" | "sops" | "sealed") => {
                    let kind = match kind {
                        "external" => "external",
                        "sops" => "sops",
                        _ => "sealed",
                    };
                    if let Some(s) = self.string_prop(&p) {
                        let ty = if kind == "external" {
                            Type::Secret
                        } else {
                            Type::File
                        };
                        let what = if kind == "external" {
                            "a secret store's name"
                        } else {
                            "a secret's file"
                        };
                        self.typed(ty, &Value::String(s.value.clone()), s.span, what);
                        sources.push((kind, s, p.name_span));
                    }
                }
                "cluster-store" => {
                    cluster_store = Some((self.bool_value(p.span, &p.value), p.name_span))
                }
                "refresh" => {
                    self.typed(Type::Duration, &p.value, p.span, "`refresh`");
                    refresh = Some((Spanned::new(p.value.clone(), p.span), p.name_span));
                }
                "remove" => remove = self.bool_value(p.span, &p.value),
                _ => self.unknown_prop("secret", &p, PROPS),
            }
        }
        let keys = self.secret_keys(file, node);
        if let Some(first) = into.iter().find(|s| s.name.value == name.value) {
            self.diags.push(
                Diagnostic::error(
                    codes::DUPLICATE_KEY,
                    format!("two `secret` entries named `{}` in one block", name.value),
                )
                .primary(span, "second entry")
                .related(first.span, "first entry")
                .help("secrets merge by name across layers; give each a different name, or remove one"),
            );
            return;
        }
        if remove {
            into.push(SecretUse {
                name,
                span,
                source: None,
            });
            return;
        }
        let source = match sources.as_slice() {
            [] => {
                self.diags.push(
                    Diagnostic::error(codes::EXCLUSIVE, format!("secret `{}` needs one of `external`, `sops`, `sealed`", name.value))
                        .primary(span, "no source given")
                        .help("write `external=\"STORE\" { key … }` (an ExternalSecret), `sops=\"FILE\"` (a SOPS-encrypted Secret) or `sealed=\"FILE\"` (a SealedSecret)"),
                );
                return;
            }
            [(kind, value, kind_span)] => match *kind {
                "external" => {
                    if keys.is_empty() && node.children().is_none_or(|c| c.nodes().is_empty()) {
                        self.diags.push(
                            Diagnostic::error(codes::MISSING_REQUIRED, format!("secret `{}` has no `key`", name.value))
                                .primary(*kind_span, "an ExternalSecret with nothing to fetch")
                                .help("add a block: `{ key \"url\" remote=\"prod/web/db\" property=\"url\" }`, one `key` per key of the Secret"),
                        );
                    }
                    SecretSource::External(ExternalSecretUse {
                        store: value.clone(),
                        cluster_store: cluster_store.is_some_and(|(b, _)| b),
                        refresh: refresh.map(|(r, _)| r),
                        keys,
                    })
                }
                other => {
                    for (what, at) in [
                        ("cluster-store", cluster_store.map(|c| c.1)),
                        ("refresh", refresh.map(|r| r.1)),
                    ] {
                        if let Some(at) = at {
                            self.diags.push(
                                Diagnostic::error(codes::UNKNOWN_PROPERTY, format!("`{what}` applies to `external=` secrets, not `{other}=`"))
                                    .primary(at, "only for an ExternalSecret")
                                    .related(*kind_span, format!("a `{other}=` secret"))
                                    .help(format!("remove `{what}`: the file decides everything about a `{other}=` secret")),
                            );
                        }
                    }
                    if let Some(c) = node.children() {
                        self.diags.push(
                            Diagnostic::error(codes::MALFORMED, format!("a `{other}=` secret takes no block"))
                                .primary(Span::from_miette(file, c.span()), "unexpected block")
                                .help(format!("the keys of a `{other}=` secret are those of its file; `key` belongs to `external=` secrets")),
                        );
                    }
                    if other == "sops" {
                        SecretSource::Sops(value.clone())
                    } else {
                        SecretSource::Sealed(value.clone())
                    }
                }
            },
            [(first, _, first_span), (second, _, second_span), ..] => {
                self.diags.push(
                    Diagnostic::error(codes::EXCLUSIVE, format!("secret `{}` takes one of `external`, `sops`, `sealed`, found `{first}` and `{second}`", name.value))
                        .primary(*second_span, "second source")
                        .related(*first_span, "first source")
                        .help("a Secret comes from one place: keep one of them, or declare two secrets"),
                );
                return;
            }
        };
        into.push(SecretUse {
            name,
            span,
            source: Some(source),
        });
    }

    /// The `key` nodes of an `external=` secret's block.
    fn secret_keys(&mut self, file: FileId, node: &KdlNode) -> Vec<SecretKeyUse> {
        let mut keys: Vec<SecretKeyUse> = Vec::new();
        let Some(children) = node.children() else {
            return keys;
        };
        for c in children.nodes() {
            let cname = nodes::name(file, c);
            if cname.value != "key" {
                self.diags.push(
                    Diagnostic::error(
                        codes::UNKNOWN_NODE,
                        format!("unknown node `{}` in `secret`", cname.value),
                    )
                    .primary(cname.span, "not part of a secret")
                    .help(suggest(
                        &cname.value,
                        ["key"],
                        "a secret's block holds",
                    )),
                );
                continue;
            }
            self.no_children(file, c);
            self.extra_args(file, c, 1);
            let Some(name) = self.node_name(file, c, "a key") else {
                continue;
            };
            self.typed(
                Type::SecretKey,
                &Value::String(name.value.clone()),
                name.span,
                "a key's name",
            );
            let span = nodes::head_span(file, c, self.text(file));
            let (mut remote, mut property, mut version) = (None, None, None);
            for p in nodes::props(file, c) {
                let slot = match p.name.as_str() {
                    "remote" => &mut remote,
                    "property" => &mut property,
                    "version" => &mut version,
                    _ => {
                        self.unknown_prop("key", &p, KEY_PROPS);
                        continue;
                    }
                };
                *slot = self.string_prop(&p);
            }
            let Some(remote) = remote else {
                self.diags.push(
                    Diagnostic::error(codes::MISSING_REQUIRED, "`key` needs `remote=`")
                        .primary(span, "no `remote` here")
                        .help("name the key in the external store: `key \"url\" remote=\"prod/web/db\" property=\"url\"`"),
                );
                continue;
            };
            if let Some(first) = keys.iter().find(|k| k.name.value == name.value) {
                self.diags.push(
                    Diagnostic::error(
                        codes::DUPLICATE_KEY,
                        format!("two keys named `{}` in one secret", name.value),
                    )
                    .primary(span, "second key")
                    .related(first.span, "first key")
                    .help("a Secret holds each key once; rename or remove one"),
                );
                continue;
            }
            keys.push(SecretKeyUse {
                name,
                remote,
                property,
                version,
                span,
            });
        }
        keys
    }

    /// Types a value that may hold a template (checked once evaluated).
    fn typed(&mut self, ty: Type, v: &Value, span: Span, what: &str) {
        if matches!(v, Value::String(s) if templated(s)) {
            return;
        }
        if let Err(e) = types::check(ty, v, &Constraints::default()) {
            self.diags.push(
                Diagnostic::error(codes::TYPE_MISMATCH, format!("{what}: {}", e.message))
                    .primary(span, format!("expected {}", ty.describe()))
                    .maybe_help(e.help),
            );
        }
    }
}
