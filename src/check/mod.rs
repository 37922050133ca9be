//! Checking: from parsed KDL documents to a [`Model`] whose names resolve
//! and whose values have their types, with every independent problem
//! reported.

pub mod types;
pub mod value;

mod apps;
pub mod crds;
pub mod deploy;
pub mod document;
pub mod extras;
mod gitops;
pub mod lint_config;
pub mod model;
pub mod nodes;
pub mod ordering;
mod params;
mod references;
pub mod schema;
mod secrets;

use std::collections::HashMap;

use crate::IndexMap;
use kdl::KdlNode;

pub use model::*;
use schema::{Component, ParamSchema};

use crate::diag::{Diagnostic, Diagnostics, codes, suggest};
use crate::span::{FileId, Sources, Span, Spanned};
use crate::syntax::Loaded;
use types::{Constraints, Type};
use value::Value;

/// The longest app name: a DNS-1035 label with room for suffixes.
pub const MAX_APP_NAME: usize = 53;

const TOP_LEVEL: &[&str] = &["project", "app", "env", "flavor", "component"];

/// Checks a loaded project. Returns the model (with whatever could be
/// decoded) and every problem found.
pub fn check(loaded: &Loaded, sources: &Sources) -> (Model, Diagnostics) {
    let mut c = Checker {
        sources,
        diags: Diagnostics::default(),
        model: Model {
            root: loaded.root.clone(),
            ..Model::default()
        },
        pending: Vec::new(),
        incomplete: loaded.unread > 0,
    };
    c.run(loaded);
    (c.model, c.diags)
}

struct Checker<'a> {
    sources: &'a Sources,
    diags: Diagnostics,
    model: Model,
    pending: Vec<PendingEnvApp>,
    /// Some project file could not be read or parsed: what it defines is
    /// missing, so a name that refers to nothing is not reported.
    incomplete: bool,
}

/// An env's `app "NAME"` block, decoded once every app is known.
struct PendingEnvApp {
    env: String,
    file: FileId,
    name: Spanned<String>,
    disabled: bool,
    span: Span,
    nodes: Vec<KdlNode>,
}

