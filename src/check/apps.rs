//! Apps, decoded in parallel: a fleet has a thousand, each checked
//! against its component's parameters, which is most of the check stage's
//! time. Decoding an app reads only the components, the sources and
//! whether some file is missing, so each runs on its own (in chunks, each
//! with its own [`Checker`]); the decoded apps are then added in file and
//! node order, where the duplicate check decides, as a sequential check
//! would, whether an app's body counts.

use kdl::KdlNode;
use rayon::prelude::*;

use super::value::Value;
use super::{App, Checker, Extras, Model, Seen, mismatch, nodes};
use crate::diag::{Diagnostic, Diagnostics, codes, suggest};
use crate::span::{FileId, Span, Spanned};
use crate::syntax::Loaded;

/// One `app` node, decoded on its own.
pub(super) struct DecodedApp {
    /// The node's name, where [`Checker::add_app`] checks that it pairs
    /// the decoded app with the node it was decoded from.
    at: Span,
    /// The diagnostics of its name and arguments, reported in any case.
    head: Vec<Diagnostic>,
    /// Its name and the app, when it has a name.
    app: Option<(Spanned<String>, App)>,
    /// The diagnostics of the rest, reported unless the name is taken.
    body: Vec<Diagnostic>,
}

/// Apps decoded by one [`Checker`] at a time.
const CHUNK: usize = 64;

impl Checker<'_> {
    /// Decodes the `app` nodes of the project's files, in parallel, in
    /// file and node order (the order in which [`Checker::run`] meets
    /// them). The components must be known.
    pub(super) fn decode_apps(&self, loaded: &Loaded) -> Vec<DecodedApp> {
        let nodes: Vec<(FileId, &KdlNode)> = loaded
            .files
            .iter()
            .filter(|f| !f.stdlib)
            .flat_map(|f| {
                f.doc
                    .nodes()
                    .iter()
                    .filter(|n| n.name().value() == "app")
                    .map(move |n| (f.file, n))
            })
            .collect();
        nodes
            .par_chunks(CHUNK)
            .flat_map_iter(|chunk| {
                let mut own = Checker {
                    sources: self.sources,
                    diags: Diagnostics::default(),
                    model: Model {
                        components: self.model.components.clone(),
                        ..Model::default()
                    },
                    pending: Vec::new(),
                    incomplete: self.incomplete,
                };
                chunk
                    .iter()
                    .map(|&(file, node)| own.decode_app(file, node))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Adds the decoded app of the `app` node `node` of `file`: its name's
    /// diagnostics, then either a duplicate's or the app with its body's
    /// diagnostics.
    pub(super) fn add_app(
        &mut self,
        file: FileId,
        node: &KdlNode,
        decoded: DecodedApp,
        seen: &mut Seen,
    ) {
        assert_eq!(
            decoded.at,
            nodes::name(file, node).span,
            "decoded apps are added in the order they were decoded"
        );
        self.diags.0.extend(decoded.head);
        let Some((name, app)) = decoded.app else {
            return;
        };
        if let Some(first) = seen.get(&("app", name.value.clone())) {
            self.duplicate("app", &name, *first);
            return;
        }
        seen.insert(("app", name.value.clone()), name.span);
        self.diags.0.extend(decoded.body);
        self.model.apps.insert(name.value.clone(), app);
    }

    /// Decodes one `app` node on its own (see [`DecodedApp`]).
    fn decode_app(&mut self, file: FileId, node: &KdlNode) -> DecodedApp {
        let at = nodes::name(file, node).span;
        let name = self.node_name(file, node, "an app");
        if let Some(name) = &name {
            self.extra_args(file, node, 1);
            self.app_name(name);
        }
        let head = std::mem::take(&mut self.diags.0);
        let Some(name) = name else {
            return DecodedApp {
                at,
                head,
                app: None,
                body: Vec::new(),
            };
        };
        let mut component = Spanned::new("web-service".to_string(), name.span);
        for p in nodes::props(file, node) {
            match p.name.as_str() {
                "component" => {
                    if let Some(s) = self.string_prop(&p) {
                        component = s;
                    }
                }
                _ => self.unknown_prop("app", &p, &["component"]),
            }
        }
        let schema = match self.model.components.get(&component.value) {
            Some(c) if !c.is_abstract => Some(c.params.clone()),
            _ => {
                let candidates: Vec<&str> = self
                    .model
                    .components
                    .values()
                    .filter(|c| !c.is_abstract)
                    .map(|c| c.name.value.as_str())
                    .collect();
                self.unknown(
                    Diagnostic::error(
                        codes::UNKNOWN_COMPONENT,
                        format!("unknown component `{}`", component.value),
                    )
                    .primary(component.span, "no component has this name")
                    .help(suggest(
                        &component.value,
                        candidates,
                        "the components are",
                    )),
                );
                None
            }
        };
        let mut app = App {
            name: name.clone(),
            component,
            envs: None,
            params: Vec::new(),
            extras: Extras::default(),
            file,
            span: nodes::head_span(file, node, self.text(file)),
        };
        if let Some(children) = node.children() {
            let mut rest = Vec::new();
            for c in children.nodes() {
                if c.name().value() == "envs" {
                    self.no_children(file, c);
                    let mut envs = Vec::new();
                    for a in nodes::args(file, c) {
                        match &a.value {
                            Value::String(s) => envs.push(Spanned::new(s.clone(), a.span)),
                            v => self.diags.push(mismatch(a.span, "an env name", v)),
                        }
                    }
                    app.envs = Some(envs);
                } else {
                    rest.push(c);
                }
            }
            let (params, extras) = self.param_block(
                file,
                &rest,
                schema.as_deref(),
                &format!("app `{}`", name.value),
            );
            app.params = params;
            app.extras = extras;
        }
        DecodedApp {
            at,
            head,
            app: Some((name, app)),
            body: std::mem::take(&mut self.diags.0),
        }
    }
}
