//! Incremental compiles: `kiln check`'s diagnostics after an edit, with
//! only the work the edit can change done again.
//!
//! An [`Engine`] runs the same stages as [`compile::compile`] (the same
//! functions, in the same order, so the diagnostics are the same) and
//! keeps between runs:
//!
//! - every file's parse ([`ParseCache`]): a file is parsed again only
//!   when its text changed;
//! - every app's render in every env ([`RenderedApp`], without its
//!   files), with a fingerprint of its inputs: the KDL files that define
//!   the app, the env and the env's flavors ([`unit_files`]), what every
//!   unit shares (the project, the components, the templates and every
//!   other file the compile read, and which files exist), and the files
//!   the unit itself read (manifests, `file` values), as their contents.
//!   A unit whose fingerprint and files are unchanged is reused;
//! - every env's env-wide result (duplicate objects, Secrets, the order,
//!   Namespace objects, lint's findings), with the units it was made
//!   from and a fingerprint of the env's own definitions ([`KeptEnv`]):
//!   when every unit of the env is the one kept (compared by identity)
//!   and the env's definitions are unchanged, the result is taken whole;
//! - the lint diagnostics of all envs ([`KeptLint`]), taken whole when
//!   every env's result was.
//!
//! The check stage runs whole on every compile, because names resolve
//! across files. An edit to one app's file renders that app again in
//! each env and runs those envs' env-wide stage over the kept units of
//! the others; an edit to an env renders the env's apps; an edit to the
//! project, a component or a template renders everything. An edit undone
//! after a break the check stage caught finds every unit and env as it
//! was kept (a break that reached rendering replaced its units).
//!
//! A compile asks `superseded` between units of work and stops when it
//! says so; the units it finished are kept.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use super::{drop_aside, lock, publish};
use crate::check::{App, Model};
use crate::compile::{self, AppFindings, Compiled, EnvResult, Selection, Target};
use crate::diag::Diagnostic;
use crate::lint;
use crate::output::EnvOutput;
use crate::render::renderer::{self, RenderedApp};
use crate::resolve::{EnvResolver, Options, ordering};
use crate::span::{FileId, Sources};
use crate::syntax::{self, ParseCache};
use crate::world::World;

/// The incremental compiler of one project.
pub struct Engine {
    root: PathBuf,
    parses: ParseCache,
    /// Each app's last render in each env.
    units: HashMap<(Target, String), Kept>,
    /// Each env's last env-wide result, with what it was made from.
    envs: HashMap<Target, KeptEnv>,
    /// The last compile's lint diagnostics.
    lint: Option<KeptLint>,
    /// How many units the last compile rendered (the others it reused).
    pub rendered: usize,
    /// How many envs' results the last compile took whole from the one
    /// before (every unit and the env's definition unchanged).
    pub kept_envs: usize,
    /// How many envs' env-wide lint findings the last compile made for
    /// the apps rendered again only ([`kept_wide`]).
    pub kept_wide: usize,
    /// How many envs' env-wide stages the last compile ran: none once it
    /// is superseded, since its result is thrown away.
    pub env_stages: usize,
}

/// A unit of an earlier compile and what it was made from.
#[derive(Clone)]
struct Kept {
    /// The fingerprint of its inputs (see the module doc).
    key: u64,
    /// The questions it asked of the file system, with their answers.
    probes: Vec<Probe>,
    unit: Option<Arc<RenderedApp>>,
}

/// An env's result from an earlier compile and what it was made from:
/// the fingerprint of the env's own definitions and its units (those the
/// engine kept, compared by identity).
struct KeptEnv {
    key: u64,
    units: Vec<Arc<RenderedApp>>,
    result: Arc<EnvResult>,
}

impl Engine {
    /// An engine for the project at `root` (canonical), with nothing kept.
    pub fn new(root: PathBuf) -> Engine {
        Engine {
            root,
            parses: ParseCache::default(),
            units: HashMap::new(),
            envs: HashMap::new(),
            lint: None,
            rendered: 0,
            kept_envs: 0,
            kept_wide: 0,
            env_stages: 0,
        }
    }

