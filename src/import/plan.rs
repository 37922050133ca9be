//! The project to write, decided: apps and their components, each app's
//! parameters split between the app and its envs, the env-level values
//! (namespace, labels), and the manifests kept as files.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value as Json, json};

use super::compare;
use super::extract::{self, AppEnv, Common, Component};
use super::group::{self, EnvGroups, Workload};
use super::kdl::Node;
use super::layers;
use super::read::EnvObjects;
use super::stdlib_schema;
use crate::check::MAX_APP_NAME;
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::render::{validate, yaml};
use crate::span::Sources;

/// The imported project, before it is written.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub project: String,
    pub common: Common,
    pub envs: Vec<EnvPlan>,
    /// Sorted by name.
    pub apps: Vec<AppPlan>,
    /// Manifest files by path relative to the project.
    pub manifests: BTreeMap<String, Vec<u8>>,
    /// The `crds/` folder and `allow-unknown` (`crds.rs`).
    pub crds: super::crds::Knowledge,
}

/// One env.
#[derive(Clone, Debug, Default)]
pub struct EnvPlan {
    pub name: String,
    /// The `namespace` written (`None`: the env's name, kiln's default).
    pub namespace: Option<String>,
    /// `create-namespace #true`: the input has the env's Namespace, as kiln
    /// renders it.
    pub create_namespace: bool,
    /// The input's Namespace objects that `create-namespace` renders: the
    /// env's own, and those of apps with a `namespace` of their own.
    pub namespace_objects: BTreeSet<usize>,
    /// Labels and annotations beyond the project's.
    pub common: Common,
    /// `vars`: each env's image tag, when apps share one (`tags`).
    pub vars: Vec<(String, String)>,
}

impl EnvPlan {
    /// The namespace objects of the env are rendered into.
    pub fn effective_namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or(&self.name)
    }
}

/// One app.
#[derive(Clone, Debug)]
pub struct AppPlan {
    pub name: String,
    pub component: Component,
    /// The envs it is in (indices), in env order.
    pub envs: Vec<usize>,
    pub comment: String,
    /// The app block: parameters and `manifest` nodes.
    pub nodes: Vec<Node>,
    /// Each env's `app` block (by env index).
    pub overrides: BTreeMap<usize, Vec<Node>>,
    /// Patches in the app block, and in each env's block.
    pub patches: Vec<Node>,
    pub env_patches: BTreeMap<usize, Vec<Node>>,
    /// The input objects the app renders, per env.
    pub members: BTreeMap<usize, Vec<usize>>,
    /// Of those, the ones kept as manifest files (never patched).
    pub kept: BTreeMap<usize, BTreeSet<usize>>,
    /// The labels and annotations the app gives all its objects, per env.
    pub meta: BTreeMap<usize, Common>,
    /// The app's own `namespace`, per env, where it has one.
    pub namespaces: BTreeMap<usize, String>,
}

/// The `labels` and `annotations` parameters of an app or of the shared app.
fn meta_nodes(meta: &Common) -> Vec<Node> {
    let mut nodes = Vec::new();
    for (field, map) in [("labels", &meta.labels), ("annotations", &meta.annotations)] {
        if !map.is_empty() {
            let mut n = Node::new(field);
            for (k, v) in map {
                n = n.prop(k.clone(), extract::units::lit(v));
            }
            nodes.push(n);
        }
    }
    nodes
}

/// One app as found in each env, before it is planned.
struct Found {
    name: String,
    /// (env index, group) for each env it is in.
    groups: Vec<(usize, group::Group)>,
}

