//! `kiln preview up|down|gc`: preview environments in `previews/<name>/`.

use clap::{Args, Subcommand};

use super::commit::report_gitops_error;
use super::gitops_flags::{GitopsFlags, require_target, setup, source};
use super::{Context, ResolveFlags};
use crate::check::types::dns_label;
use crate::compile::Selection;
use crate::gitops::{self, Change};

/// `kiln preview` subcommands.
#[derive(Args, Debug)]
pub struct PreviewArgs {
    #[command(subcommand)]
    command: PreviewCommand,
}

#[derive(Subcommand, Debug)]
enum PreviewCommand {
    /// Create or update a preview from a template env, and extend its expiry
    #[command(
        after_help = "Example:\n  kiln preview up pr-42 --env preview --gitops ../gitops --var tag=sha-1a2b3c"
    )]
    Up(UpArgs),
    /// Remove a preview
    #[command(after_help = "Example:\n  kiln preview down pr-42 --gitops ../gitops")]
    Down(DownArgs),
    /// Remove every expired preview, in one commit (none when none expired)
    #[command(
        after_help = "Example:\n  kiln preview gc --gitops ../gitops\n  kiln preview gc --gitops ../gitops --now 2026-12-01T00:00:00Z"
    )]
    Gc(GcArgs),
}

/// `kiln preview up` flags.
#[derive(Args, Debug)]
struct UpArgs {
    /// The preview's name (a branch or PR name; sanitised to a DNS label)
    name: String,
    /// The template env (one with `preview ttl=`)
    #[arg(long = "env", value_name = "TEMPLATE")]
    template: String,
    #[command(flatten)]
    gitops: GitopsFlags,
    #[command(flatten)]
    flags: ResolveFlags,
}

/// `kiln preview down` flags.
#[derive(Args, Debug)]
struct DownArgs {
    /// The preview's name, as given to `preview up`
    name: String,
    #[command(flatten)]
    gitops: GitopsFlags,
}

/// `kiln preview gc` flags.
#[derive(Args, Debug)]
struct GcArgs {
    /// The time to compare expiries with: RFC 3339 or Unix seconds (default: now)
    #[arg(long, value_name = "TIME", value_parser = parse_now)]
    now: Option<i64>,
    #[command(flatten)]
    gitops: GitopsFlags,
}

fn parse_now(s: &str) -> Result<i64, String> {
    gitops::parse_time(s).ok_or_else(|| {
        format!("expected RFC 3339 (2026-12-01T00:00:00Z) or Unix seconds, found `{s}`")
    })
}

/// Runs one `preview` subcommand.
pub fn run(ctx: &Context, args: PreviewArgs) -> i32 {
    match args.command {
        PreviewCommand::Up(a) => up(ctx, a),
        PreviewCommand::Down(a) => down(ctx, a),
        PreviewCommand::Gc(a) => gc(ctx, a),
    }
}

/// The sanitised name, or an error for a name with no letter or digit.
fn label(name: &str) -> Result<String, i32> {
    let label = dns_label(name);
    if label.is_empty() {
        eprintln!("error: preview name `{name}` has no letter or digit to make a DNS label of");
        eprintln!("  help: name previews after their branch or pull request, such as `pr-42`");
        return Err(2);
    }
    Ok(label)
}

fn up(ctx: &Context, args: UpArgs) -> i32 {
    let label = match label(&args.name) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let selection = Selection::Preview {
        template: args.template.clone(),
        name: label.clone(),
    };
    let compiled = match ctx.compile_clean(selection, &args.flags) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let Some(ttl) = compiled
        .model
        .envs
        .get(&args.template)
        .and_then(|e| e.preview.as_ref())
        .map(|p| p.value)
    else {
        return super::EXIT_INTERNAL;
    };
    let target = match require_target(&args.gitops, Some(&compiled.model)) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let opts = args.gitops.options(&compiled.model);
    let warned = super::order::warn_unkept(ctx, &compiled, &target, &opts, Some(&args.template));
    if let Err(code) = warned {
        return code;
    }
    let git = super::git_info(&compiled.model.root, &args.flags);
    let change = Change {
        project: compiled.model.project.name.value.clone(),
        kiln_version: env!("CARGO_PKG_VERSION").to_string(),
        source: source(&git, None),
        envs: compiled.envs,
        ..Change::default()
    };
    match gitops::preview_up(&target, &args.name, &args.template, ttl, &change, &opts) {
        Ok((commit, info)) => {
            if !ctx.global.quiet {
                match &commit {
                    Some(c) => eprintln!(
                        "preview `{}` is up in {}/ until {}: committed {} to {}",
                        args.name,
                        gitops::preview_folder(&label),
                        info.expires_at,
                        &c[..c.len().min(12)],
                        opts.branch
                    ),
                    None => eprintln!("up to date: preview `{}` already holds this", args.name),
                }
            }
            if let Some(c) = commit {
                println!("{c}");
            }
            0
        }
        Err(e) => report_gitops_error(&e),
    }
}

fn down(ctx: &Context, args: DownArgs) -> i32 {
    let label = match label(&args.name) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (_, target, opts) = match setup(ctx, &args.gitops) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match gitops::preview_down(&target, &args.name, &label, &opts) {
        Ok(commit) => {
            if !ctx.global.quiet {
                eprintln!(
                    "preview `{}` removed: committed {} to {}",
                    args.name,
                    &commit[..commit.len().min(12)],
                    opts.branch
                );
            }
            println!("{commit}");
            0
        }
        Err(e) => report_gitops_error(&e),
    }
}

fn gc(ctx: &Context, args: GcArgs) -> i32 {
    let (_, target, opts) = match setup(ctx, &args.gitops) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let now = args.now.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    });
    match gitops::preview_gc(&target, now, &opts) {
        Ok((Some(commit), removed)) => {
            if !ctx.global.quiet {
                for info in &removed {
                    eprintln!(
                        "removed preview `{}` (expired {})",
                        info.name, info.expires_at
                    );
                }
                eprintln!(
                    "committed {} to {}",
                    &commit[..commit.len().min(12)],
                    opts.branch
                );
            }
            println!("{commit}");
            0
        }
        Ok((None, _)) => {
            if !ctx.global.quiet {
                eprintln!(
                    "no preview expired at {}: nothing to commit",
                    gitops::format_rfc3339(now)
                );
            }
            0
        }
        Err(e) => report_gitops_error(&e),
    }
}
