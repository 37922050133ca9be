//! The plan as files: `kiln.kdl` (the project), `envs/<env>.kdl`,
//! `apps/<app>.kdl` and `manifests/…`, formatted as `kiln fmt` would.

use super::kdl::{Node, write_comment, write_node};
use super::plan::{AppPlan, Plan};
use crate::check::value::Value;
use crate::world::MemWorld;

/// Every file of the project, in a world rooted at `root`.
pub fn world(plan: &Plan, root: &str, inputs: &str) -> MemWorld {
    let mut w = MemWorld::new(root);
    w.insert("kiln.kdl", formatted(project(plan, inputs)));
    for (e, env) in plan.envs.iter().enumerate() {
        let mut n = Node::new("env").arg(env.name.clone());
        if let Some(ns) = &env.namespace {
            n = n.child(Node::new("namespace").arg(ns.clone()));
        }
        if env.create_namespace {
            n = n.child(Node::new("create-namespace").arg(true));
        }
        if !env.vars.is_empty() {
            let mut vars = Node::new("vars");
            for (k, v) in &env.vars {
                vars = vars.prop(k.clone(), v.clone());
            }
            n = n.child(vars);
        }
        for (field, map) in [
            ("labels", &env.common.labels),
            ("annotations", &env.common.annotations),
        ] {
            if let Some(m) = map_node(field, map) {
                n = n.child(m);
            }
        }
        for app in &plan.apps {
            let mut block: Vec<Node> = app.overrides.get(&e).cloned().unwrap_or_default();
            block.extend(app.env_patches.get(&e).cloned().unwrap_or_default());
            if !block.is_empty() {
                let mut a = Node::new("app").arg(app.name.clone());
                a.children = block;
                n = n.child(a);
            }
        }
        let mut text = String::new();
        write_node(&mut text, &n, 0);
        w.insert(&format!("envs/{}.kdl", env.name), formatted(text));
    }
    for app in &plan.apps {
        w.insert(
            &format!("apps/{}.kdl", app.name),
            formatted(app_text(app, plan)),
        );
    }
    for (path, bytes) in plan.manifests.iter().chain(&plan.crds.files) {
        w.insert(path, bytes.clone());
    }
    w
}

fn project(plan: &Plan, inputs: &str) -> String {
    let mut out = String::new();
    write_comment(
        &mut out,
        &format!("Imported by `kiln import` from {inputs}."),
        0,
    );
    let mut p = Node::new("project").arg(plan.project.clone());
    for (field, map) in [
        ("labels", &plan.common.labels),
        ("annotations", &plan.common.annotations),
    ] {
        if let Some(m) = map_node(field, map) {
            p = p.child(m);
        }
    }
    let mut crds = Node::new("crds");
    if !plan.crds.files.is_empty() {
        crds = crds.arg(super::crds::FOLDER);
    }
    if plan.crds.allow_unknown {
        crds = crds.prop("allow-unknown", Value::Bool(true));
    }
    if !plan.crds.files.is_empty() || plan.crds.allow_unknown {
        p = p.child(crds);
    }
    write_node(&mut out, &p, 0);
    out
}

fn map_node(name: &str, map: &std::collections::BTreeMap<String, String>) -> Option<Node> {
    if map.is_empty() {
        return None;
    }
    let mut n = Node::new(name);
    for (k, v) in map {
        n = n.prop(
            k.clone(),
            Value::String(super::extract::units::escape_template(v)),
        );
    }
    Some(n)
}

fn app_text(app: &AppPlan, plan: &Plan) -> String {
    let mut out = String::new();
    write_comment(&mut out, &app.comment, 0);
    let mut n = Node::new("app").arg(app.name.clone());
    if app.component.name() != "web-service" {
        n = n.prop("component", app.component.name());
    }
    if app.envs.len() < plan.envs.len() {
        let mut envs = Node::new("envs");
        envs.args = app
            .envs
            .iter()
            .map(|&e| Value::String(plan.envs[e].name.clone()))
            .collect();
        n = n.child(envs);
    }
    n.children.extend(app.nodes.iter().cloned());
    n.children.extend(app.patches.iter().cloned());
    write_node(&mut out, &n, 0);
    out
}

/// The text in canonical layout; kiln's formatter has the last word, so
/// that `kiln fmt --check` passes on what import writes.
fn formatted(text: String) -> Vec<u8> {
    crate::editor::kdlfmt::format(&text)
        .unwrap_or(text)
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::extract::Component;
    use crate::import::plan::EnvPlan;
    use std::collections::BTreeMap;

    #[test]
    fn files_of_a_small_plan() {
        let plan = Plan {
            project: "shop".into(),
            envs: vec![
                EnvPlan {
                    name: "dev".into(),
                    namespace: Some("shop-dev".into()),
                    ..EnvPlan::default()
                },
                EnvPlan {
                    name: "prod".into(),
                    ..EnvPlan::default()
                },
            ],
            apps: vec![AppPlan {
                name: "web".into(),
                component: Component::Worker,
                envs: vec![0],
                comment: "Imported: Deployment/web\nfrom dev.yaml (dev).".into(),
                nodes: vec![Node::new("image").arg("nginx:1")],
                overrides: BTreeMap::from([(0, vec![Node::new("replicas").arg(2i64)])]),
                patches: Vec::new(),
                env_patches: BTreeMap::new(),
                members: BTreeMap::new(),
                kept: BTreeMap::new(),
                meta: BTreeMap::new(),
                namespaces: BTreeMap::new(),
            }],
            ..Plan::default()
        };
        let w = world(&plan, "/p", "dev=dev.yaml");
        let files: BTreeMap<String, String> = w
            .files()
            .map(|(n, b)| (n, String::from_utf8(b.to_vec()).unwrap()))
            .collect();
        assert_eq!(
            files["apps/web.kdl"],
            "// Imported: Deployment/web\n// from dev.yaml (dev).\napp \"web\" component=\"worker\" {\n    envs \"dev\"\n    image \"nginx:1\"\n}\n"
        );
        assert_eq!(
            files["envs/dev.kdl"],
            "env \"dev\" {\n    namespace \"shop-dev\"\n    app \"web\" {\n        replicas 2\n    }\n}\n"
        );
        assert_eq!(files["envs/prod.kdl"], "env \"prod\"\n");
        assert_eq!(
            files["kiln.kdl"],
            "// Imported by `kiln import` from dev=dev.yaml.\nproject \"shop\"\n"
        );
    }
}
