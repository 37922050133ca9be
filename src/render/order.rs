//! The order in which Flux applies an env's apps (PLATFORM.md "Ordering"):
//! the edges `depends-on` declares (merged in `resolve::ordering`) and
//! those the env's CRDs imply (an app that renders custom resources of a
//! CRD another app renders is applied after it), checked: a dependency the
//! env does not deploy and a cycle are errors. The result goes into each
//! app's [`AppOutput`](crate::output::AppOutput), from which `gitops`
//! writes the `dependsOn` of per-app Flux Kustomizations.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use crate::check::{Env, Model};
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::output::{DependsOn, EnvOutput, Implied};
use crate::resolve::ordering::{app_flux, declared, env_flux};
use crate::span::Span;

/// An API group and a kind.
type GroupKind = (String, String);

/// What one app's objects tell about ordering.
#[derive(Clone, Debug, Default)]
pub(super) struct AppTypes {
    /// Each kind a CustomResourceDefinition of the app defines, with the
    /// CRD's name.
    defines: Vec<(GroupKind, String)>,
    /// Each kind of a named API group the app renders, with what made the
    /// first such object.
    uses: BTreeMap<GroupKind, Span>,
}

/// The kinds `objects` (each with the span that made it) define and use.
pub(super) fn types_of<'a>(objects: impl Iterator<Item = (&'a Json, Span)>) -> AppTypes {
    let mut out = AppTypes::default();
    for (o, span) in objects {
        let api = o["apiVersion"].as_str().unwrap_or_default();
        let kind = o["kind"].as_str().unwrap_or_default();
        let Some((group, _)) = api.split_once('/') else {
            continue;
        };
        if group == "apiextensions.k8s.io" && kind == "CustomResourceDefinition" {
            let spec = &o["spec"];
            if let (Some(g), Some(k)) = (spec["group"].as_str(), spec["names"]["kind"].as_str()) {
                let name = o["metadata"]["name"].as_str().unwrap_or_default();
                out.defines
                    .push(((g.to_string(), k.to_string()), name.to_string()));
            }
        }
        out.uses
            .entry((group.to_string(), kind.to_string()))
            .or_insert(span);
    }
    out
}

/// Fills each app's `depends_on` and `flux`, and the env's `flux`, from
/// the declared and implied edges; reports dependencies the env does not
/// deploy and cycles. `types` holds every app's [`AppTypes`].
pub(super) fn order_env(
    model: &Model,
    env: &Env,
    out: &mut EnvOutput,
    types: &BTreeMap<&str, &AppTypes>,
    diags: &mut Diagnostics,
) {
    let deployed: BTreeSet<String> = out.apps.keys().cloned().collect();
    let mut definers: BTreeMap<&GroupKind, (&str, &str)> = BTreeMap::new();
    for (app, t) in types {
        for (gk, crd) in &t.defines {
            definers.entry(gk).or_insert((app, crd.as_str()));
        }
    }
    for (name, app_out) in &mut out.apps {
        let Some(app) = model.apps.get(name) else {
            continue;
        };
        let mut deps: BTreeMap<String, DependsOn> = BTreeMap::new();
        for d in declared(app, env) {
            if !deployed.contains(&d.app) {
                if let Some(dep) = model.apps.get(&d.app) {
                    diags.push(not_deployed(env, name, dep, d.span));
                }
                continue;
            }
            deps.insert(
                d.app.clone(),
                DependsOn {
                    app: d.app,
                    declared: Some(d.span),
                    implied: Vec::new(),
                },
            );
        }
        for (gk, span) in types
            .get(name.as_str())
            .map(|t| &t.uses)
            .into_iter()
            .flatten()
        {
            let Some((owner, crd)) = definers.get(gk).filter(|(o, _)| o != name) else {
                continue;
            };
            let entry = deps.entry(owner.to_string()).or_insert_with(|| DependsOn {
                app: owner.to_string(),
                declared: None,
                implied: Vec::new(),
            });
            entry.implied.push(Implied {
                group: gk.0.clone(),
                kind: gk.1.clone(),
                crd: crd.to_string(),
                span: *span,
            });
        }
        app_out.depends_on = deps.into_values().collect();
        app_out.flux = app_flux(model, env, app).settings;
    }
    out.flux = env_flux(model, env).settings;
    for cycle in cycles(out) {
        diags.push(cycle_diagnostic(out, &cycle));
    }
}

