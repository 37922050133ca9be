//! A command's arguments as a source of their own, `<command line>`, so
//! that a diagnostic about an argument (an unknown app, a malformed
//! `APP=REF`, a `--set` without a value) points at it like a diagnostic
//! about a file points at a line. Every command builds its one source
//! here: its positional arguments, then the `--var`/`--set` flags that
//! [`super::Context::compile_with`] pushes.

use crate::span::{FileId, Sources, Span};

/// The text of a command line being written, argument by argument; each
/// argument's place is known once the text is a source ([`Self::finish`]).
/// Cloned by a command that checks its arguments before the project is
/// read, and again with the compile's sources.
#[derive(Clone, Debug)]
pub(super) struct CommandLine {
    text: String,
    /// Each argument's start and end in `text`.
    ranges: Vec<(usize, usize)>,
}

impl CommandLine {
    /// A command line that starts with `command` (such as `kiln explain`).
    pub(super) fn new(command: &str) -> Self {
        CommandLine {
            text: command.to_string(),
            ranges: Vec::new(),
        }
    }

    /// Appends ` FLAG VALUE` (` VALUE` without a flag); returns the
    /// argument's index for [`Spans::of`].
    pub(super) fn push(&mut self, flag: Option<&str>, value: &str) -> usize {
        if let Some(flag) = flag {
            self.text.push(' ');
            self.text.push_str(flag);
        }
        self.text.push(' ');
        let start = self.text.len();
        self.text.push_str(value);
        self.ranges.push((start, self.text.len()));
        self.ranges.len() - 1
    }

    /// Adds the text to `sources` as `<command line>`.
    pub(super) fn finish(mut self, sources: &mut Sources) -> Spans {
        self.text.push('\n');
        let file = sources.add("<command line>", None, self.text);
        Spans {
            file,
            ranges: self.ranges,
        }
    }
}

/// Where each argument of a [`CommandLine`] is, in its source.
pub(super) struct Spans {
    file: FileId,
    ranges: Vec<(usize, usize)>,
}

impl Spans {
    /// The source the arguments are in.
    pub(super) fn file(&self) -> FileId {
        self.file
    }

    /// The span of argument `index` (as [`CommandLine::push`] returned it).
    pub(super) fn of(&self, index: usize) -> Span {
        let (start, end) = self.ranges[index];
        Span::new(self.file, start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_argument_spans_its_own_text() {
        let mut line = CommandLine::new("kiln set image");
        let pair = line.push(None, "web=nginx:1");
        let env = line.push(Some("--env"), "staging");
        let mut sources = Sources::default();
        let spans = line.finish(&mut sources);
        assert_eq!(
            sources.get(spans.of(pair).file).text.as_str(),
            "kiln set image web=nginx:1 --env staging\n"
        );
        assert_eq!(sources.slice(spans.of(pair)), "web=nginx:1");
        assert_eq!(sources.slice(spans.of(env)), "staging");
    }
}
