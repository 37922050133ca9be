//! The language-level nodes of an app block: nodes every app and every
//! env's `app` block may hold, whatever its component (LANGUAGE.md "app",
//! PLATFORM.md). Each is decoded here into [`Extras`]; resolution merges
//! them across layers in `resolve::extras`.
//!
//! To add one: a row in [`LANGUAGE_NODES`] (which completion, `kiln schema`
//! and did-you-mean read), an arm in [`Checker::language_node`], a field in
//! [`Extras`], and its merge in `resolve::extras`.

use kdl::KdlNode;

use super::{Checker, Extras, FluxUse, NamespaceUse, Patch, PatchOp, SecretUse, nodes};
use crate::check::value::Value;
use crate::diag::{Diagnostic, codes, suggest};
use crate::span::{FileId, Spanned};

/// One language-level node, as the editor and `kiln schema` describe it.
#[derive(Clone, Copy, Debug)]
pub struct LanguageNode {
    pub name: &'static str,
    /// How it is written.
    pub usage: &'static str,
    pub doc: &'static str,
}

/// Every language-level node, in the order `kiln schema` lists them.
pub const LANGUAGE_NODES: &[LanguageNode] = &[
    LanguageNode {
        name: "manifest",
        usage: "manifest PATH",
        doc: "include a plain YAML file (relative to this file), templated like strings",
    },
    LanguageNode {
        name: "patch",
        usage: "patch \"Kind/name\" { set POINTER VALUE; set POINTER json=TEXT; remove POINTER }",
        doc: "edit a rendered object by JSON pointer, before validation",
    },
    LanguageNode {
        name: "namespace",
        usage: "namespace NAME",
        doc: "the namespace of the app's namespaced objects (default: the env's)",
    },
    LanguageNode {
        name: "lint-allow",
        usage: "lint-allow RULE reason=REASON",
        doc: "accept the app's findings of one lint rule, saying why (`kiln lint --list` shows the rules)",
    },
    LanguageNode {
        name: "secret",
        usage: "secret NAME external=STORE cluster-store=#false refresh=\"1h\" { key NAME remote=KEY property= version= } | secret NAME sops=FILE | secret NAME sealed=FILE",
        doc: "deliver a Secret: an ExternalSecret, a SOPS-encrypted Secret or a SealedSecret (merged by NAME; flavors may hold it too)",
    },
    LanguageNode {
        name: "depends-on",
        usage: "depends-on APP… remove=#false",
        doc: "apps of the env applied and ready before this one (Flux `dependsOn`)",
    },
    LanguageNode {
        name: "flux",
        usage: "flux interval= retry-interval= timeout= wait= prune=",
        doc: "fields of the app's Flux Kustomization (also in an env or flavor)",
    },
];

/// True for the name of a language-level node.
pub fn is_language_node(name: &str) -> bool {
    LANGUAGE_NODES.iter().any(|n| n.name == name)
}

