//! Reading the objects of each env: multi-document YAML, one object per
//! document (a `List` is opened), each remembering the document it came
//! from so that every diagnostic can point at it.

use std::collections::HashMap;

use serde_json::Value as Json;

use super::EnvInput;
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::render::{validate, yaml};
use crate::resolve::yaml_tree;
use crate::span::{FileId, Sources, Span};

/// One input object.
#[derive(Clone, Debug)]
pub struct Object {
    pub value: Json,
    /// The document's `kind:` line (its first line when there is none).
    pub span: Span,
    /// The whole document.
    pub doc: Span,
    /// The bytes of YAML the object took in its file.
    pub bytes: usize,
    /// Its index among the `items` of the `List` document it came from.
    pub item: Option<usize>,
}

impl Object {
    /// Where the input writes the field at `path` (keys, list indices as
    /// numbers): the deepest key or item of the path found in the object's
    /// document, read again with positions (`resolve::yaml_tree`), so that
    /// a diagnostic about a field points at it; the `kind:` line when the
    /// document writes none of the path.
    pub fn field_span(&self, sources: &Sources, path: &[String]) -> Span {
        let text = &sources.get(self.doc.file).text;
        let base = self.doc.start as usize;
        let Some(Ok(tree)) = text
            .get(base..self.doc.end as usize)
            .map(|doc| yaml_tree::parse(self.doc.file, doc))
        else {
            return self.span;
        };
        let item = self.item.map(|i| ["items".to_string(), i.to_string()]);
        let mut node = &tree;
        let mut found = None;
        for segment in item.iter().flatten().chain(path) {
            let next = match &node.value {
                yaml_tree::Tree::Map(_) => node.get(segment).map(|(k, v)| (k.span, v)),
                yaml_tree::Tree::Seq(items) => segment
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get(i))
                    .map(|v| (v.span, v)),
                yaml_tree::Tree::Scalar(_) => None,
            };
            let Some((at, child)) = next else { break };
            found = Some(at);
            node = child;
        }
        found.map_or(self.span, |at| {
            Span::new(
                self.doc.file,
                base + at.start as usize,
                base + at.end as usize,
            )
        })
    }

    /// `kind`.
    pub fn kind(&self) -> &str {
        self.value["kind"].as_str().unwrap_or_default()
    }

    /// `apiVersion`.
    pub fn api_version(&self) -> &str {
        self.value["apiVersion"].as_str().unwrap_or_default()
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        self.value["metadata"]["name"].as_str().unwrap_or_default()
    }

    /// `metadata.namespace`, when set.
    pub fn namespace(&self) -> Option<&str> {
        self.value["metadata"]["namespace"]
            .as_str()
            .filter(|s| !s.is_empty())
    }

    /// `Kind/name`, as patches and messages name objects.
    pub fn id(&self) -> String {
        format!("{}/{}", self.kind(), self.name())
    }

    /// `metadata.labels` or `metadata.annotations` (`field`), as strings.
    pub fn meta_map(&self, field: &str) -> Vec<(String, String)> {
        match &self.value["metadata"][field] {
            Json::Object(m) => m.iter().map(|(k, v)| (k.clone(), scalar_text(v))).collect(),
            _ => Vec::new(),
        }
    }
}

/// A label or annotation value as text (YAML may have read `"true"` typed).
pub fn scalar_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// The objects of one env, in input order.
#[derive(Clone, Debug, Default)]
pub struct EnvObjects {
    pub env: String,
    pub objects: Vec<Object>,
    /// The input files, for the comments that say where apps came from.
    pub files: Vec<FileId>,
}

/// Fields the API server writes into objects read back from a cluster
/// (`kubectl get -o yaml`), dropped on reading: they are state, not
/// configuration.
const SERVER_METADATA: &[&str] = &[
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "generation",
    "managedFields",
    "selfLink",
];
const SERVER_ANNOTATIONS: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
];

