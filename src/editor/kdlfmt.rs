//! The canonical layout of a KDL file, for `kiln fmt`.
//!
//! A token-level reformatter over the source text rather than kdl's
//! `autoformat()`, which drops end-of-line comments: every comment (line,
//! end-of-line, block, slashdash) is a token here and is written back.
//! Strings, numbers and identifiers are copied as written, so a value can't
//! change; only the space between tokens is rewritten: 4-space indent, one
//! node per line, one space between entries, none around `=` or inside a
//! type annotation, at most one blank line in a row.
//!
//! The input must parse as KDL 2.0 (callers check); [`format`] then checks
//! that its output parses to the same document, so a bug here can refuse a
//! file but never corrupt one.

use kdl::KdlDocument;

/// One lexical piece of a KDL document.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok<'a> {
    /// Spaces and tabs (and the other KDL whitespace), as written.
    Space(&'a str),
    Newline,
    /// `// …` up to the end of the line, newline excluded.
    LineComment(&'a str),
    /// `/* … */`, nested ones included, possibly over several lines.
    BlockComment(&'a str),
    /// `/-`
    Slashdash,
    /// `\`: the node goes on on the next line.
    Escline,
    Open,
    Close,
    Semicolon,
    Equals,
    ParenOpen,
    ParenClose,
    /// An identifier, string (any kind), number or keyword, verbatim.
    Word(&'a str),
}

fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | ' ' | '\u{00A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' | '\u{FEFF}'
    )
}

fn is_newline(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0085}' | '\u{000B}' | '\u{000C}' | '\u{2028}' | '\u{2029}'
    )
}

fn ends_word(c: char) -> bool {
    is_space(c) || is_newline(c) || matches!(c, '(' | ')' | '{' | '}' | ';' | '=' | '"' | '\\')
}

/// Splits `text` into tokens, each with its byte offset. Never fails: an unterminated string or
/// comment runs to the end of the text.
pub(crate) fn lex(text: &str) -> Vec<(usize, Tok<'_>)> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let Some(c) = rest.chars().next() else { break };
        let start = i;
        if is_space(c) {
            let n = rest.find(|c| !is_space(c)).unwrap_or(rest.len());
            out.push((start, Tok::Space(&rest[..n])));
            i += n;
        } else if is_newline(c) {
            i += if rest.starts_with("\r\n") {
                2
            } else {
                c.len_utf8()
            };
            out.push((start, Tok::Newline));
        } else if rest.starts_with("//") {
            let n = rest.find(is_newline).unwrap_or(rest.len());
            out.push((
                start,
                Tok::LineComment(rest[..n].trim_end_matches(is_space)),
            ));
            i += n;
        } else if rest.starts_with("/*") {
            let mut depth = 0usize;
            let mut j = i;
            while j < text.len() {
                if b[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if b[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            let j = floor_char(text, j.min(text.len()));
            out.push((start, Tok::BlockComment(&text[start..j])));
            i = j;
        } else if rest.starts_with("/-") {
            out.push((start, Tok::Slashdash));
            i += 2;
        } else {
            match c {
                '\\' => {
                    out.push((start, Tok::Escline));
                    i += 1;
                }
                '{' => {
                    out.push((start, Tok::Open));
                    i += 1;
                }
                '}' => {
                    out.push((start, Tok::Close));
                    i += 1;
                }
                ';' => {
                    out.push((start, Tok::Semicolon));
                    i += 1;
                }
                '=' => {
                    out.push((start, Tok::Equals));
                    i += 1;
                }
                '(' => {
                    out.push((start, Tok::ParenOpen));
                    i += 1;
                }
                ')' => {
                    out.push((start, Tok::ParenClose));
                    i += 1;
                }
                '"' => {
                    let end = quoted_end(text, i);
                    out.push((start, Tok::Word(&text[start..end])));
                    i = end;
                }
                '#' => {
                    let hashes = rest.find(|c| c != '#').unwrap_or(rest.len());
                    let end = if rest[hashes..].starts_with('"') {
                        raw_end(text, i, hashes)
                    } else {
                        i + rest.find(ends_word).unwrap_or(rest.len()).max(1)
                    };
                    out.push((start, Tok::Word(&text[start..end])));
                    i = end;
                }
                _ => {
                    let n = rest.find(ends_word).unwrap_or(rest.len()).max(c.len_utf8());
                    out.push((start, Tok::Word(&rest[..n])));
                    i += n;
                }
            }
        }
    }
    out
}

/// The largest char boundary at or below `i`.
fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The end of a quoted string (single- or triple-quoted) starting at `i`.
fn quoted_end(text: &str, i: usize) -> usize {
    let b = text.as_bytes();
    let triple = b[i..].starts_with(b"\"\"\"");
    let mut j = i + if triple { 3 } else { 1 };
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' if !triple => return j + 1,
            b'"' if b[j..].starts_with(b"\"\"\"") => return j + 3,
            _ => j += 1,
        }
    }
    text.len()
}

