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
//!
//! How Flux applies each app (PLATFORM.md "Ordering": `dependsOn`,
//! `wait`, the `flux` settings) is rendered, so a commit records it in
//! `<folder>/.kiln/flux/<app>.json` (and the env's own settings in
//! `_env.json`), owned like the app's files, written only when there is
//! something to say; [`sync_apps`] makes the Kustomizations from those
//! files, so that commits, rollbacks and previews keep them in step alike.

use gix::ObjectId;
use gix::objs::tree::EntryKind;
use serde::{Deserialize, Serialize};

use super::decryption;
use super::plan::{check_components, check_folder, repo_err};
use super::state::to_json;
use super::{Built, ChangeKind, CommitOptions, GitopsError, Landed, land, tree};
use crate::check::types::dns_label;
use crate::output::{AppOutput, EnvOutput};
use crate::resolve::ordering::FluxSettings;

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

/// Where, in an env folder, the files that say how Flux applies its apps
/// live: `<app>.json` per app, [`ENV_FLUX`] for the env's own.
pub(crate) const APP_FLUX_DIR: &str = ".kiln/flux";

/// The env's own settings in [`APP_FLUX_DIR`]; app names are DNS labels,
/// so none is called like it.
const ENV_FLUX: &str = "_env";

/// `<folder>/.kiln/flux/<app>.json`: how Flux applies one app, as its
/// last render said (or `_env.json`: the env's own Kustomization, without
/// `depends_on`). Durations as Flux writes them (`5m0s`); a field left
/// out keeps the default.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppFlux {
    /// The apps of the env whose Kustomizations must be ready first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_interval: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prune: Option<bool>,
}

impl AppFlux {
    fn new(depends_on: Vec<String>, s: &FluxSettings) -> AppFlux {
        AppFlux {
            depends_on,
            interval: s.interval.map(go_duration),
            retry_interval: s.retry_interval.map(go_duration),
            timeout: s.timeout.map(go_duration),
            wait: s.wait,
            prune: s.prune,
        }
    }
}

/// A duration of whole seconds as Go (and so Flux) writes it: `1h0m0s`,
/// `10m0s`, `30s`.
pub fn go_duration(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m{s}s"),
        _ => format!("{h}h{m}m{s}s"),
    }
}

/// The `.kiln/flux/` files of one env's render, paths relative to the env
/// folder: one per app that depends on another or sets `flux`, and the
/// env's own settings when it sets any.
pub(crate) fn flux_files(env: &EnvOutput) -> Vec<(String, Option<String>, Vec<u8>)> {
    let mut out = Vec::new();
    let mut add = |name: &str, app: Option<&str>, flux: AppFlux| {
        if flux != AppFlux::default() {
            out.push((
                format!("{APP_FLUX_DIR}/{name}.json"),
                app.map(str::to_string),
                to_json(&flux),
            ));
        }
    };
    for (name, app) in &env.apps {
        add(name, Some(name), app_flux(app));
    }
    add(ENV_FLUX, None, AppFlux::new(Vec::new(), &env.flux));
    out
}

fn app_flux(app: &AppOutput) -> AppFlux {
    let deps = app.depends_on.iter().map(|d| d.app.clone()).collect();
    AppFlux::new(deps, &app.flux)
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

/// A Flux Kustomization of `path`, from `source`, applied as `flux` says:
/// every `interval` (default 10 minutes), pruning (default), after the
/// Kustomizations named in `depends_on`, waiting for its objects to be
/// ready when `wait` (default `wait_default`); `decryption` is its
/// `spec.decryption` block, or nothing (see [`decryption::block`]).
fn kustomization(
    name: &str,
    path: &str,
    source: &str,
    flux: &AppFlux,
    wait_default: bool,
    decryption: &str,
) -> String {
    let mut spec = decryption.to_string();
    if !flux.depends_on.is_empty() {
        spec.push_str("  dependsOn:\n");
        for d in &flux.depends_on {
            spec.push_str(&format!("  - name: {d}\n"));
        }
    }
    let interval = flux.interval.as_deref().unwrap_or("10m0s");
    spec.push_str(&format!(
        "  interval: {interval}\n  path: {}\n",
        quoted(path)
    ));
    spec.push_str(&format!("  prune: {}\n", flux.prune.unwrap_or(true)));
    if let Some(r) = &flux.retry_interval {
        spec.push_str(&format!("  retryInterval: {r}\n"));
    }
    spec.push_str(&format!(
        "  sourceRef:\n    kind: GitRepository\n    name: {source}\n"
    ));
    if let Some(t) = &flux.timeout {
        spec.push_str(&format!("  timeout: {t}\n"));
    }
    if flux.wait.unwrap_or(wait_default) {
        spec.push_str("  wait: true\n");
    }
    format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: {FLUX_NAMESPACE}\nspec:\n{spec}"
    )
}

