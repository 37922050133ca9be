//! Checking a document's values against the directory its `check` names
//! (a vendored chart): every path must exist in the keys file
//! (`values.yaml`) or among the JSON schema's `properties`, and the merged
//! values must satisfy the schema. Helm ignores a mistyped key; kiln points
//! at it and says what was meant.
//!
//! A key whose default is an empty map or `null` (`podAnnotations: {}`,
//! `resources.limits:`) accepts any key below it, as does a schema object
//! with `additionalProperties`, `patternProperties` or no `properties`.
//! Inside lists, the items of a values file are checked against the keys
//! of the default items (podinfo's `ingress.hosts[].paths[].pathType`);
//! a list whose default is empty or holds single values is taken as given.

use std::collections::HashSet;

use jsonschema::error::ValidationErrorKind;
use serde_json::{Map, Value as Json};

use super::document::coalesce;
use super::document_files::Reference;
use super::yaml_tree::{Node, Tree};
use crate::check::document::DocumentSchema;
use crate::diag::{Diagnostic, Diagnostics, Severity, codes, did_you_mean, suggest};
use crate::span::Span;

/// Where a path stands in the keys file and in the schema.
type At<'n> = (Option<&'n Node>, Option<&'n Json>);

/// One step down a path.
enum Step<'n> {
    /// Anything below is accepted.
    Open,
    Into(At<'n>),
    Unknown {
        candidates: Vec<String>,
        /// What the parent is instead of a map, when it is not one.
        not_map: Option<&'static str>,
    },
}

/// Checks the paths of one document of one app against its reference.
pub(super) struct Checker<'a> {
    reference: &'a Reference,
    /// The property that names the directory (`vendored="charts/podinfo"`).
    dir_span: Span,
    doc: &'a DocumentSchema,
    /// Paths already reported unknown, so the schema does not repeat them.
    reported: HashSet<Vec<String>>,
}

impl<'a> Checker<'a> {
    /// A checker of `doc` against `reference`, named at `dir_span`.
    pub fn new(reference: &'a Reference, dir_span: Span, doc: &'a DocumentSchema) -> Self {
        Checker {
            reference,
            dir_span,
            doc,
            reported: HashSet::new(),
        }
    }

