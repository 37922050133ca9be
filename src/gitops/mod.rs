//! Writing the gitops repository (GITOPS.md): each env's render and its
//! `.kiln/` state go into one commit built with gix on top of the branch
//! tip, without a checkout, then reach the branch by a compare-and-swap ref
//! update (local bare), an in-place update of branch, index and work tree
//! (local non-bare), or `git push` with the old tip as expected value
//! (remote, through a bare cache clone). A lost race re-applies the render
//! on the new tip.
//!
//! Entry points: [`commit`] and [`diff`]; the release operations
//! [`history`], [`rollback`], [`preview_up`], [`preview_down`],
//! [`preview_gc`] and [`bootstrap`], which write through the same `land`
//! path. [`Target`] parses `--gitops`.

mod decryption;
mod diff;
mod error;
mod flux;
mod git;
mod history;
mod message;
mod plan;
mod preview;
mod promote;
mod rollback;
mod state;
mod target;
mod time;
mod tree;

use std::path::{Path, PathBuf};
use std::time::Duration;

use gix::ObjectId;
use gix::refs::transaction::{Change as RefChange, LogChange, PreviousValue, RefEdit, RefLog};

pub use diff::{Diff, EnvDiff, FileDiff};
pub use error::GitopsError;
pub use flux::{AppFlux, Bootstrap, FluxState, bootstrap, go_duration, per_app_folders};
pub use history::{HistoryEntry, history};
pub use preview::{PreviewInfo, preview_down, preview_folder, preview_gc, preview_up};
pub use promote::{SourceReleases, source_releases};
pub use rollback::rollback;
pub use state::{OwnedFile, OwnerState, Release};
pub use target::{Target, redact};
pub use time::{format_rfc3339, parse_time};

use crate::output::EnvOutput;
use plan::repo_err;

/// Author and committer of kiln's commits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    pub email: String,
}

impl Default for Signature {
    /// `kiln <kiln@localhost>`, the last fallback of GITOPS.md.
    fn default() -> Self {
        Signature {
            name: "kiln".to_string(),
            email: "kiln@localhost".to_string(),
        }
    }
}

/// How [`commit`] writes: the flags every writing command shares.
#[derive(Clone, Debug)]
pub struct CommitOptions {
    /// The branch to commit to (`--branch`), without `refs/heads/`.
    pub branch: String,
    /// Go through a cache clone and `git push` even for a local path.
    pub push: bool,
    /// How many times to re-apply the render after losing a race.
    pub retries: u32,
    /// Overwrite drifted files instead of failing.
    pub force: bool,
    pub author: Signature,
    /// Commit time in Unix seconds (`SOURCE_DATE_EPOCH`); now when unset.
    pub time: Option<i64>,
    /// Where bare cache clones of remotes live.
    pub cache_dir: PathBuf,
    /// Sign every commit through git's own signing configuration
    /// (`--sign`, or `sign=#true` on the project's `gitops` node).
    pub sign: bool,
}

/// Where the render came from, for trailers and release files. Every field
/// is optional: a project outside a git checkout still commits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Source {
    /// The source repository (credentials are redacted before use).
    pub repo: Option<String>,
    pub commit: Option<String>,
    pub branch: Option<String>,
    pub tag: Option<String>,
    /// `push`, `tag` or `pr`.
    pub event: Option<String>,
    /// The person or bot that triggered the run.
    pub actor: Option<String>,
}

/// One project's render of some envs: what a commit applies.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Change {
    pub project: String,
    pub kiln_version: String,
    pub source: Source,
    pub envs: Vec<EnvOutput>,
    /// `kiln promote`: the source env's release the images come from.
    pub promoted_from: Option<Promotion>,
    /// The project's apps that the render leaves out are kept as they are
    /// rather than removed (`kiln promote --app`, which renders only the
    /// apps it promotes).
    pub keep_unrendered_apps: bool,
}

/// Where a promotion's images come from: an env and the gitops commit its
/// releases were read at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Promotion {
    pub env: String,
    /// Full hex id.
    pub commit: String,
}

