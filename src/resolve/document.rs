//! Documents, resolved: every `NAME from=FILE` and `ENTRY PATH VALUE…` of
//! the five layers merged into one map, the way Helm merges values (maps
//! deep, anything else replaced), lowest layer first and, within a layer,
//! files before entries. Every leaf remembers each place that set it, for
//! `kiln explain` and for diagnostics.
//!
//! When the document has a `check` and the app names a directory for it,
//! every path set is checked against the directory's keys file and JSON
//! schema ([`super::value_check`]), and the merged document (over the keys
//! file's defaults, as Helm coalesces them) is validated against the schema.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value as Json};

use super::document_files::{Reference, line_span};
use super::value_check::{Checker, dotted};
use super::yaml_tree::{self, Node, Tree};
use super::{Layer, ResolvedParam, strings};
use crate::IndexMap;
use crate::check::document::DocumentSchema;
use crate::check::schema::ParamSchema;
use crate::check::value::Value;
use crate::check::{Model, ParamUse};
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::span::{Sources, Span};

/// One document after merging.
#[derive(Clone, Debug, Default)]
pub struct ResolvedDocument {
    /// The merged map templates see.
    pub value: Json,
    /// Every leaf of the merged map that some layer set, in document order.
    pub paths: Vec<ValuePath>,
}

/// A leaf of a document and every place that set it, lowest layer first.
#[derive(Clone, Debug)]
pub struct ValuePath {
    /// Dotted, with `\.` for a dot inside a key.
    pub path: String,
    pub value: Json,
    pub setters: Vec<(Layer, Span)>,
}

/// What resolving an app's documents needs from `resolve_app`.
pub(super) struct Inputs<'a> {
    pub schema: &'a IndexMap<String, ParamSchema>,
    pub params: &'a IndexMap<String, ResolvedParam>,
    /// The app's layers in order (the component's defaults come first).
    pub order: &'a [Layer],
    /// The string context values files are templated with.
    pub ctx: &'a Json,
    pub prepared: &'a minijinja::Value,
    pub model: &'a Model,
    pub sources: &'a Sources,
}

/// Resolves every document of the app's component, by name.
pub(super) fn resolve_all(
    inp: &Inputs,
    diags: &mut Diagnostics,
) -> IndexMap<String, ResolvedDocument> {
    inp.schema
        .values()
        .filter_map(|p| p.document.as_ref().filter(|d| d.name == p.name))
        .map(|doc| (doc.name.clone(), resolve_one(inp, doc, diags)))
        .collect()
}

/// One place that set a leaf. `node` is the value as a values file wrote
/// it, so a schema error inside a list can point at the item's line.
struct Setter {
    layer: Layer,
    span: Span,
    node: Option<Node>,
}

struct Builder<'a> {
    inp: &'a Inputs<'a>,
    doc: Map<String, Json>,
    setters: BTreeMap<Vec<String>, Vec<Setter>>,
    checker: Option<Checker<'a>>,
}

fn resolve_one(inp: &Inputs, doc: &DocumentSchema, diags: &mut Diagnostics) -> ResolvedDocument {
    let reference: Option<(Arc<Reference>, Span)> = doc.check.as_ref().and_then(|c| {
        let u = inp.params.get(&c.param)?.uses.last()?;
        let p = u.props.get(&c.prop)?;
        let rel = p.value.value.as_str()?;
        let r = inp.model.documents.reference(p.value.span, rel)?;
        Some((r.clone(), p.value.span))
    });
    let mut b = Builder {
        inp,
        doc: Map::new(),
        setters: BTreeMap::new(),
        checker: reference
            .as_ref()
            .map(|(r, span)| Checker::new(r, *span, doc)),
    };
    if let Some(d) = &doc.default {
        let file = FileUse {
            rel: &d.value,
            from_span: d.span,
            use_span: d.span,
            checked: true,
        };
        b.apply_file(&file, Layer::Default, diags);
    }
    // Files before entries within a layer; layers in order.
    let rank = |l: &Layer| inp.order.iter().position(|o| o == l).unwrap_or(usize::MAX);
    let mut contributions: Vec<(usize, u8, &ParamUse, &Layer)> = Vec::new();
    for (kind, name) in [(0, Some(&doc.name)), (1, doc.entry.as_ref())] {
        let Some(rp) = name.and_then(|n| inp.params.get(n)) else {
            continue;
        };
        // Documents keep every use of every layer, aligned with provenance.
        for (u, (layer, _)) in rp.uses.iter().zip(&rp.provenance) {
            contributions.push((rank(layer), kind, u, layer));
        }
    }
    contributions.sort_by_key(|c| (c.0, c.1));
    for (_, kind, u, layer) in contributions {
        if kind == 0 {
            if let Some(from) = u.props.get("from")
                && let Value::String(rel) = &from.value.value
            {
                let file = FileUse {
                    rel,
                    from_span: from.value.span,
                    use_span: u.span,
                    checked: !unchecked(u),
                };
                b.apply_file(&file, layer.clone(), diags);
            }
        } else {
            b.apply_entry(u, layer.clone(), diags);
        }
    }
    if let Some(checker) = &b.checker {
        checker.validate(&b.doc, &|path| b.locate(path), diags);
    }
    b.finish()
}