    fn root(&self) -> At<'a> {
        (
            self.reference.keys.as_ref().map(|k| &k.tree),
            self.reference.schema.as_ref().map(|s| &s.raw),
        )
    }

    fn schema_root(&self) -> Option<&'a Json> {
        self.reference.schema.as_ref().map(|s| &s.raw)
    }

    /// The file paths are checked against, for messages.
    fn file_name(&self) -> &str {
        match (&self.reference.keys, &self.reference.schema) {
            (Some(k), _) => &k.name,
            (None, Some(s)) => &s.name,
            (None, None) => &self.reference.name,
        }
    }

    fn step<'n>(&self, (y, s): At<'n>, key: &str, root: bool) -> Step<'n>
    where
        'a: 'n,
    {
        let mut candidates = Vec::new();
        let mut not_map = None;
        let y_next = match y.map(|n| &n.value) {
            None => None,
            Some(Tree::Map(e)) if e.is_empty() && !root => return Step::Open,
            Some(Tree::Scalar(Json::Null)) if !root => return Step::Open,
            Some(Tree::Map(e)) => {
                candidates.extend(e.iter().map(|(k, _)| k.name.clone()));
                e.iter().find(|(k, _)| k.name == key).map(|(_, v)| v)
            }
            Some(_) => {
                not_map = y.map(Node::kind);
                None
            }
        };
        let s_next = match (s, self.schema_root()) {
            (Some(s), Some(root)) => match schema_step(root, s, key, &mut candidates) {
                SchemaStep::Open => return Step::Open,
                SchemaStep::Into(next) => Some(next),
                SchemaStep::Missing(kind) => {
                    not_map = not_map.or(kind);
                    None
                }
            },
            _ => None,
        };
        if y_next.is_none() && s_next.is_none() {
            let mut seen = HashSet::new();
            candidates.retain(|c| seen.insert(c.clone()));
            return Step::Unknown {
                candidates,
                not_map,
            };
        }
        Step::Into((y_next, s_next))
    }

    /// Walks `path`; reports the first key the reference does not have.
    /// Returns where the path ends, unless it was reported or is open.
    pub fn check_path(
        &mut self,
        path: &[String],
        primary: Span,
        related: Option<Span>,
        diags: &mut Diagnostics,
    ) -> Option<At<'a>> {
        let mut at = self.root();
        if at.0.is_none() && at.1.is_none() {
            return None;
        }
        for (i, key) in path.iter().enumerate() {
            match self.step(at, key, i == 0) {
                Step::Open => return None,
                Step::Into(next) => at = next,
                Step::Unknown {
                    candidates,
                    not_map,
                } => {
                    self.unknown(path, i, &candidates, not_map, primary, related, diags);
                    return None;
                }
            }
        }
        Some(at)
    }

    /// A single value (or a list) where the keys file has a map of keys:
    /// the chart's templates read those keys, and would find none.
    pub fn check_leaf(
        &self,
        path: &[String],
        (y, s): At<'_>,
        value: &Json,
        span: Span,
        diags: &mut Diagnostics,
    ) {
        let Some(Tree::Map(keys)) = y.map(|n| &n.value) else {
            return;
        };
        if keys.is_empty() || s.is_some() || value.is_null() || value.is_object() {
            return;
        }
        let full = dotted(path);
        let first = &keys[0].0.name;
        diags.push(
            Diagnostic::error(
                codes::VALUE_SCHEMA,
                format!(
                    "`{full}` is a map in `{}`, found {}",
                    self.file_name(),
                    json_kind(value)
                ),
            )
            .primary(span, "a single value would replace the whole map")
            .related(
                keys[0].0.span,
                format!("`{full}` holds keys such as `{first}`"),
            )
            .help(format!(
                "set its keys instead, such as `{full}.{first}`; `#null` drops the chart's default"
            )),
        );
    }

    /// Checks every key of a values file (or of a default file).
    pub fn check_tree(
        &mut self,
        node: &Node,
        prefix: &mut Vec<String>,
        named: Span,
        diags: &mut Diagnostics,
    ) {
        let at = self.root();
        if at.0.is_some() || at.1.is_some() {
            self.tree(node, prefix, at, true, named, diags);
        }
    }

    fn tree(
        &mut self,
        node: &Node,
        prefix: &mut Vec<String>,
        at: At<'_>,
        root: bool,
        named: Span,
        diags: &mut Diagnostics,
    ) {
        let Tree::Map(entries) = &node.value else {
            return;
        };
        for (k, v) in entries {
            prefix.push(k.name.clone());
            match self.step(at, &k.name, root) {
                Step::Open => {}
                Step::Unknown {
                    candidates,
                    not_map,
                } => {
                    let at = prefix.len() - 1;
                    self.unknown(prefix, at, &candidates, not_map, k.span, Some(named), diags);
                }
                Step::Into(next) => match &v.value {
                    Tree::Map(inner) if !inner.is_empty() => {
                        self.tree(v, prefix, next, false, named, diags)
                    }
                    Tree::Seq(items) => self.items(items, prefix, next, named, diags),
                    _ if in_item(prefix) => {}
                    _ => self.check_leaf(prefix, next, &v.to_json(), v.span, diags),
                },
            }
            prefix.pop();
        }
    }

    /// The items of a list, against the keys of the default items. A
    /// chart's default items are examples that may show only some keys
    /// (podinfo's `httpRoute.parentRefs` leaves out `namespace`), and Helm
    /// hands items on as written: what they lack is a warning.
    fn items(
        &mut self,
        items: &[Node],
        prefix: &mut Vec<String>,
        (y, s): At<'_>,
        named: Span,
        diags: &mut Diagnostics,
    ) {
        let template = y.and_then(item_template);
        let s_items = match (s, self.schema_root()) {
            (Some(s), Some(root)) => deref(root, s).get("items").filter(|i| i.is_object()),
            _ => None,
        };
        if template.is_none() && s_items.is_none() {
            return;
        }
        for (i, item) in items.iter().enumerate() {
            if matches!(&item.value, Tree::Map(e) if !e.is_empty()) {
                prefix.push(format!("[{i}]"));
                self.tree(
                    item,
                    prefix,
                    (template.as_ref(), s_items),
                    false,
                    named,
                    diags,
                );
                prefix.pop();
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn unknown(
        &mut self,
        path: &[String],
        at: usize,
        candidates: &[String],
        not_map: Option<&str>,
        primary: Span,
        named: Option<Span>,
        diags: &mut Diagnostics,
    ) {
        let warn = in_item(&path[..=at]);
        if !warn {
            // As JSON pointers have them: list items by their index.
            self.reported.insert(
                path.iter()
                    .map(|k| k.trim_start_matches('[').trim_end_matches(']').to_string())
                    .collect(),
            );
        }
        let file = self.file_name().to_string();
        let full = dotted(path);
        let parent = dotted(&path[..at]);
        let key = &path[at];
        let mut d = match not_map {
            Some(kind) => {
                let entry = self.doc.entry.as_deref().unwrap_or("value");
                let help = if kind == "a list" {
                    format!(
                        "set the whole list: several arguments make one (`{entry} \"{parent}\" A B`), or write it in a values file"
                    )
                } else {
                    format!("set `{parent}` itself")
                };
                Diagnostic::error(
                    codes::UNKNOWN_VALUE,
                    format!("`{parent}` is {kind} in `{file}`, so it has no `{key}`"),
                )
                .primary(primary, format!("`{parent}` holds no keys"))
                .help(help)
            }
            None => {
                let place = if at == 0 {
                    "at the top level".to_string()
                } else {
                    format!("in `{parent}`")
                };
                Diagnostic::error(
                    codes::UNKNOWN_VALUE,
                    format!("unknown value `{full}`: `{file}` has no `{key}` {place}"),
                )
                .primary(primary, format!("no `{key}` {place}"))
                .help(self.suggestion(path, at, candidates))
            }
        };
        if let Some(span) = self.key_span(&path[..at]) {
            let label = match path[..at].split_last() {
                Some((last, list)) if last.starts_with('[') => {
                    format!("the chart's own items of `{}` look like this", dotted(list))
                }
                _ => format!("`{parent}` is defined here"),
            };
            d = d.related(span, label);
        }
        if let Some(named) = named {
            d = d.related(named, "in the values file named here");
        }
        if warn {
            d.severity = Severity::Warning;
            d.help = Some(format!(
                "{} (the chart's own items may show only some keys, so this is a warning)",
                d.help.as_deref().unwrap_or("check the key")
            ));
        } else if not_map.is_none()
            && d.help
                .as_deref()
                .is_some_and(|h| !h.starts_with("did you mean"))
        {
            d.help = d.help.map(|h| {
                format!("{h}; a key the chart reads without declaring it takes `unchecked=#true`")
            });
        }
        diags.push(d);
    }

    /// "did you mean": a sibling key, else the same key elsewhere, else a
    /// close path anywhere, else the keys there are.
    fn suggestion(&self, path: &[String], at: usize, candidates: &[String]) -> String {
        let key = &path[at];
        if let Some(best) = did_you_mean(key, candidates.iter().map(String::as_str)) {
            let mut fixed = path.to_vec();
            fixed[at] = best.to_string();
            return format!("did you mean `{}`?", dotted(&fixed));
        }
        let known: &[String] = self
            .reference
            .keys
            .as_ref()
            .map_or(&[], |k| k.paths.as_slice());
        let tail = dotted(&path[at..]);
        let elsewhere: Vec<String> = known
            .iter()
            .filter(|p| p.ends_with(&format!(".{tail}")))
            .take(3)
            .map(|p| format!("`{p}`"))
            .collect();
        if !elsewhere.is_empty() {
            return format!("did you mean {}?", elsewhere.join(" or "));
        }
        if let Some(best) = did_you_mean(&dotted(path), known.iter().map(String::as_str)) {
            return format!("did you mean `{best}`?");
        }
        let what = if at == 0 {
            "the top-level keys are".to_string()
        } else {
            format!("`{}` holds", dotted(&path[..at]))
        };
        suggest(key, candidates.iter().map(String::as_str), &what)
    }

    /// The span of a key in the keys file; through a list, of the first
    /// key of its first item.
    fn key_span(&self, path: &[String]) -> Option<Span> {
        let mut node = &self.reference.keys.as_ref()?.tree;
        let mut span = None;
        for key in path {
            if key.starts_with('[') {
                let Tree::Seq(items) = &node.value else {
                    return span;
                };
                node = items.first()?;
                if let Tree::Map(entries) = &node.value {
                    span = entries.first().map(|(k, _)| k.span);
                }
                continue;
            }
            let (k, v) = node.get(key)?;
            span = Some(k.span);
            node = v;
        }
        span
    }

    /// Validates the merged document, over the keys file's defaults,
    /// against the JSON schema; each violation points at the place that
    /// set the value (`locate`), or at the directory for a default.
    pub fn validate(
        &self,
        doc: &Map<String, Json>,
        locate: &dyn Fn(&[String]) -> Option<Span>,
        diags: &mut Diagnostics,
    ) {
        let Some(schema) = &self.reference.schema else {
            return;
        };
        let mut instance = self
            .reference
            .keys
            .as_ref()
            .map_or_else(|| Json::Object(Map::new()), |k| k.tree.to_json());
        coalesce(&mut instance, &Json::Object(doc.clone()));
        for e in schema.validator.iter_errors(&instance) {
            let mut path = pointer(e.instance_path().as_str());
            // Point at the key itself: the one not allowed (already reported
            // when no file knows it), or the one a `null` deleted.
            if let ValidationErrorKind::AdditionalProperties { unexpected } = e.kind()
                && let Some(first) = unexpected.first()
            {
                path.push(first.clone());
            }
            // A path reported unknown, or one inside it or around it: the
            // schema would only repeat the mistake.
            if self
                .reported
                .iter()
                .any(|r| r.starts_with(&path) || path.starts_with(r))
            {
                continue;
            }
            let shown = shown_path(&instance, &path);
            let mut at = path.clone();
            if let ValidationErrorKind::Required { property } = e.kind()
                && let Some(p) = property.as_str()
            {
                at.push(p.to_string());
            }
            let subject = if path.is_empty() {
                "the values".to_string()
            } else {
                format!("`{shown}`")
            };
            let user = Json::Object(doc.clone());
            let deleted = at.len() > path.len() && json_at(&user, &at) == Some(&Json::Null);
            let (span, label) = match (locate(&at), locate(&path)) {
                (Some(span), _) if deleted => (span, "`null` here deletes it"),
                (Some(span), _) | (None, Some(span)) => (span, "set here"),
                (None, None) => (self.dir_span, "the chart's own default"),
            };
            let mut d = Diagnostic::error(codes::VALUE_SCHEMA, format!("{subject}: {e}"))
                .primary(span, label)
                .help(format!(
                    "`{}` says so; Helm would check it only when it installs the release",
                    schema.name
                ));
            if let Some(rule) = schema
                .tree
                .as_ref()
                .and_then(|t| rule_span(t, e.schema_path().as_str()))
            {
                d = d.related(rule, "the schema's rule");
            }
            diags.push(d);
        }
    }
}

/// True when a path goes through a list item (`routes[0].host`).
fn in_item(path: &[String]) -> bool {
    path.iter().any(|k| k.starts_with('['))
}

/// A path as users write it: keys joined by `.` (a dot inside a key as
/// `\.`), list items as `[0]`.
pub fn dotted(path: &[String]) -> String {
    let mut out = String::new();
    for key in path {
        if !key.starts_with('[') && !out.is_empty() {
            out.push('.');
        }
        out.push_str(&key.replace('\\', "\\\\").replace('.', "\\."));
    }
    out
}

/// A JSON pointer's segments (RFC 6901).
fn pointer(p: &str) -> Vec<String> {
    p.split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// A pointer into `instance` shown dotted, list indices as `[0]`.
fn shown_path(instance: &Json, path: &[String]) -> String {
    let keys: Vec<String> = path
        .iter()
        .enumerate()
        .map(|(i, key)| match json_at(instance, &path[..i]) {
            Some(Json::Array(_)) => format!("[{key}]"),
            _ => key.clone(),
        })
        .collect();
    dotted(&keys)
}

/// The value at a path of map keys and list indices.
fn json_at<'j>(v: &'j Json, path: &[String]) -> Option<&'j Json> {
    path.iter().try_fold(v, |cur, key| match cur {
        Json::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        Json::Object(m) => m.get(key),
        _ => None,
    })
}

/// The keyword of a schema that an error names (`"maximum": 10`): its key,
/// and its value when that is a single one.
fn rule_span(tree: &Node, schema_path: &str) -> Option<Span> {
    let path = pointer(schema_path);
    let (last, parent) = path.split_last()?;
    let (key, value) = tree.at(parent)?.get(last)?;
    Some(match value.value {
        Tree::Scalar(_) if value.span.file == key.span.file => Span {
            end: value.span.end.max(key.span.end),
            ..key.span
        },
        _ => key.span,
    })
}

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::Array(_) => "a list",
        Json::String(_) => "a string",
        Json::Number(_) => "a number",
        Json::Bool(_) => "a boolean",
        Json::Object(_) => "a map",
        Json::Null => "null",
    }
}

