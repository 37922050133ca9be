//! YAML text in and out for kiln's objects.
//!
//! [`to_yaml`] is a small hand-written emitter rather than a general YAML
//! serializer, because what matters here is that kubectl (go-yaml, YAML 1.1
//! rules) and kiln (serde-saphyr, YAML 1.2 rules) read back exactly the
//! strings we wrote. So it quotes every string either schema could resolve
//! to something else (`yes`, `0755`, `12:30:00`, `~`, …), and only uses a
//! literal block scalar for a multi-line string when that block reads back
//! byte for byte; otherwise it writes a double-quoted string with escapes.
//!
//! [`from_yaml_documents`] reads a multi-document stream (a template's
//! output, a user's manifest file) into JSON values.

use std::fmt;

use serde_json::{Map, Value};

/// Spaces added per nesting level.
const INDENT: usize = 2;

/// Longest key written as an implicit key; YAML caps implicit keys at 1024
/// characters, so longer ones use the explicit `? key` form.
const MAX_IMPLICIT_KEY: usize = 1000;

/// Writes `v` as one YAML document: block style, keys in the value's own
/// order, lists at their parent key's indent like kubectl prints them,
/// ending with a newline and without a leading `---`.
pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(map) if !map.is_empty() => write_map(&mut out, map, 0, false),
        Value::Array(items) if !items.is_empty() => write_seq(&mut out, items, 0, false),
        Value::String(s) if block_scalar_fits(s) => {
            write_block_scalar(&mut out, s, INDENT);
        }
        _ => {
            write_inline(&mut out, v);
            out.push('\n');
        }
    }
    // Rendered files are kept until the env is written: without the slack
    // of the doubling growth, a 1000x10 fleet's files take a third less.
    out.shrink_to_fit();
    out
}

/// Where a value is written: after `key:` or after `- `.
#[derive(Clone, Copy, PartialEq)]
enum Slot {
    /// After `key:` at the given indent; a list goes at `seq_indent`.
    Key { seq_indent: usize },
    /// After `- ` at the given indent.
    Item,
}

/// Writes a non-empty mapping whose keys sit at `indent`; with
/// `inline_first` the first key follows a `- ` already written.
fn write_map(out: &mut String, map: &Map<String, Value>, indent: usize, inline_first: bool) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || !inline_first {
            push_indent(out, indent);
        }
        if key.chars().count() > MAX_IMPLICIT_KEY {
            out.push_str("? ");
            write_string_inline(out, key);
            out.push('\n');
            push_indent(out, indent);
            out.push(':');
            write_after(
                out,
                value,
                indent,
                Slot::Key {
                    seq_indent: indent + INDENT,
                },
            );
        } else {
            write_string_inline(out, key);
            out.push(':');
            write_after(out, value, indent, Slot::Key { seq_indent: indent });
        }
    }
}

/// Writes a non-empty sequence whose dashes sit at `indent`; with
/// `inline_first` the first dash follows a `- ` already written.
fn write_seq(out: &mut String, items: &[Value], indent: usize, inline_first: bool) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !inline_first {
            push_indent(out, indent);
        }
        out.push('-');
        write_after(out, item, indent, Slot::Item);
    }
}

/// Writes `value` after a `key:` or `-` at `indent`, through its last
/// newline.
fn write_after(out: &mut String, value: &Value, indent: usize, slot: Slot) {
    match (value, slot) {
        (Value::Object(map), Slot::Key { .. }) if !map.is_empty() => {
            out.push('\n');
            write_map(out, map, indent + INDENT, false);
        }
        (Value::Object(map), Slot::Item) if !map.is_empty() => {
            out.push(' ');
            write_map(out, map, indent + INDENT, true);
        }
        (Value::Array(items), Slot::Key { seq_indent }) if !items.is_empty() => {
            out.push('\n');
            write_seq(out, items, seq_indent, false);
        }
        (Value::Array(items), Slot::Item) if !items.is_empty() => {
            out.push(' ');
            write_seq(out, items, indent + INDENT, true);
        }
        (Value::String(s), _) if block_scalar_fits(s) => {
            out.push(' ');
            write_block_scalar(out, s, indent + INDENT);
        }
        _ => {
            out.push(' ');
            write_inline(out, value);
            out.push('\n');
        }
    }
}

