//! `kiln bootstrap`: the Flux objects that make a cluster follow each env's
//! folder, and, with `--per-app`, one Flux `Kustomization` per app that
//! every later commit keeps in step with the apps of the env.
//!
//! Layout: `flux/<env>.yaml` holds the `GitRepository` and the env's
//! `Kustomization` (`path: ./<folder>`). With `--per-app` that
//! Kustomization follows `./flux/<env>` instead, where `flux/<env>/<app>.yaml`
//! holds one Kustomization per app (`path: ./<folder>/<app>`), plus a copy
//! of the env's Namespace when it has one; the choice is recorded in
//! `<folder>/.kiln/flux.json`, which [`sync_apps`] reads.

use gix::ObjectId;
use gix::objs::tree::EntryKind;
use serde::{Deserialize, Serialize};

use super::decryption;
use super::plan::{check_components, check_folder, repo_err};
use super::state::to_json;
use super::{Built, CommitOptions, GitopsError, Landed, land, tree};
use crate::types::dns_label;

/// Where kiln writes Flux objects in the gitops repository.
pub(crate) const FLUX_DIR: &str = "flux";

/// Put before the env's Namespace files (`_namespace.yaml`,
/// `_namespace-<name>.yaml`) beside the per-app Kustomizations; app names
/// are DNS labels, so none can be called like them.
const NAMESPACE_PREFIX: &str = "_";

/// The namespace Flux's controllers and their objects live in.
const FLUX_NAMESPACE: &str = "flux-system";

/// `<folder>/.kiln/flux.json`: how `kiln bootstrap` set up the env.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FluxState {
    /// The env's name, which names its files under `flux/`.
    pub env: String,
    /// One Flux Kustomization per app instead of one for the env.
    pub per_app: bool,
    /// The `GitRepository` the Kustomizations follow.
    pub source: String,
    /// `bootstrap --sops-secret`: the Secret holding the SOPS key, named
    /// by the Kustomizations of apps with SOPS-encrypted Secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sops_secret: Option<String>,
}

/// What `kiln bootstrap` writes.
#[derive(Clone, Debug)]
pub struct Bootstrap {
    /// The URL the cluster clones the gitops repository from.
    pub url: String,
    /// Each env's name and folder.
    pub envs: Vec<(String, String)>,
    pub per_app: bool,
    /// `--verify-secret`: the Secret holding the public keys Flux checks
    /// the signature of the branch tip against.
    pub verify_secret: Option<String>,
    /// `--sops-secret`: the Secret (in `flux-system`) holding the SOPS key.
    pub sops_secret: Option<String>,
    /// The envs whose apps declare SOPS-encrypted secrets in the project,
    /// beside those whose folder already holds one.
    pub sops_envs: std::collections::BTreeSet<String>,
}

/// The name of an env's Flux objects: `kiln-<env>`.
fn object_name(env: &str) -> String {
    format!("kiln-{}", dns_label(env))
}

/// A YAML scalar that is always read back as this exact string.
fn quoted(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

fn git_repository(name: &str, url: &str, branch: &str, verify: Option<&str>) -> String {
    // Flux's `verify` has no provider field: it takes OpenPGP keys from the
    // Secret's `*.asc` entries and SSH keys from its `*.sshpub` entries.
    let verify = verify.map_or(String::new(), |secret| {
        format!(
            "  verify:\n    mode: HEAD\n    secretRef:\n      name: {}\n",
            quoted(secret)
        )
    });
    format!(
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: {name}\n  namespace: {FLUX_NAMESPACE}\nspec:\n  interval: 1m0s\n  url: {}\n  ref:\n    branch: {}\n{verify}",
        quoted(url),
        quoted(branch)
    )
}

/// A Kustomization; `decryption` is its `spec.decryption` block, or
/// nothing (see [`decryption::block`]).
fn kustomization(name: &str, path: &str, source: &str, decryption: &str) -> String {
    format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: {FLUX_NAMESPACE}\nspec:\n{decryption}  interval: 10m0s\n  path: {}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: {source}\n",
        quoted(path)
    )
}