impl std::fmt::Display for Promotion {
    /// `<env>@<commit>`, as the trailer and the release files write it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.env, self.commit)
    }
}

/// Whether a file is added, changed or removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    Added,
    Changed,
    Removed,
}

/// One app whose files a commit changes, with its main image tag before and
/// after (none when the app is new, or removed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppChange {
    pub app: String,
    pub old_tag: Option<String>,
    pub new_tag: Option<String>,
}

/// What a commit changed in one env. Paths are relative to the env folder;
/// `.kiln/` metadata is not listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvSummary {
    pub env: String,
    pub folder: String,
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
    pub apps: Vec<AppChange>,
    /// Whether anything at all changed, `.kiln/` included.
    pub metadata_changed: bool,
    /// The env's Flux objects the commit adds, changes or removes (with
    /// `kiln bootstrap`), paths from the repository's root.
    pub flux: Vec<(ChangeKind, String)>,
}

impl EnvSummary {
    fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.changed.is_empty()
            && self.removed.is_empty()
            && !self.metadata_changed
    }
}

/// What a commit changed: only the envs that changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub envs: Vec<EnvSummary>,
    /// Envs that now hold a SOPS-encrypted Secret although the Flux
    /// Kustomization `kiln bootstrap` wrote for them does not decrypt.
    pub undecrypted: Vec<String>,
}

/// How [`commit`] ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A new commit (full hex id) is on the branch.
    Committed { commit: String, summary: Summary },
    /// The branch already holds exactly this render: no commit.
    UpToDate,
}

/// Commit `change` to `branch` of the gitops repository `target` (a local
/// path or a URL, as `--gitops` takes it), per GITOPS.md.
pub fn commit(target: &str, change: &Change, opts: &CommitOptions) -> Result<Outcome, GitopsError> {
    let folders: Vec<String> = change
        .envs
        .iter()
        .map(|e| e.folder.trim_matches('/').to_string())
        .chain(std::iter::once(flux::FLUX_DIR.to_string()))
        .collect();
    let mut build = |repo: &gix::Repository,
                     display: &str,
                     tip: Option<(ObjectId, ObjectId)>|
     -> Result<Option<Built<Summary>>, GitopsError> {
        let planned = plan::plan(repo, display, tip.map(|t| t.1), change, opts.force)?;
        let folders: Vec<&str> = change.envs.iter().map(|e| e.folder.as_str()).collect();
        let tree = flux::sync_apps(repo, display, planned.tree, &folders)?;
        if tree == planned.base {
            return Ok(None);
        }
        let mut summary = planned.summary();
        // Only envs whose render holds a SOPS file: the tree is not read
        // for the others.
        let envs: Vec<(&str, &str)> = change
            .envs
            .iter()
            .filter(|e| decryption::output_holds_sops(e))
            .map(|e| (e.env.as_str(), e.folder.as_str()))
            .collect();
        summary.undecrypted = decryption::undecrypted(repo, display, tree, &envs)?;
        let edits = flux::flux_edits(repo, display, planned.base, tree)?;
        for env in &mut summary.envs {
            env.flux = edits
                .iter()
                .filter(|e| flux::is_env_flux_file(&e.1, &env.env))
                .map(|e| (e.0, e.1.clone()))
                .collect();
        }
        let message = if summary.envs.is_empty() {
            // Only per-app Flux objects were out of step (edited by hand).
            format!(
                "flux: Kustomizations per app back in step\n\nKiln-Version: {}\n",
                change.kiln_version
            )
        } else {
            message::message(change, &summary)
        };
        Ok(Some(Built {
            tree,
            message,
            report: summary,
        }))
    };
    Ok(match land(target, opts, &folders, &mut build)? {
        Landed::Committed { commit, report } => Outcome::Committed {
            commit,
            summary: report,
        },
        Landed::UpToDate => Outcome::UpToDate,
    })
}

