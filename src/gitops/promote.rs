//! What `kiln promote` reads from the gitops repository: the current
//! releases of the source env, at one commit of the branch, which the
//! promotion then names (`Kiln-Promoted-From: <env>@<commit>`).

use std::collections::BTreeMap;
use std::path::Path;

use super::plan::list_folder;
use super::state::Release;
use super::{GitopsError, Promotion, open_tip, tree};

/// The releases of one env at one commit of the branch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceReleases {
    pub env: String,
    pub folder: String,
    /// The tip the releases were read at; none for an empty repository.
    pub commit: Option<String>,
    /// By app.
    pub releases: BTreeMap<String, Release>,
}

impl SourceReleases {
    /// The release of `app` to promote: an error naming the app when the
    /// env has none, or when its current release is a rollback.
    pub fn release_of(&self, app: &str) -> Result<&Release, GitopsError> {
        let release = self
            .releases
            .get(app)
            .ok_or_else(|| GitopsError::NotInSource {
                app: app.to_string(),
                env: self.env.clone(),
                folder: self.folder.clone(),
            })?;
        match &release.rolled_back_from {
            Some(to) => Err(GitopsError::RolledBackSource {
                app: app.to_string(),
                env: self.env.clone(),
                to: to[..to.len().min(12)].to_string(),
            }),
            None => Ok(release),
        }
    }

    /// What the promotion's commit and release files name.
    pub fn promotion(&self) -> Option<Promotion> {
        Some(Promotion {
            env: self.env.clone(),
            commit: self.commit.clone()?,
        })
    }
}

/// The current releases of `env` (whose folder is `folder`) at the tip of
/// `branch` of `target`, fetched into the cache for a URL.
pub fn source_releases(
    target: &str,
    branch: &str,
    env: &str,
    folder: &str,
    cache_dir: &Path,
) -> Result<SourceReleases, GitopsError> {
    let folder = folder.trim_matches('/').to_string();
    let mut out = SourceReleases {
        env: env.to_string(),
        folder: folder.clone(),
        ..SourceReleases::default()
    };
    let (repo, display, tip) = open_tip(target, branch, cache_dir)?;
    let Some((commit, root)) = tip else {
        return Ok(out);
    };
    out.commit = Some(commit.to_string());
    let dir = format!("{folder}/.kiln/releases");
    for (file, id) in list_folder(&repo, &display, root, &dir)? {
        let Some(app) = file.strip_suffix(".json").filter(|a| !a.contains('/')) else {
            continue;
        };
        let path = format!("{dir}/{file}");
        let release: Release = tree::parse_json(&path, &tree::read(&repo, &display, id)?)?;
        out.releases.insert(app.to_string(), release);
    }
    Ok(out)
}
