//! `kiln rollback`: put an app's files back as they were at an earlier
//! gitops commit, in a new commit.

use clap::Args;

use super::Context;
use super::commit::report_gitops_error;
use super::gitops_flags::{GitopsFlags, env_folder, setup};
use crate::gitops;

/// `kiln rollback` flags.
#[derive(Args, Debug)]
pub struct RollbackArgs {
    /// The env to roll back in
    #[arg(long, value_name = "ENV")]
    env: String,
    /// The app to roll back
    #[arg(long, value_name = "APP")]
    app: String,
    /// The gitops commit whose files to put back (see `kiln history`)
    #[arg(long = "to", value_name = "REV")]
    to: String,
    #[command(flatten)]
    gitops: GitopsFlags,
}

/// Commits the rollback.
pub fn run(ctx: &Context, args: RollbackArgs) -> i32 {
    let (model, target, opts) = match setup(ctx, &args.gitops) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let folder = env_folder(model.as_ref(), &args.env);
    match gitops::rollback(&target, &args.env, &folder, &args.app, &args.to, &opts) {
        Ok(Some(commit)) => {
            if !ctx.global.quiet {
                eprintln!(
                    "rolled back {} in {} to {}: committed {} to {} ({})",
                    args.app,
                    args.env,
                    args.to,
                    &commit[..commit.len().min(12)],
                    opts.branch,
                    gitops::redact(&target)
                );
            }
            println!("{commit}");
            0
        }
        Ok(None) => {
            if !ctx.global.quiet {
                eprintln!(
                    "up to date: {} in {} already is as at {}",
                    args.app, args.env, args.to
                );
            }
            0
        }
        Err(e) => report_gitops_error(&e),
    }
}
