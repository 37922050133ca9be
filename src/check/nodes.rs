//! Spanned access to KDL nodes: kdl gives spans for nodes, entries and
//! identifiers but not values, so value spans are cut from entry spans.

use kdl::{KdlEntry, KdlNode};

use crate::check::value::Value;
use crate::span::{FileId, Span, Spanned};

/// A positional argument.
#[derive(Clone, Debug)]
pub struct Arg {
    pub value: Value,
    pub span: Span,
}

/// A property: `name=value`.
#[derive(Clone, Debug)]
pub struct Prop {
    pub name: String,
    pub name_span: Span,
    pub value: Value,
    /// The value alone, after `=`.
    pub span: Span,
}

/// A node's name and span, in `file`.
pub fn name(file: FileId, node: &KdlNode) -> Spanned<String> {
    Spanned::new(
        node.name().value().to_string(),
        Span::from_miette(file, node.name().span()),
    )
}

/// The node's span, trimmed to its first line when it has children, so a
/// label on a block points at its head rather than underlining pages.
pub fn head_span(file: FileId, node: &KdlNode, text: &str) -> Span {
    let s = Span::from_miette(file, node.span());
    let start = s.start as usize;
    let end = (s.end as usize).min(text.len());
    let slice = text.get(start..end).unwrap_or("");
    let cut = head_end(slice);
    Span::new(file, start, start + slice[..cut].trim_end().len())
}

/// Where a node's head ends: the first line break, or the `{` of its
/// block; a `{` inside a quoted string (`"{{ vars.tag }}"`) is no block.
fn head_end(text: &str) -> usize {
    let mut quoted = false;
    let mut escaped = false;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'\n' => return i,
            _ if escaped => escaped = false,
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            b'{' if !quoted => return i,
            _ => {}
        }
    }
    text.len()
}

/// The arguments of a node, in order.
pub fn args(file: FileId, node: &KdlNode) -> Vec<Arg> {
    node.entries()
        .iter()
        .filter(|e| e.name().is_none())
        .map(|e| Arg {
            value: Value::from(e.value()),
            span: entry_value_span(file, e),
        })
        .collect()
}

/// The properties of a node, in order (duplicates kept, for diagnostics).
pub fn props(file: FileId, node: &KdlNode) -> Vec<Prop> {
    node.entries()
        .iter()
        .filter_map(|e| {
            let n = e.name()?;
            Some(Prop {
                name: n.value().to_string(),
                name_span: Span::from_miette(file, n.span()),
                value: Value::from(e.value()),
                span: entry_value_span(file, e),
            })
        })
        .collect()
}

/// The span of an entry's value: for a property, what follows the `=`.
pub fn entry_value_span(file: FileId, e: &KdlEntry) -> Span {
    let s = Span::from_miette(file, e.span());
    match e.name() {
        Some(n) => {
            let name_end = (n.span().offset() + n.span().len()) as u32;
            // Skip the name and the `=` (and any spaces KDL allows around it).
            let start = (name_end + 1).min(s.end);
            Span {
                file,
                start,
                end: s.end,
            }
        }
        None => s,
    }
}

/// The node's span, whole.
pub fn span(file: FileId, node: &KdlNode) -> Span {
    Span::from_miette(file, node.span())
}
