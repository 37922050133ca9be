//! Hover, completion and go to definition: the cursor's context from
//! tokens ([`super::cursor`]), names and docs from the last compile's
//! [`Model`].

use std::collections::BTreeSet;
use std::path::PathBuf;

use lsp_types::{
    CompletionItem, CompletionItemKind, Documentation, Hover, HoverContents, MarkupContent,
    MarkupKind, Range,
};

use super::cursor::{Frame, Role, context};
use super::paths::{position_of, span_location};
use crate::check::Model;
use crate::check::schema::{Component, ParamSchema, ValueSchema};
use crate::output::EnvOutput;
use crate::span::{FileId, Sources};

/// A position in an open document, with the last compile of its project.
pub(super) struct At<'a> {
    pub(super) text: &'a str,
    /// The cursor, as a byte offset into `text`.
    pub(super) offset: usize,
    pub(super) model: &'a Model,
    pub(super) sources: &'a Sources,
    /// The envs the compile rendered, for what delivers a Secret.
    pub(super) envs: &'a [EnvOutput],
    /// The document among the compile's sources, when it was compiled.
    pub(super) file: Option<FileId>,
}

/// Hover: the doc of the parameter, property, component, flavor, app or
/// env under the cursor.
pub(super) fn hover(at: &At) -> Option<Hover> {
    let (text, offset, model) = (at.text, at.offset, at.model);
    let cx = context(text, offset);
    let word = cx.word.as_ref()?;
    let md = match word.role {
        Role::NodeName => node_doc(model, &cx.stack, &word.text)?,
        Role::PropName => {
            let node = cx.node.as_ref()?;
            if cx.stack.is_empty() && node.name == "app" && word.text == "component" {
                "`component=\"NAME\"`: the component whose parameters this app's body uses (default `web-service`)".to_string()
            } else {
                let ps = param_schema(model, &cx.stack, &node.name)?;
                let v = ps.props.get(&word.text)?;
                value_doc(&format!("{}={}", word.text, type_hint(v)), v)
            }
        }
        Role::Value => {
            let node = cx.node.as_ref()?;
            if word.prop.as_deref() == Some("component") {
                component_doc(model.components.get(&word.text)?)
            } else {
                let top = cx.stack.first().map(|f| f.name.as_str());
                match (top, cx.stack.len(), node.name.as_str()) {
                    (Some("env"), 1, "flavor") => {
                        let f = model.flavors.get(&word.text)?;
                        let names: Vec<String> = f
                            .params
                            .iter()
                            .map(|p| format!("`{}`", p.name.value))
                            .collect();
                        format!("flavor `{}`: sets {}", word.text, names.join(", "))
                    }
                    (Some("env"), 1, "app") => {
                        let a = model.apps.get(&word.text)?;
                        format!("app `{}`, component `{}`", word.text, a.component.value)
                    }
                    (Some("app"), 1, "envs") => {
                        let e = model.envs.get(&word.text)?;
                        format!(
                            "env `{}`, namespace `{}`",
                            word.text,
                            e.namespace_template()
                        )
                    }
                    _ => secret_hover(at, word.start)?,
                }
            }
        }
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: md,
        }),
        range: Some(Range::new(
            position_of(text, word.start),
            position_of(text, word.end),
        )),
    })
}

/// For a value naming a Secret: what delivers it in each env, or that it
/// is managed outside kiln (`render::secrets::refs::hover`).
fn secret_hover(at: &At, offset: usize) -> Option<String> {
    let envs = at
        .envs
        .iter()
        .map(|e| (e.env.as_str(), e.secret_refs.as_slice()));
    crate::render::secrets::refs::hover(envs, at.file?, offset)
}

