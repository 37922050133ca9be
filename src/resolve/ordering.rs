//! The ordering of one app in one env, layers merged (decoded in
//! `check::ordering`): the apps it declares it depends on, and the fields
//! of its Flux `Kustomization`. The env's whole graph, with the edges its
//! CRDs imply, is built in `render::order`.
//!
//! `depends-on` is a set: the app block's names, then the env's `app`
//! block's, whose `remove=#true` drops a name. `flux` merges field by field
//! through the env's own `flux` (the default of its apps), then the layers
//! of LANGUAGE.md: the app, the env's flavors in order, the env's `app`
//! block.

use serde_json::{Value as Json, json};

use super::{Layer, extras};
use crate::check::{App, Env, FluxUse, Model};
use crate::diag::Diagnostics;
use crate::span::{Sources, Span, Spanned};

/// One app that an app declares it depends on, in one env.
#[derive(Clone, Debug, PartialEq)]
pub struct Declared {
    pub app: String,
    /// The name in the `depends-on` node that declares it.
    pub span: Span,
    pub layer: Layer,
}

/// The apps `app` declares it depends on in `env`, sorted by name.
pub fn declared(app: &App, env: &Env) -> Vec<Declared> {
    let env_app = env.apps.get(&app.name.value);
    let layers = [
        (Layer::App, Some(&app.extras)),
        (Layer::EnvApp, env_app.map(|e| &e.extras)),
    ];
    let mut out: Vec<Declared> = Vec::new();
    for (layer, extras) in layers {
        for d in extras.iter().flat_map(|x| &x.depends_on) {
            if d.remove {
                out.retain(|x| x.app != d.app.value);
            } else if !out.iter().any(|x| x.app == d.app.value) {
                out.push(Declared {
                    app: d.app.value.clone(),
                    span: d.app.span,
                    layer: layer.clone(),
                });
            }
        }
    }
    out.sort_by(|a, b| a.app.cmp(&b.app));
    out
}

/// The fields of a Flux `Kustomization` that `flux` sets; `None` leaves
/// Flux's (or kiln's) default. Durations in seconds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FluxSettings {
    pub interval: Option<u64>,
    pub retry_interval: Option<u64>,
    pub timeout: Option<u64>,
    pub wait: Option<bool>,
    pub prune: Option<bool>,
}

impl FluxSettings {
    /// True when no layer set anything.
    pub fn is_empty(&self) -> bool {
        *self == FluxSettings::default()
    }
}

/// Merged [`FluxSettings`] and, for `kiln explain`, every layer that set a
/// field: (property as written, layer, span of its value), lowest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResolvedFlux {
    pub settings: FluxSettings,
    pub provenance: Vec<(&'static str, Layer, Span)>,
}

/// Merges `flux` uses, lowest layer first, field by field.
fn merge<'a>(layers: impl IntoIterator<Item = (Layer, Option<&'a FluxUse>)>) -> ResolvedFlux {
    let mut out = ResolvedFlux::default();
    for (layer, flux) in layers {
        let Some(f) = flux else { continue };
        let (s, p) = (&mut out.settings, &mut out.provenance);
        let mut take = |name, span: Option<Span>| {
            if let Some(span) = span {
                p.push((name, layer.clone(), span));
            }
        };
        take("interval", over(&mut s.interval, &f.interval));
        take(
            "retry-interval",
            over(&mut s.retry_interval, &f.retry_interval),
        );
        take("timeout", over(&mut s.timeout, &f.timeout));
        take("wait", over(&mut s.wait, &f.wait));
        take("prune", over(&mut s.prune, &f.prune));
    }
    out
}

/// Sets `into` to a higher layer's value, if it has one; its span then.
fn over<T: Copy>(into: &mut Option<T>, value: &Option<Spanned<T>>) -> Option<Span> {
    let v = value.as_ref()?;
    *into = Some(v.value);
    Some(v.span)
}

/// The env's flavors that exist, in the order it applies them.
fn flavor_layers<'a>(
    model: &'a Model,
    env: &'a Env,
) -> impl Iterator<Item = (Layer, Option<&'a FluxUse>)> {
    env.flavors.iter().filter_map(|f| {
        let flavor = model.flavors.get(&f.value)?;
        Some((Layer::Flavor(f.value.clone()), flavor.flux.as_ref()))
    })
}

/// The settings of `app`'s own Kustomization in `env` (one per app, with
/// `kiln bootstrap --per-app`): the env's `flux`, the app's, the flavors',
/// the env's `app` block's.
pub fn app_flux(model: &Model, env: &Env, app: &App) -> ResolvedFlux {
    let env_app = env.apps.get(&app.name.value);
    merge(
        [
            (Layer::Env, env.flux.as_ref()),
            (Layer::App, app.extras.flux.as_ref()),
        ]
        .into_iter()
        .chain(flavor_layers(model, env))
        .chain([(Layer::EnvApp, env_app.and_then(|e| e.extras.flux.as_ref()))]),
    )
}

/// The settings of the env's own Kustomization when it is the only one
/// (`kiln bootstrap` without `--per-app`): the env's `flux`, then its
/// flavors', which apply to every app, hence to it.
pub fn env_flux(model: &Model, env: &Env) -> ResolvedFlux {
    merge(std::iter::once((Layer::Env, env.flux.as_ref())).chain(flavor_layers(model, env)))
}

/// `app.depends_on` for templates: each app `app` declares it depends on
/// that the env deploys, as `{name, component, namespace}`, sorted by
/// name, so that a component can order its own objects too (a
/// `HelmRelease`'s `dependsOn` names the `HelmRelease`s of the
/// `helm-release` apps it depends on, in their namespaces).
pub(super) fn context(
    model: &Model,
    env: &Env,
    app: &App,
    base: &Json,
    base_value: &minijinja::Value,
    sources: &Sources,
) -> Json {
    let mut out = Vec::new();
    for d in declared(app, env) {
        let Some(dep) = model.apps.get(&d.app) else {
            continue;
        };
        let dep_env_app = env.apps.get(&d.app);
        if !dep.in_env(&env.name.value) || dep_env_app.is_some_and(|e| e.disabled) {
            continue;
        }
        let dep_json = json!({"name": dep.name.value, "component": dep.component.value});
        // The dependency's own errors are reported while resolving it.
        let mut scratch = Diagnostics::default();
        let own = extras::namespace(
            dep,
            dep_env_app,
            &dep_json,
            base,
            base_value,
            sources,
            &mut scratch,
        );
        let namespace = match own {
            Some(n) => Json::String(n.value),
            None => base["env"]["namespace"].clone(),
        };
        out.push(json!({
            "name": dep.name.value,
            "component": dep.component.value,
            "namespace": namespace,
        }));
    }
    Json::Array(out)
}
