//! A fast reader for the plain subset of YAML that templates written with
//! `| tojson` produce, tried before the full parser.
//!
//! Reading templates' YAML back was a third of a fleet's render time with
//! serde-saphyr. Most of that text is simple: block mappings and sequences,
//! values that `tojson` wrote (JSON strings, numbers, flow lists and maps)
//! and a few plain words (`apiVersion: apps/v1`). This reader takes exactly
//! that and answers `None` for anything else, and the caller hands the text
//! to serde-saphyr, which reads all of YAML and words the errors. So the
//! subset is chosen to be unambiguous: where this reader gives a value, it
//! is the value serde-saphyr gives (checked on every template output in
//! debug builds, by a property test and by a fuzz target).
//!
//! The subset, line by line (after indentation of spaces only):
//! - `---` alone separates documents; blank and `#` comment lines are skipped;
//! - `key: value`, `key:` followed by a deeper block or a `- ` list at the
//!   same indentation; keys are plain words or JSON strings, never repeated;
//! - `- value`, `- key: value` (a compact mapping), `-` followed by a block;
//! - values: a JSON string; `true`/`false`; a decimal integer in i64 without
//!   leading zeros; a JSON list or map on one line holding no floats and no
//!   repeated keys; a plain word of ASCII letters, digits and `_ . / : -`
//!   that starts with a letter or `/`, does not end with `:`, and is none of
//!   YAML 1.1's booleans or nulls.
//!
//! Everything else (empty values, nulls, floats, quoting with `'`, block
//! scalars, anchors, tags, flow text over several lines, tabs, CR, BOM, ...)
//! goes to the full parser.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Half the full parser's depth budget (128), counting block and flow
/// nesting together: deeper text goes to the full parser, which decides.
const MAX_DEPTH: usize = 64;

/// The longest key (as written) the reader takes.
const MAX_KEY: usize = 1000;

/// The documents of `text`, or `None` when the text is outside the subset.
pub fn read_documents(text: &str) -> Option<Vec<Value>> {
    // YAML allows only printable characters, comments included; a tab or
    // CR is legal but outside the subset (JSON strings write them `\t`,
    // `\r`), so no line below holds one.
    if text.starts_with('\u{feff}') || !all_printable(text) {
        return None;
    }
    let mut docs = Vec::new();
    let mut lines: Vec<Line<'_>> = Vec::new();
    let mut rest = Some(text);
    while let Some(at) = rest {
        // Lines split by bytes: `\n` is never part of a longer character.
        let (raw, next) = match at.bytes().position(|b| b == b'\n') {
            Some(i) => (&at[..i], Some(&at[i + 1..])),
            None => (at, None),
        };
        rest = next;
        let bytes = raw.as_bytes();
        let end = bytes.len() - bytes.iter().rev().take_while(|&&b| b == b' ').count();
        let indent = bytes[..end].iter().take_while(|&&b| b == b' ').count();
        let body = &raw[indent..end];
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if indent == 0 && (body.starts_with("---") || body.starts_with("...")) {
            if body != "---" {
                return None;
            }
            docs.extend(read_document(&mut lines)?);
            continue;
        }
        if indent == 0 && body.starts_with('%') {
            return None;
        }
        lines.push(Line { indent, text: body });
    }
    docs.extend(read_document(&mut lines)?);
    Some(docs)
}

/// Whether every character of `text` is `\n` or [`is_printable`]: ASCII
/// checked sixteen bytes at a time, characters decoded only where a byte
/// is not printable ASCII.
fn all_printable(text: &str) -> bool {
    let ascii = |b: u8| (0x20..0x7f).contains(&b) || b == b'\n';
    let bytes = text.as_bytes();
    let plain = bytes
        .chunks(16)
        .all(|chunk| chunk.iter().fold(true, |all, &b| all & ascii(b)));
    plain || text.chars().all(|c| c == '\n' || is_printable(c))
}

/// YAML 1.2's printable characters, less tab and CR.
fn is_printable(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{7e}' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

#[derive(Clone, Copy)]
struct Line<'a> {
    indent: usize,
    text: &'a str,
}

/// One document's lines (emptied), as its value: `Some(None)` for a
/// document without content.
fn read_document(lines: &mut Vec<Line<'_>>) -> Option<Option<Value>> {
    if lines.is_empty() {
        return Some(None);
    }
    let mut reader = Reader {
        lines: std::mem::take(lines),
        pos: 0,
        depth: 0,
    };
    let indent = reader.lines[0].indent;
    let value = reader.block(indent)?;
    (reader.pos == reader.lines.len()).then_some(Some(value))
}