/// The per-app Kustomization of `app` in the env `state` describes;
/// `holds_sops` when the app's folder holds a SOPS-encrypted Secret.
fn app_kustomization(state: &FluxState, folder: &str, app: &str, holds_sops: bool) -> String {
    kustomization(
        &format!("{}-{}", object_name(&state.env), dns_label(app)),
        &format!("./{folder}/{app}"),
        &state.source,
        &decryption::block(holds_sops, state.sops_secret.as_deref()),
    )
}

/// Write and commit the Flux objects of `spec` (see the module doc).
/// Returns the new commit, or `None` when the branch already holds them.
pub fn bootstrap(
    target: &str,
    spec: &Bootstrap,
    opts: &CommitOptions,
) -> Result<Option<String>, GitopsError> {
    let mut paths = vec![FLUX_DIR.to_string()];
    paths.extend(
        spec.envs
            .iter()
            .map(|(_, f)| f.trim_matches('/').to_string()),
    );
    let mut build = |repo: &gix::Repository,
                     display: &str,
                     tip: Option<(ObjectId, ObjectId)>|
     -> Result<Option<Built<()>>, GitopsError> {
        let base = tip.map_or_else(|| ObjectId::empty_tree(repo.object_hash()), |t| t.1);
        let mut editor = repo
            .edit_tree(base)
            .map_err(repo_err("read the branch tip", display))?;
        let mut written = Vec::new();
        let mut folders = Vec::new();
        for (env, folder) in &spec.envs {
            check_components(env)?;
            let folder = check_folder(folder)?;
            let name = object_name(env);
            let state_path = format!("{folder}/.kiln/flux.json");
            let env_file = format!("{FLUX_DIR}/{env}.yaml");
            let follows = if spec.per_app {
                format!("./{FLUX_DIR}/{env}")
            } else {
                format!("./{folder}")
            };
            // With a Kustomization per app, those of apps with SOPS
            // secrets decrypt (`sync_apps`); the env's applies only them.
            let holds_sops = !spec.per_app
                && (spec.sops_envs.contains(env)
                    || decryption::env_holds_sops(repo, display, base, &folder)?);
            let text = format!(
                "{}---\n{}",
                git_repository(
                    &name,
                    &spec.url,
                    &opts.branch,
                    spec.verify_secret.as_deref()
                ),
                kustomization(
                    &name,
                    &follows,
                    &name,
                    &decryption::block(holds_sops, spec.sops_secret.as_deref())
                )
            );
            editor
                .upsert(
                    env_file.as_str(),
                    EntryKind::Blob,
                    tree::write(repo, display, text.as_bytes())?,
                )
                .map_err(repo_err("edit the tree", display))?;
            written.push(env_file);
            if spec.per_app {
                let state = FluxState {
                    env: env.clone(),
                    per_app: true,
                    source: name,
                    sops_secret: spec.sops_secret.clone(),
                };
                editor
                    .upsert(
                        state_path.as_str(),
                        EntryKind::Blob,
                        tree::write(repo, display, &to_json(&state))?,
                    )
                    .map_err(repo_err("edit the tree", display))?;
                folders.push(folder);
            } else {
                // Back from per-app: the env's own Kustomization takes over.
                editor
                    .remove(state_path.as_str())
                    .map_err(repo_err("edit the tree", display))?;
                editor
                    .remove(format!("{FLUX_DIR}/{env}").as_str())
                    .map_err(repo_err("edit the tree", display))?;
            }
        }
        let written_tree = editor
            .write()
            .map_err(repo_err("write the tree", display))?
            .detach();
        let folders: Vec<&str> = folders.iter().map(String::as_str).collect();
        let tree = sync_apps(repo, display, written_tree, &folders)?;
        if tree == base {
            return Ok(None);
        }
        let envs: Vec<&str> = spec.envs.iter().map(|(e, _)| e.as_str()).collect();
        let mut message = format!(
            "bootstrap {}: Flux {}\n\n",
            envs.join(", "),
            if spec.per_app {
                "Kustomization per app"
            } else {
                "Kustomization per env"
            }
        );
        for file in &written {
            message.push_str(&format!("  {file}\n"));
        }
        message.push('\n');
        for env in &envs {
            message.push_str(&format!("Kiln-Env: {env}\n"));
        }
        message.push_str(&format!("Kiln-Version: {}\n", env!("CARGO_PKG_VERSION")));
        Ok(Some(Built {
            tree,
            message,
            report: (),
        }))
    };
    Ok(match land(target, opts, &paths, &mut build)? {
        Landed::Committed { commit, .. } => Some(commit),
        Landed::UpToDate => None,
    })
}

