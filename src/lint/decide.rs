//! The span that decides a finding: the patch that set the field; in a
//! manifest, the field's line; in an object a component made, the
//! parameter that produced the value (in the layer that set it), or, for
//! something missing, the app (or `sidecar`) that would say it, with the
//! line to add; failing those, the template's line.

use serde_json::Value as Json;

use super::locate::{self, Seg};
use super::{AppInput, Origin};
use crate::check::ParamUse;
use crate::check::PatchOp;
use crate::check::schema::ParamSchema;
use crate::check::value::Value;
use crate::span::Span;

/// Where a finding is reported, what its label says, and how to fix it.
#[derive(Clone, Debug)]
pub struct Decider {
    pub span: Span,
    pub label: String,
    pub help: Option<String>,
    pub related: Vec<(Span, String)>,
}

impl Decider {
    /// A decider with a label and no help.
    pub fn at(span: Span, label: impl Into<String>) -> Decider {
        Decider {
            span,
            label: label.into(),
            help: None,
            related: Vec::new(),
        }
    }

    /// Sets the help.
    pub fn help(mut self, help: impl Into<String>) -> Decider {
        self.help = Some(help.into());
        self
    }

    /// Sets the help unless there is one (a parameter's line to add says
    /// more than a YAML field).
    pub fn or_help(mut self, help: impl Into<String>) -> Decider {
        if self.help.is_none() {
            self.help = Some(help.into());
        }
        self
    }
}

/// One rendered object of an app, with what the deciders need.
pub struct Obj<'a> {
    pub input: &'a AppInput<'a>,
    pub value: &'a Json,
    pub kind: &'a str,
    pub name: &'a str,
    pub namespace: &'a str,
    pub origin: Origin,
}

impl<'a> Obj<'a> {
    /// The note every finding carries: the rendered object and field.
    pub fn note(&self, path: &[Seg<'_>]) -> String {
        format!(
            "rendered as `{}` of {} `{}`",
            locate::dotted(path),
            self.kind,
            self.name
        )
    }

    /// The decider of the field at `path`: a patch that set it, the
    /// manifest's line, `by_params` for an object of the app's component,
    /// else the template's line. `label` is said at the line.
    pub fn decide(
        &self,
        path: &[Seg<'_>],
        label: &str,
        by_params: impl FnOnce() -> Option<Decider>,
    ) -> Decider {
        if let Some(d) = self.patched(path) {
            return d;
        }
        match self.origin {
            Origin::Manifest { file, node } => {
                let text = &self.input.sources.get(file).text;
                let mut d = Decider::at(
                    locate::locate(file, text, self.kind, self.name, path),
                    label,
                );
                d.related
                    .push((node, format!("included by app `{}`", self.input.app.app)));
                d
            }
            Origin::Template(file) => {
                if let Some(d) = by_params() {
                    return d;
                }
                let app = &self.input.app;
                if self.input.component.stdlib {
                    return Decider::at(app.app_span, label);
                }
                let text = &self.input.sources.get(file).text;
                let mut d = Decider::at(
                    locate::locate(file, text, self.kind, self.name, path),
                    label,
                );
                d.related.push((
                    app.app_span,
                    format!("app `{}` uses component `{}`", app.app, app.component),
                ));
                d
            }
        }
    }

    /// The last `set` or `remove` of the app's patches at exactly `path`.
    fn patched(&self, path: &[Seg<'_>]) -> Option<Decider> {
        let extras = &self.input.app.extras;
        if extras.iter().all(|e| e.patches.is_empty()) {
            return None;
        }
        let pointer = locate::pointer(path);
        let target = format!("{}/{}", self.kind, self.name);
        extras
            .iter()
            .flat_map(|e| e.patches.iter())
            .filter(|p| p.target.value == target)
            .flat_map(|p| p.ops.iter())
            .filter_map(|op| match op {
                PatchOp::Set { pointer: p, value } if p.value == pointer => {
                    Some(Decider::at(value.span, "set by this patch"))
                }
                PatchOp::Remove { pointer: p } if p.value == pointer => {
                    Some(Decider::at(p.span, "removed by this patch"))
                }
                _ => None,
            })
            .next_back()
    }

    /// The parameters that wrote the container named `name`: a `sidecar`
    /// or `init-container` entry (any repeated parameter whose entries hold
    /// an `image`) of that name, else the app's own.
    pub fn scope(&self, name: &str) -> Scope<'a> {
        let input = self.input;
        for (pname, ps) in input.component.params.iter() {
            if !ps.repeated || !ps.children.contains_key("image") {
                continue;
            }
            let Some(rp) = input.app.params.get(pname) else {
                continue;
            };
            if let Some(u) = rp
                .uses
                .iter()
                .find(|u| u.args.first().and_then(|a| a.value.as_str()) == Some(name))
            {
                return Scope::Entry {
                    entry: u,
                    schema: ps,
                };
            }
        }
        Scope::App { input }
    }

    /// The span of a parameter value equal to `text`, searched first in
    /// `scope`'s `param`, then in every parameter of the app.
    pub fn value_span(&self, scope: &Scope<'_>, param: &str, text: &str) -> Option<Span> {
        let is = |v: &crate::span::Spanned<Value>| v.value.as_str() == Some(text);
        if let Some(u) = scope.last(param)
            && let Some(a) = u.args.iter().find(|a| is(a))
        {
            return Some(a.span);
        }
        fn find(u: &ParamUse, is: &dyn Fn(&crate::span::Spanned<Value>) -> bool) -> Option<Span> {
            u.args
                .iter()
                .find(|a| is(a))
                .map(|a| a.span)
                .or_else(|| {
                    u.props
                        .values()
                        .find(|p| is(&p.value))
                        .map(|p| p.value.span)
                })
                .or_else(|| u.children.iter().find_map(|c| find(c, is)))
        }
        self.input
            .app
            .params
            .values()
            .flat_map(|p| p.uses.iter())
            .find_map(|u| find(u, &is))
    }
}

/// The parameters a container of a component's object came from.
pub enum Scope<'a> {
    /// The app's own parameters: the main container.
    App { input: &'a AppInput<'a> },
    /// One entry of a `sidecar` or `init-container`.
    Entry {
        entry: &'a ParamUse,
        schema: &'a ParamSchema,
    },
}

impl<'a> Scope<'a> {
    /// The last (merged) use of a single parameter in the scope.
    pub fn last(&self, name: &str) -> Option<&'a ParamUse> {
        match self {
            Scope::App { input } => input.app.params.get(name).and_then(|p| p.uses.last()),
            Scope::Entry { entry, .. } => {
                entry.children.iter().rev().find(|c| c.name.value == name)
            }
        }
    }

