//! Parameter extraction: one app's objects in one env → the parameters of
//! its component, in the language's own units. Whatever the parameters do
//! not say exactly is left to patches, which are made later from what the
//! parameters render (`verify`).

mod fit;
mod pod;
pub mod units;

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value as Json, json};

pub use fit::{accepts, fit};
use pod::{Pod, Role};
use units::{duration, int, int_or_percent, lit, string};

use super::group::{Group, pod_template};
use super::kdl::Node;
use super::read::{Object, scalar_text};
use crate::diag::{Diagnostic, Diagnostics, codes};

/// The component an app is imported with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Component {
    WebService,
    Worker,
    StatefulService,
    CronJob,
    /// No component makes the workload: the app is its manifests.
    Manifests,
}

impl Component {
    /// The component's name in KDL.
    pub fn name(self) -> &'static str {
        match self {
            Component::WebService => "web-service",
            Component::Worker => "worker",
            Component::StatefulService => "stateful-service",
            Component::CronJob => "cron-job",
            Component::Manifests => "manifests",
        }
    }

    /// Whether the component makes the app's Service.
    pub fn serves(self) -> bool {
        matches!(self, Component::WebService | Component::StatefulService)
    }
}

/// One app in one env, as extraction sees it.
pub struct AppEnv<'a> {
    pub objects: &'a [Object],
    pub group: &'a Group,
    pub component: Component,
    pub env: &'a str,
    /// Labels and annotations the project and env give every object.
    pub common: &'a Common,
}

