//! `kiln commit`: render and commit to the gitops repository.

use clap::Args;

use super::gitops_flags::{GitopsFlags, glob_matches, source};
use super::{Context, ResolveFlags};
use crate::compile::Selection;
use crate::diag::{Diagnostic, codes};
use crate::gitops::{self, Change, Outcome};

/// `kiln commit` flags.
#[derive(Args, Debug)]
pub struct CommitArgs {
    /// Commit only this env (repeatable)
    #[arg(long = "env", value_name = "ENV")]
    envs: Vec<String>,
    /// Take the envs whose `deploy` rules match this event
    #[arg(long, value_parser = ["push", "tag", "pr"], requires = "git_ref")]
    event: Option<String>,
    /// The branch or tag of the event
    #[arg(long = "ref", id = "git_ref", value_name = "REF")]
    git_ref: Option<String>,
    #[command(flatten)]
    gitops: GitopsFlags,
    #[command(flatten)]
    flags: ResolveFlags,
}

/// Renders the selected envs and commits them.
pub fn run(ctx: &Context, args: CommitArgs) -> i32 {
    // The gitops repository named on the command line is fetched while the
    // project renders.
    let prefetch = Prefetch::start(&args.gitops);
    // `--event` takes the envs from the model's `deploy` rules, read by a
    // first compile without envs; otherwise the project is compiled once.
    let selection = match (&args.event, &args.git_ref) {
        (Some(event), Some(r)) => match event_selection(ctx, &args.flags, event, r) {
            Ok(selection) => selection,
            Err(code) => return code,
        },
        _ if args.envs.is_empty() => Selection::All,
        _ => Selection::Named(args.envs.clone()),
    };
    let progress = super::progress::Progress::start(ctx.global.quiet, "rendering");
    let compiled = ctx.compile(selection, &args.flags, Vec::new());
    let mut compiled = match compiled {
        Ok(c) => c,
        Err((d, s)) => {
            progress.finish();
            ctx.emit(&d, &s, None);
            return super::EXIT_ERRORS;
        }
    };
    if compiled.diags.has_errors() {
        progress.finish();
        ctx.emit(&compiled.diags.0, &compiled.sources, None);
        return super::EXIT_ERRORS;
    }
    ctx.emit(&compiled.diags.0, &compiled.sources, None);
    if ctx.exit_for(&compiled.diags.0) != 0 {
        progress.finish();
        return super::EXIT_ERRORS;
    }
    let Some(target) = args.gitops.target(&compiled.model) else {
        progress.finish();
        let d = Diagnostic::error(codes::USAGE, "no gitops repository given")
            .help("pass `--gitops REPO`, or add `gitops \"URL\"` to the `project` in kiln.kdl");
        ctx.emit(&[d], &compiled.sources, None);
        return super::EXIT_USAGE;
    };
    let opts = args.gitops.options(&compiled.model);
    if let Err(code) = super::order::warn_unkept(ctx, &compiled, &target, &opts, None) {
        progress.finish();
        return code;
    }
    let git = super::git_info(&compiled.model.root, &args.flags);
    let mut envs = std::mem::take(&mut compiled.envs);
    envs.sort_by(|a, b| a.folder.cmp(&b.folder));
    let change = Change {
        project: compiled.model.project.name.value.clone(),
        kiln_version: env!("CARGO_PKG_VERSION").to_string(),
        source: source(&git, args.event.as_deref()),
        envs,
        ..Change::default()
    };
    progress.say(if opts.push || target.contains("://") {
        format!(
            "fetching, committing and pushing to {}",
            gitops::redact(&target)
        )
    } else {
        format!("committing to {}", gitops::redact(&target))
    });
    if let Some(err) = prefetch.and_then(|p| p.wait(&opts)) {
        progress.finish();
        return report_gitops_error(&err);
    }
    let result = gitops::commit(&target, &change, &opts);
    progress.finish();
    let code = report_commit(ctx, result, &target, &opts.branch);
    super::leave_allocated((change, compiled));
    code
}

/// The fetch of `--gitops` beside the render ([`gitops::prefetch`]),
/// joined when dropped: no `git` it runs outlives the command.
struct Prefetch {
    /// What it fetched: the branch, into the cache under this folder
    /// (from the flags alone; the project may name another branch).
    branch: String,
    cache_dir: std::path::PathBuf,
    thread: Option<std::thread::JoinHandle<Result<(), gitops::GitopsError>>>,
}

