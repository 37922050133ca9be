//! Custom resources: their CRDs and their scope. kiln checks every object
//! of a group Kubernetes does not serve against its CRD (built in, named
//! by `crds`, or rendered by an app of the env), and takes the CRD's scope
//! to decide whether the object gets the env's namespace. An input
//! carrying a cert-manager Certificate, say, without the CRD would make a
//! project that does not check, and a ClusterIssuer would be rendered in
//! a namespace.
//!
//! So import keeps what the input tells: its CRDs are vendored into the
//! project's `crds/` folder (every env knows them, not only the env whose
//! input holds them); a kind no CRD defines whose objects have no
//! namespace, in envs whose namespaced objects all have one, is taken as
//! cluster-scoped and given a CRD that says only that (every field
//! accepted); any other unknown kind makes the project say `crds
//! allow-unknown=#true`, and the user is told which kinds to vendor.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value as Json, json};

use super::read::{EnvObjects, Object};
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::render::crd::{CrdKind, builtin};
use crate::render::validate::{self, group_of, is_builtin_group};
use crate::render::yaml;

/// The project's `crds` folder.
pub const FOLDER: &str = "crds";

/// What the input tells of its custom resources, for the imported project.
#[derive(Clone, Debug, Default)]
pub struct Knowledge {
    /// (group, kind) of the custom resources that are cluster-scoped.
    cluster: BTreeSet<(String, String)>,
    /// The files of the `crds/` folder, by path relative to the project.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Some kind stays unknown: the project says `crds allow-unknown=#true`.
    pub allow_unknown: bool,
}

impl Knowledge {
    /// Whether objects of `kind` are cluster-scoped: as Kubernetes says
    /// for its own kinds, as the CRD says (the input's, kiln's or the one
    /// taken from the input), namespaced when nothing tells.
    pub fn cluster_scoped(&self, api_version: &str, kind: &str) -> bool {
        let group = group_of(api_version);
        if is_builtin_group(group) {
            return validate::is_namespaced(api_version, kind) == Some(false);
        }
        if let Some(crd) = builtin::find(group, kind) {
            return !crd.namespaced;
        }
        self.cluster
            .contains(&(group.to_string(), kind.to_string()))
    }
}

/// A CRD of the input: its `(group, kind)` and scope, from its spec.
fn defines(o: &Object) -> Option<((String, String), bool)> {
    if o.kind() != "CustomResourceDefinition" || group_of(o.api_version()) != "apiextensions.k8s.io"
    {
        return None;
    }
    let spec = &o.value["spec"];
    let key = (
        spec["group"].as_str()?.to_string(),
        spec["names"]["kind"].as_str()?.to_string(),
    );
    Some((key, spec["scope"] == "Cluster"))
}

