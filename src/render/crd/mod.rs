//! Custom resources checked against their CustomResourceDefinitions
//! (PLATFORM.md "Custom resources"), beside the built-in kinds of
//! `render::validate`.
//!
//! - `builtin.rs`: the CRDs in the binary (Flux's, ServiceMonitor);
//! - `load.rs`: the project's `crds` files and folders, read through the
//!   `World`, and CRDs that apps render;
//! - `schema.rs`: a version's `openAPIV3Schema` compiled once;
//! - `validate.rs`: the walker; `cel.rs`: `x-kubernetes-validations`.
//!
//! Every CRD is parsed and compiled once per process (the built-in ones on
//! first use, the others keyed by their content).

pub mod builtin;
pub mod cel;
pub mod load;
pub mod schema;
pub mod validate;

use std::sync::Arc;

use serde_json::Value as Json;

use super::validate::Problem;
use schema::Schema;

/// One CRD: a kind of a group, its scope and versions.
#[derive(Debug)]
pub struct CrdKind {
    /// `metadata.name`: `certificates.cert-manager.io`.
    pub name: String,
    pub group: String,
    pub kind: String,
    /// `scope: Namespaced` (else `Cluster`).
    pub namespaced: bool,
    pub versions: Vec<CrdVersion>,
}

/// One version of a [`CrdKind`].
#[derive(Debug)]
pub struct CrdVersion {
    pub name: String,
    pub served: bool,
    /// `deprecated: true`: the warning to give (`deprecationWarning`, or
    /// one of kiln's).
    pub deprecated: Option<String>,
    pub schema: Schema,
}

/// What checking one custom resource found.
#[derive(Debug, Default)]
pub struct Verdict {
    pub problems: Vec<Problem>,
    /// A deprecated version: the warning.
    pub deprecated: Option<String>,
}

impl CrdKind {
    /// Reads a `CustomResourceDefinition` (apiextensions.k8s.io/v1) and
    /// compiles every version's schema. The error says what is wrong, with
    /// a path inside the CRD.
    pub fn from_json(doc: &Json) -> Result<CrdKind, String> {
        let api = doc["apiVersion"].as_str().unwrap_or_default();
        let kind = doc["kind"].as_str().unwrap_or_default();
        if kind != "CustomResourceDefinition" || api != "apiextensions.k8s.io/v1" {
            let what = match (api, kind) {
                ("", "") => "a document without `apiVersion` and `kind`".to_string(),
                _ => format!("`{api}` `{kind}`"),
            };
            return Err(format!(
                "expected a CustomResourceDefinition (apiextensions.k8s.io/v1), found {what}"
            ));
        }
        let name = doc["metadata"]["name"].as_str().unwrap_or_default();
        let text = |path: &str, v: &Json| {
            v.as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .ok_or_else(|| format!("CRD `{name}` has no `{path}`"))
        };
        let spec = &doc["spec"];
        let group = text("spec.group", &spec["group"])?;
        let kind = text("spec.names.kind", &spec["names"]["kind"])?;
        let namespaced = match spec["scope"].as_str() {
            Some("Namespaced") => true,
            Some("Cluster") => false,
            _ => {
                return Err(format!(
                    "CRD `{name}`: `spec.scope` is neither `Namespaced` nor `Cluster`"
                ));
            }
        };
        let Some(list) = spec["versions"].as_array().filter(|l| !l.is_empty()) else {
            return Err(format!("CRD `{name}` has no `spec.versions`"));
        };
        let mut versions = Vec::new();
        for (i, v) in list.iter().enumerate() {
            let vname = text(&format!("spec.versions.{i}.name"), &v["name"])?;
            let at = format!("spec.versions.{i}.schema.openAPIV3Schema");
            let raw = &v["schema"]["openAPIV3Schema"];
            if raw.is_null() {
                return Err(format!("CRD `{name}` version `{vname}` has no `{at}`"));
            }
            let mut schema = schema::compile(raw, &at)
                .map_err(|e| format!("CRD `{name}` version `{vname}`: {e}"))?;
            // The object's root is a resource: `apiVersion`, `kind` and an
            // ObjectMeta `metadata`, whatever its schema says of them.
            schema.embedded = true;
            let deprecated = (v["deprecated"] == Json::Bool(true)).then(|| {
                v["deprecationWarning"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{group}/{vname} {kind} is deprecated"))
            });
            versions.push(CrdVersion {
                name: vname,
                served: v["served"] == Json::Bool(true),
                deprecated,
                schema,
            });
        }
        Ok(CrdKind {
            name: name.to_string(),
            group,
            kind,
            namespaced,
            versions,
        })
    }

    /// The versions the API server serves, as `` `v1`, `v1beta1` ``.
    fn served(&self) -> String {
        let names: Vec<String> = self
            .versions
            .iter()
            .filter(|v| v.served)
            .map(|v| format!("`{}/{}`", self.group, v.name))
            .collect();
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    }

    /// Checks an object of this kind (its `metadata.namespace` already set
    /// where the kind is namespaced): version, scope, schema, CEL rules.
    pub fn check(&self, obj: &Json) -> Verdict {
        let mut verdict = Verdict::default();
        let api = obj["apiVersion"].as_str().unwrap_or_default();
        let version = api.rsplit_once('/').map_or(api, |(_, v)| v);
        let at_api = || vec!["apiVersion".to_string()];
        let Some(v) = self.versions.iter().find(|v| v.name == version) else {
            verdict.problems.push(Problem {
                path: at_api(),
                message: format!(
                    "CRD `{}` has no version `{version}`; it serves {}",
                    self.name,
                    self.served()
                ),
            });
            return verdict;
        };
        if !v.served {
            verdict.problems.push(Problem {
                path: at_api(),
                message: format!(
                    "version `{version}` of CRD `{}` is not served; it serves {}",
                    self.name,
                    self.served()
                ),
            });
            return verdict;
        }
        verdict.deprecated = v.deprecated.clone();
        if !self.namespaced
            && obj["metadata"]
                .get("namespace")
                .is_some_and(|n| !n.is_null())
        {
            verdict.problems.push(Problem {
                path: vec!["metadata".to_string(), "namespace".to_string()],
                message: format!(
                    "`{}` is cluster-scoped (CRD `{}`): it takes no namespace",
                    self.kind, self.name
                ),
            });
        }
        validate::check(&v.schema, obj, &mut Vec::new(), &mut verdict.problems);
        verdict
    }
}

/// The CRDs one compile checks custom resources against: the project's
/// (`crds`), then the built-in ones, then, per env, those the env's apps
/// render ([`Crds::find`]'s `rendered`).
#[derive(Debug, Default)]
pub struct Crds {
    pub project: Vec<Arc<CrdKind>>,
    /// `crds allow-unknown=#true`: an object of an unknown group is a
    /// warning, not an error.
    pub allow_unknown: bool,
}

impl Crds {
    /// The CRD of `group` and `kind`: in the project's `crds`, built in,
    /// or rendered by the env's apps, in that order (a vendored CRD wins
    /// over the built-in one of the same kind, say a newer Flux).
    pub fn find(&self, rendered: &[Arc<CrdKind>], group: &str, kind: &str) -> Option<Arc<CrdKind>> {
        let is = |c: &&Arc<CrdKind>| c.group == group && c.kind == kind;
        self.project
            .iter()
            .find(is)
            .cloned()
            .or_else(|| builtin::find(group, kind))
            .or_else(|| rendered.iter().find(is).cloned())
    }

