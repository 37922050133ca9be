//! Paths, URIs and positions: how the client names files and places in
//! them (UTF-16 columns), and how kiln does (canonical paths, byte spans).

use std::path::{Path, PathBuf};

use lsp_types::{Position, Range, Uri};

use crate::span::{Sources, Span};

/// The project directory (canonical) holding `path`.
pub(super) fn project_of(path: &Path) -> Option<PathBuf> {
    let dir = path.parent()?;
    let root = crate::syntax::find_project(dir)?;
    std::fs::canonicalize(root).ok()
}

/// The file a span is in and its range, for spans in project files.
pub(super) fn span_location(sources: &Sources, span: Span) -> Option<(PathBuf, Range)> {
    let path = sources.get(span.file).path.clone()?;
    Some((path, span_range(sources, span)))
}

/// The range of `span` in its file, in the client's UTF-16 positions.
pub(super) fn span_range(sources: &Sources, span: Span) -> Range {
    let f = sources.get(span.file);
    let (l1, c1) = f.line_col_utf16(span.start as usize);
    let (l2, c2) = f.line_col_utf16(span.end as usize);
    let pos = |l: usize, c: usize| Position::new((l - 1) as u32, (c - 1) as u32);
    Range::new(pos(l1, c1), pos(l2, c2))
}

/// The local path of a `file:` URI, canonical when the file exists.
pub(super) fn uri_path(uri: &Uri) -> Option<PathBuf> {
    let s = uri.as_str();
    let rest = s.strip_prefix("file://")?;
    // `file:///p` or `file://localhost/p`.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = rest.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(h, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    let path = PathBuf::from(String::from_utf8(out).ok()?);
    if !path.is_absolute() {
        return None;
    }
    // An unsaved file has no canonical form; its directory may.
    Some(match std::fs::canonicalize(&path) {
        Ok(p) => p,
        Err(_) => match (path.parent().map(std::fs::canonicalize), path.file_name()) {
            (Some(Ok(dir)), Some(name)) => dir.join(name),
            _ => path,
        },
    })
}

/// The `file:` URI of an absolute path.
pub(super) fn path_uri(path: &Path) -> Option<Uri> {
    let mut s = String::from("file://");
    for b in path.to_str()?.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s.parse().ok()
}

/// The byte offset of an LSP position (UTF-16 columns), clamped to the text.
pub(super) fn offset_of(text: &str, pos: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..pos.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let mut units = 0u32;
    for (i, c) in text[line_start..line_end].char_indices() {
        if units >= pos.character {
            return line_start + i;
        }
        units += c.len_utf16() as u32;
    }
    line_end
}

/// The LSP position of a byte offset.
pub(super) fn position_of(text: &str, offset: usize) -> Position {
    let offset = offset.min(text.len());
    let mut offset = offset;
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = text[start..offset].encode_utf16().count() as u32;
    Position::new(line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16() {
        let text = "a \"é😀\" b\nxy";
        let b = text.find('b').unwrap();
        let p = position_of(text, b);
        assert_eq!((p.line, p.character), (0, 8));
        assert_eq!(offset_of(text, p), b);
        assert_eq!(offset_of(text, Position::new(9, 9)), text.len());
        assert_eq!(offset_of(text, Position::new(1, 99)), text.len());
    }

    #[test]
    fn uris_round_trip() {
        let p = Path::new("/tmp/a b/ü.kdl");
        let u = path_uri(p).unwrap();
        assert_eq!(u.as_str(), "file:///tmp/a%20b/%C3%BC.kdl");
        assert_eq!(uri_path(&u).unwrap(), p);
    }
}