/// Writes a scalar, or an empty collection in flow style, on the current
/// line.
fn write_inline(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string_inline(out, s),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// Writes a string on one line: plain when no YAML 1.1 or 1.2 reader could
/// take it for anything else, double-quoted otherwise.
fn write_string_inline(out: &mut String, s: &str) {
    if needs_quotes(s) {
        write_double_quoted(out, s);
    } else {
        out.push_str(s);
    }
}

fn push_indent(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Whether `c` may appear unescaped in a plain scalar or a block scalar
/// line: printable, and not a tab, a line break (YAML 1.1 counts NEL, LS
/// and PS as breaks) or a byte-order mark.
fn is_safe_char(c: char) -> bool {
    (' '..='~').contains(&c)
        || (c >= '\u{A0}'
            && !matches!(
                c,
                '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}'
            ))
}

/// Whether a one-line string must be quoted to read back as the same
/// string.
fn needs_quotes(s: &str) -> bool {
    let bytes = s.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return true;
    };
    if b"-?:,[]{}#&*!|> '\"%@`".contains(&first) || matches!(last, b' ' | b':') {
        return true;
    }
    // One pass for unsafe characters, `: ` and ` #` (ASCII bytes never
    // occur inside a multi-byte character, so bytes can be compared).
    let mut non_ascii = false;
    let mut prev = 0u8;
    for &b in bytes {
        if b >= 0x80 {
            non_ascii = true;
        } else if !(b' '..=b'~').contains(&b) || matches!((prev, b), (b':', b' ') | (b' ', b'#')) {
            return true;
        }
        prev = b;
    }
    if non_ascii && !s.chars().all(is_safe_char) {
        return true;
    }
    s.starts_with("...") || resolves_to_non_string(s)
}

/// Whether a plain scalar `s` could resolve to a null, a boolean, a number,
/// a timestamp or a merge key under YAML 1.1 or 1.2. Errs on the side of
/// quoting: anything starting like a number and made only of characters
/// numbers, times and dates use counts.
fn resolves_to_non_string(s: &str) -> bool {
    const WORDS: [&str; 12] = [
        "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~", "<<", "=",
    ];
    if s.len() <= 5 && WORDS.iter().any(|w| s.eq_ignore_ascii_case(w)) {
        return true;
    }
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    if body.eq_ignore_ascii_case(".inf") || body.eq_ignore_ascii_case(".nan") {
        return true;
    }
    let bytes = body.as_bytes();
    let starts_numeric = match bytes {
        [c, ..] if c.is_ascii_digit() => true,
        [b'.', c, ..] => c.is_ascii_digit(),
        _ => false,
    };
    starts_numeric
        && bytes
            .iter()
            .all(|&c| c.is_ascii_hexdigit() || b"xob_.:+- tzXOBTZ".contains(&c))
}

/// Whether a literal block scalar reads back as exactly `s`.
///
/// Refused, so that the string is double-quoted instead: one-line strings;
/// any character other than printable ones, newlines and tabs inside a
/// line; a line whose indentation contains a tab (kubectl rejects it) or
/// that ends in whitespace (invisible, and editors strip it); a first
/// non-empty line starting with a space (it would need an indentation
/// indicator); a string of nothing but newlines.
fn block_scalar_fits(s: &str) -> bool {
    if !s.contains('\n') {
        return false;
    }
    let content = s.trim_end_matches('\n');
    if content.is_empty() {
        return false;
    }
    let mut first_non_empty = true;
    for line in content.split('\n') {
        if line.is_empty() {
            continue;
        }
        if !line.chars().all(|c| c == '\t' || is_safe_char(c)) {
            return false;
        }
        if line.trim_start_matches(' ').starts_with('\t') || line.ends_with([' ', '\t']) {
            return false;
        }
        if first_non_empty && line.starts_with(' ') {
            return false;
        }
        first_non_empty = false;
    }
    true
}

/// Writes `s` (for which [`block_scalar_fits`] holds) as a literal block
/// scalar with its lines at `indent`, choosing the chomping indicator that
/// keeps its trailing newlines exactly.
fn write_block_scalar(out: &mut String, s: &str, indent: usize) {
    let content = s.trim_end_matches('\n');
    let trailing = s.len() - content.len();
    out.push_str(match trailing {
        0 => "|-\n",
        1 => "|\n",
        _ => "|+\n",
    });
    for line in content.split('\n') {
        if !line.is_empty() {
            push_indent(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
    // With `|+`, the newlines after the first are kept as empty lines.
    for _ in 1..trailing {
        out.push('\n');
    }
}

/// Writes `s` double-quoted, escaping what is not safe to show as is.
fn write_double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if is_safe_char(c) => out.push(c),
            c => {
                use std::fmt::Write as _;
                // `\u` takes exactly four hex digits; every unsafe
                // character is in the basic multilingual plane.
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
        }
    }
    out.push('"');
}

/// A YAML stream that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    /// What went wrong, in the parser's words.
    pub message: String,
    /// 1-based line of the problem in the text, or 0 when the parser could
    /// not tell.
    pub line: usize,
    /// 1-based column of the problem in the text, or 0 when the parser
    /// could not tell.
    pub column: usize,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(
                f,
                "{} at line {}, column {}",
                self.message, self.line, self.column
            )
        }
    }
}

