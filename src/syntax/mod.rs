//! Loading a project: find it, read every `.kdl` file, parse KDL 2.0.
//!
//! Every syntax error of every file is reported in one run. A file that is
//! KDL 1.0 gets one diagnostic showing the 2.0 spelling instead of a pile
//! of parser errors.

pub mod fastkdl;
pub mod quote;

use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kdl::KdlDocument;

use crate::diag::codes;
use crate::diag::{Diagnostic, Diagnostics};
use crate::span::{FileId, Sources, Span};
use crate::world::World;

/// A parsed source file.
#[derive(Debug)]
pub struct ParsedFile {
    pub file: FileId,
    /// The file on disk (absolute), or `None` for embedded stdlib files.
    pub path: Option<PathBuf>,
    /// Shared with a [`ParseCache`], which may keep it for the next load.
    pub doc: Arc<KdlDocument>,
    /// True for the standard library's embedded files.
    pub stdlib: bool,
}

/// Every file of a project, parsed, plus the standard library.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The project directory, canonical.
    pub root: PathBuf,
    pub files: Vec<ParsedFile>,
    /// How many project files could not be read or parsed (each with its
    /// diagnostic): the checker then cannot tell a missing name.
    pub unread: usize,
}

include!(concat!(env!("OUT_DIR"), "/stdlib_files.rs"));

/// The embedded standard library: `(path relative to stdlib/, contents)`.
pub fn stdlib_files() -> &'static [(&'static str, &'static str)] {
    STDLIB_FILES
}

/// The nearest ancestor of `start` (itself included) holding `kiln.kdl`.
pub fn find_project(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|d| d.join("kiln.kdl").is_file())
        .map(Path::to_path_buf)
}

/// What parsing a file gave: its document, or its syntax errors.
type Parsed = Result<Arc<KdlDocument>, Vec<Diagnostic>>;

/// The files parsed by earlier loads of one project, so that a load parses
/// again only the files whose text changed (`kiln lsp`, between edits).
/// A file is known by its name and its [`FileId`] (syntax errors carry
/// the id), and reused when its text is the same.
#[derive(Debug, Default)]
pub struct ParseCache {
    files: HashMap<String, (FileId, Arc<String>, Parsed)>,
}

/// Reads and parses the project at `root` (which must hold `kiln.kdl`)
/// and the standard library.
///
/// `skip` lists directories to leave out (the render output directory).
pub fn load(
    world: &dyn World,
    root: &Path,
    skip: &[PathBuf],
    sources: &mut Sources,
    diags: &mut Diagnostics,
) -> Loaded {
    load_cached(
        world,
        root,
        skip,
        sources,
        diags,
        &mut ParseCache::default(),
    )
}