/// Fetches `opts.branch` of `target` into the cache clone ahead of a
/// commit that goes through it (`--push`, or a URL), so that the commit's
/// own fetch finds the objects there: `kiln commit` runs it beside the
/// render. A runner without the cache fetches the whole repository, which
/// took as long as the render of a 1000-app fleet. Its error is the one
/// the commit's own fetch would meet (the caller reports it instead of
/// waiting for that fetch to fail again); a target that does not parse is
/// left to the commit.
pub fn prefetch(target: &str, opts: &CommitOptions) -> Result<(), GitopsError> {
    let Ok(target) = Target::parse(target) else {
        return Ok(());
    };
    if matches!(target, Target::Local { .. }) && !opts.push {
        return Ok(());
    }
    fetch_tip(&target, &opts.branch, &opts.cache_dir).map(|_| ())
}

/// What [`commit`] would change on `branch` of `target`, writing nothing to
/// it. A URL is fetched into a bare cache clone under `cache_dir`. Drift is
/// not an error here: the diff shows what `--force` would overwrite.
pub fn diff(
    target: &str,
    change: &Change,
    branch: &str,
    cache_dir: &Path,
) -> Result<Diff, GitopsError> {
    let target = Target::parse(target)?;
    let display = target.display();
    let (repo, tip) = match &target {
        Target::Local { path, .. } => {
            let repo = open(path, &display)?;
            let tip = branch_tip(&repo, branch, &display, true)?;
            (repo, tip)
        }
        Target::Remote { .. } => {
            let (cache, tip) = fetch_tip(&target, branch, cache_dir)?;
            (open(&cache, &display)?, tip)
        }
    };
    // Blobs and trees of the plan stay in memory.
    let repo = repo.with_object_memory();
    let planned = plan::plan(&repo, &display, tip.map(|t| t.1), change, true)?;
    let folders: Vec<&str> = change.envs.iter().map(|e| e.folder.as_str()).collect();
    let synced = flux::sync_apps(&repo, &display, planned.tree, &folders)?;
    let mut flux_edits = flux::flux_edits(&repo, &display, planned.base, synced)?;
    let read = |id: Option<ObjectId>| -> Result<Option<String>, GitopsError> {
        id.map(|id| {
            let blob = repo
                .find_blob(id)
                .map_err(repo_err("read a file", &display))?;
            Ok(String::from_utf8_lossy(&blob.data).into_owned())
        })
        .transpose()
    };
    let mut envs = Vec::new();
    for (summary, edits) in planned.envs {
        let mut files = Vec::new();
        for edit in edits {
            let old = match edit.old {
                Some(id) => Some(
                    String::from_utf8_lossy(
                        &repo
                            .find_blob(id)
                            .map_err(repo_err("read a file", &display))?
                            .data,
                    )
                    .into_owned(),
                ),
                None => None,
            };
            files.push(FileDiff {
                path: edit.path,
                kind: edit.kind,
                old,
                new: edit.new.map(|b| String::from_utf8_lossy(&b).into_owned()),
            });
        }
        let mine: Vec<_>;
        (mine, flux_edits) = flux_edits
            .into_iter()
            .partition(|e| flux::is_env_flux_file(&e.1, &summary.env));
        envs.push(EnvDiff {
            env: summary.env.clone(),
            folder: summary.folder,
            files,
        });
        // The env's Flux objects, as a folder of their own.
        let mut flux_files = Vec::new();
        for (kind, path, old, new) in mine {
            flux_files.push(FileDiff {
                path: path.strip_prefix("flux/").unwrap_or(&path).to_string(),
                kind,
                old: read(old)?,
                new: read(new)?,
            });
        }
        if !flux_files.is_empty() {
            envs.push(EnvDiff {
                env: summary.env,
                folder: flux::FLUX_DIR.to_string(),
                files: flux_files,
            });
        }
    }
    Ok(Diff { envs })
}

fn open(path: &Path, display: &str) -> Result<gix::Repository, GitopsError> {
    gix::open_opts(path, gix::open::Options::isolated()).map_err(|_| GitopsError::NotARepository {
        path: display.to_string(),
    })
}