impl std::error::Error for YamlError {}

/// Reads a multi-document YAML stream into one JSON value per document,
/// skipping empty documents.
///
/// Scalars are read the way kubectl reads them where the two YAML versions
/// differ and it matters for manifests: `0644` is octal (420), `yes` is a
/// boolean. Non-finite floats (`.inf`) become strings, since JSON has no
/// such number. Limits are raised above serde-saphyr's defaults so that
/// large CRD bundles fit, but stay finite so hostile input cannot exhaust
/// the stack or memory.
pub fn from_yaml_documents(text: &str) -> Result<Vec<Value>, YamlError> {
    if let Some(docs) = super::fastyaml::read_documents(text) {
        // Every template output of the test suite checks the fast reader
        // against the full one.
        #[cfg(debug_assertions)]
        if let Ok(full) = full_documents(text) {
            let full: Vec<Value> = full.into_iter().filter(|d| !d.is_null()).collect();
            assert_eq!(docs, full, "the fast YAML reader disagrees on {text:?}");
        } else {
            panic!("the fast YAML reader took text the full one refuses: {text:?}");
        }
        return Ok(docs);
    }
    full_documents(text)
}

/// Every YAML document in `text`, by serde-saphyr.
pub fn full_documents(text: &str) -> Result<Vec<Value>, YamlError> {
    serde_saphyr::from_multiple_with_options::<Value>(text, reader_options())
        .map_err(|e| yaml_error(&e))
}

/// How kiln reads YAML with serde-saphyr (see [`from_yaml_documents`]),
/// shared with the readers of values files.
pub fn reader_options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.legacy_octal_numbers = true;
    options.null_as_string = true;
    options.with_snippet = false;
    options.non_finite_float_policy = serde_saphyr::NonFiniteFloatPolicy::AsString;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = 128;
    budget.max_documents = 100_000;
    budget.max_nodes = 10_000_000;
    budget.max_events = 40_000_000;
    // serde-saphyr buffers comments while it looks ahead for a value and
    // refuses valid YAML past 32 of them (a template's commented-out
    // block); total comment bytes stay bounded by its 64 MiB default.
    budget.max_buffered_comment_events = 1_000_000;
    options.budget = Some(budget);
    options
}

