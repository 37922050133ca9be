//! Flags and set-up shared by every command that reads or writes the
//! gitops repository.

use std::path::PathBuf;

use clap::Args;

use super::Context;
use crate::check::Model;
use crate::gitops::{CommitOptions, Signature, Source};
use crate::resolve::GitInfo;

/// `--gitops`, `--branch`, `--push`, `--retries`, `--author`, `--force`,
/// `--sign`.
#[derive(Args, Debug, Clone)]
pub struct GitopsFlags {
    /// The gitops repository: a local path or a URL (default: the project's `gitops`)
    #[arg(long, value_name = "REPO")]
    pub gitops: Option<String>,
    /// The branch to write (default: the project's, else main)
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,
    /// Push through a cache clone even for a local path
    #[arg(long)]
    pub push: bool,
    /// How many times to re-apply the render when the remote moved
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub retries: u32,
    /// Author and committer: "Name <email>"
    #[arg(long, value_name = "NAME <EMAIL>")]
    pub author: Option<String>,
    /// Overwrite files that were edited by hand since kiln wrote them
    #[arg(long)]
    pub force: bool,
    /// Sign the commit with git's own signing configuration (gpg.format, user.signingKey)
    #[arg(long)]
    pub sign: bool,
}

impl GitopsFlags {
    /// The repository to use, or `None` when neither the flag nor the
    /// project names one.
    pub fn target(&self, model: &Model) -> Option<String> {
        if let Some(g) = &self.gitops {
            return Some(g.clone());
        }
        let g = model.project.gitops.as_ref()?;
        let url = &g.url.value;
        // A relative local path in kiln.kdl is relative to the project.
        if !url.contains("://") && !url.contains('@') && !url.starts_with('/') {
            return Some(model.root.join(url).to_string_lossy().to_string());
        }
        Some(url.clone())
    }

    /// The commit options, from the flags and the environment.
    pub fn options(&self, model: &Model) -> CommitOptions {
        self.options_for(Some(model))
    }

    /// The commit options when there may be no project (history, rollback
    /// and previews gc work from the gitops repository alone).
    pub fn options_for(&self, model: Option<&Model>) -> CommitOptions {
        CommitOptions {
            branch: self
                .branch
                .clone()
                .or_else(|| {
                    model
                        .and_then(|m| m.project.gitops.as_ref())
                        .map(|g| g.branch.clone())
                })
                .unwrap_or_else(|| "main".to_string()),
            push: self.push,
            retries: self.retries,
            force: self.force,
            author: self
                .author
                .as_deref()
                .and_then(parse_signature)
                .unwrap_or_else(author_from_env),
            time: std::env::var("SOURCE_DATE_EPOCH")
                .ok()
                .and_then(|s| s.trim().parse().ok()),
            cache_dir: cache_dir(),
            sign: self.sign
                || model
                    .and_then(|m| m.project.gitops.as_ref())
                    .is_some_and(|g| g.sign),
        }
    }
}

/// The project's model when kiln runs inside a project, `Ok(None)` when
/// there is none; `Err(exit code)` after printing its errors.
pub fn optional_model(ctx: &Context) -> Result<Option<Model>, i32> {
    if ctx.project_root().is_err() {
        return Ok(None);
    }
    let compiled = match ctx.compile(
        crate::compile::Selection::Named(Vec::new()),
        &super::ResolveFlags::default(),
        Vec::new(),
    ) {
        Ok(c) => c,
        Err((d, s)) => {
            ctx.emit(&d, &s, None);
            return Err(super::EXIT_ERRORS);
        }
    };
    if compiled.diags.has_errors() {
        ctx.emit(&compiled.diags.0, &compiled.sources, None);
        return Err(super::EXIT_ERRORS);
    }
    Ok(Some(compiled.model))
}

