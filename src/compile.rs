//! The whole pipeline in one call: load → check → resolve → render, for
//! the envs a command asks for. Commands share it so they agree.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::check::{self, Model};
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::lint;
use crate::output::EnvOutput;
use crate::render::crd::Crds;
use crate::render::finish;
use crate::render::renderer::{self, RenderedApp};
use crate::resolve::{self, Options};
use crate::span::Sources;
use crate::syntax;
use crate::world::World;

/// Which envs to render.
#[derive(Clone, Debug, Default)]
pub enum Selection {
    /// Every env that is not a preview template.
    #[default]
    All,
    /// These, by name (preview templates refused).
    Named(Vec<String>),
    /// Every env, preview templates too with `preview.name = "example"`:
    /// what `kiln check` validates.
    Everything,
    /// One preview: the template env and the preview's (sanitised) name.
    Preview { template: String, name: String },
}

/// What a compile needs beyond the project.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub selection: Selection,
    pub resolve: Options,
    /// Directories not to load `.kdl` files from (the render output).
    pub skip: Vec<PathBuf>,
}

/// The result of a compile: whatever was produced, and every problem.
#[derive(Debug, Default)]
pub struct Compiled {
    pub sources: Sources,
    pub model: Model,
    pub diags: Diagnostics,
    pub envs: Vec<EnvOutput>,
    /// The resolution options the compile ran with (`--set`, `--var`,
    /// `git.*`), for commands that resolve again (`explain`).
    pub options: Options,
    /// Every lint finding of the rendered envs, those allowed too (for
    /// `kiln explain`); `diags` holds the reported ones.
    pub findings: Vec<lint::Finding>,
}

/// Runs the pipeline on the project at `root` (canonical).
pub fn compile(
    world: &dyn World,
    root: &Path,
    req: &Request,
    command_line: Option<String>,
) -> Compiled {
    let mut out = Compiled {
        options: req.resolve.clone(),
        ..Compiled::default()
    };
    // First, so that `--set`/`--var` spans made by the CLI (file 0) point here.
    if let Some(text) = command_line {
        out.sources.add("<command line>", None, text);
    }
    let loaded = syntax::load(world, root, &req.skip, &mut out.sources, &mut out.diags);
    let Some(prepared) = prepare(&mut out, loaded, world, &req.selection) else {
        return out;
    };
    let (model, sources) = (&out.model, &out.sources);
    let (templates, crds) = (&prepared.templates, &prepared.crds);
    let results: Vec<EnvRendered> = prepared
        .targets
        .par_iter()
        .map(|target| {
            let unit = |resolver: &resolve::EnvResolver<'_>, app: &check::App| {
                renderer::render_unit(model, resolver, app, templates, crds, sources, world)
                    .map(Arc::new)
            };
            // Each env's findings come sorted, made in parallel, so that
            // `finish` need not sort them all.
            render_target(model, sources, &req.resolve, world, crds, target, &unit)
        })
        .collect();
    finish(&mut out, results);
    out
}

/// One env to render: its name and, for a preview, the preview's name.
pub type Target = (String, Option<String>);

/// One env's output and lint findings (none when it failed), and its
/// diagnostics.
pub type EnvResult = (Option<(EnvOutput, EnvFindings)>, Diagnostics);

/// [`EnvResult`] with the findings in one list, sorted
/// ([`EnvFindings::into_sorted`]).
pub type EnvRendered = (Option<(EnvOutput, Vec<lint::Finding>)>, Diagnostics);

/// The lint findings of one env, where they were made: each app's own in
/// its unit ([`RenderedApp::findings`], made with the render) and the
/// env-wide rules', per app. Shared, not copied: the language server keeps
/// the units, and an env's findings, from one compile to the next.
#[derive(Clone, Debug, Default)]
pub struct EnvFindings {
    /// The env's units that lint inspected, in name order.
    pub units: Vec<Arc<RenderedApp>>,
    /// The env-wide rules' findings of each unit, by index.
    pub wide: Vec<AppFindings>,
}

/// Findings of one app, and the files they are reported at.
pub type AppFindings = (lint::FileMask, Arc<[lint::Finding]>);

