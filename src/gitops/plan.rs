//! Applying one render onto the tree of the branch tip, in memory: reads the
//! env folders and their `.kiln/` state, checks ownership and drift, and
//! edits only the paths that change, so that unchanged subtrees are reused
//! as they are (fleets of tens of thousands of files stay fast).

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use gix::ObjectId;
use gix::bstr::ByteSlice;
use gix::objs::tree::EntryKind;
use rayon::prelude::*;

use super::state::{OwnedFile, OwnerState, Release, rendered_sha256, sha256_hex, to_json};
use super::{AppChange, Change, ChangeKind, EnvSummary, GitopsError, Summary};
use crate::output::env_kustomization;

/// One file of an env folder that a commit adds, changes or removes.
#[derive(Clone, Debug)]
pub(crate) struct FileEdit {
    /// Relative to the env folder.
    pub path: String,
    pub kind: ChangeKind,
    /// The blob at the tip, for changed and removed files.
    pub old: Option<ObjectId>,
    /// The bytes kiln writes, for added and changed files.
    pub new: Option<Vec<u8>>,
}

/// What applying a render gives: the new root tree and every edit per env.
pub(crate) struct Planned {
    pub tree: ObjectId,
    pub base: ObjectId,
    pub envs: Vec<(EnvSummary, Vec<FileEdit>)>,
}

impl Planned {
    pub fn summary(&self) -> Summary {
        Summary {
            envs: self
                .envs
                .iter()
                .filter(|(env, _)| !env.is_empty())
                .map(|(env, _)| env.clone())
                .collect(),
            undecrypted: Vec::new(),
        }
    }
}

/// Names in an env's `.kiln/` that are not a project's ownership state:
/// `preview.json` (a preview's name and expiry) and `flux.json` (how
/// `kiln bootstrap` set the env up). No project can be named like them.
pub(crate) const RESERVED_STATE: [&str; 2] = ["preview", "flux"];

/// Wrap a gix error with what kiln was doing.
pub(crate) fn repo_err<E: std::fmt::Display>(
    action: &str,
    repo: &str,
) -> impl FnOnce(E) -> GitopsError {
    let action = action.to_string();
    let repo = repo.to_string();
    move |err| GitopsError::Repository {
        action,
        repo,
        message: super::target::redact(&err.to_string()),
    }
}