/// Decides the project for the objects of every env.
pub fn plan(
    project: &str,
    envs: &[EnvObjects],
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Plan {
    let grouped: Vec<EnvGroups> = envs.iter().map(|e| group::group(&e.objects)).collect();
    let mut plan = Plan {
        project: project.to_string(),
        ..Plan::default()
    };
    env_level(&mut plan, envs);
    let mut found: BTreeMap<String, Found> = BTreeMap::new();
    for (e, g) in grouped.iter().enumerate() {
        for app in &g.apps {
            found
                .entry(app.name.clone())
                .or_insert_with(|| Found {
                    name: app.name.clone(),
                    groups: Vec::new(),
                })
                .groups
                .push((e, app.clone()));
        }
    }
    // Valid names are the apps' own; a sanitised one must not take them.
    let mut names: BTreeSet<String> = found
        .keys()
        .filter(|n| crate::check::types::is_dns1035_label(n, MAX_APP_NAME))
        .cloned()
        .collect();
    for f in found.into_values() {
        let (app, claimed) = plan_app(&plan, envs, f, &mut names, diags);
        for (e, i) in claimed {
            plan.envs[e].namespace_objects.insert(i);
        }
        plan.apps.push(app);
    }
    shared(&mut plan, envs, &grouped, &mut names);
    for app in &mut plan.apps {
        app.comment = comment(app, envs, sources);
    }
    plan.apps.sort_by(|a, b| a.name.cmp(&b.name));
    let mut manifests = BTreeMap::new();
    for a in 0..plan.apps.len() {
        let applied: BTreeMap<usize, Common> = plan.apps[a]
            .envs
            .iter()
            .map(|&e| (e, applied(&plan, &plan.apps[a], e)))
            .collect();
        manifest_files(
            &mut plan.apps[a],
            &plan.envs,
            envs,
            &applied,
            &mut manifests,
        );
    }
    plan.manifests = manifests;
    plan
}

/// Namespaces, the Namespace objects `create-namespace` can make, and the
/// labels and annotations every object of an env (and of every env) has.
fn env_level(plan: &mut Plan, envs: &[EnvObjects]) {
    let per_env: Vec<Common> = envs
        .iter()
        .map(|e| Common {
            labels: extract::common_meta(&e.objects, "labels"),
            annotations: extract::common_meta(&e.objects, "annotations"),
        })
        .collect();
    let intersect = |pick: fn(&Common) -> &BTreeMap<String, String>| -> BTreeMap<String, String> {
        let mut out = pick(&per_env[0]).clone();
        for c in &per_env[1..] {
            out.retain(|k, v| pick(c).get(k) == Some(v));
        }
        out
    };
    if !per_env.is_empty() {
        let mut labels = intersect(|c| &c.labels);
        let kiln = kiln_labels(&plan.project, None);
        labels.retain(|k, v| kiln.get(k) != Some(v));
        plan.common = Common {
            labels,
            annotations: intersect(|c| &c.annotations),
        };
    }
    for (e, objects) in envs.iter().enumerate() {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for o in &objects.objects {
            if let Some(ns) = o.namespace() {
                *counts.entry(ns).or_default() += 1;
            }
        }
        // A Namespace named after the env is the env's (kiln renders its
        // env's so, and apps in others say `namespace`); else the one most
        // objects are in, on a tie the env's own name, then the first name.
        let own = |ns: &str| ns == objects.env;
        let declared = objects
            .objects
            .iter()
            .any(|o| o.api_version() == "v1" && o.kind() == "Namespace" && own(o.name()));
        let namespace = counts
            .iter()
            .max_by(|a, b| {
                a.1.cmp(b.1)
                    .then(own(a.0).cmp(&own(b.0)))
                    .then(b.0.cmp(a.0))
            })
            .map(|(ns, _)| ns.to_string())
            .filter(|_| !declared);
        let mut common = per_env[e].clone();
        let kiln = kiln_labels(&plan.project, Some(&objects.env));
        common
            .labels
            .retain(|k, v| plan.common.labels.get(k) != Some(v) && kiln.get(k) != Some(v));
        common
            .annotations
            .retain(|k, v| plan.common.annotations.get(k) != Some(v));
        let mut env = EnvPlan {
            name: objects.env.clone(),
            namespace: namespace.filter(|ns| *ns != objects.env),
            create_namespace: false,
            namespace_objects: BTreeSet::new(),
            common,
            vars: Vec::new(),
        };
        if let Some(i) = namespace_in_input(plan, &env, objects, env.effective_namespace()) {
            env.create_namespace = true;
            env.namespace_objects.insert(i);
        }
        plan.envs.push(env);
    }
}

/// The input's Namespace `name`, when `create-namespace` renders it exactly.
fn namespace_in_input(
    plan: &Plan,
    env: &EnvPlan,
    objects: &EnvObjects,
    name: &str,
) -> Option<usize> {
    objects
        .objects
        .iter()
        .position(|o| o.api_version() == "v1" && o.kind() == "Namespace" && o.name() == name)
        .filter(|&i| {
            compare::differences(
                &objects.objects[i].value,
                &namespace_object(plan, env, name),
            )
            .is_empty()
        })
}

/// The Namespace object `name` that `create-namespace` renders in an env.
fn namespace_object(plan: &Plan, env: &EnvPlan, name: &str) -> Json {
    let mut labels = serde_json::Map::new();
    labels.insert("app.kubernetes.io/part-of".into(), json!(plan.project));
    labels.insert("app.kubernetes.io/managed-by".into(), json!("kiln"));
    for (k, v) in plan.common.labels.iter().chain(&env.common.labels) {
        labels.insert(k.clone(), json!(v));
    }
    let mut meta = json!({"name": name, "labels": labels});
    let annotations: serde_json::Map<String, Json> = plan
        .common
        .annotations
        .iter()
        .chain(&env.common.annotations)
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    if !annotations.is_empty() {
        meta["annotations"] = Json::Object(annotations);
    }
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": meta})
}

/// The component of an app found in these envs.
fn component(envs: &[EnvObjects], f: &Found) -> Component {
    let kinds: BTreeSet<String> = f
        .groups
        .iter()
        .map(|(e, g)| envs[*e].objects[g.workload].kind().to_string())
        .collect();
    // Two workloads of one name in an env: the second's app has another
    // name, which a component would give the objects it makes.
    let renamed = f
        .groups
        .iter()
        .any(|(e, g)| envs[*e].objects[g.workload].name() != f.name);
    if kinds.len() != 1 || renamed {
        return Component::Manifests;
    }
    let (e0, g0) = &f.groups[0];
    match Workload::of(&envs[*e0].objects[g0.workload]) {
        Some(Workload::Deployment) if f.groups.iter().any(|(_, g)| g.service.is_some()) => {
            Component::WebService
        }
        Some(Workload::Deployment) => Component::Worker,
        Some(Workload::StatefulSet)
            if f.groups.iter().all(|(e, g)| {
                g.service.is_some()
                    && envs[*e].objects[g.workload].value["spec"]["serviceName"] == f.name
            }) =>
        {
            Component::StatefulService
        }
        Some(Workload::CronJob) => Component::CronJob,
        _ => Component::Manifests,
    }
}

/// Objects of a group the component does not make: kept as manifests.
fn demote(g: &mut group::Group, component: Component) {
    let keep = |slot: &mut Option<usize>, allowed: bool, out: &mut Vec<usize>| {
        if !allowed && let Some(i) = slot.take() {
            out.push(i);
        }
    };
    let mut extra = Vec::new();
    let deployment = matches!(component, Component::WebService | Component::Worker);
    keep(&mut g.service, component.serves(), &mut extra);
    keep(
        &mut g.ingress,
        component == Component::WebService,
        &mut extra,
    );
    keep(&mut g.hpa, deployment, &mut extra);
    keep(
        &mut g.pdb,
        deployment || component == Component::StatefulService,
        &mut extra,
    );
    keep(
        &mut g.service_account,
        component != Component::Manifests,
        &mut extra,
    );
    if component == Component::Manifests {
        extra.push(g.workload);
    }
    extra.extend(std::mem::take(&mut g.manifests));
    extra.sort();
    g.manifests = extra;
}

/// The namespace all of an app's namespaced objects are in, when it is not
/// the env's: the app's own `namespace`. With `create-namespace`, kiln
/// would also render that Namespace, so the input must have it (it is
/// claimed), or must hold it as an object of some app; otherwise the app
/// keeps its objects' namespaces by patches instead.
fn own_namespace(
    plan: &Plan,
    objects: &EnvObjects,
    e: usize,
    g: &group::Group,
) -> Option<(String, Option<usize>)> {
    let env = &plan.envs[e];
    let mut found: Option<&str> = None;
    for i in g.all() {
        let o = &objects.objects[i];
        if validate::is_namespaced(o.api_version(), o.kind()) == Some(false) {
            continue;
        }
        let ns = o.namespace()?;
        if *found.get_or_insert(ns) != ns {
            return None;
        }
    }
    let ns = found
        .filter(|ns| *ns != env.effective_namespace())?
        .to_string();
    if !env.create_namespace {
        return Some((ns, None));
    }
    match namespace_in_input(plan, env, objects, &ns) {
        Some(i) => Some((ns, Some(i))),
        None if objects
            .objects
            .iter()
            .any(|o| o.kind() == "Namespace" && o.name() == ns) =>
        {
            Some((ns, None))
        }
        None => None,
    }
}

/// An app, and the Namespace objects (env, object) that its own
/// `namespace` makes `create-namespace` render.
fn plan_app(
    plan: &Plan,
    envs: &[EnvObjects],
    mut f: Found,
    names: &mut BTreeSet<String>,
    diags: &mut Diagnostics,
) -> (AppPlan, Vec<(usize, usize)>) {
    let mut component = component(envs, &f);
    let mut name = f.name.clone();
    if !crate::check::types::is_dns1035_label(&name, MAX_APP_NAME) {
        let (e, g) = &f.groups[0];
        let w = &envs[*e].objects[g.workload];
        if component != Component::Manifests {
            diags.push(
                Diagnostic::warning(
                    codes::IMPORT_MANIFEST_APP,
                    format!("{} `{}` is imported as plain manifests: its name is not a valid app name", w.kind(), w.name()),
                )
                .primary(w.span, "this workload")
                .help(format!("an app's name is a DNS-1035 label of at most {MAX_APP_NAME} characters, and a component names the objects it makes after the app")),
            );
        }
        component = Component::Manifests;
        name = unique(app_name(&name), names);
    }
    let schema = stdlib_schema(component.name());
    let mut per_env: Vec<Vec<Node>> = Vec::new();
    if component != Component::Manifests {
        let mut lost = None;
        for (e, g) in &mut f.groups {
            demote(g, component);
            let a = AppEnv {
                objects: &envs[*e].objects,
                group: g,
                component,
                env: &plan.envs[*e].name,
                common: &merged_common(plan, *e),
            };
            let (nodes, lost_required) = extract::fit(extract::params(&a, diags), &schema);
            if lost_required {
                lost = Some(*e);
            }
            per_env.push(nodes);
        }
        if let Some(e) = lost {
            let g = &f
                .groups
                .iter()
                .find(|(x, _)| *x == e)
                .map(|(_, g)| g.clone())
                .unwrap_or_default();
            let w = &envs[e].objects[g.workload];
            diags.push(
                Diagnostic::warning(
                    codes::IMPORT_MANIFEST_APP,
                    format!("{} `{}` is imported as plain manifests: a value the component requires is not one kiln accepts", w.kind(), w.name()),
                )
                .primary(w.span, "this workload")
                .help("check its image reference (and the other required values) against `kiln schema`"),
            );
            component = Component::Manifests;
            per_env.clear();
        }
    }
    for (_, g) in &mut f.groups {
        demote(g, component);
    }
    let mut meta = BTreeMap::new();
    for (e, g) in &f.groups {
        let common = merged_common(plan, *e);
        let a = AppEnv {
            objects: &envs[*e].objects,
            group: g,
            component,
            env: &plan.envs[*e].name,
            common: &common,
        };
        meta.insert(
            *e,
            Common {
                labels: extract::app_meta(&a, "labels", &common.labels),
                annotations: extract::app_meta(&a, "annotations", &common.annotations),
            },
        );
    }
    if component == Component::Manifests {
        per_env = meta.values().map(meta_nodes).collect();
    }
    let mut namespaces = BTreeMap::new();
    let mut claimed = Vec::new();
    for ((e, g), nodes) in f.groups.iter().zip(&mut per_env) {
        if let Some((ns, namespace_object)) = own_namespace(plan, &envs[*e], *e, g) {
            nodes.push(Node::new("namespace").arg(ns.clone()));
            namespaces.insert(*e, ns);
            claimed.extend(namespace_object.map(|i| (*e, i)));
        }
    }
    let split = layers::split(&per_env, &stdlib_schema(component.name()));
    let mut app = AppPlan {
        name,
        component,
        envs: f.groups.iter().map(|(e, _)| *e).collect(),
        comment: String::new(),
        nodes: split.app,
        overrides: BTreeMap::new(),
        patches: Vec::new(),
        env_patches: BTreeMap::new(),
        members: BTreeMap::new(),
        kept: BTreeMap::new(),
        meta,
        namespaces,
    };
    for ((e, g), own) in f.groups.iter().zip(split.envs) {
        if !own.is_empty() {
            app.overrides.insert(*e, own);
        }
        app.members.insert(*e, g.all());
        app.kept.insert(*e, g.manifests.iter().copied().collect());
    }
    (app, claimed)
}

/// The labels kiln gives every object of the project (and of env `env`):
/// the input's labels equal to these need not be written.
fn kiln_labels(project: &str, env: Option<&str>) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::from([
        ("app.kubernetes.io/part-of".to_string(), project.to_string()),
        (
            "app.kubernetes.io/managed-by".to_string(),
            "kiln".to_string(),
        ),
    ]);
    if let Some(env) = env {
        labels.insert("app.kubernetes.io/instance".into(), env.to_string());
    }
    labels
}

