//! Grouping one env's objects into apps: a workload and what belongs to
//! it (IMPORT.md), the rest shared.
//!
//! A Service belongs to the one workload whose pods it selects; an Ingress
//! to the app all of whose backends are its Services; an HPA to its scale
//! target; a PDB or NetworkPolicy to the one workload whose pods its
//! selector matches; ConfigMaps, Secrets, PersistentVolumeClaims and
//! ServiceAccounts to the one app whose pods name them; RBAC objects to
//! the app whose ServiceAccounts they bind; anything labelled
//! `app.kubernetes.io/name` (or `app`) with an app's name to that app.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value as Json};

use super::read::Object;

/// The kinds that make an app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    Deployment,
    StatefulSet,
    DaemonSet,
    CronJob,
    Job,
}

impl Workload {
    /// The workload kind of an object, if it is one.
    pub fn of(o: &Object) -> Option<Workload> {
        Some(match (o.api_version(), o.kind()) {
            ("apps/v1", "Deployment") => Workload::Deployment,
            ("apps/v1", "StatefulSet") => Workload::StatefulSet,
            ("apps/v1", "DaemonSet") => Workload::DaemonSet,
            ("batch/v1", "CronJob") => Workload::CronJob,
            ("batch/v1", "Job") => Workload::Job,
            _ => return None,
        })
    }
}

/// The pod template of a workload object.
pub fn pod_template(o: &Json) -> &Json {
    if o["kind"] == "CronJob" {
        &o["spec"]["jobTemplate"]["spec"]["template"]
    } else {
        &o["spec"]["template"]
    }
}

/// The labels of a workload's pods.
pub fn pod_labels(o: &Json) -> Map<String, Json> {
    pod_template(o)["metadata"]["labels"]
        .as_object()
        .cloned()
        .unwrap_or_default()
}

/// One app in one env: object indices into the env's objects.
#[derive(Clone, Debug, Default)]
pub struct Group {
    pub name: String,
    /// The workload; in an app of labelled objects and no workload
    /// (`labelled_apps`), its first object.
    pub workload: usize,
    /// The Service named after the app, selecting its pods.
    pub service: Option<usize>,
    /// The Ingress named after the app, all of whose rules lead to that Service.
    pub ingress: Option<usize>,
    /// The autoscaling/v2 HPA named after the app, scaling its Deployment.
    pub hpa: Option<usize>,
    /// The policy/v1 PDB named after the app, selecting exactly its pods.
    pub pdb: Option<usize>,
    /// The ServiceAccount its pods run as, when no other app's do.
    pub service_account: Option<usize>,
    /// Everything else that belongs to the app, kept as files.
    pub manifests: Vec<usize>,
}

impl Group {
    /// Every object of the app, the workload first.
    pub fn all(&self) -> Vec<usize> {
        let mut out = vec![self.workload];
        // A `manifests` app keeps its workload among its manifests too.
        let manifests = self.manifests.iter().filter(|&&i| i != self.workload);
        out.extend(
            [
                self.service,
                self.ingress,
                self.hpa,
                self.pdb,
                self.service_account,
            ]
            .into_iter()
            .flatten(),
        );
        out.extend(manifests);
        out
    }
}

/// One env's objects, grouped.
#[derive(Clone, Debug, Default)]
pub struct EnvGroups {
    pub apps: Vec<Group>,
    /// Objects that belong to no app or to several.
    pub shared: Vec<usize>,
}

fn is(o: &Object, api: &str, kind: &str) -> bool {
    o.api_version() == api && o.kind() == kind
}

fn subset(small: &Map<String, Json>, big: &Map<String, Json>) -> bool {
    !small.is_empty() && small.iter().all(|(k, v)| big.get(k) == Some(v))
}

