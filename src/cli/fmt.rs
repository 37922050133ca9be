//! `kiln fmt [--check]`: every project `.kdl` file in canonical layout.

use clap::Args;

use super::{Context, EXIT_ERRORS, EXIT_INTERNAL};
use crate::diag::{Diagnostic, codes};
use crate::editor::kdlfmt::{self, FormatError};
use crate::span::{Sources, Span};
use crate::world::{DiskWorld, World};

/// `kiln fmt` flags.
#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Write nothing; list the files that would change and exit 1 if any
    #[arg(long, conflicts_with = "stdin")]
    check: bool,
    /// Format standard input to standard output (for editors); touch no file
    #[arg(long)]
    stdin: bool,
}

/// Formats every `.kdl` file of the project, or with `--check` lists those
/// that are not formatted. A file that does not parse stops the run before
/// anything is written.
pub fn run(ctx: &Context, args: FmtArgs) -> i32 {
    if args.stdin {
        return stdin(ctx);
    }
    let root = match ctx.project_root() {
        Ok(r) => r,
        Err(d) => {
            ctx.emit(&[d], &Sources::default(), None);
            return EXIT_ERRORS;
        }
    };
    let paths = match DiskWorld.kdl_files(&root, &[]) {
        Ok(p) => p,
        Err(e) => {
            let d = Diagnostic::error(
                codes::READ,
                format!("cannot list `{}`: {e}", root.display()),
            );
            ctx.emit(&[d], &Sources::default(), None);
            return EXIT_ERRORS;
        }
    };
    let mut sources = Sources::default();
    let mut diags = Vec::new();
    let mut changed = Vec::new();
    for path in paths {
        let name = crate::syntax::display_name(&root, &path);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                diags.push(Diagnostic::error(
                    codes::READ,
                    format!("cannot read `{name}`: {e}"),
                ));
                continue;
            }
        };
        let id = sources.add(name.clone(), Some(path.clone()), text.clone());
        if let Err(errs) = crate::syntax::parse(id, &text) {
            diags.extend(errs);
            continue;
        }
        match kdlfmt::format(&text) {
            Ok(out) if out != text => changed.push((name, path, out)),
            Ok(_) => {}
            Err(FormatError::Parse) => diags.push(
                Diagnostic::error(codes::PARSE, format!("`{name}` is not valid KDL 2.0"))
                    .primary(Span::new(id, 0, 0), "this file"),
            ),
            Err(FormatError::Changed) => {
                let d = Diagnostic::error(
                    codes::INTERNAL,
                    format!("formatting `{name}` would change its meaning; left as it is"),
                )
                .primary(Span::new(id, 0, 0), "this file")
                .help("please report this file");
                ctx.emit(&[d], &sources, None);
                return EXIT_INTERNAL;
            }
        }
    }
    if !diags.is_empty() {
        ctx.emit(&diags, &sources, None);
        return EXIT_ERRORS;
    }
    if args.check {
        for (name, _, _) in &changed {
            println!("{name}");
        }
        if !changed.is_empty() && !ctx.global.quiet {
            eprintln!(
                "{} file{} would be reformatted; run `kiln fmt`",
                changed.len(),
                if changed.len() == 1 { "" } else { "s" }
            );
        }
        return if changed.is_empty() { 0 } else { EXIT_ERRORS };
    }
    let files: Vec<(&std::path::Path, &str)> = changed
        .iter()
        .map(|(_, path, out)| (path.as_path(), out.as_str()))
        .collect();
    if let Err((path, e)) = write_all(&files) {
        let d = Diagnostic::error(
            codes::READ,
            format!("cannot write `{}`: {e}", path.display()),
        );
        ctx.emit(&[d], &sources, None);
        return EXIT_ERRORS;
    }
    if ctx.global.verbose {
        for (name, _, _) in &changed {
            eprintln!("formatted {name}");
        }
    }
    if !ctx.global.quiet {
        eprintln!(
            "{} file{} reformatted",
            changed.len(),
            if changed.len() == 1 { "" } else { "s" }
        );
    }
    0
}

/// Writes every file through a temporary file beside it: all temporary
/// files first, then one rename each, so that a failure while writing
/// (a full disk) leaves every file as it was, and an interrupted run leaves
/// each file either old or new. Shared with `kiln set image`.
pub(super) fn write_all<'a>(
    files: &[(&'a std::path::Path, &str)],
) -> Result<(), (&'a std::path::Path, std::io::Error)> {
    let tmp_of = |path: &std::path::Path| {
        let dir = path.parent().unwrap_or(std::path::Path::new("."));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        dir.join(format!(".{name}.kiln-tmp"))
    };
    let mut written = Vec::new();
    let mut result = Ok(());
    for (path, text) in files {
        let tmp = tmp_of(path);
        if let Err(e) = std::fs::write(&tmp, text) {
            let _ = std::fs::remove_file(&tmp);
            result = Err((*path, e));
            break;
        }
        if let Ok(meta) = std::fs::metadata(path) {
            let _ = std::fs::set_permissions(&tmp, meta.permissions());
        }
        written.push((tmp, *path));
    }
    if result.is_err() {
        for (tmp, _) in &written {
            let _ = std::fs::remove_file(tmp);
        }
        return result;
    }
    for (tmp, path) in &written {
        if let Err(e) = std::fs::rename(tmp, path) {
            let _ = std::fs::remove_file(tmp);
            return Err((path, e));
        }
    }
    Ok(())
}

/// `kiln fmt --stdin`: the formatted text on stdout, or diagnostics and 1.
fn stdin(ctx: &Context) -> i32 {
    use std::io::Read as _;
    let mut text = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut text) {
        let d = Diagnostic::error(codes::READ, format!("cannot read standard input: {e}"));
        ctx.emit(&[d], &Sources::default(), None);
        return EXIT_ERRORS;
    }
    let mut sources = Sources::default();
    let id = sources.add("<stdin>", None, text.clone());
    if let Err(errs) = crate::syntax::parse(id, &text) {
        ctx.emit(&errs, &sources, None);
        return EXIT_ERRORS;
    }
    match kdlfmt::format(&text) {
        Ok(out) => {
            print!("{out}");
            0
        }
        Err(_) => {
            let d = Diagnostic::error(
                codes::INTERNAL,
                "formatting standard input would change its meaning",
            )
            .help("please report this input");
            ctx.emit(&[d], &sources, None);
            EXIT_INTERNAL
        }
    }
}