impl EnvFindings {
    /// Every finding, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &lint::Finding> {
        let own = self.units.iter().flat_map(|u| u.findings.iter());
        own.chain(self.wide.iter().flat_map(|(_, w)| w.iter()))
    }

    /// Every finding, in [`lint::Finding::order`]; moved out of the units
    /// no one else holds.
    pub fn into_sorted(self) -> Vec<lint::Finding> {
        let mut all: Vec<lint::Finding> = Vec::with_capacity(self.iter().count());
        for mut unit in self.units {
            match Arc::get_mut(&mut unit) {
                Some(u) => all.append(&mut u.findings),
                None => all.extend(unit.findings.iter().cloned()),
            }
        }
        for (_, wide) in self.wide {
            all.extend(wide.iter().cloned());
        }
        all.sort_by(lint::Finding::order);
        all
    }
}

/// How a compile gets one app's [`RenderedApp`] in one env:
/// [`renderer::render_unit`], or a unit the language server kept.
pub type UnitFn<'a> =
    dyn Fn(&resolve::EnvResolver<'_>, &check::App) -> Option<Arc<RenderedApp>> + Sync + 'a;

/// What an earlier compile kept of an env's env-wide lint findings, given
/// the units lint inspects now: for each unit, its findings, or `None` to
/// make them; `None` for none kept (every unit's are made).
pub type KeptWideFn<'a> =
    dyn Fn(&[Arc<RenderedApp>]) -> Option<Vec<Option<AppFindings>>> + Sync + 'a;

/// What rendering needs once the project checked cleanly.
pub struct Prepared {
    /// The envs the selection names, in the model's order.
    pub targets: Vec<Target>,
    pub templates: renderer::Templates,
    /// The CRDs of the project (`crds`) and of kiln.
    pub crds: Crds,
}

/// The stages before rendering, on loaded files: check, the selection,
/// the templates, the manifests' sources, the project's CRDs. `None` when they found errors: `out` then holds every
/// diagnostic, sorted.
pub fn prepare(
    out: &mut Compiled,
    loaded: syntax::Loaded,
    world: &dyn World,
    selection: &Selection,
) -> Option<Prepared> {
    let (model, check_diags) = check::check(&loaded, &out.sources);
    // The parsed documents are many times the size of the model: gone
    // before rendering starts.
    drop(loaded);
    out.diags.extend(check_diags);
    out.model = model;
    if out.diags.has_errors() {
        out.diags.sort_dedup();
        return None;
    }
    let documents =
        resolve::document_files::load(&out.model, &mut out.sources, world, &mut out.diags);
    out.model.documents = Arc::new(documents);
    if out.diags.has_errors() {
        out.diags.sort_dedup();
        return None;
    }
    let targets = select(&out.model, selection, &mut out.diags)?;
    let templates = renderer::load_templates(&out.model, &mut out.sources, world, &mut out.diags);
    crate::render::manifests::preload(&out.model, &mut out.sources, world);
    crate::render::secrets::preload(&out.model, &mut out.sources, world);
    let crds = crate::render::crd::load::project_crds(&out.model, world, &mut out.diags);
    if out.diags.has_errors() {
        out.diags.sort_dedup();
        return None;
    }
    Some(Prepared {
        targets,
        templates,
        crds,
    })
}

/// Resolves, renders and lints one env of a checked model, each app
/// through `unit`.
pub fn render_target(
    model: &Model,
    sources: &Sources,
    opts: &Options,
    world: &dyn World,
    crds: &Crds,
    target: &Target,
    unit: &UnitFn<'_>,
) -> EnvRendered {
    let reuse = Reuse {
        unit,
        env: &|_| None,
        wide: &|_| None,
    };
    let result = render_target_reusing(model, sources, opts, world, crds, target, &reuse);
    let (env, diags) = Arc::try_unwrap(result).unwrap_or_else(|shared| (*shared).clone());
    let env = env.map(|(output, findings)| (output, findings.into_sorted()));
    (env, diags)
}

/// How [`render_target_reusing`] gets each app's unit, and what an
/// earlier compile may have kept of the env.
pub struct Reuse<'a> {
    pub unit: &'a UnitFn<'a>,
    /// The env's whole result, when it still stands.
    pub env: &'a ReuseFn<'a>,
    /// The env-wide lint findings that still stand.
    pub wide: &'a KeptWideFn<'a>,
}

