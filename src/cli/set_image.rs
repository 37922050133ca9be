//! `kiln set image APP=REF…`: edit the project's KDL so that apps run new
//! images, keeping every other byte, and only once the edited project
//! checks (`kiln check`) and runs exactly the new references.
//!
//! Made for CI jobs and bots: stdout holds the files written (or, with
//! `--dry-run`, their unified diff) and nothing else; stderr says which
//! image changed where. Exit 0 when the images are set (written now or
//! already so), 1 when they cannot be (diagnostics say why; nothing
//! written), 2 for a wrong command line.

use std::collections::{BTreeMap, HashMap};

use clap::{Args, Subcommand};
use similar::TextDiff;

use super::Context;
use super::arguments::{CommandLine, Spans};
use crate::check::MAX_APP_NAME;
use crate::check::types::is_dns1035_label;
use crate::compile::{Request as CompileRequest, Selection, compile};
use crate::diag::{Diagnostic, codes};
use crate::edit::image::{Request, current_images, plan};
use crate::edit::{TextEdit, apply};
use crate::span::{FileId, Span, Spanned};
use crate::world::{DiskWorld, Overlay};

/// `kiln set` subcommands.
#[derive(Args, Debug)]
pub struct SetArgs {
    #[command(subcommand)]
    command: SetCommand,
}

#[derive(Subcommand, Debug)]
enum SetCommand {
    /// Set apps' images (or the vars their image templates read), in every env or in some
    #[command(
        after_help = "Example:\n  kiln set image web=ghcr.io/acme/shop-web:1.9.0                  # every env that takes the app's image\n  kiln set image web=ghcr.io/acme/shop-web:1.9.0 --env staging    # only staging\n  kiln set image web=ghcr.io/acme/shop-web:1.9.0 worker=ghcr.io/acme/shop-worker:1.9.0 --dry-run\n\nExit status: 0 the images are set (now, or already), 1 they cannot be (nothing written), 2 a wrong command line."
    )]
    Image(ImageArgs),
}

/// `kiln set image` flags.
#[derive(Args, Debug)]
struct ImageArgs {
    /// The app and its new image reference, such as web=ghcr.io/acme/web:1.9.0
    #[arg(value_name = "APP=REF", required = true)]
    pairs: Vec<String>,
    /// Only in this env (repeatable; default: every env whose image is the app block's)
    #[arg(long = "env", value_name = "ENV")]
    envs: Vec<String>,
    /// For an image written with a template: the var to set (default: the one the reference fits, the last)
    #[arg(long, value_name = "VAR")]
    app_var: Option<String>,
    /// Print the unified diff of the edit to stdout; write nothing
    #[arg(long)]
    dry_run: bool,
}

/// Runs one `set` subcommand.
pub fn run(ctx: &Context, args: SetArgs) -> i32 {
    match args.command {
        SetCommand::Image(a) => image(ctx, a),
    }
}

fn image(ctx: &Context, args: ImageArgs) -> i32 {
    // A malformed `APP=REF` is a wrong command line: said before the
    // project is read, with exit code 2 like clap's own usage errors.
    let (line, at) = command_line(ctx, &args);
    let mut alone = crate::span::Sources::default();
    let (_, _, _, malformed) = arguments(&line.clone().finish(&mut alone), &args, &at);
    if !malformed.is_empty() {
        ctx.emit(&malformed, &alone, None);
        return super::EXIT_USAGE;
    }
    let (before, spans) = match ctx.compile_with(
        line,
        Selection::Everything,
        &super::ResolveFlags::default(),
        Vec::new(),
    ) {
        Ok(c) => c,
        Err((d, s)) => {
            ctx.emit(&d, &s, None);
            return super::EXIT_ERRORS;
        }
    };
    if before.diags.has_errors() {
        ctx.emit(&before.diags.0, &before.sources, None);
        eprintln!(
            "error: the project must check before `kiln set image` edits it; nothing written"
        );
        return super::EXIT_ERRORS;
    }
    let sources = before.sources;
    // Well-formed now (the malformed returned above), spanned in `sources`.
    let (requests, envs, var, _) = arguments(&spans, &args, &at);
    let planned = plan(
        &before.model,
        &sources,
        &DiskWorld,
        &before.options,
        &requests,
        &envs,
        var.as_ref(),
    );
    let planned = match planned {
        Ok(p) => p,
        Err(diags) => {
            ctx.emit(&diags, &sources, None);
            return super::EXIT_ERRORS;
        }
    };
    for note in &planned.notes {
        if !ctx.global.quiet {
            eprintln!("note: {note}");
        }
    }
    let mut by_file: BTreeMap<FileId, Vec<&TextEdit>> = BTreeMap::new();
    for e in &planned.edits {
        by_file.entry(e.file).or_default().push(e);
    }
    // (path, name shown, old text, new text) per changed file.
    let mut changed = Vec::new();
    for (file, edits) in by_file {
        let source = sources.get(file);
        let Some(path) = source.path.clone() else {
            continue;
        };
        let new = apply(&source.text, &edits);
        if new != *source.text {
            changed.push((path, source.name.clone(), source.text.to_string(), new));
        }
    }
    if changed.is_empty() {
        if !ctx.global.quiet {
            let apps: Vec<String> = requests
                .iter()
                .map(|r| format!("`{}` runs `{}`", r.app.value, r.reference.value))
                .collect();
            eprintln!("already set: {}; nothing written", apps.join(", "));
        }
        return 0;
    }

    // The edited project must check, and run exactly what was asked.
    let overlay = Overlay {
        docs: changed
            .iter()
            .map(|(path, _, _, new)| (path.clone(), new.clone()))
            .collect::<HashMap<_, _>>(),
    };
    let root = before.model.root.clone();
    let request = CompileRequest {
        selection: Selection::Everything,
        resolve: before.options.clone(),
        skip: Vec::new(),
    };
    let after = compile(&overlay, &root, &request, None);
    if after.diags.has_errors() {
        let mut all = after.diags.0.clone();
        all.push(
            Diagnostic::error(
                codes::EDIT_BROKEN,
                "the edited project does not check: nothing was written",
            )
            .help("the errors above are in the files as `kiln set image` would write them"),
        );
        ctx.emit(&all, &after.sources, None);
        return super::EXIT_ERRORS;
    }
    let old_images = current_images(&before.model, &sources, &DiskWorld, &before.options);
    let new_images = current_images(&after.model, &after.sources, &overlay, &before.options);
    let wrong: Vec<Diagnostic> = planned
        .expected
        .iter()
        .filter_map(|e| {
            let got = new_images.get(&(e.env.clone(), e.app.clone()))?;
            (*got != e.reference).then(|| {
                Diagnostic::error(
                    codes::EDIT_BROKEN,
                    format!(
                        "after the edit, app `{}` would run `{got}` in env `{}`, not `{}`: nothing was written",
                        e.app, e.env, e.reference
                    ),
                )
                .primary(e.image, "its image is written here")
                .related(e.asked, "this reference")
                .help("the image's template changes what the var gives; write the image without a template, or set the var by hand")
            })
        })
        .collect();
    if !wrong.is_empty() {
        ctx.emit(&wrong, &sources, None);
        return super::EXIT_ERRORS;
    }
    if !ctx.global.quiet {
        for (key, new) in &new_images {
            if let Some(old) = old_images.get(key).filter(|old| *old != new) {
                eprintln!("{} in {}: {old} → {new}", key.1, key.0);
            }
        }
    }
    if args.dry_run {
        for (_, name, old, new) in &changed {
            print!(
                "{}",
                TextDiff::from_lines(old, new)
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{name}"), &format!("b/{name}"))
            );
        }
        return 0;
    }
    let files: Vec<(&std::path::Path, &str)> = changed
        .iter()
        .map(|(path, _, _, new)| (path.as_path(), new.as_str()))
        .collect();
    if let Err((path, e)) = super::fmt::write_all(&files) {
        eprintln!(
            "error[{}]: cannot write `{}`: {e}",
            codes::OUTPUT.0,
            path.display()
        );
        eprintln!("  help: every file is as it was, or fully edited: run `kiln set image` again");
        return super::EXIT_ERRORS;
    }
    for (_, name, _, _) in &changed {
        println!("{name}");
    }
    0
}

