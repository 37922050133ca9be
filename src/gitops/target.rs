//! Where a commit goes: the parsed `--gitops` argument, and the redaction
//! that keeps credentials of a URL out of every message.

use std::path::PathBuf;

use super::GitopsError;

/// A parsed `--gitops` argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A repository on this machine: committed to directly, unless `push`
    /// asks to go through the cache like a remote.
    Local {
        /// The repository folder (the `.git` folder's parent for a
        /// non-bare repository).
        path: PathBuf,
        /// No work tree: nothing to update beside the branch.
        bare: bool,
    },
    /// A URL (`https://…`, `ssh://…`, `git@host:path`, `file://…`), reached
    /// only through a bare cache clone, `git fetch` and `git push`.
    Remote {
        /// The URL as given, credentials included: only ever passed to git.
        url: String,
    },
}

impl Target {
    /// Parse `--gitops`: a URL is anything with a scheme or scp-like
    /// `host:path`; everything else is a local path that must hold a
    /// repository.
    pub fn parse(arg: &str) -> Result<Target, GitopsError> {
        if is_url(arg) {
            return Ok(Target::Remote {
                url: arg.to_string(),
            });
        }
        let path = PathBuf::from(arg);
        let not_a_repo = || GitopsError::NotARepository { path: redact(arg) };
        if !path.exists() {
            return Err(not_a_repo());
        }
        let repo =
            gix::open_opts(&path, gix::open::Options::isolated()).map_err(|_| not_a_repo())?;
        // `gix::open` accepts the `.git` folder of a non-bare repository too;
        // the work tree is then its parent.
        let bare = repo.workdir().is_none();
        let path = match repo.workdir() {
            Some(workdir) => workdir.to_path_buf(),
            None => path,
        };
        let path = path.canonicalize().unwrap_or(path);
        Ok(Target::Local { path, bare })
    }

    /// How the target is shown to people: a path, or the URL without its
    /// credentials.
    pub fn display(&self) -> String {
        match self {
            Target::Local { path, .. } => path.display().to_string(),
            Target::Remote { url } => redact(url),
        }
    }

    /// The URL git fetches from and pushes to.
    pub(crate) fn url(&self) -> String {
        match self {
            Target::Local { path, .. } => path.display().to_string(),
            Target::Remote { url } => url.clone(),
        }
    }
}

fn is_url(arg: &str) -> bool {
    if let Some((scheme, _)) = arg.split_once("://") {
        return !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    }
    // scp-like `[user@]host:path`: a colon before any slash, and a host
    // longer than one letter (so `C:\…` stays a path).
    match arg.split_once(':') {
        Some((host, _)) => host.len() > 1 && !host.contains('/') && !host.contains('\\'),
        None => false,
    }
}

/// `text` with the userinfo of every `scheme://user:secret@host` removed, so
/// that URLs, git's output and messages built from them carry no
/// credentials. scp-like `git@host:path` has no secret and is kept.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || c == '\'' || c == '"')
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => out.push_str(&authority[at + 1..]),
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_userinfo() {
        assert_eq!(
            redact("fatal: https://user:tok@host.example/a.git not found"),
            "fatal: https://host.example/a.git not found"
        );
        assert_eq!(redact("ssh://git@h/x"), "ssh://h/x");
        assert_eq!(redact("plain text"), "plain text");
    }

    #[test]
    fn tells_urls_from_paths() {
        assert!(is_url("https://h/x.git"));
        assert!(is_url("git@github.com:o/r.git"));
        assert!(!is_url("/tmp/repo"));
        assert!(!is_url("./repo"));
        assert!(!is_url("C:\\repo"));
    }
}
