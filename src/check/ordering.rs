//! The nodes of ordering (PLATFORM.md "Ordering"): `depends-on APP…` in an
//! app or env `app` block, and `flux interval= retry-interval= timeout=
//! wait= prune=` there, in an env and in a flavor. Decoded here; merged per
//! (env, app) in `resolve::ordering`; the env's graph is built in
//! `render::order`, once the CRDs its apps render are known.

use kdl::KdlNode;

use super::{Checker, Dependency, Extras, FluxUse, mismatch, nodes};
use crate::check::types::{self, Constraints, Type};
use crate::check::value::Value;
use crate::diag::{Diagnostic, codes, suggest};
use crate::span::{FileId, Span, Spanned};

/// The properties of `flux`, as written.
pub const FLUX_PROPS: [&str; 5] = ["interval", "retry-interval", "timeout", "wait", "prune"];

impl Checker<'_> {
    /// `depends-on APP… remove=#true?`: names checked against the apps
    /// once every file is read ([`Checker::dependency_names`]).
    pub(super) fn depends_on(&mut self, file: FileId, node: &KdlNode, extras: &mut Extras) {
        self.no_children(file, node);
        let mut remove = false;
        for p in nodes::props(file, node) {
            match p.name.as_str() {
                "remove" => remove = self.bool_value(p.span, &p.value),
                _ => self.unknown_prop("depends-on", &p, &["remove"]),
            }
        }
        let args = nodes::args(file, node);
        if args.is_empty() {
            let head = nodes::head_span(file, node, self.text(file));
            self.diags.push(
                Diagnostic::error(codes::MALFORMED, "`depends-on` needs at least one app")
                    .primary(head, "expected app names after this")
                    .help("write `depends-on \"cert-manager\" \"cluster-issuers\"`"),
            );
        }
        for a in args {
            let Value::String(name) = &a.value else {
                self.diags.push(mismatch(a.span, "an app name", &a.value));
                continue;
            };
            if let Some(first) = extras.depends_on.iter().find(|d| d.app.value == *name) {
                self.diags.push(
                    Diagnostic::error(
                        codes::DUPLICATE_KEY,
                        format!("`depends-on` names app `{name}` twice in one block"),
                    )
                    .primary(a.span, "named again here")
                    .related(first.app.span, "first named here")
                    .help("remove one of them"),
                );
                continue;
            }
            extras.depends_on.push(Dependency {
                app: Spanned::new(name.clone(), a.span),
                remove,
            });
        }
    }

    /// `flux interval= retry-interval= timeout= wait= prune=` into `slot`,
    /// which holds the block's earlier `flux`, if any.
    pub(super) fn flux(&mut self, file: FileId, node: &KdlNode, slot: &mut Option<FluxUse>) {
        self.no_children(file, node);
        self.extra_args(file, node, 0);
        let head = nodes::head_span(file, node, self.text(file));
        if let Some(first) = slot {
            self.diags.push(
                Diagnostic::error(codes::REPEATED_PARAM, "`flux` is given twice in one block")
                    .primary(head, "given again here")
                    .related(first.span, "first given here")
                    .help("write every setting in one `flux` node"),
            );
            return;
        }
        let mut flux = FluxUse {
            span: head,
            ..FluxUse::default()
        };
        let mut seen: Vec<(String, Span)> = Vec::new();
        let props = nodes::props(file, node);
        for p in &props {
            if let Some((_, first)) = seen.iter().find(|(n, _)| *n == p.name) {
                self.duplicate_prop(p, *first);
                continue;
            }
            seen.push((p.name.clone(), p.name_span));
            match p.name.as_str() {
                "interval" => flux.interval = self.flux_duration(p),
                "retry-interval" => flux.retry_interval = self.flux_duration(p),
                "timeout" => flux.timeout = self.flux_duration(p),
                "wait" => flux.wait = Some(Spanned::new(self.bool_value(p.span, &p.value), p.span)),
                "prune" => {
                    flux.prune = Some(Spanned::new(self.bool_value(p.span, &p.value), p.span))
                }
                _ => self.unknown_prop("flux", p, &FLUX_PROPS),
            }
        }
        if props.is_empty() {
            self.diags.push(
                Diagnostic::error(codes::MALFORMED, "`flux` sets nothing")
                    .primary(head, "no settings")
                    .help("write the Kustomization fields to set, such as `flux interval=\"5m\" timeout=\"3m\" wait=#true`"),
            );
        }
        *slot = Some(flux);
    }

    /// A positive duration, in seconds.
    fn flux_duration(&mut self, p: &nodes::Prop) -> Option<Spanned<u64>> {
        match types::check(Type::Duration, &p.value, &Constraints::default()) {
            Ok(Value::Int(secs)) if secs > 0 => Some(Spanned::new(secs as u64, p.span)),
            Ok(_) => {
                self.diags.push(
                    Diagnostic::error(
                        codes::TYPE_MISMATCH,
                        format!("`{}` must be longer than zero", p.name),
                    )
                    .primary(p.span, "a zero duration")
                    .help("Flux needs a positive duration, such as `\"5m\"`"),
                );
                None
            }
            Err(e) => {
                self.diags.push(
                    Diagnostic::error(codes::TYPE_MISMATCH, format!("`{}`: {}", p.name, e.message))
                        .primary(p.span, format!("expected {}", Type::Duration.describe()))
                        .maybe_help(e.help),
                );
                None
            }
        }
    }

    /// Every `depends-on` names an app of the project.
    pub(super) fn dependency_names(&mut self) {
        let model = &self.model;
        let blocks = model.apps.values().map(|a| &a.extras).chain(
            model
                .envs
                .values()
                .flat_map(|e| e.apps.values().map(|a| &a.extras)),
        );
        let unknown: Vec<Spanned<String>> = blocks
            .flat_map(|x| &x.depends_on)
            .filter(|d| !model.apps.contains_key(&d.app.value))
            .map(|d| d.app.clone())
            .collect();
        let names: Vec<String> = model.apps.keys().cloned().collect();
        for name in unknown {
            self.unknown(
                Diagnostic::error(
                    codes::UNKNOWN_APP,
                    format!("`depends-on` names unknown app `{}`", name.value),
                )
                .primary(name.span, "no app has this name")
                .help(suggest(
                    &name.value,
                    names.iter().map(String::as_str),
                    "the apps are",
                )),
            );
        }
    }
}