/// The tip commit and its tree of `branch`; none for a repository without
/// any ref when `allow_empty`, else a missing branch is an error.
fn branch_tip(
    repo: &gix::Repository,
    branch: &str,
    display: &str,
    allow_empty: bool,
) -> Result<Option<(ObjectId, ObjectId)>, GitopsError> {
    let name = format!("refs/heads/{branch}");
    let found = repo
        .try_find_reference(name.as_str())
        .map_err(repo_err("read the branch", display))?;
    match found {
        Some(mut reference) => {
            let id = reference
                .peel_to_id()
                .map_err(repo_err("read the branch", display))?
                .detach();
            let tree = repo
                .find_commit(id)
                .map_err(repo_err("read the branch tip", display))?
                .tree_id()
                .map_err(repo_err("read the branch tip", display))?
                .detach();
            Ok(Some((id, tree)))
        }
        None => {
            let empty = repo
                .references()
                .map_err(repo_err("list references", display))?
                .all()
                .map_err(repo_err("list references", display))?
                .next()
                .is_none();
            if empty && allow_empty {
                Ok(None)
            } else {
                Err(GitopsError::BranchNotFound {
                    branch: branch.to_string(),
                    repo: display.to_string(),
                })
            }
        }
    }
}

fn signature(opts: &CommitOptions) -> gix::actor::Signature {
    let seconds = opts.time.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    });
    gix::actor::Signature {
        name: opts.author.name.as_str().into(),
        email: opts.author.email.as_str().into(),
        time: gix::date::Time { seconds, offset: 0 },
    }
}

/// Write a commit object of `tree` with `message` (no ref is touched).
/// A signed commit is made by `git commit-tree -S`, so that git's own
/// configuration and programs sign it; a key that cannot sign fails here,
/// before any ref moves or anything is pushed.
fn write_commit(
    repo: &gix::Repository,
    display: &str,
    tree: ObjectId,
    message: &str,
    opts: &CommitOptions,
    parent: Option<ObjectId>,
) -> Result<ObjectId, GitopsError> {
    let sig = signature(opts);
    if opts.sign {
        let id = git::commit_tree_signed(
            repo.git_dir(),
            &tree.to_string(),
            parent.map(|p| p.to_string()).as_deref(),
            message,
            &git::Ident {
                name: &opts.author.name,
                email: &opts.author.email,
                seconds: sig.time.seconds,
            },
        )?;
        return ObjectId::from_hex(id.as_bytes()).map_err(repo_err("write the commit", display));
    }
    let commit = gix::objs::Commit {
        tree,
        parents: parent.into_iter().collect(),
        author: sig.clone(),
        committer: sig,
        encoding: None,
        message: message.into(),
        extra_headers: Vec::new(),
    };
    Ok(repo
        .write_object(&commit)
        .map_err(repo_err("write the commit", display))?
        .detach())
}

/// A commit an operation wants on top of the tip: its tree and message,
/// and what to tell the caller once it landed.
pub(crate) struct Built<T> {
    pub tree: ObjectId,
    pub message: String,
    pub report: T,
}

/// The tip of a branch: its commit and tree; none in an empty repository.
pub(crate) type Tip = Option<(ObjectId, ObjectId)>;

/// How [`land`] ended.
pub(crate) enum Landed<T> {
    Committed { commit: String, report: T },
    UpToDate,
}

/// Builds the commit of one attempt from the repository and its tip
/// (commit, tree); `None` when the tree would not change.
pub(crate) type Build<'a, T> = dyn FnMut(
        &gix::Repository,
        &str,
        Option<(ObjectId, ObjectId)>,
    ) -> Result<Option<Built<T>>, GitopsError>
    + 'a;

/// Get one commit onto the branch of `target` the way every writing
/// command does (GITOPS.md "Getting the commit in"): build on the tip,
/// compare-and-swap or push, and on a lost race build again on the new tip.
/// `paths` are the folders written, for the dirty check of a work tree.
pub(crate) fn land<T>(
    target: &str,
    opts: &CommitOptions,
    paths: &[String],
    build: &mut Build<'_, T>,
) -> Result<Landed<T>, GitopsError> {
    let target = Target::parse(target)?;
    match &target {
        Target::Local { path, bare } if !opts.push => land_local(path, *bare, opts, paths, build),
        _ => land_remote(&target, opts, build),
    }
}

