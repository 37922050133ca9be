//! Spanned access to KDL nodes: kdl gives spans for nodes, entries and
//! identifiers but not values, so value spans are cut from entry spans.

use kdl::{KdlEntry, KdlNode};

use crate::span::{FileId, Span, Spanned};
use crate::value::Value;

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
    let cut = block_start(slice);
    Span::new(file, start, start + slice[..cut].trim_end().len())
}

/// Where a node's head ends: at its first line's end or at the `{` of its
/// block, whichever comes first; a `{` inside a string (`"{{ vars.tag }}"`)
/// does not count.
fn block_start(head: &str) -> usize {
    let mut quote: Option<bool> = None; // Some(raw) inside a string
    let mut escaped = false;
    for (i, c) in head.char_indices() {
        match (quote, c) {
            (None, '\n' | '{') => return i,
            (None, '"') => quote = Some(head[..i].ends_with('#')),
            (Some(false), '\\') if !escaped => {
                escaped = true;
                continue;
            }
            (Some(false), '"') if !escaped => quote = None,
            (Some(true), '"') if head[i + 1..].starts_with('#') => quote = None,
            _ => {}
        }
        escaped = false;
    }
    head.len()
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

#[cfg(test)]
mod tests {
    use super::block_start;

    #[test]
    fn a_head_ends_at_its_block_not_at_a_brace_in_a_string() {
        assert_eq!(block_start("app \"web\" {"), 10);
        let t = "image \"x:{{ vars.tag }}\" { a }";
        assert_eq!(&t[..block_start(t)], "image \"x:{{ vars.tag }}\" ");
        let raw = "value #\"a\\.{b}\"# 1\nnext";
        assert_eq!(&raw[..block_start(raw)], "value #\"a\\.{b}\"# 1");
        let esc = "env \"A\" \"q\\\"{\" {";
        assert_eq!(&esc[..block_start(esc)], "env \"A\" \"q\\\"{\" ");
    }
}
