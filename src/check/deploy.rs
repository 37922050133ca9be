//! `deploy branch= tag= event=` in an env: when `kiln commit --event`
//! picks the env (LANGUAGE.md "env").

use kdl::KdlNode;

use super::{Checker, DeployRule, nodes};
use crate::diag::{Diagnostic, codes, suggest};
use crate::span::FileId;

impl Checker<'_> {
    /// One `deploy` rule; its events checked against those kiln knows.
    pub(super) fn deploy_rule(&mut self, file: FileId, c: &KdlNode) -> DeployRule {
        self.no_children(file, c);
        self.extra_args(file, c, 0);
        let mut rule = DeployRule {
            span: nodes::head_span(file, c, self.text(file)),
            ..DeployRule::default()
        };
        for p in nodes::props(file, c) {
            match p.name.as_str() {
                "branch" => rule.branch = self.string_prop(&p),
                "tag" => rule.tag = self.string_prop(&p),
                "event" => {
                    rule.event = self.string_prop(&p);
                    if let Some(e) = &rule.event
                        && !["push", "tag", "pr"].contains(&e.value.trim_start_matches('!'))
                    {
                        self.diags.push(
                            Diagnostic::error(
                                codes::TYPE_MISMATCH,
                                format!("unknown event `{}`", e.value),
                            )
                            .primary(e.span, "expected `push`, `tag` or `pr`")
                            .help(suggest(
                                &e.value,
                                ["push", "tag", "pr"],
                                "the events are",
                            )),
                        );
                    }
                }
                _ => self.unknown_prop("deploy", &p, &["branch", "tag", "event"]),
            }
        }
        rule
    }
}
