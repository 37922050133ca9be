//! The rendered result of one env, as `render` produces it and `gitops`
//! and `kiln render --out` write it.

use std::borrow::Cow;
use std::collections::BTreeMap;

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
    /// The Namespace object (`create-namespace #true`), written as
    /// `<folder>/namespace.yaml` and listed first in the env's kustomization.
    pub namespace_object: Option<Vec<u8>>,
    /// The apps rendered in this env, by name.
    pub apps: BTreeMap<String, AppOutput>,
}

/// The files of one app in one env.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppOutput {
    /// Object files by file name (`deployment-web.yaml`), one object each,
    /// YAML bytes ending in a newline. `kustomization.yaml` is not among
    /// them: [`app_kustomization`] makes it.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Every container image of the app (main, sidecars, init containers),
    /// sorted and deduplicated, for release files and commit messages.
    pub images: Vec<String>,
}

/// The `kustomization.yaml` of an app folder: its files, sorted.
pub fn app_kustomization(files: impl IntoIterator<Item = impl AsRef<str>>) -> Vec<u8> {
    kustomization(files)
}

/// The `kustomization.yaml` of an env folder: `namespace.yaml` first when
/// present, then every app folder, sorted.
pub fn env_kustomization(
    has_namespace: bool,
    apps: impl IntoIterator<Item = impl AsRef<str>>,
) -> Vec<u8> {
    let mut resources: Vec<String> = Vec::new();
    if has_namespace {
        resources.push("namespace.yaml".to_string());
    }
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
    /// Every file of the env folder, paths relative to the folder, with the
    /// kustomization files made: what `kiln render` writes and a commit puts
    /// in the gitops tree (which adds `.kiln/` state beside them).
    ///
    /// Object files are borrowed, not copied: a fleet's render is tens of
    /// megabytes, and both callers only read it.
    pub fn files(&self) -> BTreeMap<String, Cow<'_, [u8]>> {
        let mut files = BTreeMap::new();
        if let Some(ns) = &self.namespace_object {
            files.insert("namespace.yaml".to_string(), Cow::Borrowed(ns.as_slice()));
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
                self.namespace_object.is_some(),
                self.apps.keys(),
            )),
        );
        files
    }
}
