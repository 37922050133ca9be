//! Rendering diagnostics: the one place that turns them into text.

use std::fmt;
use std::fmt::Write as _;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use serde_json::json;

use super::{Diagnostic, Severity};
use crate::span::Sources;

/// How diagnostics are printed (`--format` / `--message-format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// miette's graphical report, for people
    Human,
    /// one line each: `file:line:col: severity[code]: message`
    Short,
    /// one JSON document, for editors and scripts
    Json,
    /// GitHub Actions workflow commands
    Github,
    /// SARIF 2.1.0, for code-scanning uploads
    Sarif,
}

/// How many diagnostics are printed in full before "and N more".
const CAP: usize = 50;

/// Renders `diags` in `format`; `color` applies to `human` only.
pub fn render(diags: &[Diagnostic], sources: &Sources, format: Format, color: bool) -> String {
    match format {
        Format::Human => human(diags, sources, color),
        Format::Short => short(diags, sources),
        Format::Json => json_report(diags, sources),
        Format::Github => github(diags, sources),
        Format::Sarif => sarif(diags, sources),
    }
}

fn human(diags: &[Diagnostic], sources: &Sources, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    for d in diags.iter().take(CAP) {
        let report = Report::new(d, sources);
        // miette has no notes: they go in the report's footer, after the
        // help, as rustc prints them.
        let noted;
        let handler = if d.notes.is_empty() {
            &handler
        } else {
            noted = handler.clone().with_footer(
                d.notes
                    .iter()
                    .map(|n| format!("note: {n}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
            &noted
        };
        if handler.render_report(&mut out, &report).is_err() {
            let _ = writeln!(out, "{}: {}", severity_word(d.severity), d.message);
        }
        out.push('\n');
    }
    summary(&mut out, diags);
    out
}

fn summary(out: &mut String, diags: &[Diagnostic]) {
    if diags.len() > CAP {
        let _ = writeln!(out, "… and {} more", diags.len() - CAP);
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("1 {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    match (errors, warnings) {
        (0, 0) => {}
        (e, 0) => {
            let _ = writeln!(out, "{} found", plural(e, "error"));
        }
        (0, w) => {
            let _ = writeln!(out, "{} found", plural(w, "warning"));
        }
        (e, w) => {
            let _ = writeln!(
                out,
                "{} and {} found",
                plural(e, "error"),
                plural(w, "warning")
            );
        }
    }
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn short(diags: &[Diagnostic], sources: &Sources) -> String {
    let mut out = String::new();
    for d in diags.iter().take(CAP) {
        let loc = d
            .primary_span()
            .map(|s| location(sources, s))
            .unwrap_or_else(|| "kiln".to_string());
        let _ = writeln!(
            out,
            "{loc}: {}[{}]: {}",
            severity_word(d.severity),
            d.code,
            d.message
        );
        for l in d.labels.iter().filter(|l| !l.primary) {
            let _ = writeln!(out, "{}: note: {}", location(sources, l.span), l.message);
        }
        for n in &d.notes {
            let _ = writeln!(out, "{loc}: note: {n}");
        }
    }
    summary(&mut out, diags);
    out
}

fn location(sources: &Sources, span: crate::span::Span) -> String {
    let f = sources.get(span.file);
    let (line, col) = f.line_col(span.start as usize);
    format!("{}:{line}:{col}", f.name)
}

fn json_report(diags: &[Diagnostic], sources: &Sources) -> String {
    let items: Vec<_> = diags
        .iter()
        .map(|d| {
            let filename = d
                .primary_span()
                .map(|s| sources.get(s.file).name.clone())
                .unwrap_or_default();
            let labels: Vec<_> = d
                .labels
                .iter()
                .map(|l| {
                    let f = sources.get(l.span.file);
                    let (line, column) = f.line_col(l.span.start as usize);
                    let (end_line, end_column) = f.line_col(l.span.end as usize);
                    json!({
                        "label": l.message,
                        "primary": l.primary,
                        "file": f.name,
                        "span": {"offset": l.span.start, "length": l.span.len()},
                        "line": line,
                        "column": column,
                        "end_line": end_line,
                        "end_column": end_column,
                    })
                })
                .collect();
            json!({
                "message": d.message,
                "code": d.code,
                "severity": severity_word(d.severity),
                "help": d.help,
                "notes": d.notes,
                "filename": filename,
                "labels": labels,
                "related": [],
            })
        })
        .collect();
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let doc = json!({
        "diagnostics": items,
        "errors": errors,
        "warnings": diags.len() - errors,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// The codes kiln only ever reports as warnings: SARIF gives them the
/// default level `warning`.
const WARNING_CODES: &[super::Code] = &[
    super::codes::DEPRECATED,
    super::codes::NOT_KEPT,
    super::codes::IMPORT_SECRET,
    super::codes::IMPORT_CREDENTIAL,
    super::codes::IMPORT_MANIFEST_APP,
];

/// A SARIF 2.1.0 log: one run, one rule per diagnostic code, one result
/// per diagnostic with its primary location and related locations.
fn sarif(diags: &[Diagnostic], sources: &Sources) -> String {
    // The diagnostic codes, errors but for those always reported as
    // warnings, then one rule per lint rule with its doc and default level.
    let mut rules: Vec<_> = super::CODES
        .iter()
        .map(|c| {
            let level = if WARNING_CODES.iter().any(|w| w.0 == c.0) {
                "warning"
            } else {
                "error"
            };
            json!({
                "id": c.0,
                "name": c.0.rsplit("::").next().unwrap_or(c.0),
                "shortDescription": {"text": c.1},
                "fullDescription": {"text": c.1},
                "defaultConfiguration": {"level": level},
            })
        })
        .collect();
    rules.extend(crate::lint::RULES.iter().map(|r| {
        json!({
            "id": r.code,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.doc},
            "help": {"text": format!("fix: {}", r.fix)},
            "defaultConfiguration": {"level": sarif_level(r.default)},
        })
    }));
    let location = |span: crate::span::Span, message: Option<&str>| {
        let f = sources.get(span.file);
        // SARIF counts columns in UTF-16 code units unless told otherwise.
        let (line, col) = f.line_col_utf16(span.start as usize);
        let (end_line, end_col) = f.line_col_utf16(span.end as usize);
        let mut loc = json!({
            "physicalLocation": {
                "artifactLocation": {"uri": f.name},
                "region": {
                    "startLine": line,
                    "startColumn": col,
                    "endLine": end_line,
                    "endColumn": end_col,
                },
            },
        });
        if let Some(m) = message {
            loc["message"] = json!({"text": m});
        }
        loc
    };
    let results: Vec<_> = diags
        .iter()
        .map(|d| {
            let text = d.text_with_notes();
            let mut r = json!({
                "ruleId": d.code,
                "level": severity_word(d.severity),
                "message": {"text": text},
                "locations": d.primary_span().map(|s| vec![location(s, None)]).unwrap_or_default(),
            });
            if let Some(i) = rules.iter().position(|rule| rule["id"] == d.code) {
                r["ruleIndex"] = json!(i);
            }
            let related: Vec<_> = d
                .labels
                .iter()
                .filter(|l| !l.primary)
                .enumerate()
                .map(|(i, l)| {
                    let mut loc = location(l.span, Some(&l.message));
                    loc["id"] = json!(i);
                    loc
                })
                .collect();
            if !related.is_empty() {
                r["relatedLocations"] = json!(related);
            }
            r
        })
        .collect();
    let doc = json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {
                "name": "kiln",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// SARIF's name for a lint level.
fn sarif_level(level: crate::lint::Level) -> &'static str {
    match level {
        crate::lint::Level::Deny => "error",
        crate::lint::Level::Warn => "warning",
        crate::lint::Level::Allow => "none",
    }
}

fn github(diags: &[Diagnostic], sources: &Sources) -> String {
    let mut out = String::new();
    for d in diags {
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let msg = d.text_with_notes();
        match d.primary_span() {
            Some(span) => {
                let f = sources.get(span.file);
                let (line, col) = f.line_col(span.start as usize);
                let (end_line, end_col) = f.line_col(span.end as usize);
                let _ = writeln!(
                    out,
                    "::{kind} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}",
                    escape_property(&f.name),
                    escape_property(d.code),
                    escape_data(&msg)
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "::{kind} title={}::{}",
                    escape_property(d.code),
                    escape_data(&msg)
                );
            }
        }
    }
    out
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A [`Diagnostic`] seen through miette, with its source attached.
///
/// miette shows one source per report, so labels in other files become
/// related reports of their own.
struct Report {
    message: String,
    code: &'static str,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl Report {
    fn new(d: &Diagnostic, sources: &Sources) -> Report {
        let primary_file = d
            .primary_span()
            .or_else(|| d.labels.first().map(|l| l.span))
            .map(|s| s.file);
        let mut labels = Vec::new();
        let mut related = Vec::new();
        for l in &d.labels {
            let span = SourceSpan::from((l.span.start as usize, l.span.len()));
            if Some(l.span.file) == primary_file {
                labels.push(if l.primary {
                    LabeledSpan::new_primary_with_span(Some(l.message.clone()), span)
                } else {
                    LabeledSpan::new_with_span(Some(l.message.clone()), span)
                });
            } else {
                let f = sources.get(l.span.file);
                related.push(Report {
                    message: l.message.clone(),
                    code: "",
                    severity: miette::Severity::Advice,
                    help: None,
                    source: Some(NamedSource::new(&f.name, f.text.as_str().to_string())),
                    labels: vec![LabeledSpan::new_with_span(Some("here".to_string()), span)],
                    related: Vec::new(),
                });
            }
        }
        let source = primary_file.map(|id| {
            let f = sources.get(id);
            NamedSource::new(&f.name, f.text.as_str().to_string())
        });
        Report {
            message: d.message.clone(),
            code: d.code,
            severity: match d.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            },
            help: d.help.clone(),
            source,
            labels,
            related,
        }
    }
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        if self.code.is_empty() {
            None
        } else {
            Some(Box::new(self.code))
        }
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}
