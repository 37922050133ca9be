//! The files documents read, loaded once after checking and before any env
//! resolves: `NAME from=FILE` files, component defaults, and the
//! directories a document's `check` names (a vendored chart: `Chart.yaml`,
//! `values.yaml`, `values.schema.json`).
//!
//! They become source files, so a diagnostic can point at a line of a
//! values file or of a chart's `values.yaml`; resolution (in parallel,
//! with the sources shared read-only) only looks them up. A chart's files
//! are parsed, and its JSON schema compiled, once per process.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value as Json;

use super::yaml_tree::{self, Node, Tree};
use crate::IndexMap;
use crate::check::document::DocumentCheck;
use crate::check::schema::ParamSchema;
use crate::check::value::Value;
use crate::check::{Model, ParamUse};
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::span::{FileId, Sources, Span, Spanned};
use crate::world::World;

/// What documents read, by the place that names it.
#[derive(Debug, Default)]
pub struct DocumentFiles {
    /// Values files and defaults by (the file naming them, the path as
    /// written): the source holding the text, `None` when it could not be
    /// read (already reported).
    files: HashMap<(FileId, String), Option<FileId>>,
    /// Checked directories by (the file naming them, the path as written).
    dirs: HashMap<(FileId, String), Option<Arc<Reference>>>,
}

/// A directory that describes a document: its keys file and JSON schema.
#[derive(Debug)]
pub struct Reference {
    /// The directory, relative to the project.
    pub name: String,
    /// The keys file (a chart's `values.yaml`): its paths are the known ones.
    pub keys: Option<KeysFile>,
    pub schema: Option<SchemaFile>,
}

/// A parsed keys file.
#[derive(Debug)]
pub struct KeysFile {
    /// Relative to the project.
    pub name: String,
    pub tree: Node,
    /// Every path of the file, dotted, for "did you mean" across levels.
    pub paths: Vec<String>,
}

/// A compiled JSON schema, with its text for locating its keywords.
#[derive(Debug)]
pub struct SchemaFile {
    pub name: String,
    pub raw: Json,
    /// The schema as a spanned tree (JSON is YAML), when it reads as one.
    pub tree: Option<Node>,
    pub validator: jsonschema::Validator,
}

impl DocumentFiles {
    /// The source of a file named at `span` with `rel`, if it was read.
    pub fn file(&self, span: Span, rel: &str) -> Option<FileId> {
        self.files
            .get(&(span.file, rel.to_string()))
            .copied()
            .flatten()
    }

    /// The directory named at `span` with `rel`, if it was read whole.
    pub fn reference(&self, span: Span, rel: &str) -> Option<&Arc<Reference>> {
        self.dirs.get(&(span.file, rel.to_string()))?.as_ref()
    }
}

/// Loads every file the model's documents name, reporting what cannot be
/// read at the place that names it.
pub fn load(
    model: &Model,
    sources: &mut Sources,
    world: &dyn World,
    diags: &mut Diagnostics,
) -> DocumentFiles {
    let mut loader = Loader {
        root: &model.root,
        sources,
        world,
        diags,
        out: DocumentFiles::default(),
        by_dir: HashMap::new(),
    };
    for c in model.components.values().filter(|c| !c.is_abstract) {
        for doc in c.params.values().filter_map(|p| p.document.as_ref()) {
            if let Some(d) = &doc.default {
                loader.file(d, true);
            }
        }
    }
    let schema_of = |component: &str| model.components.get(component).map(|c| c.params.clone());
    for app in model.apps.values() {
        let Some(schema) = schema_of(&app.component.value) else {
            continue;
        };
        loader.uses(&app.params, &schema);
        for env in model.envs.values() {
            if let Some(ea) = env.apps.get(&app.name.value) {
                loader.uses(&ea.params, &schema);
            }
        }
    }
    // A flavor's value applies to every component declaring the parameter.
    for flavor in model.flavors.values() {
        for c in model.components.values().filter(|c| !c.is_abstract) {
            let mine: Vec<ParamUse> = flavor
                .params
                .iter()
                .filter(|u| c.params.contains_key(&u.name.value))
                .cloned()
                .collect();
            loader.uses(&mine, &c.params);
        }
    }
    loader.out
}

struct Loader<'a> {
    root: &'a Path,
    sources: &'a mut Sources,
    world: &'a dyn World,
    diags: &'a mut Diagnostics,
    out: DocumentFiles,
    /// Directories already read, by canonical path.
    by_dir: HashMap<PathBuf, Option<Arc<Reference>>>,
}

