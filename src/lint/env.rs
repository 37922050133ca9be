//! The rules that need the whole env: replicas against HPAs and
//! PodDisruptionBudgets, Services against pods, Ingress backends against
//! Services. They read the facts [`super::inspect`] kept of each app.

use foldhash::{HashMap, HashSet};

use serde_json::Value as Json;

use super::decide::Decider;
use super::{Inspected, Raw, RuleId};

/// What the env-wide rules need of one app's objects.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub workloads: Vec<Workload>,
    pub services: Vec<Service>,
    pub backends: Vec<Backend>,
    pub hpas: Vec<Hpa>,
    pub pdbs: Vec<Pdb>,
}

impl Facts {
    /// True when the env-wide rules judge every other app of the env the
    /// same beside these facts as beside `other`: the same pod labels in
    /// the same namespaces, the same Services (names, selectors, ports,
    /// whether they select pods), HorizontalPodAutoscalers and
    /// PodDisruptionBudgets. What the rules say of this app itself may
    /// differ (its probes, replicas, Ingress backends, and every span).
    pub fn same_for_others(&self, other: &Facts) -> bool {
        let pods = |a: &Workload, b: &Workload| a.namespace == b.namespace && a.labels == b.labels;
        let services = |a: &Service, b: &Service| {
            (&a.namespace, &a.name, &a.selector, &a.ports)
                == (&b.namespace, &b.name, &b.selector, &b.ports)
                && a.dangling.is_some() == b.dangling.is_some()
        };
        self.workloads.len() == other.workloads.len()
            && self
                .workloads
                .iter()
                .zip(&other.workloads)
                .all(|(a, b)| pods(a, b))
            && self.services.len() == other.services.len()
            && self
                .services
                .iter()
                .zip(&other.services)
                .all(|(a, b)| services(a, b))
            && self.hpas == other.hpas
            && self.pdbs == other.pdbs
    }
}

/// An object that runs pods.
#[derive(Clone, Debug)]
pub struct Workload {
    pub kind: String,
    pub name: String,
    pub namespace: String,
    /// The pod template's labels.
    pub labels: Vec<(String, String)>,
    /// `spec.replicas` (1 when left out) of the kinds that have it.
    pub replicas: Option<i64>,
    /// Where `single-replica` is reported, when it has fewer than 2.
    pub single: Option<Decider>,
    /// Where `no-pdb` is reported.
    pub pdb: Option<Decider>,
    /// Where `no-spread` is reported, when the pods are not spread.
    pub no_spread: Option<Decider>,
    pub serving: Vec<Serving>,
}

/// A container that runs as long as its pod, for the Service rules.
#[derive(Clone, Debug)]
pub struct Serving {
    pub name: String,
    pub what: &'static str,
    /// (name, number) of each port.
    pub ports: Vec<(Option<String>, i64)>,
    /// Where `no-readiness-probe` is reported, and the note, when the
    /// container has no readiness probe.
    pub no_readiness: Option<(Decider, String)>,
}

/// A Service.
#[derive(Clone, Debug)]
pub struct Service {
    pub namespace: String,
    pub name: String,
    pub selector: Vec<(String, String)>,
    pub ports: Vec<ServicePort>,
    /// Where `dangling-service` is reported, and the note, for a Service
    /// that selects pods.
    pub dangling: Option<(Decider, String)>,
}

/// A port of a Service.
#[derive(Clone, Debug, PartialEq)]
pub struct ServicePort {
    pub name: Option<String>,
    pub port: i64,
    pub target: PortRef,
}

/// A port by number or by name.
#[derive(Clone, Debug, PartialEq)]
pub enum PortRef {
    Number(i64),
    Name(String),
}

impl std::fmt::Display for PortRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortRef::Number(n) => write!(f, "{n}"),
            PortRef::Name(n) => f.write_str(n),
        }
    }
}

/// A backend of an Ingress.
#[derive(Clone, Debug)]
pub struct Backend {
    pub namespace: String,
    pub ingress: String,
    /// The rule, as users read it: `` `shop.example.com/` ``.
    pub rule: String,
    pub service: String,
    pub port: PortRef,
    /// Where a missing Service is reported, and the note.
    pub decider: Decider,
    pub note: String,
    /// Where a missing port is reported, and the note.
    pub port_decider: Decider,
    pub port_note: String,
}

/// A HorizontalPodAutoscaler's target and minimum.
#[derive(Clone, Debug, PartialEq)]
pub struct Hpa {
    pub namespace: String,
    pub kind: String,
    pub name: String,
    pub min: i64,
}

