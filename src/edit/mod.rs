//! In-place edits of a project's KDL files, for commands that change the
//! source rather than the output (`kiln set image`).
//!
//! An edit replaces one byte range of one file, or inserts at one offset;
//! every other byte is kept, comments, layout and order included. Where
//! things are comes from the checker's spans (a node's start, a value) and
//! from the formatter's tokens ([`crate::editor::kdlfmt::lex`]), which find a
//! node's block, its children and the end of its entries in any layout.
//! New lines are indented like their surroundings.

pub mod image;

use crate::editor::kdlfmt::{Tok, lex};
use crate::span::{FileId, Span};
pub use crate::syntax::quote::quote;

/// One replacement of a byte range of one file; an insertion when the
/// range is empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// `text` with `edits` applied. Ranges must not overlap; insertions at the
/// same offset keep the order they are given in.
pub fn apply(text: &str, edits: &[&TextEdit]) -> String {
    let mut sorted: Vec<(usize, &TextEdit)> = edits.iter().copied().enumerate().collect();
    sorted.sort_by_key(|(i, e)| (e.start, e.end, *i));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (_, e) in sorted {
        let start = e.start.clamp(at, text.len());
        out.push_str(&text[at..start]);
        out.push_str(&e.text);
        at = e.end.clamp(start, text.len());
    }
    out.push_str(&text[at..]);
    out
}

/// The byte range of the value written at `span`: a value span from the
/// checker, which for a property may start at spaces or `=`, and may hold
/// a type annotation before the value.
pub fn value_range(text: &str, span: Span) -> Option<(usize, usize)> {
    let (start, end) = (span.start as usize, span.end as usize);
    let slice = text.get(start..end)?;
    lex(slice)
        .into_iter()
        .rev()
        .find_map(|(at, tok)| match tok {
            Tok::Word(w) => Some((start + at, start + at + w.len())),
            _ => None,
        })
}

/// The tokens of `text` from `from` on, with offsets into `text`.
fn tokens_from(text: &str, from: usize) -> Vec<(usize, Tok<'_>)> {
    let from = from.min(text.len());
    let from = (0..=from)
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    lex(&text[from..])
        .into_iter()
        .map(|(at, t)| (from + at, t))
        .collect()
}

/// What follows a node's head: where its entries end, and its block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeShape {
    /// Just after the last entry (or the name): where a property goes.
    pub head_end: usize,
    /// The offsets of the block's `{` and `}`, when it has a block.
    pub block: Option<(usize, usize)>,
}

/// The shape of the node that starts at `start` in `text`.
pub fn node_shape(text: &str, start: usize) -> NodeShape {
    let toks = tokens_from(text, start);
    let mut head_end = start;
    let mut escaped = false;
    let mut slashdash = false;
    let mut i = 0;
    while i < toks.len() {
        let (at, tok) = &toks[i];
        match tok {
            Tok::Space(_) | Tok::LineComment(_) | Tok::BlockComment(_) => {}
            Tok::Escline => escaped = true,
            Tok::Newline if escaped => escaped = false,
            Tok::Newline | Tok::Semicolon | Tok::Close => break,
            Tok::Slashdash => slashdash = true,
            Tok::Open => {
                let close = matching_close(&toks, i);
                if !slashdash {
                    return NodeShape {
                        head_end,
                        block: close.map(|c| (*at, c)),
                    };
                }
                // A slashdashed block: skip it whole.
                slashdash = false;
                match close {
                    Some(c) => {
                        i = toks.iter().position(|(o, _)| *o == c).unwrap_or(toks.len());
                    }
                    None => break,
                }
            }
            Tok::Word(w) => {
                head_end = at + w.len();
                slashdash = false;
            }
            Tok::ParenClose => head_end = at + 1,
            Tok::Equals | Tok::ParenOpen => {}
        }
        i += 1;
    }
    NodeShape {
        head_end,
        block: None,
    }
}

