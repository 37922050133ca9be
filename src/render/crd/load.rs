//! Reading CRDs: the files and folders a project's `crds` names (through
//! the `World`, inside the project), and CRDs that apps render. Each text
//! is parsed and compiled once per process, keyed by its SHA-256, so the
//! language server compiling on every keystroke reads a CRD once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use super::{CrdKind, Crds};
use crate::check::Model;
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::render::yaml;
use crate::span::{Span, Spanned};
use crate::world::World;

/// What a CRD text compiled to, by the SHA-256 of the text.
type Compiled = Result<Vec<Arc<CrdKind>>, String>;

static CACHE: LazyLock<Mutex<HashMap<[u8; 32], Arc<Compiled>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Past this many texts the cache is emptied (a long LSP session editing
/// CRDs); compiling again is all it costs.
const MAX_CACHED: usize = 1_000;

/// Parses and compiles every document of a CRD file's text, once per
/// process. The error says what is wrong and in which document.
pub fn compile_text(text: &str) -> Arc<Compiled> {
    let key: [u8; 32] = Sha256::digest(text.as_bytes()).into();
    if let Some(hit) = CACHE.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return hit;
    }
    let compiled = Arc::new(compile_documents(text));
    if let Ok(mut c) = CACHE.lock() {
        if c.len() >= MAX_CACHED {
            c.clear();
        }
        c.insert(key, compiled.clone());
    }
    compiled
}

fn compile_documents(text: &str) -> Compiled {
    let docs = yaml::from_yaml_documents(text).map_err(|e| {
        format!(
            "not YAML: {} (line {}, column {})",
            e.message, e.line, e.column
        )
    })?;
    let docs: Vec<&Json> = docs.iter().filter(|d| !d.is_null()).collect();
    if docs.is_empty() {
        return Err("holds no CustomResourceDefinition".to_string());
    }
    let many = docs.len() > 1;
    docs.into_iter()
        .enumerate()
        .map(|(i, d)| {
            CrdKind::from_json(d).map(Arc::new).map_err(|e| {
                if many {
                    format!("document {}: {e}", i + 1)
                } else {
                    e
                }
            })
        })
        .collect()
}

/// The project's CRDs: every file its `crds` nodes name, read through
/// `world`. Problems (a path outside the project or missing, a file that
/// is not a CRD, a schema kiln cannot read) are errors at the path.
pub fn project_crds(model: &Model, world: &dyn World, diags: &mut Diagnostics) -> Crds {
    let mut crds = Crds {
        project: Vec::new(),
        allow_unknown: model.project.allow_unknown_kinds,
    };
    for path in &model.project.crds {
        let files = match files_of(path, &model.root, world) {
            Ok(files) => files,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        if files.is_empty() {
            diags.push(
                Diagnostic::error(codes::CRD, format!("`{}` holds no YAML file", path.value))
                    .primary(path.span, "this folder")
                    .help("`crds` names CustomResourceDefinition files (`*.yaml`), or folders of them"),
            );
        }
        for file in files {
            let shown = crate::syntax::display_name(&model.root, &file);
            let text = match world.read(&file).map(String::from_utf8) {
                Ok(Ok(text)) => text,
                _ => {
                    diags.push(
                        Diagnostic::error(
                            codes::READ,
                            format!("cannot read `{shown}` as UTF-8 text"),
                        )
                        .primary(path.span, "named here"),
                    );
                    continue;
                }
            };
            match &*compile_text(&text) {
                Ok(kinds) => crds.project.extend(kinds.iter().cloned()),
                Err(e) => diags.push(bad_crd(path.span, &shown, e)),
            }
        }
    }
    crds
}

/// The error for a file that is no CRD kiln can use.
fn bad_crd(span: Span, file: &str, problem: &str) -> Diagnostic {
    Diagnostic::error(codes::CRD, format!("`{file}`: {problem}"))
        .primary(span, "CRDs read from here")
        .help("`crds` names files of CustomResourceDefinitions (apiextensions.k8s.io/v1), as their projects publish them, or folders of such files")
}

/// The files one `crds` path names, each canonical and inside the project.
fn files_of(
    path: &Spanned<String>,
    root: &Path,
    world: &dyn World,
) -> Result<Vec<PathBuf>, Diagnostic> {
    let outside = || {
        Diagnostic::error(
            codes::PATH_OUTSIDE,
            format!("`{}` leads outside the project", path.value),
        )
        .primary(path.span, "this path")
        .help("a project reads only files inside its directory (after following symbolic links); copy the CRDs into the project")
    };
    let joined = root.join(&path.value);
    if !crate::resolve::lexically_normal(&joined).starts_with(root) {
        return Err(outside());
    }
    let real = world.canonicalize(&joined).map_err(|e| {
        Diagnostic::error(
            codes::FILE_NOT_FOUND,
            format!("cannot find `{}`", path.value),
        )
        .primary(path.span, "named here")
        .help(format!("`crds` paths are relative to `kiln.kdl` ({e})"))
    })?;
    if !real.starts_with(root) {
        return Err(outside());
    }
    let files = world.yaml_files(&real).map_err(|e| {
        Diagnostic::error(codes::READ, format!("cannot read `{}`: {e}", path.value))
            .primary(path.span, "named here")
    })?;
    // A symbolic link inside a folder may lead out again.
    for f in &files {
        if !world.canonicalize(f).is_ok_and(|r| r.starts_with(root)) {
            return Err(outside());
        }
    }
    Ok(files)
}

/// Compiles the CRDs an env's apps render (objects of kind
/// CustomResourceDefinition), each with the span to blame. A CRD that does
/// not compile is an error there, and is left out.
pub fn rendered_crds(objects: &[(Json, Span)], diags: &mut Diagnostics) -> Vec<Arc<CrdKind>> {
    let mut out = Vec::new();
    for (obj, span) in objects {
        let text = obj.to_string();
        match &*compile_text(&text) {
            Ok(kinds) => out.extend(kinds.iter().cloned()),
            Err(e) => diags.push(
                Diagnostic::error(
                    codes::CRD,
                    format!(
                        "CustomResourceDefinition `{}`: {e}",
                        obj["metadata"]["name"].as_str().unwrap_or("?")
                    ),
                )
                .primary(*span, "rendered here")
                .help("a CRD an app renders is used to check the env's custom resources; fix its schema"),
            ),
        }
    }
    out
}