    /// Compiles the project as `kiln check` does, reusing what the files
    /// `world` serves leave unchanged. `None` when `superseded` said so
    /// before the end (what was finished is kept for the next compile).
    ///
    /// The result holds no rendered files: the language server only
    /// publishes diagnostics and answers from the model.
    pub fn compile(
        &mut self,
        world: &dyn World,
        superseded: &(dyn Fn() -> bool + Sync),
    ) -> Option<Compiled> {
        let staged = self.compile_staged(world, superseded)?;
        self.finish(staged, superseded)
    }

    /// [`Engine::compile`] but for the lint diagnostics, which are made
    /// from every env's findings (tens of thousands in a fleet) and are
    /// added by [`Engine::finish`]: the language server publishes the
    /// edited files' lists ([`Staged::diagnostics_in`]) first.
    pub fn compile_staged(
        &mut self,
        world: &dyn World,
        superseded: &(dyn Fn() -> bool + Sync),
    ) -> Option<Staged> {
        self.rendered = 0;
        self.kept_envs = 0;
        self.kept_wide = 0;
        self.env_stages = 0;
        let mut out = Compiled::default();
        let loaded = syntax::load_cached(
            world,
            &self.root,
            &[],
            &mut out.sources,
            &mut out.diags,
            &mut self.parses,
        );
        let recorder = Recorder { inner: world };
        // What the stages before rendering read outside the sources (the
        // project's CRDs) is an input of every unit.
        let (prepared, read_before) =
            recording(|| compile::prepare(&mut out, loaded, &recorder, &Selection::Everything));
        let Some(prepared) = prepared else {
            // Errors before rendering: `out` holds them all.
            return Some(Staged { out, results: None });
        };
        if superseded() {
            return None;
        }
        let inputs = Inputs::new(&out.sources, &out.model, &read_before);
        let answers = Answers::default();
        let fresh: Mutex<Vec<((Target, String), Kept)>> = Mutex::default();
        let reused: Mutex<HashSet<(Target, String)>> = Mutex::default();
        let opts = Options::default();
        let (model, sources) = (&out.model, &out.sources);
        let (templates, crds) = (&prepared.templates, &prepared.crds);
        let kept = &self.units;
        let kept_envs = &self.envs;
        let made: Mutex<Vec<(Target, KeptEnv)>> = Mutex::default();
        let kept_whole = AtomicUsize::new(0);
        let kept_wide_count = AtomicUsize::new(0);
        let env_stages = AtomicUsize::new(0);
        let results: Vec<Arc<EnvResult>> = prepared
            .targets
            .par_iter()
            .map(|target| {
                let unit = |resolver: &EnvResolver<'_>, app: &App| -> Option<Arc<RenderedApp>> {
                    if superseded() {
                        // Abandoned: this compile's result is thrown away.
                        return None;
                    }
                    let id = (target.clone(), app.name.value.clone());
                    let key = inputs.unit_key(model, target, app);
                    if let Some(k) = kept.get(&id)
                        && k.key == key
                        && k.probes.iter().all(|p| answers.same(world, p))
                    {
                        lock(&reused).insert(id);
                        return k.unit.clone();
                    }
                    let (unit, probes) = recording(|| {
                        renderer::render_unit(
                            model, resolver, app, templates, crds, sources, &recorder,
                        )
                    });
                    let unit = unit.map(|u| Arc::new(u.without_files()));
                    lock(&fresh).push((
                        id,
                        Kept {
                            key,
                            probes,
                            unit: unit.clone(),
                        },
                    ));
                    unit
                };
                let env_key = inputs.env_key(model, target);
                let units_of_env: Mutex<Vec<Arc<RenderedApp>>> = Mutex::default();
                let reuse = |units: &[Arc<RenderedApp>]| -> Option<Arc<EnvResult>> {
                    *lock(&units_of_env) = units.to_vec();
                    if superseded() {
                        // Abandoned: no env-wide stage over units that are
                        // missing, for a result that is thrown away.
                        return Some(Arc::new((None, crate::diag::Diagnostics::default())));
                    }
                    let same = kept_envs.get(target).filter(|k| {
                        k.key == env_key
                            && k.units.len() == units.len()
                            && k.units.iter().zip(units).all(|(a, b)| Arc::ptr_eq(a, b))
                    });
                    match same {
                        Some(_) => kept_whole.fetch_add(1, Ordering::Relaxed),
                        None => env_stages.fetch_add(1, Ordering::Relaxed),
                    };
                    same.map(|k| k.result.clone())
                };
                let wide = |units: &[Arc<RenderedApp>]| {
                    let k = kept_envs.get(target).filter(|k| k.key == env_key)?;
                    let kept = kept_wide(k, units)?;
                    kept_wide_count.fetch_add(1, Ordering::Relaxed);
                    Some(kept)
                };
                let reuse = compile::Reuse {
                    unit: &unit,
                    env: &reuse,
                    wide: &wide,
                };
                let result = compile::render_target_reusing(
                    model, sources, &opts, &recorder, crds, target, &reuse,
                );
                let units = units_of_env.into_inner().unwrap_or_else(|e| e.into_inner());
                lock(&made).push((
                    target.clone(),
                    KeptEnv {
                        key: env_key,
                        units,
                        result: result.clone(),
                    },
                ));
                result
            })
            .collect();
        let fresh = fresh.into_inner().unwrap_or_else(|e| e.into_inner());
        let reused = reused.into_inner().unwrap_or_else(|e| e.into_inner());
        self.rendered = fresh.len();
        self.kept_envs = kept_whole.into_inner();
        self.kept_wide = kept_wide_count.into_inner();
        self.env_stages = env_stages.into_inner();
        let done = !superseded();
        if done {
            // Units of apps and envs that are gone, or that no env renders.
            let gone: Vec<Kept> = self
                .units
                .extract_if(|id, _| !reused.contains(id))
                .map(|(_, k)| k)
                .collect();
            let envs = made.into_inner().unwrap_or_else(|e| e.into_inner());
            let old_envs = std::mem::replace(&mut self.envs, envs.into_iter().collect());
            drop_aside((gone, old_envs));
        }
        let replaced: Vec<Kept> = fresh
            .into_iter()
            .filter_map(|(id, k)| self.units.insert(id, k))
            .collect();
        drop_aside(replaced);
        if !done {
            return None;
        }
        gather(&mut out, &results);
        Some(Staged {
            out,
            results: Some(results),
        })
    }

    /// The compile `staged` is the start of, with its lint diagnostics;
    /// `None` when `superseded` says so before they are made (the next
    /// compile makes its own).
    pub fn finish(
        &mut self,
        staged: Staged,
        superseded: &(dyn Fn() -> bool + Sync),
    ) -> Option<Compiled> {
        let Staged { mut out, results } = staged;
        if let Some(results) = results {
            let lint = KeptLint::of(&mut self.lint, &results, superseded);
            // Dropped aside: the next edit may be waiting.
            let Some(lint) = lint else {
                drop_aside(out);
                return None;
            };
            out.diags.0.extend(lint);
            out.diags.sort_dedup();
        }
        Some(out)
    }
}