/// `unchecked=#true`: the use's paths are taken as written.
fn unchecked(u: &ParamUse) -> bool {
    u.props
        .get("unchecked")
        .is_some_and(|p| p.value.value == Value::Bool(true))
}

/// A values file to merge: its path as written, where, and whether its
/// keys are checked against the document's reference.
struct FileUse<'u> {
    rel: &'u str,
    from_span: Span,
    /// The node naming it, for labels.
    use_span: Span,
    checked: bool,
}

impl Builder<'_> {
    /// Merges a values file.
    fn apply_file(&mut self, f: &FileUse, layer: Layer, diags: &mut Diagnostics) {
        let inp = self.inp;
        let (rel, from_span, use_span) = (f.rel, f.from_span, f.use_span);
        // A file that could not be read is reported where it is named.
        let Some(file) = inp.model.documents.file(from_span, rel) else {
            return;
        };
        let source = inp.sources.get(file);
        let text = source.text.clone();
        let rendered =
            match strings::render_prepared(&text, from_span, inp.ctx, inp.prepared, inp.sources) {
                Ok(r) => r,
                Err(d) => {
                    diags.push(d);
                    return;
                }
            };
        let lines = (rendered != *text).then(|| LineMap::new(&text, &rendered));
        let mut node = match yaml_tree::parse(file, &rendered) {
            Ok(node) => node,
            Err(e) => {
                let line = lines.as_ref().map_or(e.line, |m| m.source_line(e.line));
                diags.push(
                    Diagnostic::error(
                        codes::VALUES_FILE,
                        format!("`{}` is not valid YAML: {}", source.name, e.message),
                    )
                    .primary(line_span(inp.sources, file, line), "here")
                    .related(use_span, "the values file is named here"),
                );
                return;
            }
        };
        if let Some(m) = &lines {
            node.map_spans(&|s| m.span(&text, &rendered, s));
        }
        let Tree::Map(entries) = &node.value else {
            diags.push(
                Diagnostic::error(
                    codes::VALUES_FILE,
                    format!("`{}` holds {}, not a map of values", source.name, node.kind()),
                )
                .primary(use_span, "expected a YAML map in this file")
                .related(node.span, "the file's content starts here")
                .help("a values file is a map of keys, such as `image:` with `tag: \"1.2.3\"` under it"),
            );
            return;
        };
        if let Some(c) = self.checker.as_mut().filter(|_| f.checked) {
            c.check_tree(&node, &mut Vec::new(), use_span, diags);
        }
        self.merge_entries(&mut Vec::new(), entries, &layer, inp.sources);
    }

    /// Deep-merges a values file's map at `prefix`.
    fn merge_entries(
        &mut self,
        prefix: &mut Vec<String>,
        entries: &[(yaml_tree::Key, Node)],
        layer: &Layer,
        sources: &Sources,
    ) {
        for (k, v) in entries {
            prefix.push(k.name.clone());
            match &v.value {
                Tree::Map(inner) if !inner.is_empty() => {
                    self.ensure_map(prefix);
                    self.merge_entries(prefix, inner, layer, sources);
                }
                // `{}` over a map merges nothing, as in Helm.
                Tree::Map(_) if self.get(prefix).is_some_and(Json::is_object) => {}
                _ => {
                    let setter = Setter {
                        layer: layer.clone(),
                        span: to_line_end(sources, k.span),
                        node: Some(v.clone()),
                    };
                    self.set_leaf(prefix, v.to_json(), setter);
                }
            }
            prefix.pop();
        }
    }

    /// `ENTRY PATH VALUE… list= remove=`.
    fn apply_entry(&mut self, u: &ParamUse, layer: Layer, diags: &mut Diagnostics) {
        let Some(path_arg) = u.args.first() else {
            return;
        };
        let Value::String(text) = &path_arg.value else {
            return;
        };
        let path = match parse_path(text) {
            Ok(p) => p,
            Err(why) => {
                diags.push(
                    Diagnostic::error(codes::VALUES_FILE, format!("`{text}` is not a value path: {why}"))
                        .primary(path_arg.span, "this path")
                        .help("a path is keys joined by `.`, such as `image.tag`; write `\\.` for a dot inside a key (`podAnnotations.prometheus\\.io/scrape`)"),
                );
                return;
            }
        };
        let checker = self.checker.as_mut().filter(|_| !unchecked(u));
        if u.remove {
            if let Some(c) = checker {
                c.check_path(&path, path_arg.span, None, diags);
            }
            self.remove(&path);
            return;
        }
        let list = u
            .props
            .get("list")
            .is_some_and(|p| p.value.value == Value::Bool(true));
        let values = &u.args[1..];
        let value = match values {
            [] if !list => {
                diags.push(
                    Diagnostic::error(codes::MISSING_REQUIRED, format!("`{}` of `{text}` needs a value", u.name.value))
                        .primary(u.span, "no value after the path")
                        .help(format!(
                            "write `{0} \"{text}\" VALUE`; several values make a list, `list=#true` a list of one (or none), `remove=#true` drops the path",
                            u.name.value
                        )),
                );
                return;
            }
            [one] if !list => one.value.to_json(),
            many => Json::Array(many.iter().map(|v| v.value.to_json()).collect()),
        };
        if let Some(c) = checker {
            let value_span = values.first().map_or(u.span, |v| v.span);
            if let Some(at) = c.check_path(&path, path_arg.span, None, diags) {
                c.check_leaf(&path, at, &value, value_span, diags);
            }
        }
        let setter = Setter {
            layer,
            span: u.span,
            node: None,
        };
        self.set_leaf(&path, value, setter);
    }

    fn get(&self, path: &[String]) -> Option<&Json> {
        let (first, rest) = path.split_first()?;
        rest.iter()
            .try_fold(self.doc.get(first)?, |cur, k| cur.as_object()?.get(k))
    }

    /// Makes `path` a map, replacing a single value there.
    fn ensure_map(&mut self, path: &[String]) {
        if !self.get(path).is_some_and(Json::is_object) {
            self.set_raw(path, Json::Object(Map::new()));
            self.clear(path, true);
        }
    }

    /// Sets `path` to `value`, creating maps on the way (replacing single
    /// values in the way, as Helm does).
    fn set_leaf(&mut self, path: &[String], value: Json, setter: Setter) {
        for i in 1..path.len() {
            if !self.get(&path[..i]).is_some_and(Json::is_object) {
                self.clear(&path[..i], true);
            }
        }
        self.set_raw(path, value);
        self.clear(path, false);
        self.setters.entry(path.to_vec()).or_default().push(setter);
    }

    fn set_raw(&mut self, path: &[String], value: Json) {
        let Some((last, parents)) = path.split_last() else {
            return;
        };
        let mut cur = &mut self.doc;
        for k in parents {
            let slot = cur
                .entry(k.clone())
                .or_insert_with(|| Json::Object(Map::new()));
            if !slot.is_object() {
                *slot = Json::Object(Map::new());
            }
            let Json::Object(next) = slot else {
                return;
            };
            cur = next;
        }
        cur.insert(last.clone(), value);
    }

    /// Forgets the setters below `path`, and of `path` itself with `itself`.
    fn clear(&mut self, path: &[String], itself: bool) {
        let below: Vec<Vec<String>> = self
            .setters
            .range(path.to_vec()..)
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(path))
            .filter(|k| itself || k.len() > path.len())
            .cloned()
            .collect();
        for k in below {
            self.setters.remove(&k);
        }
    }

    /// `remove=#true`: drops `path` and what is below it, and the maps
    /// above it that it leaves empty.
    fn remove(&mut self, path: &[String]) {
        let Some((last, parents)) = path.split_last() else {
            return;
        };
        let parent = parents
            .iter()
            .try_fold(&mut self.doc, |cur, k| cur.get_mut(k)?.as_object_mut());
        let Some(parent) = parent else {
            return;
        };
        parent.shift_remove(last);
        let emptied = parent.is_empty();
        self.clear(path, true);
        if emptied && !parents.is_empty() {
            self.remove(parents);
        }
    }

    /// The place that set the value at `path` (map keys and list indices),
    /// or the latest place that set something below it.
    fn locate(&self, path: &[String]) -> Option<Span> {
        for i in (1..=path.len()).rev() {
            if let Some(s) = self.setters.get(&path[..i]).and_then(|v| v.last()) {
                // Inside a list a values file wrote: the deepest item or key
                // that exists (a required key that is missing points at
                // its item).
                let inner = s
                    .node
                    .as_ref()
                    .and_then(|n| (i + 1..=path.len()).rev().find_map(|j| n.at(&path[i..j])));
                return Some(match inner {
                    Some(n) => to_line_end(self.inp.sources, n.span),
                    None => s.span,
                });
            }
        }
        self.setters
            .range(path.to_vec()..)
            .take_while(|(k, _)| k.starts_with(path))
            .filter_map(|(_, v)| v.last())
            .max_by_key(|s| self.inp.order.iter().position(|o| *o == s.layer))
            .map(|s| s.span)
    }

    fn finish(self) -> ResolvedDocument {
        let mut paths = Vec::new();
        collect_leaves(&self.doc, &mut Vec::new(), &self.setters, &mut paths);
        ResolvedDocument {
            value: Json::Object(self.doc),
            paths,
        }
    }
}

