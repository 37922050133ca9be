//! `create-namespace #true`: the Namespace objects of an env, one for the
//! env's own namespace and one for every other namespace its apps'
//! `namespace` nodes name (PLATFORM.md "Namespaces per app").

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::renderer::add_env_metadata;
use super::yaml;
use crate::check::Model;
use crate::resolve::ResolvedEnv;

/// The file name of the Namespace object for `namespace` in an env whose
/// own namespace is `env_namespace`.
pub fn file_name(namespace: &str, env_namespace: &str) -> String {
    if namespace == env_namespace {
        "namespace.yaml".to_string()
    } else {
        format!("namespace-{namespace}.yaml")
    }
}

/// The Namespace objects of `env` by file name: the env's namespace and
/// every one in `used`, except those an app renders itself (listed in
/// `rendered`), which would otherwise be two objects of one name.
/// Namespaces a manifest sets on its own objects are not among them: they
/// may be shared (`kube-system`), and a Namespace Flux owns is pruned with
/// the env.
pub fn objects(
    model: &Model,
    env: &ResolvedEnv,
    used: &BTreeSet<String>,
    rendered: &HashSet<String>,
) -> BTreeMap<String, Vec<u8>> {
    std::iter::once(&env.namespace)
        .chain(used)
        .filter(|ns| !rendered.contains(*ns))
        .map(|ns| {
            let mut obj = serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
            add_env_metadata(&mut obj, model, &env.env_def);
            (
                file_name(ns, &env.namespace),
                yaml::to_yaml(&obj).into_bytes(),
            )
        })
        .collect()
}
