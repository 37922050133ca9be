//! The rendered result of one env, as `render` produces it and `gitops`
//! and `kiln render --out` write it.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::resolve::ordering::FluxSettings;
use crate::span::Span;

/// Everything kiln renders for one env: one folder of the layout in CLI.md.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EnvOutput {
    /// The env's name (`staging`), or the preview's (`pr-42`).
    pub env: String,
    /// The env's folder relative to the output or gitops root (`staging`,
    /// `previews/pr-42`, or the project's `gitops path=` template applied).
    pub folder: String,
    /// The env's namespace.
    pub namespace: String,
    /// The Namespace objects (`create-namespace #true`) by file name: the
    /// env's own as `namespace.yaml`, those of apps with a `namespace` of
    /// their own as `namespace-<name>.yaml`; listed first in the env's
    /// kustomization (see [`is_namespace_file`]).
    pub namespace_objects: BTreeMap<String, Vec<u8>>,
    /// The apps rendered in this env, by name.
    pub apps: BTreeMap<String, AppOutput>,
    /// The settings of the env's own Flux Kustomization (the env's and
    /// its flavors' `flux`), for an env bootstrapped without `--per-app`.
    pub flux: FluxSettings,
    /// Every parameter value that names a Secret, and what delivers that
    /// Secret in this env, for `-v` and the editor's hover; not written.
    pub secret_refs: Vec<SecretRef>,
}

/// A parameter value naming a Secret (`secret-env`, `env-from secret=`,
/// `volume … secret=`, `image-pull-secret`: every value of type `secret`),
/// and what in the env delivers the Secret.
#[derive(Clone, Debug, PartialEq)]
pub struct SecretRef {
    /// The app whose parameter names it.
    pub app: String,
    pub secret: String,
    /// The value that names it.
    pub span: Span,
    /// The object that delivers it (`ExternalSecret`, `SOPS Secret`, …)
    /// and the app that renders it; `None` when nothing in the project
    /// does: the Secret is managed outside kiln.
    pub delivered_by: Option<(String, String)>,
}

/// The files of one app in one env.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppOutput {
    /// Object files by file name (`deployment-web.yaml`), one object each,
    /// YAML bytes ending in a newline (but a SOPS file, which is written
    /// as it was given). `kustomization.yaml` is not among them:
    /// [`app_kustomization`] makes it.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Every container image of the app (main, sidecars, init containers),
    /// sorted and deduplicated, for release files and commit messages.
    pub images: Vec<String>,
    /// The apps of the env this one is applied after, sorted by name.
    pub depends_on: Vec<DependsOn>,
    /// The settings of the app's own Flux Kustomization.
    pub flux: FluxSettings,
}

/// One app that an app depends on in an env, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct DependsOn {
    pub app: String,
    /// The name in the `depends-on` that declares it, if one does.
    pub declared: Option<Span>,
    /// The custom resources that imply it, if any.
    pub implied: Vec<Implied>,
}

/// An edge no `depends-on` declares: the app renders a custom resource
/// whose CustomResourceDefinition the other app renders.
#[derive(Clone, Debug, PartialEq)]
pub struct Implied {
    /// The custom resource's API group and kind.
    pub group: String,
    pub kind: String,
    /// The CRD's name (`certificates.cert-manager.io`).
    pub crd: String,
    /// What made the first such object: the manifest, the parameter, or
    /// the app.
    pub span: Span,
}

/// The `kustomization.yaml` of an app folder: its files, sorted.
pub fn app_kustomization(files: impl IntoIterator<Item = impl AsRef<str>>) -> Vec<u8> {
    kustomization(files)
}

/// True for the file name of a Namespace object that `create-namespace`
/// writes at the top of an env folder: `namespace.yaml` (the env's own) or
/// `namespace-<name>.yaml`. App folders are DNS labels, never these.
pub fn is_namespace_file(name: &str) -> bool {
    name == "namespace.yaml"
        || name
            .strip_prefix("namespace-")
            .and_then(|n| n.strip_suffix(".yaml"))
            .is_some_and(|n| !n.is_empty() && !n.contains('/'))
}