/// The leaves of the merged map that a layer set, in document order.
fn collect_leaves(
    map: &Map<String, Json>,
    prefix: &mut Vec<String>,
    setters: &BTreeMap<Vec<String>, Vec<Setter>>,
    out: &mut Vec<ValuePath>,
) {
    for (k, v) in map {
        prefix.push(k.clone());
        match v {
            Json::Object(inner) if !inner.is_empty() => collect_leaves(inner, prefix, setters, out),
            _ => {
                if let Some(s) = setters.get(prefix.as_slice()) {
                    out.push(ValuePath {
                        path: dotted(prefix),
                        value: v.clone(),
                        setters: s.iter().map(|s| (s.layer.clone(), s.span)).collect(),
                    });
                }
            }
        }
        prefix.pop();
    }
}

/// A span extended to the end of its line, so `kiln explain` and labels
/// show `tag: 6.5.0` rather than `tag`.
fn to_line_end(sources: &Sources, span: Span) -> Span {
    let text = &sources.get(span.file).text;
    let start = (span.start as usize).min(text.len());
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    Span::new(span.file, start, text[..end].trim_end().len().max(start))
}

/// `image.tag` → `["image", "tag"]`; `a\.b.c` → `["a.b", "c"]`.
pub fn parse_path(text: &str) -> Result<Vec<String>, String> {
    let mut out = vec![String::new()];
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next @ ('.' | '\\')) => out.last_mut().map_or((), |s| s.push(next)),
                _ => return Err("`\\` escapes only `.` and `\\`".into()),
            },
            '.' => out.push(String::new()),
            c => out.last_mut().map_or((), |s| s.push(c)),
        }
    }
    if out.iter().any(String::is_empty) {
        return Err(if text.is_empty() {
            "it is empty".into()
        } else {
            "it has an empty key (two dots in a row, or a dot at an end)".into()
        });
    }
    Ok(out)
}