/// Completion: node names allowed at the cursor, a node's properties and
/// its argument's values, a property's values, component names.
pub(super) fn completion(at: &At) -> Option<Vec<CompletionItem>> {
    let (text, offset, model) = (at.text, at.offset, at.model);
    let cx = context(text, offset);
    let mut items = Vec::new();
    match (&cx.node, &cx.word) {
        // Writing a value after `key=`: the property's enum values.
        (Some(node), Some(w)) if w.role == Role::Value && w.prop.is_some() => {
            let prop = w.prop.as_deref().unwrap_or_default();
            if cx.stack.is_empty() && node.name == "app" && prop == "component" {
                for (name, c) in &model.components {
                    if !c.is_abstract {
                        items.push(item(name, CompletionItemKind::CLASS, c.doc.clone()));
                    }
                }
            } else if let Some(v) =
                param_schema(model, &cx.stack, &node.name).and_then(|p| p.props.get(prop))
            {
                for val in &v.values {
                    items.push(item(val, CompletionItemKind::ENUM_MEMBER, v.doc.clone()));
                }
            }
        }
        // After a node's name: its properties, and enum values of its argument.
        (Some(node), w) if w.as_ref().is_none_or(|w| w.role != Role::NodeName) => {
            if cx.stack.is_empty() && node.name == "app" {
                items.push(item("component", CompletionItemKind::PROPERTY, None));
            } else if let Some(ps) = param_schema(model, &cx.stack, &node.name) {
                for (name, v) in &ps.props {
                    let mut it = item(name, CompletionItemKind::PROPERTY, v.doc.clone());
                    it.insert_text = Some(format!("{name}="));
                    it.detail = Some(type_hint(v));
                    items.push(it);
                }
                let arg = ps.shorthand.as_ref().or(ps.args.first().map(|a| &a.value));
                if let Some(v) = arg {
                    for val in &v.values {
                        let mut it = item(val, CompletionItemKind::ENUM_MEMBER, v.doc.clone());
                        it.insert_text = Some(format!("\"{val}\""));
                        items.push(it);
                    }
                }
            }
        }
        // At the start of a node: the names allowed here.
        _ => {
            for (name, doc) in node_names(model, &cx.stack) {
                items.push(item(&name, CompletionItemKind::FIELD, doc));
            }
        }
    }
    Some(items)
}

/// Go to definition: where the component, flavor, app or env a value
/// names is defined, as a file and a range.
pub(super) fn definition(at: &At) -> Option<(PathBuf, Range)> {
    let (text, offset, model) = (at.text, at.offset, at.model);
    let cx = context(text, offset);
    let word = cx.word.as_ref()?;
    if word.role != Role::Value {
        return None;
    }
    let node = cx.node.as_ref()?;
    let top = cx.stack.first().map(|f| f.name.as_str());
    let span = match (
        top,
        cx.stack.len(),
        node.name.as_str(),
        word.prop.as_deref(),
    ) {
        (_, _, _, Some("component")) => model.components.get(&word.text)?.name.span,
        (Some("env"), 1, "flavor", None) => model.flavors.get(&word.text)?.name.span,
        (Some("env"), 1, "app", None) => model.apps.get(&word.text)?.name.span,
        (Some("app"), 1, "envs", None) => model.envs.get(&word.text)?.name.span,
        _ => return None,
    };
    span_location(at.sources, span)
}

fn item(label: &str, kind: CompletionItemKind, doc: Option<String>) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        documentation: doc.map(|d| {
            Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value: d,
            })
        }),
        ..Default::default()
    }
}

/// The component whose parameters the innermost app-like block uses.
fn component_for<'m>(model: &'m Model, stack: &[Frame]) -> Option<&'m Component> {
    let name = match stack.first()?.name.as_str() {
        "app" => stack[0]
            .component
            .clone()
            .or_else(|| {
                let arg = stack[0].arg.as_ref()?;
                model.apps.get(arg).map(|a| a.component.value.clone())
            })
            .unwrap_or_else(|| "web-service".to_string()),
        "env" => {
            let app = stack.get(1).filter(|f| f.name == "app")?;
            model.apps.get(app.arg.as_ref()?)?.component.value.clone()
        }
        _ => return None,
    };
    model.components.get(&name)
}

/// How deep in `stack` the parameters start: after `app`, or `env` + `app`.
fn params_depth(stack: &[Frame]) -> usize {
    match stack.first().map(|f| f.name.as_str()) {
        Some("env") => 2,
        _ => 1,
    }
}

/// The schema of parameter `name` inside `stack`.
fn param_schema<'m>(model: &'m Model, stack: &[Frame], name: &str) -> Option<&'m ParamSchema> {
    let depth = params_depth(stack);
    if stack.len() < depth {
        return None;
    }
    let path: Vec<&str> = stack[depth..]
        .iter()
        .map(|f| f.name.as_str())
        .chain([name])
        .collect();
    let lookup = |c: &'m Component| {
        let mut ps = c.params.get(path[0])?;
        for p in &path[1..] {
            ps = ps.children.get(*p)?;
        }
        Some(ps)
    };
    if stack.first().is_some_and(|f| f.name == "flavor") {
        return model.components.values().find_map(lookup);
    }
    lookup(component_for(model, stack)?)
}

