//! The container and pod parameters of a pod template.
//!
//! A list-like field becomes parameters only when the component's
//! template would write it back in the same order (`env` before
//! `secret-env` before `config-env`; volumes in the order the containers
//! first mount them); otherwise it is left to a patch whole, so that no
//! parameter is written that a patch then overwrites.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value as Json};

use super::units::{cpu, duration, file_mode, int, lit, memory, port_ref, string, text};
use crate::check::types::is_port_name;
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::import::kdl::Node;
use crate::span::Span;

/// Which container of the pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Main,
    Sidecar,
    Init,
}

/// What the container parameters need beyond the container.
pub struct Pod<'a> {
    /// Volume sources by name, when every volume can be written as `volume`.
    pub volumes: Option<HashMap<String, Json>>,
    /// The StatefulSet's claim templates by name (`volume … size=`).
    pub claims: HashMap<String, &'a Json>,
    /// The Service the component makes, when it makes one: its ports decide
    /// which container ports are exposed.
    pub service: Option<&'a Json>,
    /// Whether the component has a Service at all (`expose=` matters).
    pub serves: bool,
    /// The workload's document, for warnings.
    pub span: Span,
    pub object: String,
}

/// The containers of the pod, each with its role, in template order.
pub fn containers(spec: &Json) -> Vec<(Role, &Json)> {
    let mut out = Vec::new();
    for (i, c) in spec["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        out.push((if i == 0 { Role::Main } else { Role::Sidecar }, c));
    }
    for c in spec["initContainers"].as_array().into_iter().flatten() {
        out.push((Role::Init, c));
    }
    out
}

/// Whether every container has kiln's own hardening (`harden`'s default).
pub fn hardened(spec: &Json) -> bool {
    containers(spec).iter().all(|(_, c)| {
        let s = &c["securityContext"];
        s["allowPrivilegeEscalation"] == false && s["seccompProfile"]["type"] == "RuntimeDefault"
    })
}

/// Volume sources by name, when the component can write every volume and
/// mount: each mounted once per container, of a source `volume` takes,
/// and the pod's volumes in the order the containers first mount them.
pub fn volume_plan(spec: &Json, claims: &HashMap<String, &Json>) -> Option<HashMap<String, Json>> {
    let volumes: Vec<&Json> = spec["volumes"]
        .as_array()
        .map(|v| v.iter().collect())
        .unwrap_or_default();
    let mut sources: HashMap<String, Json> = HashMap::new();
    for v in &volumes {
        let name = v["name"].as_str()?.to_string();
        let source = v.as_object()?.iter().find(|(k, _)| *k != "name")?;
        if !matches!(
            source.0.as_str(),
            "emptyDir" | "configMap" | "secret" | "persistentVolumeClaim"
        ) {
            return None;
        }
        sources.insert(
            name,
            Json::Object(Map::from_iter([(source.0.clone(), source.1.clone())])),
        );
    }
    let mut order: Vec<String> = Vec::new();
    for (_, c) in containers(spec) {
        let mut seen = HashSet::new();
        for m in c["volumeMounts"].as_array().into_iter().flatten() {
            let name = m["name"].as_str()?;
            if !seen.insert(name) || !(sources.contains_key(name) || claims.contains_key(name)) {
                return None;
            }
            if sources.contains_key(name) && !order.iter().any(|o| o == name) {
                order.push(name.to_string());
            }
        }
    }
    let written: Vec<&str> = volumes.iter().filter_map(|v| v["name"].as_str()).collect();
    (order == written).then_some(sources)
}