/// Where the lines of a rendered values file came from in its source, so
/// a diagnostic points at the line the user wrote. Templates inside a line
/// keep the line; `{% … %}` blocks add or drop lines, and each rendered
/// line is matched to the next source line that reads the same (or whose
/// text before its first template does).
struct LineMap {
    /// For each rendered line (0-based), the source line (0-based).
    to_source: Vec<usize>,
}

impl LineMap {
    fn new(source: &str, rendered: &str) -> Self {
        let src: Vec<&str> = source.lines().collect();
        let mut next = 0;
        let mut to_source = Vec::new();
        for line in rendered.lines() {
            let found = (next..src.len().min(next + 64)).find(|&j| {
                let s = src[j];
                s == line
                    || s.find("{{").or_else(|| s.find("{%")).is_some_and(|cut| {
                        line.starts_with(&s[..cut]) && !s[..cut].trim().is_empty()
                    })
            });
            match found {
                Some(j) => {
                    to_source.push(j);
                    next = j + 1;
                }
                None => to_source.push(next.min(src.len().saturating_sub(1))),
            }
        }
        LineMap { to_source }
    }

    /// The 1-based source line of a 1-based rendered line.
    fn source_line(&self, line: usize) -> usize {
        self.to_source
            .get(line.saturating_sub(1))
            .map_or(line, |l| l + 1)
    }