impl Prefetch {
    fn start(flags: &super::gitops_flags::GitopsFlags) -> Option<Prefetch> {
        let target = flags.gitops.clone()?;
        let opts = flags.options_for(None);
        Some(Prefetch {
            branch: opts.branch.clone(),
            cache_dir: opts.cache_dir.clone(),
            thread: Some(std::thread::spawn(move || gitops::prefetch(&target, &opts))),
        })
    }

    /// Waits for the fetch; its error, when it fetched what the commit
    /// with `opts` fetches (the same error that fetch would meet again,
    /// after as long a wait: an unreachable host, say).
    fn wait(mut self, opts: &gitops::CommitOptions) -> Option<gitops::GitopsError> {
        let ended = self.thread.take()?.join().ok()?;
        let same = self.branch == opts.branch && self.cache_dir == opts.cache_dir;
        ended.err().filter(|_| same)
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The envs whose `deploy` rules match `event` on `git_ref`, read from the
/// model alone; `Err(exit code)` when the model has errors, or when no env
/// matches (exit 0: nothing to commit).
fn event_selection(
    ctx: &Context,
    flags: &ResolveFlags,
    event: &str,
    git_ref: &str,
) -> Result<Selection, i32> {
    let probe = match ctx.compile(Selection::Named(Vec::new()), flags, Vec::new()) {
        Ok(c) => c,
        Err((d, s)) => {
            ctx.emit(&d, &s, None);
            return Err(super::EXIT_ERRORS);
        }
    };
    if probe.diags.has_errors() {
        ctx.emit(&probe.diags.0, &probe.sources, None);
        return Err(super::EXIT_ERRORS);
    }
    let envs: Vec<String> = probe
        .model
        .envs
        .values()
        .filter(|e| e.preview.is_none())
        .filter(|e| {
            e.deploy.iter().any(|rule| {
                let ev = rule
                    .event
                    .as_ref()
                    .is_none_or(|p| glob_matches(&p.value, event));
                let br = rule
                    .branch
                    .as_ref()
                    .is_none_or(|p| event != "tag" && glob_matches(&p.value, git_ref));
                let tg = rule
                    .tag
                    .as_ref()
                    .is_none_or(|p| event == "tag" && glob_matches(&p.value, git_ref));
                ev && br && tg
            })
        })
        .map(|e| e.name.value.clone())
        .collect();
    if envs.is_empty() {
        if !ctx.global.quiet {
            eprintln!("no env's `deploy` rules match {event} `{git_ref}`: nothing to commit");
        }
        return Err(0);
    }
    Ok(Selection::Named(envs))
}

/// Prints how a commit of a render ended (`commit`, `promote`): the
/// commit id on stdout, what changed per env on stderr. Returns the exit
/// code.
pub fn report_commit(
    ctx: &Context,
    result: Result<Outcome, gitops::GitopsError>,
    target: &str,
    branch: &str,
) -> i32 {
    match result {
        Ok(Outcome::UpToDate) => {
            if !ctx.global.quiet {
                eprintln!(
                    "up to date: {} already holds this render",
                    gitops::redact(target)
                );
            }
            0
        }
        Ok(Outcome::Committed { commit, summary }) => {
            if !ctx.global.quiet {
                for e in &summary.envs {
                    eprintln!(
                        "{}: {} added, {} changed, {} removed",
                        e.env,
                        e.added.len(),
                        e.changed.len(),
                        e.removed.len()
                    );
                }
                eprintln!(
                    "committed {} to {branch} ({})",
                    &commit[..commit.len().min(12)],
                    gitops::redact(target)
                );
            }
            for env in &summary.undecrypted {
                eprintln!(
                    "warning: env `{env}` holds SOPS-encrypted Secrets, but its Flux Kustomization (flux/{env}.yaml) does not decrypt them\n  help: run `kiln bootstrap --env {env} --sops-secret NAME` again, so that Flux can apply them"
                );
            }
            println!("{commit}");
            0
        }
        Err(e) => report_gitops_error(&e),
    }
}

/// Prints a gitops error with its help, redacted; returns exit code 3.
pub fn report_gitops_error(e: &gitops::GitopsError) -> i32 {
    use miette::Diagnostic as _;
    eprintln!(
        "error[{}]: {}",
        e.code()
            .map(|c| c.to_string())
            .unwrap_or_else(|| "kiln::gitops".to_string()),
        gitops::redact(&e.to_string())
    );
    if let Some(h) = e.help() {
        eprintln!("  help: {}", gitops::redact(&h.to_string()));
    }
    e.exit_code()
}
