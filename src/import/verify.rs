//! Rendering the imported project in memory, with the pipeline every
//! command uses, and holding it against the input: first to make the
//! patches that keep what the parameters cannot say, then to prove that
//! every env renders the input's objects, object by object and field by
//! field.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::compare::{self, Difference};
use super::crds::Knowledge;
use super::kdl::Node;
use super::plan::Plan;
use super::read::{EnvObjects, Object};
use crate::check::value::Value;
use crate::compile::{self, Compiled, Request, Selection};
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::render::yaml;
use crate::span::Sources;
use crate::world::MemWorld;

/// Every env of the project in `world`, rendered.
pub fn render(world: &MemWorld) -> Compiled {
    let req = Request {
        selection: Selection::All,
        ..Request::default()
    };
    compile::compile(world, world.root(), &req, None)
}

/// One rendered object and the app that made it.
struct Rendered {
    app: String,
    value: Json,
}

/// The objects of each env (by env name), the Namespace objects first.
fn objects(compiled: &Compiled) -> BTreeMap<String, Vec<Rendered>> {
    let mut out = BTreeMap::new();
    for env in &compiled.envs {
        let mut list = Vec::new();
        for bytes in env.namespace_objects.values() {
            for v in parse(bytes) {
                list.push(Rendered {
                    app: String::new(),
                    value: v,
                });
            }
        }
        for (app, files) in &env.apps {
            for bytes in files.files.values() {
                for v in parse(bytes) {
                    list.push(Rendered {
                        app: app.clone(),
                        value: v,
                    });
                }
            }
        }
        out.insert(env.env.clone(), list);
    }
    out
}

fn parse(bytes: &[u8]) -> Vec<Json> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|t| yaml::from_yaml_documents(t).ok())
        .unwrap_or_default()
}

/// A patch operation: `set` (with the value) or `remove`.
#[derive(Clone, Debug, PartialEq)]
struct Op {
    pointer: String,
    value: Option<Json>,
}

/// Paths a patch never writes: a workload's selector comes from the
/// component (`selector-labels`), or is reported.
fn patchable(kind: &str, d: &Difference) -> bool {
    let workload = matches!(
        kind,
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job"
    );
    !(workload
        && d.path.first().is_some_and(|p| p == "spec")
        && d.path.get(1).is_some_and(|p| p == "selector"))
}

fn ops(kind: &str, diffs: &[Difference]) -> Vec<Op> {
    diffs
        .iter()
        .filter(|d| patchable(kind, d))
        .filter_map(|d| match (&d.before, d.after_written) {
            (Some(v), _) => Some(Op {
                pointer: d.pointer(),
                value: Some(v.clone()),
            }),
            (None, true) => Some(Op {
                pointer: d.pointer(),
                value: None,
            }),
            (None, false) => None,
        })
        .collect()
}

/// Fills the plan's patches from a render of the plan without them.
pub fn patches(plan: &mut Plan, envs: &[EnvObjects], compiled: &Compiled) {
    let rendered = objects(compiled);
    for app in &mut plan.apps {
        // target → env → operations
        let mut by_target: BTreeMap<String, BTreeMap<usize, Vec<Op>>> = BTreeMap::new();
        for &e in &app.envs {
            let env = &plan.envs[e];
            let Some(list) = rendered.get(&env.name) else {
                continue;
            };
            let kept = app.kept.get(&e).cloned().unwrap_or_default();
            for &i in app.members.get(&e).into_iter().flatten() {
                if kept.contains(&i) {
                    continue;
                }
                let o = &envs[e].objects[i];
                let Some(r) = list.iter().find(|r| {
                    r.app == app.name
                        && r.value["kind"] == o.kind()
                        && r.value["metadata"]["name"] == o.name()
                }) else {
                    continue;
                };
                let ops = ops(o.kind(), &compare::differences(&o.value, &r.value));
                if !ops.is_empty() {
                    by_target.entry(o.id()).or_default().insert(e, ops);
                }
            }
        }
        app.patches.clear();
        app.env_patches.clear();
        for (target, per_env) in by_target {
            let everywhere: Vec<Op> = match per_env.get(&app.envs[0]) {
                Some(first) if per_env.len() == app.envs.len() => first
                    .iter()
                    .filter(|op| per_env.values().all(|ops| ops.contains(op)))
                    .cloned()
                    .collect(),
                _ => Vec::new(),
            };
            if !everywhere.is_empty() {
                app.patches.push(patch_node(&target, &everywhere));
            }
            for (e, ops) in per_env {
                let own: Vec<Op> = ops
                    .into_iter()
                    .filter(|op| !everywhere.contains(op))
                    .collect();
                if !own.is_empty() {
                    app.env_patches
                        .entry(e)
                        .or_default()
                        .push(patch_node(&target, &own));
                }
            }
        }
    }
}

