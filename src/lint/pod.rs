//! The rules one object decides: its pods' containers (image, resources,
//! probes, security) and host access; and the facts the env-wide rules
//! need, taken in the same walk.

use serde_json::Value as Json;

use super::decide::{Decider, Obj, Scope};
use super::env::{
    Backend, Facts, Hpa, Pdb, PortRef, Selector, Service, ServicePort, Serving, Workload, plural,
};
use super::locate::Seg;
use super::{Raw, RuleId};

/// Where a kind keeps its pod: the pod spec and the pod's metadata.
struct PodAt {
    spec: &'static [Seg<'static>],
    meta: &'static [Seg<'static>],
}

const TEMPLATE: PodAt = PodAt {
    spec: &[Seg::Key("spec"), Seg::Key("template"), Seg::Key("spec")],
    meta: &[Seg::Key("spec"), Seg::Key("template"), Seg::Key("metadata")],
};
const CRON_JOB: PodAt = PodAt {
    spec: &[
        Seg::Key("spec"),
        Seg::Key("jobTemplate"),
        Seg::Key("spec"),
        Seg::Key("template"),
        Seg::Key("spec"),
    ],
    meta: &[
        Seg::Key("spec"),
        Seg::Key("jobTemplate"),
        Seg::Key("spec"),
        Seg::Key("template"),
        Seg::Key("metadata"),
    ],
};
const POD: PodAt = PodAt {
    spec: &[Seg::Key("spec")],
    meta: &[Seg::Key("metadata")],
};

/// Capabilities that hand a container the node.
const DANGEROUS: &[&str] = &["SYS_ADMIN", "NET_ADMIN", "ALL"];