/// Where a name was first defined, per node type.
type Seen = HashMap<(&'static str, String), Span>;

impl Checker<'_> {
    fn text(&self, file: FileId) -> &str {
        self.sources.get(file).text.as_str()
    }

    fn run(&mut self, loaded: &Loaded) {
        // Components first: apps and flavors are checked against them.
        let mut seen: Seen = HashMap::new();
        let mut components: IndexMap<String, Component> = IndexMap::default();
        for f in &loaded.files {
            for node in f.doc.nodes() {
                if node.name().value() != "component" {
                    continue;
                }
                let dir = f
                    .path
                    .as_ref()
                    .and_then(|p| p.parent().map(|d| d.to_path_buf()));
                let text = self.sources.get(f.file).text.clone();
                if let Some(comp) =
                    schema::decode_component(f.file, &text, node, f.stdlib, dir, &mut self.diags)
                {
                    if let Some(prev) = components.get(&comp.name.value) {
                        if prev.stdlib && !comp.stdlib {
                            self.diags.push(
                                Diagnostic::error(
                                    codes::RESERVED_COMPONENT,
                                    format!(
                                        "`{}` is a standard library component",
                                        comp.name.value
                                    ),
                                )
                                .primary(
                                    comp.name.span,
                                    "this name is taken by the standard library",
                                )
                                .help(
                                    "give your component another name, such as `my-".to_string()
                                        + &comp.name.value
                                        + "`",
                                ),
                            );
                        } else {
                            self.duplicate("component", &comp.name, prev.name.span);
                        }
                        continue;
                    }
                    seen.insert(("component", comp.name.value.clone()), comp.name.span);
                    components.insert(comp.name.value.clone(), comp);
                }
            }
        }
        schema::resolve_includes(&mut components, &mut self.diags);
        self.model.components = components;

        let mut project_seen = false;
        // Apps are decoded in parallel (a fleet has a thousand), then
        // added in file and node order, as they come below.
        let mut apps = self.decode_apps(loaded).into_iter();
        for f in loaded.files.iter().filter(|f| !f.stdlib) {
            let is_root = f.path.as_ref().is_some_and(|p| {
                p.parent() == Some(loaded.root.as_path())
                    && p.file_name().is_some_and(|n| n == "kiln.kdl")
            });
            for node in f.doc.nodes() {
                let name = nodes::name(f.file, node);
                match name.value.as_str() {
                    "component" => {}
                    "project" => {
                        let head = nodes::head_span(f.file, node, self.text(f.file));
                        if !is_root {
                            self.diags.push(
                                Diagnostic::error(
                                    codes::PROJECT,
                                    "`project` belongs in `kiln.kdl`",
                                )
                                .primary(head, "found here")
                                .help("move this node into the `kiln.kdl` at the project's root"),
                            );
                        } else if project_seen {
                            self.diags.push(
                                Diagnostic::error(codes::PROJECT, "`project` is given twice")
                                    .primary(head, "second `project`")
                                    .related(self.model.project.name.span, "first `project`"),
                            );
                        } else {
                            project_seen = true;
                            self.project(f.file, node);
                        }
                    }
                    "app" => {
                        if let Some(app) = apps.next() {
                            self.add_app(f.file, node, app, &mut seen);
                        }
                    }
                    "env" => self.env(f.file, node, &mut seen),
                    "flavor" => self.flavor(f.file, node, &mut seen),
                    other => {
                        self.diags.push(
                            Diagnostic::error(
                                codes::UNKNOWN_NODE,
                                format!("unknown top-level node `{other}`"),
                            )
                            .primary(name.span, "not a kiln node")
                            .help(suggest(
                                other,
                                TOP_LEVEL.iter().copied(),
                                "the top-level nodes are",
                            )),
                        );
                    }
                }
            }
        }
        if !project_seen {
            let kiln = loaded.files.iter().find(|f| {
                f.path.as_ref().is_some_and(|p| {
                    p.ends_with("kiln.kdl") && p.parent() == Some(loaded.root.as_path())
                })
            });
            // Without a parsed `kiln.kdl` (a syntax error, already reported)
            // there is nothing to say about its `project` node.
            if let Some(k) = kiln {
                self.diags.push(
                    Diagnostic::error(codes::PROJECT, "`kiln.kdl` has no `project` node")
                        .primary(Span::new(k.file, 0, 0), "expected `project` in this file")
                        .help("add `project \"my-project\"` at the top of `kiln.kdl`"),
                );
            }
        }
        self.model.apps.sort_keys();
        self.model.envs.sort_keys();
        self.model.flavors.sort_keys();
        self.cross_references();
    }

    /// Reports a name that refers to no definition, unless a file that did
    /// not parse may hold it (its syntax error is reported already).
    fn unknown(&mut self, d: Diagnostic) {
        if !self.incomplete {
            self.diags.push(d);
        }
    }

    fn duplicate(&mut self, what: &str, name: &Spanned<String>, first: Span) {
        self.diags.push(
            Diagnostic::error(
                codes::DUPLICATE,
                format!("{what} `{}` is defined twice", name.value),
            )
            .primary(name.span, "defined again here")
            .related(first, "first defined here")
            .help(format!(
                "{what} names are unique across all files of the project; rename or remove one"
            )),
        );
    }

    /// The first argument as a name, or a diagnostic.
    fn node_name(&mut self, file: FileId, node: &KdlNode, what: &str) -> Option<Spanned<String>> {
        let args = nodes::args(file, node);
        match args.first() {
            Some(nodes::Arg {
                value: Value::String(s),
                span,
            }) => Some(Spanned::new(s.clone(), *span)),
            Some(a) => {
                self.diags.push(
                    Diagnostic::error(
                        codes::MALFORMED,
                        format!(
                            "expected {what} name, found {} `{}`",
                            a.value.kind(),
                            a.value
                        ),
                    )
                    .primary(a.span, "expected a string"),
                );
                None
            }
            None => {
                let head = nodes::head_span(file, node, self.text(file));
                self.diags.push(
                    Diagnostic::error(
                        codes::MALFORMED,
                        format!("`{}` needs a name", node.name().value()),
                    )
                    .primary(head, "expected a name after this")
                    .help(format!("write `{} \"NAME\" {{ … }}`", node.name().value())),
                );
                None
            }
        }
    }

    fn extra_args(&mut self, file: FileId, node: &KdlNode, allowed: usize) {
        for a in nodes::args(file, node).iter().skip(allowed) {
            self.diags.push(
                Diagnostic::error(
                    codes::MALFORMED,
                    format!(
                        "unexpected argument {} to `{}`",
                        a.value,
                        node.name().value()
                    ),
                )
                .primary(a.span, "not expected here"),
            );
        }
    }

    fn unknown_prop(&mut self, node: &str, p: &nodes::Prop, allowed: &[&str]) {
        self.diags.push(
            Diagnostic::error(
                codes::UNKNOWN_PROPERTY,
                format!("unknown property `{}` on `{node}`", p.name),
            )
            .primary(p.name_span, "unknown property")
            .help(suggest(
                &p.name,
                allowed.iter().copied(),
                &format!("`{node}` takes"),
            )),
        );
    }

    /// A property given again in one node.
    fn duplicate_prop(&mut self, p: &nodes::Prop, first: Span) {
        self.diags.push(
            Diagnostic::error(
                codes::DUPLICATE,
                format!("property `{}` is given twice", p.name),
            )
            .primary(p.name_span, "given again here")
            .related(first, "first given here"),
        );
    }

    fn string_prop(&mut self, p: &nodes::Prop) -> Option<Spanned<String>> {
        match &p.value {
            Value::String(s) => Some(Spanned::new(s.clone(), p.span)),
            v => {
                self.diags.push(mismatch(p.span, "a string", v));
                None
            }
        }
    }

    fn bool_value(&mut self, span: Span, v: &Value) -> bool {
        match v {
            Value::Bool(b) => *b,
            v => {
                self.diags.push(mismatch(span, "`#true` or `#false`", v));
                false
            }
        }
    }

    fn no_children(&mut self, file: FileId, node: &KdlNode) {
        if let Some(c) = node.children() {
            self.diags.push(
                Diagnostic::error(
                    codes::MALFORMED,
                    format!("`{}` takes no block", node.name().value()),
                )
                .primary(Span::from_miette(file, c.span()), "unexpected block"),
            );
        }
    }

    /// `labels k=v …`: a string map from properties.
    fn string_map(&mut self, file: FileId, node: &KdlNode) -> StringMap {
        self.extra_args(file, node, 0);
        self.no_children(file, node);
        let mut map = StringMap::default();
        for p in nodes::props(file, node) {
            let value = match &p.value {
                Value::Null => {
                    self.diags.push(mismatch(p.span, "a string", &p.value));
                    continue;
                }
                v => v.to_plain_string(),
            };
            map.insert(p.name.clone(), Spanned::new(value, p.span));
        }
        map
    }

    fn project(&mut self, file: FileId, node: &KdlNode) {
        let Some(name) = self.node_name(file, node, "a project") else {
            return;
        };
        self.extra_args(file, node, 1);
        for p in nodes::props(file, node) {
            self.unknown_prop("project", &p, &[]);
        }
        self.model.project.name = name;
        let Some(children) = node.children() else {
            return;
        };
        for c in children.nodes() {
            let cname = nodes::name(file, c);
            match cname.value.as_str() {
                "gitops" => self.gitops(file, c),
                "labels" => self.model.project.labels = self.string_map(file, c),
                "annotations" => self.model.project.annotations = self.string_map(file, c),
                "crds" => self.crds(file, c),
                "lint" => {
                    let setting = self.lint_setting(file, c);
                    self.model.project.lint.extend(setting);
                }
                other => self.diags.push(
                    Diagnostic::error(
                        codes::UNKNOWN_NODE,
                        format!("unknown node `{other}` in `project`"),
                    )
                    .primary(cname.span, "not a project setting")
                    .help(suggest(
                        other,
                        ["gitops", "labels", "annotations", "crds", "lint"],
                        "`project` holds",
                    )),
                ),
            }
        }
    }

    fn app_name(&mut self, name: &Spanned<String>) {
        if !types::is_dns1035_label(&name.value, MAX_APP_NAME) {
            let suggestion = types::dns_label(&name.value);
            let mut d = Diagnostic::error(
                codes::INVALID_NAME,
                format!("`{}` is not a valid app name", name.value),
            )
            .primary(
                name.span,
                if name.value.len() > MAX_APP_NAME {
                    format!(
                        "{} characters, at most {MAX_APP_NAME} allowed",
                        name.value.chars().count()
                    )
                } else {
                    "not a DNS-1035 label".to_string()
                },
            );
            let rule = format!(
                "an app name is a DNS-1035 label of at most {MAX_APP_NAME} characters: lower-case letters, digits and `-`, starting with a letter"
            );
            d = if !suggestion.is_empty()
                && suggestion != name.value
                && suggestion.starts_with(|c: char| c.is_ascii_lowercase())
            {
                d.help(format!("{rule}, such as `{suggestion}`"))
            } else {
                d.help(rule)
            };
            self.diags.push(d);
        }
    }

    fn env(&mut self, file: FileId, node: &KdlNode, seen: &mut Seen) {
        let Some(name) = self.node_name(file, node, "an env") else {
            return;
        };
        self.extra_args(file, node, 1);
        for p in nodes::props(file, node) {
            self.unknown_prop("env", &p, &[]);
        }
        if !types::is_dns_label(&name.value, 63) {
            self.diags.push(
                Diagnostic::error(codes::INVALID_NAME, format!("`{}` is not a valid env name", name.value))
                    .primary(name.span, "not a DNS label")
                    .help("an env name is a folder and a default namespace: lower-case letters, digits and `-`, at most 63 characters"),
            );
        }
        if let Some(first) = seen.get(&("env", name.value.clone())) {
            self.duplicate("env", &name, *first);
            return;
        }
        seen.insert(("env", name.value.clone()), name.span);
        let mut env = Env {
            name: name.clone(),
            namespace: None,
            flavors: Vec::new(),
            vars: IndexMap::default(),
            labels: StringMap::default(),
            annotations: StringMap::default(),
            deploy: Vec::new(),
            apps: IndexMap::default(),
            preview: None,
            create_namespace: false,
            lint: Vec::new(),
            flux: None,
            span: nodes::head_span(file, node, self.text(file)),
        };
        let mut env_apps: Vec<&KdlNode> = Vec::new();
        if let Some(children) = node.children() {
            for c in children.nodes() {
                let cname = nodes::name(file, c);
                match cname.value.as_str() {
                    "namespace" => {
                        self.no_children(file, c);
                        self.extra_args(file, c, 1);
                        env.namespace = self.node_name(file, c, "a namespace");
                    }
                    "flavor" => {
                        self.no_children(file, c);
                        for a in nodes::args(file, c) {
                            match &a.value {
                                Value::String(s) => {
                                    env.flavors.push(Spanned::new(s.clone(), a.span))
                                }
                                v => self.diags.push(mismatch(a.span, "a flavor name", v)),
                            }
                        }
                    }
                    "vars" => {
                        self.no_children(file, c);
                        self.extra_args(file, c, 0);
                        for p in nodes::props(file, c) {
                            env.vars
                                .insert(p.name.clone(), Spanned::new(p.value.clone(), p.span));
                        }
                    }
                    "labels" => env.labels = self.string_map(file, c),
                    "annotations" => env.annotations = self.string_map(file, c),
                    "deploy" => {
                        let rule = self.deploy_rule(file, c);
                        env.deploy.push(rule);
                    }
                    "preview" => {
                        self.no_children(file, c);
                        self.extra_args(file, c, 0);
                        let mut ttl = None;
                        for p in nodes::props(file, c) {
                            if p.name == "ttl" {
                                match types::check(
                                    Type::Duration,
                                    &p.value,
                                    &Constraints::default(),
                                ) {
                                    Ok(Value::Int(secs)) if secs > 0 => {
                                        ttl = Some(Spanned::new(secs as u64, p.span))
                                    }
                                    _ => self.diags.push(
                                        Diagnostic::error(
                                            codes::TYPE_MISMATCH,
                                            format!(
                                                "expected a duration such as `72h`, found {}",
                                                p.value
                                            ),
                                        )
                                        .primary(p.span, "not a positive duration"),
                                    ),
                                }
                            } else {
                                self.unknown_prop("preview", &p, &["ttl"]);
                            }
                        }
                        match ttl {
                            Some(t) => env.preview = Some(t),
                            None if self.diags.0.last().is_none_or(|d| d.code != codes::TYPE_MISMATCH.0) => self.diags.push(
                                Diagnostic::error(codes::MISSING_REQUIRED, "`preview` needs `ttl=`")
                                    .primary(cname.span, "no ttl")
                                    .help("write `preview ttl=\"72h\"`: previews expire and `kiln preview gc` removes them"),
                            ),
                            None => {}
                        }
                    }
                    "create-namespace" => {
                        self.no_children(file, c);
                        env.create_namespace = match nodes::args(file, c).first() {
                            Some(a) => self.bool_value(a.span, &a.value),
                            None => true,
                        };
                    }
                    "app" => env_apps.push(c),
                    "lint" => env.lint.extend(self.lint_setting(file, c)),
                    "flux" => self.flux(file, c, &mut env.flux),
                    other => self.diags.push(
                        Diagnostic::error(
                            codes::UNKNOWN_NODE,
                            format!("unknown node `{other}` in `env`"),
                        )
                        .primary(cname.span, "not an env setting")
                        .help(suggest(
                            other,
                            [
                                "namespace",
                                "flavor",
                                "vars",
                                "labels",
                                "annotations",
                                "deploy",
                                "preview",
                                "create-namespace",
                                "flux",
                                "app",
                                "lint",
                            ],
                            "`env` holds",
                        )),
                    ),
                }
            }
        }
        // App overrides need the apps, which may be defined later or in
        // other files: keep the nodes and decode them after all files.
        self.model.envs.insert(name.value.clone(), env);
        for c in env_apps {
            self.pending_env_app(file, &name.value, c);
        }
    }

    fn pending_env_app(&mut self, file: FileId, env: &str, node: &KdlNode) {
        let Some(name) = self.node_name(file, node, "an app") else {
            return;
        };
        self.extra_args(file, node, 1);
        let mut disabled = false;
        for p in nodes::props(file, node) {
            match p.name.as_str() {
                "disabled" => disabled = self.bool_value(p.span, &p.value),
                _ => self.unknown_prop("app", &p, &["disabled"]),
            }
        }
        let span = nodes::head_span(file, node, self.text(file));
        if let Some(prev) = self
            .model
            .envs
            .get(env)
            .and_then(|e| e.apps.get(&name.value))
        {
            let first = prev.name.span;
            self.duplicate("app override", &name, first);
            return;
        }
        let children: Vec<&KdlNode> = node
            .children()
            .map(|c| c.nodes().iter().collect())
            .unwrap_or_default();
        // The app's component decides the schema. Apps are decoded file by
        // file, so look the app up in the raw documents when needed: here
        // the env app's params are decoded later in `cross_references`.
        self.pending.push(PendingEnvApp {
            env: env.to_string(),
            file,
            name,
            disabled,
            span,
            nodes: children.into_iter().cloned().collect(),
        });
    }

    fn flavor(&mut self, file: FileId, node: &KdlNode, seen: &mut Seen) {
        let Some(name) = self.node_name(file, node, "a flavor") else {
            return;
        };
        self.extra_args(file, node, 1);
        if let Some(first) = seen.get(&("flavor", name.value.clone())) {
            self.duplicate("flavor", &name, *first);
            return;
        }
        seen.insert(("flavor", name.value.clone()), name.span);
        let (mut params, mut secrets, mut flux) = (Vec::new(), Vec::new(), None);
        if let Some(children) = node.children() {
            for c in children.nodes() {
                let cname = nodes::name(file, c);
                if extras::is_language_node(&cname.value) {
                    self.language_node_in_flavor(file, c, &mut secrets, &mut flux);
                    continue;
                }
                // A flavor value applies to every app whose component declares
                // the parameter; check it against the first that does.
                let declaring = self
                    .model
                    .components
                    .values()
                    .filter(|c| !c.is_abstract)
                    .find_map(|comp| comp.params.get(&cname.value))
                    .cloned();
                match declaring {
                    Some(ps) => {
                        if let Some(u) = self.param_use(file, c, &ps) {
                            params.push(u);
                        }
                    }
                    None => {
                        let mut all: Vec<&str> = self
                            .model
                            .components
                            .values()
                            .filter(|c| !c.is_abstract)
                            .flat_map(|c| c.params.keys().map(String::as_str))
                            .collect();
                        all.sort();
                        all.dedup();
                        self.diags.push(
                            Diagnostic::error(
                                codes::FLAVOR_PARAM,
                                format!(
                                    "flavor `{}` sets `{}`, which no component declares",
                                    name.value, cname.value
                                ),
                            )
                            .primary(cname.span, "no component has this parameter")
                            .help(suggest(
                                &cname.value,
                                all,
                                "parameters components declare",
                            )),
                        );
                    }
                }
            }
        }
        self.model.flavors.insert(
            name.value.clone(),
            Flavor {
                span: name.span,
                name,
                params,
                secrets,
                flux,
            },
        );
    }
}

fn mismatch(span: Span, expected: &str, found: &Value) -> Diagnostic {
    Diagnostic::error(
        codes::TYPE_MISMATCH,
        format!("expected {expected}, found {} `{found}`", found.kind()),
    )
    .primary(span, format!("expected {expected}"))
}

/// The merge key of one entry of a repeated parameter, as strings.
pub fn entry_key(ps: &ParamSchema, u: &ParamUse) -> Vec<String> {
    ps.key
        .iter()
        .map(|k| match k {
            schema::KeyPart::Arg(i) => u
                .args
                .get(*i)
                .map(|a| a.value.to_plain_string())
                .unwrap_or_default(),
            schema::KeyPart::Prop(p) => u
                .props
                .get(p)
                .map(|pu| pu.value.value.to_plain_string())
                .or_else(|| {
                    ps.props
                        .get(p)
                        .and_then(|vs| vs.default.as_ref())
                        .map(Value::to_plain_string)
                })
                .unwrap_or_default(),
        })
        .collect()
}