/// [`load`], parsing only the files `cache` does not hold with the same
/// id and text, and keeping what it parsed there: after a load, the cache
/// holds this load's files and no others.
pub fn load_cached(
    world: &dyn World,
    root: &Path,
    skip: &[PathBuf],
    sources: &mut Sources,
    diags: &mut Diagnostics,
    cache: &mut ParseCache,
) -> Loaded {
    let mut loaded = Loaded {
        root: root.to_path_buf(),
        files: Vec::new(),
        unread: 0,
    };
    // The standard library and the project's files are parsed together,
    // in parallel (a fleet is a thousand files), and kept in this order.
    let mut jobs: Vec<(FileId, Option<PathBuf>)> = Vec::new();
    for (name, text) in stdlib_files() {
        if name.ends_with(".kdl") {
            let id = sources.add(format!("<stdlib>/{name}"), None, (*text).to_string());
            jobs.push((id, None));
        }
    }
    let paths = match world.kdl_files(root, skip) {
        Ok(p) => p,
        Err(e) => {
            diags.push(Diagnostic::error(
                codes::READ,
                format!(
                    "cannot list the project directory `{}`: {e}",
                    root.display()
                ),
            ));
            Vec::new()
        }
    };
    // Each folder's real path once: a file that is not a link is where its
    // folder's real path says. A fleet's thousand files share a few
    // folders, and resolving each path whole took a system call per
    // component.
    let folders: HashMap<&Path, std::io::Result<PathBuf>> = paths
        .iter()
        .filter_map(|p| p.parent())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|dir| (dir, world.canonicalize(dir)))
        .collect();
    let read: Vec<(PathBuf, String, Result<String, ReadError>)> = paths
        .par_iter()
        .map(|path| {
            let name = display_name(root, path);
            let text = read_kdl(world, root, path, &folders);
            (path.clone(), name, text)
        })
        .collect();
    for (path, name, text) in read {
        loaded.unread += usize::from(text.is_err());
        match text {
            Ok(text) => {
                let id = sources.add(name, Some(path.clone()), text);
                jobs.push((id, Some(path)));
            }
            Err(ReadError::Outside(real)) => diags.push(
                Diagnostic::error(
                    codes::PATH_OUTSIDE,
                    format!("`{name}` leads outside the project"),
                )
                .help(format!(
                    "it resolves to `{}`; a project reads only files inside its directory",
                    real.display()
                )),
            ),
            Err(ReadError::Io(e)) => diags.push(Diagnostic::error(
                codes::READ,
                format!("cannot read `{name}`: {e}"),
            )),
            Err(ReadError::NotUtf8 { at, lossy }) => {
                let id = sources.add(name.clone(), Some(path.clone()), lossy);
                diags.push(
                    Diagnostic::error(codes::READ, format!("`{name}` is not valid UTF-8"))
                        .primary(Span::new(id, at, at + 1), "this byte is not UTF-8")
                        .help("KDL files must be UTF-8 text"),
                );
            }
        }
    }
    let sources: &Sources = sources;
    let previous = std::mem::take(&mut cache.files);
    let parsed: Vec<_> = jobs
        .into_par_iter()
        .map(|(id, path)| {
            let f = sources.get(id);
            let result = match previous.get(&f.name) {
                Some((was, text, parsed)) if *was == id && text == &f.text => parsed.clone(),
                _ => parse_fast(id, &f.text).map(Arc::new),
            };
            (id, path, result)
        })
        .collect();
    for (id, path, result) in parsed {
        let f = sources.get(id);
        cache
            .files
            .insert(f.name.clone(), (id, f.text.clone(), result.clone()));
        match result {
            Ok(doc) => loaded.files.push(ParsedFile {
                file: id,
                stdlib: path.is_none(),
                path,
                doc,
            }),
            Err(errs) => {
                loaded.unread += 1;
                diags.0.extend(errs);
            }
        }
    }
    loaded
}

/// Why a project file could not be read.
enum ReadError {
    /// It resolves (through a link) to this path outside the project.
    Outside(PathBuf),
    Io(std::io::Error),
    /// Not UTF-8 from byte `at`; `lossy` is the text with replacements.
    NotUtf8 {
        at: usize,
        lossy: String,
    },
}