/// `app` depends on `dep`, which the env does not deploy.
fn not_deployed(env: &Env, app: &str, dep: &crate::check::App, span: Span) -> Diagnostic {
    let env_name = &env.name.value;
    let mut d = Diagnostic::error(
        codes::NOT_DEPLOYED,
        format!(
            "app `{app}` depends on `{}`, which env `{env_name}` does not deploy",
            dep.name.value
        ),
    )
    .primary(span, format!("not deployed to env `{env_name}`"));
    if let Some(block) = env.apps.get(&dep.name.value).filter(|e| e.disabled) {
        d = d.related(block.span, format!("`{}` is disabled here", dep.name.value));
    } else if let Some(envs) = &dep.envs {
        let at = envs.first().map_or(dep.name.span, |e| e.span);
        d = d.related(
            at,
            format!("`{}`'s `envs` leaves `{env_name}` out", dep.name.value),
        );
    }
    d.help(format!(
        "deploy `{}` to env `{env_name}`, or drop the dependency there: `depends-on \"{}\" remove=#true` in the env's `app \"{app}\"` block",
        dep.name.value, dep.name.value
    ))
}

/// One cycle per strongly connected group of apps that has one (an app
/// that depends on itself included): the shortest from the group's first
/// app back to it, starting there, so the same cycle is found alike in
/// every env.
fn cycles(env: &EnvOutput) -> Vec<Vec<String>> {
    // Most envs order nothing: no edge, no cycle (and no graph to walk
    // over a fleet's thousand apps on every edit).
    if env.apps.values().all(|o| o.depends_on.is_empty()) {
        return Vec::new();
    }
    let edges: BTreeMap<&str, Vec<&str>> = env
        .apps
        .iter()
        .map(|(a, o)| {
            (
                a.as_str(),
                o.depends_on.iter().map(|d| d.app.as_str()).collect(),
            )
        })
        .collect();
    let mut out = Vec::new();
    for group in strongly_connected(&edges) {
        let first = group[0];
        let in_group: BTreeSet<&str> = group.iter().copied().collect();
        // Breadth first from `first` to the first app that leads back to it.
        let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([first]);
        let mut last = None;
        while let Some(a) = queue.pop_front() {
            let next = edges.get(a).into_iter().flatten().copied();
            if next.clone().any(|b| b == first) {
                last = Some(a);
                break;
            }
            for b in next.filter(|b| in_group.contains(b)) {
                if b != first && !parent.contains_key(b) {
                    parent.insert(b, a);
                    queue.push_back(b);
                }
            }
        }
        let Some(mut at) = last else { continue };
        let mut path = vec![at.to_string()];
        while at != first {
            at = parent[at];
            path.push(at.to_string());
        }
        path.reverse();
        out.push(path);
    }
    out
}

/// Tarjan's strongly connected components holding a cycle, each sorted,
/// in order of their first app.
fn strongly_connected<'a>(edges: &BTreeMap<&'a str, Vec<&'a str>>) -> Vec<Vec<&'a str>> {
    struct State<'a> {
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        groups: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(v: &'a str, edges: &BTreeMap<&'a str, Vec<&'a str>>, s: &mut State<'a>) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        for &w in edges.get(v).into_iter().flatten() {
            if !edges.contains_key(w) {
                continue;
            }
            if !s.index.contains_key(w) {
                visit(w, edges, s);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                group.push(w);
                if w == v {
                    break;
                }
            }
            group.sort();
            s.groups.push(group);
        }
    }
    let mut s = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        groups: Vec::new(),
    };
    for &v in edges.keys() {
        if !s.index.contains_key(v) {
            visit(v, edges, &mut s);
        }
    }
    let mut groups: Vec<Vec<&str>> = s
        .groups
        .into_iter()
        .filter(|g| g.len() > 1 || edges[g[0]].contains(&g[0]))
        .collect();
    groups.sort();
    groups
}