/// A serde-saphyr error as a [`YamlError`].
pub fn yaml_error(err: &serde_saphyr::Error) -> YamlError {
    let (line, column) = err
        .location()
        .map(|loc| (to_usize(loc.line()), to_usize(loc.column())))
        .unwrap_or((0, 0));
    YamlError {
        message: plain_message(&err.to_string()),
        line,
        column,
    }
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// The parser's message without the position it appends, since
/// [`YamlError`] carries that separately.
fn plain_message(rendered: &str) -> String {
    let first = rendered.lines().next().unwrap_or(rendered);
    let trimmed = match first.rfind(" at line ") {
        Some(at) => &first[..at],
        None => first,
    };
    let trimmed = trimmed.trim();
    // serde-saphyr suggests one of its options, which means nothing to a
    // kiln user; keep the fact and name the key rustc-style.
    if let Some(rest) = trimmed.strip_prefix("duplicate mapping key: ") {
        let key = rest
            .split(", set DuplicateKeyPolicy")
            .next()
            .unwrap_or(rest);
        return format!("duplicate mapping key `{key}`");
    }
    trimmed.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Strings a YAML reader could take for something other than a string.
    const TRICKY: &[&str] = &[
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "Y",
        "N",
        "true",
        "True",
        "TRUE",
        "false",
        "NO",
        "Yes",
        "On",
        "OFF",
        "~",
        "null",
        "Null",
        "NULL",
        "",
        "0755",
        "0o17",
        "0x1F",
        "0b101",
        "1e3",
        "1E3",
        "1_000",
        ".5",
        "+1",
        "-1",
        "1.0",
        "1",
        "-0",
        ".inf",
        "-.inf",
        "+.INF",
        ".NaN",
        ".nan",
        "12:30:00",
        "190:20:30",
        "2001-12-14",
        "2001-12-14t21:59:43.10-05:00",
        "2001-12-14 21:59:43.10 -5",
        " leading",
        "trailing ",
        " both ",
        "-dash",
        "- item",
        "---",
        "...",
        "?q",
        ":colon",
        ",comma",
        "[bracket",
        "]bracket",
        "{brace",
        "}brace",
        "#hash",
        "&anchor",
        "*alias",
        "!tag",
        "|pipe",
        ">fold",
        "'single",
        "\"double",
        "%pct",
        "@at",
        "`tick",
        "a: b",
        "a #b",
        "ends:",
        "a\u{7}bell",
        "nul\u{0}",
        "esc\u{1b}[0m",
        "tab\there",
        "\ttab",
        "cr\rlf",
        "nel\u{85}",
        "ls\u{2028}",
        "bom\u{feff}",
        "del\u{7f}",
        "<<",
        "=",
        "back\\slash",
        "quote\"inside",
        "it's",
        "a,b",
        "a:b",
        "http://x.y/z?a=b#c",
        "10Gi",
        "500m",
        "nginx:1.25",
        "1.2.3",
        "${VAR}",
        "\u{e9}t\u{e9} \u{1f680}",
        "nc\u{fffe}",
        "c1\u{9b}",
        "private\u{e000}",
    ];

    fn parse_one(text: &str) -> Value {
        let mut docs = from_yaml_documents(text).unwrap();
        assert_eq!(docs.len(), 1, "{text}");
        docs.remove(0)
    }

    #[test]
    fn quotes_strings_readers_could_misread() {
        let must_quote = [
            "yes",
            "no",
            "on",
            "off",
            "y",
            "n",
            "true",
            "True",
            "NO",
            "~",
            "null",
            "Null",
            "",
            "0755",
            "0o17",
            "0x1F",
            "1e3",
            "1_000",
            ".5",
            "+1",
            "-1",
            "1.0",
            ".inf",
            ".NaN",
            "12:30:00",
            "2001-12-14",
            " lead",
            "trail ",
            "-x",
            "?x",
            ":x",
            ",x",
            "[x",
            "]x",
            "{x",
            "}x",
            "#x",
            "&x",
            "*x",
            "!x",
            "|x",
            ">x",
            "'x",
            "\"x",
            "%x",
            "@x",
            "`x",
            "a: b",
            "a #b",
            "bell\u{7}",
            "<<",
            "ends:",
            "...dots",
            "tab\tinside",
            "del\u{7f}",
            "\u{e9}t\u{e9}: x",
            "\u{e9} #x",
        ];
        for s in must_quote {
            let yaml = to_yaml(&json!({ "k": s }));
            assert!(yaml.starts_with("k: \""), "{s:?} written as {yaml:?}");
            assert_eq!(parse_one(&yaml), json!({ "k": s }), "{yaml}");
        }
    }

    #[test]
    fn plain_strings_stay_plain() {
        for s in [
            "web",
            "nginx:1.25",
            "10Gi",
            "500m",
            "a,b",
            "a:b",
            "http://x/y#z",
            "\u{e9}t\u{e9}",
        ] {
            assert_eq!(to_yaml(&json!({ "k": s })), format!("k: {s}\n"));
        }
    }

    #[test]
    fn keys_follow_the_same_rules() {
        let v = json!({ "on": "off", "y": 1, "": "", "a: b": true, "plain": null });
        let yaml = to_yaml(&v);
        assert_eq!(
            yaml,
            "\"on\": \"off\"\n\"y\": 1\n\"\": \"\"\n\"a: b\": true\nplain: null\n"
        );
        assert_eq!(parse_one(&yaml), v);
    }

    #[test]
    fn scalars_and_empty_collections() {
        let v = json!({
            "int": 3, "neg": -7, "big": u64::MAX, "float": 1.5, "whole": 2.0, "t": true,
            "f": false, "nothing": null, "map": {}, "list": [],
        });
        assert_eq!(
            to_yaml(&v),
            "int: 3\nneg: -7\nbig: 18446744073709551615\nfloat: 1.5\nwhole: 2.0\nt: true\n\
             f: false\nnothing: null\nmap: {}\nlist: []\n"
        );
        assert_eq!(to_yaml(&json!({})), "{}\n");
        assert_eq!(to_yaml(&json!([])), "[]\n");
        assert_eq!(to_yaml(&json!("yes")), "\"yes\"\n");
        assert_eq!(to_yaml(&json!(null)), "null\n");
    }

    #[test]
    fn layout_is_like_kubectl() {
        let v = json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "spec": {
                "template": {"spec": {"containers": [
                    {"name": "web", "args": ["a", "b"], "env": [{"name": "X", "value": "1"}]},
                    {"name": "side"}
                ]}},
                "matrix": [[1, 2], [], {}, [{"a": 1}]],
            }
        });
        let expected = "\
apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
      - name: web
        args:
        - a
        - b
        env:
        - name: X
          value: \"1\"
      - name: side
  matrix:
  - - 1
    - 2
  - []
  - {}
  - - a: 1
";
        assert_eq!(to_yaml(&v), expected);
        assert_eq!(parse_one(expected), v);
    }

    #[test]
    fn multi_line_strings_use_literal_blocks_when_exact() {
        let cases = [
            ("a\nb", "k: |-\n  a\n  b\n"),
            ("a\nb\n", "k: |\n  a\n  b\n"),
            ("a\nb\n\n", "k: |+\n  a\n  b\n\n"),
            (
                "a\n\n  indented\nmid\ttab\n",
                "k: |\n  a\n\n    indented\n  mid\ttab\n",
            ),
            ("\nleading empty\n", "k: |\n\n  leading empty\n"),
        ];
        for (s, expected) in cases {
            let yaml = to_yaml(&json!({ "k": s }));
            assert_eq!(yaml, expected, "{s:?}");
            assert_eq!(parse_one(&yaml), json!({ "k": s }));
        }
        let in_list = to_yaml(&json!({ "l": ["x\ny"] }));
        assert_eq!(in_list, "l:\n- |-\n  x\n  y\n");
    }

    #[test]
    fn multi_line_strings_fall_back_to_double_quotes() {
        let cases = [
            ("a\n\tb", "k: \"a\\n\\tb\"\n"),
            ("a \nb", "k: \"a \\nb\"\n"),
            ("a\nb\t", "k: \"a\\nb\\t\"\n"),
            ("  a\nb", "k: \"  a\\nb\"\n"),
            ("a\r\nb", "k: \"a\\r\\nb\"\n"),
            ("\n\n", "k: \"\\n\\n\"\n"),
            ("a\n  \tb", "k: \"a\\n  \\tb\"\n"),
            ("a\u{85}\nb", "k: \"a\\u0085\\nb\"\n"),
        ];
        for (s, expected) in cases {
            let yaml = to_yaml(&json!({ "k": s }));
            assert_eq!(yaml, expected, "{s:?}");
            assert_eq!(parse_one(&yaml), json!({ "k": s }));
        }
    }

    #[test]
    fn round_trips_tricky_values() {
        let mut values: Vec<Value> = TRICKY.iter().map(|s| json!(s)).collect();
        let as_map: Map<String, Value> =
            TRICKY.iter().map(|s| ((*s).to_owned(), json!(s))).collect();
        values.push(Value::Object(as_map));
        values.push(json!(TRICKY));
        values.push(json!({
            "nested": {"list": [{"a": [1, [2, [3, {}]], []]}, "x\ny\n", "\t\n"], "n": null},
            "unicode": "\u{65e5}\u{672c}\u{8a9e}\n\u{1f600} \u{e9}",
            "numbers": [0, -1, 1.5, -0.25, 1e300, 1e-7, i64::MIN, u64::MAX],
            "multi": ["a\nb", "a\nb\n", "a\nb\n\n\n", "\ta\n", "a\n\tb", "x \ny", "\n\nx"],
        }));
        let long_key = "k".repeat(2000);
        values.push(json!({ long_key: {"v": [1, 2]}, "after": [3] }));
        let big = "0123456789abcdef".repeat(65_536);
        values.push(json!({ "big": big, "bigLines": format!("{big}\n{big}\n") }));
        for v in values {
            let yaml = to_yaml(&v);
            let back = from_yaml_documents(&yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
            assert_eq!(back, vec![v.clone()], "{yaml}");
        }
    }

    #[test]
    fn reads_multiple_documents_skipping_empty_ones() {
        let text = "---\n# only a comment\n---\na: 1\n---\n---\n- x\n...\n---\nb: '0755'\n";
        let docs = from_yaml_documents(text).unwrap();
        assert_eq!(
            docs,
            vec![json!({"a": 1}), json!(["x"]), json!({"b": "0755"})]
        );
        assert!(from_yaml_documents("").unwrap().is_empty());
    }

    #[test]
    fn reads_scalars_like_kubectl() {
        let docs = from_yaml_documents("mode: 0644\nflag: yes\nport: 8080\ninf: .inf\n").unwrap();
        assert_eq!(
            docs,
            vec![json!({"mode": 420, "flag": true, "port": 8080, "inf": ".inf"})]
        );
    }

    #[test]
    fn odd_scalars_do_not_panic() {
        for text in [
            "a: 123456789012345678901234567890\n",
            "a: -123456789012345678901234567890\n",
            "a: 0x1FFFFFFFFFFFFFFFFFFFF\n",
            "a: 1e999\n",
            "a: .nan\n",
            "a: !!binary aGVsbG8=\n",
            "a: !custom x\n",
            "? [a, b]\n: c\n",
            "a: &x [1]\nb: *x\n",
            "~: 1\n",
            "1: 2\n",
            "a: !!timestamp 2001-12-14\n",
        ] {
            let _ = from_yaml_documents(text);
        }
    }

    #[test]
    fn reports_position_of_errors() {
        let err = from_yaml_documents("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(err.line >= 2, "{err:?}");
        assert!(err.column >= 1, "{err:?}");
        assert!(!err.message.is_empty());
        let dup = from_yaml_documents("a: 1\na: 2\n").unwrap_err();
        assert_eq!(dup.line, 2, "{dup:?}");
        assert_eq!(dup.message, "duplicate mapping key `a`");
    }

    /// A template may comment out a long block between a key and its
    /// value; serde-saphyr's default budget refused more than 32 comments.
    #[test]
    fn many_comments_before_a_value_are_read() {
        let text = format!("a:\n{}  b: 1\n", "  # commented out\n".repeat(200));
        assert_eq!(full_documents(&text).unwrap(), vec![json!({"a": {"b": 1}})]);
    }

    /// kubectl must read back every string exactly as written, including
    /// a multi-line value with a line starting with a tab.
    #[test]
    fn kubectl_reads_back_every_string() {
        let Ok(status) = std::process::Command::new("kubectl")
            .arg("version")
            .arg("--client")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
        else {
            eprintln!("note: kubectl not on PATH, skipping kubectl_reads_back_every_string");
            return;
        };
        assert!(status.success());
        let mut data = Map::new();
        let mut tricky: Vec<String> = TRICKY.iter().map(|s| (*s).to_owned()).collect();
        tricky.extend([
            "line one\n\tstarts with tab\n".to_owned(),
            "a\nb".to_owned(),
            "a\nb\n\n".to_owned(),
            "trailing space \nnext\n".to_owned(),
            "  indented first\nsecond".to_owned(),
        ]);
        for (i, s) in tricky.iter().enumerate() {
            data.insert(s.clone(), json!(s));
            data.insert(format!("v{i}"), json!(s));
        }
        let cm = json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "tricky", "labels": {"on": "off"}},
            "data": data,
        });
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cm.yaml");
        std::fs::write(&file, to_yaml(&cm)).unwrap();
        let output = std::process::Command::new("kubectl")
            .args(["label", "--local", "-f"])
            .arg(&file)
            .args(["x=y", "-o", "json"])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "kubectl failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(printed["data"], cm["data"]);
        assert_eq!(
            printed["metadata"]["labels"],
            json!({"on": "off", "x": "y"})
        );
    }
}
