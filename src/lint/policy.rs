//! Levels and allows: what becomes of each finding in an env. The levels
//! start at each rule's default; the project's `lint` nodes apply in
//! order, then the env's, each overriding what came before (`"*"` sets
//! every rule that can be set). An app's (or its env block's) `lint-allow`
//! accepts its findings of one rule, whatever the level.

use super::rules::{Level, RULES, rule};
use super::{Raw, RuleId};
use crate::check::{LintAllow, Model};
use crate::diag::{Code, Diagnostic, Severity};
use crate::span::Span;

/// What became of a finding.
#[derive(Clone, Debug, PartialEq)]
pub enum Disposition {
    /// Reported, as a warning or (deny) an error.
    Reported(Level),
    /// Not reported: the rule's level in the env is `allow`, set by the
    /// `lint` node at this span (none: the rule's default).
    AllowedByLevel(Option<Span>),
    /// Not reported: the app accepts it, with a reason.
    AllowedByApp(LintAllow),
}

/// One finding of one app in one env.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The env definition (a preview template's name for a preview).
    pub env: String,
    pub app: String,
    pub rule: RuleId,
    pub disposition: Disposition,
    /// The diagnostic, as it is (or would be) reported.
    pub diagnostic: Diagnostic,
}

impl Finding {
    /// True when the finding is reported as a diagnostic.
    pub fn reported(&self) -> bool {
        matches!(self.disposition, Disposition::Reported(_))
    }

    /// The order findings are kept in: by env, app, primary span, rule.
    pub fn order(&self, other: &Finding) -> std::cmp::Ordering {
        (
            &self.env,
            &self.app,
            self.diagnostic.primary_span(),
            self.rule,
        )
            .cmp(&(
                &other.env,
                &other.app,
                other.diagnostic.primary_span(),
                other.rule,
            ))
    }
}

/// The level of every rule in the env `env_def`, with the span of the
/// `lint` node that set it (none for a default).
pub fn levels(model: &Model, env_def: &str) -> Vec<(Level, Option<Span>)> {
    let mut levels: Vec<(Level, Option<Span>)> = RULES.iter().map(|r| (r.default, None)).collect();
    let env = model
        .envs
        .get(env_def)
        .map(|e| e.lint.as_slice())
        .unwrap_or(&[]);
    for setting in model.project.lint.iter().chain(env) {
        for (r, level) in RULES.iter().zip(levels.iter_mut()) {
            if r.configurable() && setting.applies_to(r) {
                *level = (setting.level, Some(setting.span));
            }
        }
    }
    levels
}

/// The `lint-allow`s of `app` in `env_def`: the env block's first, as the
/// more specific.
fn allows<'m>(model: &'m Model, env_def: &str, app: &str) -> Vec<&'m LintAllow> {
    let env_block = model
        .envs
        .get(env_def)
        .and_then(|e| e.apps.get(app))
        .map(|a| a.extras.lint_allow.as_slice())
        .unwrap_or(&[]);
    let app_block = model
        .apps
        .get(app)
        .map(|a| a.extras.lint_allow.as_slice())
        .unwrap_or(&[]);
    env_block.iter().chain(app_block).collect()
}

/// Turns the raw findings of `app` into [`Finding`]s under the env's
/// levels and the app's allows.
pub fn apply(
    model: &Model,
    env_def: &str,
    app: &str,
    raws: impl IntoIterator<Item = Raw>,
) -> Vec<Finding> {
    let mut raws = raws.into_iter().peekable();
    if raws.peek().is_none() {
        return Vec::new();
    }
    let levels = levels(model, env_def);
    let allows = allows(model, env_def, app);
    raws.map(|raw| {
        let r = rule(raw.rule);
        let allowed = allows.iter().find(|a| a.rule.value == r.name);
        let (level, by) = levels[raw.rule as usize];
        let disposition = match (allowed, level) {
            (Some(a), _) => Disposition::AllowedByApp((*a).clone()),
            (None, Level::Allow) => Disposition::AllowedByLevel(by),
            (None, level) => Disposition::Reported(level),
        };
        let mut d = Diagnostic::error(Code(r.code, r.summary), raw.message)
            .primary(raw.decider.span, raw.decider.label);
        if level != Level::Deny {
            d.severity = Severity::Warning;
        }
        for (span, label) in raw.decider.related {
            d = d.related(span, label);
        }
        let d = d.note(raw.note).maybe_help(raw.decider.help);
        Finding {
            env: env_def.to_string(),
            app: app.to_string(),
            rule: raw.rule,
            disposition,
            diagnostic: d,
        }
    })
    .collect()
}