/// A PodDisruptionBudget's selector.
#[derive(Clone, Debug, PartialEq)]
pub struct Pdb {
    pub namespace: String,
    pub selector: Selector,
}

/// A label selector: `matchLabels` and `matchExpressions`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selector {
    labels: Vec<(String, String)>,
    expressions: Vec<(String, String, Vec<String>)>,
}

impl Selector {
    /// The selector of a `LabelSelector` object; `None` for none (which
    /// selects nothing; an empty one selects everything).
    pub fn from_json(v: &Json) -> Option<Selector> {
        v.as_object()?;
        let labels = v["matchLabels"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect();
        let expressions = v["matchExpressions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e["key"].as_str().unwrap_or_default().to_string(),
                    e["operator"].as_str().unwrap_or_default().to_string(),
                    e["values"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                )
            })
            .collect();
        Some(Selector {
            labels,
            expressions,
        })
    }

    /// True when pods with `labels` are selected.
    pub fn matches(&self, labels: &[(String, String)]) -> bool {
        let get = |k: &str| labels.iter().find(|(lk, _)| lk == k).map(|(_, v)| v);
        self.labels.iter().all(|(k, v)| get(k) == Some(v))
            && self
                .expressions
                .iter()
                .all(|(k, op, values)| match op.as_str() {
                    "In" => get(k).is_some_and(|v| values.contains(v)),
                    "NotIn" => get(k).is_none_or(|v| !values.contains(v)),
                    "Exists" => get(k).is_some(),
                    "DoesNotExist" => get(k).is_none(),
                    _ => false,
                })
    }
}

/// True when every pair of `selector` is among `labels`.
fn selects(selector: &[(String, String)], labels: &[(String, String)]) -> bool {
    selector.iter().all(|s| labels.contains(s))
}

/// "1 replica", "3 replicas".
pub fn plural(n: i64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Whether the env-wide rules may judge `other`, another app of the env,
/// differently beside one app's `old` facts than beside its `new` ones
/// (when they are not [`Facts::same_for_others`]): when an autoscaler or
/// a budget of either targets or selects one of `other`'s workloads, a
/// Service of either selects one of them (the first Service that does
/// names a missing readiness probe), one of `other`'s Services selects a
/// workload of either, or one of its Ingress backends names a Service of
/// either or is in a namespace where they have Services of other names
/// (which the help of a backend whose Service is missing lists).
pub fn may_judge_otherwise(old: &Facts, new: &Facts, other: &Facts) -> bool {
    let both = [old, new];
    let hpas = || both.iter().flat_map(|f| &f.hpas);
    let pdbs = || both.iter().flat_map(|f| &f.pdbs);
    let services = || both.iter().flat_map(|f| &f.services);
    let pods = || both.iter().flat_map(|f| &f.workloads);
    let selected_by = |s: &Service, w: &Workload| {
        s.dangling.is_some()
            && !s.selector.is_empty()
            && s.namespace == w.namespace
            && selects(&s.selector, &w.labels)
    };
    other.workloads.iter().any(|w| {
        hpas().any(|h| (&h.namespace, &h.kind, &h.name) == (&w.namespace, &w.kind, &w.name))
            || pdbs().any(|p| p.namespace == w.namespace && p.selector.matches(&w.labels))
            || services().any(|s| selected_by(s, w))
    }) || other
        .services
        .iter()
        .any(|s| pods().any(|w| selected_by(s, w)))
        || other.backends.iter().any(|b| {
            services().any(|s| (&s.namespace, &s.name) == (&b.namespace, &b.service))
                || names_in(old, &b.namespace) != names_in(new, &b.namespace)
        })
}

/// The names of the Services `f` has in namespace `ns`.
fn names_in<'f>(f: &'f Facts, ns: &str) -> Vec<&'f str> {
    let mut names: Vec<&str> = f
        .services
        .iter()
        .filter(|s| s.namespace == ns)
        .map(|s| s.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The apps (by index) whose findings the env-wide rules make: all, or
/// those marked.
#[derive(Clone, Copy)]
pub struct Wanted<'a>(pub Option<&'a [bool]>);

impl Wanted<'_> {
    fn has(self, app: usize) -> bool {
        self.0.is_none_or(|marked| marked[app])
    }
}