/// One error for a whole cycle, a label on each of its edges.
fn cycle_diagnostic(env: &EnvOutput, cycle: &[String]) -> Diagnostic {
    let shown: Vec<String> = cycle
        .iter()
        .chain(cycle.first())
        .map(|a| format!("`{a}`"))
        .collect();
    let message = match cycle {
        [one] => format!("app `{one}` depends on itself"),
        _ => format!(
            "apps depend on each other in a cycle: {}",
            shown.join(" → ")
        ),
    };
    let mut d = Diagnostic::error(codes::CYCLE, message);
    for (i, from) in cycle.iter().enumerate() {
        let to = &cycle[(i + 1) % cycle.len()];
        let Some(edge) = env.apps[from].depends_on.iter().find(|d| d.app == *to) else {
            continue;
        };
        let (span, label) = match (&edge.declared, edge.implied.first()) {
            (Some(span), _) => (*span, format!("`{from}` depends on `{to}`")),
            (None, Some(imp)) => (
                imp.span,
                format!(
                    "`{from}` depends on `{to}`: it renders `{}`, whose CRD `{to}` renders",
                    imp.kind
                ),
            ),
            (None, None) => continue,
        };
        d = if i == 0 {
            d.primary(span, label)
        } else {
            d.related(span, label)
        };
    }
    d.help(if cycle.len() == 1 {
        "Flux would wait for the app to be ready before applying it, forever; remove this `depends-on`".to_string()
    } else {
        "Flux applies an app only once every app it depends on is ready, so none of these would ever be applied; remove one of these dependencies".to_string()
    })
}

/// The warning for an env rendered into `out` (from the env definition
/// `env_def`) whose apps share one Flux Kustomization, so that neither the
/// order `depends-on` declares nor an app's own `flux` settings can be
/// kept; `preview` for a preview, which always has one. `None` when no app
/// asks for either. Edges that CRDs imply need no warning: Flux applies a
/// Kustomization's CRDs and Namespaces before the rest of it.
pub fn not_kept(
    model: &Model,
    env_def: &str,
    out: &EnvOutput,
    preview: bool,
) -> Option<Diagnostic> {
    let env = model.envs.get(env_def)?;
    let mut labels: Vec<(Span, String)> = Vec::new();
    for (name, app) in &out.apps {
        for d in &app.depends_on {
            if let Some(span) = d.declared {
                labels.push((span, format!("`{name}` depends on `{}`", d.app)));
            }
        }
        let own = model.apps.get(name).and_then(|a| a.extras.flux.as_ref());
        let block = env.apps.get(name).and_then(|e| e.extras.flux.as_ref());
        for f in own.into_iter().chain(block) {
            labels.push((f.span, format!("`flux` of app `{name}`")));
        }
    }
    labels.sort();
    let (first, rest) = labels.split_first()?;
    let (message, help) = if preview {
        (
            format!("preview `{}` is applied as one Flux Kustomization: the order of its apps cannot be kept", out.env),
            "a preview is one Kustomization, applied all at once (CRDs and namespaces first); its apps converge as Flux retries".to_string(),
        )
    } else {
        (
            format!(
                "env `{}` has no Flux Kustomization per app: the order of its apps cannot be kept",
                out.env
            ),
            format!(
                "`kiln bootstrap --per-app --env {}` gives each app a Kustomization with `dependsOn`, `wait` and its `flux` settings; until then Flux applies the env's apps all at once (CRDs and namespaces first)",
                out.env
            ),
        )
    };
    let mut d = Diagnostic::warning(codes::NOT_KEPT, message).primary(first.0, first.1.clone());
    for (span, label) in rest {
        d = d.related(*span, label.clone());
    }
    Some(d.help(help))
}

