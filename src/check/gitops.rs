//! The project's `gitops URL branch= path= sign=` node: the defaults of
//! every command that reads or writes the gitops repository.

use kdl::KdlNode;

use super::{Checker, Gitops, nodes};
use crate::span::FileId;

impl Checker<'_> {
    /// Decodes `gitops` into the model's project.
    pub(super) fn gitops(&mut self, file: FileId, node: &KdlNode) {
        let Some(url) = self.node_name(file, node, "a gitops repository URL or path") else {
            return;
        };
        self.extra_args(file, node, 1);
        self.no_children(file, node);
        let mut g = Gitops {
            url,
            branch: "main".to_string(),
            path: "{env}".to_string(),
            sign: false,
        };
        for p in nodes::props(file, node) {
            match p.name.as_str() {
                "branch" => {
                    if let Some(s) = self.string_prop(&p) {
                        g.branch = s.value;
                    }
                }
                "path" => {
                    if let Some(s) = self.string_prop(&p) {
                        g.path = s.value;
                    }
                }
                "sign" => g.sign = self.bool_value(p.span, &p.value),
                _ => self.unknown_prop("gitops", &p, &["branch", "path", "sign"]),
            }
        }
        self.model.project.gitops = Some(g);
    }
}