fn patch_node(target: &str, ops: &[Op]) -> Node {
    let mut n = Node::new("patch").arg(target);
    for op in ops {
        n = n.child(match &op.value {
            None => Node::new("remove").arg(op.pointer.clone()),
            Some(v) => match scalar(v) {
                Some(s) => Node::new("set").arg(op.pointer.clone()).arg(s),
                None => Node::new("set")
                    .arg(op.pointer.clone())
                    .prop("json", v.to_string()),
            },
        });
    }
    n
}

/// A JSON scalar as the KDL value a patch's `set` turns back into it.
fn scalar(v: &Json) -> Option<Value> {
    Some(match v {
        Json::String(s) => Value::String(s.clone()),
        Json::Bool(b) => Value::Bool(*b),
        Json::Null => Value::Null,
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i128::from(i)),
            None => match n.as_u64() {
                Some(u) => Value::Int(i128::from(u)),
                None => Value::Float(n.as_f64()?),
            },
        },
        _ => return None,
    })
}

/// The number of patch operations the plan holds.
pub fn count_ops(plan: &Plan) -> usize {
    plan.apps
        .iter()
        .flat_map(|a| a.patches.iter().chain(a.env_patches.values().flatten()))
        .map(|p| p.children.len())
        .sum()
}

/// Compares every env's render with its input; every difference, missing
/// or extra object is an error.
pub fn verify(
    plan: &Plan,
    envs: &[EnvObjects],
    compiled: &Compiled,
    sources: &Sources,
    diags: &mut Diagnostics,
) {
    let rendered = objects(compiled);
    for (e, input) in envs.iter().enumerate() {
        let env = &plan.envs[e];
        let ns = env.effective_namespace();
        let scopes = &plan.crds;
        let mut got: BTreeMap<(String, String, String), &Json> = BTreeMap::new();
        for r in rendered.get(&env.name).into_iter().flatten() {
            got.insert(key(&r.value, "", scopes), &r.value);
        }
        for o in &input.objects {
            let k = key(&o.value, ns, scopes);
            match got.remove(&k) {
                None => diags.push(
                    Diagnostic::error(
                        codes::IMPORT_DIFFERENCE,
                        format!(
                            "{} `{}` of env `{}` is not rendered by the imported project",
                            o.kind(),
                            o.name(),
                            env.name
                        ),
                    )
                    .primary(o.span, "this object")
                    .help(NOT_WRITTEN),
                ),
                Some(r) => {
                    let differences = if scopes.cluster_scoped(o.api_version(), o.kind()) {
                        compare::differences_cluster_scoped(&o.value, r)
                    } else {
                        compare::differences(&o.value, r)
                    };
                    for d in differences {
                        diags.push(difference(o, &d, &env.name, sources));
                    }
                }
            }
        }
        for ((kind, _, name), _) in got {
            diags.push(
                Diagnostic::error(
                    codes::IMPORT_DIFFERENCE,
                    format!("the imported project renders {kind} `{name}` in env `{}`, which its input does not have", env.name),
                )
                .help(NOT_WRITTEN),
            );
        }
    }
}