/// Apply `change` onto `tip_tree` (none for an empty repository) and write
/// the new blobs and trees into `repo`'s object database. Fails on a folder
/// another project owns, and on drift unless `force`.
pub(crate) fn plan(
    repo: &gix::Repository,
    repo_name: &str,
    tip_tree: Option<ObjectId>,
    change: &Change,
    force: bool,
) -> Result<Planned, GitopsError> {
    let base = tip_tree.unwrap_or_else(|| ObjectId::empty_tree(repo.object_hash()));
    let root: gix::objs::Tree = if tip_tree.is_some() {
        repo.find_tree(base)
            .map_err(repo_err("read the branch tip", repo_name))?
            .decode()
            .map_err(repo_err("read the branch tip", repo_name))?
            .into()
    } else {
        gix::objs::Tree::empty()
    };
    // gix's own editor checks, for every entry of every tree it writes,
    // that the object exists: a file-system lookup each, 20,000 for a
    // fleet's env folders and release lists. The blobs the edits name are
    // written below before the trees; every other entry comes from the
    // tip's trees; and each path edited passes `check_components`.
    let mut editor = gix::objs::tree::Editor::new(root, &repo.objects, repo.object_hash());
    // Each env's folder is listed, hashed and compared on its own, in
    // parallel (a fleet's env folders hold thousands of files), each
    // thread reading through its own handle on the repository. The new
    // blobs are written here, through `repo` (which may keep them in
    // memory: `kiln diff`), and the tree edited in env order; the first
    // error in env order is the one reported, as one env after the other
    // would.
    let shared = repo.clone().into_sync();
    let worked: Vec<Result<Worked, GitopsError>> = change
        .envs
        .par_iter()
        .map_init(
            || shared.to_thread_local(),
            |reader, env| {
                let folder = check_folder(&env.folder)?;
                let rendered = rendered_files(reader, repo_name, env)?;
                let listing = list_env_folder(reader, repo_name, base, &folder, &rendered)?;
                let ctx = EnvCtx {
                    repo: reader,
                    repo_name,
                    folder: &folder,
                    listing: &listing,
                    blobs: RefCell::default(),
                };
                let mut drift = Vec::new();
                let edits = ctx.apply(env, change, rendered, &mut drift)?;
                let blobs = ctx.blobs.into_inner();
                Ok((folder, edits, blobs, drift))
            },
        )
        .collect();
    let mut drift = Vec::new();
    let mut envs = Vec::new();
    for env in worked {
        let (folder, (summary, edits, upserts, removals), blobs, env_drift) = env?;
        drift.extend(env_drift);
        for (id, bytes) in blobs {
            let written = repo
                .write_blob(&bytes)
                .map_err(repo_err("write a file", repo_name))?
                .detach();
            if written != id {
                return Err(GitopsError::Repository {
                    action: "write a file".to_string(),
                    repo: repo_name.to_string(),
                    message: format!("the blob was stored as {written}, hashed as {id}"),
                });
            }
        }
        for path in removals {
            editor
                .remove(folder.split('/').chain(path.split('/')))
                .map_err(repo_err("edit the tree", repo_name))?;
        }
        for (path, id) in upserts {
            editor
                .upsert(
                    folder.split('/').chain(path.split('/')),
                    EntryKind::Blob,
                    id,
                )
                .map_err(repo_err("edit the tree", repo_name))?;
        }
        envs.push((summary, edits));
    }
    if !drift.is_empty() && !force {
        drift.sort();
        return Err(GitopsError::Drift { files: drift });
    }
    let tree = editor
        .write(|tree| repo.write_object(tree).map(|id| id.detach()))
        .map_err(repo_err("write the tree", repo_name))?;
    Ok(Planned { tree, base, envs })
}

/// A folder is a relative path of plain components.
pub(crate) fn check_folder(folder: &str) -> Result<String, GitopsError> {
    let trimmed = folder.trim_matches('/');
    check_components(trimmed)?;
    Ok(trimmed.to_string())
}

pub(crate) fn check_components(path: &str) -> Result<(), GitopsError> {
    let bad = |reason: &str| GitopsError::BadPath {
        path: path.to_string(),
        reason: reason.to_string(),
    };
    if path.is_empty() {
        return Err(bad("the path is empty"));
    }
    for part in path.split('/') {
        match part {
            "" | "." | ".." => return Err(bad("it has an empty, `.` or `..` component")),
            ".git" => return Err(bad("`.git` is reserved by git")),
            _ if part.contains(['\\', '\0']) => return Err(bad("it holds `\\` or NUL")),
            _ => {}
        }
    }
    Ok(())
}

/// Every blob under `folder` of the tree `root`, by path relative to it.
pub(crate) fn list_folder(
    repo: &gix::Repository,
    repo_name: &str,
    root: ObjectId,
    folder: &str,
) -> Result<BTreeMap<String, ObjectId>, GitopsError> {
    let mut out = BTreeMap::new();
    if let Some(id) = folder_tree(repo, repo_name, root, folder)? {
        list_tree(repo, repo_name, id, "", &mut out)?;
    }
    Ok(out)
}

/// The tree of `folder` in the tree `root`, if it is a folder there.
fn folder_tree(
    repo: &gix::Repository,
    repo_name: &str,
    root: ObjectId,
    folder: &str,
) -> Result<Option<ObjectId>, GitopsError> {
    let root = repo
        .find_tree(root)
        .map_err(repo_err("read the branch tip", repo_name))?;
    let entry = root
        .lookup_entry_by_path(folder)
        .map_err(repo_err("read the branch tip", repo_name))?;
    Ok(entry.filter(|e| e.mode().is_tree()).map(|e| e.object_id()))
}

