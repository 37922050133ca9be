//! Object against object, field by field: what `kiln import` verifies,
//! and what its patches are made from.
//!
//! Both sides are compared as the API server would store them
//! ([`normalize`]). Ignored, and nothing else: the standard labels kiln
//! adds (`app.kubernetes.io/name`, `instance`, `part-of`, `managed-by`)
//! where the input has no such label, and the namespace kiln gives an
//! object of a namespaced kind that had none
//! ([`differences_cluster_scoped`] for the others).

use serde_json::Value as Json;

use super::defaults::normalize;

/// The labels kiln puts on every object it renders.
pub const KILN_LABELS: &[&str] = &[
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
];

/// One field that differs.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    /// The field's path, one token per map key or list index.
    pub path: Vec<String>,
    /// The input's value (`None`: the input has no such field).
    pub before: Option<Json>,
    /// The rendered value (`None`: the render has no such field).
    pub after: Option<Json>,
    /// The rendered object holds the field as written (not only as a
    /// default), so a patch can remove it.
    pub after_written: bool,
}

impl Difference {
    /// The path as an RFC 6901 JSON pointer.
    pub fn pointer(&self) -> String {
        pointer(&self.path)
    }
}

/// `["metadata", "a/b"]` → `/metadata/a~1b`.
pub fn pointer(path: &[String]) -> String {
    path.iter()
        .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// Every difference between the input object and the rendered one.
pub fn differences(input: &Json, rendered: &Json) -> Vec<Difference> {
    let (inorm, rnorm) = (normalize(input), normalize(rendered));
    let mut out = Vec::new();
    let mut path = Vec::new();
    walk(
        &mut path,
        Sides {
            inorm: Some(&inorm),
            rnorm: Some(&rnorm),
            iraw: Some(input),
            rraw: Some(rendered),
        },
        &mut out,
    );
    out
}

/// [`differences`], for an object of a cluster-scoped kind: a namespace
/// the render gives it is a difference too (it would not be applied as
/// the input is).
pub fn differences_cluster_scoped(input: &Json, rendered: &Json) -> Vec<Difference> {
    let mut out = differences(input, rendered);
    let namespace = |v: &Json| {
        v["metadata"]
            .get("namespace")
            .filter(|n| !n.is_null())
            .cloned()
    };
    if namespace(input).is_none()
        && let Some(after) = namespace(rendered)
    {
        out.push(Difference {
            path: vec!["metadata".to_string(), "namespace".to_string()],
            before: None,
            after: Some(after),
            after_written: true,
        });
    }
    out
}

/// One place in both objects, normalized and as written.
#[derive(Clone, Copy)]
struct Sides<'a> {
    inorm: Option<&'a Json>,
    rnorm: Option<&'a Json>,
    iraw: Option<&'a Json>,
    rraw: Option<&'a Json>,
}

impl<'a> Sides<'a> {
    fn key(&self, k: &str) -> Sides<'a> {
        let get = |v: Option<&'a Json>| v.and_then(|v| v.as_object()).and_then(|m| m.get(k));
        Sides {
            inorm: get(self.inorm),
            rnorm: get(self.rnorm),
            iraw: get(self.iraw),
            rraw: get(self.rraw),
        }
    }

    fn index(&self, i: usize) -> Sides<'a> {
        let get = |v: Option<&'a Json>| v.and_then(|v| v.as_array()).and_then(|a| a.get(i));
        Sides {
            inorm: get(self.inorm),
            rnorm: get(self.rnorm),
            iraw: get(self.iraw),
            rraw: get(self.rraw),
        }
    }
}

fn ignored(path: &[String], s: &Sides<'_>) -> bool {
    if s.inorm.is_some() {
        return false;
    }
    match path {
        [m, l, key] if m == "metadata" && l == "labels" => KILN_LABELS.contains(&key.as_str()),
        [m, n] if m == "metadata" && n == "namespace" => true,
        _ => false,
    }
}

fn walk(path: &mut Vec<String>, s: Sides<'_>, out: &mut Vec<Difference>) {
    if s.inorm == s.rnorm || ignored(path, &s) {
        return;
    }
    match (s.inorm, s.rnorm) {
        (Some(Json::Object(a)), Some(Json::Object(b))) => {
            let keys: Vec<&String> = a
                .keys()
                .chain(b.keys().filter(|k| !a.contains_key(*k)))
                .collect();
            for k in keys {
                path.push(k.clone());
                walk(path, s.key(k), out);
                path.pop();
            }
        }
        (Some(Json::Array(a)), Some(Json::Array(b))) if a.len() == b.len() && alike(a, b) => {
            for i in 0..a.len() {
                path.push(i.to_string());
                walk(path, s.index(i), out);
                path.pop();
            }
        }
        (Some(Json::Array(a)), Some(Json::Array(b))) if a.len() > b.len() && a.starts_with(b) => {
            // The render writes the start of the list: the rest is added
            // item by item (a patch's `set` at the end of a list appends).
            for i in b.len()..a.len() {
                path.push(i.to_string());
                out.push(Difference {
                    path: path.clone(),
                    before: s.iraw.and_then(|v| v.get(i)).or(a.get(i)).cloned(),
                    after: None,
                    after_written: false,
                });
                path.pop();
            }
        }
        (Some(Json::Object(_)), None) if s.iraw.is_some_and(small_flat_map) => {
            // A few scalars in a map the render lacks: one field each, which
            // reads better than one value holding them all.
            for (k, v) in s.iraw.and_then(Json::as_object).into_iter().flatten() {
                path.push(k.clone());
                out.push(Difference {
                    path: path.clone(),
                    before: Some(v.clone()),
                    after: None,
                    after_written: false,
                });
                path.pop();
            }
        }
        _ => out.push(Difference {
            path: path.clone(),
            before: s.iraw.or(s.inorm).cloned(),
            after: s.rraw.or(s.rnorm).cloned(),
            after_written: s.rraw.is_some(),
        }),
    }
}