/// The name of the per-app Kustomization of `app` in `env`.
fn app_object_name(env: &str, app: &str) -> String {
    format!("{}-{}", object_name(env), dns_label(app))
}

/// The per-app Kustomization of `app` in the env `state` describes, as
/// `flux` says; `apps` are those the env has, so that a dependency on an
/// app that is gone (a rollback brought back an old `depends_on`) never
/// blocks it. Waits for its objects to be ready unless told not to, so
/// that what depends on it starts only then; decrypts when `holds_sops`
/// (the app's folder holds a SOPS-encrypted Secret).
fn app_kustomization(
    state: &FluxState,
    folder: &str,
    app: &str,
    flux: &AppFlux,
    apps: &[String],
    holds_sops: bool,
) -> String {
    let flux = AppFlux {
        depends_on: flux
            .depends_on
            .iter()
            .filter(|d| apps.contains(d))
            .map(|d| app_object_name(&state.env, d))
            .collect(),
        ..flux.clone()
    };
    kustomization(
        &app_object_name(&state.env, app),
        &format!("./{folder}/{app}"),
        &state.source,
        &flux,
        true,
        &decryption::block(holds_sops, state.sops_secret.as_deref()),
    )
}

/// The `.kiln/flux/<name>.json` of `folder` in `root`, or the defaults.
fn read_flux(
    repo: &gix::Repository,
    display: &str,
    root: ObjectId,
    folder: &str,
    name: &str,
) -> Result<AppFlux, GitopsError> {
    let path = format!("{folder}/{APP_FLUX_DIR}/{name}.json");
    match tree::blob_at(repo, display, root, &path)? {
        Some(bytes) => tree::parse_json(&path, &bytes),
        None => Ok(AppFlux::default()),
    }
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
                    &AppFlux::default(),
                    false,
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
            let state = FluxState {
                env: env.clone(),
                per_app: spec.per_app,
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
            if !spec.per_app {
                // Back from per-app: the env's own Kustomization takes over.
                editor
                    .remove(format!("{FLUX_DIR}/{env}").as_str())
                    .map_err(repo_err("edit the tree", display))?;
            }
            folders.push(folder);
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

/// Bring the Flux objects of each of `folders` in `root` that `kiln
/// bootstrap` set up (`.kiln/flux.json`) in step with it: with a
/// Kustomization per app, `flux/<env>/` holds one file per app, as its
/// `.kiln/flux/<app>.json` says, none for apps that are gone; else the
/// env's own Kustomization in `flux/<env>.yaml` takes the env's settings
/// (`_env.json`) and SOPS decryption once the env holds a SOPS file.
/// Returns the new root tree (`root` itself when nothing
/// changes).
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
            let editor = match &mut editor {
                Some(e) => e,
                None => editor.insert(
                    repo.edit_tree(root)
                        .map_err(repo_err("read the tree", display))?,
                ),
            };
            sync_env(repo, display, root, folder, &state, editor)?;
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
            let flux = read_flux(repo, display, root, folder, app)?;
            let bytes = app_kustomization(&state, folder, app, &flux, &apps, holds_sops);
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

/// The env's own Kustomization in `flux/<env>.yaml` (an env bootstrapped
/// without `--per-app`) with the env's settings; the `GitRepository`
/// before it stays as `kiln bootstrap` wrote it. A file that is not two
/// documents, the second kiln's Kustomization, is left alone.
fn sync_env(
    repo: &gix::Repository,
    display: &str,
    root: ObjectId,
    folder: &str,
    state: &FluxState,
    editor: &mut gix::object::tree::Editor<'_>,
) -> Result<(), GitopsError> {
    let path = format!("{FLUX_DIR}/{}.yaml", state.env);
    let Some(bytes) = tree::blob_at(repo, display, root, &path)? else {
        return Ok(());
    };
    let text = String::from_utf8_lossy(&bytes);
    let Some((source, own)) = text.split_once("---\n") else {
        return Ok(());
    };
    if !own.starts_with("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n") {
        return Ok(());
    }
    let flux = read_flux(repo, display, root, folder, ENV_FLUX)?;
    let name = object_name(&state.env);
    // Decryption that bootstrap gave it (from the project) stays; a commit
    // adds it when the env's folder gains a SOPS-encrypted Secret.
    let holds_sops = own.contains("\n  decryption:\n")
        || decryption::env_holds_sops(repo, display, root, folder)?;
    let own = kustomization(
        &name,
        &format!("./{folder}"),
        &state.source,
        &flux,
        false,
        &decryption::block(holds_sops, state.sops_secret.as_deref()),
    );
    let new = format!("{source}---\n{own}");
    if new.as_bytes() != bytes.as_slice() {
        editor
            .upsert(
                path.as_str(),
                EntryKind::Blob,
                tree::write(repo, display, new.as_bytes())?,
            )
            .map_err(repo_err("edit the tree", display))?;
    }
    Ok(())
}

/// One file under `flux/` that differs between two trees: how, its path
/// from the root, its blob in the old tree and in the new.
pub(crate) type FluxEdit = (ChangeKind, String, Option<ObjectId>, Option<ObjectId>);

/// Every file under `flux/` that differs between the trees `old` and `new`.
pub(crate) fn flux_edits(
    repo: &gix::Repository,
    display: &str,
    old: ObjectId,
    new: ObjectId,
) -> Result<Vec<FluxEdit>, GitopsError> {
    let before = super::plan::list_folder(repo, display, old, FLUX_DIR)?;
    let mut after = super::plan::list_folder(repo, display, new, FLUX_DIR)?;
    let mut out = Vec::new();
    for (path, id) in before {
        match after.remove(&path) {
            Some(now) if now == id => {}
            Some(now) => out.push((ChangeKind::Changed, path, Some(id), Some(now))),
            None => out.push((ChangeKind::Removed, path, Some(id), None)),
        }
    }
    out.extend(
        after
            .into_iter()
            .map(|(p, id)| (ChangeKind::Added, p, None, Some(id))),
    );
    out.sort_by(|a, b| a.1.cmp(&b.1));
    for e in &mut out {
        e.1 = format!("{FLUX_DIR}/{}", e.1);
    }
    Ok(out)
}

/// True when `path` (from the root) is one of env `env`'s Flux objects:
/// `flux/<env>.yaml` or under `flux/<env>/`.
pub(crate) fn is_env_flux_file(path: &str, env: &str) -> bool {
    path.strip_prefix(FLUX_DIR)
        .and_then(|p| p.strip_prefix('/'))
        .and_then(|p| p.strip_prefix(env))
        .is_some_and(|rest| rest == ".yaml" || rest.starts_with('/'))
}

/// The folders among `folders` whose env `kiln bootstrap --per-app` set up
/// with a Flux Kustomization per app, at the tip of `branch` of `target`
/// (read only; a URL is fetched into the cache under `cache_dir`).
pub fn per_app_folders(
    target: &str,
    branch: &str,
    cache_dir: &std::path::Path,
    folders: &[String],
) -> Result<std::collections::BTreeSet<String>, GitopsError> {
    let (repo, display, tip) = super::open_tip(target, branch, cache_dir)?;
    let mut out = std::collections::BTreeSet::new();
    let Some((_, root)) = tip else {
        return Ok(out);
    };
    for folder in folders {
        let folder = folder.trim_matches('/');
        let path = format!("{folder}/.kiln/flux.json");
        if let Some(bytes) = tree::blob_at(&repo, &display, root, &path)? {
            let state: FluxState = tree::parse_json(&path, &bytes)?;
            if state.per_app {
                out.insert(folder.to_string());
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{AppFlux, decryption, go_duration, kustomization};

    #[test]
    fn durations_are_written_as_go_writes_them() {
        for (secs, text) in [
            (0, "0s"),
            (30, "30s"),
            (90, "1m30s"),
            (600, "10m0s"),
            (3600, "1h0m0s"),
            (5430, "1h30m30s"),
        ] {
            assert_eq!(go_duration(secs), text);
        }
    }

    #[test]
    fn a_kustomization_lists_its_fields_sorted_and_defaults_stay_as_before() {
        let plain = kustomization("kiln-p", "./p", "kiln-p", &AppFlux::default(), false, "");
        assert_eq!(
            plain,
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: kiln-p\n  namespace: flux-system\nspec:\n  interval: 10m0s\n  path: \"./p\"\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: kiln-p\n"
        );
        let flux = AppFlux {
            depends_on: vec!["kiln-p-a".to_string(), "kiln-p-b".to_string()],
            interval: Some("5m0s".to_string()),
            retry_interval: Some("1m0s".to_string()),
            timeout: Some("2m0s".to_string()),
            wait: None,
            prune: Some(false),
        };
        assert_eq!(
            kustomization(
                "kiln-p-c",
                "./p/c",
                "kiln-p",
                &flux,
                true,
                &decryption::block(true, Some("sops-age"))
            ),
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: kiln-p-c\n  namespace: flux-system\nspec:\n  decryption:\n    provider: sops\n    secretRef:\n      name: \"sops-age\"\n  dependsOn:\n  - name: kiln-p-a\n  - name: kiln-p-b\n  interval: 5m0s\n  path: \"./p/c\"\n  prune: false\n  retryInterval: 1m0s\n  sourceRef:\n    kind: GitRepository\n    name: kiln-p\n  timeout: 2m0s\n  wait: true\n"
        );
    }
}
