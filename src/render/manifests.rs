//! The `manifest` files apps name, read once per compile (not once per
//! env) and kept as sources, so that a diagnostic about an object a
//! manifest made (a lint finding, an invalid field) points at the line of
//! the manifest that holds it.

use std::collections::HashMap;

use crate::check::Model;
use crate::diag::Diagnostic;
use crate::resolve::read_project_file;
use crate::span::{FileId, Sources, Spanned};
use crate::world::World;

/// Every manifest of the project, by the file that names it and the path
/// as written: the source file holding its text, or why it cannot be read
/// (reported when an env renders the app, as before).
#[derive(Default)]
pub struct Manifests {
    files: HashMap<(FileId, String), Result<FileId, Diagnostic>>,
}

impl Manifests {
    /// Reads the manifests of every app and env app block into `sources`.
    pub fn load(model: &Model, sources: &mut Sources, world: &dyn World) -> Manifests {
        let named = model
            .apps
            .values()
            .map(|a| &a.extras)
            .chain(
                model
                    .envs
                    .values()
                    .flat_map(|e| e.apps.values().map(|a| &a.extras)),
            )
            .flat_map(|x| x.manifests.iter());
        let mut out = Manifests::default();
        for m in named {
            let key = (m.span.file, m.value.clone());
            if out.files.contains_key(&key) {
                continue;
            }
            let read =
                read_project_file(&m.value, m.span, sources, world, &model.root).map(|text| {
                    let path = sources
                        .get(m.span.file)
                        .path
                        .as_ref()
                        .and_then(|p| p.parent())
                        .map(|d| d.join(&m.value))
                        .unwrap_or_else(|| model.root.join(&m.value));
                    let path = world.canonicalize(&path).unwrap_or(path);
                    let name = crate::syntax::display_name(&model.root, &path);
                    match sources.find(&name) {
                        Some(id) => id,
                        None => sources.add(name, Some(path), text),
                    }
                });
            out.files.insert(key, read);
        }
        out
    }

    /// The source file of the manifest `m` names, or why there is none.
    pub fn get(&self, m: &Spanned<String>) -> Result<FileId, Diagnostic> {
        match self.files.get(&(m.span.file, m.value.clone())) {
            Some(r) => r.clone(),
            None => Err(crate::diag::Diagnostic::error(
                crate::diag::codes::INTERNAL,
                format!("manifest `{}` was not loaded", m.value),
            )
            .primary(m.span, "named here")),
        }
    }
}