/// The env's apps in the order Flux applies them: each step holds the
/// apps whose dependencies are all in earlier steps, sorted by name. Apps
/// caught in a cycle (an error already) are left out.
pub fn apply_order(env: &EnvOutput) -> Vec<Vec<String>> {
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut steps = Vec::new();
    loop {
        let step: Vec<&str> = env
            .apps
            .iter()
            .filter(|(a, o)| {
                !done.contains(a.as_str())
                    && o.depends_on
                        .iter()
                        .all(|d| done.contains(d.app.as_str()) || !env.apps.contains_key(&d.app))
            })
            .map(|(a, _)| a.as_str())
            .collect();
        if step.is_empty() {
            return steps;
        }
        done.extend(step.iter().copied());
        steps.push(step.into_iter().map(str::to_string).collect());
    }
}

#[cfg(test)]
mod tests {
    use super::{apply_order, cycles};
    use crate::output::{AppOutput, DependsOn, EnvOutput};

    /// An env whose apps depend on each other as `edges` says.
    fn env(edges: &[(&str, &[&str])]) -> EnvOutput {
        let mut out = EnvOutput::default();
        for (app, deps) in edges {
            out.apps.insert(
                app.to_string(),
                AppOutput {
                    depends_on: deps
                        .iter()
                        .map(|d| DependsOn {
                            app: d.to_string(),
                            declared: Some(crate::span::Span::default()),
                            implied: Vec::new(),
                        })
                        .collect(),
                    ..AppOutput::default()
                },
            );
        }
        out
    }

    #[test]
    fn a_chain_applies_one_app_per_step() {
        let e = env(&[("a", &[]), ("b", &["a"]), ("c", &["b"])]);
        assert!(cycles(&e).is_empty());
        assert_eq!(apply_order(&e), vec![vec!["a"], vec!["b"], vec!["c"]]);
    }

    #[test]
    fn a_diamond_applies_its_sides_together() {
        let e = env(&[
            ("top", &["left", "right"]),
            ("left", &["base"]),
            ("right", &["base"]),
            ("base", &[]),
            ("alone", &[]),
        ]);
        assert!(cycles(&e).is_empty());
        assert_eq!(
            apply_order(&e),
            vec![vec!["alone", "base"], vec!["left", "right"], vec!["top"]]
        );
    }

    #[test]
    fn cycles_of_one_two_and_three_are_found_whole() {
        assert_eq!(cycles(&env(&[("a", &["a"]), ("b", &[])])), vec![vec!["a"]]);
        assert_eq!(
            cycles(&env(&[("a", &["b"]), ("b", &["a"])])),
            vec![vec!["a", "b"]]
        );
        let three = env(&[("c", &["a"]), ("a", &["b"]), ("b", &["c"]), ("d", &["a"])]);
        assert_eq!(cycles(&three), vec![vec!["a", "b", "c"]]);
        // Apps behind a cycle are never applied.
        assert!(apply_order(&three).is_empty());
    }

    #[test]
    fn two_separate_cycles_give_two_errors_and_a_shared_group_one() {
        let two = env(&[("a", &["b"]), ("b", &["a"]), ("x", &["y"]), ("y", &["x"])]);
        assert_eq!(cycles(&two), vec![vec!["a", "b"], vec!["x", "y"]]);
        // Two cycles through `a`: the shortest is shown.
        let shared = env(&[
            ("a", &["b", "c"]),
            ("b", &["a"]),
            ("c", &["d"]),
            ("d", &["a"]),
        ]);
        assert_eq!(cycles(&shared), vec![vec!["a", "b"]]);
    }
}
