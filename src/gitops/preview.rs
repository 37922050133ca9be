//! Preview environments: `previews/<label>/`, rendered from a template env
//! like any env, plus `.kiln/preview.json` with the name the user gave and
//! the expiry. `up` creates or refreshes one, `down` removes one, `gc`
//! removes every expired one in a single commit.

use gix::ObjectId;
use gix::objs::tree::EntryKind;
use serde::{Deserialize, Serialize};

use super::plan::repo_err;
use super::state::to_json;
use super::{
    Built, Change, CommitOptions, GitopsError, Landed, flux, format_rfc3339, land, message, plan,
    tree,
};
use crate::output::env_kustomization;

/// Where previews live in the gitops repository.
pub(crate) const PREVIEWS: &str = "previews";

/// `previews/<label>/.kiln/preview.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewInfo {
    /// The name as given to `preview up`, before sanitising.
    pub name: String,
    /// The template env it was rendered from.
    pub template: String,
    /// Unix seconds after which `preview gc` removes it.
    pub expires: i64,
    /// The same, RFC 3339 in UTC, for people.
    pub expires_at: String,
}

/// The folder of the preview whose sanitised name is `label`.
pub fn preview_folder(label: &str) -> String {
    format!("{PREVIEWS}/{label}")
}

fn commit_time(opts: &CommitOptions) -> i64 {
    opts.time.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    })
}

/// The preview at `folder` of `root`, if it has its `preview.json`.
fn info_at(
    repo: &gix::Repository,
    display: &str,
    root: ObjectId,
    folder: &str,
) -> Result<Option<PreviewInfo>, GitopsError> {
    let path = format!("{folder}/.kiln/preview.json");
    match tree::blob_at(repo, display, root, &path)? {
        Some(bytes) => Ok(Some(tree::parse_json(&path, &bytes)?)),
        None => Ok(None),
    }
}

/// Refuse a folder that holds a different preview.
fn check_same(info: Option<&PreviewInfo>, name: &str, folder: &str) -> Result<(), GitopsError> {
    match info {
        Some(other) if other.name != name => Err(GitopsError::PreviewCollision {
            name: name.to_string(),
            other: other.name.clone(),
            folder: folder.to_string(),
        }),
        _ => Ok(()),
    }
}

/// Create or update the preview `name` from `change` (one env, rendered
/// into `previews/<label>`), expiring `ttl` seconds after the commit time.
/// Returns the new commit (`None`: already up to date) and its record.
pub fn preview_up(
    target: &str,
    name: &str,
    template: &str,
    ttl: u64,
    change: &Change,
    opts: &CommitOptions,
) -> Result<(Option<String>, PreviewInfo), GitopsError> {
    let expires = commit_time(opts).saturating_add(i64::try_from(ttl).unwrap_or(i64::MAX));
    let info = PreviewInfo {
        name: name.to_string(),
        template: template.to_string(),
        expires,
        expires_at: format_rfc3339(expires),
    };
    let folders: Vec<String> = change
        .envs
        .iter()
        .map(|e| e.folder.trim_matches('/').to_string())
        .collect();
    let mut build = |repo: &gix::Repository,
                     display: &str,
                     tip: Option<(ObjectId, ObjectId)>|
     -> Result<Option<Built<()>>, GitopsError> {
        let base = tip.map_or_else(|| ObjectId::empty_tree(repo.object_hash()), |t| t.1);
        for folder in &folders {
            check_same(info_at(repo, display, base, folder)?.as_ref(), name, folder)?;
        }
        let planned = plan::plan(repo, display, tip.map(|t| t.1), change, opts.force)?;
        let mut editor = repo
            .edit_tree(planned.tree)
            .map_err(repo_err("read the tree", display))?;
        let record = tree::write(repo, display, &to_json(&info))?;
        for folder in &folders {
            editor
                .upsert(
                    format!("{folder}/.kiln/preview.json").as_str(),
                    EntryKind::Blob,
                    record,
                )
                .map_err(repo_err("edit the tree", display))?;
        }
        let edited = editor
            .write()
            .map_err(repo_err("write the tree", display))?
            .detach();
        let edited = index(repo, display, edited)?;
        // `kiln bootstrap --per-app` of a template env: one Flux
        // Kustomization per preview.
        let tree = flux::sync_apps(repo, display, edited, &[PREVIEWS])?;
        if tree == base {
            return Ok(None);
        }
        let summary = planned.summary();
        let body = message::message(change, &summary);
        let body = body.split_once("\n\n").map_or("", |(_, rest)| rest);
        let label = folders
            .first()
            .and_then(|f| f.rsplit('/').next())
            .unwrap_or(name);
        Ok(Some(Built {
            tree,
            message: format!(
                "preview up {label}: {template}, expires {}\n\n{body}",
                info.expires_at
            ),
            report: (),
        }))
    };
    let commit = match land(target, opts, &folders, &mut build)? {
        Landed::Committed { commit, .. } => Some(commit),
        Landed::UpToDate => None,
    };
    Ok((commit, info))
}