/// Whether an earlier result of an env still stands, given the units the
/// env is made of now: that result, or `None` to run the env-wide stage.
pub type ReuseFn<'a> = dyn Fn(&[Arc<RenderedApp>]) -> Option<Arc<EnvResult>> + Sync + 'a;

/// [`render_target`], each unit through `reuse.unit`, asking `reuse.env`
/// before the env-wide stage (the language server answers with the result
/// it kept when every unit is the one it kept, and the env's own
/// definition is unchanged) and `reuse.wide` before lint's env-wide rules
/// (it answers with the findings of the apps those rules judge as before).
pub fn render_target_reusing(
    model: &Model,
    sources: &Sources,
    opts: &Options,
    world: &dyn World,
    crds: &Crds,
    (env, preview): &Target,
    reuse: &Reuse<'_>,
) -> Arc<EnvResult> {
    let mut diags = Diagnostics::default();
    let Some(resolver) = resolve::EnvResolver::new(
        model,
        env,
        preview.as_deref(),
        opts,
        sources,
        world,
        &mut diags,
    ) else {
        return Arc::new((None, diags));
    };
    if diags.has_errors() {
        return Arc::new((None, diags));
    }
    let apps: Vec<&check::App> = resolver.apps().collect();
    let units: Vec<Arc<RenderedApp>> = apps
        .par_iter()
        .filter_map(|app| (reuse.unit)(&resolver, app))
        .collect();
    if let Some(kept) = (reuse.env)(&units) {
        return kept;
    }
    let create_ns = model.envs.get(env).is_some_and(|e| e.create_namespace);
    let folder = folder_for(model, env, preview.as_deref());
    let wide = finish::EnvWide {
        model,
        renv: &resolver.head,
        create_namespace: create_ns,
        folder: &folder,
        crds,
        sources,
    };
    let rendered = finish::finish_env(&wide, units, &mut diags);
    // Lint runs on an env that rendered without errors.
    let rendered = rendered.map(|(output, units)| {
        let units: Vec<Arc<RenderedApp>> = units.into_iter().filter(|u| u.lint.is_some()).collect();
        let inspected: Vec<&lint::Inspected> =
            units.iter().filter_map(|u| u.lint.as_ref()).collect();
        let kept = (reuse.wide)(&units).filter(|k| k.len() == units.len());
        let wanted: Option<Vec<bool>> = kept
            .as_ref()
            .map(|k| k.iter().map(Option::is_none).collect());
        let made = lint::env_findings(model, env, &inspected, wanted.as_deref());
        let mask = |made: Vec<lint::Finding>| (lint::FileMask::of(&made), Arc::from(made));
        let wide = match kept {
            Some(kept) => kept
                .into_iter()
                .zip(made)
                .map(|(k, m)| k.unwrap_or_else(|| mask(m)))
                .collect(),
            None => made.into_iter().map(mask).collect(),
        };
        (output, EnvFindings { units, wide })
    });
    Arc::new((rendered, diags))
}

/// Gathers the envs' results, in the order of the targets, into `out`.
pub fn finish(out: &mut Compiled, results: Vec<EnvRendered>) {
    // A fleet's findings are tens of thousands: one allocation of the
    // exact size, not the doubling growth's copies and slack.
    let count = results
        .iter()
        .filter_map(|(env, _)| env.as_ref())
        .map(|(_, f)| f.len())
        .sum();
    out.findings.reserve_exact(count);
    for (env, diags) in results {
        out.diags.extend(diags);
        if let Some((e, findings)) = env {
            out.envs.push(e);
            out.findings.extend(findings);
        }
    }
    out.diags.0.extend(lint::diagnostics(&out.findings));
    out.diags.sort_dedup();
    // Each env's findings come sorted (`compile`), and envs in order: a
    // stable sort's scratch (half the findings) only when they are not.
    if !out.findings.is_sorted_by(|a, b| a.order(b).is_le()) {
        out.findings.sort_by(lint::Finding::order);
    }
}