/// Groups the objects of one env.
pub fn group(objects: &[Object]) -> EnvGroups {
    let workloads: Vec<usize> = (0..objects.len())
        .filter(|&i| Workload::of(&objects[i]).is_some())
        .collect();
    let mut names: BTreeSet<String> = BTreeSet::new();
    let mut groups: Vec<Group> = Vec::new();
    for &w in &workloads {
        let o = &objects[w];
        let mut name = o.name().to_string();
        if !names.insert(name.clone()) {
            name = format!("{}-{}", o.name(), o.kind().to_lowercase());
            names.insert(name.clone());
        }
        groups.push(Group {
            name,
            workload: w,
            ..Group::default()
        });
    }
    let ns = |i: usize| objects[i].namespace().unwrap_or_default().to_string();
    let labels: Vec<Map<String, Json>> = workloads
        .iter()
        .map(|&w| pod_labels(&objects[w].value))
        .collect();
    // Apps (indices into `groups`) whose pods a selector in namespace `n` matches.
    let selecting = |sel: &Map<String, Json>, n: &str| -> Vec<usize> {
        (0..workloads.len())
            .filter(|&g| ns(workloads[g]) == n && subset(sel, &labels[g]))
            .collect()
    };
    let mut owner: BTreeMap<usize, usize> = BTreeMap::new();
    for (g, &w) in workloads.iter().enumerate() {
        owner.insert(w, g);
    }
    // Services and what they make possible.
    let mut service_owner: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (i, o) in objects.iter().enumerate() {
        if is(o, "v1", "Service")
            && let Some(sel) = o.value["spec"]["selector"].as_object()
            && let [g] = selecting(sel, &ns(i))[..]
        {
            owner.insert(i, g);
            service_owner.insert((ns(i), o.name().to_string()), g);
        }
    }
    for (i, o) in objects.iter().enumerate() {
        if owner.contains_key(&i) {
            continue;
        }
        let found = match (o.api_version(), o.kind()) {
            ("networking.k8s.io/v1", "Ingress") => {
                let apps: BTreeSet<Option<usize>> = ingress_backends(&o.value)
                    .iter()
                    .map(|s| service_owner.get(&(ns(i), s.clone())).copied())
                    .collect();
                match apps.into_iter().collect::<Vec<_>>()[..] {
                    [Some(g)] => Some(g),
                    _ => None,
                }
            }
            (_, "HorizontalPodAutoscaler") => {
                let t = &o.value["spec"]["scaleTargetRef"];
                (0..workloads.len()).find(|&g| {
                    let w = &objects[workloads[g]];
                    ns(workloads[g]) == ns(i) && t["kind"] == w.kind() && t["name"] == w.name()
                })
            }
            ("policy/v1", "PodDisruptionBudget") => only(
                selector_match_labels(&o.value["spec"]["selector"]).map(|s| selecting(s, &ns(i))),
            ),
            ("networking.k8s.io/v1", "NetworkPolicy") => only(
                selector_match_labels(&o.value["spec"]["podSelector"])
                    .map(|s| selecting(s, &ns(i))),
            ),
            _ => None,
        };
        if let Some(g) = found {
            owner.insert(i, g);
        }
    }
    // What pods name: ConfigMaps, Secrets, claims, ServiceAccounts.
    let mut named: BTreeMap<(String, String, String), BTreeSet<usize>> = BTreeMap::new();
    for (g, &w) in workloads.iter().enumerate() {
        for (kind, name) in pod_references(pod_template(&objects[w].value)) {
            named.entry((kind, ns(w), name)).or_default().insert(g);
        }
    }
    for (i, o) in objects.iter().enumerate() {
        if owner.contains_key(&i) || o.api_version() != "v1" {
            continue;
        }
        if let Some(apps) = named.get(&(o.kind().to_string(), ns(i), o.name().to_string()))
            && let [g] = apps.iter().copied().collect::<Vec<_>>()[..]
        {
            owner.insert(i, g);
            if o.kind() == "ServiceAccount" {
                groups[g].service_account = Some(i);
            }
        }
    }
    rbac(objects, &mut owner, &ns);
    // Anything labelled with an app's name.
    for (i, o) in objects.iter().enumerate() {
        if owner.contains_key(&i) {
            continue;
        }
        let labels = &o.value["metadata"]["labels"];
        for key in ["app.kubernetes.io/name", "app"] {
            if let Some(g) = labels[key].as_str().and_then(|n| {
                groups
                    .iter()
                    .position(|g| g.name == n && ns(g.workload) == ns(i))
            }) {
                owner.insert(i, g);
                break;
            }
        }
    }
    labelled_apps(objects, &mut groups, &mut owner, &names);
    let mut out = EnvGroups::default();
    for (i, _) in objects.iter().enumerate() {
        match owner.get(&i) {
            None => out.shared.push(i),
            Some(&g) if groups[g].workload == i || groups[g].service_account == Some(i) => {}
            Some(&g) => groups[g].manifests.push(i),
        }
    }
    for g in groups
        .iter_mut()
        .filter(|g| Workload::of(&objects[g.workload]).is_some())
    {
        roles(objects, g);
    }
    out.apps = groups;
    out
}

