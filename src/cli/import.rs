//! `kiln import`: read each env's YAML, write the kiln project that renders
//! it (`crate::import` does the work, in memory).

use std::io::Read as _;
use std::path::{Path, PathBuf};

use clap::Args;

use super::Context;
use super::arguments::CommandLine;
use crate::check::types::is_dns_label;
use crate::diag::{Diagnostic, codes};
use crate::import::{EnvInput, InputFile};
use crate::span::Sources;

/// `kiln import` flags.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// An env and its objects: a multi-document YAML file, a folder of them
    /// (read recursively), or `-` for standard input (repeatable)
    #[arg(long = "env", value_name = "ENV=PATH", required = true)]
    envs: Vec<String>,
    /// The folder to write the project into
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The project's name (default: the output folder's name)
    #[arg(long, value_name = "NAME")]
    project_name: Option<String>,
    /// Write the project even when its render differs from the input, and
    /// into a folder that holds files already
    #[arg(long)]
    force: bool,
}

/// Imports and writes; exit 1 when anything differs (written only with `--force`).
pub fn run(ctx: &Context, args: ImportArgs) -> i32 {
    let mut sources = Sources::default();
    let envs = match command_line(ctx.command_line(), &args, &mut sources) {
        Ok(envs) => envs,
        Err(wrong) => {
            ctx.emit(&wrong, &sources, None);
            return super::EXIT_USAGE;
        }
    };
    let project = args
        .project_name
        .clone()
        .or_else(|| {
            let abs = std::env::current_dir()
                .map(|c| c.join(&args.out))
                .unwrap_or_else(|_| args.out.clone());
            abs.file_name().map(|n| n.to_string_lossy().into_owned())
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "imported".to_string());
    if !args.force && holds_files(&args.out) {
        let d = Diagnostic::error(
            codes::IMPORT_OUTPUT,
            format!("`{}` holds files already", args.out.display()),
        )
        .help("import into a new folder, or pass `--force` to write over the files there");
        ctx.emit(&[d], &Sources::default(), None);
        return super::EXIT_ERRORS;
    }
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    for (env, path) in envs {
        let mut files = Vec::new();
        read_input(&path, &mut files, &mut problems);
        inputs.push(EnvInput { env, files });
    }
    if !problems.is_empty() {
        ctx.emit(&problems, &Sources::default(), None);
        return super::EXIT_ERRORS;
    }
    let progress = super::progress::Progress::start(ctx.global.quiet, "importing");
    let imported = crate::import::import(&inputs, &project);
    progress.finish();
    ctx.emit(&imported.diags.0, &imported.sources, None);
    let code = ctx.exit_for(&imported.diags.0);
    if imported.files.is_empty() || (imported.diags.has_errors() && !args.force) {
        return super::EXIT_ERRORS.max(code);
    }
    if let Err(e) = write(&args.out, &imported.files) {
        let d = Diagnostic::error(
            codes::IMPORT_OUTPUT,
            format!("cannot write `{}`: {e}", args.out.display()),
        )
        .help("nothing was left half-written in a new folder; check the path and its permissions");
        ctx.emit(&[d], &Sources::default(), None);
        return super::EXIT_ERRORS;
    }
    if !ctx.global.quiet {
        let s = &imported.stats;
        let percent = (s.kdl_bytes * 100).checked_div(s.yaml_bytes).unwrap_or(0);
        let n = |n: usize, one: &str, many: &str| crate::diag::count(n as u64, one, many);
        eprintln!(
            "imported {} of {} into {} in `{}` ({} kept as manifests, {}): {} of KDL for {} of YAML ({percent}%)",
            n(s.objects, "object", "objects"),
            n(s.envs, "env", "envs"),
            n(s.apps, "app", "apps"),
            args.out.display(),
            s.manifests,
            n(s.patch_ops, "patch operation", "patch operations"),
            n(s.kdl_bytes, "byte", "bytes"),
            n(s.yaml_bytes, "byte", "bytes"),
        );
    }
    code
}

/// The envs to import, `(name, path)`, or what is wrong with the command
/// line (each at its argument in `sources`): an `--env` not `ENV=PATH`, an
/// env given twice, standard input for two envs, an `--out` that is a file.
/// Said before any input is read.
fn command_line(
    mut line: CommandLine,
    args: &ImportArgs,
    sources: &mut Sources,
) -> Result<Vec<(String, String)>, Vec<Diagnostic>> {
    let at: Vec<usize> = args
        .envs
        .iter()
        .map(|e| line.push(Some("--env"), e))
        .collect();
    let spans = line.finish(sources);
    let mut envs: Vec<(String, String, crate::span::Span)> = Vec::new();
    let mut wrong = Vec::new();
    let mut stdin = None;
    for (raw, &i) in args.envs.iter().zip(&at) {
        let span = spans.of(i);
        let Some((name, path)) = raw
            .split_once('=')
            .filter(|(name, path)| is_dns_label(name, 63) && !path.is_empty())
        else {
            wrong.push(
                super::bad_flag(
                    codes::USAGE,
                    span,
                    "--env",
                    "ENV=PATH",
                    "staging=deploy/staging.yaml",
                )
                .note("ENV names the env, a lower-case DNS label; PATH is a YAML file, a folder of them, or `-` for standard input"),
            );
            continue;
        };
        if let Some((_, _, first)) = envs.iter().find(|(n, _, _)| n == name) {
            wrong.push(
                Diagnostic::error(codes::USAGE, format!("env `{name}` is given twice"))
                    .primary(span, "given again here")
                    .related(*first, "first given here")
                    .help("give each env once, with all its YAML in one file or folder"),
            );
            continue;
        }
        if path == "-"
            && let Some(first) = stdin.replace(span)
        {
            wrong.push(
                Diagnostic::error(
                    codes::USAGE,
                    "standard input (`-`) can be read for one env only",
                )
                .primary(span, "read a second time here")
                .related(first, "read for this env")
                .help("write the other env's YAML to a file and pass its path"),
            );
            continue;
        }
        envs.push((name.to_string(), path.to_string(), span));
    }
    wrong.extend(super::render::out_not_a_directory(&args.out, true));
    if !wrong.is_empty() {
        return Err(wrong);
    }
    Ok(envs
        .into_iter()
        .map(|(name, path, _)| (name, path))
        .collect())
}

fn holds_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some())
}

