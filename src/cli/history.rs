//! `kiln history`: the releases of an env, newest first.

use clap::{Args, ValueEnum};

use super::Context;
use super::commit::report_gitops_error;
use super::gitops_flags::{GitopsFlags, env_folder, setup};
use crate::gitops::{self, HistoryEntry};

/// `kiln history` output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    Text,
    Json,
}

/// `kiln history` flags.
#[derive(Args, Debug)]
pub struct HistoryArgs {
    /// The env whose releases to list
    #[arg(long, value_name = "ENV")]
    env: String,
    /// Only this app's releases
    #[arg(long, value_name = "APP")]
    app: Option<String>,
    /// At most this many releases
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Output format (json: one array of objects)
    #[arg(long, value_enum, default_value = "text")]
    format: HistoryFormat,
    #[command(flatten)]
    gitops: GitopsFlags,
}

/// Lists the releases.
pub fn run(ctx: &Context, args: HistoryArgs) -> i32 {
    let (model, target, opts) = match setup(ctx, &args.gitops) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let folder = env_folder(model.as_ref(), &args.env);
    let entries = match gitops::history(
        &target,
        &opts.branch,
        &folder,
        args.app.as_deref(),
        args.limit,
        &opts.cache_dir,
    ) {
        Ok(e) => e,
        Err(e) => return report_gitops_error(&e),
    };
    match args.format {
        HistoryFormat::Json => {
            // Serialising plain strings and booleans cannot fail.
            let text = serde_json::to_string_pretty(&entries).expect("history is serialisable");
            println!("{text}");
        }
        HistoryFormat::Text => {
            if entries.is_empty() && !ctx.global.quiet {
                eprintln!("no releases of `{}` in `{folder}`", args.env);
            }
            for entry in &entries {
                print!("{}", text(entry));
            }
        }
    }
    0
}

/// One release as a short block of text.
fn text(e: &HistoryEntry) -> String {
    let mut out = format!(
        "{}  {}  {}  {}{}\n",
        &e.commit[..e.commit.len().min(12)],
        e.time,
        e.app,
        e.images.join(", "),
        if e.rolled_back {
            format!(
                "  (rolled back by {})",
                e.rolled_back_by
                    .as_deref()
                    .map_or("a later rollback", |c| &c[..c.len().min(12)])
            )
        } else {
            String::new()
        }
    );
    out.push_str(&format!("    author  {}\n", e.author));
    if let Some(source) = &e.source {
        match &e.source_repo {
            Some(repo) => out.push_str(&format!("    source  {repo}@{source}\n")),
            None => out.push_str(&format!("    source  {source}\n")),
        }
    }
    if let Some(from) = &e.promoted_from {
        let short = match from.split_once('@') {
            Some((env, commit)) => format!("{env}@{}", &commit[..commit.len().min(12)]),
            None => from.clone(),
        };
        out.push_str(&format!("    promoted from {short}\n"));
    }
    if let Some(from) = &e.rolled_back_from {
        out.push_str(&format!(
            "    rollback to {}\n",
            &from[..from.len().min(12)]
        ));
    }
    out
}