/// Objects of no workload that carry `app.kubernetes.io/name` make an app
/// of that name (its objects kept as manifests), not part of `shared`:
/// kiln's own output, and a chart's, label every object with its app, and
/// a `shared` app would render them with another name.
fn labelled_apps(
    objects: &[Object],
    groups: &mut Vec<Group>,
    owner: &mut BTreeMap<usize, usize>,
    workload_apps: &BTreeSet<String>,
) {
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    for (i, o) in objects.iter().enumerate() {
        let Some(name) = o.value["metadata"]["labels"]["app.kubernetes.io/name"].as_str() else {
            continue;
        };
        if owner.contains_key(&i)
            || workload_apps.contains(name)
            || !crate::check::types::is_dns1035_label(name, crate::check::MAX_APP_NAME)
        {
            continue;
        }
        let g = *by_name.entry(name.to_string()).or_insert_with(|| {
            groups.push(Group {
                name: name.to_string(),
                workload: i,
                ..Group::default()
            });
            groups.len() - 1
        });
        owner.insert(i, g);
    }
}

fn only(apps: Option<Vec<usize>>) -> Option<usize> {
    match apps?[..] {
        [g] => Some(g),
        _ => None,
    }
}

/// A label selector's `matchLabels`, when that is all it has.
pub fn selector_match_labels(sel: &Json) -> Option<&Map<String, Json>> {
    let m = sel.as_object()?;
    if m.keys().any(|k| k != "matchLabels") {
        return None;
    }
    m.get("matchLabels")?.as_object().filter(|l| !l.is_empty())
}

/// The Services an Ingress leads to.
pub fn ingress_backends(ing: &Json) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(s) = ing["spec"]["defaultBackend"]["service"]["name"].as_str() {
        out.push(s.to_string());
    }
    for rule in ing["spec"]["rules"].as_array().into_iter().flatten() {
        for p in rule["http"]["paths"].as_array().into_iter().flatten() {
            match p["backend"]["service"]["name"].as_str() {
                Some(s) => out.push(s.to_string()),
                None => out.push(String::new()),
            }
        }
    }
    out
}

/// (kind, name) of every ConfigMap, Secret, claim and ServiceAccount a pod
/// template names.
fn pod_references(t: &Json) -> Vec<(String, String)> {
    let spec = &t["spec"];
    let mut out = Vec::new();
    let mut push = |kind: &str, name: &Json| {
        if let Some(n) = name.as_str() {
            out.push((kind.to_string(), n.to_string()));
        }
    };
    push("ServiceAccount", &spec["serviceAccountName"]);
    push("ServiceAccount", &spec["serviceAccount"]);
    for v in spec["volumes"].as_array().into_iter().flatten() {
        push("ConfigMap", &v["configMap"]["name"]);
        push("Secret", &v["secret"]["secretName"]);
        push(
            "PersistentVolumeClaim",
            &v["persistentVolumeClaim"]["claimName"],
        );
        for s in v["projected"]["sources"].as_array().into_iter().flatten() {
            push("ConfigMap", &s["configMap"]["name"]);
            push("Secret", &s["secret"]["name"]);
        }
    }
    for key in ["containers", "initContainers"] {
        for c in spec[key].as_array().into_iter().flatten() {
            for e in c["env"].as_array().into_iter().flatten() {
                push("ConfigMap", &e["valueFrom"]["configMapKeyRef"]["name"]);
                push("Secret", &e["valueFrom"]["secretKeyRef"]["name"]);
            }
            for e in c["envFrom"].as_array().into_iter().flatten() {
                push("ConfigMap", &e["configMapRef"]["name"]);
                push("Secret", &e["secretRef"]["name"]);
            }
        }
    }
    for s in spec["imagePullSecrets"].as_array().into_iter().flatten() {
        push("Secret", &s["name"]);
    }
    out
}

