//! Diagnostics: one currency for every stage, printed in every `--format`.
//!
//! Stages build [`Diagnostic`]s from spanned values, so a location can't be
//! forgotten; they never print them. [`emit`] renders a batch in the format
//! the user asked for.

pub mod codes;
mod format;

pub use codes::{CODES, Code};
pub use format::{Format, render};

use crate::span::Span;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// A labelled location.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    /// The primary label is the one the message is about; the others are
    /// related locations (the other duplicate, the overridden layer).
    pub primary: bool,
}

/// One problem found in the user's input.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Stable code, such as `kiln::check::unknown_param`.
    pub code: &'static str,
    pub severity: Severity,
    /// "expected X, found Y": lower case, no trailing period.
    pub message: String,
    pub labels: Vec<Label>,
    /// Facts about the problem that belong to no span (the rendered object
    /// and field a lint finding is about), printed before the help.
    pub notes: Vec<String>,
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error with a stable code.
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code: code.0,
            severity: Severity::Error,
            message: message.into(),
            labels: Vec::new(),
            notes: Vec::new(),
            help: None,
        }
    }

    /// A warning with a stable code.
    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// Adds the primary label.
    pub fn primary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: true,
        });
        self
    }

    /// Adds a related label.
    pub fn related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    /// Sets the help text.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// The message with its notes and help, one per line, for the formats
    /// that have one text per diagnostic (SARIF, GitHub, the language
    /// server).
    pub fn text_with_notes(&self) -> String {
        let mut text = self.message.clone();
        for n in &self.notes {
            text.push_str("\nnote: ");
            text.push_str(n);
        }
        if let Some(h) = &self.help {
            text.push_str("\nhelp: ");
            text.push_str(h);
        }
        text
    }

    /// Sets the help text when there is one.
    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// The primary label's span, if any.
    pub fn primary_span(&self) -> Option<Span> {
        self.labels.iter().find(|l| l.primary).map(|l| l.span)
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A batch of diagnostics collected by a stage.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Adds one.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// Adds many.
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    /// True when any is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sorts by file, position and code, and drops exact repeats (the same
    /// problem found through two envs), so output is stable.
    pub fn sort_dedup(&mut self) {
        self.0.sort_by(|a, b| {
            let ka = (a.primary_span().unwrap_or_default(), a.code, &a.message);
            let kb = (b.primary_span().unwrap_or_default(), b.code, &b.message);
            ka.partial_cmp(&kb).unwrap_or(std::cmp::Ordering::Equal)
        });
        self.0.dedup();
    }
}

/// The closest candidate to `name`, for "did you mean" help.
///
/// Jaro-Winkler ranks the candidates; a short name it scores low though
/// it is one typo away (`wbe` for `web`: two letters swapped) still gets
/// the candidate one edit or swap away. Of candidates scored alike, the
/// same one is chosen in whatever order they come (a hash map's keys, say).
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut candidates: Vec<&'a str> = candidates.into_iter().collect();
    candidates.sort_unstable();
    candidates.dedup();
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(name, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal))
        .map(|(_, c)| c)
        .or_else(|| {
            (name.chars().count() >= 3)
                .then(|| {
                    candidates
                        .into_iter()
                        .find(|c| strsim::damerau_levenshtein(name, c) == 1)
                })
                .flatten()
        })
}

/// "did you mean `x`?" help, or a list of what is allowed when nothing is close.
pub fn suggest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
    what: &str,
) -> String {
    match did_you_mean(name, candidates.clone()) {
        Some(c) => format!("did you mean `{c}`?"),
        None => {
            let mut all: Vec<&str> = candidates.into_iter().collect();
            all.sort();
            all.dedup();
            if all.is_empty() {
                "none is defined yet".to_string()
            } else if all.len() > 12 {
                format!(
                    "{what}: {}, … ({} in all)",
                    all[..12]
                        .iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    all.len()
                )
            } else {
                format!(
                    "{what}: {}",
                    all.iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        }
    }
}

/// A count and its noun, as prose: "1 app", "2 apps", "0 objects".
///
/// Messages read like sentences; `many` is the plural for nouns that do not
/// just take an `s`.
pub fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::{count, did_you_mean};

    #[test]
    fn a_short_name_one_typo_away_is_suggested() {
        let apps = ["report", "web", "worker"];
        assert_eq!(did_you_mean("wbe", apps), Some("web"));
        assert_eq!(did_you_mean("webb", apps), Some("web"));
        assert_eq!(did_you_mean("api", apps), None);
        // Two letters are too few to call one a typo of the other.
        assert_eq!(did_you_mean("ab", ["ac"]), None);
    }

    #[test]
    fn a_tie_is_broken_the_same_in_any_order() {
        // `apx` and `apy` are scored alike against `apz`.
        let one = did_you_mean("apz", ["apx", "apy"]);
        assert_eq!(one, did_you_mean("apz", ["apy", "apx"]));
        assert!(one.is_some());
    }

    #[test]
    fn counts_read_as_prose() {
        assert_eq!(count(0, "app", "apps"), "0 apps");
        assert_eq!(count(1, "app", "apps"), "1 app");
        assert_eq!(count(2, "entry", "entries"), "2 entries");
    }
}