/// [`list_folder`] of an env folder, for [`plan`]. An app folder whose tree
/// is exactly the files the render wants in it (the same names and blob
/// ids: every app a commit leaves as it is) is not read, its files are
/// those: a fleet's env folder holds a thousand app trees, each an object
/// to find and inflate.
fn list_env_folder(
    repo: &gix::Repository,
    repo_name: &str,
    root: ObjectId,
    folder: &str,
    rendered: &BTreeMap<String, Wanted<'_>>,
) -> Result<BTreeMap<String, ObjectId>, GitopsError> {
    let mut out = BTreeMap::new();
    let Some(id) = folder_tree(repo, repo_name, root, folder)? else {
        return Ok(out);
    };
    let tree = repo
        .find_tree(id)
        .map_err(repo_err("read a tree", repo_name))?;
    let decoded = tree.decode().map_err(repo_err("read a tree", repo_name))?;
    for entry in &decoded.entries {
        let name = entry.filename.to_str_lossy();
        if entry.mode.is_tree() {
            match rendered_tree(repo.object_hash(), &name, entry.oid, rendered) {
                Some(files) => out.extend(files),
                None => list_tree(repo, repo_name, entry.oid.to_owned(), &name, &mut out)?,
            }
        } else if entry.mode.is_blob() {
            out.insert(name.into_owned(), entry.oid.to_owned());
        }
    }
    Ok(out)
}

/// The files `rendered` holds in the folder `name`, by path, if they make
/// exactly the tree `id`: plain files, no subfolder.
fn rendered_tree(
    hash: gix::hash::Kind,
    name: &str,
    id: &gix::oid,
    rendered: &BTreeMap<String, Wanted<'_>>,
) -> Option<Vec<(String, ObjectId)>> {
    let prefix = format!("{name}/");
    let mut entries = Vec::new();
    let mut files = Vec::new();
    // Paths sort as their file names do under one prefix, which is git's
    // order for a tree of plain files.
    for (path, w) in rendered
        .range(prefix.clone()..)
        .take_while(|(p, _)| p.starts_with(&prefix))
    {
        let file = &path[prefix.len()..];
        if file.contains('/') {
            return None;
        }
        entries.push(gix::objs::tree::Entry {
            mode: EntryKind::Blob.into(),
            filename: file.into(),
            oid: w.id,
        });
        files.push((path.clone(), w.id));
    }
    let mut bytes = Vec::new();
    gix::objs::WriteTo::write_to(&gix::objs::Tree { entries }, &mut bytes).ok()?;
    let computed = gix::objs::compute_hash(hash, gix::objs::Kind::Tree, &bytes).ok()?;
    (computed == id).then_some(files)
}

/// What the render wants in an env folder, by path, without the env
/// kustomization (made from what is there afterwards).
fn rendered_files<'r>(
    repo: &gix::Repository,
    repo_name: &str,
    env: &'r crate::output::EnvOutput,
) -> Result<BTreeMap<String, Wanted<'r>>, GitopsError> {
    let mut wanted = BTreeMap::new();
    for (path, bytes) in env.files() {
        if path == "kustomization.yaml" {
            continue;
        }
        let app = path.split_once('/').map(|(app, _)| app.to_string());
        wanted.insert(path, want(repo, repo_name, app, bytes)?);
    }
    Ok(wanted)
}

/// `bytes`, which belong to `app`, as a file kiln wants.
fn want<'r>(
    repo: &gix::Repository,
    repo_name: &str,
    app: Option<String>,
    bytes: Cow<'r, [u8]>,
) -> Result<Wanted<'r>, GitopsError> {
    Ok(Wanted {
        app,
        id: blob_id(repo, repo_name, &bytes)?,
        sha256: sha256_hex(&bytes),
        bytes: Some(bytes),
    })
}