/// The labels and annotations every object of env `e` gets from above
/// its app: kiln's own, the project's, the env's.
fn merged_common(plan: &Plan, e: usize) -> Common {
    let mut c = Common {
        labels: kiln_labels(&plan.project, Some(&plan.envs[e].name)),
        ..Common::default()
    };
    c.labels.extend(plan.common.labels.clone());
    c.annotations.extend(plan.common.annotations.clone());
    c.labels.extend(plan.envs[e].common.labels.clone());
    c.annotations
        .extend(plan.envs[e].common.annotations.clone());
    c
}

/// The labels and annotations the renderer puts on every object of `app`
/// in env `e`: kiln's own labels, then the project's, the env's, the app's.
fn applied(plan: &Plan, app: &AppPlan, e: usize) -> Common {
    let mut c = Common::default();
    c.labels
        .insert("app.kubernetes.io/name".into(), app.name.clone());
    let above = merged_common(plan, e);
    let own = app.meta.get(&e).cloned().unwrap_or_default();
    c.labels.extend(above.labels.into_iter().chain(own.labels));
    c.annotations
        .extend(above.annotations.into_iter().chain(own.annotations));
    c
}

/// A valid app name made from any name.
fn app_name(s: &str) -> String {
    let mut n = crate::check::types::dns_label(s);
    if !n.starts_with(|c: char| c.is_ascii_lowercase()) {
        n = format!("app-{n}");
    }
    n.truncate(MAX_APP_NAME);
    n.trim_end_matches('-').to_string()
}