    /// Every kind a CRD defines in `group`, for did-you-mean.
    pub fn kinds_of(&self, rendered: &[Arc<CrdKind>], group: &str) -> Vec<String> {
        let mut kinds: Vec<String> = rendered
            .iter()
            .chain(&self.project)
            .filter(|c| c.group == group)
            .map(|c| c.kind.clone())
            .chain(
                builtin::BUILTIN
                    .iter()
                    .filter(|b| b.group == group)
                    .map(|b| b.kind.to_string()),
            )
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }
}

#[cfg(test)]
mod tests {
    use super::CrdKind;
    use serde_json::json;

    fn gadget() -> CrdKind {
        let schema = json!({"type": "object", "properties": {
            "spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}});
        CrdKind::from_json(&json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "gadgets.example.com"},
            "spec": {"group": "example.com", "scope": "Cluster", "names": {"kind": "Gadget"},
                "versions": [
                    {"name": "v1", "served": true, "schema": {"openAPIV3Schema": schema}},
                    {"name": "v1beta1", "served": true, "deprecated": true,
                     "deprecationWarning": "example.com/v1beta1 Gadget is going away",
                     "schema": {"openAPIV3Schema": schema}},
                    {"name": "v1alpha1", "served": false, "schema": {"openAPIV3Schema": schema}}]}
        }))
        .unwrap()
    }

    fn object(version: &str) -> serde_json::Value {
        json!({"apiVersion": format!("example.com/{version}"), "kind": "Gadget",
               "metadata": {"name": "g"}, "spec": {"size": 1}})
    }

    #[test]
    fn versions_served_deprecated_and_not_served() {
        let crd = gadget();
        let v1 = crd.check(&object("v1"));
        assert!(v1.problems.is_empty() && v1.deprecated.is_none(), "{v1:?}");
        let beta = crd.check(&object("v1beta1"));
        assert!(beta.problems.is_empty());
        assert_eq!(
            beta.deprecated.as_deref(),
            Some("example.com/v1beta1 Gadget is going away")
        );
        let alpha = crd.check(&object("v1alpha1"));
        assert_eq!(
            alpha.problems[0].message,
            "version `v1alpha1` of CRD `gadgets.example.com` is not served; it serves `example.com/v1`, `example.com/v1beta1`"
        );
        let gone = crd.check(&object("v2"));
        assert!(
            gone.problems[0]
                .message
                .starts_with("CRD `gadgets.example.com` has no version `v2`")
        );
    }

    #[test]
    fn a_cluster_scoped_object_takes_no_namespace() {
        let mut obj = object("v1");
        obj["metadata"]["namespace"] = json!("default");
        let v = gadget().check(&obj);
        assert_eq!(v.problems[0].path, ["metadata", "namespace"]);
    }

    #[test]
    fn a_document_that_is_no_crd_is_refused() {
        let e = CrdKind::from_json(&json!({"apiVersion": "v1", "kind": "ConfigMap"})).unwrap_err();
        assert!(e.contains("expected a CustomResourceDefinition"), "{e}");
    }
}