    /// True when the scope can say `name` at all.
    pub fn declares(&self, name: &str) -> bool {
        match self {
            Scope::App { input } => input.component.params.contains_key(name),
            Scope::Entry { schema, .. } => schema.children.contains_key(name),
        }
    }

    /// Where a missing parameter would be added: the app's name, or the
    /// entry's node.
    pub fn anchor(&self) -> Span {
        match self {
            Scope::App { input } => input.app.app_span,
            Scope::Entry { entry, .. } => entry.span,
        }
    }

    /// The block a line is added to, as users read it.
    pub fn owner(&self) -> String {
        match self {
            Scope::App { input } => format!("app `{}`", input.app.app),
            Scope::Entry { entry, .. } => format!(
                "`{} \"{}\"`",
                entry.name.value,
                entry
                    .args
                    .first()
                    .map(|a| a.value.to_plain_string())
                    .unwrap_or_default()
            ),
        }
    }

    /// A decider for a property of a single parameter: at the property's
    /// value when set, at the parameter's node when it lacks the property
    /// (help: add it there), at the anchor when the parameter is missing
    /// (help: add `whole`). `None` when the scope cannot say the parameter.
    pub fn prop(&self, param: &str, prop: &str, add_prop: &str, whole: &str) -> Option<Decider> {
        if !self.declares(param) {
            return None;
        }
        Some(match self.last(param) {
            Some(u) => match u.props.get(prop) {
                Some(p) => Decider::at(p.value.span, format!("`{prop}` is set here"))
                    .help(format!("write `{add_prop}`")),
                None => {
                    let mut d = Decider::at(u.span, format!("no `{prop}` here"))
                        .help(format!("add `{add_prop}` to this `{param}`"));
                    // The layers below merged into it: the property may
                    // belong in one of them.
                    if let Scope::App { input } = self
                        && let Some(rp) = input.app.params.get(param)
                    {
                        d.related.extend(
                            rp.provenance
                                .iter()
                                .filter(|(_, span)| *span != u.span)
                                .map(|(layer, span)| {
                                    (*span, format!("merged with the `{param}` of the {layer}"))
                                }),
                        );
                    }
                    d
                }
            },
            None => self.missing(&format!("`{param}`"), whole),
        })
    }

    /// A decider for something the scope does not say (`what`, such as
    /// "`resources`"): at the anchor, with the line to add.
    pub fn missing(&self, what: &str, line: &str) -> Decider {
        let owner = self.owner();
        Decider::at(self.anchor(), format!("{owner} has no {what}"))
            .help(format!("add `{line}` to {owner}"))
    }
}