/// Lists compared item by item rather than whole: when at most half of
/// the items differ, not counting maps that are the same item changed
/// inside (the same container, port or volume: see [`same_item`]).
fn alike(a: &[Json], b: &[Json]) -> bool {
    let unlike = a
        .iter()
        .zip(b)
        .filter(|(x, y)| x != y && !same_item(x, y))
        .count();
    2 * unlike <= a.len()
}

/// Two maps that name the same thing: no two different names, and one of
/// the fields that identify list items equal.
fn same_item(x: &Json, y: &Json) -> bool {
    let (Some(x), Some(y)) = (x.as_object(), y.as_object()) else {
        return false;
    };
    if let (Some(a), Some(b)) = (x.get("name"), y.get("name"))
        && a != b
    {
        return false;
    }
    ["name", "containerPort", "port", "mountPath", "key", "host"]
        .iter()
        .any(|k| x.get(*k).is_some() && x.get(*k) == y.get(*k))
}

fn small_flat_map(v: &Json) -> bool {
    v.as_object().is_some_and(|m| {
        !m.is_empty() && m.len() <= 3 && m.values().all(|x| !x.is_object() && !x.is_array())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(d: &[Difference]) -> Vec<String> {
        d.iter().map(Difference::pointer).collect()
    }

    #[test]
    fn a_namespace_on_a_cluster_scoped_object_is_a_difference() {
        let input = json!({"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer", "metadata": {"name": "a"}});
        let mut rendered = input.clone();
        rendered["metadata"]["namespace"] = json!("staging");
        assert!(differences(&input, &rendered).is_empty());
        let d = differences_cluster_scoped(&input, &rendered);
        assert_eq!(paths(&d), ["/metadata/namespace"]);
        assert_eq!(d[0].after, Some(json!("staging")));
        assert!(differences_cluster_scoped(&input, &input).is_empty());
    }

    #[test]
    fn kiln_labels_and_defaults_are_no_difference() {
        let input = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a", "labels": {"team": "x"}},
            "spec": {"ports": [{"port": 80, "targetPort": 80}], "selector": {"app": "a"}}});
        let rendered = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a", "namespace": "dev",
            "labels": {"team": "x", "app.kubernetes.io/managed-by": "kiln"}},
            "spec": {"type": "ClusterIP", "ports": [{"port": 80, "protocol": "TCP"}], "selector": {"app": "a"}}});
        assert_eq!(differences(&input, &rendered), []);
    }

    #[test]
    fn differences_name_their_path_and_both_values() {
        let input = json!({"kind": "X", "metadata": {"name": "a", "labels": {"app.kubernetes.io/name": "b"}},
            "spec": {"a/b": 1, "list": [1, 2, 3], "gone": true}});
        let rendered = json!({"kind": "X", "metadata": {"name": "a", "labels": {"app.kubernetes.io/name": "a"}},
            "spec": {"a/b": 2, "list": [1, 2, 4], "extra": "x"}});
        let d = differences(&input, &rendered);
        assert_eq!(
            paths(&d),
            [
                "/metadata/labels/app.kubernetes.io~1name",
                "/spec/a~1b",
                "/spec/list/2",
                "/spec/gone",
                "/spec/extra"
            ]
        );
        assert_eq!(d[1].before, Some(json!(1)));
        assert_eq!(d[1].after, Some(json!(2)));
        assert_eq!(d[3].after, None);
        assert_eq!(d[4].before, None);
        assert!(d[4].after_written);
    }

    #[test]
    fn the_same_container_is_compared_inside() {
        let input =
            json!({"spec": {"containers": [{"name": "a", "image": "x:1"}], "ann": {"k": "v"}}});
        let rendered = json!({"spec": {"containers": [{"name": "a", "image": "x:2"}]}});
        assert_eq!(
            paths(&differences(&input, &rendered)),
            ["/spec/containers/0/image", "/spec/ann/k"]
        );
    }

    #[test]
    fn items_past_the_rendered_ones_are_added_one_by_one() {
        let input = json!({"env": [{"name": "A"}, {"name": "B"}, {"name": "C"}]});
        let rendered = json!({"env": [{"name": "A"}]});
        assert_eq!(paths(&differences(&input, &rendered)), ["/env/1", "/env/2"]);
    }

    #[test]
    fn an_unnamed_port_is_the_same_port() {
        let input = json!({"ports": [{"port": 80, "targetPort": 9000}]});
        let rendered = json!({"ports": [{"name": "http", "port": 80, "targetPort": "http"}]});
        assert_eq!(
            paths(&differences(&input, &rendered)),
            ["/ports/0/targetPort", "/ports/0/name"]
        );
    }

    #[test]
    fn lists_of_other_lengths_or_mostly_different_differ_whole() {
        // `a`: longer, but not the rendered list and more; `b`: the same
        // length, mostly different.
        let input = json!({"spec": {"a": [1, 2], "b": [1, 2, 3]}});
        let rendered = json!({"spec": {"a": [2], "b": [3, 2, 1]}});
        assert_eq!(
            paths(&differences(&input, &rendered)),
            ["/spec/a", "/spec/b"]
        );
    }
}
