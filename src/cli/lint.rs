//! `kiln lint`: the lint rules with their docs (`--list`), or the findings
//! of every env; and the findings section of `kiln explain`.

use clap::Args;

use super::explain::location;
use super::{Context, ResolveFlags, count};
use crate::compile::Selection;
use crate::diag::Format;
use crate::lint::{Disposition, Level, RULES};
use crate::span::Span;

/// `kiln lint` flags.
#[derive(Args, Debug)]
pub struct LintArgs {
    /// Print every rule with its default level, what it finds, why and how to fix it
    #[arg(long)]
    list: bool,
    /// How diagnostics are printed (the same as --message-format)
    #[arg(long, value_enum)]
    format: Option<Format>,
    #[command(flatten)]
    flags: ResolveFlags,
}

/// Prints the rules, or lints every env (as `kiln check` does) and sums
/// the findings up by rule.
pub fn run(ctx: &Context, args: LintArgs) -> i32 {
    if args.list {
        print!("{}", list());
        return 0;
    }
    let c = match ctx.compile(Selection::Everything, &args.flags, Vec::new()) {
        Ok(c) => c,
        Err((diags, sources)) => {
            ctx.emit(&diags, &sources, args.format);
            return ctx.exit_for(&diags);
        }
    };
    ctx.emit(&c.diags.0, &c.sources, args.format);
    let human = args
        .format
        .or(ctx.global.message_format)
        .is_none_or(|f| matches!(f, Format::Human | Format::Short));
    if human && !ctx.global.quiet && !c.diags.has_errors() {
        // The same finding in several envs is one diagnostic: count those.
        let reported: Vec<&str> = c
            .diags
            .0
            .iter()
            .filter(|d| d.code.starts_with("kiln::lint::"))
            .map(|d| d.code.trim_start_matches("kiln::lint::"))
            .collect();
        let by_rule: Vec<String> = RULES
            .iter()
            .filter_map(|r| {
                let n = reported.iter().filter(|c| **c == r.name).count();
                (n > 0).then(|| format!("{} {n}", r.name))
            })
            .collect();
        let allowed = c.findings.iter().filter(|f| !f.reported()).count();
        let mut line = match reported.len() {
            0 => "no findings".to_string(),
            n => format!("{} ({})", count(n, "finding"), by_rule.join(", ")),
        };
        if allowed > 0 {
            line.push_str(&format!(
                "; {} allowed (`kiln explain ENV APP` shows them)",
                count(allowed, "finding")
            ));
        }
        eprintln!("lint: {line}");
    }
    ctx.exit_for(&c.diags.0)
}

/// The rules, for `kiln lint --list`.
fn list() -> String {
    let mut out = String::new();
    for r in RULES {
        let level = if r.configurable() {
            format!("default: {}", r.default.name())
        } else {
            "always an error, reported as `kiln::render::plaintext_secret`".to_string()
        };
        out.push_str(&format!(
            "{} ({level})\n    {}\n    why: {}\n    fix: {}\n\n",
            r.name, r.summary, r.doc, r.fix
        ));
    }
    out.push_str(
        "Set levels with `lint \"RULE\" \"deny\"|\"warn\"|\"allow\"` (or `\"*\"`) in `project` or an `env`;\naccept a finding with `lint-allow \"RULE\" reason=\"…\"` in an app or an env's app block.\n",
    );
    out
}

/// The lint section of `kiln explain ENV APP`: the app's findings in the
/// env, those allowed with the setting or reason that allowed them.
pub fn explain(ctx: &Context, flags: &ResolveFlags, env: &str, preview: bool, app: &str) {
    let selection = if preview {
        Selection::Preview {
            template: env.to_string(),
            name: "example".to_string(),
        }
    } else {
        Selection::Named(vec![env.to_string()])
    };
    let c = match ctx.compile(selection, flags, Vec::new()) {
        Ok(c) if !c.diags.has_errors() => c,
        _ => {
            println!();
            println!(
                "lint: env {env} does not render without errors, so it was not linted (`kiln check` shows why)"
            );
            return;
        }
    };
    let mine: Vec<_> = c.findings.iter().filter(|f| f.app == app).collect();
    println!();
    if mine.is_empty() {
        println!("lint: no findings for app {app} in env {env}");
        return;
    }
    println!(
        "lint: {} for app {app} in env {env}",
        count(mine.len(), "finding")
    );
    let at = |span: Option<Span>| span.map(|s| location(&c.sources, s)).unwrap_or_default();
    for f in mine {
        let d = &f.diagnostic;
        let rule = d.code.trim_start_matches("kiln::lint::");
        let state = match &f.disposition {
            Disposition::Reported(Level::Deny) => "error",
            Disposition::Reported(_) => "warning",
            _ => "allowed",
        };
        println!("  {state}[{rule}] {}", d.message);
        if let Some(l) = d.labels.iter().find(|l| l.primary) {
            println!("    at {}: {}", at(Some(l.span)), l.message);
        }
        match &f.disposition {
            Disposition::AllowedByApp(a) => println!(
                "    allowed by `lint-allow` at {}: {}",
                at(Some(a.span)),
                a.reason.value
            ),
            Disposition::AllowedByLevel(by) => match by {
                Some(span) => println!(
                    "    allowed by `{}` at {}",
                    c.sources.slice(*span).trim(),
                    at(Some(*span))
                ),
                None => println!("    allowed by default"),
            },
            Disposition::Reported(_) => {
                if let Some(h) = &d.help {
                    println!("    help: {h}");
                }
            }
        }
    }
}