impl Loader<'_> {
    fn uses(&mut self, uses: &[ParamUse], schema: &IndexMap<String, ParamSchema>) {
        let checks: Vec<&DocumentCheck> = schema
            .values()
            .filter_map(|p| p.document.as_ref())
            .filter_map(|d| d.check.as_ref())
            .collect();
        for u in uses {
            let Some(ps) = schema.get(&u.name.value) else {
                continue;
            };
            if ps.document.as_ref().is_some_and(|d| d.name == ps.name)
                && let Some(from) = string_prop(u, "from")
            {
                self.file(&from, false);
            }
            for check in checks.iter().filter(|c| c.param == u.name.value) {
                if let Some(dir) = string_prop(u, &check.prop) {
                    self.dir(&dir, check);
                }
            }
        }
    }

    /// Refuses a path that holds a template: files are read before any env
    /// resolves, so a path cannot depend on one.
    fn plain(&mut self, path: &Spanned<String>) -> bool {
        if super::strings::is_template(&path.value) {
            self.diags.push(
                Diagnostic::error(codes::TEMPLATE, "this path cannot hold a template")
                    .primary(path.span, "a template in a file's path")
                    .help(
                        "name the file itself; a file for one env goes in that env's `app` block",
                    ),
            );
            return false;
        }
        true
    }

    /// A values file (or, `stdlib`, a component's defaults).
    fn file(&mut self, rel: &Spanned<String>, defaults: bool) {
        let key = (rel.span.file, rel.value.clone());
        if self.out.files.contains_key(&key) || !self.plain(rel) {
            return;
        }
        let from_stdlib = defaults && self.sources.get(rel.span.file).path.is_none();
        let loaded = if from_stdlib {
            let name = format!("<stdlib>/{}", rel.value);
            match crate::syntax::stdlib_files()
                .iter()
                .find(|(n, _)| *n == rel.value)
            {
                Some((_, text)) => Ok((name, None, (*text).to_string())),
                None => Err(Diagnostic::error(
                    codes::FILE_NOT_FOUND,
                    format!("`{}` is not in the standard library", rel.value),
                )
                .primary(rel.span, "named here")),
            }
        } else {
            super::read_project_file(&rel.value, rel.span, self.sources, self.world, self.root).map(
                |text| {
                    let path = base_dir(self.sources, rel.span, self.root).join(&rel.value);
                    (
                        crate::syntax::display_name(self.root, &path),
                        Some(path),
                        text,
                    )
                },
            )
        };
        let id = match loaded {
            Ok((name, path, text)) => Some(
                self.sources
                    .find(&name)
                    .unwrap_or_else(|| self.sources.add(name, path, text)),
            ),
            Err(d) => {
                self.diags.push(d);
                None
            }
        };
        self.out.files.insert(key, id);
    }

    /// A directory a document's `check` names.
    fn dir(&mut self, rel: &Spanned<String>, check: &DocumentCheck) {
        let key = (rel.span.file, rel.value.clone());
        if self.out.dirs.contains_key(&key) || !self.plain(rel) {
            return;
        }
        let reference = self.read_dir(rel, check);
        self.out.dirs.insert(key, reference);
    }

    fn read_dir(&mut self, rel: &Spanned<String>, check: &DocumentCheck) -> Option<Arc<Reference>> {
        let path = base_dir(self.sources, rel.span, self.root).join(&rel.value);
        let real = match self.world.canonicalize(&path) {
            Ok(real) if real.starts_with(self.root) => real,
            Ok(_) => {
                self.diags.push(
                    Diagnostic::error(codes::PATH_OUTSIDE, format!("`{}` leads outside the project", rel.value))
                        .primary(rel.span, "this path")
                        .help("a project reads only files inside its directory (after following symbolic links); copy the directory into the project"),
                );
                return None;
            }
            Err(e) => {
                self.diags.push(
                    Diagnostic::error(
                        codes::FILE_NOT_FOUND,
                        format!("cannot find the directory `{}`", rel.value),
                    )
                    .primary(rel.span, "named here")
                    .help(format!(
                        "the path is relative to the file that names it: `{}` ({e})",
                        crate::syntax::display_name(self.root, &path)
                    )),
                );
                return None;
            }
        };
        if let Some(done) = self.by_dir.get(&real) {
            return done.clone();
        }
        let name = crate::syntax::display_name(self.root, &real);
        let before = self.diags.error_count();
        let missing: Vec<&String> = check
            .require
            .iter()
            .filter(|f| !matches!(self.read(rel, f), Ok(Some(_))))
            .collect();
        if !missing.is_empty() {
            let list = missing
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(" and ");
            let all = check
                .require
                .iter()
                .chain(&check.keys)
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ");
            self.diags.push(
                Diagnostic::error(codes::REFERENCE_DIR, format!("`{name}` has no {list}"))
                    .primary(rel.span, format!("this directory lacks {list}"))
                    .help(format!(
                        "the directory named by `{}={}` holds {all}{}",
                        check.prop,
                        rel.value,
                        check
                            .json_schema
                            .as_ref()
                            .map(|s| format!(" and optionally `{s}`"))
                            .unwrap_or_default()
                    )),
            );
        }
        let keys = check.keys.as_ref().and_then(|f| self.keys_file(rel, f));
        let schema = check
            .json_schema
            .as_ref()
            .and_then(|f| self.schema_file(rel, f));
        let reference = (self.diags.error_count() == before)
            .then(|| Arc::new(Reference { name, keys, schema }));
        self.by_dir.insert(real, reference.clone());
        reference
    }

    /// A file of the directory named at `rel`, added to the sources:
    /// `Ok(None)` when it does not exist.
    fn read(&mut self, rel: &Spanned<String>, file: &str) -> Result<Option<(FileId, String)>, ()> {
        let inner = format!("{}/{file}", rel.value.trim_end_matches('/'));
        match super::read_project_file(&inner, rel.span, self.sources, self.world, self.root) {
            Ok(text) => {
                let path = base_dir(self.sources, rel.span, self.root).join(&inner);
                let name = crate::syntax::display_name(self.root, &path);
                let id = self
                    .sources
                    .find(&name)
                    .unwrap_or_else(|| self.sources.add(name.clone(), Some(path), text.clone()));
                Ok(Some((id, name)))
            }
            Err(d) if d.code == codes::FILE_NOT_FOUND.0 => Ok(None),
            Err(d) => {
                self.diags.push(d);
                Err(())
            }
        }
    }

    fn keys_file(&mut self, rel: &Spanned<String>, file: &str) -> Option<KeysFile> {
        let (id, name) = match self.read(rel, file) {
            Ok(Some(found)) => found,
            // No keys file: no path is known but the schema's.
            Ok(None) => {
                let path = base_dir(self.sources, rel.span, self.root)
                    .join(&rel.value)
                    .join(file);
                return Some(KeysFile {
                    name: crate::syntax::display_name(self.root, &path),
                    tree: Node {
                        value: Tree::Map(Vec::new()),
                        span: rel.span,
                    },
                    paths: Vec::new(),
                });
            }
            Err(()) => return None,
        };
        let text = self.sources.get(id).text.clone();
        let tree = match yaml_tree::parse(id, &text) {
            Ok(tree) => tree,
            Err(e) => {
                self.diags.push(
                    Diagnostic::error(
                        codes::REFERENCE_DIR,
                        format!("`{name}` is not valid YAML: {}", e.message),
                    )
                    .primary(line_span(self.sources, id, e.line), "here")
                    .related(rel.span, "the directory is named here"),
                );
                return None;
            }
        };
        if !matches!(tree.value, Tree::Map(_)) {
            self.diags.push(
                Diagnostic::error(
                    codes::REFERENCE_DIR,
                    format!("`{name}` holds {}, not a map of values", tree.kind()),
                )
                .primary(tree.span, "expected a map")
                .related(rel.span, "the directory is named here"),
            );
            return None;
        }
        let mut paths = Vec::new();
        collect_paths(&tree, &mut String::new(), &mut paths);
        Some(KeysFile { name, tree, paths })
    }

    fn schema_file(&mut self, rel: &Spanned<String>, file: &str) -> Option<SchemaFile> {
        let (id, name) = self.read(rel, file).ok().flatten()?;
        let text = self.sources.get(id).text.clone();
        let raw: Json = match serde_json::from_str(&text) {
            Ok(raw) => raw,
            Err(e) => {
                self.diags.push(
                    Diagnostic::error(
                        codes::REFERENCE_DIR,
                        format!("`{name}` is not valid JSON: {e}"),
                    )
                    .primary(line_span(self.sources, id, e.line()), "here")
                    .related(rel.span, "the directory is named here"),
                );
                return None;
            }
        };
        match jsonschema::validator_for(&raw) {
            Ok(validator) => Some(SchemaFile {
                name,
                tree: yaml_tree::parse(id, &text).ok(),
                raw,
                validator,
            }),
            Err(e) => {
                self.diags.push(
                    Diagnostic::error(codes::REFERENCE_DIR, format!("`{name}` is not a JSON schema kiln can use: {e}"))
                        .primary(line_span(self.sources, id, 1), "in this file")
                        .related(rel.span, "the directory is named here")
                        .help("kiln reads the schema as Helm does, without fetching anything: every `$ref` must point inside the file"),
                );
                None
            }
        }
    }
}