/// Applies the env-wide rules; the findings of the `wanted` apps go to
/// `out` with their app's index.
pub fn rules(apps: &[&Inspected], wanted: Wanted<'_>, out: &mut Vec<(usize, Raw)>) {
    let by_label = workloads_by_label(apps, wanted);
    replicas(apps, &by_label, wanted, out);
    services(apps, &by_label, wanted, out);
    ingresses(apps, wanted, out);
}

fn replicas(
    apps: &[&Inspected],
    by_label: &ByLabel<'_>,
    wanted: Wanted<'_>,
    out: &mut Vec<(usize, Raw)>,
) {
    let hpas: HashMap<(&str, &str, &str), i64> = apps
        .iter()
        .flat_map(|a| &a.facts.hpas)
        .map(|h| {
            (
                (h.namespace.as_str(), h.kind.as_str(), h.name.as_str()),
                h.min,
            )
        })
        .collect();
    let covered = covered_by_pdbs(apps, by_label, wanted);
    for (ai, a) in apps.iter().enumerate().filter(|(ai, _)| wanted.has(*ai)) {
        for (wi, w) in a.facts.workloads.iter().enumerate() {
            let Some(n) = w.replicas else { continue };
            let hpa = hpas
                .get(&(w.namespace.as_str(), w.kind.as_str(), w.name.as_str()))
                .copied();
            let object = format!("{} `{}`", w.kind, w.name);
            if hpa.is_none()
                && n < 2
                && matches!(w.kind.as_str(), "Deployment" | "StatefulSet")
                && let Some(d) = &w.single
            {
                out.push((
                    ai,
                    Raw {
                        rule: RuleId::SingleReplica,
                        message: format!(
                            "{object} has {} and no HorizontalPodAutoscaler",
                            plural(n, "replica")
                        ),
                        decider: d.clone(),
                        note: format!("rendered as `spec.replicas` of {object}"),
                    },
                ));
            }
            let count = hpa.unwrap_or(n);
            if count < 2 {
                continue;
            }
            let replicas = match hpa {
                Some(_) => {
                    format!("at least {count} replicas (its HorizontalPodAutoscaler's minimum)")
                }
                None => format!("{count} replicas"),
            };
            if let Some(d) = &w.pdb
                && !covered.contains(&(ai, wi))
            {
                out.push((
                    ai,
                    Raw {
                        rule: RuleId::NoPdb,
                        message: format!("{object} has {replicas} and no PodDisruptionBudget"),
                        decider: d.clone(),
                        note: format!(
                            "no PodDisruptionBudget of the env selects the pods of {object}"
                        ),
                    },
                ));
            }
            if let Some(d) = &w.no_spread {
                out.push((
                    ai,
                    Raw {
                        rule: RuleId::NoSpread,
                        message: format!("{object} has {replicas} that may all run on one node"),
                        decider: d.clone(),
                        note: format!(
                            "the pod template of {object} has no `topologySpreadConstraints` and no `affinity.podAntiAffinity`"
                        ),
                    },
                ));
            }
        }
    }
}

/// The workloads (app index, workload index) of the `wanted` apps some
/// PodDisruptionBudget of their namespace selects. Each budget looks only
/// at the workloads that have its rarest label (`by_label`); one without
/// `matchLabels` at every workload of its namespace.
fn covered_by_pdbs(
    apps: &[&Inspected],
    by_label: &ByLabel<'_>,
    wanted: Wanted<'_>,
) -> HashSet<(usize, usize)> {
    let mut covered = HashSet::default();
    for p in apps.iter().flat_map(|a| &a.facts.pdbs) {
        let ns = p.namespace.as_str();
        let all: Vec<(usize, usize)>;
        let candidates = match rarest(by_label, ns, &p.selector.labels) {
            Some(c) => c,
            None => {
                all = apps
                    .iter()
                    .enumerate()
                    .filter(|(ai, _)| wanted.has(*ai))
                    .flat_map(|(ai, a)| {
                        a.facts
                            .workloads
                            .iter()
                            .enumerate()
                            .map(move |(wi, w)| (ai, wi, w))
                    })
                    .filter(|(_, _, w)| w.namespace == ns)
                    .map(|(ai, wi, _)| (ai, wi))
                    .collect();
                &all
            }
        };
        for &(ai, wi) in candidates {
            if p.selector.matches(&apps[ai].facts.workloads[wi].labels) {
                covered.insert((ai, wi));
            }
        }
    }
    covered
}