/// Bindings whose subjects are one app's ServiceAccounts belong to it, and
/// so do the roles only its bindings grant.
fn rbac(objects: &[Object], owner: &mut BTreeMap<usize, usize>, ns: &dyn Fn(usize) -> String) {
    let sa_owner: BTreeMap<(String, String), usize> = owner
        .iter()
        .filter(|(i, _)| objects[**i].kind() == "ServiceAccount")
        .map(|(i, g)| ((ns(*i), objects[*i].name().to_string()), *g))
        .collect();
    let mut role_users: BTreeMap<(String, String, String), BTreeSet<Option<usize>>> =
        BTreeMap::new();
    for (i, o) in objects.iter().enumerate() {
        if o.api_version() != "rbac.authorization.k8s.io/v1"
            || !matches!(o.kind(), "RoleBinding" | "ClusterRoleBinding")
        {
            continue;
        }
        let apps: BTreeSet<Option<usize>> = o.value["subjects"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| {
                let sns = s["namespace"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| ns(i));
                (s["kind"] == "ServiceAccount")
                    .then(|| {
                        sa_owner
                            .get(&(sns, s["name"].as_str().unwrap_or_default().to_string()))
                            .copied()
                    })
                    .flatten()
            })
            .collect();
        let app = match apps.iter().copied().collect::<Vec<_>>()[..] {
            [Some(g)] => Some(g),
            _ => None,
        };
        if let Some(g) = app {
            owner.entry(i).or_insert(g);
        }
        let role_kind = o.value["roleRef"]["kind"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let role_ns = if role_kind == "Role" {
            ns(i)
        } else {
            String::new()
        };
        let role_name = o.value["roleRef"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        role_users
            .entry((role_kind, role_ns, role_name))
            .or_default()
            .insert(app);
    }
    for (i, o) in objects.iter().enumerate() {
        if o.api_version() != "rbac.authorization.k8s.io/v1"
            || !matches!(o.kind(), "Role" | "ClusterRole")
        {
            continue;
        }
        let role_ns = if o.kind() == "Role" {
            ns(i)
        } else {
            String::new()
        };
        if let Some(users) = role_users.get(&(o.kind().to_string(), role_ns, o.name().to_string()))
            && let [Some(g)] = users.iter().copied().collect::<Vec<_>>()[..]
        {
            owner.entry(i).or_insert(g);
        }
    }
}

/// Picks, among the objects of an app, those a standard component makes:
/// named after the app (IMPORT.md, STDLIB.md "Object names") and of the
/// shape its templates write. The others stay manifests.
fn roles(objects: &[Object], g: &mut Group) {
    let w = &objects[g.workload];
    let selector = w.value["spec"]["selector"]["matchLabels"].clone();
    let mut keep = Vec::new();
    for &i in &g.manifests {
        let o = &objects[i];
        let named = o.name() == g.name && o.namespace() == w.namespace();
        match (o.api_version(), o.kind()) {
            ("v1", "Service") if named && g.service.is_none() => g.service = Some(i),
            ("networking.k8s.io/v1", "Ingress")
                if named && g.ingress.is_none() && simple_ingress(&o.value, &g.name) =>
            {
                g.ingress = Some(i)
            }
            ("autoscaling/v2", "HorizontalPodAutoscaler")
                if named
                    && g.hpa.is_none()
                    && o.value["spec"]["scaleTargetRef"]["kind"] == "Deployment" =>
            {
                g.hpa = Some(i)
            }
            ("policy/v1", "PodDisruptionBudget")
                if named
                    && g.pdb.is_none()
                    && selector_match_labels(&o.value["spec"]["selector"])
                        .is_some_and(|m| Json::Object(m.clone()) == selector)
                    && (o.value["spec"].get("minAvailable").is_some()
                        != o.value["spec"].get("maxUnavailable").is_some()) =>
            {
                g.pdb = Some(i)
            }
            _ => keep.push(i),
        }
    }
    g.manifests = keep;
}

/// An Ingress the `ingress` parameter can write: every rule has a host and
/// paths, every path leads to the app's Service, no default backend.
fn simple_ingress(ing: &Json, app: &str) -> bool {
    let spec = &ing["spec"];
    let rules = spec["rules"].as_array();
    spec.get("defaultBackend").is_none()
        && rules.is_some_and(|r| !r.is_empty())
        && rules.into_iter().flatten().all(|r| {
            r["host"].is_string() && r["http"]["paths"].as_array().is_some_and(|p| !p.is_empty())
        })
        && ingress_backends(ing).iter().all(|s| s == app)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Json) -> Object {
        Object {
            value: v,
            span: Default::default(),
            doc: Default::default(),
            bytes: 0,
            item: None,
        }
    }

    fn deployment(name: &str, sa: Option<&str>) -> Object {
        let mut spec = json!({"containers": [{"name": name, "image": "x:1",
            "envFrom": [{"configMapRef": {"name": format!("{name}-env")}}]}]});
        if let Some(sa) = sa {
            spec["serviceAccountName"] = json!(sa);
        }
        obj(
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name, "tier": "x"}}, "spec": spec}}}),
        )
    }

    #[test]
    fn objects_go_to_the_app_they_belong_to() {
        let objects = vec![
            deployment("web", Some("web")),
            deployment("api", Some("shared-sa")),
            deployment("jobs", Some("shared-sa")),
            obj(
                json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}}}),
            ),
            obj(
                json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-admin"}, "spec": {"selector": {"app": "web"}}}),
            ),
            obj(
                json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "all"}, "spec": {"selector": {"tier": "x"}}}),
            ),
            obj(
                json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web"},
                "spec": {"rules": [{"host": "a.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                    "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}),
            ),
            obj(
                json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "api"},
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}, "maxReplicas": 3}}),
            ),
            obj(
                json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"},
                "spec": {"selector": {"matchLabels": {"app": "web"}}, "minAvailable": 1}}),
            ),
            obj(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web-env"}})),
            obj(json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "web"}})),
            obj(
                json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "shared-sa"}}),
            ),
            obj(
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "web"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "web"},
                "subjects": [{"kind": "ServiceAccount", "name": "web"}]}),
            ),
            obj(
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "web"}, "rules": []}),
            ),
            obj(
                json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "labels": {"app.kubernetes.io/name": "api"}}}),
            ),
            obj(
                json!({"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}}),
            ),
        ];
        let g = group(&objects);
        let web = &g.apps[0];
        assert_eq!(web.name, "web");
        assert_eq!(
            (web.service, web.ingress, web.pdb, web.service_account),
            (Some(3), Some(6), Some(8), Some(10))
        );
        assert_eq!(web.manifests, [4, 9, 12, 13]);
        let api = &g.apps[1];
        assert_eq!((api.hpa, api.service_account), (Some(7), None));
        assert_eq!(api.manifests, [14]);
        assert_eq!(g.shared, [5, 11, 15]);
    }

    #[test]
    fn labelled_objects_of_no_workload_make_an_app_of_their_label() {
        let labelled = |kind: &str, name: &str, app: &str| {
            obj(
                json!({"apiVersion": "example.com/v1", "kind": kind, "metadata": {"name": name, "labels": {"app.kubernetes.io/name": app}}}),
            )
        };
        let objects = vec![
            deployment("web", None),
            labelled("Widget", "w", "web"),
            labelled("HelmRelease", "cache", "cache"),
            labelled("HelmRepository", "cache", "cache"),
            labelled("Widget", "x", "Not_A_Name"),
        ];
        let g = group(&objects);
        let names: Vec<&str> = g.apps.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["web", "cache"]);
        assert_eq!(g.apps[0].manifests, [1]);
        assert_eq!(g.apps[1].all(), [2, 3]);
        assert_eq!(g.shared, [4]);
    }

    #[test]
    fn two_workloads_of_one_name_get_two_apps() {
        let mut sts = deployment("db", None);
        sts.value["kind"] = json!("StatefulSet");
        let g = group(&[deployment("db", None), sts]);
        let names: Vec<&str> = g.apps.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["db", "db-statefulset"]);
    }
}
