//! `kiln render`: write the rendered YAML, atomically per env.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{Context, ResolveFlags};
use crate::compile::Selection;
use crate::diag::{Diagnostic, codes, count};
use crate::output::EnvOutput;

/// `kiln render` flags.
#[derive(Args, Debug)]
pub struct RenderArgs {
    /// Render only this env (repeatable)
    #[arg(long = "env", value_name = "ENV")]
    envs: Vec<String>,
    /// The output directory (default: rendered/ in the project)
    #[arg(long, value_name = "DIR", conflicts_with = "stdout")]
    out: Option<PathBuf>,
    /// Write the objects to standard output as one multi-document stream
    #[arg(long)]
    stdout: bool,
    #[command(flatten)]
    flags: ResolveFlags,
}

/// Renders and writes.
pub fn run(ctx: &Context, args: RenderArgs) -> i32 {
    let root = match ctx.project_root() {
        Ok(r) => r,
        Err(d) => {
            ctx.emit(&[d], &Default::default(), None);
            return super::EXIT_ERRORS;
        }
    };
    let out_dir = match &args.out {
        Some(o) => std::env::current_dir()
            .map(|c| c.join(o))
            .unwrap_or_else(|_| o.clone()),
        None => root.join("rendered"),
    };
    if let Some(d) = out_not_a_directory(&out_dir, args.out.is_some()) {
        ctx.emit(&[d], &Default::default(), None);
        return super::EXIT_USAGE;
    }
    let selection = if args.envs.is_empty() {
        Selection::All
    } else {
        Selection::Named(args.envs.clone())
    };
    let skip = vec![std::fs::canonicalize(&out_dir).unwrap_or_else(|_| out_dir.clone())];
    let progress = super::progress::Progress::start(ctx.global.quiet || args.stdout, "rendering");
    let compiled = ctx.compile(selection, &args.flags, skip);
    progress.finish();
    let mut compiled = match compiled {
        Ok(c) => c,
        Err((diags, sources)) => {
            ctx.emit(&diags, &sources, None);
            return super::EXIT_ERRORS;
        }
    };
    ctx.emit(&compiled.diags.0, &compiled.sources, None);
    let code = ctx.exit_for(&compiled.diags.0);
    if code != 0 {
        return code;
    }
    let mut envs = std::mem::take(&mut compiled.envs);
    envs.sort_by(|a, b| a.folder.cmp(&b.folder));
    if args.stdout {
        let mut out = std::io::stdout().lock();
        let mut first = true;
        // A write that fails (a full disk, a closed pipe) must not pass for
        // a complete stream.
        let written = envs.iter().try_for_each(|env| {
            for ns in env.namespaces_in_order() {
                write_doc(&mut out, ns, &mut first)?;
            }
            for app in env.apps.values() {
                for bytes in app.files.values() {
                    write_doc(&mut out, bytes, &mut first)?;
                }
            }
            out.flush()
        });
        if let Err(e) = written {
            let d = Diagnostic::error(
                codes::OUTPUT,
                format!("cannot write to standard output: {e}"),
            )
            .help("the stream stopped part-way: what reached standard output is incomplete");
            ctx.emit(&[d], &compiled.sources, None);
            return super::EXIT_ERRORS;
        }
        return 0;
    }
    let foreign: Vec<Diagnostic> = envs
        .iter()
        .filter_map(|env| not_kilns(&out_dir, env))
        .collect();
    if !foreign.is_empty() {
        ctx.emit(&foreign, &compiled.sources, None);
        return super::EXIT_ERRORS;
    }
    if let Err((env, e)) = write_envs(&out_dir, &envs) {
        let d = Diagnostic::error(
            codes::OUTPUT,
            format!("cannot write `{}`: {e}", out_dir.join(&env.folder).display()),
        )
        .help("nothing was written: the previous output was left as it was; check that the output directory can be written and the disk has room");
        ctx.emit(&[d], &compiled.sources, None);
        return super::EXIT_ERRORS;
    }
    for env in &envs {
        if ctx.global.verbose {
            for path in env.files().keys() {
                eprintln!("  {}", out_dir.join(&env.folder).join(path).display());
            }
            for line in crate::render::secrets::refs::describe(&env.secret_refs) {
                eprintln!("  {}: {line}", env.env);
            }
        }
        if !ctx.global.quiet {
            eprintln!(
                "rendered {} ({}, {}) into {}",
                env.env,
                count(env.apps.len() as u64, "app", "apps"),
                count(env.object_count() as u64, "object", "objects"),
                out_dir.join(&env.folder).display()
            );
        }
    }
    super::leave_allocated((envs, compiled));
    0
}