/// Open `target` for reading at the tip of `branch` (fetched into the cache
/// for a URL): the repository, its display name and the tip.
pub(crate) fn open_tip(
    target: &str,
    branch: &str,
    cache_dir: &Path,
) -> Result<(gix::Repository, String, Tip), GitopsError> {
    let target = Target::parse(target)?;
    let display = target.display();
    match &target {
        Target::Local { path, .. } => {
            let repo = open(path, &display)?;
            let tip = branch_tip(&repo, branch, &display, true)?;
            Ok((repo, display, tip))
        }
        Target::Remote { .. } => {
            let (cache, tip) = fetch_tip(&target, branch, cache_dir)?;
            Ok((open(&cache, &display)?, display, tip))
        }
    }
}

/// Commit straight into a repository on this machine: the branch moves by
/// compare-and-swap from the tip the tree was built on.
fn land_local<T>(
    path: &Path,
    bare: bool,
    opts: &CommitOptions,
    folders: &[String],
    build: &mut Build<'_, T>,
) -> Result<Landed<T>, GitopsError> {
    let display = path.display().to_string();
    if !bare {
        let dirty = git::dirty_files(path, folders)?;
        if !dirty.is_empty() {
            return Err(GitopsError::Dirty {
                path: display,
                files: dirty,
            });
        }
    }
    let name: gix::refs::FullName = format!("refs/heads/{}", opts.branch)
        .try_into()
        .map_err(repo_err("name the branch", &display))?;
    for attempt in 0..=opts.retries {
        let repo = open(path, &display)?;
        let tip = branch_tip(&repo, &opts.branch, &display, true)?;
        let Some(built) = build(&repo, &display, tip)? else {
            return Ok(Landed::UpToDate);
        };
        let id = write_commit(
            &repo,
            &display,
            built.tree,
            &built.message,
            opts,
            tip.map(|t| t.0),
        )?;
        let expected = match tip {
            Some((old, _)) => PreviousValue::MustExistAndMatch(gix::refs::Target::Object(old)),
            None => PreviousValue::MustNotExist,
        };
        let edit = RefEdit {
            change: RefChange::Update {
                log: LogChange {
                    mode: RefLog::AndReference,
                    force_create_reflog: false,
                    message: format!("kiln: {}", built.message.lines().next().unwrap_or("")).into(),
                },
                expected,
                new: gix::refs::Target::Object(id),
            },
            name: name.clone(),
            deref: false,
        };
        let sig = signature(opts);
        let mut time = gix::date::parse::TimeBuf::default();
        if let Err(err) = repo.edit_references_as([edit], Some(sig.to_ref(&mut time))) {
            // Someone else moved the branch: build again on their tip.
            let now = branch_tip(&repo, &opts.branch, &display, true)?.map(|t| t.0);
            if now != tip.map(|t| t.0) && attempt < opts.retries {
                backoff(attempt);
                continue;
            }
            if now != tip.map(|t| t.0) {
                break;
            }
            return Err(repo_err("update the branch", &display)(err));
        }
        if !bare && head_is(&repo, &name) {
            let old_tree = match tip {
                Some((_, tree)) => tree,
                None => repo
                    .write_object(gix::objs::Tree::empty())
                    .map_err(repo_err("write the tree", &display))?
                    .detach(),
            };
            git::checkout_tree(path, &old_tree.to_string(), &built.tree.to_string())?;
        }
        return Ok(Landed::Committed {
            commit: id.to_string(),
            report: built.report,
        });
    }
    Err(GitopsError::Conflict {
        attempts: opts.retries + 1,
        retries: opts.retries,
    })
}

fn head_is(repo: &gix::Repository, name: &gix::refs::FullName) -> bool {
    matches!(repo.head_name(), Ok(Some(head)) if head == *name)
}

