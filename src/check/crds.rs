//! `crds PATH… allow-unknown=#true` in `project`: where the project's
//! CustomResourceDefinitions are. The files are read when rendering
//! (`render::crd::load`); here only the node's shape is checked.

use kdl::KdlNode;

use super::{Checker, mismatch, nodes};
use crate::check::value::Value;
use crate::diag::{Diagnostic, codes};
use crate::span::{FileId, Spanned};

impl Checker<'_> {
    /// Decodes one `crds` node (it may be given more than once).
    pub(super) fn crds(&mut self, file: FileId, node: &KdlNode) {
        self.no_children(file, node);
        for p in nodes::props(file, node) {
            match p.name.as_str() {
                "allow-unknown" => {
                    if self.bool_value(p.span, &p.value) {
                        self.model.project.allow_unknown_kinds = true;
                    }
                }
                _ => self.unknown_prop("crds", &p, &["allow-unknown"]),
            }
        }
        let args = nodes::args(file, node);
        if args.is_empty() && nodes::props(file, node).is_empty() {
            let head = nodes::head_span(file, node, self.text(file));
            self.diags.push(
                Diagnostic::error(codes::MALFORMED, "`crds` names no file or folder")
                    .primary(head, "expected a path after this")
                    .help("write `crds \"crds/cert-manager.crds.yaml\" \"crds/prometheus\"` (relative to `kiln.kdl`)"),
            );
        }
        for a in args {
            match a.value {
                Value::String(s) if !s.is_empty() => {
                    self.model.project.crds.push(Spanned::new(s, a.span))
                }
                v => self
                    .diags
                    .push(mismatch(a.span, "a file or folder path", &v)),
            }
        }
    }
}
