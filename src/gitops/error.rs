//! Everything that can go wrong while reading or writing a gitops
//! repository. Every variant maps to exit code 3 (CLI.md).

use miette::Diagnostic;
use thiserror::Error;

/// Why a gitops read or write failed. Messages never hold credentials: any
/// URL or git output is redacted before it is put into a variant.
#[derive(Debug, Error, Diagnostic)]
pub enum GitopsError {
    /// The `--gitops` path exists but holds no repository, or does not exist.
    #[error("`{path}` is not a git repository")]
    #[diagnostic(
        code(kiln::gitops::not_a_repository),
        help("create it with `git init --bare {path}`, or pass a URL")
    )]
    NotARepository { path: String },

    /// The branch is missing in a repository that already has commits.
    #[error("branch `{branch}` not found in `{repo}`")]
    #[diagnostic(
        code(kiln::gitops::branch_not_found),
        help("create the branch first, or pass the right one with `--branch`")
    )]
    BranchNotFound { branch: String, repo: String },

    /// An app folder kiln would write belongs to another project.
    #[error("the folder `{folder}` belongs to project `{owner}`")]
    #[diagnostic(
        code(kiln::gitops::owned_by_other),
        help("rename the app, or remove it from project `{owner}` first")
    )]
    OwnedByOther { folder: String, owner: String },

    /// Files kiln owns were edited outside kiln since it wrote them.
    #[error("{} file(s) changed outside kiln since the last commit:\n{}", files.len(), list(files))]
    #[diagnostic(
        code(kiln::gitops::drift),
        help("run again with `--force` to overwrite them")
    )]
    Drift { files: Vec<String> },

    /// The work tree of a local non-bare repository has uncommitted changes
    /// under the folders kiln writes.
    #[error(
        "`{path}` has uncommitted changes under the folders kiln writes:\n{}",
        list(files)
    )]
    #[diagnostic(
        code(kiln::gitops::dirty),
        help("commit or stash them first, then run kiln again")
    )]
    Dirty { path: String, files: Vec<String> },

    /// The `git` binary could not be started.
    #[error("git is not installed: kiln needs the `git` binary to fetch and push")]
    #[diagnostic(
        code(kiln::gitops::git_missing),
        help("install git and make sure it is on `PATH`")
    )]
    GitMissing,

    /// A `git` command failed; `output` is its redacted stderr.
    #[error("`git {command}` failed: {output}")]
    #[diagnostic(
        code(kiln::gitops::git_failed),
        help("check that the repository is reachable and that you may write to it")
    )]
    GitFailed { command: String, output: String },

    /// Every attempt lost the race against another writer.
    #[error(
        "the remote moved {attempts} times while committing; gave up after --retries {retries}"
    )]
    #[diagnostic(code(kiln::gitops::conflict), help("run again, or raise `--retries`"))]
    Conflict { attempts: u32, retries: u32 },

    /// A `.kiln/*.json` file could not be read.
    #[error("`{path}` is not a valid kiln state file: {message}")]
    #[diagnostic(
        code(kiln::gitops::bad_state),
        help("restore it from an earlier commit of the gitops repository")
    )]
    BadState { path: String, message: String },

    /// A path of the render cannot be written into a git tree.
    #[error("`{path}` cannot be written into the gitops repository: {reason}")]
    #[diagnostic(code(kiln::gitops::bad_path))]
    BadPath { path: String, reason: String },

    /// Reading or writing the object database or references failed.
    #[error("cannot {action} in `{repo}`: {message}")]
    #[diagnostic(code(kiln::gitops::repository))]
    Repository {
        action: String,
        repo: String,
        message: String,
    },

    /// `rollback --to REV` names no commit of the repository.
    #[error("`{rev}` is not a commit of `{repo}`")]
    #[diagnostic(
        code(kiln::gitops::unknown_revision),
        help("pick a gitops commit from `kiln history`")
    )]
    UnknownRevision { rev: String, repo: String },

    /// `rollback --to REV`: the app has no folder or release file at REV.
    #[error("app `{app}` has no release in `{folder}` at `{rev}`")]
    #[diagnostic(
        code(kiln::gitops::not_at_revision),
        help("pick a commit that holds the app from `kiln history --app {app}`")
    )]
    NotAtRevision {
        app: String,
        folder: String,
        rev: String,
    },

    /// Two preview names sanitise to the same folder.
    #[error("preview `{name}` would use `{folder}`, which preview `{other}` already uses")]
    #[diagnostic(
        code(kiln::gitops::preview_collision),
        help(
            "pick a name that differs from `{other}` in letters or digits, or take `{other}` down first"
        )
    )]
    PreviewCollision {
        name: String,
        other: String,
        folder: String,
    },

    /// `preview down` of a preview that does not exist.
    #[error("there is no preview `{name}` (no `{folder}`)")]
    #[diagnostic(code(kiln::gitops::no_preview))]
    NoPreview { name: String, folder: String },

    /// `--sign`: git could not sign the commit with its configured key.
    #[error("cannot sign the commit: {output}")]
    #[diagnostic(
        code(kiln::gitops::sign),
        help(
            "kiln signs through git's own configuration: set `gpg.format` (`openpgp` or `ssh`) and `user.signingKey`, and check that `git commit -S` signs here; nothing was pushed"
        )
    )]
    Sign { output: String },

    /// `kiln promote`: an app has no release in the source env.
    #[error("app `{app}` has no release in env `{env}` (`{folder}/.kiln/releases/{app}.json`)")]
    #[diagnostic(
        code(kiln::gitops::not_in_source),
        help("commit `{app}` to `{env}` first, or leave it out with `--app`")
    )]
    NotInSource {
        app: String,
        env: String,
        folder: String,
    },

    /// `kiln promote`: the source env's current release of an app is a
    /// rollback, which is no release to promote.
    #[error("the release of app `{app}` in env `{env}` is rolled back (to `{to}`)")]
    #[diagnostic(
        code(kiln::gitops::rolled_back_source),
        help(
            "promote once a new release of `{app}` has landed in `{env}`, or leave it out with `--app`"
        )
    )]
    RolledBackSource {
        app: String,
        env: String,
        to: String,
    },

    /// `kiln promote`: no container of the app runs an image of a
    /// repository the source release has.
    #[error(
        "no image of app `{app}` in env `{to}` is of a repository that its release in `{from}` runs ({images})"
    )]
    #[diagnostic(
        code(kiln::gitops::no_matching_image),
        help(
            "a promotion replaces each image by the source's image of the same repository; the two envs run different images"
        )
    )]
    NoMatchingImage {
        app: String,
        from: String,
        to: String,
        images: String,
    },

    /// A file or folder of the cache could not be created.
    #[error("cannot use `{path}`: {message}")]
    #[diagnostic(code(kiln::gitops::io))]
    Io { path: String, message: String },
}

impl GitopsError {
    /// The process exit code for this error: always 3, "the gitops
    /// repository could not be read or written" (CLI.md).
    pub fn exit_code(&self) -> i32 {
        3
    }
}

fn list(files: &[String]) -> String {
    files
        .iter()
        .map(|f| format!("  {f}"))
        .collect::<Vec<_>>()
        .join("\n")
}
