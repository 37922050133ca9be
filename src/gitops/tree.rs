//! Small reads and writes of trees and blobs that the release operations
//! (history, rollback, previews, bootstrap) share.

use gix::ObjectId;

use super::GitopsError;
use super::plan::repo_err;

/// The entry at `path` of the tree `root`: its id and whether it is a tree.
pub(crate) fn entry(
    repo: &gix::Repository,
    display: &str,
    root: ObjectId,
    path: &str,
) -> Result<Option<(ObjectId, bool)>, GitopsError> {
    let tree = repo
        .find_tree(root)
        .map_err(repo_err("read a tree", display))?;
    let found = tree
        .lookup_entry_by_path(path)
        .map_err(repo_err("read a tree", display))?;
    Ok(found.map(|e| (e.object_id(), e.mode().is_tree())))
}

/// The bytes of the blob at `path` of `root`, if there is one.
pub(crate) fn blob_at(
    repo: &gix::Repository,
    display: &str,
    root: ObjectId,
    path: &str,
) -> Result<Option<Vec<u8>>, GitopsError> {
    match entry(repo, display, root, path)? {
        Some((id, false)) => Ok(Some(read(repo, display, id)?)),
        _ => Ok(None),
    }
}

/// The bytes of a blob.
pub(crate) fn read(
    repo: &gix::Repository,
    display: &str,
    id: ObjectId,
) -> Result<Vec<u8>, GitopsError> {
    Ok(repo
        .find_blob(id)
        .map_err(repo_err("read a file", display))?
        .data
        .clone())
}

/// Store `bytes` as a blob.
pub(crate) fn write(
    repo: &gix::Repository,
    display: &str,
    bytes: &[u8],
) -> Result<ObjectId, GitopsError> {
    Ok(repo
        .write_blob(bytes)
        .map_err(repo_err("write a file", display))?
        .detach())
}

/// The names of the subtrees directly under `path` of `root`.
pub(crate) fn subtrees(
    repo: &gix::Repository,
    display: &str,
    root: ObjectId,
    path: &str,
) -> Result<Vec<String>, GitopsError> {
    Ok(children(repo, display, root, path)?
        .into_iter()
        .filter(|c| c.2)
        .map(|c| c.0)
        .collect())
}

/// The names and ids of the blobs (files) directly under `path` of `root`.
pub(crate) fn blobs(
    repo: &gix::Repository,
    display: &str,
    root: ObjectId,
    path: &str,
) -> Result<Vec<(String, ObjectId)>, GitopsError> {
    Ok(children(repo, display, root, path)?
        .into_iter()
        .filter(|c| !c.2)
        .map(|c| (c.0, c.1))
        .collect())
}

/// The entries directly under `path` of `root`: name, id, whether a tree.
fn children(
    repo: &gix::Repository,
    display: &str,
    root: ObjectId,
    path: &str,
) -> Result<Vec<(String, ObjectId, bool)>, GitopsError> {
    let Some((id, true)) = entry(repo, display, root, path)? else {
        return Ok(Vec::new());
    };
    let tree = repo
        .find_tree(id)
        .map_err(repo_err("read a tree", display))?;
    let decoded = tree.decode().map_err(repo_err("read a tree", display))?;
    Ok(decoded
        .entries
        .iter()
        .map(|e| (e.filename.to_string(), e.oid.to_owned(), e.mode.is_tree()))
        .collect())
}

/// Parse a `.kiln/*.json` file, naming it in the error.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    path: &str,
    bytes: &[u8],
) -> Result<T, GitopsError> {
    serde_json::from_slice(bytes).map_err(|err| GitopsError::BadState {
        path: path.to_string(),
        message: err.to_string(),
    })
}