/// The offset of the `}` that closes the `{` at `toks[open]`.
fn matching_close(toks: &[(usize, Tok<'_>)], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (at, tok) in &toks[open..] {
        match tok {
            Tok::Open => depth += 1,
            Tok::Close => {
                depth -= 1;
                if depth == 0 {
                    return Some(*at);
                }
            }
            _ => {}
        }
    }
    None
}

/// The nodes directly inside the block `{`…`}` at `(open, close)`: each
/// one's name (unquoted when it is a plain quoted string) and start.
/// Slashdashed nodes are left out.
pub fn children(text: &str, (open, close): (usize, usize)) -> Vec<(String, usize)> {
    let toks = tokens_from(text, open + 1);
    let mut out = Vec::new();
    let mut at_start = true;
    let mut escaped = false;
    let mut slashdash = false;
    let mut depth = 0usize;
    // A node's type annotation, `(t)name`: the node starts at `(`.
    let mut typed: Option<usize> = None;
    let mut in_type = false;
    for (at, tok) in toks {
        if at >= close {
            break;
        }
        match tok {
            Tok::Open => depth += 1,
            Tok::Close => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    at_start = true;
                }
            }
            _ if depth > 0 => {}
            Tok::Escline => escaped = true,
            Tok::Newline if escaped => escaped = false,
            Tok::Newline | Tok::Semicolon => {
                at_start = true;
                slashdash = false;
            }
            Tok::Slashdash if at_start => slashdash = true,
            Tok::ParenOpen if at_start => {
                typed = Some(at);
                in_type = true;
            }
            Tok::ParenClose => in_type = false,
            Tok::Word(_) if in_type => {}
            Tok::Word(w) if at_start => {
                at_start = false;
                let start = typed.take().unwrap_or(at);
                if !std::mem::take(&mut slashdash) {
                    out.push((unquote(w), start));
                }
            }
            _ => {}
        }
    }
    out
}

/// A node name or argument as written, without the quotes of a plain
/// quoted string.
fn unquote(word: &str) -> String {
    match word.strip_prefix('"').and_then(|w| w.strip_suffix('"')) {
        Some(inner) if !inner.contains('\\') => inner.to_string(),
        _ => word.to_string(),
    }
}

/// The whitespace that starts the line holding `offset`, when only
/// whitespace comes before `offset` on it.
fn indent_at(text: &str, offset: usize) -> Option<&str> {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..offset];
    before
        .chars()
        .all(|c| c == ' ' || c == '\t')
        .then_some(before)
}

/// One level of indentation as the file writes it: the leading
/// whitespace of its first indented line, else four spaces.
fn indent_unit(text: &str) -> String {
    text.lines()
        .find_map(|l| {
            let n = l.len() - l.trim_start_matches([' ', '\t']).len();
            (n > 0 && n < l.len()).then(|| l[..n].to_string())
        })
        .unwrap_or_else(|| "    ".to_string())
}