struct Reader<'a> {
    lines: Vec<Line<'a>>,
    pos: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    fn current(&self) -> Option<Line<'a>> {
        self.lines.get(self.pos).copied()
    }

    /// The node starting on the current line, at `indent`.
    fn block(&mut self, indent: usize) -> Option<Value> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let line = self.current()?;
        let value = if is_item(line.text) {
            self.sequence(indent)
        } else if let Some(first) = split_key(line.text)? {
            self.mapping(indent, first)
        } else {
            self.pos += 1;
            self.scalar(line.text)
        };
        self.depth -= 1;
        value
    }

    /// A scalar or flow value at the current depth.
    fn scalar(&self, text: &str) -> Option<Value> {
        let value = scalar(text)?;
        (self.depth + json_depth(&value) <= MAX_DEPTH).then_some(value)
    }

    fn sequence(&mut self, indent: usize) -> Option<Value> {
        let mut items = Vec::new();
        while let Some(line) = self.current() {
            if line.indent != indent || !is_item(line.text) {
                break;
            }
            if line.text == "-" {
                self.pos += 1;
                let next = self.current()?;
                if next.indent <= indent {
                    return None;
                }
                items.push(self.block(next.indent)?);
                continue;
            }
            let rest = &line.text[2..];
            let content = rest.trim_start_matches(' ');
            // The item's content starts on this line, further right.
            let inner = indent + 2 + (rest.len() - content.len());
            self.lines[self.pos] = Line {
                indent: inner,
                text: content,
            };
            items.push(self.block(inner)?);
        }
        Some(Value::Array(items))
    }

    /// A block mapping at `indent`, whose current line's key and rest
    /// `first` holds (split by the caller, which looked for one).
    fn mapping(&mut self, indent: usize, first: (String, &'a str)) -> Option<Value> {
        let mut map = Map::new();
        let mut split = Some(first);
        while let Some(line) = self.current() {
            if line.indent != indent {
                break;
            }
            let (key, rest) = match split.take() {
                Some(first) => first,
                None => split_key(line.text)??,
            };
            self.pos += 1;
            let value = if rest.is_empty() {
                let next = self.current()?;
                if next.indent > indent {
                    self.block(next.indent)?
                } else if next.indent == indent && is_item(next.text) {
                    self.sequence(indent)?
                } else {
                    return None;
                }
            } else {
                self.scalar(rest)?
            };
            // A repeated key is outside the subset.
            match map.entry(key) {
                serde_json::map::Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                serde_json::map::Entry::Occupied(_) => return None,
            }
        }
        Some(Value::Object(map))
    }
}

fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// `key: rest` split at its colon: `Some(None)` when the line is no
/// `key:` line, `None` when it is outside the subset.
fn split_key(text: &str) -> Option<Option<(String, &str)>> {
    let (key, after) = if text.starts_with('"') {
        let end = string_end(text)?;
        let key: String = serde_json::from_str(&text[..end]).ok()?;
        if has_surrogate_escape(&text[..end]) {
            return None;
        }
        (key, &text[end..])
    } else {
        // `": "` as bytes: str::find sets up a two-way searcher per call.
        match text.as_bytes().windows(2).position(|w| w == b": ") {
            Some(at) => (text[..at].to_string(), &text[at..]),
            None if text.ends_with(':') => (text[..text.len() - 1].to_string(), ":"),
            None => return Some(None),
        }
    };
    // YAML limits an implicit key to 1024 characters; well under that,
    // readers agree.
    if text.len() - after.len() > MAX_KEY {
        return None;
    }
    let Some(rest) = after.strip_prefix(':') else {
        // A JSON string with no colon after it: a scalar, if nothing follows.
        return if after.is_empty() { Some(None) } else { None };
    };
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    if !text.starts_with('"') && (!is_plain_word(&key) || key.contains(':')) {
        return None;
    }
    Some(Some((key, rest.trim_start_matches(' '))))
}

/// The byte just past the JSON string that starts `text`.
fn string_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// `\uD800`–`\uDFFF`: JSON pairs them into one character; YAML readers
/// disagree, so such strings go to the full parser.
fn has_surrogate_escape(quoted: &str) -> bool {
    let bytes = quoted.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes.get(i + 1) == Some(&b'u')
                && let Some(hex) = quoted.get(i + 2..i + 6)
                && let Ok(code) = u16::from_str_radix(hex, 16)
                && (0xD800..=0xDFFF).contains(&code)
            {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// A scalar or one-line flow value.
fn scalar(text: &str) -> Option<Value> {
    match text.as_bytes().first()? {
        b'"' => {
            if string_end(text)? != text.len() || has_surrogate_escape(text) {
                return None;
            }
            serde_json::from_str::<String>(text).ok().map(Value::String)
        }
        b'[' | b'{' => {
            if has_surrogate_escape(text) {
                return None;
            }
            let mut de = serde_json::Deserializer::from_str(text);
            let value = Strict::deserialize(&mut de).ok()?.0;
            de.end().ok()?;
            Some(value)
        }
        b'-' | b'0'..=b'9' => integer(text),
        _ if text == "true" => Some(Value::Bool(true)),
        _ if text == "false" => Some(Value::Bool(false)),
        _ if is_plain_word(text) => Some(Value::String(text.to_string())),
        _ => None,
    }
}

/// A decimal integer in i64, without `+`, leading zeros or `-0`.
fn integer(text: &str) -> Option<Value> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || digits.starts_with('0') && (digits.len() > 1 || text.starts_with('-'))
    {
        return None;
    }
    text.parse::<i64>().ok().map(|n| Value::Number(n.into()))
}

/// A plain word no YAML reader takes for anything but itself.
fn is_plain_word(text: &str) -> bool {
    let bytes = text.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == b'/')
        && !text.ends_with(':')
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b':' | b'-'))
        && !is_special_word(text)
}

