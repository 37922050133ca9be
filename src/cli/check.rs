//! `kiln check`: everything but writing.

use clap::Args;

use super::{Context, ResolveFlags};
use crate::compile::Selection;
use crate::diag::Format;

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
                    let objects: usize = env.apps.values().map(|a| a.files.len()).sum();
                    eprintln!(
                        "{} (namespace {}): {} apps, {objects} objects",
                        env.env,
                        env.namespace,
                        env.apps.len()
                    );
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
                let objects: usize = c
                    .envs
                    .iter()
                    .map(|e| e.apps.values().map(|a| a.files.len()).sum::<usize>())
                    .sum();
                eprintln!(
                    "checked {} envs, {} apps, {objects} objects: no errors",
                    c.envs.len(),
                    c.model.apps.len()
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