fn blob_id(repo: &gix::Repository, repo_name: &str, bytes: &[u8]) -> Result<ObjectId, GitopsError> {
    gix::objs::compute_hash(repo.object_hash(), gix::objs::Kind::Blob, bytes)
        .map_err(repo_err("hash a file", repo_name))
}

fn list_tree(
    repo: &gix::Repository,
    repo_name: &str,
    id: ObjectId,
    prefix: &str,
    out: &mut BTreeMap<String, ObjectId>,
) -> Result<(), GitopsError> {
    let tree = repo
        .find_tree(id)
        .map_err(repo_err("read a tree", repo_name))?;
    let decoded = tree.decode().map_err(repo_err("read a tree", repo_name))?;
    let mut subtrees = Vec::new();
    for entry in &decoded.entries {
        let name = entry.filename.to_str_lossy();
        let path = if prefix.is_empty() {
            name.into_owned()
        } else {
            format!("{prefix}/{name}")
        };
        if entry.mode.is_tree() {
            subtrees.push((path, entry.oid.to_owned()));
        } else if entry.mode.is_blob() {
            out.insert(path, entry.oid.to_owned());
        }
    }
    for (path, id) in subtrees {
        list_tree(repo, repo_name, id, &path, out)?;
    }
    Ok(())
}

/// A file kiln wants in the env folder, and the app it belongs to.
struct Wanted<'r> {
    app: Option<String>,
    /// None for a file kept exactly as it is at the tip; borrowed from the
    /// render where it can be.
    bytes: Option<Cow<'r, [u8]>>,
    id: ObjectId,
    sha256: String,
}

/// Tree edits of one env: (summary, file edits, blobs to upsert, paths to
/// remove), paths relative to the env folder.
type EnvEdits = (
    EnvSummary,
    Vec<FileEdit>,
    Vec<(String, ObjectId)>,
    Vec<String>,
);

/// Blobs an env's edits need, by id, to be written into the repository.
type Blobs = Vec<(ObjectId, Vec<u8>)>;

/// One env worked out by [`plan`]: its folder, its edits, the blobs they
/// need and the files that drifted.
type Worked = (String, EnvEdits, Blobs, Vec<String>);

struct EnvCtx<'a> {
    /// Read from only: new blobs go to `blobs`.
    repo: &'a gix::Repository,
    repo_name: &'a str,
    folder: &'a str,
    listing: &'a BTreeMap<String, ObjectId>,
    blobs: RefCell<Blobs>,
}