/// `--out` (`flag`) or `rendered/` is not a directory: a wrong command
/// line, said before anything is rendered.
pub(super) fn out_not_a_directory(out_dir: &Path, flag: bool) -> Option<Diagnostic> {
    let meta = std::fs::metadata(out_dir).ok()?;
    let what = if flag { "`--out`" } else { "the output" };
    (!meta.is_dir()).then(|| {
        Diagnostic::error(
            codes::USAGE,
            format!(
                "{what} must be a directory, found a file: `{}`",
                out_dir.display()
            ),
        )
        .help("name a directory (kiln creates it when it does not exist); nothing was written")
    })
}

/// The env's folder exists and is not one kiln writes: a file, a link, or
/// a directory with files but no `kustomization.yaml`. kiln replaces its
/// own folders whole, so it refuses to replace anything else.
fn not_kilns(out_dir: &Path, env: &EnvOutput) -> Option<Diagnostic> {
    let target = out_dir.join(&env.folder);
    let meta = std::fs::symlink_metadata(&target).ok()?;
    let what = if meta.is_symlink() {
        "a symbolic link"
    } else if !meta.is_dir() {
        "a file"
    } else {
        let mut entries = std::fs::read_dir(&target).ok()?;
        let empty = entries.next().is_none();
        if empty || target.join("kustomization.yaml").is_file() {
            return None;
        }
        "a directory without `kustomization.yaml`"
    };
    Some(
        Diagnostic::error(
            codes::OUTPUT,
            format!(
                "`{}` is {what}, not an env folder kiln wrote",
                target.display()
            ),
        )
        .help(format!(
            "env `{}` is written there, and kiln replaces only its own folders: move it away, or render into another `--out`; nothing was written",
            env.env
        )),
    )
}

fn write_doc(out: &mut impl std::io::Write, bytes: &[u8], first: &mut bool) -> std::io::Result<()> {
    if !*first {
        out.write_all(b"---\n")?;
    }
    *first = false;
    out.write_all(bytes)?;
    // A SOPS file is written as it was given, perhaps without a last newline.
    if !bytes.is_empty() && !bytes.ends_with(b"\n") {
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// The env that could not be written, and why.
pub type WriteError<'e> = (&'e EnvOutput, std::io::Error);

/// Writes the env folders: each is filled as a fresh sibling directory
/// (envs in parallel), and once every one is complete they are swapped in
/// with renames. A failure while filling removes the new directories and
/// leaves every old folder as it was.
pub fn write_envs<'e>(out_dir: &Path, envs: &'e [EnvOutput]) -> Result<(), WriteError<'e>> {
    use rayon::prelude::*;
    let staged: Vec<Result<(&EnvOutput, Staged), WriteError<'e>>> = envs
        .par_iter()
        .map(|env| {
            stage_env(out_dir, env)
                .map(|s| (env, s))
                .map_err(|e| (env, e))
        })
        .collect();
    if staged.iter().any(Result::is_err) {
        let mut first = None;
        for s in staged {
            match s {
                Ok((_, s)) => {
                    let _ = std::fs::remove_dir_all(&s.staging);
                }
                Err(e) => {
                    first.get_or_insert(e);
                }
            }
        }
        return Err(first.expect("one failed"));
    }
    let staged: Vec<(&EnvOutput, Staged)> = staged
        .into_iter()
        .flatten()
        .filter(|(_, s)| !s.unchanged)
        .collect();
    let mut swapped: Vec<(&Staged, bool)> = Vec::new();
    for (env, s) in &staged {
        match swap_in(s) {
            Ok(had_old) => swapped.push((s, had_old)),
            Err(e) => {
                // Put the envs already swapped back as they were.
                for (done, had_old) in swapped.iter().rev() {
                    let _ = std::fs::rename(&done.target, &done.staging);
                    if *had_old {
                        let _ = std::fs::rename(&done.old, &done.target);
                    }
                }
                for (_, s) in &staged {
                    let _ = std::fs::remove_dir_all(&s.staging);
                }
                return Err((env, e));
            }
        }
    }
    swapped.par_iter().for_each(|(s, _)| {
        let _ = std::fs::remove_dir_all(&s.old);
    });
    Ok(())
}