/// The keys of a default list's map items, merged: what items may hold.
fn item_template(list: &Node) -> Option<Node> {
    let Tree::Seq(items) = &list.value else {
        return None;
    };
    let mut entries: Vec<(super::yaml_tree::Key, Node)> = Vec::new();
    for item in items {
        if let Tree::Map(e) = &item.value {
            for (k, v) in e {
                if !entries.iter().any(|(seen, _)| seen.name == k.name) {
                    entries.push((k.clone(), v.clone()));
                }
            }
        }
    }
    if entries.is_empty() {
        return None;
    }
    Some(Node {
        value: Tree::Map(entries),
        span: list.span,
    })
}

enum SchemaStep<'j> {
    Open,
    Into(&'j Json),
    /// Not there; what the schema says the parent is, when not an object.
    Missing(Option<&'static str>),
}

/// `s` with local `$ref`s (`#/definitions/…`, `#/$defs/…`) followed.
fn deref<'j>(root: &'j Json, mut s: &'j Json) -> &'j Json {
    for _ in 0..32 {
        match s.get("$ref").and_then(Json::as_str) {
            Some(r) if r.starts_with('#') => match root.pointer(&r[1..]) {
                Some(target) => s = target,
                None => return s,
            },
            _ => return s,
        }
    }
    s
}

/// One key down a schema: `properties`, else open when the object takes
/// other keys, through `allOf`/`anyOf`/`oneOf`.
fn schema_step<'j>(
    root: &'j Json,
    s: &'j Json,
    key: &str,
    candidates: &mut Vec<String>,
) -> SchemaStep<'j> {
    let s = deref(root, s);
    let Some(obj) = s.as_object() else {
        return if s == &Json::Bool(false) {
            SchemaStep::Missing(None)
        } else {
            SchemaStep::Open
        };
    };
    let mut branches = vec![s];
    for combinator in ["allOf", "anyOf", "oneOf"] {
        if let Some(Json::Array(list)) = obj.get(combinator) {
            branches.extend(list.iter().map(|b| deref(root, b)));
        }
    }
    let mut open = false;
    for b in &branches {
        let props = b.get("properties").and_then(Json::as_object);
        if let Some(next) = props.and_then(|p| p.get(key)) {
            return SchemaStep::Into(next);
        }
        if let Some(p) = props {
            candidates.extend(p.keys().cloned());
        }
        let additional = b.get("additionalProperties");
        open |= matches!(additional, Some(Json::Bool(true) | Json::Object(_)))
            || b.get("patternProperties").is_some()
            || (props.is_none() && additional.is_none() && allows_object(b));
    }
    if open {
        return SchemaStep::Open;
    }
    let not_object = match s.get("type") {
        Some(Json::String(t)) if t != "object" => Some(type_phrase(t)),
        _ => None,
    };
    SchemaStep::Missing(not_object)
}

