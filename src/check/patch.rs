//! `patch "Kind/name" { set …; remove … }`: the language's escape hatch
//! for whatever a component cannot express.
//!
//! `set POINTER VALUE` writes a KDL scalar; `set POINTER json=TEXT` writes
//! any JSON value (a list, a map), which a scalar cannot: without it a
//! patch could never add a list the template did not make, and `kiln
//! import` could not keep such a field exactly.

use kdl::KdlNode;

use super::{Checker, Patch, PatchOp, nodes};
use crate::diag::{Diagnostic, codes, suggest};
use crate::span::{FileId, Spanned};
use crate::value::Value;

impl Checker<'_> {
    /// Decodes a `patch` node of an app or env-app block.
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
