//! Lint: operational best practice, reported at the line that decides it.
//!
//! The stage after validation. It works in two steps, so that a render
//! still holds one app's objects at a time:
//!
//! - [`inspect`] runs in the render's per-app loop, while the app's
//!   objects (finished and valid) are still in memory: it walks each
//!   object once, reports what one object shows (a `latest` image, a
//!   missing probe, a privileged container), and keeps the few facts the
//!   env-wide rules need (pod labels, Services, Ingress backends, HPAs,
//!   PodDisruptionBudgets) with the span each would be reported at;
//!   [`own_findings`] then applies the project's and env's levels and the
//!   app's `lint-allow`s, giving the app's [`Finding`]s, kept with its
//!   render;
//! - [`env_findings`] takes every app's [`Inspected`] of one env and
//!   applies the env-wide rules (a Service that selects nothing, replicas
//!   without a PodDisruptionBudget, …), for every app or the marked ones,
//!   under the same levels and allows: diagnostics `kiln::lint::<rule>`
//!   for the findings reported, the allowed ones with their reasons for
//!   `kiln explain`.
//!
//! The rules know Kubernetes objects (as validation does); the spans come
//! from the resolved parameters' provenance, the patches, and the lines of
//! manifests and templates ([`decide`]).

mod decide;
mod env;
mod locate;
mod pod;
mod policy;
mod rules;

use rayon::prelude::*;
use serde_json::Value as Json;

pub use policy::{Disposition, Finding};
pub use rules::{Level, RULES, Rule, RuleId, by_name, rule};

use crate::check::Model;
use crate::check::schema::Component;
use crate::diag::Diagnostic;
use crate::resolve::Resolved;
use crate::span::{FileId, Sources, Span};

/// Where a rendered object came from.
#[derive(Clone, Copy, Debug)]
pub enum Origin {
    /// A template of the app's component (its source file).
    Template(FileId),
    /// A `manifest` file, included by the node at `node`.
    Manifest { file: FileId, node: Span },
}

/// One app of an env, as the renderer hands it to [`inspect`].
pub struct AppInput<'a> {
    pub app: &'a Resolved,
    pub component: &'a Component,
    pub sources: &'a Sources,
}

/// A finding before the env's levels and the app's allows apply.
#[derive(Clone, Debug)]
pub struct Raw {
    pub rule: RuleId,
    pub message: String,
    pub decider: decide::Decider,
    /// The rendered object and field.
    pub note: String,
}

/// One app of an env, inspected: its own findings, and the facts the
/// env-wide rules need.
#[derive(Clone, Debug, Default)]
pub struct Inspected {
    pub app: String,
    pub raws: Vec<Raw>,
    facts: env::Facts,
}

/// Inspects one app's finished objects (see the module doc).
pub fn inspect<'a>(
    input: &AppInput<'a>,
    objects: impl IntoIterator<Item = (&'a Json, Origin)>,
) -> Inspected {
    let mut out = Inspected {
        app: input.app.app.clone(),
        ..Inspected::default()
    };
    for (value, origin) in objects {
        let (Some(kind), Some(name)) = (value["kind"].as_str(), value["metadata"]["name"].as_str())
        else {
            continue;
        };
        let obj = decide::Obj {
            input,
            value,
            kind,
            name,
            namespace: value["metadata"]["namespace"].as_str().unwrap_or_default(),
            origin,
        };
        pod::object(&obj, &mut out.raws, &mut out.facts);
    }
    out
}

/// The findings one app's objects show on their own ([`inspect`]), under
/// the levels of the project and of the env `env_def` (the env
/// definition, which a preview shares with its template) and the app's
/// `lint-allow`s. They are taken out of `inspected`, which keeps the
/// facts for [`env_findings`].
pub fn own_findings(model: &Model, env_def: &str, inspected: &mut Inspected) -> Vec<Finding> {
    let raws = std::mem::take(&mut inspected.raws);
    policy::apply(model, env_def, &inspected.app, raws)
}

/// The env-wide rules over every app's [`Inspected`] of one env, under
/// the levels and allows as [`own_findings`]: each app's findings, by
/// index, for every app or (`wanted`) the marked ones (the others' lists
/// are left empty).
pub fn env_findings(
    model: &Model,
    env_def: &str,
    apps: &[&Inspected],
    wanted: Option<&[bool]>,
) -> Vec<Vec<Finding>> {
    let mut raws: Vec<(usize, Raw)> = Vec::new();
    env::rules(apps, env::Wanted(wanted), &mut raws);
    let mut per_app: Vec<Vec<Raw>> = Vec::new();
    per_app.resize_with(apps.len(), Vec::new);
    for (app, raw) in raws {
        per_app[app].push(raw);
    }
    apps.iter()
        .zip(per_app)
        .map(|(a, raws)| policy::apply(model, env_def, &a.app, raws))
        .collect()
}