/// Renders one env of a compile that checked cleanly (`preview`: as that
/// preview of it), for commands that look at one env after the whole
/// project (`kiln explain`): the output, or `None`, and its diagnostics.
pub fn render_one(
    compiled: &mut Compiled,
    world: &dyn World,
    env: &str,
    preview: Option<&str>,
) -> (Option<EnvOutput>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let templates =
        renderer::load_templates(&compiled.model, &mut compiled.sources, world, &mut diags);
    crate::render::manifests::preload(&compiled.model, &mut compiled.sources, world);
    let crds = crate::render::crd::load::project_crds(&compiled.model, world, &mut diags);
    if diags.has_errors() {
        return (None, diags);
    }
    let (model, sources) = (&compiled.model, &compiled.sources);
    let unit = |resolver: &resolve::EnvResolver<'_>, app: &check::App| {
        renderer::render_unit(model, resolver, app, &templates, &crds, sources, world).map(Arc::new)
    };
    let target = (env.to_string(), preview.map(str::to_string));
    let (out, more) = render_target(
        model,
        sources,
        &compiled.options,
        world,
        &crds,
        &target,
        &unit,
    );
    diags.extend(more);
    (out.map(|(output, _findings)| output), diags)
}

/// The env's folder in the output: the project's `gitops path=` template
/// (`{env}`, `{project}`), or `previews/<name>` for a preview.
pub fn folder_for(model: &Model, env: &str, preview: Option<&str>) -> String {
    if let Some(p) = preview {
        return format!("previews/{p}");
    }
    let template = model
        .project
        .gitops
        .as_ref()
        .map(|g| g.path.as_str())
        .unwrap_or("{env}");
    template
        .replace("{env}", env)
        .replace("{project}", &model.project.name.value)
}

fn select(
    model: &Model,
    sel: &Selection,
    diags: &mut Diagnostics,
) -> Option<Vec<(String, Option<String>)>> {
    let names: Vec<&str> = model.envs.keys().map(String::as_str).collect();
    let unknown = |n: &str, diags: &mut Diagnostics| {
        diags.push(
            Diagnostic::error(codes::UNKNOWN_ENV, format!("no env named `{n}`")).help(
                crate::diag::suggest(n, names.iter().copied(), "the envs are"),
            ),
        );
    };
    let mut out = Vec::new();
    match sel {
        Selection::All => {
            out.extend(
                model
                    .envs
                    .values()
                    .filter(|e| e.preview.is_none())
                    .map(|e| (e.name.value.clone(), None)),
            );
        }
        Selection::Everything => {
            for e in model.envs.values() {
                let preview = e.preview.as_ref().map(|_| "example".to_string());
                out.push((e.name.value.clone(), preview));
            }
        }
        Selection::Named(list) => {
            for n in list {
                match model.envs.get(n) {
                    None => unknown(n, diags),
                    Some(e) if e.preview.is_some() => diags.push(
                        Diagnostic::error(
                            codes::UNKNOWN_ENV,
                            format!("env `{n}` is a preview template"),
                        )
                        .primary(e.name.span, "a preview template")
                        .help(format!(
                            "render it through `kiln preview up NAME --env {n}`"
                        )),
                    ),
                    Some(_) => out.push((n.clone(), None)),
                }
            }
        }
        Selection::Preview { template, name } => match model.envs.get(template) {
            None => unknown(template, diags),
            Some(e) if e.preview.is_none() => diags.push(
                Diagnostic::error(
                    codes::UNKNOWN_ENV,
                    format!("env `{template}` is not a preview template"),
                )
                .primary(e.name.span, "no `preview ttl=` here")
                .help("mark the env as a template with `preview ttl=\"72h\"`"),
            ),
            Some(_) => out.push((template.clone(), Some(name.clone()))),
        },
    }
    if diags.has_errors() { None } else { Some(out) }
}