/// The value at `path`, or null.
fn at<'v>(v: &'v Json, path: &[Seg<'_>]) -> &'v Json {
    path.iter().fold(v, |v, seg| match seg {
        Seg::Key(k) => &v[*k],
        Seg::Index(i) => &v[*i],
    })
}

/// `base` followed by `tail`.
fn join<'s>(base: &[Seg<'s>], tail: &[Seg<'s>]) -> Vec<Seg<'s>> {
    let mut p = Vec::with_capacity(base.len() + tail.len());
    p.extend_from_slice(base);
    p.extend_from_slice(tail);
    p
}

/// Inspects one object: its findings into `raws`, its facts into `facts`.
pub fn object(obj: &Obj<'_>, raws: &mut Vec<Raw>, facts: &mut Facts) {
    match obj.kind {
        "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController" => {
            workload(obj, &TEMPLATE, true, true, raws, facts)
        }
        "DaemonSet" => workload(obj, &TEMPLATE, false, true, raws, facts),
        "Job" => workload(obj, &TEMPLATE, false, false, raws, facts),
        "CronJob" => workload(obj, &CRON_JOB, false, false, raws, facts),
        "Pod" => {
            let restart = obj.value["spec"]["restartPolicy"].as_str();
            let long_running = restart.is_none_or(|r| r == "Always");
            workload(obj, &POD, false, long_running, raws, facts)
        }
        "Service" => service(obj, facts),
        "Ingress" => ingress(obj, facts),
        "HorizontalPodAutoscaler" => {
            let target = &obj.value["spec"]["scaleTargetRef"];
            if let (Some(kind), Some(name)) = (target["kind"].as_str(), target["name"].as_str()) {
                facts.hpas.push(Hpa {
                    namespace: obj.namespace.to_string(),
                    kind: kind.to_string(),
                    name: name.to_string(),
                    min: obj.value["spec"]["minReplicas"].as_i64().unwrap_or(1),
                });
            }
        }
        "PodDisruptionBudget" => {
            if let Some(selector) = Selector::from_json(&obj.value["spec"]["selector"]) {
                facts.pdbs.push(Pdb {
                    namespace: obj.namespace.to_string(),
                    selector,
                });
            }
        }
        _ => {}
    }
}

fn workload(
    obj: &Obj<'_>,
    at_pod: &PodAt,
    replicated: bool,
    long_running: bool,
    raws: &mut Vec<Raw>,
    facts: &mut Facts,
) {
    let spec = at(obj.value, at_pod.spec);
    if !spec.is_object() {
        return;
    }
    let serving = pod(obj, at_pod.spec, spec, long_running, raws);
    let labels = string_pairs(&at(obj.value, at_pod.meta)["labels"]);
    let app = Scope::App { input: obj.input };
    let replicas_path = [Seg::Key("spec"), Seg::Key("replicas")];
    let replicas = replicated.then(|| obj.value["spec"]["replicas"].as_i64().unwrap_or(1));
    let single = replicas.filter(|n| *n < 2).map(|n| {
        let count = plural(n, "replica");
        obj.decide(&replicas_path, &count, || {
            let set = app.last("replicas").and_then(|u| u.args.first());
            match set {
                Some(a) => Some(
                    Decider::at(a.span, format!("{count}, set here"))
                        .help("raise it: `replicas 2`, or autoscale with `autoscale min=2 max=…`"),
                ),
                None if app.declares("replicas") => {
                    Some(app.missing("`replicas` (the default is 1)", "replicas 2"))
                }
                None => None,
            }
        })
        .or_help("set `replicas: 2` or more, or scale it with a HorizontalPodAutoscaler")
    });
    let pdb = replicated.then(|| {
        obj.decide(&replicas_path, "more than one replica", || {
            app.declares("pdb")
                .then(|| app.missing("`pdb`", "pdb max-unavailable=1"))
        })
        .or_help("add a PodDisruptionBudget that selects these pods, with `maxUnavailable: 1`")
    });
    let spread_path = join(at_pod.spec, &[Seg::Key("topologySpreadConstraints")]);
    let unspread = at(obj.value, &spread_path)
        .as_array()
        .is_none_or(|a| a.is_empty())
        && spec["affinity"]["podAntiAffinity"].is_null();
    let no_spread = (replicated && unspread).then(|| {
        obj.decide(&spread_path, "no topology spread here", || {
            if !app.declares("spread-across-nodes") {
                return None;
            }
            Some(
                match app.last("spread-across-nodes").and_then(|u| u.args.first()) {
                    Some(a) => Decider::at(a.span, "set to `#false` here")
                        .help("write `spread-across-nodes #true`"),
                    None => app.missing("`spread-across-nodes`", "spread-across-nodes #true"),
                },
            )
        })
        .or_help(
            "add `topologySpreadConstraints` over `kubernetes.io/hostname`, or a `podAntiAffinity`",
        )
    });
    facts.workloads.push(Workload {
        kind: obj.kind.to_string(),
        name: obj.name.to_string(),
        namespace: obj.namespace.to_string(),
        labels,
        replicas,
        single,
        pdb,
        no_spread,
        serving,
    });
}

/// The rules of one pod spec at `base`; returns its serving containers.
fn pod(
    obj: &Obj<'_>,
    base: &[Seg<'static>],
    spec: &Json,
    long_running: bool,
    raws: &mut Vec<Raw>,
) -> Vec<Serving> {
    for (key, what) in [
        ("hostNetwork", "network"),
        ("hostPID", "process"),
        ("hostIPC", "IPC"),
    ] {
        if spec[key] == true {
            let path = join(base, &[Seg::Key(key)]);
            raws.push(Raw {
                rule: RuleId::HostNamespaces,
                message: format!(
                    "the pods of {} `{}` share the node's {what} namespace",
                    obj.kind, obj.name
                ),
                decider: obj
                    .decide(&path, &format!("`{key}: true`"), || None)
                    .or_help(format!(
                        "remove `{key}: true`: a pod rarely needs the node's {what} namespace"
                    )),
                note: obj.note(&path),
            });
        }
    }
    for (i, v) in spec["volumes"].as_array().into_iter().flatten().enumerate() {
        if v["hostPath"].is_object() {
            let path = join(
                base,
                &[Seg::Key("volumes"), Seg::Index(i), Seg::Key("hostPath")],
            );
            raws.push(Raw {
                rule: RuleId::HostPath,
                message: format!(
                    "volume `{}` of {} `{}` mounts `{}` of the node",
                    v["name"].as_str().unwrap_or("?"),
                    obj.kind,
                    obj.name,
                    v["hostPath"]["path"].as_str().unwrap_or("?")
                ),
                decider: obj.decide(&path, "a `hostPath` volume", || None).or_help(
                    "use a PersistentVolumeClaim, an `emptyDir`, a ConfigMap or a Secret instead",
                ),
                note: obj.note(&path),
            });
        }
    }
    let pod_non_root = spec["securityContext"]["runAsNonRoot"] == true;
    let mut serving = Vec::new();
    for (list, init) in [("initContainers", true), ("containers", false)] {
        for (i, c) in spec[list].as_array().into_iter().flatten().enumerate() {
            let at = join(base, &[Seg::Key(list), Seg::Index(i)]);
            let container = Container {
                obj,
                c,
                name: c["name"].as_str().unwrap_or("?"),
                what: if init { "init container" } else { "container" },
                at: &at,
            };
            container.rules(pod_non_root, raws);
            // An init container with `restartPolicy: Always` is a sidecar
            // that runs as long as the pod.
            let runs = !init || c["restartPolicy"] == "Always";
            if runs && long_running {
                container.liveness(raws);
            }
            if runs {
                serving.push(container.serving());
            }
        }
    }
    serving
}

/// One container of a pod, at path `at`.
struct Container<'o, 'a> {
    obj: &'o Obj<'a>,
    c: &'o Json,
    name: &'o str,
    what: &'static str,
    at: &'o [Seg<'static>],
}

impl Container<'_, '_> {
    fn path<'s>(&self, tail: &[Seg<'s>]) -> Vec<Seg<'s>> {
        let mut p: Vec<Seg<'s>> = self.at.to_vec();
        p.extend_from_slice(tail);
        p
    }

    fn raw(&self, rule: RuleId, message: String, path: &[Seg<'_>], decider: Decider) -> Raw {
        Raw {
            rule,
            message,
            decider,
            note: self.obj.note(path),
        }
    }

    fn rules(&self, pod_non_root: bool, raws: &mut Vec<Raw>) {
        let (obj, c, name, what) = (self.obj, self.c, self.name, self.what);
        if let Some(image) = c["image"].as_str()
            && let Some((problem, label)) = latest(image)
        {
            let path = self.path(&[Seg::Key("image")]);
            let d = obj.decide(&path, label, || {
                obj.value_span(&obj.scope(name), "image", image)
                    .map(|span| Decider::at(span, label))
            });
            let repo = image.split('@').next().unwrap_or(image);
            let repo = match repo.rfind(':') {
                Some(i) if !repo[i..].contains('/') => &repo[..i],
                _ => repo,
            };
            raws.push(self.raw(
                RuleId::LatestTag,
                format!("image `{image}` of {what} `{name}` {problem}"),
                &path,
                d.help(format!(
                    "pin a version or a digest, such as `{repo}:1.2.3` or `{repo}@sha256:…`: `latest` changes under you and a rollback cannot bring the old image back"
                )),
            ));
        }
        let res = &c["resources"];
        let has = |k: &str| !res["requests"][k].is_null() || !res["limits"][k].is_null();
        let missing: Vec<(&str, &str)> = [("cpu", "CPU"), ("memory", "memory")]
            .into_iter()
            .filter(|(k, _)| !has(k))
            .collect();
        if !missing.is_empty() {
            let words: Vec<&str> = missing.iter().map(|m| m.1).collect();
            let add: Vec<&str> = missing
                .iter()
                .map(|m| {
                    if m.0 == "cpu" {
                        "cpu=\"100m\""
                    } else {
                        "memory=\"128Mi\""
                    }
                })
                .collect();
            let add = add.join(" ");
            let path = self.path(&[Seg::Key("resources"), Seg::Key("requests")]);
            let d = obj
                .decide(&path, "no requests", || {
                    let s = obj.scope(name);
                    s.declares("resources").then(|| match s.last("resources") {
                        Some(u) => Decider::at(
                            u.span,
                            format!(
                                "no {} here",
                                missing
                                    .iter()
                                    .map(|m| format!("`{}=`", m.0))
                                    .collect::<Vec<_>>()
                                    .join(" or ")
                            ),
                        )
                        .help(format!("add `{add}` to this `resources`")),
                        None => s.missing("`resources`", &format!("resources {add}")),
                    })
                })
                .or_help(format!(
                    "set `resources.requests` ({}) on this container",
                    missing
                        .iter()
                        .map(|m| format!("`{}`", m.0))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ));
            raws.push(self.raw(
                RuleId::NoRequests,
                format!(
                    "{what} `{name}` has no {} {}",
                    words.join(" or "),
                    if words.len() == 1 {
                        "request"
                    } else {
                        "requests"
                    }
                ),
                &path,
                d,
            ));
        }
        if res["limits"]["memory"].is_null() {
            let limit = match &res["requests"]["memory"] {
                Json::String(s) => s.clone(),
                _ => "256Mi".to_string(),
            };
            let add = format!("memory-limit=\"{limit}\"");
            let path = self.path(&[
                Seg::Key("resources"),
                Seg::Key("limits"),
                Seg::Key("memory"),
            ]);
            let d = obj
                .decide(&path, "no memory limit", || {
                    obj.scope(name).prop(
                        "resources",
                        "memory-limit",
                        &add,
                        &format!("resources {add}"),
                    )
                })
                .or_help("set `resources.limits.memory` on this container");
            raws.push(self.raw(
                RuleId::NoMemoryLimit,
                format!("{what} `{name}` has no memory limit"),
                &path,
                d,
            ));
        }
        let sc = &c["securityContext"];
        let non_root = match sc["runAsNonRoot"].as_bool() {
            Some(v) => v,
            None => pod_non_root,
        };
        if !non_root {
            let path = self.path(&[Seg::Key("securityContext"), Seg::Key("runAsNonRoot")]);
            let d = obj
                .decide(&path, "may run as root", || {
                    obj.scope(name).prop(
                        "security",
                        "run-as-non-root",
                        "run-as-non-root=#true",
                        "security run-as-non-root=#true",
                    )
                })
                .or_help("set `securityContext.runAsNonRoot: true` on this container or its pod");
            raws.push(self.raw(
                RuleId::RunAsRoot,
                format!("{what} `{name}` may run as root"),
                &path,
                d,
            ));
        }
        if sc["readOnlyRootFilesystem"] != true {
            let path = self.path(&[
                Seg::Key("securityContext"),
                Seg::Key("readOnlyRootFilesystem"),
            ]);
            let d = obj.decide(&path, "a writable root filesystem", || {
                obj.scope(name).prop(
                    "security",
                    "read-only-root",
                    "read-only-root=#true",
                    "security read-only-root=#true",
                )
            })
            .or_help("set `securityContext.readOnlyRootFilesystem: true`, and mount an `emptyDir` where the program writes");
            raws.push(self.raw(
                RuleId::WritableRootFs,
                format!("{what} `{name}` can write its root filesystem"),
                &path,
                d,
            ));
        }
        if sc["privileged"] == true {
            let path = self.path(&[Seg::Key("securityContext"), Seg::Key("privileged")]);
            let d = obj
                .decide(&path, "`privileged: true`", || None)
                .or_help("remove `privileged: true`; add only the capabilities the program needs");
            raws.push(self.raw(
                RuleId::Privileged,
                format!("{what} `{name}` is privileged"),
                &path,
                d,
            ));
        }
        for (j, cap) in sc["capabilities"]["add"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Some(cap) = cap.as_str() else { continue };
            let bare = cap.trim_start_matches("CAP_").to_ascii_uppercase();
            if DANGEROUS.contains(&bare.as_str()) {
                let path = self.path(&[
                    Seg::Key("securityContext"),
                    Seg::Key("capabilities"),
                    Seg::Key("add"),
                    Seg::Index(j),
                ]);
                let d = obj
                    .decide(&path, "a dangerous capability", || None)
                    .or_help(format!("remove `{cap}` from `capabilities.add`"));
                raws.push(self.raw(
                    RuleId::Privileged,
                    format!("{what} `{name}` adds capability `{cap}`"),
                    &path,
                    d,
                ));
            }
        }
    }

    fn liveness(&self, raws: &mut Vec<Raw>) {
        if !self.c["livenessProbe"].is_null() {
            return;
        }
        let (d, note) = self.no_probe("liveness");
        raws.push(Raw {
            rule: RuleId::NoLivenessProbe,
            message: format!("{} `{}` has no liveness probe", self.what, self.name),
            decider: d,
            note,
        });
    }

    /// Where a missing probe of `kind` is reported, and the note.
    fn no_probe(&self, kind: &str) -> (Decider, String) {
        let field = format!("{kind}Probe");
        let path = self.path(&[Seg::Key(&field)]);
        let d = self
            .obj
            .decide(&path, &format!("no {kind} probe"), || {
                let s = self.obj.scope(self.name);
                s.declares("probe")
                    .then(|| s.missing(&format!("`probe \"{kind}\"`"), &self.probe_line(kind)))
            })
            .or_help(format!("add a `{field}` to this container"));
        (d, self.obj.note(&path))
    }

    /// What the Service rules need of a container that runs with the pod.
    fn serving(&self) -> Serving {
        let ports = self.c["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                (
                    p["name"].as_str().map(str::to_string),
                    p["containerPort"].as_i64().unwrap_or(0),
                )
            })
            .collect();
        let no_readiness = self.c["readinessProbe"]
            .is_null()
            .then(|| self.no_probe("readiness"));
        Serving {
            name: self.name.to_string(),
            what: self.what,
            ports,
            no_readiness,
        }
    }

    /// The `probe` line to add: an HTTP probe on the container's first
    /// port, or a command when it has none.
    fn probe_line(&self, kind: &str) -> String {
        let first = &self.c["ports"][0];
        match (first["name"].as_str(), first["containerPort"].as_i64()) {
            (Some(port), _) => format!("probe \"{kind}\" http=\"/healthz\" port=\"{port}\""),
            (None, Some(n)) => format!("probe \"{kind}\" http=\"/healthz\" port={n}"),
            (None, None) => format!("probe \"{kind}\" {{ exec \"…\" }}"),
        }
    }
}