/// What the input tells of its custom resources (see the module's doc),
/// with a warning per kind no CRD defines, at its first object.
pub fn knowledge(envs: &[EnvObjects], diags: &mut Diagnostics) -> Knowledge {
    let mut k = Knowledge::default();
    // The input's CRDs kiln can read, by name: vendored when every env
    // that holds one holds the same.
    let mut crds: BTreeMap<&str, Vendored> = BTreeMap::new();
    for o in envs.iter().flat_map(|e| &e.objects) {
        let Some((key, cluster)) = defines(o).filter(|_| CrdKind::from_json(&o.value).is_ok())
        else {
            continue;
        };
        let v = crds.entry(o.name()).or_insert(Vendored {
            value: &o.value,
            key,
            cluster,
            same: true,
        });
        v.same &= *v.value == o.value;
    }
    let mut vendored: BTreeSet<(String, String)> = BTreeSet::new();
    for (
        name,
        Vendored {
            value,
            key,
            cluster,
            same,
        },
    ) in crds
    {
        if !same {
            continue;
        }
        let text = format!(
            "# Vendored by `kiln import` from its input, so that every env checks\n# {} objects against it.\n{}",
            key.1,
            yaml::to_yaml(value)
        );
        k.files
            .insert(format!("{FOLDER}/{name}.yaml"), text.into_bytes());
        if cluster {
            k.cluster.insert(key.clone());
        }
        vendored.insert(key);
    }
    // Kinds no CRD defines: the envs that have them, and whether any of
    // their objects has a namespace.
    let mut unknown: BTreeMap<(String, String), Unknown> = BTreeMap::new();
    for (e, env) in envs.iter().enumerate() {
        let own: BTreeMap<(String, String), bool> =
            env.objects.iter().filter_map(defines).collect();
        for o in &env.objects {
            let group = group_of(o.api_version());
            let key = (group.to_string(), o.kind().to_string());
            if is_builtin_group(group)
                || vendored.contains(&key)
                || builtin::find(group, o.kind()).is_some()
            {
                continue;
            }
            if let Some(&cluster) = own.get(&key) {
                // Rendered by the env's own app, the CRD tells the scope.
                if cluster {
                    k.cluster.insert(key);
                }
                continue;
            }
            let u = unknown.entry(key).or_insert_with(|| Unknown {
                first: o.span,
                envs: BTreeSet::new(),
                namespaced: false,
                versions: BTreeSet::new(),
            });
            u.envs.insert(e);
            u.namespaced |= o.namespace().is_some();
            u.versions.insert(
                o.api_version()
                    .rsplit_once('/')
                    .map_or("", |(_, v)| v)
                    .to_string(),
            );
        }
    }
    for ((group, kind), u) in unknown {
        let cluster = !u.namespaced && u.envs.iter().all(|&e| namespaces_everything(&envs[e]));
        if cluster {
            let name = format!("{}.{group}", plural(&kind));
            let file = format!("{FOLDER}/{name}.yaml");
            diags.push(
                Diagnostic::warning(
                    codes::UNKNOWN_KIND,
                    format!("no CRD defines `{kind}` of group `{group}`: its objects have no namespace where the env's other objects have one, so the imported project takes it as cluster-scoped (`{file}`)"),
                )
                .primary(u.first, "the first object of this kind")
                .help(format!("`{file}` says only that `{kind}` is cluster-scoped and accepts every field: replace it with the group's CustomResourceDefinitions to have these objects checked")),
            );
            k.files.insert(
                file,
                scope_only(&name, &group, &kind, &u.versions).into_bytes(),
            );
            k.cluster.insert((group, kind));
        } else {
            diags.push(
                Diagnostic::warning(
                    codes::UNKNOWN_KIND,
                    format!("no CRD defines `{kind}` of group `{group}`: the imported project says `crds allow-unknown=#true`"),
                )
                .primary(u.first, "the first object of this kind")
                .help("vendor the group's CustomResourceDefinitions and name them in `project { crds \"crds/…\" }` to have these objects checked"),
            );
            k.allow_unknown = true;
        }
    }
    k
}

/// A CRD of the input, to vendor when every copy of it is the same.
struct Vendored<'a> {
    value: &'a Json,
    key: (String, String),
    cluster: bool,
    same: bool,
}

/// A kind no CRD defines, as the input has it.
struct Unknown {
    first: crate::span::Span,
    /// The envs whose input has objects of it.
    envs: BTreeSet<usize>,
    /// Some object of it has a namespace.
    namespaced: bool,
    /// The versions its objects name.
    versions: BTreeSet<String>,
}

/// Whether every object of the env whose kind is known to be namespaced
/// has a namespace (and there is one): then an object without one says
/// its kind is cluster-scoped. Input applied with `kubectl -n` says
/// nothing of the kind.
fn namespaces_everything(env: &EnvObjects) -> bool {
    let mut namespaced = env
        .objects
        .iter()
        .filter(|o| {
            let group = group_of(o.api_version());
            if is_builtin_group(group) {
                validate::is_namespaced(o.api_version(), o.kind()) == Some(true)
            } else {
                builtin::find(group, o.kind()).is_some_and(|c| c.namespaced)
            }
        })
        .peekable();
    namespaced.peek().is_some() && namespaced.all(|o| o.namespace().is_some())
}

/// The resource name of a kind, as Kubernetes spells most:
/// `ClusterIssuer` → `clusterissuers`, `ClusterPolicy` → `clusterpolicies`.
fn plural(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if let Some(stem) = lower
        .strip_suffix('y')
        .filter(|s| !s.ends_with(['a', 'e', 'i', 'o', 'u']))
    {
        format!("{stem}ies")
    } else if lower.ends_with('s')
        || lower.ends_with('x')
        || lower.ends_with("ch")
        || lower.ends_with("sh")
    {
        format!("{lower}es")
    } else {
        format!("{lower}s")
    }
}