/// The workloads of namespace `ns` with the rarest of `labels`: those a
/// selector of these labels can select. `None` for no labels.
fn rarest<'i>(
    by_label: &'i ByLabel<'_>,
    ns: &'i str,
    labels: &'i [(String, String)],
) -> Option<&'i [(usize, usize)]> {
    labels
        .iter()
        .map(|(k, v)| {
            by_label
                .get(&(ns, k.as_str(), v.as_str()))
                .map(Vec::as_slice)
                .unwrap_or_default()
        })
        .min_by_key(|c| c.len())
}

/// The env's workloads by (namespace, label key, label value).
type ByLabel<'a> = HashMap<(&'a str, &'a str, &'a str), Vec<(usize, usize)>>;

/// The workloads of the `wanted` apps, as (app index, workload index), by
/// namespace and pod label, in the env's order: the candidates a selector
/// can match whose findings are wanted.
fn workloads_by_label<'a>(apps: &[&'a Inspected], wanted: Wanted<'_>) -> ByLabel<'a> {
    let mut index = ByLabel::default();
    for (ai, a) in apps.iter().enumerate().filter(|(ai, _)| wanted.has(*ai)) {
        for (wi, w) in a.facts.workloads.iter().enumerate() {
            for (k, v) in &w.labels {
                index
                    .entry((w.namespace.as_str(), k.as_str(), v.as_str()))
                    .or_default()
                    .push((ai, wi));
            }
        }
    }
    index
}

fn services(
    apps: &[&Inspected],
    by_label: &ByLabel<'_>,
    wanted: Wanted<'_>,
    out: &mut Vec<(usize, Raw)>,
) {
    let mut reported: HashSet<(usize, usize, usize)> = HashSet::default();
    for (si, a) in apps.iter().enumerate() {
        for s in &a.facts.services {
            let Some((decider, note)) = &s.dangling else {
                continue;
            };
            let mut matched = false;
            // A Service with `dangling` set has a selector.
            let candidates = rarest(by_label, &s.namespace, &s.selector).unwrap_or_default();
            for &(ai, wi) in candidates {
                let w = &apps[ai].facts.workloads[wi];
                if !selects(&s.selector, &w.labels) {
                    continue;
                }
                matched = true;
                let serves = |c: &Serving| {
                    c.ports.iter().any(|(name, number)| {
                        s.ports.iter().any(|p| match &p.target {
                            PortRef::Number(n) => n == number,
                            PortRef::Name(n) => name.as_deref() == Some(n.as_str()),
                        })
                    })
                };
                // The containers that serve a port the Service targets;
                // the first, when none declares one.
                let mut chosen: Vec<usize> = (0..w.serving.len())
                    .filter(|&i| serves(&w.serving[i]))
                    .collect();
                if chosen.is_empty() && !w.serving.is_empty() {
                    chosen.push(0);
                }
                for ci in chosen {
                    let c = &w.serving[ci];
                    let Some((d, note)) = &c.no_readiness else {
                        continue;
                    };
                    if !reported.insert((ai, wi, ci)) {
                        continue;
                    }
                    out.push((
                        ai,
                        Raw {
                            rule: RuleId::NoReadinessProbe,
                            message: format!(
                                "{} `{}` is behind Service `{}` and has no readiness probe",
                                c.what, c.name, s.name
                            ),
                            decider: d.clone(),
                            note: note.clone(),
                        },
                    ));
                }
            }
            // The index holds the wanted apps' workloads only: the others
            // are asked when this Service's app is wanted.
            if !matched && wanted.0.is_some() && wanted.has(si) && !s.selector.is_empty() {
                matched = apps
                    .iter()
                    .flat_map(|a| &a.facts.workloads)
                    .any(|w| w.namespace == s.namespace && selects(&s.selector, &w.labels));
            }
            if !matched && wanted.has(si) {
                let labels = s
                    .selector
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut decider = decider.clone();
                if decider.help.is_none() {
                    decider.help = Some(format!(
                        "no pod template in the Service's namespace has the labels `{labels}`: render the app whose pods it serves in this env, or fix the selector"
                    ));
                }
                out.push((
                    si,
                    Raw {
                        rule: RuleId::DanglingService,
                        message: format!("Service `{}` selects no pod", s.name),
                        decider,
                        note: note.clone(),
                    },
                ));
            }
        }
    }
}