/// The end of a raw string `#…"…"#…` with `hashes` hashes starting at `i`.
fn raw_end(text: &str, i: usize, hashes: usize) -> usize {
    let quote_at = i + hashes;
    let triple = text[quote_at..].starts_with("\"\"\"");
    let open = if triple { 3 } else { 1 };
    let close = format!(
        "{}{}",
        if triple { "\"\"\"" } else { "\"" },
        "#".repeat(hashes)
    );
    match text[quote_at + open..].find(&close) {
        Some(n) => quote_at + open + n + close.len(),
        None => text.len(),
    }
}

/// Why a file was not formatted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatError {
    /// The input is not KDL 2.0.
    Parse,
    /// The output would mean something else: a bug in the formatter,
    /// caught before anything is written.
    Changed,
}

/// `text` in canonical layout, every comment kept.
pub fn format(text: &str) -> Result<String, FormatError> {
    // Through `syntax::parse`, which refuses nesting deep enough to
    // overflow the parser's stack.
    let before = crate::syntax::parse(0, text).map_err(|_| FormatError::Parse)?;
    let out = layout(text);
    let after = KdlDocument::parse_v2(&out).map_err(|_| FormatError::Changed)?;
    if normalized(before) != normalized(after) {
        return Err(FormatError::Changed);
    }
    Ok(out)
}

/// A document's meaning as text: kdl's own layout, which drops comments
/// and formatting but keeps names, values and types.
fn normalized(mut doc: KdlDocument) -> String {
    doc.autoformat_no_comments();
    doc.to_string()
}

/// Writes the tokens back with canonical spacing.
struct Printer {
    out: String,
    depth: usize,
    /// Something was written on the current line.
    content: bool,
    /// The current line continues a node (after `\`): one more indent.
    continued: bool,
    /// An empty line was seen since the last content.
    blank: bool,
    /// The last thing written was `{`: no blank line may follow.
    opened: bool,
    /// The next item must start a new line (after `{`, `}` or `;`).
    needs_break: bool,
    /// The next item is written without a space before it.
    glue: bool,
    /// The last item was `/-`.
    after_slashdash: bool,
    /// A `\` was written on this line: the node goes on on the next.
    escaped: bool,
}

impl Printer {
    fn newline(&mut self) {
        self.out.push('\n');
        self.content = false;
        self.needs_break = false;
    }

    /// Starts an item: breaks or indents or separates as needed.
    fn item(&mut self, glue_before: bool) {
        if self.needs_break && self.content {
            self.newline();
        }
        self.needs_break = false;
        if !self.content {
            if self.blank && !self.opened && !self.out.is_empty() {
                self.out.push('\n');
            }
            let depth = self.depth + usize::from(self.continued);
            self.out.push_str(&" ".repeat(depth * 4));
        } else if !(glue_before || self.glue) {
            self.out.push(' ');
        }
        self.blank = false;
        self.opened = false;
        self.glue = false;
        self.after_slashdash = false;
        self.content = true;
    }
}