/// The env-wide lint findings of `kept` that stand beside `units`, the
/// units lint inspects now (see [`compile::KeptWideFn`]): those of each
/// unit that is the one kept, unless a unit rendered again changed what
/// the rules judge it beside ([`lint::same_for_others`],
/// [`lint::may_judge_otherwise`]); the findings of the units rendered
/// again, and of those, are made again. `None` when an app came or went.
/// `kept` must be of the env's definition as it is now (its key).
fn kept_wide(kept: &KeptEnv, units: &[Arc<RenderedApp>]) -> Option<Vec<Option<AppFindings>>> {
    let (_, findings) = kept.result.0.as_ref()?;
    if findings.units.len() != units.len() {
        return None;
    }
    let mut kept: Vec<Option<AppFindings>> = Vec::with_capacity(units.len());
    // The units rendered again whose facts others are judged beside.
    let mut moved: Vec<(&lint::Inspected, &lint::Inspected)> = Vec::new();
    for ((old, wide), new) in findings.units.iter().zip(&findings.wide).zip(units) {
        if Arc::ptr_eq(old, new) {
            kept.push(Some(wide.clone()));
            continue;
        }
        let (old, new) = (old.lint.as_ref()?, new.lint.as_ref()?);
        if old.app != new.app {
            return None;
        }
        if !lint::same_for_others(old, new) {
            moved.push((old, new));
        }
        kept.push(None);
    }
    // The apps those may be judged differently beside are judged again.
    for (k, unit) in kept.iter_mut().zip(units) {
        let Some(other) = unit.lint.as_ref() else {
            continue;
        };
        if k.is_some()
            && moved
                .iter()
                .any(|(old, new)| lint::may_judge_otherwise(old, new, other))
        {
            *k = None;
        }
    }
    Some(kept)
}