impl EnvCtx<'_> {
    fn read(&self, id: ObjectId) -> Result<Vec<u8>, GitopsError> {
        let blob = self
            .repo
            .find_blob(id)
            .map_err(repo_err("read a file", self.repo_name))?;
        Ok(blob.data.clone())
    }

    fn blob_id(&self, bytes: &[u8]) -> Result<ObjectId, GitopsError> {
        blob_id(self.repo, self.repo_name, bytes)
    }

    /// The id of `bytes` as a blob, kept to be written by [`plan`].
    fn write_blob(&self, bytes: &[u8]) -> Result<ObjectId, GitopsError> {
        let id = self.blob_id(bytes)?;
        self.blobs.borrow_mut().push((id, bytes.to_vec()));
        Ok(id)
    }

    fn release_at_tip(&self, app: &str) -> Option<Release> {
        let id = self.listing.get(&format!(".kiln/releases/{app}.json"))?;
        serde_json::from_slice(&self.read(*id).ok()?).ok()
    }

    fn apply<'r>(
        &self,
        env: &'r crate::output::EnvOutput,
        change: &Change,
        rendered: BTreeMap<String, Wanted<'r>>,
        drift: &mut Vec<String>,
    ) -> Result<EnvEdits, GitopsError> {
        let project = &change.project;
        check_components(project)?;
        if RESERVED_STATE.contains(&project.as_str()) {
            return Err(GitopsError::BadPath {
                path: format!("{}/.kiln/{project}.json", self.folder),
                reason: "this name is reserved for kiln's own metadata".to_string(),
            });
        }

        // Who owns what, from every `.kiln/<project>.json` of the env.
        let mut own: Option<OwnerState> = None;
        let mut others: BTreeMap<String, String> = BTreeMap::new();
        for (path, id) in self.listing.range(".kiln/".to_string()..) {
            let Some(name) = path.strip_prefix(".kiln/") else {
                break;
            };
            let Some(owner) = name
                .strip_suffix(".json")
                .filter(|n| !n.contains('/') && !RESERVED_STATE.contains(n))
            else {
                continue;
            };
            let state: OwnerState =
                serde_json::from_slice(&self.read(*id)?).map_err(|err| GitopsError::BadState {
                    path: format!("{}/{path}", self.folder),
                    message: err.to_string(),
                })?;
            if owner == project {
                own = Some(state);
            } else {
                for file in state.files.into_keys() {
                    others.insert(file, owner.to_string());
                }
            }
        }
        let own = own.unwrap_or_default();

        for app in env.apps.keys() {
            check_components(app)?;
            if app.starts_with('.') {
                return Err(GitopsError::BadPath {
                    path: format!("{}/{app}", self.folder),
                    reason: "app folders cannot start with `.`".to_string(),
                });
            }
            let prefix = format!("{app}/");
            let release = format!(".kiln/releases/{app}.json");
            if let Some((_, owner)) = others
                .iter()
                .find(|(path, _)| path.starts_with(&prefix) || **path == release)
            {
                return Err(GitopsError::OwnedByOther {
                    folder: format!("{}/{app}", self.folder),
                    owner: owner.clone(),
                });
            }
        }

        // What the render wants in the folder (see [`rendered_files`]).
        for path in rendered.keys() {
            check_components(path)?;
        }
        let mut wanted = rendered;

        // `promote --app`: the apps left out of the render, and the env's
        // own files, stay exactly as they are.
        if change.keep_unrendered_apps {
            for (path, owned) in &own.files {
                let rendered = owned.app.as_ref().is_some_and(|a| env.apps.contains_key(a));
                if let (false, Some(id)) = (rendered, self.listing.get(path)) {
                    wanted.entry(path.clone()).or_insert(Wanted {
                        app: owned.app.clone(),
                        bytes: None,
                        id: *id,
                        sha256: owned.sha256.clone(),
                    });
                }
            }
        }

        // Release files: rewritten only for apps whose files change, so that
        // a new source commit rendering the same objects is no commit; and
        // then always, since they name the files' digest.
        let mut apps = Vec::new();
        for (name, out) in &env.apps {
            let prefix = format!("{name}/");
            let files_same = wanted
                .range(prefix.clone()..)
                .take_while(|(p, _)| p.starts_with(&prefix))
                .all(|(p, w)| self.listing.get(p) == Some(&w.id))
                && own
                    .files
                    .range(prefix.clone()..)
                    .take_while(|(p, _)| p.starts_with(&prefix))
                    .all(|(p, _)| wanted.contains_key(p));
            let release_path = format!(".kiln/releases/{name}.json");
            // Kept as it is: its hash comes from the state, and drift
            // of it is found below like any other owned file's.
            if let (Some(id), Some(owned), true) = (
                self.listing.get(&release_path),
                own.files.get(&release_path),
                files_same,
            ) {
                wanted.insert(
                    release_path,
                    Wanted {
                        app: Some(name.clone()),
                        bytes: None,
                        id: *id,
                        sha256: owned.sha256.clone(),
                    },
                );
                continue;
            }
            let digest = rendered_sha256(
                wanted
                    .range(prefix.clone()..)
                    .take_while(|(p, _)| p.starts_with(&prefix))
                    .map(|(p, w)| (&p[prefix.len()..], w.sha256.as_str())),
            );
            let old = self.release_at_tip(name);
            apps.push(AppChange {
                app: name.clone(),
                old_tag: old.as_ref().and_then(|r| main_tag(&r.images)),
                new_tag: main_tag(&out.images),
            });
            let bytes = to_json(&Release {
                app: name.clone(),
                env: env.env.clone(),
                images: out.images.clone(),
                rendered_sha256: Some(digest),
                source_repo: change.source.repo.as_deref().map(super::target::redact),
                source_commit: change.source.commit.clone(),
                branch: change.source.branch.clone(),
                tag: change.source.tag.clone(),
                event: change.source.event.clone(),
                actor: change.source.actor.clone(),
                kiln_version: change.kiln_version.clone(),
                rolled_back_from: None,
                promoted_from: change.promoted_from.as_ref().map(|p| p.to_string()),
            });
            let id = self.blob_id(&bytes)?;
            let sha256 = sha256_hex(&bytes);
            wanted.insert(
                release_path,
                Wanted {
                    app: Some(name.clone()),
                    bytes: Some(Cow::Owned(bytes)),
                    id,
                    sha256,
                },
            );
        }

        // How Flux applies each app, for its per-app Kustomization.
        for (path, app, bytes) in super::flux::flux_files(env) {
            wanted.insert(
                path,
                want(self.repo, self.repo_name, app, Cow::Owned(bytes))?,
            );
        }

        // Drift: owned files whose content is no longer what kiln wrote, and
        // files kiln would overwrite that nobody owns.
        for (path, owned) in &own.files {
            let Some(id) = self.listing.get(path) else {
                continue;
            };
            // Unchanged files, and files kept as they are, are not
            // overwritten: nothing to check.
            if wanted.get(path).is_some_and(|w| w.id == *id) {
                continue;
            }
            if sha256_hex(&self.read(*id)?) != owned.sha256 {
                drift.push(format!("{}/{path}", self.folder));
            }
        }
        for (path, w) in &wanted {
            if own.files.contains_key(path) || others.contains_key(path) {
                continue;
            }
            if let Some(id) = self.listing.get(path)
                && *id != w.id
            {
                drift.push(format!("{}/{path}", self.folder));
            }
        }

        let mut edits = Vec::new();
        let mut upserts = Vec::new();
        let mut removals = Vec::new();
        let mut after: BTreeSet<String> = self.listing.keys().cloned().collect();

        // Files the project wrote before and no longer renders; shared
        // files another project still lists stay.
        for path in own.files.keys() {
            if wanted.contains_key(path) || others.contains_key(path) {
                continue;
            }
            if let Some(id) = self.listing.get(path) {
                removals.push(path.clone());
                after.remove(path);
                edits.push(FileEdit {
                    path: path.clone(),
                    kind: ChangeKind::Removed,
                    old: Some(*id),
                    new: None,
                });
            }
        }
        for (path, w) in &wanted {
            let old = self.listing.get(path).copied();
            if old == Some(w.id) {
                continue;
            }
            let Some(bytes) = &w.bytes else { continue };
            upserts.push((path.clone(), self.write_blob(bytes)?));
            after.insert(path.clone());
            edits.push(FileEdit {
                path: path.clone(),
                kind: if old.is_some() {
                    ChangeKind::Changed
                } else {
                    ChangeKind::Added
                },
                old,
                new: Some(bytes.to_vec()),
            });
        }

        // The ownership state, rewritten only when what it lists changes.
        let state_path = format!(".kiln/{project}.json");
        let files: BTreeMap<String, OwnedFile> = wanted
            .iter()
            .map(|(path, w)| {
                (
                    path.clone(),
                    OwnedFile {
                        app: w.app.clone(),
                        sha256: w.sha256.clone(),
                    },
                )
            })
            .collect();
        let state_at_tip = self.listing.get(&state_path).copied();
        if files.is_empty() {
            if state_at_tip.is_some() {
                removals.push(state_path.clone());
                after.remove(&state_path);
            }
        } else if state_at_tip.is_none() || own.files != files {
            let bytes = to_json(&OwnerState {
                project: project.clone(),
                kiln_version: change.kiln_version.clone(),
                source_commit: change.source.commit.clone(),
                files,
            });
            let id = self.write_blob(&bytes)?;
            if state_at_tip != Some(id) {
                upserts.push((state_path.clone(), id));
                after.insert(state_path);
            }
        }

        // The env kustomization lists every app folder there is afterwards,
        // whichever project owns it.
        let app_folders: Vec<&str> = after
            .iter()
            .filter_map(|p| p.strip_suffix("/kustomization.yaml"))
            .filter(|a| !a.contains('/') && !a.starts_with('.'))
            .collect();
        let namespaces: Vec<&str> = after
            .iter()
            .map(String::as_str)
            .filter(|p| crate::output::is_namespace_file(p))
            .collect();
        let has_namespace = !namespaces.is_empty();
        let env_kust = "kustomization.yaml".to_string();
        let old = self.listing.get(&env_kust).copied();
        if app_folders.is_empty() && !has_namespace {
            if let Some(old) = old
                && after.iter().all(|p| *p == env_kust)
            {
                removals.push(env_kust.clone());
                edits.push(FileEdit {
                    path: env_kust,
                    kind: ChangeKind::Removed,
                    old: Some(old),
                    new: None,
                });
            }
        } else {
            let bytes = env_kustomization(namespaces, app_folders);
            let id = self.blob_id(&bytes)?;
            if old != Some(id) {
                upserts.push((env_kust.clone(), self.write_blob(&bytes)?));
                edits.push(FileEdit {
                    path: env_kust,
                    kind: if old.is_some() {
                        ChangeKind::Changed
                    } else {
                        ChangeKind::Added
                    },
                    old,
                    new: Some(bytes),
                });
            }
        }

        // Apps the project removed from the env.
        let rendered: BTreeSet<&str> = env.apps.keys().map(String::as_str).collect();
        let removed_apps: BTreeSet<&str> = own
            .files
            .values()
            .filter_map(|f| f.app.as_deref())
            .filter(|a| !rendered.contains(a) && !change.keep_unrendered_apps)
            .collect();
        for app in removed_apps {
            apps.push(AppChange {
                app: app.to_string(),
                old_tag: self.release_at_tip(app).and_then(|r| main_tag(&r.images)),
                new_tag: None,
            });
        }
        apps.sort_by(|a, b| a.app.cmp(&b.app));
        // An app whose release was rewritten but whose objects did not
        // change (first run after the state was lost) is not news.
        let edited_apps: BTreeSet<&str> = edits
            .iter()
            .filter_map(|e| e.path.split_once('/').map(|(app, _)| app))
            .filter(|app| *app != ".kiln")
            .collect();
        apps.retain(|a| edited_apps.contains(a.app.as_str()));

        edits.retain(|e| !e.path.starts_with(".kiln/"));
        edits.sort_by(|a, b| a.path.cmp(&b.path));
        let pick = |kind: ChangeKind| {
            edits
                .iter()
                .filter(|e| e.kind == kind)
                .map(|e| e.path.clone())
                .collect::<Vec<_>>()
        };
        let summary = EnvSummary {
            env: env.env.clone(),
            folder: self.folder.to_string(),
            added: pick(ChangeKind::Added),
            changed: pick(ChangeKind::Changed),
            removed: pick(ChangeKind::Removed),
            apps,
            metadata_changed: !upserts.is_empty() || !removals.is_empty(),
            flux: Vec::new(),
        };
        Ok((summary, edits, upserts, removals))
    }
}

/// The tag (or short digest) of an app's first image, for commit subjects.
fn main_tag(images: &[String]) -> Option<String> {
    let image = images.first()?;
    if let Some((_, digest)) = image.split_once('@') {
        let digest = digest.split_once(':').map_or(digest, |(_, d)| d);
        return Some(format!("@{}", &digest[..digest.len().min(12)]));
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    Some(
        last.split_once(':')
            .map_or("latest", |(_, tag)| tag)
            .to_string(),
    )
}