/// Reads every env's files into objects; files go into `sources`.
pub fn read(
    inputs: &[EnvInput],
    sources: &mut Sources,
    diags: &mut Diagnostics,
) -> Vec<EnvObjects> {
    inputs
        .iter()
        .map(|input| {
            let mut env = EnvObjects {
                env: input.env.clone(),
                ..EnvObjects::default()
            };
            let mut kustomizations = Vec::new();
            let mut found = 0;
            for f in &input.files {
                let id = sources.add(f.name.clone(), f.path.clone(), f.text.clone());
                env.files.push(id);
                if is_kustomization_file(&f.name) {
                    kustomizations.push(Span::new(id, 0, first_line_end(&f.text)));
                    continue;
                }
                found += read_file(sources, id, &mut env.objects, &mut kustomizations, diags);
            }
            let mut overlays = 0;
            if !kustomizations.is_empty() {
                let (d, n) = kustomization_diag(sources, &env, &kustomizations);
                diags.push(d);
                overlays = n;
            } else if found == 0 {
                diags.push(empty_diag(sources, &env));
            }
            // Several overlays side by side repeat each other's objects:
            // the kustomization error says what to do, duplicates would
            // only bury it.
            if overlays < 2 {
                duplicates(&env, diags);
            }
            env
        })
        .collect()
}

fn is_kustomization_file(name: &str) -> bool {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    matches!(
        base,
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    )
}

