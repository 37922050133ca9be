//! `kiln rollback`: put one app's folder and release file back as they were
//! at an earlier gitops commit, in a new commit on top of the tip (history
//! is never rewritten). The owning project's state is updated with the
//! files put back, so the next `kiln commit` sees no drift and rolls
//! forward again. How Flux applies the app (`.kiln/flux/<app>.json`: its
//! `dependsOn` and settings) goes back with it, since its objects of then
//! are what that order was for.

use std::collections::BTreeMap;

use gix::ObjectId;
use gix::objs::tree::EntryKind;

use super::plan::{RESERVED_STATE, check_components, check_folder, list_folder, repo_err};
use super::state::{OwnedFile, OwnerState, Release, sha256_hex, to_json};
use super::{Built, CommitOptions, GitopsError, Landed, flux, land, tree};
use crate::output::env_kustomization;

/// Roll `app` of `env` (whose folder is `folder`) back to `rev`. Returns the
/// new commit, or `None` when the tip already holds exactly that.
pub fn rollback(
    target: &str,
    env: &str,
    folder: &str,
    app: &str,
    rev: &str,
    opts: &CommitOptions,
) -> Result<Option<String>, GitopsError> {
    let folder = check_folder(folder)?;
    check_components(app)?;
    let paths = vec![folder.clone(), flux::FLUX_DIR.to_string()];
    let mut build = |repo: &gix::Repository,
                     display: &str,
                     tip: Option<(ObjectId, ObjectId)>|
     -> Result<Option<Built<()>>, GitopsError> {
        let unknown = || GitopsError::UnknownRevision {
            rev: rev.to_string(),
            repo: display.to_string(),
        };
        let at = repo
            .rev_parse_single(rev)
            .map_err(|_| unknown())?
            .object()
            .map_err(|_| unknown())?
            .peel_to_commit()
            .map_err(|_| unknown())?;
        let at_id = at.id;
        let at_tree = at
            .tree_id()
            .map_err(repo_err("read a commit", display))?
            .detach();
        let not_there = || GitopsError::NotAtRevision {
            app: app.to_string(),
            folder: folder.clone(),
            rev: rev.to_string(),
        };
        let app_path = format!("{folder}/{app}");
        let release_path = format!(".kiln/releases/{app}.json");
        let flux_path = format!("{}/{app}.json", flux::APP_FLUX_DIR);
        let flux_at = tree::blob_at(repo, display, at_tree, &format!("{folder}/{flux_path}"))?;
        let Some((app_tree, true)) = tree::entry(repo, display, at_tree, &app_path)? else {
            return Err(not_there());
        };
        let Some(release_bytes) =
            tree::blob_at(repo, display, at_tree, &format!("{folder}/{release_path}"))?
        else {
            return Err(not_there());
        };
        let mut release: Release =
            tree::parse_json(&format!("{folder}/{release_path}"), &release_bytes)?;
        release.rolled_back_from = Some(at_id.to_string());
        let release_bytes = to_json(&release);

        let base = tip.map_or_else(|| ObjectId::empty_tree(repo.object_hash()), |t| t.1);
        let prefix = format!("{app}/");
        let ours = |p: &String| p.starts_with(&prefix) || *p == release_path || *p == flux_path;
        let owns = |s: &OwnerState| s.files.keys().any(ours);
        // The project that owns the app now, else the one that did at REV.
        let (state_path, mut state) = match owner(repo, display, base, &folder, &owns)? {
            Some(found) => found,
            None => {
                // The app was removed since: its project's state at the tip
                // (or a fresh one) gains the app back.
                let (path, at_rev) =
                    owner(repo, display, at_tree, &folder, &owns)?.ok_or_else(not_there)?;
                let full = format!("{folder}/{path}");
                let state = match tree::blob_at(repo, display, base, &full)? {
                    Some(bytes) => tree::parse_json(&full, &bytes)?,
                    None => OwnerState {
                        files: BTreeMap::new(),
                        ..at_rev
                    },
                };
                (path, state)
            }
        };

        // Drift: the app's owned files edited by hand since kiln wrote them.
        let listing = list_folder(repo, display, base, &folder)?;
        let mut drift = Vec::new();
        for (path, owned) in &state.files {
            if !ours(path) {
                continue;
            }
            if let Some(id) = listing.get(path)
                && sha256_hex(&tree::read(repo, display, *id)?) != owned.sha256
            {
                drift.push(format!("{folder}/{path}"));
            }
        }
        if !drift.is_empty() && !opts.force {
            return Err(GitopsError::Drift { files: drift });
        }

        let mut editor = repo
            .edit_tree(base)
            .map_err(repo_err("read the branch tip", display))?;
        editor
            .remove(app_path.as_str())
            .map_err(repo_err("edit the tree", display))?;
        editor
            .upsert(app_path.as_str(), EntryKind::Tree, app_tree)
            .map_err(repo_err("edit the tree", display))?;
        editor
            .upsert(
                format!("{folder}/{release_path}").as_str(),
                EntryKind::Blob,
                tree::write(repo, display, &release_bytes)?,
            )
            .map_err(repo_err("edit the tree", display))?;
        let flux_file = format!("{folder}/{flux_path}");
        match &flux_at {
            Some(bytes) => editor.upsert(
                flux_file.as_str(),
                EntryKind::Blob,
                tree::write(repo, display, bytes)?,
            ),
            None => editor.remove(flux_file.as_str()),
        }
        .map_err(repo_err("edit the tree", display))?;

        // The state lists exactly the files put back.
        state.files.retain(|p, _| !ours(p));
        if let Some(bytes) = &flux_at {
            state.files.insert(
                flux_path.clone(),
                OwnedFile {
                    app: Some(app.to_string()),
                    sha256: sha256_hex(bytes),
                },
            );
        }
        for (path, id) in list_folder(repo, display, at_tree, &app_path)? {
            state.files.insert(
                format!("{prefix}{path}"),
                OwnedFile {
                    app: Some(app.to_string()),
                    sha256: sha256_hex(&tree::read(repo, display, id)?),
                },
            );
        }
        state.files.insert(
            release_path.clone(),
            OwnedFile {
                app: Some(app.to_string()),
                sha256: sha256_hex(&release_bytes),
            },
        );
        state.kiln_version = env!("CARGO_PKG_VERSION").to_string();
        editor
            .upsert(
                format!("{folder}/{state_path}").as_str(),
                EntryKind::Blob,
                tree::write(repo, display, &to_json(&state))?,
            )
            .map_err(repo_err("edit the tree", display))?;
        let edited = editor
            .write()
            .map_err(repo_err("write the tree", display))?
            .detach();

        // The env kustomization lists the app again if it had gone since.
        let mut apps = Vec::new();
        for name in tree::subtrees(repo, display, edited, &folder)? {
            let kust = format!("{folder}/{name}/kustomization.yaml");
            if !name.starts_with('.') && tree::entry(repo, display, edited, &kust)?.is_some() {
                apps.push(name);
            }
        }
        let namespaces: Vec<String> = tree::blobs(repo, display, edited, &folder)?
            .into_iter()
            .map(|(name, _)| name)
            .filter(|name| crate::output::is_namespace_file(name))
            .collect();
        let mut editor = repo
            .edit_tree(edited)
            .map_err(repo_err("read the tree", display))?;
        editor
            .upsert(
                format!("{folder}/kustomization.yaml").as_str(),
                EntryKind::Blob,
                tree::write(repo, display, &env_kustomization(&namespaces, &apps))?,
            )
            .map_err(repo_err("edit the tree", display))?;
        let edited = editor
            .write()
            .map_err(repo_err("write the tree", display))?
            .detach();
        let tree = flux::sync_apps(repo, display, edited, &[folder.as_str()])?;
        if tree == base {
            return Ok(None);
        }
        // The revision as given when it is an id, else a short id: a
        // subject saying `to HEAD~2` would mean nothing later.
        let full = at_id.to_string();
        let named = rev.to_ascii_lowercase();
        let shown = if named.len() >= 7 && full.starts_with(&named) {
            named
        } else {
            full[..12].to_string()
        };
        let message = format!(
            "rollback {env}: {app} to {shown}\n\n{env} ({folder}):\n  restored {app}/ and its release as of {at_id}\n  images   {}\n\nKiln-Env: {env}\nKiln-Rollback-To: {at_id}\nKiln-Version: {}\n",
            release.images.join(", "),
            env!("CARGO_PKG_VERSION")
        );
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

/// The ownership state in `folder/.kiln/` of `root` for which `owns` holds:
/// its path relative to the folder and its content.
fn owner(
    repo: &gix::Repository,
    display: &str,
    root: ObjectId,
    folder: &str,
    owns: &dyn Fn(&OwnerState) -> bool,
) -> Result<Option<(String, OwnerState)>, GitopsError> {
    let listing: BTreeMap<String, ObjectId> =
        list_folder(repo, display, root, &format!("{folder}/.kiln"))?;
    for (name, id) in listing {
        let Some(project) = name
            .strip_suffix(".json")
            .filter(|n| !n.contains('/') && !RESERVED_STATE.contains(n))
        else {
            continue;
        };
        let path = format!("{folder}/.kiln/{name}");
        let state: OwnerState = tree::parse_json(&path, &tree::read(repo, display, id)?)?;
        if owns(&state) {
            return Ok(Some((format!(".kiln/{project}.json"), state)));
        }
    }
    Ok(None)
}
