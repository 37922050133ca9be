//! `kiln check`: everything but writing.

use clap::Args;

use super::{Context, ResolveFlags};
use crate::compile::Selection;
use crate::diag::{Format, count};

/// `kiln check` flags.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// How diagnostics are printed (the same as --message-format)
    #[arg(long, value_enum)]
    format: Option<Format>,
    #[command(flatten)]
    flags: ResolveFlags,
}

/// Parses, checks, resolves and renders every env in memory, preview
/// templates included, and reports every problem.
pub fn run(ctx: &Context, args: CheckArgs) -> i32 {
    match ctx.compile(Selection::Everything, &args.flags, Vec::new()) {
        Ok(c) => {
            ctx.emit(&c.diags.0, &c.sources, args.format);
            let code = ctx.exit_for(&c.diags.0);
            if ctx.global.verbose {
                for env in &c.envs {
                    eprintln!(
                        "{} ({}namespace {}): {}, {}",
                        env.env,
                        if is_template(&c.model, env) {
                            "preview template, "
                        } else {
                            ""
                        },
                        env.namespace,
                        count(env.apps.len() as u64, "app", "apps"),
                        count(env.object_count() as u64, "object", "objects")
                    );
                    let steps = crate::render::order::apply_order(env);
                    if steps.len() > 1 {
                        let shown: Vec<String> = steps.iter().map(|s| s.join(", ")).collect();
                        eprintln!("  apply order: {}", shown.join(" → "));
                    } else if !env.apps.is_empty() {
                        eprintln!("  apply order: every app at once (none depends on another)");
                    }
                    for line in crate::render::secrets::refs::describe(&env.secret_refs) {
                        eprintln!("  {line}");
                    }
                }
            }
            if code == 0
                && !ctx.global.quiet
                && args
                    .format
                    .or(ctx.global.message_format)
                    .is_none_or(|f| matches!(f, Format::Human | Format::Short))
            {
                // The envs and objects `kiln render` writes; the preview
                // templates, checked as `example`, are counted apart.
                let (templates, envs): (Vec<_>, Vec<_>) =
                    c.envs.iter().partition(|e| is_template(&c.model, e));
                let objects: usize = envs.iter().map(|e| e.object_count()).sum();
                let warnings = c.diags.0.len();
                eprintln!(
                    "checked {}{}, {}, {}: no errors{}",
                    count(envs.len() as u64, "env", "envs"),
                    if templates.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " and {}",
                            count(
                                templates.len() as u64,
                                "preview template",
                                "preview templates"
                            )
                        )
                    },
                    count(c.model.apps.len() as u64, "app", "apps"),
                    count(objects as u64, "object", "objects"),
                    if warnings > 0 {
                        format!(", {}", count(warnings as u64, "warning", "warnings"))
                    } else {
                        String::new()
                    }
                );
            }
            code
        }
        Err((diags, sources)) => {
            ctx.emit(&diags, &sources, args.format);
            ctx.exit_for(&diags)
        }
    }
}

/// Whether a checked env is a preview template rendered as its example
/// preview, not an env `kiln render` writes.
fn is_template(model: &crate::check::Model, env: &crate::output::EnvOutput) -> bool {
    model.envs.get(&env.env).is_none_or(|e| e.preview.is_some())
}