/// A new child of the node at `start`, given as lines with their depth
/// below the child (0 for the child's own line): an insertion at the end
/// of the node's block, indented like the block's other children, or a
/// new block after the node's entries when it has none.
pub fn add_child(text: &str, file: FileId, start: usize, lines: &[(usize, String)]) -> TextEdit {
    let unit = indent_unit(text);
    // New lines end like the file's lines.
    let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let own = indent_at(text, start).unwrap_or("").to_string();
    let shape = node_shape(text, start);
    let render = |base: &str| {
        // One level as this block indents its children, else as the file does.
        let unit = base
            .strip_prefix(own.as_str())
            .filter(|u| !u.is_empty())
            .unwrap_or(unit.as_str());
        lines
            .iter()
            .map(|(depth, line)| format!("{base}{}{line}", unit.repeat(*depth)))
            .collect::<Vec<_>>()
    };
    let Some((open, close)) = shape.block else {
        let body = render(&format!("{own}{unit}")).join(nl);
        return TextEdit {
            file,
            start: shape.head_end,
            end: shape.head_end,
            text: format!(" {{{nl}{body}{nl}{own}}}"),
        };
    };
    let inner = &text[open + 1..close];
    if !inner.contains('\n') {
        // A one-line block stays one line: `{ a 1; b 2 }`.
        let flat = lines
            .iter()
            .map(|(_, l)| l.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let content_end = open + 1 + inner.trim_end().len();
        if inner.trim().is_empty() {
            return TextEdit {
                file,
                start: open + 1,
                end: close,
                text: format!(" {flat} "),
            };
        }
        return TextEdit {
            file,
            start: content_end,
            end: content_end,
            text: format!("; {flat}"),
        };
    }
    // Indented like the last child, else one level below the node.
    let child_indent = children(text, (open, close))
        .last()
        .and_then(|(_, at)| indent_at(text, *at))
        .map(str::to_string)
        .unwrap_or_else(|| format!("{own}{unit}"));
    let body = render(&child_indent).join(nl);
    match indent_at(text, close) {
        // `}` on a line of its own: the new lines go just above it.
        Some(close_indent) => {
            let line_start = close - close_indent.len();
            TextEdit {
                file,
                start: line_start,
                end: line_start,
                text: format!("{body}{nl}"),
            }
        }
        None => TextEdit {
            file,
            start: close,
            end: close,
            text: format!("{nl}{body}{nl}{own}"),
        },
    }
}

/// A new property after the entries of the node at `start`.
pub fn add_property(text: &str, file: FileId, start: usize, property: &str) -> TextEdit {
    let at = node_shape(text, start).head_end;
    TextEdit {
        file,
        start: at,
        end: at,
        text: format!(" {property}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edited(text: &str, edit: TextEdit) -> String {
        apply(text, &[&edit])
    }

    #[test]
    fn finds_values_behind_equals_and_types() {
        let text = "vars tag = (t)\"1.8\" other=2";
        let span = Span::new(0, 8, 19);
        let (s, e) = value_range(text, span).unwrap();
        assert_eq!(&text[s..e], "\"1.8\"");
    }

    #[test]
    fn shapes_of_nodes() {
        let text = "a 1 k=2 // c\nb \\\n  3 {\n  c /-{ x }\n}\nd /-{ y } { z }\n";
        assert_eq!(
            node_shape(text, 0),
            NodeShape {
                head_end: 7,
                block: None
            }
        );
        let b = text.find('b').unwrap();
        let shape = node_shape(text, b);
        assert_eq!(&text[b..shape.head_end], "b \\\n  3");
        let (open, close) = shape.block.unwrap();
        assert_eq!(&text[open..=close], "{\n  c /-{ x }\n}");
        let d = text.find('d').unwrap();
        let (open, close) = node_shape(text, d).block.unwrap();
        assert_eq!(&text[open..=close], "{ z }");
    }

    #[test]
    fn lists_children_without_slashdashed_ones() {
        let text = "env \"p\" {\n    vars a=1\n    /-vars b=2\n    app \"web\" { image \"x\" }; flavor \"ha\"\n    (t)\"typed\" 1\n}\n";
        let block = node_shape(text, 0).block.unwrap();
        let kids = children(text, block);
        let names: Vec<&str> = kids.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(names, ["vars", "app", "flavor", "typed"]);
        assert!(text[kids[3].1..].starts_with("(t)\"typed\""));
    }

    #[test]
    fn adds_children_in_every_layout() {
        let line = [(0, "image \"x:1\"".to_string())];
        let text = "app \"web\" {\n\treplicas 2 // two\n}\n";
        assert_eq!(
            edited(text, add_child(text, 0, 0, &line)),
            "app \"web\" {\n\treplicas 2 // two\n\timage \"x:1\"\n}\n"
        );
        let text = "env \"p\" {\n  app \"web\" { replicas 2 }\n}\n";
        let at = text.find("app").unwrap();
        assert_eq!(
            edited(text, add_child(text, 0, at, &line)),
            "env \"p\" {\n  app \"web\" { replicas 2; image \"x:1\" }\n}\n"
        );
        let text = "app \"web\" {}\n";
        assert_eq!(
            edited(text, add_child(text, 0, 0, &line)),
            "app \"web\" { image \"x:1\" }\n"
        );
        let text = "  app \"web\" // note\n";
        assert_eq!(
            edited(text, add_child(text, 0, 2, &line)),
            "  app \"web\" {\n    image \"x:1\"\n  } // note\n"
        );
        let nested = [
            (0, "app \"web\" {".to_string()),
            (1, "image \"x:1\"".to_string()),
            (0, "}".to_string()),
        ];
        let text = "env \"p\" {\n    vars a=1\n}\n";
        assert_eq!(
            edited(text, add_child(text, 0, 0, &nested)),
            "env \"p\" {\n    vars a=1\n    app \"web\" {\n        image \"x:1\"\n    }\n}\n"
        );
    }

    #[test]
    fn new_lines_end_like_the_files() {
        let line = [(0, "image \"x:1\"".to_string())];
        let text = "env \"p\" {\r\n    vars a=1\r\n}\r\nenv \"q\"\r\n";
        let with_block = edited(text, add_child(text, 0, 0, &line));
        assert_eq!(
            with_block,
            "env \"p\" {\r\n    vars a=1\r\n    image \"x:1\"\r\n}\r\nenv \"q\"\r\n"
        );
        let q = text.find("env \"q\"").unwrap();
        assert_eq!(
            edited(text, add_child(text, 0, q, &line)),
            "env \"p\" {\r\n    vars a=1\r\n}\r\nenv \"q\" {\r\n    image \"x:1\"\r\n}\r\n"
        );
    }

    #[test]
    fn adds_properties_after_the_last_entry() {
        let text = "vars a=1 /-b=2 // c\n";
        assert_eq!(
            edited(text, add_property(text, 0, 0, "tag=\"1\"")),
            "vars a=1 /-b=2 tag=\"1\" // c\n"
        );
    }

    #[test]
    fn quotes_like_kdl() {
        assert_eq!(quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(quote("x\u{1}"), "\"x\\u{1}\"");
    }

    #[test]
    fn applies_insertions_in_order() {
        let a = TextEdit {
            file: 0,
            start: 1,
            end: 1,
            text: "A".into(),
        };
        let b = TextEdit {
            file: 0,
            start: 1,
            end: 1,
            text: "B".into(),
        };
        let c = TextEdit {
            file: 0,
            start: 2,
            end: 3,
            text: "C".into(),
        };
        assert_eq!(apply("xyz", &[&a, &c, &b]), "xAByC");
    }
}