/// Labels and annotations set above the app (project and env).
#[derive(Clone, Debug, Default)]
pub struct Common {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

/// The selector kiln gives an app's pods by default.
pub fn default_selector(app: &str, env: &str) -> Map<String, Json> {
    Map::from_iter([
        ("app.kubernetes.io/name".to_string(), json!(app)),
        ("app.kubernetes.io/instance".to_string(), json!(env)),
    ])
}

/// The parameters of a component app in one env.
pub fn params(a: &AppEnv<'_>, diags: &mut Diagnostics) -> Vec<Node> {
    let w = &a.objects[a.group.workload];
    let template = pod_template(&w.value);
    let spec = &template["spec"];
    let selector = selector(a, w, template, diags);
    let claims: HashMap<String, &Json> = w.value["spec"]["volumeClaimTemplates"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|_| a.component == Component::StatefulService)
        .filter_map(|t| Some((t["metadata"]["name"].as_str()?.to_string(), t)))
        .collect();
    let pod = Pod {
        volumes: pod::volume_plan(spec, &claims),
        claims,
        service: a
            .group
            .service
            .filter(|_| a.component.serves())
            .map(|i| &a.objects[i].value),
        serves: a.component.serves(),
        span: w.span,
        object: format!("{} `{}`", w.kind(), w.name()),
    };
    let mut out = Vec::new();
    let main = &spec["containers"][0];
    if let Some(name) = main["name"].as_str().filter(|n| *n != a.group.name) {
        out.push(Node::new("container-name").arg(name));
    }
    pod::container(main, Role::Main, &pod, &mut out, diags);
    match a.component {
        Component::WebService | Component::Worker => deployment(a, &w.value, &mut out),
        Component::StatefulService => statefulset(a, &w.value, &mut out),
        Component::CronJob => cronjob(&w.value, &mut out),
        Component::Manifests => {}
    }
    pod::pod_params(
        template,
        &selector,
        a.group.service_account.is_some(),
        &pod,
        &mut out,
        diags,
    );
    if selector != default_selector(&a.group.name, a.env) && !selector.is_empty() {
        pod::map_param("selector-labels", &Json::Object(selector), &mut out);
    }
    for (field, param, common) in [
        ("labels", "labels", &a.common.labels),
        ("annotations", "annotations", &a.common.annotations),
    ] {
        let shared = app_meta(a, field, common);
        if !shared.is_empty() {
            let mut n = Node::new(param);
            for (k, v) in shared {
                n = n.prop(k, lit(&v));
            }
            out.push(n);
        }
    }
    out
}

/// The labels (or annotations) every object of the app carries, less
/// those the project or env gives every object anyway.
pub fn app_meta(
    a: &AppEnv<'_>,
    field: &str,
    common: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut shared = common_meta(a.group.all().into_iter().map(|i| &a.objects[i]), field);
    // kiln names every object after its app anyway.
    shared.retain(|k, v| {
        common.get(k) != Some(v)
            && !(field == "labels" && k == "app.kubernetes.io/name" && *v == a.group.name)
    });
    shared
}

/// The selector the app keeps: the workload's `matchLabels` (a CronJob's
/// pod labels). A selector no component can write is reported.
fn selector(
    a: &AppEnv<'_>,
    w: &Object,
    template: &Json,
    diags: &mut Diagnostics,
) -> Map<String, Json> {
    let pod_labels = template["metadata"]["labels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    if a.component == Component::CronJob {
        return pod_labels;
    }
    let sel = &w.value["spec"]["selector"];
    let match_labels = sel["matchLabels"].as_object().cloned().unwrap_or_default();
    let problem = if sel
        .get("matchExpressions")
        .is_some_and(|e| e.as_array().is_none_or(|l| !l.is_empty()))
    {
        Some("it uses `matchExpressions`, which `selector-labels` cannot write".to_string())
    } else if match_labels.is_empty() {
        Some("it has no `matchLabels`".to_string())
    } else if let Some((k, _)) = match_labels
        .iter()
        .find(|(k, v)| pod_labels.get(*k) != Some(*v))
    {
        Some(format!("its pods do not carry its label `{k}`"))
    } else if let Some((k, _)) = match_labels.iter().find(|(_, v)| !v.is_string()) {
        Some(format!("its label `{k}` is not a string"))
    } else {
        None
    };
    if let Some(why) = problem {
        diags.push(
            Diagnostic::error(
                codes::IMPORT_SELECTOR,
                format!("the selector of {} `{}` in env `{}` cannot be kept: {why}", w.kind(), w.name(), a.env),
            )
            .primary(w.span, "this workload")
            .help("Kubernetes never lets a selector change, and a standard component selects pods by `selector-labels K=V…` only: give the workload a `matchLabels` selector its pods carry (a new workload), or keep it as a plain manifest"),
        );
    }
    match_labels
}

fn deployment(a: &AppEnv<'_>, d: &Json, out: &mut Vec<Node>) {
    let s = &d["spec"];
    if a.group.hpa.is_none()
        && let Some(r) = s["replicas"].as_i64().filter(|r| *r != 1)
    {
        out.push(Node::new("replicas").arg(r));
    }
    let st = &s["strategy"];
    let ru = &st["rollingUpdate"];
    match st["type"].as_str() {
        Some("Recreate") => out.push(Node::new("strategy").arg("recreate")),
        Some("RollingUpdate") => out.push(
            Node::new("strategy")
                .arg("rolling")
                .prop_opt("max-surge", int_or_percent(&ru["maxSurge"]))
                .prop_opt("max-unavailable", int_or_percent(&ru["maxUnavailable"])),
        ),
        _ => {}
    }
    if let Some(v) = duration(&s["minReadySeconds"]) {
        out.push(Node::new("min-ready").arg(v));
    }
    if let Some(v) = int(&s["revisionHistoryLimit"]) {
        out.push(Node::new("revision-history").arg(v));
    }
    if let Some(v) = duration(&s["progressDeadlineSeconds"]) {
        out.push(Node::new("progress-deadline").arg(v));
    }
    if let Some(h) = a.group.hpa {
        out.push(autoscale(&a.objects[h].value));
    }
    if let Some(p) = a.group.pdb {
        out.push(pdb(&a.objects[p].value));
    }
    if a.component == Component::WebService {
        if let Some(svc) = a.group.service {
            service(&a.objects[svc].value, out);
        }
        if let Some(ing) = a.group.ingress {
            ingress(&a.objects[ing].value, a, out);
        }
    }
}

fn statefulset(a: &AppEnv<'_>, d: &Json, out: &mut Vec<Node>) {
    let s = &d["spec"];
    if let Some(r) = s["replicas"].as_i64().filter(|r| *r != 1) {
        out.push(Node::new("replicas").arg(r));
    }
    if let Some(v) = duration(&s["minReadySeconds"]) {
        out.push(Node::new("min-ready").arg(v));
    }
    if let Some(v) = int(&s["revisionHistoryLimit"]) {
        out.push(Node::new("revision-history").arg(v));
    }
    if s["podManagementPolicy"] == "Parallel" {
        out.push(Node::new("pod-management").arg("parallel"));
    }
    if let Some(p) = a.group.pdb {
        out.push(pdb(&a.objects[p].value));
    }
}

fn cronjob(c: &Json, out: &mut Vec<Node>) {
    let s = &c["spec"];
    if let Some(v) = string(&s["schedule"]) {
        out.push(Node::new("schedule").arg(v));
    }
    if let Some(v) = string(&s["timeZone"]) {
        out.push(Node::new("timezone").arg(v));
    }
    if let Some(v) = s["concurrencyPolicy"].as_str() {
        out.push(Node::new("concurrency").arg(v.to_lowercase()));
    }
    if let Some(v) = s["suspend"].as_bool() {
        out.push(Node::new("suspend").arg(v));
    }
    if let Some(v) = duration(&s["startingDeadlineSeconds"]) {
        out.push(Node::new("starting-deadline").arg(v));
    }
    let history = Node::new("history-limit")
        .prop_opt("successful", int(&s["successfulJobsHistoryLimit"]))
        .prop_opt("failed", int(&s["failedJobsHistoryLimit"]));
    if !history.props.is_empty() {
        out.push(history);
    }
    let job = &s["jobTemplate"]["spec"];
    if let Some(v) = int(&job["backoffLimit"]) {
        out.push(Node::new("backoff-limit").arg(v));
    }
    if let Some(v) = duration(&job["activeDeadlineSeconds"]) {
        out.push(Node::new("deadline").arg(v));
    }
    if let Some(v) = duration(&job["ttlSecondsAfterFinished"]) {
        out.push(Node::new("ttl-after-finished").arg(v));
    }
    if job["template"]["spec"]["restartPolicy"] == "Never" {
        out.push(Node::new("restart").arg("never"));
    }
}

/// `autoscale` from an HPA; metrics only when they are the CPU and memory
/// utilization targets the template writes, in its order.
fn autoscale(h: &Json) -> Node {
    let s = &h["spec"];
    let mut n = Node::new("autoscale")
        .prop_opt("min", int(&s["minReplicas"]))
        .prop_opt("max", int(&s["maxReplicas"]));
    let mut targets: Vec<(String, i64)> = Vec::new();
    for m in s["metrics"].as_array().into_iter().flatten() {
        let r = &m["resource"];
        match (
            m["type"].as_str(),
            r["name"].as_str(),
            r["target"]["type"].as_str(),
            r["target"]["averageUtilization"].as_i64(),
        ) {
            (Some("Resource"), Some(name @ ("cpu" | "memory")), Some("Utilization"), Some(u))
                if m.as_object().is_some_and(|o| o.len() == 2)
                    && r["target"].as_object().is_some_and(|t| t.len() == 2) =>
            {
                targets.push((name.to_string(), u));
            }
            _ => return n,
        }
    }
    let names: Vec<&str> = targets.iter().map(|(n, _)| n.as_str()).collect();
    if matches!(names[..], [] | ["cpu"] | ["memory"] | ["cpu", "memory"]) {
        for (name, u) in targets {
            n = n.prop(name, u);
        }
    }
    n
}

fn pdb(p: &Json) -> Node {
    let s = &p["spec"];
    Node::new("pdb")
        .prop_opt("min-available", int_or_percent(&s["minAvailable"]))
        .prop_opt("max-unavailable", int_or_percent(&s["maxUnavailable"]))
}

fn service(svc: &Json, out: &mut Vec<Node>) {
    let ty = svc["spec"]["type"].as_str().filter(|t| *t != "ClusterIP");
    let annotations = svc["metadata"]["annotations"]
        .as_object()
        .filter(|a| !a.is_empty());
    if ty.is_none() && annotations.is_none() {
        return;
    }
    let mut n = Node::new("service").prop_opt("type", ty);
    if let Some(a) = annotations {
        pod::map_param("annotations", &Json::Object(a.clone()), &mut n.children);
    }
    out.push(n);
}

/// One `ingress` entry per rule path; TLS and annotations as the template
/// groups them.
fn ingress(ing: &Json, a: &AppEnv<'_>, out: &mut Vec<Node>) {
    let spec = &ing["spec"];
    let default_secret = format!("{}-tls", a.group.name);
    let first_port = a.group.service.and_then(|i| {
        pod::first_exposed(
            pod_template(&a.objects[a.group.workload].value),
            &a.objects[i].value,
        )
    });
    let mut first = true;
    for rule in spec["rules"].as_array().into_iter().flatten() {
        let Some(host) = rule["host"].as_str() else {
            continue;
        };
        let tls = spec["tls"].as_array().into_iter().flatten().find(|t| {
            t["hosts"]
                .as_array()
                .is_some_and(|h| h.iter().any(|x| x == host))
        });
        for p in rule["http"]["paths"].as_array().into_iter().flatten() {
            let mut n = Node::new("ingress").arg(host);
            if let Some(path) = p["path"].as_str().filter(|p| *p != "/") {
                n = n.prop("path", lit(path));
            }
            if let Some(t) = p["pathType"].as_str().filter(|t| *t != "Prefix") {
                n = n.prop("path-type", t);
            }
            let port = &p["backend"]["service"]["port"];
            if let Some(num) = port["number"].as_i64() {
                n = n.prop("port", num);
            } else if let Some(name) = port["name"]
                .as_str()
                .filter(|name| Some(*name) != first_port.as_deref())
            {
                n = n.prop("port", name);
            }
            if first {
                n = n.prop_opt("class", spec["ingressClassName"].as_str());
            }
            if let Some(t) = tls {
                n = n.prop("tls", true);
                if let Some(s) = t["secretName"].as_str().filter(|s| *s != default_secret) {
                    n = n.prop("tls-secret", s);
                }
            }
            if first
                && let Some(ann) = ing["metadata"]["annotations"]
                    .as_object()
                    .filter(|a| !a.is_empty())
            {
                pod::map_param("annotations", &Json::Object(ann.clone()), &mut n.children);
            }
            first = false;
            out.push(n);
        }
    }
}

/// The labels every object of a set carries, with their values.
pub fn common_meta<'a>(
    objects: impl IntoIterator<Item = &'a Object>,
    field: &str,
) -> BTreeMap<String, String> {
    let mut iter = objects.into_iter();
    let Some(first) = iter.next() else {
        return BTreeMap::new();
    };
    let mut shared: BTreeMap<String, String> = first.meta_map(field).into_iter().collect();
    for o in iter {
        let m = &o.value["metadata"][field];
        shared.retain(|k, v| m.get(k).map(scalar_text).as_ref() == Some(v));
    }
    shared
}
