//! A fast reader for the plain KDL 2.0 that kiln files are made of.
//!
//! The `kdl` crate's parser builds an error context (with allocated labels)
//! for every alternative it tries, which made parsing a fifth of a fleet's
//! render. Most kiln files use a small part of KDL: bare and quoted names,
//! quoted strings with simple escapes, bare identifier strings, decimal
//! numbers, `#true`/`#false`/`#null`, `key=value` properties, child blocks
//! and `//` comments. This reader builds the same [`KdlDocument`] for those
//! (the same names, values and spans; not kdl's formatting, which kiln's
//! checker never reads) and declines everything else, which then goes to
//! the `kdl` crate: raw and multi-line strings, `/* */` and `/-` comments,
//! type annotations, line continuations, other number forms, non-ASCII
//! outside strings, and any error. Debug builds check every document it
//! reads against the `kdl` crate's.

use kdl::{KdlDocument, KdlEntry, KdlIdentifier, KdlNode, KdlValue};

/// The document, or `None` when `text` is outside the subset read here.
pub fn parse(text: &str) -> Option<KdlDocument> {
    if !plain_chars(text) {
        return None;
    }
    let mut r = Reader {
        s: text.as_bytes(),
        text,
        i: 0,
    };
    let doc = r.document(false)?;
    (r.i == r.s.len()).then_some(doc)
}

/// Whether every character is one KDL reads plainly everywhere: no
/// control character but tab and newline, no byte-order mark, no line or
/// paragraph separator, none of the bidirectional controls KDL forbids.
fn plain_chars(text: &str) -> bool {
    text.chars().all(|c| match c {
        '\t' | '\n' => true,
        c if c.is_ascii() => !c.is_ascii_control(),
        '\u{80}'..='\u{9F}'
        | '\u{200E}'..='\u{200F}'
        | '\u{2028}'..='\u{2029}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}' => false,
        _ => true,
    })
}

