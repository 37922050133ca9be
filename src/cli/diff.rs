//! `kiln diff`: what a commit would change, without writing.

use clap::{Args, ValueEnum};

use super::gitops_flags::GitopsFlags;
use super::{Context, ResolveFlags};
use crate::compile::Selection;
use crate::diag::{Diagnostic, codes};
use crate::gitops::{self, Change};

/// `kiln diff` output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Text,
    Markdown,
}

/// `kiln diff` flags.
#[derive(Args, Debug)]
pub struct DiffArgs {
    /// Compare only this env (repeatable)
    #[arg(long = "env", value_name = "ENV")]
    envs: Vec<String>,
    /// The summary only
    #[arg(long)]
    stat: bool,
    /// Exit 1 when there are differences
    #[arg(long)]
    exit_code: bool,
    /// Output format (markdown fits a pull-request comment)
    #[arg(long, value_enum, default_value = "text")]
    format: DiffFormat,
    #[command(flatten)]
    gitops: GitopsFlags,
    #[command(flatten)]
    flags: ResolveFlags,
}

/// Renders and compares with the gitops branch.
pub fn run(ctx: &Context, args: DiffArgs) -> i32 {
    let selection = if args.envs.is_empty() {
        Selection::All
    } else {
        Selection::Named(args.envs.clone())
    };
    let compiled = match ctx.compile_clean(selection, &args.flags) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let Some(target) = args.gitops.target(&compiled.model) else {
        let d = Diagnostic::error(codes::USAGE, "no gitops repository given")
            .help("pass `--gitops REPO`, or add `gitops \"URL\"` to the `project` in kiln.kdl");
        ctx.emit(&[d], &compiled.sources, None);
        return 2;
    };
    let opts = args.gitops.options(&compiled.model);
    if let Err(code) = super::order::warn_unkept(ctx, &compiled, &target, &opts, None) {
        return code;
    }
    let git = super::git_info(&compiled.model.root, &args.flags);
    let mut envs = compiled.envs;
    envs.sort_by(|a, b| a.folder.cmp(&b.folder));
    let change = Change {
        project: compiled.model.project.name.value.clone(),
        kiln_version: env!("CARGO_PKG_VERSION").to_string(),
        source: super::gitops_flags::source(&git, None),
        envs,
        ..Change::default()
    };
    match gitops::diff(&target, &change, &opts.branch, &opts.cache_dir) {
        Ok(d) => {
            let text = match args.format {
                DiffFormat::Text => d.to_text(args.stat),
                DiffFormat::Markdown => d.to_markdown(args.stat),
            };
            print!("{text}");
            if args.exit_code && !d.is_empty() {
                1
            } else {
                0
            }
        }
        Err(e) => super::commit::report_gitops_error(&e),
    }
}