/// Whether the env-wide rules may judge `other` differently beside `new`
/// than beside `old`, two inspections of another app of its env
/// ([`env::may_judge_otherwise`]): when not, `other`'s findings of an
/// earlier [`env_findings`] stand.
pub fn may_judge_otherwise(old: &Inspected, new: &Inspected, other: &Inspected) -> bool {
    env::may_judge_otherwise(&old.facts, &new.facts, &other.facts)
}

/// True when the env-wide rules judge every other app of an env the same
/// beside `new` as beside `old`, two inspections of one app
/// ([`env::Facts::same_for_others`]): the other apps' findings of an
/// earlier [`env_findings`] then stand.
pub fn same_for_others(old: &Inspected, new: &Inspected) -> bool {
    old.app == new.app && old.facts.same_for_others(&new.facts)
}

/// The files some findings are reported at, as a mask of their ids,
/// lossy: a file outside the mask shows none of them, one inside may.
/// The language server skips by it the findings an edited file does not
/// show, which are tens of thousands in a fleet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileMask(u64);

impl FileMask {
    /// The mask of the files `findings` are reported at.
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> FileMask {
        findings.into_iter().fold(FileMask::default(), |mask, f| {
            mask.with(f.diagnostic.primary_span().map(|s| s.file))
        })
    }

    /// With `file`; `None` (reported at no file) holds every file.
    pub fn with(self, file: Option<FileId>) -> FileMask {
        match file {
            Some(id) => FileMask(self.0 | 1 << (id % 64)),
            None => FileMask(u64::MAX),
        }
    }

    /// False when no file of one mask is in the other.
    pub fn meets(self, other: FileMask) -> bool {
        self.0 & other.0 != 0
    }
}

/// The diagnostics of the reported findings: one per finding, the same
/// finding in several envs once, with a note naming the envs.
pub fn diagnostics<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<Diagnostic> {
    diagnostics_unless(findings, &|| false).unwrap_or_default()
}

/// [`diagnostics`], given up (`None`) as soon as `stop` says so: the
/// language server makes them after it has answered an edit, and the next
/// edit should not wait for them.
pub fn diagnostics_unless<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    stop: &(dyn Fn() -> bool + Sync),
) -> Option<Vec<Diagnostic>> {
    // Sorted by a key made once per finding: a large fleet has tens of
    // thousands (one per app, rule and env).
    let mut reported: Vec<_> = findings
        .into_iter()
        .filter(|f| f.reported())
        .map(|f| {
            let key = (
                f.diagnostic.primary_span(),
                f.rule,
                f.env.as_str(),
                f.diagnostic.message.as_str(),
            );
            (key, f)
        })
        .collect();
    if stop() {
        return None;
    }
    reported.par_sort_by(|a, b| a.0.cmp(&b.0));
    if stop() {
        return None;
    }
    // Equal diagnostics share their primary span: each run of one span is
    // grouped on its own, the runs in parallel, in order.
    let runs: Vec<_> = reported.chunk_by(|a, b| a.0.0 == b.0.0).collect();
    let diags = runs
        .par_iter()
        .flat_map_iter(|run| match stop() {
            true => Vec::new(),
            false => group(run.iter().map(|(_, f)| *f)),
        })
        .collect();
    (!stop()).then_some(diags)
}

/// The diagnostics of findings of one primary span: equal ones once, with
/// a note naming their envs.
fn group<'a>(findings: impl Iterator<Item = &'a Finding>) -> Vec<Diagnostic> {
    let mut out: Vec<(Diagnostic, Vec<&str>)> = Vec::new();
    for f in findings {
        let same = out.iter_mut().find(|(d, _)| *d == f.diagnostic);
        match same {
            Some((_, envs)) => {
                if envs.last() != Some(&f.env.as_str()) {
                    envs.push(&f.env);
                }
            }
            None => out.push((f.diagnostic.clone(), vec![&f.env])),
        }
    }
    out.into_iter()
        .map(|(d, envs)| {
            let names: Vec<String> = envs.iter().map(|e| format!("`{e}`")).collect();
            let list = match names.split_last() {
                Some((last, [])) => format!("in env {last}"),
                Some((last, rest)) => format!("in envs {} and {last}", rest.join(", ")),
                None => String::new(),
            };
            d.note(list)
        })
        .collect()
}