fn allows_object(s: &Json) -> bool {
    match s.get("type") {
        None => s.get("items").is_none(),
        Some(Json::String(t)) => t == "object",
        Some(Json::Array(ts)) => ts.iter().any(|t| t == "object"),
        Some(_) => false,
    }
}

fn type_phrase(t: &str) -> &'static str {
    match t {
        "array" => "a list",
        "string" => "a string",
        "integer" | "number" => "a number",
        "boolean" => "a boolean",
        _ => "a single value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dotted_paths_escape_dots_and_show_items() {
        let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(dotted(&p(&["a", "b.c"])), r"a.b\.c");
        assert_eq!(dotted(&p(&["hosts", "[0]", "host"])), "hosts[0].host");
        assert_eq!(pointer("/a~1b/0"), ["a/b", "0"]);
        assert_eq!(
            shown_path(&json!({"l": [{"x": 1}]}), &p(&["l", "0", "x"])),
            "l[0].x"
        );
    }

    #[test]
    fn schema_steps_follow_refs_and_open_objects() {
        let root = json!({
            "properties": {"image": {"$ref": "#/$defs/image"}, "extra": {"type": "object"}, "n": {"type": "integer"}},
            "$defs": {"image": {"properties": {"tag": {"type": "string"}}}}
        });
        let mut c = Vec::new();
        let image = match schema_step(&root, &root, "image", &mut c) {
            SchemaStep::Into(s) => s,
            _ => panic!("image is a property"),
        };
        assert!(matches!(
            schema_step(&root, image, "tag", &mut c),
            SchemaStep::Into(_)
        ));
        assert!(matches!(
            schema_step(&root, image, "tga", &mut c),
            SchemaStep::Missing(None)
        ));
        assert!(c.contains(&"tag".to_string()));
        let extra = &root["properties"]["extra"];
        assert!(matches!(
            schema_step(&root, extra, "anything", &mut c),
            SchemaStep::Open
        ));
        let n = &root["properties"]["n"];
        assert!(matches!(
            schema_step(&root, n, "x", &mut c),
            SchemaStep::Missing(Some("a number"))
        ));
    }
}
