//! Custom resources whose CRDs kiln cannot know. kiln checks every object
//! of a group Kubernetes does not serve against its CRD (built in, named
//! by `crds`, or rendered by an app of the env); an input carrying a
//! cert-manager Certificate, say, without the CRD would make a project
//! that does not check. Import cannot vendor CRDs it was not given, so the
//! project says `crds allow-unknown=#true` and the user is told which
//! kinds to vendor.

use std::collections::{BTreeMap, BTreeSet};

use super::read::EnvObjects;
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::render::crd::builtin;
use crate::render::validate::{group_of, is_builtin_group};

/// Whether some env holds an object of a kind no CRD defines (neither
/// built into kiln nor among that env's own CustomResourceDefinitions),
/// with a warning per such group and kind at its first object.
pub fn unknown_kinds(envs: &[EnvObjects], diags: &mut Diagnostics) -> bool {
    let mut unknown: BTreeMap<(String, String), crate::span::Span> = BTreeMap::new();
    for env in envs {
        let defined: BTreeSet<(&str, &str)> = env
            .objects
            .iter()
            .filter(|o| {
                o.kind() == "CustomResourceDefinition"
                    && group_of(o.api_version()) == "apiextensions.k8s.io"
            })
            .filter_map(|o| {
                let spec = &o.value["spec"];
                Some((spec["group"].as_str()?, spec["names"]["kind"].as_str()?))
            })
            .collect();
        for o in &env.objects {
            let group = group_of(o.api_version());
            if is_builtin_group(group)
                || defined.contains(&(group, o.kind()))
                || builtin::find(group, o.kind()).is_some()
            {
                continue;
            }
            unknown
                .entry((group.to_string(), o.kind().to_string()))
                .or_insert(o.span);
        }
    }
    for ((group, kind), span) in &unknown {
        diags.push(
            Diagnostic::warning(
                codes::UNKNOWN_KIND,
                format!("no CRD defines `{kind}` of group `{group}`: the imported project says `crds allow-unknown=#true`"),
            )
            .primary(*span, "the first object of this kind")
            .help("vendor the group's CustomResourceDefinitions and name them in `project { crds \"crds/…\" }` to have these objects checked"),
        );
    }
    !unknown.is_empty()
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

    #[test]
    fn only_kinds_no_crd_defines_need_allow_unknown() {
        let certificate = json!({"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "a"}});
        let known = env(vec![
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a"}}),
            json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "a"}}),
        ]);
        let mut diags = Diagnostics::default();
        assert!(!unknown_kinds(&[known], &mut diags));
        assert!(diags.0.is_empty());

        let vendored = env(vec![
            json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "certificates.cert-manager.io"},
                   "spec": {"group": "cert-manager.io", "names": {"kind": "Certificate"}}}),
            certificate.clone(),
        ]);
        assert!(!unknown_kinds(&[vendored], &mut diags));

        let alone = env(vec![certificate.clone(), certificate]);
        assert!(unknown_kinds(&[alone], &mut diags));
        assert_eq!(diags.0.len(), 1, "one warning per kind");
        assert!(
            diags.0[0]
                .message
                .contains("`Certificate` of group `cert-manager.io`")
        );
    }
}