/// `name`, or `name-2`, `name-3`… when it is taken.
fn unique(name: String, names: &mut BTreeSet<String>) -> String {
    let mut n = name.clone();
    let mut i = 2;
    while !names.insert(n.clone()) {
        let suffix = format!("-{i}");
        let mut base = name.clone();
        base.truncate(MAX_APP_NAME - suffix.len());
        n = format!("{base}{suffix}");
        i += 1;
    }
    n
}

/// The app of objects that belong to no app (or to several): a
/// `manifests` app named `shared`, and the Namespace objects
/// `create-namespace` cannot make.
fn shared(
    plan: &mut Plan,
    envs: &[EnvObjects],
    grouped: &[EnvGroups],
    names: &mut BTreeSet<String>,
) {
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (e, g) in grouped.iter().enumerate() {
        let list: Vec<usize> = g
            .shared
            .iter()
            .copied()
            .filter(|i| !plan.envs[e].namespace_objects.contains(i))
            .collect();
        if !list.is_empty() {
            members.insert(e, list);
        }
    }
    if members.is_empty() {
        return;
    }
    let name = unique("shared".to_string(), names);
    let schema = stdlib_schema(Component::Manifests.name());
    let meta: BTreeMap<usize, Common> = members
        .iter()
        .map(|(e, list)| {
            let common = merged_common(plan, *e);
            let mut m = Common::default();
            for (field, above, out) in [
                ("labels", &common.labels, &mut m.labels),
                ("annotations", &common.annotations, &mut m.annotations),
            ] {
                *out = extract::common_meta(list.iter().map(|&i| &envs[*e].objects[i]), field);
                out.retain(|k, v| above.get(k) != Some(v));
            }
            (*e, m)
        })
        .collect();
    let per_env: Vec<Vec<Node>> = meta
        .values()
        .map(|m| extract::fit(meta_nodes(m), &schema).0)
        .collect();
    let split = layers::split(&per_env, &schema);
    let mut app = AppPlan {
        name,
        component: Component::Manifests,
        envs: members.keys().copied().collect(),
        comment: String::new(),
        nodes: split.app,
        overrides: BTreeMap::new(),
        patches: Vec::new(),
        env_patches: BTreeMap::new(),
        kept: members
            .iter()
            .map(|(e, l)| (*e, l.iter().copied().collect()))
            .collect(),
        members,
        meta,
        namespaces: BTreeMap::new(),
    };
    for (e, own) in app.envs.clone().into_iter().zip(split.envs) {
        if !own.is_empty() {
            app.overrides.insert(e, own);
        }
    }
    plan.apps.push(app);
}