struct Reader<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn at(&self, k: usize) -> Option<u8> {
        self.s.get(self.i + k).copied()
    }

    /// Spaces and tabs.
    fn spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    /// A `//` comment, up to (not including) the newline.
    fn comment(&mut self) -> bool {
        if self.peek() == Some(b'/') && self.at(1) == Some(b'/') {
            while !matches!(self.peek(), None | Some(b'\n')) {
                self.i += 1;
            }
            true
        } else {
            false
        }
    }

    /// Spaces, newlines and comments between nodes.
    fn line_space(&mut self) {
        loop {
            self.spaces();
            if self.peek() == Some(b'\n') {
                self.i += 1;
            } else if !self.comment() {
                return;
            }
        }
    }

    /// Nodes up to the end of the text, or to a `}` when `in_block`.
    fn document(&mut self, in_block: bool) -> Option<KdlDocument> {
        let mut doc = KdlDocument::new();
        self.line_space();
        let start = self.i;
        let mut end = self.i;
        loop {
            match self.peek() {
                None if !in_block => break,
                Some(b'}') if in_block => break,
                None | Some(b'}') => return None,
                _ => {}
            }
            let node = self.node()?;
            end = node.span().offset() + node.span().len();
            doc.nodes_mut().push(node);
            // The terminator: `;`, a newline, a comment, or the end.
            match self.peek() {
                Some(b';') | Some(b'\n') => self.i += 1,
                Some(b'/') if self.comment() => {}
                None | Some(b'}') => {}
                _ => return None,
            }
            self.line_space();
        }
        doc.set_span((start, end - start));
        Some(doc)
    }

    fn node(&mut self) -> Option<KdlNode> {
        let start = self.i;
        let name = self.identifier()?;
        let mut node = KdlNode::new(name);
        loop {
            let before = self.i;
            self.spaces();
            let spaced = self.i > before;
            match self.peek() {
                None | Some(b';' | b'\n' | b'}') => break,
                Some(b'/') if self.at(1) == Some(b'/') => break,
                Some(b'{') if spaced => {
                    self.i += 1;
                    let children = self.document(true)?;
                    self.i += 1; // `}`
                    node.set_children(children);
                    self.spaces();
                    break;
                }
                Some(_) if spaced => {
                    let entry = self.entry()?;
                    node.push(entry);
                }
                Some(_) => return None,
            }
        }
        node.set_span((start, self.i - start));
        Some(node)
    }

    /// An argument or a `key=value` property.
    fn entry(&mut self) -> Option<KdlEntry> {
        let start = self.i;
        let first = self.peek()?;
        if first == b'"' || is_ident_start(first) {
            let word = self.identifier()?;
            if self.peek() == Some(b'=') {
                self.i += 1;
                let value = self.value()?;
                let mut e = KdlEntry::new_prop(word, value);
                e.set_span((start, self.i - start));
                return Some(e);
            }
            // A string value: no `=` may follow after spaces either.
            let mut k = self.i;
            while matches!(self.s.get(k), Some(b' ' | b'\t')) {
                k += 1;
            }
            if self.s.get(k) == Some(&b'=') {
                return None;
            }
            let mut e = KdlEntry::new(KdlValue::String(word.value().to_string()));
            e.set_span((start, self.i - start));
            return Some(e);
        }
        let value = self.value()?;
        let mut e = KdlEntry::new(value);
        e.set_span((start, self.i - start));
        Some(e)
    }

    /// A value after `=`, or an argument that is not a string.
    fn value(&mut self) -> Option<KdlValue> {
        let start = self.i;
        let value = match self.peek()? {
            b'"' => KdlValue::String(self.quoted()?),
            b'#' => {
                let rest = &self.s[self.i + 1..];
                let (v, n) = if rest.starts_with(b"true") {
                    (KdlValue::Bool(true), 4)
                } else if rest.starts_with(b"false") {
                    (KdlValue::Bool(false), 5)
                } else if rest.starts_with(b"null") {
                    (KdlValue::Null, 4)
                } else {
                    return None;
                };
                self.i += 1 + n;
                v
            }
            b'-' | b'0'..=b'9' => self.number()?,
            c if is_ident_start(c) => KdlValue::String(self.bare()?),
            _ => return None,
        };
        // A value ends where an entry may end.
        match self.peek() {
            None | Some(b' ' | b'\t' | b'\n' | b';' | b'}') => Some(value),
            Some(b'/') if self.at(1) == Some(b'/') => Some(value),
            _ => {
                self.i = start;
                None
            }
        }
    }

    /// `-?[0-9]+(.[0-9]+)?`, without leading zeros.
    fn number(&mut self) -> Option<KdlValue> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let int_start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        let int_len = self.i - int_start;
        if int_len == 0 || (int_len > 1 && self.s[int_start] == b'0') {
            return None;
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            let frac_start = self.i;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
            if self.i == frac_start {
                return None;
            }
            let f: f64 = self.text[start..self.i].parse().ok()?;
            return f.is_finite().then_some(KdlValue::Float(f));
        }
        let n: i128 = self.text[start..self.i].parse().ok()?;
        Some(KdlValue::Integer(n))
    }

    /// A node name or property key: bare or quoted.
    fn identifier(&mut self) -> Option<KdlIdentifier> {
        let start = self.i;
        let value = if self.peek() == Some(b'"') {
            self.quoted()?
        } else {
            self.bare()?
        };
        let mut id = KdlIdentifier::from(value);
        id.set_span((start, self.i - start));
        Some(id)
    }

    /// A bare identifier: a letter or `_`, then letters, digits, `-`, `_`
    /// and `.`; never one of KDL's keywords, which must be written `#true`.
    fn bare(&mut self) -> Option<String> {
        let start = self.i;
        if !is_ident_start(self.peek()?) {
            return None;
        }
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        {
            self.i += 1;
        }
        // Anything else that KDL allows in an identifier goes to kdl.
        match self.peek() {
            None | Some(b' ' | b'\t' | b'\n' | b';' | b'}' | b'{' | b'=' | b'/') => {}
            _ => return None,
        }
        let word = &self.text[start..self.i];
        if matches!(word, "true" | "false" | "null" | "inf" | "nan") {
            return None;
        }
        Some(word.to_string())
    }

    /// A one-line quoted string with the escapes `\" \\ \n \t \r \b \f \s`
    /// and `\u{…}`.
    fn quoted(&mut self) -> Option<String> {
        // `"""` starts a multi-line string.
        if self.at(1) == Some(b'"') && self.at(2) == Some(b'"') {
            return None;
        }
        self.i += 1;
        let mut out = String::new();
        let mut run = self.i;
        loop {
            match self.peek()? {
                b'"' => {
                    out.push_str(&self.text[run..self.i]);
                    self.i += 1;
                    return Some(out);
                }
                b'\n' => return None,
                b'\\' => {
                    out.push_str(&self.text[run..self.i]);
                    let c = match self.at(1)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b's' => ' ',
                        b'u' if self.at(2) == Some(b'{') => {
                            let hex_start = self.i + 3;
                            let len = self.s[hex_start..].iter().position(|&b| b == b'}')?;
                            if len == 0 || len > 6 {
                                return None;
                            }
                            let hex = &self.text[hex_start..hex_start + len];
                            let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                            self.i = hex_start + len + 1;
                            out.push(c);
                            run = self.i;
                            continue;
                        }
                        _ => return None,
                    };
                    out.push(c);
                    self.i += 2;
                    run = self.i;
                }
                _ => self.i += 1,
            }
        }
    }
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