/// YAML 1.1's booleans and nulls, in any case.
fn is_special_word(text: &str) -> bool {
    const WORDS: &[&str] = &[
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
    ];
    WORDS.iter().any(|w| w.eq_ignore_ascii_case(text))
}

fn json_depth(v: &Value) -> usize {
    match v {
        Value::Array(items) => 1 + items.iter().map(json_depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(json_depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// A JSON value with no repeated key, no float and no integer beyond i64:
/// the JSON that reads as the same YAML flow value.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JSON without floats or repeated keys")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        i64::try_from(n)
            .map(|n| Value::Number(Number::from(n)))
            .map_err(|_| E::custom("beyond i64"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Value, E> {
        Err(E::custom("a float"))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        // `null` in flow: the full parser decides.
        Err(E::custom("null"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if map.contains_key(&key) {
                return Err(de::Error::custom("repeated key"));
            }
            let Strict(v) = access.next_value()?;
            map.insert(key, v);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(text: &str) -> Option<Vec<Value>> {
        read_documents(text)
    }

    #[test]
    fn reads_the_block_subset() {
        let text = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: "web"
  labels: {"app.kubernetes.io/name":"web"}
spec:
  replicas: 3
  template:
    spec:
      containers:
      - name: "web"
        image: "nginx:1.27"
        args: ["--port","8080"]
        ports:
          - containerPort: 8080
            protocol: TCP
        readOnly: true
      volumes: []
---
# a comment
kind: Service
"#;
        let docs = read(text).expect("in the subset");
        assert_eq!(
            docs,
            vec![
                json!({"apiVersion": "apps/v1", "kind": "Deployment",
                  "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web"}},
                  "spec": {"replicas": 3, "template": {"spec": {
                    "containers": [{"name": "web", "image": "nginx:1.27", "args": ["--port", "8080"],
                      "ports": [{"containerPort": 8080, "protocol": "TCP"}], "readOnly": true}],
                    "volumes": []}}}}),
                json!({"kind": "Service"}),
            ]
        );
    }

    #[test]
    fn leaves_everything_else_to_the_full_parser() {
        for text in [
            "a: yes",
            "a: On",
            "a: 0755",
            "a: -0",
            "a: 1e3",
            "a: 1.5",
            "a: 1_000",
            "a: 99999999999999999999",
            "a: ~",
            "a: null",
            "a:",
            "a: 'x'",
            "a: |\n  x",
            "a: &x 1",
            "a: *x",
            "a: !!str 1",
            "a: b c",
            "a: x #c",
            "a: \"x\" #c",
            "a: 1\na: 2",
            "a: {\"b\":1,\"b\":2}",
            "a: [1.5]",
            "a: [null]",
            "a: [1,\n  2]",
            "a:\n\tb: 1",
            "a: \"\tx\"",
            "a: 1\r\n",
            "a: 1\n#\u{10}\0",
            &format!("{}: 1", "k".repeat(1100)),
            &format!("\"{}\": 1", "k".repeat(1100)),
            "a: \"\u{7f}\"",
            "\u{feff}a: 1",
            "--- a",
            "...",
            "%YAML 1.2\n---\na: 1",
            "a:\n    b: 1\n  c: 2",
            "a: \"\\ud83d\\ude00\"",
            "? a\n: b",
            "<<: {\"a\":1}",
            "a: -",
            "a: b:",
            "1: a",
        ] {
            assert_eq!(read(text), None, "{text:?}");
        }
    }

    #[test]
    fn deep_text_goes_to_the_full_parser() {
        let flow = format!("a: {}1{}", "[".repeat(70), "]".repeat(70));
        assert_eq!(read(&flow), None);
        let mut block = String::new();
        for i in 0..70 {
            block.push_str(&" ".repeat(i));
            block.push_str("a:\n");
        }
        block.push_str(&" ".repeat(70));
        block.push_str("b: 1\n");
        assert_eq!(read(&block), None);
        let shallow = format!("a: {}1{}", "[".repeat(10), "]".repeat(10));
        assert!(read(&shallow).is_some());
    }

    #[test]
    fn empty_documents_are_skipped() {
        assert_eq!(read(""), Some(vec![]));
        assert_eq!(read("---\n# only\n---\n"), Some(vec![]));
    }
}