/// The container parameters of `c`, appended to `out`.
pub fn container(
    c: &Json,
    role: Role,
    pod: &Pod<'_>,
    out: &mut Vec<Node>,
    diags: &mut Diagnostics,
) {
    if let Some(image) = string(&c["image"]) {
        out.push(Node::new("image").arg(image));
    }
    if let Some(p) = string(&c["imagePullPolicy"]) {
        out.push(Node::new("image-pull-policy").arg(p));
    }
    for (field, param) in [("command", "command"), ("args", "args")] {
        if let Some(list) = c[field].as_array().filter(|l| !l.is_empty())
            && list.iter().all(Json::is_string)
        {
            let mut n = Node::new(param);
            n.args = list.iter().filter_map(string).collect();
            out.push(n);
        }
    }
    env(c, pod, out, diags);
    for e in c["envFrom"].as_array().into_iter().flatten() {
        let (prop, name) = match (
            e["secretRef"]["name"].as_str(),
            e["configMapRef"]["name"].as_str(),
        ) {
            (Some(s), None) => ("secret", s),
            (None, Some(m)) => ("config-map", m),
            _ => continue,
        };
        out.push(
            Node::new("env-from")
                .prop(prop, name)
                .prop_opt("prefix", string(&e["prefix"])),
        );
    }
    ports(c, role, pod, out);
    for (field, kind) in [
        ("livenessProbe", "liveness"),
        ("readinessProbe", "readiness"),
        ("startupProbe", "startup"),
    ] {
        if let Some(n) = probe(&c[field], kind, c) {
            out.push(n);
        }
    }
    let r = &c["resources"];
    let res = Node::new("resources")
        .prop_opt("cpu", cpu(&r["requests"]["cpu"]))
        .prop_opt("memory", memory(&r["requests"]["memory"]))
        .prop_opt("cpu-limit", cpu(&r["limits"]["cpu"]))
        .prop_opt("memory-limit", memory(&r["limits"]["memory"]));
    if !res.props.is_empty() {
        out.push(res);
    }
    volumes(c, pod, out);
    let s = &c["securityContext"];
    let sec = Node::new("security")
        .prop_opt("run-as-user", int(&s["runAsUser"]))
        .prop_opt("run-as-group", int(&s["runAsGroup"]))
        .prop_opt("run-as-non-root", s["runAsNonRoot"].as_bool())
        .prop_opt("read-only-root", s["readOnlyRootFilesystem"].as_bool());
    if !sec.props.is_empty() {
        out.push(sec);
    }
}

/// `env`, `secret-env` and `config-env` entries, as far as the template
/// writes them back in order: the entries after the first it cannot write
/// are left to a patch, which adds them at the end.
fn env(c: &Json, pod: &Pod<'_>, out: &mut Vec<Node>, diags: &mut Diagnostics) {
    let Some(list) = c["env"].as_array() else {
        return;
    };
    let mut stage = 0;
    let mut names = HashSet::new();
    for e in list {
        let Some(name) = e["name"].as_str() else {
            return;
        };
        let Some((node, at)) = env_entry(name, e, pod, diags) else {
            return;
        };
        if at < stage || !names.insert(name) {
            return;
        }
        stage = at;
        out.push(node);
    }
}

/// One `env` item as a parameter, with its place in the template's order
/// (plain values, then Secrets, then ConfigMaps).
fn env_entry(
    name: &str,
    e: &Json,
    pod: &Pod<'_>,
    diags: &mut Diagnostics,
) -> Option<(Node, usize)> {
    let from = &e["valueFrom"];
    if from.is_null() {
        // Without a value the template would still write `value: ""`.
        let value = text(&e["value"])?;
        let mut n = Node::new("env").arg(lit(name)).arg(value.clone());
        if !value.to_plain_string().is_empty()
            && crate::render::renderer::looks_like_credential(name)
        {
            n = n.prop("allow-plaintext", true);
            diags.push(
                Diagnostic::warning(
                    codes::IMPORT_CREDENTIAL,
                    format!("`{name}` of {} looks like a credential written in plain text", pod.object),
                )
                .primary(pod.span, "in this object")
                .help("it is imported as the input has it, with `allow-plaintext=#true`; move it to a Secret and use `secret-env`"),
            );
        }
        return Some((n, 0));
    }
    if from.as_object().is_none_or(|m| m.len() != 1) {
        return None;
    }
    let (param, prop, r, at) = if let Some(r) = from["secretKeyRef"].as_object() {
        ("secret-env", "secret", r, 1)
    } else if let Some(r) = from["configMapKeyRef"].as_object() {
        ("config-env", "config-map", r, 2)
    } else {
        return None;
    };
    let source = r.get("name")?.as_str()?;
    let key = r.get("key")?.as_str()?;
    let n = Node::new(param)
        .arg(lit(name))
        .prop(prop, source)
        .prop("key", lit(key));
    Some((optional(n, r), at))
}

fn optional(n: Node, r: &Map<String, Json>) -> Node {
    match r.get("optional") {
        Some(Json::Bool(true)) => n.prop("optional", true),
        _ => n,
    }
}

/// The names the component gives the container's ports: their own, or for
/// a port without a valid one, `http` or `port-<number>` (a patch then
/// takes the name away again).
pub fn port_names(c: &Json) -> Vec<String> {
    let ports: Vec<&Json> = c["ports"]
        .as_array()
        .map(|p| p.iter().collect())
        .unwrap_or_default();
    let mut taken: HashSet<String> = ports
        .iter()
        .filter_map(|p| {
            p["name"]
                .as_str()
                .filter(|n| is_port_name(n))
                .map(str::to_string)
        })
        .collect();
    let mut out = Vec::new();
    let mut own = HashSet::new();
    for p in ports {
        match p["name"]
            .as_str()
            .filter(|n| is_port_name(n) && own.insert(n.to_string()))
        {
            Some(n) => out.push(n.to_string()),
            None => {
                let number = p["containerPort"].as_i64().unwrap_or_default();
                let name = if taken.insert("http".to_string()) {
                    "http".to_string()
                } else {
                    format!("port-{number}")
                };
                taken.insert(name.clone());
                out.push(name);
            }
        }
    }
    out
}