/// Panics when the fast reader reads `text` and the `kdl` crate refuses it
/// or reads it differently (see [`assert_same`]); debug builds, the tests
/// and the `kdl_reader` fuzz target call it.
pub fn assert_agrees(text: &str) {
    if let Some(fast) = parse(text) {
        let full = KdlDocument::parse_v2(text)
            .unwrap_or_else(|e| panic!("the fast KDL reader read {text:?}, kdl refuses it: {e:?}"));
        assert_same(&fast, &full, text);
    }
}

/// Panics unless `fast` and `full` agree on everything kiln reads: names,
/// values and the spans of documents, nodes, names and entries.
pub fn assert_same(fast: &KdlDocument, full: &KdlDocument, text: &str) {
    fn span(s: &miette::SourceSpan) -> (usize, usize) {
        (s.offset(), s.len())
    }
    fn doc(a: &KdlDocument, b: &KdlDocument, text: &str) {
        assert_eq!(
            span(&a.span()),
            span(&b.span()),
            "document span in {text:?}"
        );
        assert_eq!(a.nodes().len(), b.nodes().len(), "node count in {text:?}");
        for (x, y) in a.nodes().iter().zip(b.nodes()) {
            assert_eq!(x.name().value(), y.name().value(), "node name in {text:?}");
            assert_eq!(
                span(&x.name().span()),
                span(&y.name().span()),
                "name span in {text:?}"
            );
            assert_eq!(span(&x.span()), span(&y.span()), "node span in {text:?}");
            assert!(
                y.ty().is_none(),
                "a type annotation read by the fast reader in {text:?}"
            );
            assert_eq!(
                x.entries().len(),
                y.entries().len(),
                "entry count in {text:?}"
            );
            for (e, f) in x.entries().iter().zip(y.entries()) {
                assert_eq!(
                    e.name().map(|n| n.value()),
                    f.name().map(|n| n.value()),
                    "key in {text:?}"
                );
                assert_eq!(
                    e.name().map(|n| span(&n.span())),
                    f.name().map(|n| span(&n.span())),
                    "key span in {text:?}"
                );
                assert_eq!(e.value(), f.value(), "value in {text:?}");
                assert_eq!(span(&e.span()), span(&f.span()), "entry span in {text:?}");
                assert!(
                    f.ty().is_none(),
                    "an entry type read by the fast reader in {text:?}"
                );
            }
            match (x.children(), y.children()) {
                (Some(c), Some(d)) => doc(c, d, text),
                (None, None) => {}
                _ => panic!("children differ in {text:?}"),
            }
        }
    }
    doc(fast, full, text);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(text: &str) {
        let fast = parse(text).unwrap_or_else(|| panic!("declined {text:?}"));
        let full = KdlDocument::parse_v2(text).expect("kdl parses it");
        assert_same(&fast, &full, text);
    }

    fn declined(text: &str) {
        assert!(parse(text).is_none(), "read {text:?}");
    }

    #[test]
    fn reads_what_kiln_files_are_made_of() {
        same("");
        same("\n\n// only a comment\n");
        same(
            "project \"shop\" // c\n\nnode   a   \"b c\" k=1 k2=\"x\\ty\" -3.5 #true #null  {\n  child;  other x=y\n  \n}\nlast 1 ; after 2\nempty {}\n",
        );
        same(
            "app \"web\" {\n    image \"nginx:1.27\"\n    port 8080 name=\"http\"\n    env \"A\" \"\\u{1F600} é\"\n}\n",
        );
        same("a {\n}\nb { }\nc { x }\nd {x}\n");
        same("  lead 1   \n\ttabbed\t2\t\n");
        same("n \"quoted name\"=1 \"\"\n\"node name\" 0 -0 10 -12.50 3.0\n");
        same("a; b; c\n");
        same("x 1 // trailing\ny {\n  // inside\n  z\n}// after\n");
        same("deep { a { b { c 1 } } }");
        same("no_newline_at_end 1");
        same("a b_c.d-e f=g.h\n");
    }

    #[test]
    fn declines_the_rest() {
        declined("a (t)1\n");
        declined("(t)a\n");
        declined("a #\"raw\"#\n");
        declined("a \"\"\"\nmulti\n\"\"\"\n");
        declined("a /* c */ 1\n");
        declined("/-a 1\n");
        declined("a /-1\n");
        declined("a \\\n 1\n");
        declined("a 0x10 1e3 1_000 +1 .5 007\n");
        declined("a k = 1\n");
        declined("a k =1\n");
        declined("a #inf\n");
        declined("a true\n");
        declined("a\r\nb\n");
        declined("a\u{2028}b\n");
        declined("\u{FEFF}a\n");
        declined("é 1\n");
        declined("a b/c\n");
        declined("a \"unterminated\n");
        declined("a {\n");
        declined("}\n");
        declined("a \"\\q\"\n");
        declined("a{}\n");
        declined("a 1{}\n");
        declined("a \"x\"y\n");
    }

    /// Every document the fast reader accepts, kdl reads the same; edits
    /// of real files (a byte removed, a tricky text inserted) probe the
    /// edges of the subset.
    #[test]
    fn edited_files_are_read_the_same_or_declined() {
        const INSERTS: &[&str] = &[
            " ", "\n", "\n", ";", "{", "}", "=", "\"", "#", "/", "//", "-", "0", "1.", "(", "\\",
            "é", "a", "_", ".", " =", "#tru", "\t", "\\u{41}",
        ];
        let mut read = 0;
        let mut checked = 0;
        for (name, text) in crate::syntax::stdlib_files() {
            if !name.ends_with(".kdl") {
                continue;
            }
            let text = &text[..text.len().min(1500)];
            let mut cut = 0;
            while cut < text.len() {
                let mut variants = Vec::new();
                if text.is_char_boundary(cut) {
                    let next = text[cut..].chars().next().map_or(1, char::len_utf8);
                    variants.push(format!("{}{}", &text[..cut], &text[cut + next..]));
                    for ins in INSERTS {
                        variants.push(format!("{}{ins}{}", &text[..cut], &text[cut..]));
                    }
                }
                for v in variants {
                    checked += 1;
                    if parse(&v).is_some() {
                        read += 1;
                        assert_agrees(&v);
                    }
                }
                cut += 19;
            }
        }
        assert!(read > 500 && checked > read, "read {read} of {checked}");
    }

    #[test]
    fn every_stdlib_and_example_file_is_read_the_same() {
        let mut n = 0;
        for (name, text) in crate::syntax::stdlib_files() {
            if name.ends_with(".kdl") {
                same(text);
                n += 1;
            }
        }
        assert!(n >= 5);
        let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let mut stack = vec![examples];
        let mut m = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "kdl") {
                    same(&std::fs::read_to_string(&path).unwrap());
                    m += 1;
                }
            }
        }
        assert!(m >= 5, "{m} example files");
    }
}