/// Reads one project file, refusing one that leads outside the project;
/// `folders` holds the real paths of the files' folders.
fn read_kdl(
    world: &dyn World,
    root: &Path,
    path: &Path,
    folders: &HashMap<&Path, std::io::Result<PathBuf>>,
) -> Result<String, ReadError> {
    match real_path(world, path, folders) {
        Ok(real) if !real.starts_with(root) => return Err(ReadError::Outside(real)),
        Err(e) => return Err(ReadError::Io(e)),
        Ok(_) => {}
    }
    let bytes = world.read(path).map_err(ReadError::Io)?;
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8 {
        at: e.utf8_error().valid_up_to(),
        lossy: String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// `path` with links followed: its folder's real path and its name when
/// it is not a link itself, else resolved whole.
fn real_path(
    world: &dyn World,
    path: &Path,
    folders: &HashMap<&Path, std::io::Result<PathBuf>>,
) -> std::io::Result<PathBuf> {
    if let (Some(dir), Some(name)) = (path.parent(), path.file_name())
        && let Some(Ok(real_dir)) = folders.get(dir)
        && let Ok(false) = world.is_link(path)
    {
        return Ok(real_dir.join(name));
    }
    world.canonicalize(path)
}

/// `path` relative to `root`, with `/` separators, for messages.
///
/// `.` and `..` are resolved first: a manifest an env file names as
/// `../manifests/web.yaml` is `manifests/web.yaml`, as the user finds it
/// from the project's root, and one file has one name however it is
/// reached.
pub fn display_name(root: &Path, path: &Path) -> String {
    let path = normalized(path);
    path.strip_prefix(root)
        .unwrap_or(&path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// `path` with `.` left out and each `..` taking away the name before it,
/// without asking the file system (a `..` at the start is kept).
fn normalized(path: &Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Parses one file as KDL 2.0.
pub fn parse(file: FileId, text: &str) -> Result<KdlDocument, Vec<Diagnostic>> {
    parse_with(file, text, false)
}

/// [`parse`], trying the fast reader for plain KDL first (see
/// [`crate::syntax::fastkdl`]): the documents it builds carry names, values and
/// spans but not kdl's formatting, which only the checker reads.
fn parse_fast(file: FileId, text: &str) -> Result<KdlDocument, Vec<Diagnostic>> {
    parse_with(file, text, true)
}

fn parse_with(file: FileId, text: &str, fast: bool) -> Result<KdlDocument, Vec<Diagnostic>> {
    if text.contains('\0') {
        let at = text.find('\0').unwrap_or(0);
        return Err(vec![
            Diagnostic::error(codes::PARSE, "a NUL byte in a KDL file")
                .primary(Span::new(file, at, at + 1), "here")
                .help("KDL files are text; remove the NUL byte"),
        ]);
    }
    if let Some(at) = too_deep(text) {
        return Err(vec![
            Diagnostic::error(
                codes::PARSE,
                format!("blocks nest more than {MAX_DEPTH} deep"),
            )
            .primary(Span::new(file, at, at + 1), "this block is too deep")
            .help("kiln files are shallow; a file this deep is a mistake or an attack"),
        ]);
    }
    if fast && let Some(doc) = crate::syntax::fastkdl::parse(text) {
        #[cfg(debug_assertions)]
        crate::syntax::fastkdl::assert_agrees(text);
        return Ok(doc);
    }
    let err = match KdlDocument::parse_v2(text) {
        Ok(doc) => return Ok(doc),
        Err(e) => e,
    };
    if let Ok(v1) = KdlDocument::parse_v1(text) {
        return Err(vec![v1_diagnostic(file, text, &v1)]);
    }
    let mut out: Vec<Diagnostic> = err
        .diagnostics
        .iter()
        .map(|d| {
            let start = d.span.offset().min(text.len());
            let end = (start + d.span.len()).min(text.len());
            let message = d
                .message
                .clone()
                .unwrap_or_else(|| "invalid KDL".to_string());
            Diagnostic::error(codes::PARSE, lower_first(&message))
                .primary(
                    Span::new(file, start, end),
                    d.label.clone().unwrap_or_else(|| "here".to_string()),
                )
                .maybe_help(d.help.clone())
        })
        .collect();
    if out.is_empty() {
        out.push(
            Diagnostic::error(codes::PARSE, "invalid KDL").primary(Span::new(file, 0, 0), "here"),
        );
    }
    out.dedup();
    // kdl reports one unclosed block twice, at the `{` and just after it:
    // keep the first of diagnostics whose spans touch.
    let mut kept: Vec<Diagnostic> = Vec::new();
    for d in out {
        let touches = match (
            d.primary_span(),
            kept.last().and_then(Diagnostic::primary_span),
        ) {
            (Some(s), Some(prev)) => s.start >= prev.start && s.start <= prev.end,
            _ => false,
        };
        if !touches {
            kept.push(d);
        }
    }
    Err(kept)
}

/// How deep `{ … }` blocks may nest: far beyond any real project, and
/// shallow enough that the recursive KDL parser cannot overflow the stack.
pub const MAX_DEPTH: usize = 128;

/// The offset of the first `{` past [`MAX_DEPTH`], skipping strings and
/// comments.
fn too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

fn lower_first(s: &str) -> String {
    let s = s.trim_end_matches('.');
    let mut c = s.chars();
    match c.next() {
        // Keep acronyms such as "KDL" as they are.
        Some(f) if c.clone().next().is_some_and(|n| n.is_lowercase()) => {
            f.to_lowercase().collect::<String>() + c.as_str()
        }
        _ => s.to_string(),
    }
}

/// The one diagnostic for a KDL 1.0 file: points at the first value whose
/// 2.0 spelling differs (`true`, `false`, `null`, raw strings) and shows it.
fn v1_diagnostic(file: FileId, text: &str, v1: &KdlDocument) -> Diagnostic {
    let d = Diagnostic::error(
        codes::KDL_V1,
        "this file is KDL 1.0, but kiln reads KDL 2.0",
    );
    match first_v1_value(v1, text) {
        Some((start, end, v2)) => d
            .primary(Span::new(file, start, end), format!("KDL 2.0 spells this `{v2}`"))
            .help(format!("write `{v2}`: KDL 2.0 spells booleans and null `#true`, `#false`, `#null`, and raw strings `#\"…\"#`")),
        None => d
            .primary(Span::new(file, 0, 0), "KDL 1.0 document")
            .help("KDL 2.0 spells booleans and null `#true`, `#false`, `#null`, and raw strings `#\"…\"#`"),
    }
}

fn first_v1_value(doc: &KdlDocument, text: &str) -> Option<(usize, usize, String)> {
    for node in doc.nodes() {
        for e in node.entries() {
            let span = e.span();
            let start = span.offset().min(text.len());
            let end = (start + span.len()).min(text.len());
            let written = text.get(start..end).unwrap_or("");
            // For a property the value follows `=`.
            let (vstart, value) = match written.find('=') {
                Some(i) if e.name().is_some() => (start + i + 1, &written[i + 1..]),
                _ => (start, written),
            };
            let value = value.trim_end();
            let v2 = match value {
                "true" | "false" | "null" => Some(format!("#{value}")),
                v if v.starts_with("r#") || v.starts_with("r\"") => {
                    Some(v[1..].replacen('"', "#\"", 1) + "#")
                }
                _ => None,
            };
            if let Some(v2) = v2 {
                return Some((vstart, vstart + value.len(), v2));
            }
        }
        if let Some(found) = node.children().and_then(|c| first_v1_value(c, text)) {
            return Some(found);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_reached_through_dot_dot_is_named_from_the_root() {
        let root = Path::new("/p");
        assert_eq!(
            display_name(root, Path::new("/p/envs/../manifests/./d.yaml")),
            "manifests/d.yaml"
        );
        assert_eq!(
            display_name(root, Path::new("/p/envs/../../shared/d.yaml")),
            "/shared/d.yaml"
        );
        assert_eq!(display_name(root, Path::new("/p/apps.kdl")), "apps.kdl");
    }

    #[test]
    fn v1_file_gets_one_diagnostic_with_the_v2_spelling() {
        let text = "app \"web\" {\n    spread-across-nodes true\n}\n";
        let errs = parse(0, text).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].code, codes::KDL_V1.0);
        let span = errs[0].primary_span().unwrap();
        assert_eq!(&text[span.start as usize..span.end as usize], "true");
        assert!(
            errs[0].help.as_ref().unwrap().contains("#true"),
            "{:?}",
            errs[0].help
        );
    }

    #[test]
    fn syntax_errors_have_spans() {
        let text = "app \"web\" {\n  replicas 3\n";
        let errs = parse(0, text).unwrap_err();
        assert!(!errs.is_empty());
        assert_eq!(errs[0].code, codes::PARSE.0);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = "a{".repeat(20_000) + &"}".repeat(20_000);
        let errs = parse(0, &text).unwrap_err();
        assert_eq!(errs[0].code, codes::PARSE.0);
        assert!(errs[0].message.contains("nest"));
    }

    #[test]
    fn nul_byte_is_an_error_not_a_panic() {
        assert!(parse(0, "app \"a\0\"").is_err());
    }
}