/// Bring `flux/<env>/` in step with the app folders of each of `folders`
/// in `root` whose `.kiln/flux.json` asks for a Kustomization per app: one
/// file per app, none for apps that are gone. Returns the new root tree
/// (`root` itself when nothing changes or no env is per-app).
pub(crate) fn sync_apps(
    repo: &gix::Repository,
    display: &str,
    root: ObjectId,
    folders: &[&str],
) -> Result<ObjectId, GitopsError> {
    let mut editor = None;
    for folder in folders {
        let folder = folder.trim_matches('/');
        let state_path = format!("{folder}/.kiln/flux.json");
        let Some(bytes) = tree::blob_at(repo, display, root, &state_path)? else {
            continue;
        };
        let state: FluxState = tree::parse_json(&state_path, &bytes)?;
        if !state.per_app {
            continue;
        }
        let dir = format!("{FLUX_DIR}/{}", state.env);
        let mut apps = Vec::new();
        for app in tree::subtrees(repo, display, root, folder)? {
            if app.starts_with('.') {
                continue;
            }
            let kust = format!("{folder}/{app}/kustomization.yaml");
            if tree::entry(repo, display, root, &kust)?.is_some() {
                apps.push(app);
            }
        }
        let editor = match &mut editor {
            Some(e) => e,
            None => editor.insert(
                repo.edit_tree(root)
                    .map_err(repo_err("read the tree", display))?,
            ),
        };
        let mut present = std::collections::BTreeMap::new();
        super::plan::list_folder(repo, display, root, &dir)?
            .into_iter()
            .for_each(|(p, id)| {
                present.insert(p, id);
            });
        for app in &apps {
            let file = format!("{app}.yaml");
            let holds_sops =
                decryption::app_holds_sops(repo, display, root, &format!("{folder}/{app}"))?;
            let bytes = app_kustomization(&state, folder, app, holds_sops);
            let id = tree::write(repo, display, bytes.as_bytes())?;
            if present.remove(&file) != Some(id) {
                editor
                    .upsert(format!("{dir}/{file}").as_str(), EntryKind::Blob, id)
                    .map_err(repo_err("edit the tree", display))?;
            }
        }
        // The env's Namespaces are no app's: the env's own Kustomization,
        // which follows `flux/<env>/`, applies them before the apps need
        // them (`namespace.yaml` as `_namespace.yaml`, and so on).
        for (name, id) in tree::blobs(repo, display, root, folder)? {
            if !crate::output::is_namespace_file(&name) {
                continue;
            }
            let file = format!("{NAMESPACE_PREFIX}{name}");
            if present.remove(&file) != Some(id) {
                editor
                    .upsert(format!("{dir}/{file}").as_str(), EntryKind::Blob, id)
                    .map_err(repo_err("edit the tree", display))?;
            }
        }
        for gone in present.keys() {
            editor
                .remove(format!("{dir}/{gone}").as_str())
                .map_err(repo_err("edit the tree", display))?;
        }
    }
    match editor {
        Some(mut e) => Ok(e
            .write()
            .map_err(repo_err("write the tree", display))?
            .detach()),
        None => Ok(root),
    }
}