/// What is wrong with an image's tag, if anything: for the message, and
/// for the label.
fn latest(image: &str) -> Option<(&'static str, &'static str)> {
    if image.contains('@') {
        return None;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        None => Some(("has no tag", "no tag")),
        Some((_, "latest")) => Some(("is tagged `latest`", "tagged `latest`")),
        Some(_) => None,
    }
}

/// A string map's pairs (labels, selectors).
fn string_pairs(v: &Json) -> Vec<(String, String)> {
    v.as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect()
}

fn service(obj: &Obj<'_>, facts: &mut Facts) {
    let spec = &obj.value["spec"];
    let selector = string_pairs(&spec["selector"]);
    let ports = spec["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let port = p["port"].as_i64().unwrap_or(0);
            ServicePort {
                name: p["name"].as_str().map(str::to_string),
                port,
                target: match &p["targetPort"] {
                    Json::String(s) => PortRef::Name(s.clone()),
                    v => PortRef::Number(v.as_i64().unwrap_or(port)),
                },
            }
        })
        .collect();
    let dangling = (!selector.is_empty() && spec["type"] != "ExternalName").then(|| {
        let path = [Seg::Key("spec"), Seg::Key("selector")];
        (obj.decide(&path, "this selector", || None), obj.note(&path))
    });
    facts.services.push(Service {
        namespace: obj.namespace.to_string(),
        name: obj.name.to_string(),
        selector,
        ports,
        dangling,
    });
}