const NOT_WRITTEN: &str = "nothing was written: the imported project would not render the input as it is; `--force` writes it anyway";

/// (kind, namespace, name), the namespace defaulted to the env's for a
/// namespaced (or unknown) kind that has none, and none for a
/// cluster-scoped kind (a namespace rendered on one is a difference).
fn key(v: &Json, env_ns: &str, scopes: &Knowledge) -> (String, String, String) {
    let kind = v["kind"].as_str().unwrap_or_default().to_string();
    let api = v["apiVersion"].as_str().unwrap_or_default();
    let ns = match v["metadata"]["namespace"].as_str() {
        _ if scopes.cluster_scoped(api, &kind) => String::new(),
        Some(ns) => ns.to_string(),
        None => env_ns.to_string(),
    };
    (
        kind,
        ns,
        v["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

fn difference(o: &Object, d: &Difference, env: &str, sources: &Sources) -> Diagnostic {
    let show = |v: &Option<Json>| match v {
        None => "nothing".to_string(),
        Some(v) if o.kind() == "Secret" => format!(
            "`{}`",
            if v.is_string() {
                "(a value)"
            } else {
                "(values)"
            }
        ),
        Some(v) => {
            let t = v.to_string();
            if t.chars().count() > 60 {
                format!("`{}…`", t.chars().take(60).collect::<String>())
            } else {
                format!("`{t}`")
            }
        }
    };
    Diagnostic::error(
        codes::IMPORT_DIFFERENCE,
        format!(
            "{} `{}` of env `{}` differs at `{}`: the input has {}, the imported project renders {}",
            o.kind(),
            o.name(),
            env,
            d.pointer(),
            show(&d.before),
            show(&d.after)
        ),
    )
    .primary(o.field_span(sources, &d.path), "in this object")
    .help(NOT_WRITTEN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_and_structures_become_set_and_remove() {
        let ops = vec![
            Op {
                pointer: "/spec/replicas".into(),
                value: Some(json!(3)),
            },
            Op {
                pointer: "/spec/x".into(),
                value: Some(json!(["ALL"])),
            },
            Op {
                pointer: "/spec/y".into(),
                value: None,
            },
            Op {
                pointer: "/metadata/labels/a~1b".into(),
                value: Some(json!("it's \"quoted\"")),
            },
        ];
        let mut text = String::new();
        crate::import::kdl::write_node(&mut text, &patch_node("Deployment/web", &ops), 0);
        assert_eq!(
            text,
            "patch \"Deployment/web\" {\n    set \"/spec/replicas\" 3\n    set \"/spec/x\" json=#\"[\"ALL\"]\"#\n    remove \"/spec/y\"\n    set \"/metadata/labels/a~1b\" #\"it's \"quoted\"\"#\n}\n"
        );
    }

    #[test]
    fn a_cluster_scoped_object_is_keyed_without_a_namespace() {
        let scopes = Knowledge::default();
        let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "r"}});
        let mut namespaced = role.clone();
        namespaced["metadata"]["namespace"] = json!("staging");
        // Input and render meet, so that the namespace is compared.
        assert_eq!(
            key(&role, "staging", &scopes),
            key(&namespaced, "", &scopes)
        );
        assert_eq!(key(&role, "staging", &scopes).1, "");
        let deployment =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}});
        assert_eq!(key(&deployment, "staging", &scopes).1, "staging");
    }

    #[test]
    fn a_workload_selector_is_never_patched() {
        let d = Difference {
            path: vec!["spec".into(), "selector".into(), "matchExpressions".into()],
            before: Some(json!([])),
            after: None,
            after_written: false,
        };
        assert!(ops("Deployment", std::slice::from_ref(&d)).is_empty());
        assert_eq!(ops("Service", &[d]).len(), 1);
    }
}
