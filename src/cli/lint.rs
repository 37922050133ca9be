//! `kiln lint`: the lint rules with their docs (`--list`), or the findings
//! of every env; and the findings section of `kiln explain`.

use clap::Args;

use super::explain::location;
use super::{Context, ResolveFlags};
use crate::compile::Selection;
use crate::diag::Format;
use crate::diag::count;
use crate::lint::{Disposition, Level, RULES, rule};
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
        let allowed: std::collections::BTreeSet<_> = c
            .findings
            .iter()
            .filter(|f| matches!(f.disposition, Disposition::AllowedByApp(_)))
            .map(|f| {
                (
                    &f.app,
                    f.rule,
                    f.diagnostic.primary_span(),
                    &f.diagnostic.message,
                )
            })
            .collect();
        let allowed = allowed.len();
        let mut line = match reported.len() {
            0 => "no findings".to_string(),
            n => format!(
                "{} ({})",
                count(n as u64, "finding", "findings"),
                by_rule.join(", ")
            ),
        };
        if allowed > 0 {
            line.push_str(&format!(
                "; {allowed} allowed by `lint-allow` (`kiln explain ENV APP` shows their reasons)"
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
/// env, those `lint-allow` accepts with their reasons; the rules whose
/// level in the env is `allow` by name only.
pub fn explain(ctx: &Context, flags: &ResolveFlags, env: &str, preview: bool, app: &str) {
    let selection = if preview {
        Selection::Preview {
            template: env.to_string(),
            name: "example".to_string(),
        }
    } else {
        Selection::Named(vec![env.to_string()])
    };
    println!();
    let c = match ctx.compile(selection, flags, Vec::new()) {
        Ok(c) if !c.diags.has_errors() => c,
        _ => {
            println!(
                "lint: env {env} does not render without errors, so it was not linted (`kiln check` shows why)"
            );
            return;
        }
    };
    let (off, mine): (Vec<_>, Vec<_>) = c
        .findings
        .iter()
        .filter(|f| f.app == app)
        .partition(|f| matches!(f.disposition, Disposition::AllowedByLevel(_)));
    if mine.is_empty() {
        println!("lint: no findings for app {app} in env {env}");
    } else {
        println!(
            "lint: {} for app {app} in env {env}",
            count(mine.len() as u64, "finding", "findings")
        );
    }
    let at = |span: Span| location(&c.sources, span);
    for f in mine {
        let d = &f.diagnostic;
        let state = match &f.disposition {
            Disposition::Reported(Level::Deny) => "error",
            Disposition::Reported(_) => "warning",
            _ => "allowed",
        };
        println!("  {state}[{}] {}", rule(f.rule).name, d.message);
        if let Some(l) = d.labels.iter().find(|l| l.primary) {
            println!("    at {}: {}", at(l.span), l.message);
        }
        match (&f.disposition, &d.help) {
            (Disposition::AllowedByApp(a), _) => println!(
                "    allowed by `lint-allow` at {}: {}",
                at(a.span),
                a.reason.value
            ),
            (_, Some(h)) => println!("    help: {h}"),
            (_, None) => {}
        }
    }
    if !off.is_empty() {
        let mut ids: Vec<_> = off.iter().map(|f| f.rule).collect();
        ids.sort();
        ids.dedup();
        let names: Vec<&str> = ids.into_iter().map(|id| rule(id).name).collect();
        println!(
            "  not reported, their level in the env is `allow`: {}",
            names.join(", ")
        );
    }
}