/// The Service port that targets a container port (by name or number).
fn service_port<'a>(svc: &'a Json, name: &str, number: i64) -> Option<&'a Json> {
    svc["spec"]["ports"].as_array()?.iter().find(|sp| {
        let target = sp.get("targetPort").unwrap_or(&sp["port"]);
        target.as_str() == Some(name) || target.as_i64() == Some(number)
    })
}

/// The name of the first container port the Service serves: the port an
/// `ingress` entry leads to by default.
pub fn first_exposed(template: &Json, svc: &Json) -> Option<String> {
    containers(&template["spec"])
        .into_iter()
        .filter(|(role, _)| *role != Role::Init)
        .find_map(|(_, c)| {
            let ports = c["ports"].as_array()?;
            ports.iter().zip(port_names(c)).find_map(|(p, name)| {
                service_port(svc, &name, p["containerPort"].as_i64()?).map(|_| name)
            })
        })
}

fn ports(c: &Json, role: Role, pod: &Pod<'_>, out: &mut Vec<Node>) {
    let names = port_names(c);
    for (p, name) in c["ports"].as_array().into_iter().flatten().zip(names) {
        let Some(number) = p["containerPort"].as_i64() else {
            continue;
        };
        let mut n = Node::new("port").arg(number);
        if name != "http" {
            n = n.prop("name", name.clone());
        }
        if let Some(proto) = p["protocol"].as_str().filter(|p| *p != "TCP") {
            n = n.prop("protocol", proto);
        }
        if pod.serves && role != Role::Init {
            match pod.service.and_then(|s| service_port(s, &name, number)) {
                Some(sp) => {
                    if let Some(port) = sp["port"].as_i64().filter(|sp| *sp != number) {
                        n = n.prop("service-port", port);
                    }
                }
                None => n = n.prop("expose", false),
            }
        }
        out.push(n);
    }
}

fn probe(p: &Json, kind: &str, c: &Json) -> Option<Node> {
    if !p.is_object() {
        return None;
    }
    let mut n = Node::new("probe").arg(kind);
    if let Some(h) = p["httpGet"].as_object() {
        let path = h
            .get("path")
            .and_then(Json::as_str)
            .filter(|s| s.starts_with('/'))?;
        n = n.prop("http", lit(path));
        // The template's default port: the container's first port's name, else 80.
        let default = match port_names(c).first() {
            Some(name) => Json::String(name.clone()),
            None => Json::from(80),
        };
        let port = h.get("port")?;
        if *port != default {
            n = n.prop("port", port_ref(port)?);
        }
    } else if let Some(t) = p["tcpSocket"].as_object() {
        n = n.prop("tcp", port_ref(t.get("port")?)?);
    } else if let Some(g) = p["grpc"].as_object() {
        n = n
            .prop("grpc", port_ref(g.get("port")?)?)
            .prop_opt("service", g.get("service").and_then(string));
    } else if let Some(cmd) = p["exec"]["command"]
        .as_array()
        .filter(|c| !c.is_empty() && c.iter().all(Json::is_string))
    {
        let mut e = Node::new("exec");
        e.args = cmd.iter().filter_map(string).collect();
        n = n.child(e);
    } else {
        return None;
    }
    Some(
        n.prop_opt("initial-delay", duration(&p["initialDelaySeconds"]))
            .prop_opt("period", duration(&p["periodSeconds"]))
            .prop_opt("timeout", duration(&p["timeoutSeconds"]))
            .prop_opt("failure-threshold", int(&p["failureThreshold"]))
            .prop_opt("success-threshold", int(&p["successThreshold"])),
    )
}

