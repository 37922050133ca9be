//! The line of a YAML file (a manifest, a component's template) that holds
//! a field of an object, found from the text alone: the file is not parsed
//! again, and a template's `{{ … }}` lines are passed over.
//!
//! The walk follows block-style YAML by indentation: a key's children are
//! the lines indented deeper (or, for a list, `- ` lines at the key's own
//! indentation). When a segment is missing, the deepest line found is the
//! answer: the place where the missing field would go.

use crate::span::{FileId, Span};

/// One step of a path into an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// A path into an object, as a JSON pointer (RFC 6901), for patches.
pub fn pointer(path: &[Seg<'_>]) -> String {
    let mut s = String::new();
    for seg in path {
        s.push('/');
        match seg {
            Seg::Key(k) => s.push_str(&k.replace('~', "~0").replace('/', "~1")),
            Seg::Index(i) => s.push_str(&i.to_string()),
        }
    }
    s
}

/// A path into an object as users read it: `spec.containers[0].image`.
pub fn dotted(path: &[Seg<'_>]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => {
                s.push('[');
                s.push_str(&i.to_string());
                s.push(']');
            }
        }
    }
    s
}

/// One line of the file, as the walk sees it.
#[derive(Clone, Copy, Debug)]
struct Line<'t> {
    /// Byte offsets of the line's text, without indentation and newline.
    start: usize,
    end: usize,
    /// Columns of indentation before the text (a `- ` counts as the text).
    indent: usize,
    /// The key the line starts, after any `- `.
    key: Option<&'t str>,
    dash: bool,
}

impl Line<'_> {
    /// The indentation of the line's key: after the `- ` on a list item.
    fn key_indent(&self) -> usize {
        if self.dash {
            self.indent + 2
        } else {
            self.indent
        }
    }
}

/// The span of the line in `text` (file `file`) that holds `path` in the
/// object of kind `kind` named `name`, or the deepest line on the way.
pub fn locate(file: FileId, text: &str, kind: &str, name: &str, path: &[Seg<'_>]) -> Span {
    let docs = documents(text);
    let doc = docs
        .iter()
        .find(|d| has_key_value(d, text, "kind", kind) && has_key_value(d, text, "name", name))
        .or_else(|| docs.iter().find(|d| has_key_value(d, text, "kind", kind)))
        .or(docs.first());
    let Some(doc) = doc else {
        return Span::new(file, 0, text.find('\n').unwrap_or(text.len()));
    };
    let mut found = doc.first().copied();
    let mut block: &[Line<'_>] = doc;
    // The key indentation of the block's own entries, when known (inside
    // a list item, the item's keys sit after its `- `).
    let mut child_indent: Option<usize> = None;
    for seg in path {
        let Some(first) = block.first() else { break };
        match *seg {
            Seg::Key(k) => {
                let indent = child_indent.unwrap_or(first.key_indent());
                let Some(i) = block
                    .iter()
                    .position(|l| l.key_indent() == indent && l.key == Some(k))
                else {
                    break;
                };
                let line = block[i];
                found = Some(line);
                let rest = &block[i + 1..];
                let end = rest
                    .iter()
                    .position(|l| {
                        l.indent < line.key_indent() || (l.indent == line.key_indent() && !l.dash)
                    })
                    .unwrap_or(rest.len());
                block = &rest[..end];
                child_indent = None;
            }
            Seg::Index(n) => {
                let indent = first.indent;
                let items: Vec<usize> = block
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.dash && l.indent == indent)
                    .map(|(i, _)| i)
                    .collect();
                let Some(&start) = items.get(n) else { break };
                let end = items.get(n + 1).copied().unwrap_or(block.len());
                found = Some(block[start]);
                block = &block[start..end];
                child_indent = Some(indent + 2);
            }
        }
    }
    match found {
        Some(l) => Span::new(file, l.start, l.end),
        None => Span::new(file, 0, 0),
    }
}

/// The documents of the text, as lines that may hold keys (comments, blank
/// lines and template tags left out).
fn documents(text: &str) -> Vec<Vec<Line<'_>>> {
    let mut docs = vec![Vec::new()];
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let content = raw.trim_end_matches(['\n', '\r']);
        if content.starts_with("---") {
            docs.push(Vec::new());
            continue;
        }
        let trimmed = content.trim_start_matches(' ');
        let indent = content.len() - trimmed.len();
        let trimmed = trimmed.trim_end();
        if trimmed.is_empty()
            || trimmed.starts_with('#')
            || trimmed.starts_with("{%")
            || trimmed.starts_with("{#")
        {
            continue;
        }
        let (dash, body) = match trimmed.strip_prefix("- ") {
            Some(b) => (true, b.trim_start()),
            None if trimmed == "-" => (true, ""),
            None => (false, trimmed),
        };
        let start = line_start + indent;
        if let Some(d) = docs.last_mut() {
            d.push(Line {
                start,
                end: start + trimmed.len(),
                indent,
                key: key_of(body),
                dash,
            });
        }
    }
    docs.retain(|d| !d.is_empty());
    docs
}