/// The arguments, spanned: the requests, `--env`s, `--app-var`, and the
/// problems of malformed `APP=REF`s.
type Arguments = (
    Vec<Request>,
    Vec<Spanned<String>>,
    Option<Spanned<String>>,
    Vec<Diagnostic>,
);

/// Where the `APP=REF`, `--env` and `--app-var` arguments are in the
/// command line, by [`CommandLine::push`] index.
struct At {
    pairs: Vec<usize>,
    envs: Vec<usize>,
    var: Option<usize>,
}

/// The command line holding the `APP=REF`, `--env` and `--app-var`
/// arguments, so that a diagnostic can point at the one it is about.
fn command_line(ctx: &Context, args: &ImageArgs) -> (CommandLine, At) {
    let mut line = ctx.command_line();
    let pairs = args.pairs.iter().map(|p| line.push(None, p)).collect();
    let envs = args
        .envs
        .iter()
        .map(|e| line.push(Some("--env"), e))
        .collect();
    let var = args
        .app_var
        .as_ref()
        .map(|v| line.push(Some("--app-var"), v));
    (line, At { pairs, envs, var })
}

/// The arguments at `spans` (the command line's source, [`command_line`]).
fn arguments(spans: &Spans, args: &ImageArgs, at: &At) -> Arguments {
    let mut diags = Vec::new();
    let mut requests = Vec::new();
    for (p, &at) in args.pairs.iter().zip(&at.pairs) {
        let span = spans.of(at);
        match p.split_once('=') {
            Some((app, reference)) if !app.is_empty() && !reference.is_empty() => {
                let app_span = Span::new(
                    span.file,
                    span.start as usize,
                    span.start as usize + app.len(),
                );
                if !is_dns1035_label(app, MAX_APP_NAME) {
                    diags.push(
                        Diagnostic::error(
                            codes::USAGE,
                            format!("`{app}` is not a valid app name"),
                        )
                        .primary(app_span, "not a DNS-1035 label")
                        .help(format!(
                            "an app name is a DNS-1035 label of at most {MAX_APP_NAME} characters: lower-case letters, digits and `-`, starting with a letter, as in `web=ghcr.io/acme/web:1.9.0`"
                        )),
                    );
                    continue;
                }
                requests.push(Request {
                    app: Spanned::new(app.to_string(), app_span),
                    reference: Spanned::new(
                        reference.to_string(),
                        Span::new(span.file, app_span.end as usize + 1, span.end as usize),
                    ),
                });
            }
            _ => diags.push(
                Diagnostic::error(codes::USAGE, format!("expected `APP=REF`, found `{p}`"))
                    .primary(span, "this argument")
                    .help("for example `web=ghcr.io/acme/web:1.9.0`"),
            ),
        }
    }
    let spanned = |(v, at): (&String, &usize)| Spanned::new(v.clone(), spans.of(*at));
    let envs = args.envs.iter().zip(&at.envs).map(spanned).collect();
    let var = args.app_var.iter().zip(&at.var).map(spanned).next();
    (requests, envs, var, diags)
}