/// An env folder written beside its target, not yet in place.
struct Staged {
    target: PathBuf,
    staging: PathBuf,
    old: PathBuf,
    /// The target already holds exactly these files: nothing was staged.
    unchanged: bool,
}

/// Whether `dir` holds exactly `files` (relative paths, `/`-separated):
/// the same bytes, no other file, no other directory, nothing else.
fn is_unchanged(
    dir: &Path,
    files: &std::collections::BTreeMap<String, std::borrow::Cow<'_, [u8]>>,
) -> bool {
    let mut dirs: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for rel in files.keys() {
        let mut at = rel.as_str();
        while let Some((parent, _)) = at.rsplit_once('/') {
            dirs.insert(parent);
            at = parent;
        }
    }
    let mut seen_files = 0;
    let mut seen_dirs = 0;
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, rel)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else {
            return false;
        };
        for entry in entries {
            let Ok(entry) = entry else { return false };
            let Ok(kind) = entry.file_type() else {
                return false;
            };
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                return false;
            };
            let child = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            if kind.is_dir() {
                if !dirs.contains(child.as_str()) {
                    return false;
                }
                seen_dirs += 1;
                stack.push((entry.path(), child));
            } else if kind.is_file() {
                match files.get(&child) {
                    Some(bytes) if std::fs::read(entry.path()).is_ok_and(|b| b == **bytes) => {
                        seen_files += 1;
                    }
                    _ => return false,
                }
            } else {
                return false;
            }
        }
    }
    seen_files == files.len() && seen_dirs == dirs.len()
}

fn stage_env(out_dir: &Path, env: &EnvOutput) -> std::io::Result<Staged> {
    let target = out_dir.join(&env.folder);
    let parent = target.parent().unwrap_or(out_dir).to_path_buf();
    std::fs::create_dir_all(&parent)?;
    let base = target
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "env".to_string());
    let staged = Staged {
        staging: parent.join(format!(".{base}.kiln-new")),
        old: parent.join(format!(".{base}.kiln-old")),
        target,
        unchanged: false,
    };
    // Leftovers of an interrupted run. The old folder may be a file that
    // an older kiln renamed aside: it goes too, else the swap would fail.
    let _ = std::fs::remove_dir_all(&staged.staging);
    remove_any(&staged.old);
    let files = env.files();
    // Rendering again what is already there (most envs, most of the time)
    // reads the folder instead of writing it anew.
    if is_unchanged(&staged.target, &files) {
        return Ok(Staged {
            unchanged: true,
            ..staged
        });
    }
    let result = (|| {
        let files: Vec<_> = files.into_iter().collect();
        // One `create_dir_all` per folder rather than per file: files are
        // sorted, so a folder's files are adjacent.
        std::fs::create_dir_all(&staged.staging)?;
        let mut made = PathBuf::new();
        for (rel, _) in &files {
            if let Some(p) = staged.staging.join(rel).parent()
                && p != made
            {
                std::fs::create_dir_all(p)?;
                made = p.to_path_buf();
            }
        }
        // Sequential within an env: writing one folder's files from several
        // threads measured slower (more system time), the threads contend
        // for the directory.
        for (rel, bytes) in &files {
            let mut f = std::fs::File::create(staged.staging.join(rel))?;
            f.write_all(bytes)?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staged.staging);
        return Err(e);
    }
    Ok(staged)
}

/// Renames the old folder aside and the new one into place; whether
/// there was an old folder.
fn swap_in(s: &Staged) -> std::io::Result<bool> {
    let had_old = s.target.exists();
    if had_old {
        std::fs::rename(&s.target, &s.old)?;
    }
    if let Err(e) = std::fs::rename(&s.staging, &s.target) {
        if had_old {
            let _ = std::fs::rename(&s.old, &s.target);
        }
        return Err(e);
    }
    Ok(had_old)
}

/// Removes a file, link or directory, if there is one there.
fn remove_any(path: &Path) {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            let _ = std::fs::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = std::fs::remove_file(path);
        }
        Err(_) => {}
    }
}