/// A compile without its lint diagnostics yet ([`Engine::compile_staged`]).
pub struct Staged {
    out: Compiled,
    /// Every env's result, when the compile rendered.
    results: Option<Vec<Arc<EnvResult>>>,
}

impl Staged {
    /// The diagnostics the finished compile shows in `files` (as
    /// [`publish::shown_in`] places them), in its order: lint's are made
    /// from the findings shown there only. Equal diagnostics share their
    /// primary span, so they are grouped the same; and sorting stably
    /// what one file shows keeps their order in the list of all.
    pub fn diagnostics_in(&self, files: &[PathBuf], root: &Path) -> Vec<Diagnostic> {
        // Where each source's diagnostics are shown, asked once per source
        // rather than once per finding (a fleet has tens of thousands).
        let kiln_kdl = root.join("kiln.kdl");
        let listed = |path: &Path| files.iter().any(|f| f == path);
        let in_files: HashSet<FileId> = self
            .out
            .sources
            .iter()
            .map(|(id, _)| id)
            .filter(|&id| listed(publish::source_shown_in(&self.out, id, &kiln_kdl)))
            .collect();
        // As `publish::shown_in`: one about no file is shown in `kiln.kdl`.
        let about_no_file = listed(&kiln_kdl);
        let shown = |d: &Diagnostic| {
            d.primary_span()
                .map_or(about_no_file, |span| in_files.contains(&span.file))
        };
        let mut diags = crate::diag::Diagnostics(
            self.out
                .diags
                .0
                .iter()
                .filter(|d| shown(d))
                .cloned()
                .collect(),
        );
        if let Some(results) = &self.results {
            // Only the lists of findings reported in one of the files.
            let mask = in_files
                .iter()
                .fold(lint::FileMask::default(), |m, id| m.with(Some(*id)));
            let lists = results
                .iter()
                .filter_map(|r| r.0.as_ref())
                .flat_map(|(_, f)| {
                    let own = f.units.iter().map(|u| (u.findings_at, &u.findings[..]));
                    own.chain(f.wide.iter().map(|(at, w)| (*at, &w[..])))
                });
            let findings = lists
                .filter(|(at, _)| at.meets(mask))
                .flat_map(|(_, list)| list)
                .filter(|f| shown(&f.diagnostic));
            diags.0.extend(lint::diagnostics(findings));
        }
        diags.sort_dedup();
        diags.0
    }

    /// The compile so far, for the lists of the edited files.
    pub fn compiled(&self) -> &Compiled {
        &self.out
    }
}

/// The reported lint findings of every env as diagnostics, and the envs'
/// results they were made from.
struct KeptLint {
    results: Vec<Arc<EnvResult>>,
    diags: Vec<Diagnostic>,
}

impl KeptLint {
    /// The lint diagnostics of `results` ([`lint::diagnostics`]): those
    /// kept, when the results are the ones they were made from.
    fn of(
        kept: &mut Option<KeptLint>,
        results: &[Arc<EnvResult>],
        superseded: &(dyn Fn() -> bool + Sync),
    ) -> Option<Vec<Diagnostic>> {
        if let Some(k) = kept
            && k.results.len() == results.len()
            && k.results
                .iter()
                .zip(results)
                .all(|(a, b)| Arc::ptr_eq(a, b))
        {
            return Some(k.diags.clone());
        }
        let findings = results
            .iter()
            .filter_map(|r| r.0.as_ref())
            .flat_map(|(_, findings)| findings.iter());
        let diags = lint::diagnostics_unless(findings, superseded)?;
        let old = kept.replace(KeptLint {
            results: results.to_vec(),
            diags: diags.clone(),
        });
        drop_aside(old);
        Some(diags)
    }
}