fn layout(text: &str) -> String {
    let toks: Vec<Tok<'_>> = lex(text).into_iter().map(|(_, t)| t).collect();
    let mut p = Printer {
        out: String::with_capacity(text.len()),
        depth: 0,
        content: false,
        continued: false,
        blank: false,
        opened: false,
        needs_break: false,
        glue: false,
        after_slashdash: false,
        escaped: false,
    };
    let mut gap = 0usize;
    let mut k = 0;
    while k < toks.len() {
        let tok = &toks[k];
        k += 1;
        match tok {
            Tok::Space(s) => {
                gap = s.chars().count();
                continue;
            }
            Tok::Newline => {
                if p.after_slashdash {
                    // `/-` then a newline: the slashdashed node follows.
                } else if p.content {
                    p.newline();
                    p.continued = std::mem::take(&mut p.escaped);
                } else {
                    p.blank = true;
                }
            }
            Tok::LineComment(c) => {
                if p.content {
                    p.out.push_str(&" ".repeat(gap.max(1)));
                    p.out.push_str(c);
                    p.needs_break = false;
                } else {
                    p.item(false);
                    p.out.push_str(c);
                }
            }
            Tok::BlockComment(c) => {
                if p.content && p.needs_break {
                    p.out.push(' ');
                    p.out.push_str(c);
                } else {
                    p.item(false);
                    p.out.push_str(c);
                }
            }
            Tok::Slashdash => {
                p.item(false);
                p.out.push_str("/-");
                p.glue = true;
                p.after_slashdash = true;
            }
            Tok::Escline => {
                p.item(false);
                p.out.push('\\');
                p.escaped = true;
            }
            Tok::Open => {
                let empty = toks[k..]
                    .iter()
                    .find(|t| !matches!(t, Tok::Space(_) | Tok::Newline));
                p.item(false);
                if empty == Some(&Tok::Close) {
                    p.out.push_str("{}");
                    while k < toks.len() && toks[k] != Tok::Close {
                        k += 1;
                    }
                    k += 1;
                    p.needs_break = true;
                } else {
                    p.out.push('{');
                    p.depth += 1;
                    p.opened = true;
                    p.needs_break = true;
                    p.continued = false;
                }
            }
            Tok::Close => {
                if p.content {
                    p.newline();
                }
                p.depth = p.depth.saturating_sub(1);
                p.blank = false;
                p.continued = false;
                p.item(false);
                p.out.push('}');
                p.needs_break = true;
            }
            Tok::Semicolon => {
                if p.content {
                    p.needs_break = true;
                    p.continued = false;
                }
            }
            Tok::Equals => {
                p.item(true);
                p.out.push('=');
                p.glue = true;
            }
            Tok::ParenOpen => {
                p.item(false);
                p.out.push('(');
                p.glue = true;
            }
            Tok::ParenClose => {
                p.item(true);
                p.out.push(')');
                p.glue = true;
            }
            Tok::Word(w) => {
                p.item(false);
                p.out.push_str(w);
            }
        }
        gap = 0;
    }
    let mut out = p.out.trim_end().to_string();
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> String {
        let once = format(s).unwrap_or_else(|e| panic!("{e:?} on {s:?}"));
        let twice = format(&once).unwrap();
        assert_eq!(once, twice, "not idempotent");
        once
    }

    #[test]
    fn indents_and_normalizes_spacing() {
        assert_eq!(
            fmt(
                "app   \"web\"  component = \"x\"{\n  replicas 2\n\n\n\n  port 80   name=\"http\"\n}"
            ),
            "app \"web\" component=\"x\" {\n    replicas 2\n\n    port 80 name=\"http\"\n}\n"
        );
    }

    #[test]
    fn one_node_per_line() {
        assert_eq!(
            fmt("a; b { c; d }; e {}"),
            "a\nb {\n    c\n    d\n}\ne {}\n"
        );
    }

    #[test]
    fn keeps_every_comment() {
        let src = "// head\nnode 1 // end of line\n/* block */ a /* inline */ 2\n/-gone 3\nb /-4 5 /-{ x }\nc {\n    // inside\n    d  // eol\n}\n";
        let out = fmt(src);
        for c in [
            "// head",
            "// end of line",
            "/* block */",
            "/* inline */",
            "/-gone 3",
            "/-4",
            "/-{",
            "// inside",
            "// eol",
        ] {
            assert!(out.contains(c), "{c:?} lost:\n{out}");
        }
    }

    #[test]
    fn comment_after_open_brace_stays_on_its_line() {
        assert_eq!(fmt("a { // x\n b\n}"), "a { // x\n    b\n}\n");
    }

    #[test]
    fn strings_are_verbatim() {
        let src = "a #\"raw \"x\" \"# \"es\\\"c\" \"\"\"\n  multi\n    line\n  \"\"\"\n";
        assert!(fmt(src).contains("#\"raw \"x\" \"#"));
        assert!(fmt(src).contains("\"es\\\"c\""));
    }

    #[test]
    fn type_annotations_are_tight() {
        assert_eq!(fmt("( u8 )a ( u8 )1 k= ( t )2"), "(u8)a (u8)1 k=(t)2\n");
    }

    #[test]
    fn escline_is_kept() {
        let out = fmt("a 1 \\ // more\n  2\n");
        assert_eq!(out, "a 1 \\ // more\n    2\n");
    }

    #[test]
    fn backslash_in_a_comment_is_not_an_escline() {
        assert_eq!(fmt("a // C:\\\nb\n"), "a // C:\\\nb\n");
    }

    #[test]
    fn crlf_and_empty() {
        assert_eq!(fmt("a\r\nb\r\n"), "a\nb\n");
        assert_eq!(fmt(""), "");
        assert_eq!(fmt("\n\n// only\n\n"), "// only\n");
    }

    #[test]
    fn invalid_is_refused() {
        assert_eq!(format("a {"), Err(FormatError::Parse));
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let text = "a{".repeat(20_000) + &"}".repeat(20_000);
        assert_eq!(format(&text), Err(FormatError::Parse));
    }

    #[test]
    fn lexer_never_panics_on_junk() {
        for s in [
            "\"",
            "#\"",
            "/*",
            "/* /* */",
            "#",
            "\\",
            "\u{e9}#\"x",
            "r#\"",
            "\"\"\"",
        ] {
            let _ = layout(s);
        }
    }
}