/// Reads a file, every `.yaml`/`.yml` file below a folder (sorted, hidden
/// entries skipped), or standard input.
fn read_input(path: &str, out: &mut Vec<InputFile>, problems: &mut Vec<Diagnostic>) {
    if path == "-" {
        let mut text = String::new();
        match std::io::stdin().read_to_string(&mut text) {
            Ok(_) => out.push(InputFile {
                name: "<stdin>".into(),
                path: None,
                text,
            }),
            Err(e) => problems.push(read_problem("standard input", &e)),
        }
        return;
    }
    let p = PathBuf::from(path);
    if p.is_dir() {
        let mut files = Vec::new();
        walk(&p, &mut files, problems, 0);
        files.sort();
        if files.is_empty() {
            problems.push(
                Diagnostic::error(
                    codes::IMPORT_READ,
                    format!("`{path}` holds no `.yaml` or `.yml` file"),
                )
                .help("pass a folder of YAML files, a YAML file, or `-` for standard input"),
            );
        }
        for f in files {
            read_file(&f, out, problems);
        }
    } else {
        read_file(&p, out, problems);
    }
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, problems: &mut Vec<Diagnostic>, depth: usize) {
    if depth > 64 {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            problems.push(read_problem(&dir.display().to_string(), &e));
            return;
        }
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => walk(&path, files, problems, depth + 1),
            Ok(_)
                if name.ends_with(".yaml") || name.ends_with(".yml") || name == "Kustomization" =>
            {
                files.push(path)
            }
            _ => {}
        }
    }
}

fn read_file(path: &Path, out: &mut Vec<InputFile>, problems: &mut Vec<Diagnostic>) {
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => out.push(InputFile {
                name: path.display().to_string(),
                path: Some(path.to_path_buf()),
                text,
            }),
            Err(_) => problems.push(
                Diagnostic::error(
                    codes::IMPORT_READ,
                    format!("`{}` is not UTF-8 text", path.display()),
                )
                .help("YAML files are UTF-8"),
            ),
        },
        Err(e) => problems.push(read_problem(&path.display().to_string(), &e)),
    }
}

fn read_problem(what: &str, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(codes::IMPORT_READ, format!("cannot read `{what}`: {e}"))
        .help("check the path after `--env ENV=`")
}

/// Writes the files: into a new folder that appears whole (built beside
/// it, then renamed), or over the files of an existing one (`--force`).
fn write(out: &Path, files: &[(String, Vec<u8>)]) -> std::io::Result<()> {
    let exists = out.exists();
    let target = if exists {
        out.to_path_buf()
    } else {
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.with_file_name(format!(".{name}.kiln-import-{}", std::process::id()))
    };
    let result = (|| {
        for (rel, bytes) in files {
            let path = target.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, bytes)?;
        }
        if !exists {
            std::fs::rename(&target, out)?;
        }
        Ok(())
    })();
    if result.is_err() && !exists {
        let _ = std::fs::remove_dir_all(&target);
    }
    result
}