/// Gathers the envs' results into `out` as [`compile::finish`] does, for
/// the language server: every diagnostic but lint's ([`Engine::finish`]),
/// and of each env's output what hover reads (its name and the Secrets
/// its apps reference; files, Flux objects and Namespace objects are left
/// out). `out.findings` stays empty: only `kiln explain` reads the allowed
/// findings.
fn gather(out: &mut Compiled, results: &[Arc<EnvResult>]) {
    for (env, diags) in results.iter().map(|r| &**r) {
        out.diags.0.extend(diags.0.iter().cloned());
        if let Some((e, _)) = env {
            out.envs.push(EnvOutput {
                env: e.env.clone(),
                folder: e.folder.clone(),
                namespace: e.namespace.clone(),
                secret_refs: e.secret_refs.clone(),
                namespace_objects: Default::default(),
                apps: Default::default(),
                flux: Default::default(),
            });
        }
    }
}

/// The KDL files whose definitions the render of `app` in `env` reads:
/// the app's, the env's (its settings and its `app` block), its
/// flavors', and those of the apps it declares it depends on there (whose
/// name, component, envs and namespace `app.depends_on` gives its
/// templates). The project and the components are read by every unit and
/// are part of [`Inputs::shared`].
///
/// A stage that makes a unit read another definition (another app's, say)
/// must add its file here, or an edit to it would leave the unit stale.
fn unit_files(model: &Model, env: &str, app: &App) -> Vec<FileId> {
    let mut files = env_files(model, env);
    files.push(app.file);
    if let Some(e) = model.envs.get(env) {
        files.extend(
            ordering::declared(app, e)
                .iter()
                .filter_map(|d| model.apps.get(&d.app))
                .map(|dep| dep.file),
        );
    }
    files.sort_unstable();
    files.dedup();
    files
}

/// The files that define `env`: its own and its flavors'.
fn env_files(model: &Model, env: &str) -> Vec<FileId> {
    let Some(e) = model.envs.get(env) else {
        return Vec::new();
    };
    let flavors = e.flavors.iter().filter_map(|f| model.flavors.get(&f.value));
    std::iter::once(e.span.file)
        .chain(flavors.map(|f| f.span.file))
        .collect()
}

/// The fingerprints of one compile's inputs.
struct Inputs {
    /// What every unit reads: which files there are (their names, in id
    /// order, so the same ids), the project's and the components' files,
    /// the standard library, templates and every other file the compile
    /// read before rendering, into its sources or not.
    shared: u64,
    /// Each project KDL file's text, by id.
    files: HashMap<FileId, u64>,
}

impl Inputs {
    fn new(sources: &Sources, model: &Model, read_before: &[Probe]) -> Inputs {
        let mut global: HashSet<FileId> = model
            .components
            .values()
            .filter(|c| !c.stdlib)
            .map(|c| c.name.span.file)
            .collect();
        global.insert(model.project.name.span.file);
        let mut shared = hasher();
        read_before.hash(&mut shared);
        let mut files = HashMap::new();
        for (id, f) in sources.iter() {
            f.name.hash(&mut shared);
            f.path.hash(&mut shared);
            let project_kdl = f.path.is_some() && f.name.ends_with(".kdl");
            if project_kdl && !global.contains(&id) {
                files.insert(id, fingerprint(f.text.as_bytes()));
            } else {
                f.text.hash(&mut shared);
            }
        }
        Inputs {
            shared: shared.finish(),
            files,
        }
    }

    /// The fingerprint of what the env-wide stage of `target` reads
    /// besides its units: the env's definition and its flavors' (the
    /// rest is in every unit's fingerprint).
    fn env_key(&self, model: &Model, target: &Target) -> u64 {
        let mut h = hasher();
        self.shared.hash(&mut h);
        target.hash(&mut h);
        let mut files = env_files(model, &target.0);
        files.sort_unstable();
        files.dedup();
        for id in files {
            id.hash(&mut h);
            self.files.get(&id).hash(&mut h);
        }
        h.finish()
    }

    /// The fingerprint of the inputs of `app`'s render in `target`.
    fn unit_key(&self, model: &Model, target: &Target, app: &App) -> u64 {
        let mut h = hasher();
        self.shared.hash(&mut h);
        for id in unit_files(model, &target.0, app) {
            id.hash(&mut h);
            self.files.get(&id).hash(&mut h);
        }
        h.finish()
    }
}