/// What every command that reads or writes the gitops repository starts
/// with: the project's model (when there is one), the repository, and the
/// commit options. `Err(exit code)` after printing the problem.
pub fn setup(
    ctx: &Context,
    flags: &GitopsFlags,
) -> Result<(Option<Model>, String, CommitOptions), i32> {
    let model = optional_model(ctx)?;
    let target = require_target(flags, model.as_ref())?;
    let opts = flags.options_for(model.as_ref());
    Ok((model, target, opts))
}

/// The repository to use with or without a project; prints the error and
/// gives exit code 2 when none is named.
pub fn require_target(flags: &GitopsFlags, model: Option<&Model>) -> Result<String, i32> {
    let found = match model {
        Some(m) => flags.target(m),
        None => flags.gitops.clone(),
    };
    found.ok_or_else(|| {
        eprintln!("error: no gitops repository given");
        eprintln!(
            "  help: pass `--gitops REPO`, or add `gitops \"URL\"` to the `project` in kiln.kdl"
        );
        2
    })
}

/// The folder of `env` in the gitops repository: the project's `gitops
/// path=` template applied, or the env's name outside a project.
pub fn env_folder(model: Option<&Model>, env: &str) -> String {
    match model {
        Some(m) => crate::compile::folder_for(m, env, None),
        None => env.to_string(),
    }
}

/// `Name <email>`.
fn parse_signature(s: &str) -> Option<Signature> {
    let (name, rest) = s.split_once('<')?;
    let email = rest.strip_suffix('>')?;
    Some(Signature {
        name: name.trim().to_string(),
        email: email.trim().to_string(),
    })
}

/// The CI's actor, else `GIT_AUTHOR_*`, else `kiln <kiln@localhost>`.
fn author_from_env() -> Signature {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if let (Some(name), Some(email)) = (var("GIT_AUTHOR_NAME"), var("GIT_AUTHOR_EMAIL")) {
        return Signature { name, email };
    }
    if let Some(actor) = var("GITHUB_ACTOR").or_else(|| var("GITLAB_USER_LOGIN")) {
        let email =
            var("GITLAB_USER_EMAIL").unwrap_or_else(|| format!("{actor}@users.noreply.github.com"));
        return Signature { name: actor, email };
    }
    Signature::default()
}

/// Where bare cache clones live: `$XDG_CACHE_HOME/kiln`, else `~/.cache/kiln`.
fn cache_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(x).join("kiln");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(h).join(".cache").join("kiln");
    }
    std::env::temp_dir().join("kiln-cache")
}

/// The source of a render, for trailers and release files.
pub fn source(git: &GitInfo, event: Option<&str>) -> Source {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let repo = var("GITHUB_REPOSITORY")
        .map(|r| {
            format!(
                "{}/{r}",
                var("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".to_string())
            )
        })
        .or_else(|| var("CI_PROJECT_URL"));
    Source {
        repo,
        commit: git.sha.clone(),
        branch: git.branch.clone(),
        tag: git.tag.clone(),
        event: event.map(str::to_string),
        actor: var("GITHUB_ACTOR")
            .or_else(|| var("GITLAB_USER_LOGIN"))
            .or_else(|| var("USER")),
    }
}

/// True when a `deploy` glob matches: `!` negates.
pub fn glob_matches(pattern: &str, value: &str) -> bool {
    let (negate, pat) = match pattern.strip_prefix('!') {
        Some(p) => (true, p),
        None => (false, pattern),
    };
    let matched = glob::Pattern::new(pat)
        .map(|p| p.matches(value))
        .unwrap_or(pat == value);
    matched != negate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_with_negation() {
        assert!(glob_matches("main", "main"));
        assert!(glob_matches("release/*", "release/1.2"));
        assert!(!glob_matches("!main", "main"));
        assert!(glob_matches("!main", "feature/x"));
        assert!(glob_matches("v*", "v1.2.3"));
    }

    #[test]
    fn signatures_parse() {
        let s = parse_signature("Ada Lovelace <ada@example.com>").unwrap();
        assert_eq!(s.name, "Ada Lovelace");
        assert_eq!(s.email, "ada@example.com");
        assert!(parse_signature("nobody").is_none());
    }
}
