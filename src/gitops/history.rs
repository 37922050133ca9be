//! `kiln history`: the releases of an env, newest first, read from the
//! first-parent log of the branch and each commit's
//! `<folder>/.kiln/releases/*.json`. A release counts where its release file
//! changed; a rollback's release file names the commit it restored, and
//! every release of that app between the two is marked as rolled back.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use gix::ObjectId;
use serde::Serialize;

use super::plan::{list_folder, repo_err};
use super::state::Release;
use super::{GitopsError, format_rfc3339, open_tip, tree};

/// One release of one app, as `kiln history` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// The gitops commit (full hex id).
    pub commit: String,
    /// The commit's time, RFC 3339 in UTC.
    pub time: String,
    pub app: String,
    pub env: String,
    /// The source commit the release was rendered from, when known.
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_repo: Option<String>,
    /// Full image references.
    pub images: Vec<String>,
    /// The commit's author: `Name <email>`.
    pub author: String,
    /// The commit's subject line.
    pub subject: String,
    /// Whether a later rollback undid this release.
    pub rolled_back: bool,
    /// The rollback commit that undid it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rolled_back_by: Option<String>,
    /// For a rollback: the gitops commit whose files it put back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rolled_back_from: Option<String>,
    /// For a promotion: `<env>@<gitops commit>` whose images it runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promoted_from: Option<String>,
}

/// The releases in `folder` on `branch` of `target`, newest first, of one
/// app or all; at most `limit`.
pub fn history(
    target: &str,
    branch: &str,
    folder: &str,
    app: Option<&str>,
    limit: Option<usize>,
    cache_dir: &Path,
) -> Result<Vec<HistoryEntry>, GitopsError> {
    let (repo, display, tip) = open_tip(target, branch, cache_dir)?;
    let Some((tip, _)) = tip else {
        return Ok(Vec::new());
    };
    let dir = format!("{}/.kiln/releases", folder.trim_matches('/'));
    let walk = repo
        .rev_walk([tip])
        .first_parent_only()
        .all()
        .map_err(repo_err("walk the history", &display))?;
    let mut order: HashMap<ObjectId, usize> = HashMap::new();
    let mut entries: Vec<(usize, HistoryEntry)> = Vec::new();
    for (index, info) in walk.enumerate() {
        let info = info.map_err(repo_err("walk the history", &display))?;
        order.insert(info.id, index);
        let commit = repo
            .find_commit(info.id)
            .map_err(repo_err("read a commit", &display))?;
        let tree_id = commit
            .tree_id()
            .map_err(repo_err("read a commit", &display))?
            .detach();
        let parent_tree = match commit.parent_ids().next() {
            Some(p) => Some(
                repo.find_commit(p.detach())
                    .map_err(repo_err("read a commit", &display))?
                    .tree_id()
                    .map_err(repo_err("read a commit", &display))?
                    .detach(),
            ),
            None => None,
        };
        let now = tree::entry(&repo, &display, tree_id, &dir)?.map(|e| e.0);
        let before = match parent_tree {
            Some(t) => tree::entry(&repo, &display, t, &dir)?.map(|e| e.0),
            None => None,
        };
        if now.is_none() || now == before {
            continue;
        }
        let files = list_folder(&repo, &display, tree_id, &dir)?;
        let old: BTreeMap<String, ObjectId> = match parent_tree {
            Some(t) => list_folder(&repo, &display, t, &dir)?,
            None => BTreeMap::new(),
        };
        let time = commit
            .time()
            .map_err(repo_err("read a commit", &display))?
            .seconds;
        let author = commit
            .author()
            .map_err(repo_err("read a commit", &display))?;
        let author = format!("{} <{}>", author.name, author.email);
        let subject = commit
            .message_raw_sloppy()
            .to_string()
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        for (file, id) in &files {
            let Some(name) = file.strip_suffix(".json") else {
                continue;
            };
            if old.get(file) == Some(id) || app.is_some_and(|a| a != name) {
                continue;
            }
            let release: Release =
                tree::parse_json(&format!("{dir}/{file}"), &tree::read(&repo, &display, *id)?)?;
            entries.push((
                index,
                HistoryEntry {
                    commit: info.id.to_string(),
                    time: format_rfc3339(time),
                    app: name.to_string(),
                    env: release.env,
                    source: release.source_commit,
                    source_repo: release.source_repo,
                    images: release.images,
                    author: author.clone(),
                    subject: subject.clone(),
                    rolled_back: false,
                    rolled_back_by: None,
                    rolled_back_from: release.rolled_back_from,
                    promoted_from: release.promoted_from,
                },
            ));
        }
    }
    // Newest first: a rollback marks the app's older releases up to the
    // commit it restored (which stays a live release).
    let mut pending: HashMap<String, (usize, String)> = HashMap::new();
    for (index, entry) in &mut entries {
        if let Some((until, by)) = pending.get(&entry.app) {
            if *index < *until {
                entry.rolled_back = true;
                entry.rolled_back_by = Some(by.clone());
                continue;
            }
            pending.remove(&entry.app);
        }
        if let Some(from) = &entry.rolled_back_from {
            let until = ObjectId::from_hex(from.as_bytes())
                .ok()
                .and_then(|id| order.get(&id).copied())
                .unwrap_or(usize::MAX);
            pending.insert(entry.app.clone(), (until, entry.commit.clone()));
        }
    }
    let mut out: Vec<HistoryEntry> = entries.into_iter().map(|(_, e)| e).collect();
    if let Some(limit) = limit {
        out.truncate(limit);
    }
    Ok(out)
}