fn ingresses(apps: &[&Inspected], wanted: Wanted<'_>, out: &mut Vec<(usize, Raw)>) {
    let backends = |ai: usize| wanted.has(ai) && !apps[ai].facts.backends.is_empty();
    if !(0..apps.len()).any(backends) {
        return;
    }
    let services: HashMap<(&str, &str), &Service> = apps
        .iter()
        .flat_map(|a| &a.facts.services)
        .map(|s| ((s.namespace.as_str(), s.name.as_str()), s))
        .collect();
    for (ai, a) in apps.iter().enumerate().filter(|(ai, _)| wanted.has(*ai)) {
        for b in &a.facts.backends {
            let mut at_port = false;
            let (message, help) = match services.get(&(b.namespace.as_str(), b.service.as_str())) {
                None => {
                    let names = services
                        .keys()
                        .filter(|(ns, _)| *ns == b.namespace)
                        .map(|(_, n)| *n);
                    (
                        format!(
                            "Ingress `{}` sends {} to Service `{}`, which the env does not have",
                            b.ingress, b.rule, b.service
                        ),
                        crate::diag::suggest(
                            &b.service,
                            names,
                            "the Services in its namespace are",
                        ),
                    )
                }
                Some(s) => {
                    let found = s.ports.iter().any(|p| match &b.port {
                        PortRef::Number(n) => p.port == *n,
                        PortRef::Name(n) => p.name.as_deref() == Some(n.as_str()),
                    });
                    if found {
                        continue;
                    }
                    at_port = true;
                    let ports: Vec<String> = s
                        .ports
                        .iter()
                        .map(|p| match &p.name {
                            Some(n) => format!("`{n}` ({})", p.port),
                            None => format!("`{}`", p.port),
                        })
                        .collect();
                    (
                        format!(
                            "Ingress `{}` sends {} to port `{}` of Service `{}`, which has no such port",
                            b.ingress, b.rule, b.port, b.service
                        ),
                        if ports.is_empty() {
                            "the Service has no ports".to_string()
                        } else {
                            format!("the Service's ports are {}", ports.join(", "))
                        },
                    )
                }
            };
            let (decider, note) = if at_port {
                (&b.port_decider, &b.port_note)
            } else {
                (&b.decider, &b.note)
            };
            out.push((
                ai,
                Raw {
                    rule: RuleId::DanglingIngress,
                    message,
                    decider: decider.clone().or_help(help),
                    note: note.clone(),
                },
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Rng;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn selectors_match_labels_and_expressions() {
        let labels = pairs(&[("app", "web"), ("tier", "front")]);
        let sel = |v: serde_json::Value| Selector::from_json(&v).expect("a selector");
        assert!(sel(serde_json::json!({})).matches(&labels));
        assert!(sel(serde_json::json!({"matchLabels": {"app": "web"}})).matches(&labels));
        assert!(!sel(serde_json::json!({"matchLabels": {"app": "db"}})).matches(&labels));
        let expr = |op: &str, values: &[&str]| {
            sel(
                serde_json::json!({"matchExpressions": [{"key": "tier", "operator": op, "values": values}]}),
            )
        };
        assert!(expr("In", &["front", "back"]).matches(&labels));
        assert!(!expr("NotIn", &["front"]).matches(&labels));
        assert!(expr("Exists", &[]).matches(&labels));
        assert!(!expr("DoesNotExist", &[]).matches(&labels));
        assert!(Selector::from_json(&serde_json::Value::Null).is_none());
        assert!(selects(&pairs(&[("app", "web")]), &labels));
        assert!(!selects(&pairs(&[("app", "web"), ("x", "y")]), &labels));
    }

    impl Rng {
        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[self.below(from.len())]
        }

        fn labels(&mut self) -> Vec<(String, String)> {
            let mut labels = Vec::new();
            for (k, values) in [("app", ["x", "y"]), ("tier", ["f", "b"])] {
                if self.below(3) > 0 {
                    labels.push((k.to_string(), self.pick(&values).to_string()));
                }
            }
            labels
        }
    }

    /// Random facts of app `app`: workloads, Services, backends,
    /// autoscalers and budgets drawn from a few names, namespaces and
    /// labels, so that apps often meet.
    fn facts(rng: &mut Rng, app: u32) -> Facts {
        let at = |what: &str| Decider::at(crate::span::Span::new(app, 0, 1), what);
        let ns = |rng: &mut Rng| rng.pick(&["n1", "n2"]).to_string();
        let port = |rng: &mut Rng| match rng.below(2) {
            0 => PortRef::Number(80),
            _ => PortRef::Name("http".into()),
        };
        let mut f = Facts::default();
        for _ in 0..rng.below(3) {
            f.workloads.push(Workload {
                kind: "Deployment".into(),
                name: rng.pick(&["a", "b"]).into(),
                namespace: ns(rng),
                labels: rng.labels(),
                replicas: Some(rng.below(3) as i64 + 1),
                single: Some(at("single")),
                pdb: Some(at("pdb")),
                no_spread: (rng.below(2) == 0).then(|| at("spread")),
                serving: (0..rng.below(2))
                    .map(|_| Serving {
                        name: "c".into(),
                        what: "container",
                        ports: vec![(Some("http".into()), rng.below(2) as i64 + 80)],
                        no_readiness: Some((at("readiness"), "note".into())),
                    })
                    .collect(),
            });
        }
        for _ in 0..rng.below(3) {
            f.services.push(Service {
                namespace: ns(rng),
                name: rng.pick(&["s1", "s2"]).into(),
                selector: rng.labels(),
                ports: vec![ServicePort {
                    name: (rng.below(2) == 0).then(|| "http".into()),
                    port: rng.below(2) as i64 + 80,
                    target: port(rng),
                }],
                dangling: (rng.below(4) > 0).then(|| (at("selector"), "note".into())),
            });
        }
        for _ in 0..rng.below(2) {
            f.backends.push(Backend {
                namespace: ns(rng),
                ingress: "i".into(),
                rule: "r".into(),
                service: rng.pick(&["s1", "s2", "s3"]).into(),
                port: port(rng),
                decider: at("backend"),
                note: "note".into(),
                port_decider: at("port"),
                port_note: "note".into(),
            });
        }
        for _ in 0..rng.below(2) {
            f.hpas.push(Hpa {
                namespace: ns(rng),
                kind: "Deployment".into(),
                name: rng.pick(&["a", "b"]).into(),
                min: rng.below(3) as i64 + 1,
            });
        }
        for _ in 0..rng.below(2) {
            f.pdbs.push(Pdb {
                namespace: ns(rng),
                selector: Selector {
                    labels: rng.labels(),
                    expressions: Vec::new(),
                },
            });
        }
        f
    }

    /// Each app's findings of the env-wide rules over `apps`, as text.
    fn judged(apps: &[Inspected]) -> Vec<Vec<String>> {
        let refs: Vec<&Inspected> = apps.iter().collect();
        let mut out = Vec::new();
        rules(&refs, Wanted(None), &mut out);
        let mut per_app = vec![Vec::new(); apps.len()];
        for (app, raw) in out {
            per_app[app].push(format!("{raw:?}"));
        }
        per_app
    }

    /// One app's facts replaced at random: every other app the rules judge
    /// differently was said to be by `may_judge_otherwise` (and none when
    /// `same_for_others`), and judging the marked apps only gives their
    /// findings exactly.
    #[test]
    fn an_app_judged_otherwise_is_always_one_said_to_be() {
        let mut rng = Rng(0x6b69_6c6e_2026);
        let (mut changed, mut caught) = (0, 0);
        for _ in 0..20_000 {
            let n = rng.below(4) + 2;
            let mut apps: Vec<Inspected> = (0..n)
                .map(|i| Inspected {
                    app: format!("app{i}"),
                    raws: Vec::new(),
                    facts: facts(&mut rng, i as u32),
                })
                .collect();
            let before = judged(&apps);
            let i = rng.below(n);
            let old = apps[i].facts.clone();
            apps[i].facts = facts(&mut rng, i as u32);
            let after = judged(&apps);
            let new = &apps[i].facts;
            let same = old.same_for_others(new);
            let mut wanted = vec![false; n];
            wanted[i] = true;
            for j in (0..n).filter(|j| *j != i) {
                let otherwise = !same && may_judge_otherwise(&old, new, &apps[j].facts);
                wanted[j] = otherwise;
                if before[j] != after[j] {
                    changed += 1;
                    caught += usize::from(otherwise);
                    assert!(otherwise, "app {j} is judged otherwise: {old:?} -> {new:?}");
                }
            }
            let refs: Vec<&Inspected> = apps.iter().collect();
            let mut out = Vec::new();
            rules(&refs, Wanted(Some(&wanted)), &mut out);
            let mut marked = vec![Vec::new(); n];
            for (app, raw) in out {
                marked[app].push(format!("{raw:?}"));
            }
            for j in (0..n).filter(|j| wanted[*j]) {
                assert_eq!(marked[j], after[j], "the marked app {j}");
            }
        }
        // The generator makes apps meet often enough to prove something.
        assert!(changed > 1_000, "only {changed} apps were judged otherwise");
        assert_eq!(caught, changed);
    }
}