fn volumes(c: &Json, pod: &Pod<'_>, out: &mut Vec<Node>) {
    let Some(sources) = &pod.volumes else { return };
    for m in c["volumeMounts"].as_array().into_iter().flatten() {
        let (Some(name), Some(mount)) = (m["name"].as_str(), m["mountPath"].as_str()) else {
            continue;
        };
        let mut n = Node::new("volume").arg(name).prop("mount", lit(mount));
        if m["readOnly"] == true {
            n = n.prop("read-only", true);
        }
        n = n.prop_opt("sub-path", string(&m["subPath"]));
        if let Some(src) = sources.get(name) {
            n = if src.get("emptyDir").is_some() {
                n.prop("empty-dir", true)
            } else if let Some(cm) = src.get("configMap") {
                n.prop_opt("config-map", cm["name"].as_str())
                    .prop_opt("mode", file_mode(&cm["defaultMode"]))
            } else if let Some(s) = src.get("secret") {
                n.prop_opt("secret", s["secretName"].as_str())
                    .prop_opt("mode", file_mode(&s["defaultMode"]))
            } else {
                n.prop_opt("claim", src["persistentVolumeClaim"]["claimName"].as_str())
            };
        } else if let Some(t) = pod.claims.get(name) {
            let spec = &t["spec"];
            n = n
                .prop_opt("size", memory(&spec["resources"]["requests"]["storage"]))
                .prop_opt("storage-class", string(&spec["storageClassName"]));
            if let Some(mode) = spec["accessModes"][0]
                .as_str()
                .filter(|m| *m != "ReadWriteOnce")
            {
                n = n.prop("access-mode", mode);
            }
        }
        out.push(n);
    }
}

/// The pod parameters: service account, scheduling, pod labels and
/// annotations (less the selector's labels), init containers and sidecars.
pub fn pod_params(
    template: &Json,
    selector: &Map<String, Json>,
    sa_created: bool,
    pod: &Pod<'_>,
    out: &mut Vec<Node>,
    diags: &mut Diagnostics,
) {
    let spec = &template["spec"];
    if let Some(sa) = spec["serviceAccountName"].as_str() {
        let mut n = Node::new("service-account").arg(sa);
        if sa_created {
            n = n.prop("create", true);
        }
        out.push(n);
    }
    map_param("node-selector", &spec["nodeSelector"], out);
    tolerations(spec, out);
    if spread_across_nodes(spec, selector) {
        out.push(Node::new("spread-across-nodes").arg(true));
    }
    for s in spec["imagePullSecrets"].as_array().into_iter().flatten() {
        if let Some(name) = s["name"].as_str() {
            out.push(Node::new("image-pull-secret").arg(name));
        }
    }
    if let Some(p) = string(&spec["priorityClassName"]) {
        out.push(Node::new("priority-class").arg(p));
    }
    if let Some(d) = duration(&spec["terminationGracePeriodSeconds"]) {
        out.push(Node::new("termination-grace-period").arg(d));
    }
    let mut pod_labels = Map::new();
    for (k, v) in template["metadata"]["labels"]
        .as_object()
        .into_iter()
        .flatten()
    {
        if !selector.contains_key(k) {
            pod_labels.insert(k.clone(), v.clone());
        }
    }
    map_param("pod-labels", &Json::Object(pod_labels), out);
    map_param("pod-annotations", &template["metadata"]["annotations"], out);
    if !hardened(spec) {
        out.push(Node::new("harden").arg(false));
    }
    for (role, c) in containers(spec) {
        let name = match c["name"].as_str() {
            Some(n) => n,
            None => continue,
        };
        let param = match role {
            Role::Main => continue,
            Role::Sidecar => "sidecar",
            Role::Init => "init-container",
        };
        let mut n = Node::new(param).arg(name);
        container(c, role, pod, &mut n.children, diags);
        out.push(n);
    }
}

/// A `map` parameter from a map of strings (nothing when empty).
pub fn map_param(name: &str, m: &Json, out: &mut Vec<Node>) {
    let Some(m) = m.as_object().filter(|m| !m.is_empty()) else {
        return;
    };
    let mut n = Node::new(name);
    for (k, v) in m {
        if let Some(v) = text(v) {
            n = n.prop(k.clone(), v);
        }
    }
    out.push(n);
}

fn tolerations(spec: &Json, out: &mut Vec<Node>) {
    let Some(list) = spec["tolerations"].as_array() else {
        return;
    };
    let mut keys = HashSet::new();
    let mut nodes = Vec::new();
    for t in list {
        if !keys.insert(t["key"].as_str().unwrap_or_default()) {
            return;
        }
        nodes.push(
            Node::new("toleration")
                .prop_opt("key", string(&t["key"]))
                .prop_opt("operator", t["operator"].as_str().filter(|o| *o != "Equal"))
                .prop_opt("value", string(&t["value"]))
                .prop_opt("effect", t["effect"].as_str())
                .prop_opt("seconds", int(&t["tolerationSeconds"])),
        );
    }
    out.extend(nodes);
}

/// Exactly the constraint `spread-across-nodes` writes.
fn spread_across_nodes(spec: &Json, selector: &Map<String, Json>) -> bool {
    spec["topologySpreadConstraints"]
        == serde_json::json!([{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": selector}}])
}