/// The bare cache clone of a remote: one per (redacted) URL.
fn cache_path(target: &Target, cache_dir: &Path) -> PathBuf {
    let key = state::sha256_hex(target.display().as_bytes());
    cache_dir.join(format!("{}.git", &key[..16]))
}

/// Fetch `branch` of a remote into its cache: the cache's path and the tip
/// (commit, tree), none when the remote has no branch at all.
fn fetch_tip(
    target: &Target,
    branch: &str,
    cache_dir: &Path,
) -> Result<(PathBuf, Option<(ObjectId, ObjectId)>), GitopsError> {
    let display = target.display();
    let url = target.url();
    let cache = cache_path(target, cache_dir);
    git::init_bare(&cache)?;
    let scratch = scratch_ref();
    // The fetch can fail because the branch does not exist yet and then
    // appear before `ls-remote` looks (another writer's first push into an
    // empty repository): fetch again in that case.
    let mut attempt = 0;
    while let Err(err) = git::fetch(&cache, &url, branch, &scratch) {
        let heads = git::ls_remote(&cache, &url, branch)?;
        if heads.empty {
            return Ok((cache, None));
        }
        if heads.tip.is_none() {
            return Err(GitopsError::BranchNotFound {
                branch: branch.to_string(),
                repo: display,
            });
        }
        attempt += 1;
        if attempt >= 3 {
            return Err(err);
        }
    }
    let repo = open(&cache, &display)?;
    let tip = branch_tip(
        &repo,
        scratch.trim_start_matches("refs/heads/"),
        &display,
        false,
    );
    // The scratch ref only told us the fetched tip.
    git::delete_ref(&cache, &scratch)?;
    let tip = tip?;
    if let Some((id, _)) = tip {
        git::keep_ref(&cache, &kept_ref(branch), &id.to_string());
    }
    Ok((cache, tip))
}

/// The cache's ref for the last known tip of `branch` of its remote, which
/// later fetches negotiate from ([`git::keep_ref`]).
fn kept_ref(branch: &str) -> String {
    format!("refs/kiln/tips/{branch}")
}

/// A ref name no other kiln process uses, for one fetch. Lives under
/// `refs/heads/` of the cache so [`branch_tip`] can read it.
fn scratch_ref() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "refs/heads/kiln-fetch/{}-{}-{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Commit through a bare cache clone: fetch, build on the fetched tip, push
/// with the tip as expected old value; on rejection start over.
fn land_remote<T>(
    target: &Target,
    opts: &CommitOptions,
    build: &mut Build<'_, T>,
) -> Result<Landed<T>, GitopsError> {
    let display = target.display();
    let url = target.url();
    for attempt in 0..=opts.retries {
        let (cache, tip) = fetch_tip(target, &opts.branch, &opts.cache_dir)?;
        let repo = open(&cache, &display)?;
        let Some(built) = build(&repo, &display, tip)? else {
            return Ok(Landed::UpToDate);
        };
        let id = write_commit(
            &repo,
            &display,
            built.tree,
            &built.message,
            opts,
            tip.map(|t| t.0),
        )?;
        let old = tip.map(|t| t.0.to_string());
        match git::push(&cache, &url, &id.to_string(), &opts.branch, old.as_deref())? {
            git::Pushed::Done => {
                git::keep_ref(&cache, &kept_ref(&opts.branch), &id.to_string());
                return Ok(Landed::Committed {
                    commit: id.to_string(),
                    report: built.report,
                });
            }
            git::Pushed::Rejected if attempt < opts.retries => backoff(attempt),
            git::Pushed::Rejected => {}
        }
    }
    Err(GitopsError::Conflict {
        attempts: opts.retries + 1,
        retries: opts.retries,
    })
}

/// Sleep a little, more after each lost race, with jitter so that racing
/// writers spread out.
fn backoff(attempt: u32) {
    use std::hash::{BuildHasher, RandomState};
    let base = 10 * u64::from(attempt.min(8) + 1);
    let jitter = RandomState::new().hash_one(attempt) % (base + 1);
    std::thread::sleep(Duration::from_millis(base + jitter));
}