/// A CRD that says only that `kind` is cluster-scoped, in the versions its
/// objects use, every field accepted.
fn scope_only(name: &str, group: &str, kind: &str, versions: &BTreeSet<String>) -> String {
    let versions: Vec<Json> = versions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            json!({
                "name": v,
                "served": true,
                "storage": i + 1 == versions.len(),
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
            })
        })
        .collect();
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": name},
        "spec": {
            "group": group,
            "names": {"kind": kind, "plural": name.split('.').next().unwrap_or_default()},
            "scope": "Cluster",
            "versions": versions,
        },
    });
    format!(
        "# Written by `kiln import`: no CRD in its input defines {kind}, and its\n# objects have no namespace where the env's other objects have one, so\n# {kind} is taken as cluster-scoped. That is all this file knows: every\n# field is accepted. Replace it with the CRDs {group} publishes.\n{}",
        yaml::to_yaml(&crd)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::read::Object;
    use crate::span::Span;
    use serde_json::json;

    fn env(objects: Vec<serde_json::Value>) -> EnvObjects {
        EnvObjects {
            env: "dev".into(),
            objects: objects
                .into_iter()
                .map(|value| Object {
                    value,
                    span: Span::default(),
                    doc: Span::default(),
                    bytes: 0,
                    item: None,
                })
                .collect(),
            files: Vec::new(),
        }
    }

    fn crd(scope: &str) -> serde_json::Value {
        json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
               "metadata": {"name": "clusterissuers.cert-manager.io"},
               "spec": {"group": "cert-manager.io", "scope": scope, "names": {"kind": "ClusterIssuer", "plural": "clusterissuers"},
                        "versions": [{"name": "v1", "served": true, "storage": true,
                                      "schema": {"openAPIV3Schema": {"type": "object"}}}]}})
    }

    fn issuer() -> serde_json::Value {
        json!({"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer", "metadata": {"name": "a"}})
    }

    fn deployment(namespace: Option<&str>) -> serde_json::Value {
        let mut d =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a"}});
        if let Some(ns) = namespace {
            d["metadata"]["namespace"] = json!(ns);
        }
        d
    }

    #[test]
    fn only_kinds_no_crd_defines_need_allow_unknown() {
        let certificate = json!({"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "a"}});
        let known = env(vec![
            deployment(None),
            json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "a"}}),
        ]);
        let mut diags = Diagnostics::default();
        let k = knowledge(&[known], &mut diags);
        assert!(!k.allow_unknown && k.files.is_empty());
        assert!(diags.0.is_empty());

        let alone = env(vec![deployment(None), certificate.clone(), certificate]);
        assert!(knowledge(&[alone], &mut diags).allow_unknown);
        assert_eq!(diags.0.len(), 1, "one warning per kind");
        assert!(
            diags.0[0]
                .message
                .contains("`Certificate` of group `cert-manager.io`")
        );
    }

    #[test]
    fn the_inputs_crds_are_vendored_and_tell_the_scope_to_every_env() {
        let mut diags = Diagnostics::default();
        let with = env(vec![crd("Cluster"), issuer()]);
        let without = env(vec![deployment(None), issuer()]);
        let k = knowledge(&[with, without], &mut diags);
        assert!(diags.0.is_empty(), "{:?}", diags.0);
        assert!(!k.allow_unknown);
        assert!(k.cluster_scoped("cert-manager.io/v1", "ClusterIssuer"));
        let text =
            String::from_utf8(k.files["crds/clusterissuers.cert-manager.io.yaml"].clone()).unwrap();
        assert!(text.contains("scope: Cluster"), "{text}");
        // Built-in kinds are as Kubernetes says.
        assert!(k.cluster_scoped("v1", "Namespace"));
        assert!(!k.cluster_scoped("apps/v1", "Deployment"));
    }

    #[test]
    fn an_unknown_kind_without_a_namespace_among_namespaced_objects_is_cluster_scoped() {
        let mut diags = Diagnostics::default();
        let k = knowledge(
            &[env(vec![deployment(Some("staging")), issuer()])],
            &mut diags,
        );
        assert!(k.cluster_scoped("cert-manager.io/v1", "ClusterIssuer"));
        assert!(!k.allow_unknown);
        let text =
            String::from_utf8(k.files["crds/clusterissuers.cert-manager.io.yaml"].clone()).unwrap();
        let crd = yaml::from_yaml_documents(&text).unwrap();
        let parsed = CrdKind::from_json(&crd[0]).unwrap();
        assert!(!parsed.namespaced);
        assert!(parsed.check(&issuer()).problems.is_empty());
        assert!(
            diags.0[0].message.contains("takes it as cluster-scoped"),
            "{:?}",
            diags.0
        );

        // Objects without namespaces (applied with `kubectl -n`) tell nothing.
        let mut diags = Diagnostics::default();
        let k = knowledge(&[env(vec![deployment(None), issuer()])], &mut diags);
        assert!(!k.cluster_scoped("cert-manager.io/v1", "ClusterIssuer"));
        assert!(k.allow_unknown);
    }

    #[test]
    fn plurals_as_kubernetes_spells_them() {
        assert_eq!(plural("ClusterIssuer"), "clusterissuers");
        assert_eq!(plural("ClusterPolicy"), "clusterpolicies");
        assert_eq!(plural("Gateway"), "gateways");
        assert_eq!(plural("IngressClass"), "ingressclasses");
    }
}
