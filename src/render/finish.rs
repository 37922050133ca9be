//! The env-wide stage: what needs every rendered app of an env at once —
//! the custom resources that wait for the CRDs the env's apps render,
//! objects two apps make, Secrets delivered and referenced, the apply
//! order, the Namespace objects.
//!
//! The stage reads the apps' [`RenderedApp`]s through shared pointers and
//! borrows what it compares: the language server hands it the units it
//! kept from earlier compiles, ten thousand of them on a large fleet, and
//! copying them for each compile would cost more than the stage itself.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use serde_json::Value as Json;

use super::crd::{self, Crds};
use super::renderer::{RenderedApp, emit};
use super::{custom, namespaces, order, secrets};
use crate::check::Model;
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::output::EnvOutput;
use crate::resolve::ResolvedEnv;
use crate::span::{Sources, Span};

/// What the env-wide stage reads besides the env's rendered apps.
pub struct EnvWide<'a> {
    pub model: &'a Model,
    pub renv: &'a ResolvedEnv,
    pub create_namespace: bool,
    pub folder: &'a str,
    /// The project's and kiln's CRDs, for the custom resources that
    /// waited for the env's rendered ones.
    pub crds: &'a Crds,
    pub sources: &'a Sources,
}

/// The env-wide stage, over every rendered app of the env (each made by
/// `render_unit`, or kept by the language server) in name order:
/// the custom resources that wait for the env's CRDs, their diagnostics,
/// objects two apps make, the Namespace objects. The env's output and its
/// units (for lint), or `None` when the env has errors.
///
/// The apps' files move into the output when this stage holds the only
/// pointer to their unit (a command's render); a unit shared with the
/// language server's cache has none to move.
pub fn finish_env(
    env: &EnvWide<'_>,
    mut rendered: Vec<Arc<RenderedApp>>,
    diags: &mut Diagnostics,
) -> Option<(EnvOutput, Vec<Arc<RenderedApp>>)> {
    let EnvWide {
        model,
        renv,
        create_namespace,
        folder,
        crds,
        sources,
    } = *env;
    let before = diags.error_count();
    finish_deferred(crds, &mut rendered, sources, diags);
    let mut out = EnvOutput {
        env: renv.name.clone(),
        folder: folder.to_string(),
        namespace: renv.namespace.clone(),
        namespace_objects: BTreeMap::new(),
        apps: BTreeMap::new(),
        secret_refs: Vec::new(),
        flux: Default::default(),
    };
    // The apps' own namespaces, and the Namespace objects apps render.
    let mut used = BTreeSet::new();
    let mut rendered_namespaces = HashSet::new();
    // Duplicates across the env, reported at the later app.
    let objects = rendered.iter().map(|r| r.keys.len()).sum();
    let mut seen: foldhash::HashMap<&(String, String, String), (&str, Span)> =
        foldhash::HashMap::with_capacity_and_hasher(objects, Default::default());
    let mut types = BTreeMap::new();
    let mut app_secrets = Vec::with_capacity(rendered.len());
    for r in &mut rendered {
        let files = Arc::get_mut(r)
            .map(|r| std::mem::take(&mut r.output))
            .unwrap_or_default();
        out.apps.insert(r.app.clone(), files);
    }
    for r in &rendered {
        diags.0.extend(r.diags.0.iter().cloned());
        types.insert(r.app.as_str(), &r.types);
        used.extend(r.namespace.iter().cloned());
        for (key, span) in &r.keys {
            if key.0 == "Namespace" {
                rendered_namespaces.insert(key.2.clone());
            }
            if let Some((first_app, first_span)) = seen.get(key) {
                let help = if span == first_span {
                    "this node makes the object for every app that has it (a flavor's, say): put the app in its name, such as `{{ app.name }}-db`"
                } else {
                    "Kubernetes keeps one object per kind, namespace and name; rename one, or create it in one app only"
                };
                diags.push(
                    Diagnostic::error(
                        codes::DUPLICATE_OBJECT,
                        format!(
                            "two objects `{}/{}` in namespace `{}` of env `{}`",
                            key.0, key.2, key.1, renv.name
                        ),
                    )
                    .primary(*span, format!("made by app `{}`", r.app))
                    .related(*first_span, format!("also made by app `{first_app}`"))
                    .help(help),
                );
            } else {
                seen.insert(key, (&r.app, *span));
            }
        }
        app_secrets.push((r.app.as_str(), &r.secrets));
    }
    out.secret_refs = secrets::refs::check(&renv.name, &app_secrets, diags);
    if let Some(env) = model.envs.get(&renv.env_def) {
        order::order_env(model, env, &mut out, &types, diags);
    }
    if diags.error_count() > before {
        return None;
    }
    if create_namespace {
        out.namespace_objects = namespaces::objects(model, renv, &used, &rendered_namespaces);
    }
    Some((out, rendered))
}

/// The custom resources no CRD of the project or of kiln defines: checked
/// against the CRDs the env's apps render, or reported, then written.
fn finish_deferred(
    crds: &Crds,
    rendered: &mut [Arc<RenderedApp>],
    sources: &Sources,
    diags: &mut Diagnostics,
) {
    if rendered.iter().all(|r| r.deferred.is_empty()) {
        return;
    }
    let objects: Vec<(Json, Span)> = rendered.iter().flat_map(|r| r.crds.clone()).collect();
    let env_crds = crd::load::rendered_crds(&objects, diags);
    for r in rendered.iter_mut().filter(|r| !r.deferred.is_empty()) {
        // This env's own copy: a kept unit stays as it was rendered.
        let r = Arc::make_mut(r);
        let owner = custom::Owner {
            app: &r.app,
            namespace: &r.target_namespace,
        };
        for mut o in std::mem::take(&mut r.deferred) {
            custom::finish(crds, &env_crds, &mut o, &owner, true, sources, &mut r.diags);
            r.secrets.delivered.extend(secrets::refs::delivered(
                &o.value,
                o.param_span.unwrap_or(o.app_span),
            ));
            emit(&o, !r.diags.has_errors(), &mut r.output, &mut r.keys);
        }
        r.output.images.sort();
        r.output.images.dedup();
    }
}
