//! The one place kiln runs the `git` binary: fetching and pushing (gix
//! cannot push), and bringing a non-bare repository's index and work tree
//! to a new commit. Every call runs non-interactively in a trimmed
//! environment, and every message it returns is redacted.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};

use super::GitopsError;
use super::target::redact;

/// Variables passed through to git: what it needs to find its config,
/// credentials and proxies. Everything else is dropped so that a stray
/// `GIT_DIR` or `GIT_INDEX_FILE` of the caller cannot redirect it.
const KEPT_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "XDG_CONFIG_HOME",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_NOSYSTEM",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_ASKPASS",
    "GIT_CONFIG_COUNT",
    "SSH_AUTH_SOCK",
    "GNUPGHOME",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "GIT_SSL_CAINFO",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "SYSTEMROOT",
];

/// What `git` printed, for commands whose output kiln reads.
struct Output {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn run<I, S>(dir: &Path, args: I) -> Result<Output, GitopsError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_with(dir, args, &[], None)
}

/// [`run`] with more variables set for git and `input` on its standard
/// input (written from another thread, so that a large input cannot
/// deadlock against git's output).
fn run_with<I, S>(
    dir: &Path,
    args: I,
    vars: &[(&str, &str)],
    input: Option<&[u8]>,
) -> Result<Output, GitopsError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let mut cmd = Command::new("git");
    cmd.env_clear();
    for key in KEPT_ENV {
        if let Some(value) = std::env::var_os(key) {
            cmd.env(key, value);
        }
    }
    // `GIT_CONFIG_COUNT`'s numbered keys and values: configuration (a
    // credential helper, say) given through the environment, as CI does.
    for (key, value) in std::env::vars_os() {
        let name = key.to_string_lossy();
        if name.starts_with("GIT_CONFIG_KEY_") || name.starts_with("GIT_CONFIG_VALUE_") {
            cmd.env(&key, value);
        }
    }
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        .env("GCM_INTERACTIVE", "never")
        .env("LC_ALL", "C")
        .envs(vars.iter().copied())
        .args(["-c", "gc.auto=0", "-c", "maintenance.auto=false"])
        .args(&args)
        .current_dir(dir)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if std::env::var_os("GIT_SSH_COMMAND").is_none() {
        cmd.env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
    }
    let spawn_err = |err: std::io::Error| match err.kind() {
        std::io::ErrorKind::NotFound => GitopsError::GitMissing,
        _ => GitopsError::GitFailed {
            command: describe(&args),
            output: redact(&err.to_string()),
        },
    };
    let mut child = cmd.spawn().map_err(spawn_err)?;
    let writer = match (input, child.stdin.take()) {
        (Some(bytes), Some(mut stdin)) => {
            let bytes = bytes.to_vec();
            Some(std::thread::spawn(move || {
                use std::io::Write as _;
                // A git that exits early closes the pipe: its status says why.
                let _ = stdin.write_all(&bytes);
            }))
        }
        _ => None,
    };
    let output = child.wait_with_output().map_err(spawn_err)?;
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    Ok(Output {
        ok: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// Run git and fail with its redacted stderr unless it succeeded.
fn run_ok<I, S>(dir: &Path, args: I) -> Result<String, GitopsError>
where
    I: IntoIterator<Item = S> + Clone,
    S: AsRef<OsStr>,
{
    let out = run(dir, args.clone())?;
    if out.ok {
        Ok(out.stdout)
    } else {
        let args: Vec<std::ffi::OsString> =
            args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        Err(failed(&args, &out))
    }
}

fn failed(args: &[std::ffi::OsString], out: &Output) -> GitopsError {
    let text = if out.stderr.trim().is_empty() {
        out.stdout.trim()
    } else {
        out.stderr.trim()
    };
    GitopsError::GitFailed {
        command: describe(args),
        output: redact(text),
    }
}

/// The command for messages: its first word and a redacted argument list.
fn describe(args: &[std::ffi::OsString]) -> String {
    redact(
        &args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// Files with uncommitted changes (untracked included) under `paths` of
/// the work tree at `workdir`, as `git status --porcelain` shows them.
pub(crate) fn dirty_files(workdir: &Path, paths: &[String]) -> Result<Vec<String>, GitopsError> {
    let mut args = vec![
        "status".to_string(),
        "--porcelain".to_string(),
        "--untracked-files=all".to_string(),
        "--".to_string(),
    ];
    args.extend(paths.iter().cloned());
    let out = run_ok(workdir, &args)?;
    Ok(out
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.to_string())
        .collect())
}

/// Bring the index and work tree of `workdir` from `old` to `new` (tree
/// ids), the way `git checkout` does: a two-tree merge that refuses to
/// overwrite local changes.
pub(crate) fn checkout_tree(workdir: &Path, old: &str, new: &str) -> Result<(), GitopsError> {
    run_ok(workdir, ["read-tree", "-u", "-m", old, new]).map(|_| ())
}

/// Create the bare cache repository at `dir` when it does not exist yet.
/// Safe to race: it is made under a unique name beside `dir` and renamed
/// into place; the loser of a race drops its copy.
pub(crate) fn init_bare(dir: &Path) -> Result<(), GitopsError> {
    if dir.join("HEAD").exists() {
        return Ok(());
    }
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |err: std::io::Error| GitopsError::Io {
            path,
            message: err.to_string(),
        }
    };
    let parent = dir.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let scratch = parent.join(format!(
        ".init-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&scratch).map_err(io(&scratch))?;
    let made = run_ok(&scratch, ["init", "--bare", "--quiet", "."]);
    let renamed = made.and_then(|_| match std::fs::rename(&scratch, dir) {
        Ok(()) => Ok(()),
        Err(_) if dir.join("HEAD").exists() => Ok(()),
        Err(err) => Err(io(dir)(err)),
    });
    if scratch.exists() {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    renamed
}

/// The remote's branches: whether it has any ref at all, and the tip of
/// `branch` if it exists.
pub(crate) struct RemoteHeads {
    pub empty: bool,
    pub tip: Option<String>,
}

/// Ask the remote for its heads without fetching anything.
pub(crate) fn ls_remote(cache: &Path, url: &str, branch: &str) -> Result<RemoteHeads, GitopsError> {
    let out = run_ok(cache, ["ls-remote", "--heads", "--", url])?;
    let wanted = format!("refs/heads/{branch}");
    let mut heads = RemoteHeads {
        empty: true,
        tip: None,
    };
    for line in out.lines() {
        let Some((id, name)) = line.split_once('\t') else {
            continue;
        };
        heads.empty = false;
        if name == wanted {
            heads.tip = Some(id.to_string());
        }
    }
    Ok(heads)
}

/// Fetch `branch` of `url` into `local_ref` of the cache, which is unique
/// per attempt so that concurrent kiln processes sharing the cache never
/// fight over a ref lock.
pub(crate) fn fetch(
    cache: &Path,
    url: &str,
    branch: &str,
    local_ref: &str,
) -> Result<(), GitopsError> {
    let refspec = format!("+refs/heads/{branch}:{local_ref}");
    run_ok(
        cache,
        [
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            "--",
            url,
            refspec.as_str(),
        ],
    )
    .map(|_| ())
}

/// Point `name` in the cache at `id` if its lock is free: a ref the next
/// fetch negotiates from. A cache without refs sends the remote no `have`
/// lines, so once anyone else has committed, the whole repository is
/// fetched again (a 33 MB pack and 9 s of CPU for a 1000-app fleet,
/// instead of the new commits).
pub(crate) fn keep_ref(cache: &Path, name: &str, id: &str) {
    // Best effort: a kiln process holding the lock is keeping a tip too,
    // and any recent tip is as good.
    let _ = run(cache, ["update-ref", name, id]);
}

/// Drop a ref kiln made for one attempt.
pub(crate) fn delete_ref(cache: &Path, name: &str) -> Result<(), GitopsError> {
    run_ok(cache, ["update-ref", "-d", name]).map(|_| ())
}

/// Who made a commit, and when (Unix seconds, UTC).
pub(crate) struct Ident<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub seconds: i64,
}

/// Write a commit of `tree` (on `parent`) signed by `git commit-tree -S`,
/// in the repository at `git_dir`: git's own configuration (`gpg.format`,
/// `user.signingKey`, `gpg.program`, `gpg.ssh.program`, the repository's
/// and the user's) chooses the key and the program, exactly as for `git
/// commit -S`. Returns the new commit's id; a key that cannot sign is
/// [`GitopsError::Sign`].
pub(crate) fn commit_tree_signed(
    git_dir: &Path,
    tree: &str,
    parent: Option<&str>,
    message: &str,
    who: &Ident<'_>,
) -> Result<String, GitopsError> {
    let date = format!("@{} +0000", who.seconds);
    let vars = [
        ("GIT_AUTHOR_NAME", who.name),
        ("GIT_AUTHOR_EMAIL", who.email),
        ("GIT_AUTHOR_DATE", date.as_str()),
        ("GIT_COMMITTER_NAME", who.name),
        ("GIT_COMMITTER_EMAIL", who.email),
        ("GIT_COMMITTER_DATE", date.as_str()),
    ];
    let mut args = vec!["commit-tree", "-S", tree];
    if let Some(parent) = parent {
        args.extend(["-p", parent]);
    }
    // The message comes on standard input, taken as it is: an argument
    // could exceed the system's limit for a fleet's first commit.
    let out = run_with(git_dir, &args, &vars, Some(message.as_bytes()))?;
    let id = out.stdout.trim();
    if out.ok && !id.is_empty() {
        return Ok(id.to_string());
    }
    let text = if out.stderr.trim().is_empty() {
        out.stdout.trim()
    } else {
        out.stderr.trim()
    };
    Err(GitopsError::Sign {
        output: redact(text),
    })
}

/// How a push ended.
pub(crate) enum Pushed {
    /// The branch now points to the commit.
    Done,
    /// The branch was no longer at the expected old value (or its lock was
    /// held by another writer): fetch and try again.
    Rejected,
}

/// Push `commit` to `branch` of `url`, only if the branch is still at
/// `old` (or still missing when `old` is `None`).
pub(crate) fn push(
    cache: &Path,
    url: &str,
    commit: &str,
    branch: &str,
    old: Option<&str>,
) -> Result<Pushed, GitopsError> {
    let lease = format!(
        "--force-with-lease=refs/heads/{branch}:{}",
        old.unwrap_or("")
    );
    let refspec = format!("{commit}:refs/heads/{branch}");
    // No delta search, light compression: git pairs a new blob with an old
    // one by file name, and every env's `.kiln/<project>.json` has the
    // same name, so on a 1000x10 fleet the search spent 0.6 s of CPU to
    // shrink a 3.1 MB pack to 2.1 MB. Level 1 instead of 6 costs 5% in
    // size and halves the rest.
    let args = [
        "-c",
        "pack.window=0",
        "-c",
        "pack.compression=1",
        "push",
        "--porcelain",
        "--quiet",
        lease.as_str(),
        "--",
        url,
        refspec.as_str(),
    ];
    let out = run(cache, args)?;
    if out.ok {
        return Ok(Pushed::Done);
    }
    let text = format!("{}\n{}", out.stdout, out.stderr);
    let lost_race = text.contains("[rejected]")
        || text.contains("stale info")
        || text.contains("fetch first")
        || text.contains("non-fast-forward")
        || text.contains("failed to update ref")
        || text.contains("cannot lock ref")
        || text.contains("incorrect old value");
    if lost_race {
        Ok(Pushed::Rejected)
    } else {
        // Messages name the command from `push` on, without the settings.
        let args: Vec<std::ffi::OsString> = args[4..].iter().map(|a| a.into()).collect();
        Err(failed(&args, &out))
    }
}
