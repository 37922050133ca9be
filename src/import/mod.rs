//! `kiln import`: from the Kubernetes YAML a team has to a kiln project
//! that renders the same objects (IMPORT.md).
//!
//! The steps, each in its own file: `read` (YAML → objects per env),
//! `group` (objects → apps), `extract` (an app's objects → its
//! component's parameters, in the language's units), `layers` (one app
//! over several envs → the app block and the envs' overrides), `plan` (the
//! whole project), `write` (the plan as KDL and manifest files), `verify`
//! (render the files in memory with `compile::compile`, make patches from
//! what differs, render again and compare every object field by field,
//! `compare` and `defaults` saying what counts as a difference).
//!
//! Nothing here touches the disk: the command (`cli/import.rs`) reads the
//! inputs and writes the files.

mod compare;
mod crds;
mod defaults;
pub mod extract;
pub mod group;
pub mod kdl;
mod layers;
mod plan;
pub mod read;
mod tags;
mod verify;
mod write;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::IndexMap;
use crate::check::schema::ParamSchema;
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::span::Sources;

pub use crate::world::MemWorld;

/// One input file.
#[derive(Clone, Debug)]
pub struct InputFile {
    /// The name diagnostics and comments show (as the user gave it).
    pub name: String,
    pub path: Option<PathBuf>,
    pub text: String,
}

/// The objects of one env: every file given for it.
#[derive(Clone, Debug)]
pub struct EnvInput {
    pub env: String,
    pub files: Vec<InputFile>,
}

/// What `kiln import` made.
#[derive(Debug, Default)]
pub struct Imported {
    /// Every file of the project, by path relative to its folder (empty
    /// when the input could not be read).
    pub files: Vec<(String, Vec<u8>)>,
    pub diags: Diagnostics,
    pub sources: Sources,
    pub stats: Stats,
}

/// Figures about an import, for its summary line and the README.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    pub envs: usize,
    pub apps: usize,
    /// Input objects (Secrets left out not counted).
    pub objects: usize,
    /// Of those, the ones kept as manifest files.
    pub manifests: usize,
    /// Bytes of YAML of the objects the KDL makes (not kept as manifests).
    pub yaml_bytes: usize,
    /// Bytes of the `.kdl` files written.
    pub kdl_bytes: usize,
    /// Patch operations written.
    pub patch_ops: usize,
}

/// Where the project lives while it is rendered in memory.
const ROOT: &str = "/kiln-import";

/// Imports the envs' objects into a project named `project`.
pub fn import(inputs: &[EnvInput], project: &str) -> Imported {
    let mut out = Imported::default();
    let envs = read::read(inputs, &mut out.sources, &mut out.diags);
    if out.diags.has_errors() {
        return out;
    }
    let from = inputs
        .iter()
        .map(|i| {
            let names: Vec<&str> = i.files.iter().map(|f| f.name.as_str()).collect();
            format!(
                "{}={}",
                i.env,
                if names.len() > 3 {
                    format!("{} files", names.len())
                } else {
                    names.join(",")
                }
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    let mut plan = plan::plan(project, &envs, &out.sources, &mut out.diags);
    plan.crds = crds::knowledge(&envs, &mut out.diags);
    tags::image_tags(&mut plan);
    let first = verify::render(&write::world(&plan, ROOT, &from));
    if first.diags.has_errors() {
        internal(&first, &mut out.diags);
        return out;
    }
    verify::patches(&mut plan, &envs, &first);
    let world = write::world(&plan, ROOT, &from);
    let second = verify::render(&world);
    if second.diags.has_errors() {
        internal(&second, &mut out.diags);
    } else {
        verify::verify(&plan, &envs, &second, &out.sources, &mut out.diags);
    }
    out.stats = stats(&plan, &envs, &world);
    out.files = world.files().map(|(n, b)| (n, b.to_vec())).collect();
    out
}

/// The imported project does not compile: kiln's own failure, reported
/// with what the compiler said.
fn internal(compiled: &crate::compile::Compiled, diags: &mut Diagnostics) {
    for d in compiled.diags.0.iter().filter(|d| d.is_error()).take(20) {
        let at = d
            .primary_span()
            .map(|s| {
                let f = compiled.sources.get(s.file);
                let (line, _) = f.line_col(s.start as usize);
                format!(" at {}:{line}", f.name)
            })
            .unwrap_or_default();
        diags.push(
            Diagnostic::error(
                codes::INTERNAL,
                format!("the imported project does not compile{at}: {}", d.message),
            )
            .help("this is a bug in `kiln import`: please report it with the input"),
        );
    }
}

fn stats(plan: &plan::Plan, envs: &[read::EnvObjects], world: &MemWorld) -> Stats {
    let mut s = Stats {
        envs: envs.len(),
        apps: plan.apps.len(),
        objects: envs.iter().map(|e| e.objects.len()).sum(),
        patch_ops: verify::count_ops(plan),
        ..Stats::default()
    };
    for app in &plan.apps {
        for (e, members) in &app.members {
            let kept = app.kept.get(e);
            for i in members {
                if kept.is_some_and(|k| k.contains(i)) {
                    s.manifests += 1;
                } else {
                    s.yaml_bytes += envs[*e].objects[*i].bytes;
                }
            }
        }
    }
    for (e, env) in plan.envs.iter().enumerate() {
        for &i in &env.namespace_objects {
            s.yaml_bytes += envs[e].objects[i].bytes;
        }
    }
    s.kdl_bytes = world
        .files()
        .filter(|(n, _)| n.ends_with(".kdl"))
        .map(|(_, b)| b.len())
        .sum();
    s
}

/// The parameter schemas of a standard component, from the embedded
/// standard library, parsed once per process.
pub fn stdlib_schema(component: &str) -> Arc<IndexMap<String, ParamSchema>> {
    static SCHEMAS: OnceLock<HashMap<String, Arc<IndexMap<String, ParamSchema>>>> = OnceLock::new();
    let all = SCHEMAS.get_or_init(|| {
        let mut w = MemWorld::new(ROOT);
        w.insert("kiln.kdl", b"project \"schemas\"\n".to_vec());
        let req = crate::compile::Request {
            selection: crate::compile::Selection::Named(Vec::new()),
            ..Default::default()
        };
        let compiled = crate::compile::compile(&w, w.root(), &req, None);
        compiled
            .model
            .components
            .iter()
            .map(|(n, c)| (n.clone(), c.params.clone()))
            .collect()
    });
    all.get(component).cloned().unwrap_or_default()
}
