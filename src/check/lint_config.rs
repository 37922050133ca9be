//! The lint settings a project writes: `lint "RULE" "deny"|"warn"|"allow"`
//! in `project` and `env`, and `lint-allow "RULE" reason="…"` in an app or
//! an env's app block. Decoded here, beside the checker, so the rest of
//! `check` only dispatches to it.

use kdl::KdlNode;

use super::{Checker, nodes};
use crate::check::value::Value;
use crate::diag::{Diagnostic, codes, suggest};
use crate::lint::{Level, RULES, Rule, by_name};
use crate::span::{FileId, Span, Spanned};

/// `lint "RULE" "LEVEL"`: the level of one rule, or of all (`"*"`), from
/// here on; later settings win, an env's after the project's.
#[derive(Clone, Debug, PartialEq)]
pub struct LintSetting {
    /// A rule's name, or `*`.
    pub rule: Spanned<String>,
    pub level: Level,
    /// The whole node, for `kiln explain`.
    pub span: Span,
}

impl LintSetting {
    /// True when the setting applies to `rule`.
    pub fn applies_to(&self, rule: &Rule) -> bool {
        self.rule.value == "*" || self.rule.value == rule.name
    }
}

/// `lint-allow "RULE" reason="…"`: the app accepts the rule's findings.
#[derive(Clone, Debug, PartialEq)]
pub struct LintAllow {
    pub rule: Spanned<String>,
    pub reason: Spanned<String>,
    /// The whole node, for labels.
    pub span: Span,
}

impl Checker<'_> {
    /// Decodes `lint "RULE" "LEVEL"`.
    pub(super) fn lint_setting(&mut self, file: FileId, node: &KdlNode) -> Option<LintSetting> {
        self.no_children(file, node);
        for p in nodes::props(file, node) {
            self.unknown_prop("lint", &p, &[]);
        }
        let head = nodes::head_span(file, node, self.text(file));
        let args = nodes::args(file, node);
        let (Some(rule), Some(level)) = (args.first(), args.get(1)) else {
            self.diags.push(
                Diagnostic::error(codes::MALFORMED, "`lint` needs a rule and a level")
                    .primary(head, "expected `lint \"RULE\" \"LEVEL\"`")
                    .help("write `lint \"latest-tag\" \"deny\"`, or `lint \"*\" \"warn\"` for every rule; `kiln lint --list` shows the rules"),
            );
            return None;
        };
        self.extra_args(file, node, 2);
        let rule = self.lint_rule_name(rule, true)?;
        let Value::String(level_name) = &level.value else {
            self.diags
                .push(super::mismatch(level.span, "a lint level", &level.value));
            return None;
        };
        let Some(lvl) = Level::parse(level_name) else {
            self.diags.push(
                Diagnostic::error(
                    codes::LINT_SETTING,
                    format!("unknown lint level `{level_name}`"),
                )
                .primary(level.span, "expected `deny`, `warn` or `allow`")
                .help(suggest(level_name, Level::NAMES, "the levels are")),
            );
            return None;
        };
        if let Some(r) = by_name(&rule.value)
            && !r.configurable()
            && lvl != r.default
        {
            self.diags.push(fixed_rule(r, rule.span));
            return None;
        }
        Some(LintSetting {
            rule,
            level: lvl,
            span: head,
        })
    }

    /// Decodes `lint-allow "RULE" reason="…"`.
    pub(super) fn lint_allow(&mut self, file: FileId, node: &KdlNode) -> Option<LintAllow> {
        self.no_children(file, node);
        let head = nodes::head_span(file, node, self.text(file));
        let args = nodes::args(file, node);
        let mut reason = None;
        for p in nodes::props(file, node) {
            match p.name.as_str() {
                "reason" => reason = self.string_prop(&p),
                _ => self.unknown_prop("lint-allow", &p, &["reason"]),
            }
        }
        let Some(rule) = args.first() else {
            self.diags.push(
                Diagnostic::error(codes::MALFORMED, "`lint-allow` needs a rule")
                    .primary(head, "expected `lint-allow \"RULE\" reason=\"…\"`")
                    .help("`kiln lint --list` shows the rules"),
            );
            return None;
        };
        self.extra_args(file, node, 1);
        let rule = self.lint_rule_name(rule, false)?;
        if let Some(r) = by_name(&rule.value)
            && !r.configurable()
        {
            self.diags.push(fixed_rule(r, rule.span));
            return None;
        }
        let reason = match reason {
            Some(r) if !r.value.trim().is_empty() => r,
            Some(r) => {
                self.diags.push(
                    Diagnostic::error(codes::MISSING_REQUIRED, "`lint-allow` needs a reason")
                        .primary(r.span, "an empty reason")
                        .help("say why the finding is acceptable here: the reason shows in `kiln explain`"),
                );
                return None;
            }
            None => {
                self.diags.push(
                    Diagnostic::error(codes::MISSING_REQUIRED, "`lint-allow` needs a reason")
                        .primary(head, "no `reason=` here")
                        .help(format!(
                            "write `lint-allow \"{}\" reason=\"…\"`: the reason says why the finding is acceptable here, and shows in `kiln explain`",
                            rule.value
                        )),
                );
                return None;
            }
        };
        Some(LintAllow {
            rule,
            reason,
            span: head,
        })
    }

    /// A rule's name from an argument: a known rule, or `*` where allowed.
    fn lint_rule_name(&mut self, arg: &nodes::Arg, star: bool) -> Option<Spanned<String>> {
        let Value::String(name) = &arg.value else {
            self.diags
                .push(super::mismatch(arg.span, "a rule name", &arg.value));
            return None;
        };
        if (star && name == "*") || by_name(name).is_some() {
            return Some(Spanned::new(name.clone(), arg.span));
        }
        let d = if name == "*" {
            Diagnostic::error(codes::LINT_SETTING, "`lint-allow` names one rule, not `*`")
                .primary(arg.span, "expected a rule's name")
                .help("each `lint-allow` accepts one rule, with its reason; to allow every rule, write `lint \"*\" \"allow\"` in the project or the env")
        } else {
            Diagnostic::error(codes::LINT_SETTING, format!("unknown lint rule `{name}`"))
                .primary(arg.span, "no rule has this name")
                .help(suggest(name, RULES.iter().map(|r| r.name), "the rules are"))
        };
        self.diags.push(d);
        None
    }
}

fn fixed_rule(r: &Rule, span: Span) -> Diagnostic {
    Diagnostic::error(
        codes::LINT_SETTING,
        format!("`{}` is always an error", r.name),
    )
    .primary(span, "this rule cannot be relaxed")
    .help("a credential written in plain text would land in the gitops repository: take it from a Secret with `secret-env`, or mark a value that is not secret with `allow-plaintext=#true`")
}