/// Node names allowed at the cursor, with their docs.
fn node_names(model: &Model, stack: &[Frame]) -> Vec<(String, Option<String>)> {
    let fixed = |names: &[(&str, &str)]| {
        names
            .iter()
            .map(|(n, d)| (n.to_string(), Some(d.to_string())))
            .collect::<Vec<_>>()
    };
    let params = |ps: &mut dyn Iterator<Item = &ParamSchema>| {
        ps.map(|p| (p.name.clone(), Some(param_doc(p))))
            .collect::<Vec<_>>()
    };
    let top = stack.first().map(|f| f.name.as_str());
    let depth = params_depth(stack);
    match (top, stack.len()) {
        (None, _) => fixed(TOP_LEVEL),
        (Some("project"), 1) => fixed(&[
            (
                "gitops",
                "`gitops URL branch= path=`: defaults for the gitops commands",
            ),
            ("labels", "labels added to every rendered object"),
            ("annotations", "annotations added to every rendered object"),
        ]),
        (Some("env"), 1) => fixed(ENV_NODES),
        (Some("flavor"), 1) => {
            let mut seen = BTreeSet::new();
            let mut out = Vec::new();
            for c in model.components.values() {
                for p in c.params.values() {
                    if seen.insert(p.name.clone()) {
                        out.push((p.name.clone(), Some(param_doc(p))));
                    }
                }
            }
            out
        }
        (Some("app") | Some("env"), n) if n == depth => {
            let mut out = component_for(model, stack)
                .map(|c| params(&mut c.params.values()))
                .unwrap_or_default();
            out.extend(crate::check::extras::LANGUAGE_NODES.iter().map(|n| {
                (
                    n.name.to_string(),
                    Some(format!("`{}`: {}", n.usage, n.doc)),
                )
            }));
            if top == Some("app") {
                out.extend(fixed(&[(
                    "envs",
                    "`envs \"a\" \"b\"`: the envs this app is deployed to (default: all)",
                )]));
            }
            out
        }
        (Some("app") | Some("env"), n) if n > depth => {
            let parent = &stack[n - 1];
            match param_schema(model, &stack[..n - 1], &parent.name) {
                Some(ps) => params(&mut ps.children.values()),
                None => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

const TOP_LEVEL: &[(&str, &str)] = &[
    (
        "project",
        "`project \"NAME\"`: the project, once, in `kiln.kdl`",
    ),
    ("app", "`app \"NAME\" component=\"…\"`: one application"),
    ("env", "`env \"NAME\"`: an environment and its overrides"),
    (
        "flavor",
        "`flavor \"NAME\"`: parameters an env can apply to every app",
    ),
    (
        "component",
        "`component \"NAME\"`: a reusable kind of app, with params and templates",
    ),
];

const ENV_NODES: &[(&str, &str)] = &[
    ("namespace", "the env's namespace (default: the env's name)"),
    (
        "flavor",
        "`flavor \"a\" \"b\"`: flavors applied in this order",
    ),
    ("vars", "`vars KEY=VALUE…`: template variables"),
    ("labels", "labels added to every object of this env"),
    ("annotations", "annotations on every object of this env"),
    (
        "deploy",
        "`deploy branch= tag= event=`: when `kiln commit --event` picks this env",
    ),
    (
        "app",
        "`app \"NAME\" { … }`: overrides for one app in this env",
    ),
    (
        "preview",
        "`preview ttl=\"72h\"`: a template for preview environments",
    ),
    (
        "create-namespace",
        "`create-namespace #true`: render the Namespace object",
    ),
    ("flux", "fields of the env's Flux Kustomizations"),
];

/// Hover text for a node name at `stack`.
fn node_doc(model: &Model, stack: &[Frame], name: &str) -> Option<String> {
    if let Some(ps) = param_schema(model, stack, name) {
        return Some(param_doc(ps));
    }
    node_names(model, stack)
        .into_iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, d)| d)
}

fn param_doc(p: &ParamSchema) -> String {
    let mut s = format!("```kdl\n{}\n```", p.usage());
    if let Some(d) = &p.doc {
        s.push_str("\n\n");
        s.push_str(d);
    }
    if p.required {
        s.push_str("\n\n(required)");
    }
    s
}

fn value_doc(head: &str, v: &ValueSchema) -> String {
    let mut s = format!("`{head}`");
    if let Some(d) = &v.doc {
        s.push_str("\n\n");
        s.push_str(d);
    }
    if let Some(d) = &v.default {
        s.push_str(&format!("\n\ndefault: `{d:?}`"));
    }
    s
}

fn type_hint(v: &ValueSchema) -> String {
    if v.values.is_empty() {
        format!("<{}>", v.ty.name())
    } else {
        v.values.join("|")
    }
}

fn component_doc(c: &Component) -> String {
    let mut s = format!("component `{}`", c.name.value);
    if let Some(d) = &c.doc {
        s.push_str("\n\n");
        s.push_str(d);
    }
    s
}