impl Checker<'_> {
    /// Decodes one node of an app or env `app` block into `extras` if it is
    /// a language-level node; false (nothing reported) if it is not.
    pub(super) fn language_node(
        &mut self,
        file: FileId,
        node: &KdlNode,
        extras: &mut Extras,
    ) -> bool {
        match node.name().value() {
            "manifest" => {
                self.no_children(file, node);
                self.extra_args(file, node, 1);
                if let Some(path) = self.node_name(file, node, "a manifest path") {
                    extras.manifests.push(path);
                }
            }
            "patch" => {
                if let Some(p) = self.patch(file, node) {
                    extras.patches.push(p);
                }
            }
            "namespace" => self.namespace(file, node, extras),
            "lint-allow" => extras.lint_allow.extend(self.lint_allow(file, node)),
            "secret" => self.secret(file, node, &mut extras.secrets),
            "depends-on" => self.depends_on(file, node, extras),
            "flux" => self.flux(file, node, &mut extras.flux),
            _ => return false,
        }
        true
    }

    /// A language-level node in a flavor, which applies to every app of an
    /// env: only `secret` (into `secrets`) and `flux` (into `flux`) belong
    /// there.
    pub(super) fn language_node_in_flavor(
        &mut self,
        file: FileId,
        node: &KdlNode,
        secrets: &mut Vec<SecretUse>,
        flux: &mut Option<FluxUse>,
    ) {
        let name = nodes::name(file, node);
        if name.value == "secret" {
            self.secret(file, node, secrets);
            return;
        }
        if name.value == "flux" {
            self.flux(file, node, flux);
            return;
        }
        self.diags.push(
            Diagnostic::error(
                codes::UNKNOWN_NODE,
                format!("`{}` cannot be set by a flavor", name.value),
            )
            .primary(name.span, "not allowed in a flavor")
            .help(format!(
                "a flavor applies to every app of an env; set `{}` in the app, or in the env's `app` block",
                name.value
            )),
        );
    }

    /// `namespace NAME`: a DNS label, or a template checked once evaluated.
    fn namespace(&mut self, file: FileId, node: &KdlNode, extras: &mut Extras) {
        self.no_children(file, node);
        self.extra_args(file, node, 1);
        for p in nodes::props(file, node) {
            self.unknown_prop("namespace", &p, &[]);
        }
        let head = nodes::head_span(file, node, self.text(file));
        if let Some(first) = &extras.namespace {
            self.diags.push(
                Diagnostic::error(
                    codes::REPEATED_PARAM,
                    "`namespace` is given twice in one block",
                )
                .primary(head, "given again here")
                .related(first.span, "first given here")
                .help("`namespace` takes one value; remove one of them"),
            );
            return;
        }
        let Some(value) = self.node_name(file, node, "a namespace") else {
            return;
        };
        let templated = value.value.contains("{{") || value.value.contains("{%");
        if !templated && !crate::check::types::is_dns_label(&value.value, 63) {
            self.diags.push(
                Diagnostic::error(
                    codes::TYPE_MISMATCH,
                    format!("namespace `{}` is not a DNS label", value.value),
                )
                .primary(value.span, "expected a DNS label")
                .help("a namespace is lower-case letters, digits and `-`, at most 63 characters"),
            );
            return;
        }
        extras.namespace = Some(NamespaceUse { value, span: head });
    }

    /// Decodes a `patch` node: `set POINTER VALUE` writes a KDL scalar,
    /// `set POINTER json=TEXT` any JSON value (a list, a map), which a
    /// scalar cannot: without it a patch could never add a list the
    /// template did not make.
    pub(super) fn patch(&mut self, file: FileId, node: &KdlNode) -> Option<Patch> {
        let target = self.node_name(file, node, "a patch target (`Kind/name`)")?;
        self.extra_args(file, node, 1);
        if !target.value.contains('/') {
            self.diags.push(
                Diagnostic::error(
                    codes::MALFORMED,
                    format!("patch target `{}` is not `Kind/name`", target.value),
                )
                .primary(target.span, "expected `Kind/name`")
                .help("write the object's kind and name, such as `patch \"Deployment/web\" { … }`"),
            );
        }
        let mut patch = Patch {
            target,
            ops: Vec::new(),
            span: nodes::head_span(file, node, self.text(file)),
        };
        let Some(children) = node.children() else {
            return Some(patch);
        };
        for c in children.nodes() {
            let cname = nodes::name(file, c);
            let args = nodes::args(file, c);
            let pointer = match args.first() {
                Some(nodes::Arg {
                    value: Value::String(s),
                    span,
                }) if s.is_empty() || s.starts_with('/') => Spanned::new(s.clone(), *span),
                Some(a) => {
                    self.diags.push(
                        Diagnostic::error(
                            codes::MALFORMED,
                            format!(
                                "expected a JSON pointer such as `/spec/replicas`, found {}",
                                a.value
                            ),
                        )
                        .primary(a.span, "not a JSON pointer")
                        .help("a JSON pointer (RFC 6901) starts with `/`"),
                    );
                    continue;
                }
                None => {
                    self.diags.push(
                        Diagnostic::error(
                            codes::MALFORMED,
                            format!("`{}` needs a JSON pointer", cname.value),
                        )
                        .primary(cname.span, "expected a pointer after this"),
                    );
                    continue;
                }
            };
            match cname.value.as_str() {
                "set" => {
                    if let Some(op) = self.set_op(file, c, pointer, &args) {
                        patch.ops.push(op);
                    }
                }
                "remove" => {
                    self.extra_args(file, c, 1);
                    patch.ops.push(PatchOp::Remove { pointer });
                }
                other => self.diags.push(
                    Diagnostic::error(
                        codes::UNKNOWN_NODE,
                        format!("unknown patch operation `{other}`"),
                    )
                    .primary(cname.span, "not a patch operation")
                    .help(suggest(
                        other,
                        ["set", "remove"],
                        "the operations are",
                    )),
                ),
            }
        }
        Some(patch)
    }

    /// `set POINTER VALUE` or `set POINTER json=TEXT`: exactly one of the two.
    fn set_op(
        &mut self,
        file: FileId,
        node: &KdlNode,
        pointer: Spanned<String>,
        args: &[nodes::Arg],
    ) -> Option<PatchOp> {
        let mut json = None;
        for p in nodes::props(file, node) {
            if p.name != "json" {
                self.diags.push(
                    Diagnostic::error(
                        codes::UNKNOWN_PROPERTY,
                        format!("unknown property `{}` of `set`", p.name),
                    )
                    .primary(p.name_span, "not a property of `set`")
                    .help(suggest(&p.name, ["json"], "`set` takes")),
                );
                continue;
            }
            let Value::String(text) = &p.value else {
                self.diags.push(
                    Diagnostic::error(
                        codes::TYPE_MISMATCH,
                        format!("expected JSON text in a string, found {}", p.value.kind()),
                    )
                    .primary(p.span, "expected a string")
                    .help("write `json=\"[\\\"a\\\", \\\"b\\\"]\"`, or a raw string `json=#\"[\"a\", \"b\"]\"#`"),
                );
                continue;
            };
            match serde_json::from_str::<serde_json::Value>(text) {
                Ok(v) => json = Some(Spanned::new(v, p.span)),
                Err(e) => self.diags.push(
                    Diagnostic::error(codes::MALFORMED, format!("`json=` is not JSON: {e}"))
                        .primary(p.span, "not JSON")
                        .help("write a JSON value, such as `[\"ALL\"]` or `{\"key\": 1}`"),
                ),
            }
        }
        match (args.get(1), json) {
            (Some(v), None) => {
                self.extra_args(file, node, 2);
                Some(PatchOp::Set {
                    pointer,
                    value: Spanned::new(v.value.to_json(), v.span),
                })
            }
            (None, Some(value)) => {
                self.extra_args(file, node, 1);
                Some(PatchOp::Set { pointer, value })
            }
            (Some(v), Some(j)) => {
                self.diags.push(
                    Diagnostic::error(codes::EXCLUSIVE, "`set` takes a value or `json=`, not both")
                        .primary(v.span, "a value")
                        .related(j.span, "and JSON")
                        .help("keep one of them"),
                );
                None
            }
            (None, None) => {
                if !nodes::props(file, node).iter().any(|p| p.name == "json") {
                    self.diags.push(
                        Diagnostic::error(codes::MALFORMED, "`set` needs a pointer and a value")
                            .primary(pointer.span, "no value after this")
                            .help("write `set \"/spec/replicas\" 3`, or `set \"/spec/x\" json=\"[1, 2]\"` for a list or a map"),
                    );
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LANGUAGE_NODES;
    use crate::compile::{Request, compile};
    use crate::world::DiskWorld;

    /// Every row of the table has a decoder: a node the table names is
    /// never reported as an unknown parameter.
    #[test]
    fn every_language_node_is_decoded() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("m.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
        )
        .unwrap();
        let example = |name: &str| match name {
            "manifest" => "manifest \"m.yaml\"".to_string(),
            "patch" => "patch \"ConfigMap/x\" { set \"/data/a\" \"b\" }".to_string(),
            "lint-allow" => "lint-allow \"latest-tag\" reason=\"a test\"".to_string(),
            "secret" => "secret \"x\" external=\"vault\" { key \"k\" remote=\"r\" }".to_string(),
            "depends-on" => "depends-on \"b\"".to_string(),
            "flux" => "flux interval=\"5m\"".to_string(),
            other => format!("{other} \"x\""),
        };
        let body: Vec<String> = LANGUAGE_NODES.iter().map(|n| example(n.name)).collect();
        std::fs::write(
            dir.path().join("kiln.kdl"),
            format!(
                "project \"p\"\nenv \"e\"\napp \"b\" component=\"manifests\"\napp \"a\" component=\"manifests\" {{\n{}\n}}\n",
                body.join("\n")
            ),
        )
        .unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let c = compile(&DiskWorld, &root, &Request::default(), None);
        // Each example is well formed: any diagnostic at all is a node
        // the checker does not decode as the table says.
        assert!(c.diags.0.is_empty(), "{:?}", c.diags.0);
        assert!(!c.envs.is_empty());
    }
}
