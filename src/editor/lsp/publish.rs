//! From a compile's diagnostics to `textDocument/publishDiagnostics`:
//! each file's list, and only the lists that changed since the last
//! publish (plus the edited file's, always, so that each version of it
//! gets an answer).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use lsp_server::Notification;
use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    PublishDiagnosticsParams, Range, Uri,
};
use rayon::prelude::*;

use super::paths::{path_uri, span_location, span_range};
use crate::compile::Compiled;
use crate::diag::Severity;

/// Each file's diagnostics as the client shows them, by canonical path.
pub type ByFile = BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>>;

/// The open documents of a project, as one compile saw them: the URI the
/// client knows each by, and its version.
#[derive(Clone, Debug, Default)]
pub struct OpenDocs(pub HashMap<PathBuf, (Uri, i32)>);

impl OpenDocs {
    /// The URI the client knows a file by.
    pub fn uri(&self, path: &Path) -> Option<Uri> {
        match self.0.get(path) {
            Some((uri, _)) => Some(uri.clone()),
            None => path_uri(path),
        }
    }
}

/// Every diagnostic of `compiled`, by the file its primary label is in
/// (those about no file in particular on the project's `kiln.kdl`), in
/// the compile's order.
pub fn by_file(compiled: &Compiled, root: &Path, docs: &OpenDocs) -> ByFile {
    let kiln_kdl = root.join("kiln.kdl");
    // Converted in parallel (a fleet has thousands), gathered in order.
    let converted: Vec<(PathBuf, lsp_types::Diagnostic)> = compiled
        .diags
        .0
        .par_iter()
        .map(|d| to_lsp(compiled, &kiln_kdl, docs, d))
        .collect();
    let mut out = ByFile::new();
    for (file, d) in converted {
        out.entry(file).or_default().push(d);
    }
    out
}

/// [`by_file`]'s lists of `files` only (an empty list for a file without
/// diagnostics), from `diags`, diagnostics of `compiled` that hold at
/// least those shown in `files`: what an edit's answer needs, made
/// without converting the rest.
pub fn of_files(
    compiled: &Compiled,
    diags: &[crate::diag::Diagnostic],
    root: &Path,
    docs: &OpenDocs,
    files: &[PathBuf],
) -> ByFile {
    let kiln_kdl = root.join("kiln.kdl");
    let mut out: ByFile = files.iter().map(|f| (f.clone(), Vec::new())).collect();
    // A fleet has tens of thousands of diagnostics: their files are
    // compared where they are, not copied.
    for d in diags {
        if let Some(list) = out.get_mut(shown_in(compiled, d, &kiln_kdl)) {
            list.push(to_lsp(compiled, &kiln_kdl, docs, d).1);
        }
    }
    out
}

/// The file a diagnostic is shown in (as [`shown_at`] places it; `kiln_kdl` for one
/// about no file in particular).
pub fn shown_in<'a>(
    compiled: &'a Compiled,
    d: &crate::diag::Diagnostic,
    kiln_kdl: &'a Path,
) -> &'a Path {
    d.primary_span().map_or(kiln_kdl, |span| {
        source_shown_in(compiled, span.file, kiln_kdl)
    })
}

/// The file the diagnostics whose primary label is in source `file` are
/// shown in: the source's own, or `kiln_kdl` for a source that is no file
/// (the command line, the standard library).
pub fn source_shown_in<'a>(
    compiled: &'a Compiled,
    file: crate::span::FileId,
    kiln_kdl: &'a Path,
) -> &'a Path {
    compiled
        .sources
        .get(file)
        .path
        .as_deref()
        .unwrap_or(kiln_kdl)
}

/// Where a diagnostic is shown: its primary label's file and span, or
/// `None` for one about no file in particular (shown at the top of the
/// project's `kiln.kdl`).
fn shown_at<'a>(
    compiled: &'a Compiled,
    d: &crate::diag::Diagnostic,
) -> Option<(&'a Path, crate::span::Span)> {
    let span = d.primary_span()?;
    Some((compiled.sources.get(span.file).path.as_deref()?, span))
}

/// One diagnostic as the client shows it, and the file it belongs to.
fn to_lsp(
    compiled: &Compiled,
    kiln_kdl: &Path,
    docs: &OpenDocs,
    d: &crate::diag::Diagnostic,
) -> (PathBuf, lsp_types::Diagnostic) {
    let (file, range) = match shown_at(compiled, d) {
        Some((file, span)) => (file.to_path_buf(), span_range(&compiled.sources, span)),
        None => (kiln_kdl.to_path_buf(), Range::default()),
    };
    let related: Vec<_> = d
        .labels
        .iter()
        .filter(|l| !l.primary)
        .filter_map(|l| {
            let (p, range) = span_location(&compiled.sources, l.span)?;
            Some(DiagnosticRelatedInformation {
                location: Location::new(docs.uri(&p)?, range),
                message: l.message.clone(),
            })
        })
        .collect();
    let message = d.text_with_notes();
    let diagnostic = lsp_types::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        source: Some("kiln".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    };
    (file, diagnostic)
}

/// What the client was last sent for one project.
#[derive(Debug, Default)]
pub struct Published(ByFile);

impl Published {
    /// The notifications of the lists of `files` in `now`, changed or
    /// not: an edited file gets an answer for each version.
    pub fn lists(now: &ByFile, files: &[PathBuf], docs: &OpenDocs) -> Vec<(PathBuf, Notification)> {
        files
            .iter()
            .filter_map(|p| notification(now, p, docs))
            .collect()
    }

    /// The notifications that bring the client from what it was sent to
    /// `now` for every file but those of `except` (sent already): by path,
    /// every file whose list changed (an empty list for a file that has no
    /// diagnostics any more).
    pub fn changes(
        &self,
        now: &ByFile,
        except: &[PathBuf],
        docs: &OpenDocs,
    ) -> Vec<(PathBuf, Notification)> {
        let empty = Vec::new();
        let changed: BTreeSet<&PathBuf> = now
            .keys()
            .chain(self.0.keys())
            .filter(|p| {
                !except.contains(p)
                    && self.0.get(*p).unwrap_or(&empty) != now.get(*p).unwrap_or(&empty)
            })
            .collect();
        changed
            .into_iter()
            .filter_map(|p| notification(now, p, docs))
            .collect()
    }

    /// Notes that the client was sent `path`'s list of `now`.
    pub fn sent(&mut self, path: &Path, now: &ByFile) {
        match now.get(path) {
            Some(list) => self.0.insert(path.to_path_buf(), list.clone()),
            None => self.0.remove(path),
        };
    }
}

/// The notification of `path`'s list in `now` (empty when it has none),
/// with the version of an open document; `None` for a path that has no
/// URI.
fn notification(now: &ByFile, path: &Path, docs: &OpenDocs) -> Option<(PathBuf, Notification)> {
    let n = Notification::new(
        "textDocument/publishDiagnostics".into(),
        PublishDiagnosticsParams {
            uri: docs.uri(path)?,
            diagnostics: now.get(path).cloned().unwrap_or_default(),
            version: docs.0.get(path).map(|(_, v)| *v),
        },
    );
    Some((path.to_path_buf(), n))
}