fn ingress(obj: &Obj<'_>, facts: &mut Facts) {
    let spec = &obj.value["spec"];
    let mut add =
        |path: Vec<Seg<'_>>, backend: &Json, host: Option<&str>, http_path: Option<&str>| {
            let svc = &backend["service"];
            let Some(service) = svc["name"].as_str() else {
                return;
            };
            let port = match (svc["port"]["number"].as_i64(), svc["port"]["name"].as_str()) {
                (Some(n), _) => PortRef::Number(n),
                (None, Some(n)) => PortRef::Name(n.to_string()),
                (None, None) => PortRef::Number(0),
            };
            // The `ingress` entry of the rule's host and path, for an
            // Ingress of the app's component.
            let entry = || {
                let host = host?;
                let uses = &obj.input.app.params.get("ingress")?.uses;
                uses.iter()
                    .rev()
                    .find(|u| {
                        u.args.first().and_then(|a| a.value.as_str()) == Some(host)
                            && u.props
                                .get("path")
                                .and_then(|p| p.value.value.as_str())
                                .unwrap_or("/")
                                == http_path.unwrap_or("/")
                    })
                    .map(|u| Decider::at(u.span, "this rule's backend"))
            };
            let mut name_path = path.clone();
            name_path.extend([Seg::Key("service"), Seg::Key("name")]);
            let decider = obj.decide(&name_path, "this Service", entry);
            let mut port_path = path.clone();
            port_path.extend([Seg::Key("service"), Seg::Key("port")]);
            port_path.push(Seg::Key(match port {
                PortRef::Number(_) => "number",
                PortRef::Name(_) => "name",
            }));
            let port_decider = obj.decide(&port_path, "this port", entry);
            let rule = match (host, http_path) {
                (Some(h), Some(p)) => format!("`{h}{p}`"),
                (None, Some(p)) => format!("`{p}`"),
                _ => "its default backend".to_string(),
            };
            facts.backends.push(Backend {
                namespace: obj.namespace.to_string(),
                ingress: obj.name.to_string(),
                rule,
                service: service.to_string(),
                port,
                decider,
                port_decider,
                note: obj.note(&name_path),
                port_note: obj.note(&port_path),
            });
        };
    if spec["defaultBackend"].is_object() {
        add(
            vec![Seg::Key("spec"), Seg::Key("defaultBackend")],
            &spec["defaultBackend"],
            None,
            None,
        );
    }
    for (i, r) in spec["rules"].as_array().into_iter().flatten().enumerate() {
        for (j, p) in r["http"]["paths"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            add(
                vec![
                    Seg::Key("spec"),
                    Seg::Key("rules"),
                    Seg::Index(i),
                    Seg::Key("http"),
                    Seg::Key("paths"),
                    Seg::Index(j),
                    Seg::Key("backend"),
                ],
                &p["backend"],
                r["host"].as_str(),
                Some(p["path"].as_str().unwrap_or("/")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::latest;

    #[test]
    fn tags_and_digests() {
        assert_eq!(latest("nginx").map(|l| l.0), Some("has no tag"));
        assert_eq!(latest("nginx:latest").map(|l| l.1), Some("tagged `latest`"));
        assert_eq!(
            latest("registry:5000/team/web").map(|l| l.1),
            Some("no tag")
        );
        assert_eq!(latest("registry:5000/team/web:1.2"), None);
        assert_eq!(latest("nginx@sha256:abc"), None);
        assert_eq!(latest("nginx:latest@sha256:abc"), None);
    }
}