/// "Imported from Deployment/web, Service/web in dev.yaml (dev), …".
fn comment(app: &AppPlan, envs: &[EnvObjects], sources: &Sources) -> String {
    let mut objects: Vec<String> = Vec::new();
    let mut files: Vec<String> = Vec::new();
    for (e, list) in &app.members {
        let mut names: BTreeSet<String> = BTreeSet::new();
        for &i in list {
            let o = &envs[*e].objects[i];
            let id = o.id();
            if !objects.contains(&id) {
                objects.push(id);
            }
            names.insert(sources.get(o.span.file).name.clone());
        }
        files.push(format!(
            "{} ({})",
            names.into_iter().collect::<Vec<_>>().join(", "),
            envs[*e].env
        ));
    }
    let what = if app.component == Component::Manifests && app.name.starts_with("shared") {
        "Objects that belong to no one app".to_string()
    } else {
        "Imported".to_string()
    };
    format!("{what}: {}\nfrom {}.", objects.join(", "), files.join(", "))
}

/// Writes the app's kept objects as files and names them with `manifest`:
/// in the app when the file is the same in every env of the app, else in
/// each env's block.
fn manifest_files(
    app: &mut AppPlan,
    env_plans: &[EnvPlan],
    envs: &[EnvObjects],
    applied: &BTreeMap<usize, Common>,
    out: &mut BTreeMap<String, Vec<u8>>,
) {
    // File name → (env → bytes).
    let mut files: BTreeMap<String, BTreeMap<usize, Vec<u8>>> = BTreeMap::new();
    for (e, kept) in &app.kept {
        let mut taken: BTreeSet<String> = BTreeSet::new();
        for &i in kept {
            let o = &envs[*e].objects[i];
            let mut value = o.value.clone();
            let ns = app
                .namespaces
                .get(e)
                .map(String::as_str)
                .unwrap_or(env_plans[*e].effective_namespace());
            if let Some(m) = value["metadata"].as_object_mut() {
                if o.namespace() == Some(ns)
                    && validate::is_namespaced(o.api_version(), o.kind()) != Some(false)
                {
                    m.shift_remove("namespace");
                }
                // What the renderer adds back, with the same values, need not be written.
                if let Some(a) = applied.get(e) {
                    for (field, map) in [("labels", &a.labels), ("annotations", &a.annotations)] {
                        if let Some(Json::Object(have)) = m.get_mut(field) {
                            have.retain(|k, v| map.get(k).map(|x| json!(x)).as_ref() != Some(v));
                            if have.is_empty() {
                                m.shift_remove(field);
                            }
                        }
                    }
                }
            }
            let mut file = format!(
                "{}-{}.yaml",
                o.kind().to_lowercase(),
                crate::check::types::dns_label(o.name())
            );
            if !taken.insert(file.clone()) {
                file = format!(
                    "{}-{}-{}.yaml",
                    o.kind().to_lowercase(),
                    crate::check::types::dns_label(o.name()),
                    o.namespace().unwrap_or("cluster")
                );
                taken.insert(file.clone());
            }
            files
                .entry(file)
                .or_default()
                .insert(*e, manifest_text(&value));
        }
    }
    for (file, by_env) in files {
        let first = by_env.values().next().cloned().unwrap_or_default();
        if by_env.len() == app.envs.len() && by_env.values().all(|b| *b == first) {
            let path = format!("manifests/{}/{file}", app.name);
            app.nodes
                .push(Node::new("manifest").arg(format!("../{path}")));
            out.insert(path, first);
        } else {
            for (e, bytes) in by_env {
                let path = format!("manifests/{}/{}/{file}", app.name, env_plans[e].name);
                app.overrides
                    .entry(e)
                    .or_default()
                    .push(Node::new("manifest").arg(format!("../{path}")));
                out.insert(path, bytes);
            }
        }
    }
}

/// An object as a manifest file: YAML that kiln's string templates leave
/// as it is (a file with `{{` is wrapped in a raw block, behind YAML
/// comments so that it stays YAML).
pub fn manifest_text(value: &Json) -> Vec<u8> {
    let text = yaml::to_yaml(value);
    if text.contains("{{") || text.contains("{%") || text.contains("{#") {
        format!("# {{% raw %}}\n{text}# {{% endraw %}}\n").into_bytes()
    } else {
        text.into_bytes()
    }
}