/// Remove the preview `name` (sanitised to `label`). Returns the commit.
pub fn preview_down(
    target: &str,
    name: &str,
    label: &str,
    opts: &CommitOptions,
) -> Result<String, GitopsError> {
    let folder = preview_folder(label);
    let paths = vec![folder.clone(), flux::FLUX_DIR.to_string()];
    let mut build = |repo: &gix::Repository,
                     display: &str,
                     tip: Option<(ObjectId, ObjectId)>|
     -> Result<Option<Built<()>>, GitopsError> {
        let base = tip.map_or_else(|| ObjectId::empty_tree(repo.object_hash()), |t| t.1);
        if tree::entry(repo, display, base, &folder)?.is_none() {
            return Err(GitopsError::NoPreview {
                name: name.to_string(),
                folder: folder.clone(),
            });
        }
        check_same(
            info_at(repo, display, base, &folder)?.as_ref(),
            name,
            &folder,
        )?;
        let tree = remove(repo, display, base, std::slice::from_ref(&folder))?;
        Ok(Some(Built {
            tree,
            message: format!(
                "preview down {label}\n\nremoved {folder}/\n\nKiln-Version: {}\n",
                env!("CARGO_PKG_VERSION")
            ),
            report: (),
        }))
    };
    match land(target, opts, &paths, &mut build)? {
        Landed::Committed { commit, .. } => Ok(commit),
        // Removing an existing folder always changes the tree.
        Landed::UpToDate => Err(GitopsError::NoPreview {
            name: name.to_string(),
            folder,
        }),
    }
}

/// Remove every preview whose expiry is at or before `now` (Unix seconds)
/// in one commit. Returns the commit (`None`: nothing expired) and the
/// previews removed.
pub fn preview_gc(
    target: &str,
    now: i64,
    opts: &CommitOptions,
) -> Result<(Option<String>, Vec<PreviewInfo>), GitopsError> {
    let mut removed = Vec::new();
    let paths = vec![PREVIEWS.to_string(), flux::FLUX_DIR.to_string()];
    let mut build = |repo: &gix::Repository,
                     display: &str,
                     tip: Option<(ObjectId, ObjectId)>|
     -> Result<Option<Built<()>>, GitopsError> {
        removed.clear();
        let Some((_, base)) = tip else {
            return Ok(None);
        };
        let mut folders = Vec::new();
        for label in tree::subtrees(repo, display, base, PREVIEWS)? {
            let folder = preview_folder(&label);
            if let Some(info) = info_at(repo, display, base, &folder)?
                && info.expires <= now
            {
                folders.push(folder);
                removed.push(info);
            }
        }
        if folders.is_empty() {
            return Ok(None);
        }
        let tree = remove(repo, display, base, &folders)?;
        let mut message = format!("preview gc: {} expired preview(s)\n\n", folders.len());
        for (folder, info) in folders.iter().zip(&removed) {
            message.push_str(&format!(
                "  removed {folder}/ (expired {})\n",
                info.expires_at
            ));
        }
        message.push_str(&format!("\nKiln-Version: {}\n", env!("CARGO_PKG_VERSION")));
        Ok(Some(Built {
            tree,
            message,
            report: (),
        }))
    };
    let commit = match land(target, opts, &paths, &mut build)? {
        Landed::Committed { commit, .. } => Some(commit),
        Landed::UpToDate => None,
    };
    Ok((commit, removed))
}

/// `root` without `folders`, and without their per-preview Flux objects.
fn remove(
    repo: &gix::Repository,
    display: &str,
    root: ObjectId,
    folders: &[String],
) -> Result<ObjectId, GitopsError> {
    let mut editor = repo
        .edit_tree(root)
        .map_err(repo_err("read the tree", display))?;
    for folder in folders {
        editor
            .remove(folder.as_str())
            .map_err(repo_err("edit the tree", display))?;
    }
    let tree = editor
        .write()
        .map_err(repo_err("write the tree", display))?
        .detach();
    let tree = index(repo, display, tree)?;
    flux::sync_apps(repo, display, tree, &[PREVIEWS])
}

/// `previews/kustomization.yaml` lists every preview folder, so that
/// `kubectl kustomize previews` (and the one Flux Kustomization that
/// `kiln bootstrap` writes for a template env) builds them all; it goes
/// with the last preview.
fn index(repo: &gix::Repository, display: &str, root: ObjectId) -> Result<ObjectId, GitopsError> {
    let mut previews = Vec::new();
    for label in tree::subtrees(repo, display, root, PREVIEWS)? {
        let kust = format!("{PREVIEWS}/{label}/kustomization.yaml");
        if !label.starts_with('.') && tree::entry(repo, display, root, &kust)?.is_some() {
            previews.push(label);
        }
    }
    let path = format!("{PREVIEWS}/kustomization.yaml");
    let mut editor = repo
        .edit_tree(root)
        .map_err(repo_err("read the tree", display))?;
    if previews.is_empty() {
        editor
            .remove(path.as_str())
            .map_err(repo_err("edit the tree", display))?;
    } else {
        let bytes = env_kustomization(std::iter::empty::<&str>(), &previews);
        editor
            .upsert(
                path.as_str(),
                EntryKind::Blob,
                tree::write(repo, display, &bytes)?,
            )
            .map_err(repo_err("edit the tree", display))?;
    }
    Ok(editor
        .write()
        .map_err(repo_err("write the tree", display))?
        .detach())
}