/// One error for every kustomization in an env's input: a folder that
/// `kiln render --out` or an overlay tree wrote holds one per app, and
/// the fix is the same for all of them. The primary label is at the
/// top-most one (the overlay's root); the help names the command that
/// builds it, and `kiln render --stdout` when the objects are kiln's own.
/// Several top-most ones (a whole `kiln render --out` folder) are each an
/// env of their own. Also returns how many overlays there are.
fn kustomization_diag(sources: &Sources, env: &EnvObjects, found: &[Span]) -> (Diagnostic, usize) {
    let depth = |s: &Span| sources.get(s.file).name.matches(['/', '\\']).count();
    let root = found
        .iter()
        .min_by_key(|s| (depth(s), sources.get(s.file).name.as_str()))
        .copied()
        .unwrap_or_default();
    let name = &sources.get(root.file).name;
    let others = match found.len() - 1 {
        0 => String::new(),
        n => format!(" (and {n} more in the input of env `{}`)", env.env),
    };
    let dir_of = |s: &Span| match sources.get(s.file).name.rsplit_once(['/', '\\']) {
        Some((dir, _)) if !dir.is_empty() => dir.to_string(),
        _ => ".".to_string(),
    };
    let dir = dir_of(&root);
    // Several overlays side by side (a whole `kiln render --out` folder):
    // each is an env of its own, named after its folder.
    let mut tops: Vec<String> = found
        .iter()
        .filter(|s| depth(s) == depth(&root))
        .map(dir_of)
        .collect();
    tops.sort();
    tops.dedup();
    if tops.len() > 1 {
        let env_of = |d: &str| d.rsplit(['/', '\\']).next().unwrap_or(d).to_string();
        let builds: Vec<String> = tops
            .iter()
            .map(|d| format!("`kubectl kustomize {d} > {}.yaml`", env_of(d)))
            .collect();
        let flags: Vec<String> = tops
            .iter()
            .map(|d| format!("--env {0}={0}.yaml", env_of(d)))
            .collect();
        let d = Diagnostic::error(
            codes::IMPORT_KUSTOMIZATION,
            format!(
                "the input of env `{}` holds {} overlays, which `kiln import` does not build",
                env.env,
                tops.len()
            ),
        )
        .primary(root, "a kustomization")
        .help(format!(
            "build each overlay and import it as an env of its own: {}, then `{}`",
            builds.join(", "),
            flags.join(" ")
        ));
        return (d, tops.len());
    }
    let e = &env.env;
    let kiln_made = env
        .objects
        .iter()
        .any(|o| o.value["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "kiln");
    let help = if kiln_made {
        format!(
            "this is `kiln render` output: import one stream per env instead, `kiln render --stdout --env {e} > {e}.yaml` in the project or `kubectl kustomize {dir} > {e}.yaml`, then `--env {e}={e}.yaml`"
        )
    } else {
        format!(
            "build the overlay first and import what it makes: `kubectl kustomize {dir} > {e}.yaml`, then `--env {e}={e}.yaml`"
        )
    };
    let d = Diagnostic::error(
        codes::IMPORT_KUSTOMIZATION,
        format!("`{name}` is a kustomization, which `kiln import` does not build{others}"),
    )
    .primary(root, "a kustomization")
    .help(help);
    (d, 1)
}

/// An env whose input holds no object (empty files, comments, `---`):
/// importing nothing would write a project that deploys nothing, which is
/// never what was meant (a wrong path, a command that printed nothing).
fn empty_diag(sources: &Sources, env: &EnvObjects) -> Diagnostic {
    let first = env.files.first().map(|&f| sources.get(f));
    let what = match (env.files.len(), first) {
        (1, Some(f)) => format!("`{}`", f.name),
        (n, _) => format!("the {n} files of env `{}`", env.env),
    };
    let mut d = Diagnostic::error(
        codes::IMPORT_EMPTY,
        format!("no objects found in {what}"),
    )
    .help(format!(
        "`--env {}=PATH` takes the YAML of the objects the env runs: check the path, or the command that wrote the file",
        env.env
    ));
    if let Some(&file) = env.files.first() {
        let text = &sources.get(file).text;
        d = d.primary(
            Span::new(file, 0, first_line_end(text)),
            "no Kubernetes object in this input",
        );
    }
    d
}

fn first_line_end(text: &str) -> usize {
    text.find('\n').unwrap_or(text.len())
}

/// The byte ranges of a stream's documents: a line `---` (or `--- …`)
/// starts a new one.
fn documents(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let l = line.trim_end_matches(['\n', '\r']);
        if offset > 0 && (l == "---" || l.starts_with("--- ") || l.starts_with("---\t")) {
            out.push((start, offset));
            start = offset;
        }
        offset += line.len();
    }
    out.push((start, text.len()));
    out
}

/// The span of a document's top-level `kind:` line, or its first line.
fn kind_line(file: FileId, text: &str, start: usize, end: usize) -> Span {
    let mut offset = start;
    for line in text[start..end].split_inclusive('\n') {
        if line.starts_with("kind:") {
            return Span::new(file, offset, offset + line.trim_end().len());
        }
        offset += line.len();
    }
    let first = text[start..end]
        .split_inclusive('\n')
        .find(|l| !l.trim().is_empty() && !l.starts_with('#') && l.trim_end() != "---")
        .map(|l| {
            let at = l.as_ptr() as usize - text.as_ptr() as usize;
            (at, at + l.trim_end().len())
        })
        .unwrap_or((start, start));
    Span::new(file, first.0, first.1)
}

/// Reads one file's objects into `out`; returns how many documents (and
/// `List` items) it held, objects or not.
fn read_file(
    sources: &Sources,
    file: FileId,
    out: &mut Vec<Object>,
    kustomizations: &mut Vec<Span>,
    diags: &mut Diagnostics,
) -> usize {
    let mut found = 0;
    let text = sources.get(file).text.clone();
    let name = sources.get(file).name.clone();
    for (start, end) in documents(&text) {
        let chunk = &text[start..end];
        let span = kind_line(file, &text, start, end);
        let docs = match yaml::from_yaml_documents(chunk) {
            Ok(d) => d,
            Err(e) => {
                let line_start = sources
                    .get(file)
                    .line_start(sources.get(file).line_col(start).0 + e.line.saturating_sub(1));
                diags.push(
                    Diagnostic::error(
                        codes::IMPORT_READ,
                        format!("`{name}` is not valid YAML: {}", e.message),
                    )
                    .primary(
                        Span::new(
                            file,
                            line_start,
                            line_start + first_line_end(&text[line_start..]),
                        ),
                        "here",
                    ),
                );
                found += 1;
                continue;
            }
        };
        for doc in docs.into_iter().filter(|d| !d.is_null()) {
            if doc["kind"] == "List" && doc["items"].is_array() {
                let items = doc["items"].as_array().cloned().unwrap_or_default();
                found += items.len();
                for (i, item) in items.into_iter().enumerate() {
                    let bytes = yaml::to_yaml(&item).len();
                    object(
                        sources,
                        item,
                        (span, Span::new(file, start, end), Some(i)),
                        bytes,
                        (out, kustomizations),
                        diags,
                    );
                }
            } else {
                found += 1;
                object(
                    sources,
                    doc,
                    (span, Span::new(file, start, end), None),
                    chunk.len(),
                    (out, kustomizations),
                    diags,
                );
            }
        }
    }
    found
}

fn object(
    sources: &Sources,
    mut value: Json,
    (span, doc, item): (Span, Span, Option<usize>),
    bytes: usize,
    (out, kustomizations): (&mut Vec<Object>, &mut Vec<Span>),
    diags: &mut Diagnostics,
) {
    let file = span.file;
    let name = &sources.get(file).name;
    if !value.is_object() {
        diags.push(
            Diagnostic::error(
                codes::IMPORT_READ,
                format!("a document of `{name}` is not a Kubernetes object"),
            )
            .primary(
                span,
                "expected a map with `apiVersion`, `kind` and `metadata.name`",
            ),
        );
        return;
    }
    if value["apiVersion"]
        .as_str()
        .is_some_and(|a| a.starts_with("kustomize.config.k8s.io/"))
    {
        kustomizations.push(span);
        return;
    }
    let missing: Vec<&str> = [
        ("apiVersion", value["apiVersion"].as_str().is_none()),
        ("kind", value["kind"].as_str().is_none()),
        (
            "metadata.name",
            value["metadata"]["name"].as_str().is_none(),
        ),
    ]
    .iter()
    .filter(|(_, m)| *m)
    .map(|(n, _)| *n)
    .collect();
    if !missing.is_empty() {
        diags.push(
            Diagnostic::error(
                codes::IMPORT_READ,
                format!(
                    "a document of `{name}` is not a Kubernetes object: it has no {}",
                    missing.join(", ")
                ),
            )
            .primary(span, "this document")
            .help("every object needs `apiVersion`, `kind` and `metadata.name`"),
        );
        return;
    }
    strip_server_fields(&mut value);
    let o = Object {
        value,
        span,
        doc,
        bytes,
        item,
    };
    if let validate::Validation::Invalid(problems) = validate::validate(&o.value) {
        // The object's own `kind` (a `List` item's, not the List's).
        let object_at = o.field_span(sources, &["kind".to_string()]);
        for p in problems.into_iter().take(5) {
            let at = o.field_span(sources, &p.path);
            let mut d = Diagnostic::error(
                codes::IMPORT_READ,
                format!(
                    "{} `{}` of `{name}` is not a valid Kubernetes object: {} at `{}`",
                    o.kind(),
                    o.name(),
                    p.message,
                    p.path.join(".")
                ),
            )
            .primary(at, p.message.clone());
            if at != object_at {
                d = d.related(object_at, format!("in this {}", o.kind()));
            }
            diags.push(
                d.help("the API server would refuse it too: import what the cluster accepts"),
            );
        }
        return;
    }
    if o.kind() == "Secret"
        && o.api_version() == "v1"
        && o.value.get("sops").is_none()
        && ["data", "stringData"]
            .iter()
            .any(|f| o.value[f].as_object().is_some_and(|m| !m.is_empty()))
    {
        diags.push(
            Diagnostic::warning(
                codes::IMPORT_SECRET,
                format!("Secret `{}` holds data: left out of the imported project", o.name()),
            )
            .primary(o.span, "a Secret with data")
            .help("a gitops repository is no place for secrets: keep this Secret in the cluster, or bring it back encrypted with SOPS or as a SealedSecret"),
        );
        return;
    }
    out.push(o);
}

/// Drops what a cluster adds to objects it returns (see [`SERVER_METADATA`]).
fn strip_server_fields(v: &mut Json) {
    if let Json::Object(m) = v {
        m.shift_remove("status");
    }
    let Some(meta) = v["metadata"].as_object_mut() else {
        return;
    };
    for f in SERVER_METADATA {
        meta.shift_remove(*f);
    }
    if let Some(Json::Object(ann)) = meta.get_mut("annotations") {
        for a in SERVER_ANNOTATIONS {
            ann.shift_remove(*a);
        }
        if ann.is_empty() {
            meta.shift_remove("annotations");
        }
    }
}

fn duplicates(env: &EnvObjects, diags: &mut Diagnostics) {
    let mut seen: HashMap<(String, String, String), Span> = HashMap::new();
    for o in &env.objects {
        let key = (
            o.kind().to_string(),
            o.namespace().unwrap_or_default().to_string(),
            o.name().to_string(),
        );
        if let Some(first) = seen.get(&key) {
            diags.push(
                Diagnostic::error(
                    codes::IMPORT_DUPLICATE,
                    format!("two objects `{}` in the input of env `{}`", o.id(), env.env),
                )
                .primary(o.span, "this one")
                .related(*first, "and this one")
                .help("an env's input is what one namespace holds: import each overlay as its own env"),
            );
        } else {
            seen.insert(key, o.span);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::InputFile;

    /// An input file named `name`, not on disk.
    fn file(name: &str, text: &str) -> InputFile {
        InputFile {
            name: name.into(),
            path: None,
            text: text.into(),
        }
    }

    fn read_text(text: &str) -> (Vec<EnvObjects>, Diagnostics, Sources) {
        let mut sources = Sources::default();
        let mut diags = Diagnostics::default();
        let inputs = [EnvInput {
            env: "dev".into(),
            files: vec![InputFile {
                name: "dev.yaml".into(),
                path: None,
                text: text.into(),
            }],
        }];
        let envs = read(&inputs, &mut sources, &mut diags);
        (envs, diags, sources)
    }

    #[test]
    fn documents_lists_and_their_lines() {
        let text = "# a comment\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n--- \n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c, uid: x, resourceVersion: \"1\"}}\n";
        let (envs, diags, sources) = read_text(text);
        assert!(diags.is_empty(), "{diags:?}");
        let names: Vec<&str> = envs[0].objects.iter().map(Object::name).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(sources.slice(envs[0].objects[0].span), "kind: ConfigMap");
        assert_eq!(sources.slice(envs[0].objects[2].span), "kind: List");
        assert_eq!(
            envs[0].objects[2].value["metadata"],
            serde_json::json!({"name": "c"})
        );
    }

    #[test]
    fn secrets_with_data_are_left_out_with_a_warning() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ndata: {password: aHVudGVyMg==}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: empty}\ntype: Opaque\n";
        let (envs, diags, _) = read_text(text);
        assert_eq!(envs[0].objects.len(), 1);
        assert_eq!(envs[0].objects[0].name(), "empty");
        assert_eq!(diags.0.len(), 1);
        assert_eq!(diags.0[0].code, codes::IMPORT_SECRET.0);
        assert!(!diags.has_errors());
        assert!(!format!("{diags:?}").contains("aHVudGVyMg"));
    }

    #[test]
    fn bad_documents_and_duplicates_are_errors() {
        let text = "kind: ConfigMap\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nresources: [a.yaml]\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nmetadata: {name: k}\n---\n[1, 2\n";
        let (_, diags, _) = read_text(text);
        let codes: Vec<&str> = diags.0.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [
                "kiln::import::read",
                "kiln::import::read",
                "kiln::import::kustomization",
                "kiln::import::duplicate"
            ]
        );
    }

    #[test]
    fn a_schema_problem_is_at_its_field_with_the_object_beside_it() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: s\n  spec:\n    ports:\n    - port: 80\n      protocoll: TCP\n";
        let (_, diags, sources) = read_text(text);
        assert_eq!(diags.0.len(), 1, "{diags:?}");
        let d = &diags.0[0];
        assert_eq!(sources.slice(d.primary_span().unwrap()), "protocoll");
        // The Service's own `kind` (line 8), not the List's.
        let related: Vec<(&str, usize)> = d
            .labels
            .iter()
            .filter(|l| !l.primary)
            .map(|l| {
                let line = sources.get(l.span.file).line_col(l.span.start as usize).0;
                (sources.slice(l.span), line)
            })
            .collect();
        assert_eq!(related, [("kind", 8)]);
    }

    #[test]
    fn an_input_of_no_objects_is_an_error() {
        for text in [
            "",
            "# only a comment\n",
            "---\n--- \n# x\n---\n",
            "apiVersion: v1\nkind: List\nitems: []\n",
        ] {
            let (envs, diags, _) = read_text(text);
            assert!(envs[0].objects.is_empty());
            let codes: Vec<&str> = diags.0.iter().map(|d| d.code).collect();
            assert_eq!(codes, ["kiln::import::empty"], "{text:?}");
            assert_eq!(diags.0[0].message, "no objects found in `dev.yaml`");
        }
        // Not valid YAML is that error alone; a Secret left out is an object found.
        let (_, diags, _) = read_text("[1, 2\n");
        assert_eq!(diags.0[0].code, codes::IMPORT_READ.0);
        assert_eq!(diags.0.len(), 1);
        let (_, diags, _) =
            read_text("apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ndata: {a: Yg==}\n");
        assert!(!diags.has_errors(), "{diags:?}");
    }

    #[test]
    fn a_kustomization_file_is_refused_by_name() {
        let mut sources = Sources::default();
        let mut diags = Diagnostics::default();
        let inputs = [EnvInput {
            env: "dev".into(),
            files: vec![InputFile {
                name: "base/kustomization.yaml".into(),
                path: None,
                text: "resources: [a.yaml]\n".into(),
            }],
        }];
        read(&inputs, &mut sources, &mut diags);
        assert_eq!(diags.0[0].code, codes::IMPORT_KUSTOMIZATION.0);
    }

    #[test]
    fn the_kustomizations_of_an_env_are_one_error_at_the_top_most() {
        let mut sources = Sources::default();
        let mut diags = Diagnostics::default();
        let kustomization =
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [web]\n";
        let inputs = [EnvInput {
            env: "staging".into(),
            files: vec![
                file("out/staging/api/kustomization.yaml", kustomization),
                file(
                    "out/staging/api/deployment-api.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: {app.kubernetes.io/managed-by: kiln}\n",
                ),
                file("out/staging/kustomization.yaml", kustomization),
                file("out/staging/web/kustomization.yml", kustomization),
            ],
        }];
        read(&inputs, &mut sources, &mut diags);
        assert_eq!(diags.0.len(), 1, "{diags:?}");
        let d = &diags.0[0];
        assert_eq!(
            d.message,
            "`out/staging/kustomization.yaml` is a kustomization, which `kiln import` does not build (and 2 more in the input of env `staging`)"
        );
        let span = d.primary_span().unwrap();
        assert_eq!(
            sources.get(span.file).name,
            "out/staging/kustomization.yaml"
        );
        let help = d.help.as_deref().unwrap_or_default();
        assert!(
            help.contains("`kiln render --stdout --env staging > staging.yaml`"),
            "{help}"
        );
        assert!(
            help.contains("`kubectl kustomize out/staging > staging.yaml`"),
            "{help}"
        );
    }

    /// A whole `kiln render --out` folder given as one env: one error that
    /// names each overlay with the env it is, and no duplicate errors for
    /// the objects the overlays share.
    #[test]
    fn several_overlays_in_one_env_are_one_error_naming_each() {
        let mut sources = Sources::default();
        let mut diags = Diagnostics::default();
        let kustomization = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n";
        let object = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";
        let inputs = [EnvInput {
            env: "staging".into(),
            files: vec![
                file("out/production/kustomization.yaml", kustomization),
                file("out/production/web/configmap-a.yaml", object),
                file("out/staging/kustomization.yaml", kustomization),
                file("out/staging/web/configmap-a.yaml", object),
            ],
        }];
        read(&inputs, &mut sources, &mut diags);
        assert_eq!(diags.0.len(), 1, "{diags:?}");
        let d = &diags.0[0];
        assert_eq!(
            d.message,
            "the input of env `staging` holds 2 overlays, which `kiln import` does not build"
        );
        assert_eq!(
            d.help.as_deref(),
            Some(
                "build each overlay and import it as an env of its own: `kubectl kustomize out/production > production.yaml`, `kubectl kustomize out/staging > staging.yaml`, then `--env production=production.yaml --env staging=staging.yaml`"
            )
        );
    }
}