/// The string value of property `name` of a use.
fn string_prop(u: &ParamUse, name: &str) -> Option<Spanned<String>> {
    let p = u.props.get(name)?;
    match &p.value.value {
        Value::String(s) => Some(Spanned::new(s.clone(), p.value.span)),
        _ => None,
    }
}

/// The directory relative paths are read from: that of the file naming them.
fn base_dir(sources: &Sources, span: Span, root: &Path) -> PathBuf {
    sources
        .get(span.file)
        .path
        .as_ref()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| root.to_path_buf())
}

/// The span of a 1-based line of a source (its first line for 0).
pub fn line_span(sources: &Sources, file: FileId, line: usize) -> Span {
    let f = sources.get(file);
    let start = f.line_start(line.max(1));
    let end = f.text[start..]
        .find('\n')
        .map(|i| start + i)
        .unwrap_or(f.text.len());
    Span::new(file, start, end)
}

/// Every map path of a tree, dotted, intermediate maps included.
fn collect_paths(node: &Node, prefix: &mut String, out: &mut Vec<String>) {
    if let Tree::Map(entries) = &node.value {
        for (k, v) in entries {
            let len = prefix.len();
            if !prefix.is_empty() {
                prefix.push('.');
            }
            prefix.push_str(&k.name);
            out.push(prefix.clone());
            collect_paths(v, prefix, out);
            prefix.truncate(len);
        }
    }
}