fn hasher() -> impl Hasher {
    foldhash::quality::FixedState::with_seed(0x6b69_6c6e).build_hasher()
}

fn fingerprint(bytes: &[u8]) -> u64 {
    let mut h = hasher();
    bytes.hash(&mut h);
    h.finish()
}

/// A question a unit asked of the file system, and the answer it got.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Probe {
    /// `read`: the bytes' fingerprint, or the error.
    Read(PathBuf, Result<u64, String>),
    Canonicalize(PathBuf, Result<PathBuf, String>),
    KdlFiles(PathBuf, Vec<PathBuf>, Result<Vec<PathBuf>, String>),
    YamlFiles(PathBuf, Result<Vec<PathBuf>, String>),
}

impl Probe {
    /// The same question, asked again.
    fn ask(&self, world: &dyn World) -> Probe {
        match self {
            Probe::Read(p, _) => Probe::Read(p.clone(), read_answer(&world.read(p))),
            Probe::Canonicalize(p, _) => {
                Probe::Canonicalize(p.clone(), answer(&world.canonicalize(p)))
            }
            Probe::KdlFiles(p, skip, _) => {
                Probe::KdlFiles(p.clone(), skip.clone(), answer(&world.kdl_files(p, skip)))
            }
            Probe::YamlFiles(p, _) => Probe::YamlFiles(p.clone(), answer(&world.yaml_files(p))),
        }
    }
}

fn answer<T: Clone>(r: &io::Result<T>) -> Result<T, String> {
    match r {
        Ok(t) => Ok(t.clone()),
        Err(e) => Err(e.to_string()),
    }
}

fn read_answer(r: &io::Result<Vec<u8>>) -> Result<u64, String> {
    r.as_ref()
        .map(|b| fingerprint(b))
        .map_err(|e| e.to_string())
}

/// The answers of this compile's file system, each asked once.
#[derive(Default)]
struct Answers(Mutex<HashMap<Probe, bool>>);

impl Answers {
    /// True when `world` answers `probe`'s question as it did then.
    fn same(&self, world: &dyn World, probe: &Probe) -> bool {
        if let Some(same) = lock(&self.0).get(probe) {
            return *same;
        }
        let same = probe.ask(world) == *probe;
        lock(&self.0).insert(probe.clone(), same);
        same
    }
}

thread_local! {
    /// The probes of the unit being rendered on this thread.
    static PROBES: RefCell<Option<Vec<Probe>>> = const { RefCell::new(None) };
}

/// Runs `f`, returning what it returns and the probes it made through a
/// [`Recorder`] on this thread.
fn recording<T>(f: impl FnOnce() -> T) -> (T, Vec<Probe>) {
    let outer = PROBES.with(|p| p.borrow_mut().replace(Vec::new()));
    let out = f();
    let probes = PROBES.with(|p| std::mem::replace(&mut *p.borrow_mut(), outer));
    (out, probes.unwrap_or_default())
}

/// A [`World`] that notes every question asked of it while a unit is
/// being rendered on the thread that asks ([`recording`]).
struct Recorder<'a> {
    inner: &'a dyn World,
}

impl Recorder<'_> {
    fn note(&self, probe: Probe) {
        PROBES.with(|p| {
            if let Some(list) = p.borrow_mut().as_mut() {
                list.push(probe);
            }
        });
    }
}

impl World for Recorder<'_> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let r = self.inner.read(path);
        self.note(Probe::Read(path.to_path_buf(), read_answer(&r)));
        r
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        let r = self.inner.canonicalize(path);
        self.note(Probe::Canonicalize(path.to_path_buf(), answer(&r)));
        r
    }

    fn kdl_files(&self, root: &Path, skip: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
        let r = self.inner.kdl_files(root, skip);
        self.note(Probe::KdlFiles(
            root.to_path_buf(),
            skip.to_vec(),
            answer(&r),
        ));
        r
    }

    fn yaml_files(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let r = self.inner.yaml_files(path);
        self.note(Probe::YamlFiles(path.to_path_buf(), answer(&r)));
        r
    }
}

#[cfg(test)]
mod tests;