/// The key a line starts (`name:` or `"name":`), unquoted.
fn key_of(body: &str) -> Option<&str> {
    let (key, rest) = if let Some(q) = body.strip_prefix('"') {
        let end = q.find('"')?;
        (&q[..end], &q[end + 1..])
    } else if let Some(q) = body.strip_prefix('\'') {
        let end = q.find('\'')?;
        (&q[..end], &q[end + 1..])
    } else {
        let end = body.find(':')?;
        (&body[..end], &body[end..])
    };
    (rest.starts_with(':') && (rest.len() == 1 || rest[1..].starts_with([' ', '\t'])))
        .then_some(key.trim_end())
}

/// True when some line of the document is `key: value` (value unquoted).
fn has_key_value(doc: &[Line<'_>], text: &str, key: &str, value: &str) -> bool {
    doc.iter().any(|l| {
        l.key == Some(key)
            && text[l.start..l.end]
                .split_once(':')
                .is_some_and(|(_, v)| v.trim().trim_matches(['"', '\'']) == value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
# a comment
apiVersion: v1
kind: Service
metadata:
  name: other
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: side
        image: busybox
      - name: web
        image: \"nginx:latest\"
        securityContext:
          privileged: true
      volumes:
        - name: host
          hostPath:
            path: /var
";

    fn line_of(path: &[Seg<'_>]) -> String {
        let span = locate(0, TEXT, "Deployment", "web", path);
        TEXT[span.start as usize..span.end as usize].to_string()
    }

    #[test]
    fn follows_keys_and_list_items() {
        use Seg::*;
        let containers = [Key("spec"), Key("template"), Key("spec"), Key("containers")];
        let mut image = containers.to_vec();
        image.extend([Index(1), Key("image")]);
        assert_eq!(line_of(&image), "image: \"nginx:latest\"");
        let mut privileged = containers.to_vec();
        privileged.extend([Index(1), Key("securityContext"), Key("privileged")]);
        assert_eq!(line_of(&privileged), "privileged: true");
        let host = [
            Key("spec"),
            Key("template"),
            Key("spec"),
            Key("volumes"),
            Index(0),
            Key("hostPath"),
        ];
        assert_eq!(line_of(&host), "hostPath:");
        assert_eq!(line_of(&[Key("spec"), Key("replicas")]), "replicas: 1");
    }

    #[test]
    fn a_missing_field_gives_the_deepest_line_found() {
        use Seg::*;
        let probe = [
            Key("spec"),
            Key("template"),
            Key("spec"),
            Key("containers"),
            Index(0),
            Key("livenessProbe"),
        ];
        assert_eq!(line_of(&probe), "- name: side");
        assert_eq!(line_of(&[Key("status")]), "apiVersion: apps/v1");
    }

    #[test]
    fn picks_the_object_by_kind_and_name() {
        let span = locate(0, TEXT, "Service", "other", &[Seg::Key("metadata")]);
        assert_eq!(&TEXT[span.start as usize..span.end as usize], "metadata:");
    }

    #[test]
    fn paths_read_as_pointers_and_dotted() {
        let p = [Seg::Key("spec"), Seg::Key("a/b"), Seg::Index(2)];
        assert_eq!(pointer(&p), "/spec/a~1b/2");
        assert_eq!(dotted(&p), "spec.a/b[2]");
    }
}
