//! `manifest` files in `Sources`, so that a problem in an object a
//! manifest makes points at the manifest's own line, as one in a template's
//! object points at the template's.

use std::path::PathBuf;

use crate::check::Model;
use crate::resolve::read_project_file;
use crate::span::{FileId, Sources, Spanned};
use crate::world::World;

/// The name a manifest's text has in `Sources`: its path from the project
/// root, like a project template's.
fn source_name(
    sources: &Sources,
    m: &Spanned<String>,
    root: &std::path::Path,
) -> (String, PathBuf) {
    let path = sources
        .get(m.span.file)
        .path
        .as_ref()
        .and_then(|p| p.parent().map(|d| d.join(&m.value)))
        .unwrap_or_else(|| root.join(&m.value));
    (crate::syntax::display_name(root, &path), path)
}

/// Adds the text of every manifest the project's apps and env `app`
/// blocks name. One that cannot be read is left out: rendering the app
/// reports it.
pub fn preload(model: &Model, sources: &mut Sources, world: &dyn World) {
    let extras = model.apps.values().map(|a| &a.extras).chain(
        model
            .envs
            .values()
            .flat_map(|e| e.apps.values().map(|a| &a.extras)),
    );
    for m in extras.flat_map(|e| &e.manifests) {
        add(sources, m, &model.root, world, |_| true);
    }
}

/// Adds the text of one file a project names, when it can be read and
/// `keep` accepts it (a secret's file only when it is what it says), unless
/// it is there already.
pub(super) fn add(
    sources: &mut Sources,
    m: &Spanned<String>,
    root: &std::path::Path,
    world: &dyn World,
    keep: impl Fn(&str) -> bool,
) {
    let (name, path) = source_name(sources, m, root);
    if sources.find(&name).is_some() {
        return;
    }
    if let Ok(text) = read_project_file(&m.value, m.span, sources, world, root)
        && keep(&text)
    {
        sources.add(name, Some(path), text);
    }
}

/// The `Sources` file of a manifest [`preload`] added.
pub fn file_id(sources: &Sources, m: &Spanned<String>, root: &std::path::Path) -> Option<FileId> {
    sources.find(&source_name(sources, m, root).0)
}

/// Where each document with content starts in a manifest's text: after
/// each `---` line, documents of only comments and blanks left out.
pub fn document_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut current: Option<usize> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t == "---" || t.starts_with("--- ") {
            current = None;
        } else if !t.is_empty() && !t.starts_with('#') && current.is_none() {
            current = Some(offset);
            starts.push(offset);
        }
        offset += line.len();
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::document_starts;

    #[test]
    fn documents_start_after_separators_and_comments_do_not_count() {
        let text = "# head\n---\na: 1\n---\n# only a comment\n---\nb: 2\nc: 3\n";
        assert_eq!(document_starts(text), vec![11, 41]);
        assert_eq!(document_starts("a: 1\n"), vec![0]);
    }
}