    /// A span in the rendered text, moved to its line in the source (same
    /// column, cut to the source line).
    fn span(&self, source: &str, rendered: &str, s: Span) -> Span {
        let pos = |offset: usize| {
            let offset = offset.min(rendered.len());
            let line = rendered[..offset].matches('\n').count();
            let col = offset - rendered[..offset].rfind('\n').map_or(0, |i| i + 1);
            let src_line = self.to_source.get(line).copied().unwrap_or(line);
            let start = source
                .split_inclusive('\n')
                .take(src_line)
                .map(str::len)
                .sum::<usize>()
                .min(source.len());
            let len = source[start..].find('\n').unwrap_or(source.len() - start);
            start + col.min(len)
        };
        let start = pos(s.start as usize);
        let end = pos(s.end as usize).max(start);
        Span::new(s.file, start, end)
    }
}

/// Helm's coalescing of user values over a chart's defaults: maps merge,
/// a `null` deletes the default, anything else replaces it.
pub fn coalesce(defaults: &mut Json, user: &Json) {
    let (Json::Object(dst), Json::Object(src)) = (defaults, user) else {
        return;
    };
    for (k, v) in src {
        match (dst.get_mut(k), v) {
            (_, Json::Null) => {
                dst.shift_remove(k);
            }
            (Some(d @ Json::Object(_)), Json::Object(_)) => coalesce(d, v),
            _ => {
                dst.insert(k.clone(), v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_split_on_dots_and_keep_escaped_ones() {
        assert_eq!(parse_path("image.tag").unwrap(), ["image", "tag"]);
        assert_eq!(
            parse_path(r"podAnnotations.prometheus\.io/scrape").unwrap(),
            ["podAnnotations", "prometheus.io/scrape"]
        );
        assert!(parse_path("a..b").unwrap_err().contains("empty key"));
        assert!(parse_path("").is_err());
        assert!(parse_path(r"a\b").is_err());
    }

    #[test]
    fn coalescing_deletes_nulls_and_merges_maps() {
        let mut d = json!({"a": {"b": 1, "c": 2}, "l": [1], "x": 1});
        coalesce(&mut d, &json!({"a": {"c": 3, "d": 4}, "l": [2], "x": null}));
        assert_eq!(d, json!({"a": {"b": 1, "c": 3, "d": 4}, "l": [2]}));
    }

    #[test]
    fn rendered_lines_map_back_to_their_source() {
        let source = "a: 1\n{% if true %}\nb: {{ x }}\n{% endif %}\nc: 3\n";
        let rendered = "a: 1\n\nb: 2\n\nc: 3\n";
        let m = LineMap::new(source, rendered);
        assert_eq!(m.source_line(1), 1);
        assert_eq!(m.source_line(3), 3);
        assert_eq!(m.source_line(5), 5);
        let c = rendered.find("c:").unwrap();
        let s = m.span(source, rendered, Span::new(0, c, c + 1));
        assert_eq!(&source[s.start as usize..s.end as usize], "c");
    }
}
