//! `kiln promote`: render one env with the images another env runs now,
//! and commit it like `kiln commit`.

use clap::Args;

use super::commit::{report_commit, report_gitops_error};
use super::gitops_flags::{GitopsFlags, env_folder, source};
use super::{Context, ResolveFlags};
use crate::compile::Selection;
use crate::diag::{Diagnostic, codes, suggest};
use crate::gitops::{self, Change, GitopsError};
use crate::images;

/// `kiln promote` flags.
#[derive(Args, Debug)]
pub struct PromoteArgs {
    /// The env whose current releases' images are promoted
    #[arg(long, value_name = "ENV")]
    from: String,
    /// The env rendered with them and committed
    #[arg(long, value_name = "ENV")]
    to: String,
    /// Promote only this app (repeatable; default: every app of the target env)
    #[arg(long = "app", value_name = "APP")]
    apps: Vec<String>,
    #[command(flatten)]
    gitops: GitopsFlags,
    #[command(flatten)]
    flags: ResolveFlags,
}

/// Reads the source env's releases, renders the target env with their
/// images and commits it.
pub fn run(ctx: &Context, args: PromoteArgs) -> i32 {
    if args.from == args.to {
        eprintln!("error: `--from` and `--to` are both `{}`", args.to);
        eprintln!(
            "  help: promote from one env to another, such as `--from staging --to production`"
        );
        return 2;
    }
    let compiled = match ctx.compile_clean(Selection::Named(vec![args.to.clone()]), &args.flags) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let model = &compiled.model;
    let mut usage = Vec::new();
    let envs = || {
        model
            .envs
            .values()
            .filter(|e| e.preview.is_none())
            .map(|e| e.name.value.as_str())
    };
    if model
        .envs
        .get(&args.from)
        .is_none_or(|e| e.preview.is_some())
    {
        usage.push(
            Diagnostic::error(
                codes::UNKNOWN_ENV,
                format!("`--from` names no env `{}`", args.from),
            )
            .help(suggest(&args.from, envs(), "the envs are")),
        );
    }
    let Some(mut env) = compiled.envs.into_iter().next() else {
        return super::EXIT_INTERNAL;
    };
    for app in &args.apps {
        if !env.apps.contains_key(app) {
            usage.push(
                Diagnostic::error(
                    codes::UNKNOWN_APP,
                    format!("`--app` names no app `{app}` of env `{}`", args.to),
                )
                .help(suggest(
                    app,
                    env.apps.keys().map(String::as_str),
                    "its apps are",
                )),
            );
        }
    }
    let Some(target) = args.gitops.target(model) else {
        usage.push(
            Diagnostic::error(codes::USAGE, "no gitops repository given")
                .help("pass `--gitops REPO`, or add `gitops \"URL\"` to the `project` in kiln.kdl"),
        );
        ctx.emit(&usage, &compiled.sources, None);
        return 2;
    };
    if !usage.is_empty() {
        ctx.emit(&usage, &compiled.sources, None);
        return 2;
    }
    let opts = args.gitops.options(model);
    let from_folder = env_folder(Some(model), &args.from);
    let releases = match gitops::source_releases(
        &target,
        &opts.branch,
        &args.from,
        &from_folder,
        &opts.cache_dir,
    ) {
        Ok(r) => r,
        Err(e) => return report_gitops_error(&e),
    };
    let apps: Vec<String> = if args.apps.is_empty() {
        env.apps.keys().cloned().collect()
    } else {
        args.apps.clone()
    };
    // Every app's problem, not only the first.
    let mut errors = Vec::new();
    let mut report = Vec::new();
    for app in &apps {
        let release = match releases.release_of(app) {
            Ok(r) => r,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let Some(out) = env.apps.get_mut(app) else {
            continue;
        };
        let swapped = images::promote_app(out, &release.images);
        if !swapped.matched {
            errors.push(GitopsError::NoMatchingImage {
                app: app.clone(),
                from: args.from.clone(),
                to: args.to.clone(),
                images: release.images.join(", "),
            });
        }
        report.extend(swapped.changed.into_iter().map(|c| (app.clone(), c)));
    }
    if let Some(last) = errors.pop() {
        for e in &errors {
            report_gitops_error(e);
        }
        return report_gitops_error(&last);
    }
    let Some(promotion) = releases.promotion() else {
        // No tip: every app failed above, or the env has none.
        if !ctx.global.quiet {
            eprintln!("env `{}` has no apps: nothing to promote", args.to);
        }
        return 0;
    };
    if !ctx.global.quiet {
        for (app, (_, new)) in &report {
            eprintln!("{app}: {new}, as in {}", args.from);
        }
    }
    let partial = !args.apps.is_empty();
    if partial {
        env.apps.retain(|name, _| apps.contains(name));
        env.namespace_objects.clear();
    }
    let git = super::git_info(&model.root, &args.flags);
    let change = Change {
        project: model.project.name.value.clone(),
        kiln_version: env!("CARGO_PKG_VERSION").to_string(),
        source: source(&git, None),
        envs: vec![env],
        promoted_from: Some(promotion),
        keep_unrendered_apps: partial,
    };
    let result = gitops::commit(&target, &change, &opts);
    report_commit(ctx, result, &target, &opts.branch)
}