/// The `kustomization.yaml` of an env folder: the Namespace files first
/// (`namespace.yaml`, then the others sorted), so that the namespaces exist
/// before anything is created in them, then every app folder, sorted.
pub fn env_kustomization(
    namespaces: impl IntoIterator<Item = impl AsRef<str>>,
    apps: impl IntoIterator<Item = impl AsRef<str>>,
) -> Vec<u8> {
    let mut resources: Vec<String> = namespaces
        .into_iter()
        .map(|n| n.as_ref().to_string())
        .collect();
    resources.sort_by_key(|n| (n != "namespace.yaml", n.clone()));
    resources.dedup();
    let mut apps: Vec<String> = apps.into_iter().map(|a| a.as_ref().to_string()).collect();
    apps.sort();
    apps.dedup();
    resources.extend(apps);
    kustomization_in_order(&resources)
}

fn kustomization(files: impl IntoIterator<Item = impl AsRef<str>>) -> Vec<u8> {
    let mut names: Vec<String> = files.into_iter().map(|f| f.as_ref().to_string()).collect();
    names.sort();
    names.dedup();
    kustomization_in_order(&names)
}

fn kustomization_in_order(resources: &[String]) -> Vec<u8> {
    let mut out =
        String::from("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n");
    if resources.is_empty() {
        out.push_str("resources: []\n");
    } else {
        out.push_str("resources:\n");
        for r in resources {
            // Names are DNS labels and `<kind>-<name>.yaml`: plain YAML scalars.
            out.push_str("- ");
            out.push_str(r);
            out.push('\n');
        }
    }
    out.into_bytes()
}

impl EnvOutput {
    /// The Namespace objects in the order the env's kustomization lists
    /// them: the env's own first.
    pub fn namespaces_in_order(&self) -> impl Iterator<Item = &[u8]> {
        let own = self.namespace_objects.get("namespace.yaml");
        own.into_iter()
            .chain(
                self.namespace_objects
                    .iter()
                    .filter(|(n, _)| *n != "namespace.yaml")
                    .map(|(_, b)| b),
            )
            .map(Vec::as_slice)
    }

    /// The number of objects of the env: every app's files and the
    /// Namespace objects, what `kiln render` and `kiln check` count.
    pub fn object_count(&self) -> usize {
        self.apps.values().map(|a| a.files.len()).sum::<usize>() + self.namespace_objects.len()
    }

    /// Every file of the env folder, paths relative to the folder, with the
    /// kustomization files made: what `kiln render` writes and a commit puts
    /// in the gitops tree (which adds `.kiln/` state beside them).
    ///
    /// Object files are borrowed, not copied: a fleet's render is tens of
    /// megabytes, and both callers only read it.
    pub fn files(&self) -> BTreeMap<String, Cow<'_, [u8]>> {
        let mut files = BTreeMap::new();
        for (name, bytes) in &self.namespace_objects {
            files.insert(name.clone(), Cow::Borrowed(bytes.as_slice()));
        }
        for (app, out) in &self.apps {
            for (name, bytes) in &out.files {
                files.insert(format!("{app}/{name}"), Cow::Borrowed(bytes.as_slice()));
            }
            files.insert(
                format!("{app}/kustomization.yaml"),
                Cow::Owned(app_kustomization(out.files.keys())),
            );
        }
        files.insert(
            "kustomization.yaml".to_string(),
            Cow::Owned(env_kustomization(
                self.namespace_objects.keys(),
                self.apps.keys(),
            )),
        );
        files
    }
}

#[cfg(test)]
mod tests {
    use super::{env_kustomization, is_namespace_file};

    #[test]
    fn namespace_files_come_first_the_envs_own_at_the_top() {
        let text = env_kustomization(
            ["namespace-b.yaml", "namespace.yaml", "namespace-a.yaml"],
            ["web", "api"],
        );
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- namespace.yaml\n- namespace-a.yaml\n- namespace-b.yaml\n- api\n- web\n"
        );
    }

    #[test]
    fn namespace_files_are_told_from_app_folders() {
        assert!(is_namespace_file("namespace.yaml"));
        assert!(is_namespace_file("namespace-cert-manager.yaml"));
        for other in [
            "namespace-.yaml",
            "namespaces.yaml",
            "kustomization.yaml",
            "web/namespace.yaml",
            "namespace-x/y.yaml",
        ] {
            assert!(!is_namespace_file(other), "{other}");
        }
    }
}
