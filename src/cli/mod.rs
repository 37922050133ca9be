//! The command line: one file per command, sharing the flags of CLI.md.

mod arguments;
mod bootstrap;
mod check;
mod commit;
mod diff;
mod explain;
pub mod explain_code;
mod explain_param;
mod fmt;
mod gitops_flags;
mod history;
mod import;
mod init;
mod lint;
mod man;
mod order;
mod preview;
mod progress;
mod promote;
mod render;
mod rollback;
mod schema;
pub mod schema_markdown;
mod set_image;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::compile::{Compiled, Request, Selection};
use crate::diag::{self, Diagnostic, Format, codes};
use crate::resolve::{GitInfo, Options, SetFlag};
use crate::span::{Sources, Span};
use crate::world::DiskWorld;
use arguments::{CommandLine, Spans};

/// Exit code: the project has errors.
pub const EXIT_ERRORS: i32 = 1;
/// Keeps `value` allocated until the process exits, which it does right
/// after the command returns: freeing a fleet's model and render, one
/// allocation at a time, took 0.1 s of a 1000-app commit for memory the
/// system takes back at once.
pub(crate) fn leave_allocated<T>(value: T) {
    std::mem::forget(value);
}

/// Exit code: the command line is wrong (what clap's usage errors exit with).
pub const EXIT_USAGE: i32 = 2;
/// Exit code: the gitops repository could not be read or written.
pub const EXIT_GITOPS: i32 = 3;
/// Exit code: kiln itself failed.
pub const EXIT_INTERNAL: i32 = 255;

/// kiln compiles concise KDL descriptions of apps and environments into
/// plain Kubernetes YAML, and commits it to a gitops repository.
#[derive(Parser, Debug)]
#[command(name = "kiln", version, about, long_about = None, after_help = "Example:\n  kiln check                      # type-check every env\n  kiln render --env staging       # write rendered/staging/…")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: Global,
}

/// Flags every command takes.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// The project directory (default: the nearest ancestor holding kiln.kdl)
    #[arg(long, global = true, value_name = "DIR")]
    project: Option<PathBuf>,
    /// How diagnostics are printed
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    message_format: Option<Format>,
    /// When to use colours (honours NO_COLOR)
    #[arg(long, global = true, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// Print less
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Print more: every file written, every env checked
    #[arg(short, long, global = true)]
    verbose: bool,
    /// Fail on warnings too (lint findings included): for CI that wants a clean build
    #[arg(long, global = true)]
    deny_warnings: bool,
}

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Flags of every command that resolves the project.
#[derive(Args, Debug, Clone, Default)]
pub struct ResolveFlags {
    /// Set a template variable: `--var tag=1.2.3` (repeatable)
    #[arg(long = "var", value_name = "KEY=VALUE")]
    vars: Vec<String>,
    /// Override a parameter: `--set web.replicas=3` (repeatable; typed like the parameter)
    #[arg(long = "set", value_name = "APP.PARAM=VALUE")]
    sets: Vec<String>,
    /// The project's commit, for `git.sha` (default: read from its checkout)
    #[arg(long, value_name = "SHA")]
    git_sha: Option<String>,
    /// The project's branch, for `git.branch`
    #[arg(long, value_name = "BRANCH")]
    git_branch: Option<String>,
    /// The project's tag, for `git.tag`
    #[arg(long, value_name = "TAG")]
    git_tag: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Parse, type-check, resolve, render in memory and validate every env; write nothing
    #[command(after_help = "Example:\n  kiln check --format short")]
    Check(check::CheckArgs),
    /// Write the rendered YAML (default: every env that is not a preview template, into rendered/)
    #[command(
        after_help = "Example:\n  kiln render --env staging --out /tmp/out\n  kiln render --stdout | kubectl apply --dry-run=client -f -"
    )]
    Render(render::RenderArgs),
    /// Show the resolved parameters of one app in one env, and where each came from
    #[command(after_help = "Example:\n  kiln explain production web replicas")]
    Explain(explain::ExplainArgs),
    /// Explain a diagnostic code, with an example that triggers it
    #[command(
        after_help = "Example:\n  kiln explain-code kiln::check::type_mismatch\n  kiln explain-code           # every code"
    )]
    ExplainCode(explain_code::ExplainCodeArgs),
    /// Show the components and their parameters, with types, defaults and docs
    #[command(after_help = "Example:\n  kiln schema web-service")]
    Schema(schema::SchemaArgs),
    /// Render and commit to the gitops repository (one commit; none when nothing changed)
    #[command(
        after_help = "Example:\n  kiln commit --gitops ../gitops --env staging\n  kiln commit --gitops https://git.example.com/acme/gitops.git --push --event push --ref main"
    )]
    Commit(commit::CommitArgs),
    /// Show what a commit would change in the gitops repository, per env and object
    #[command(
        after_help = "Example:\n  kiln diff --gitops ../gitops --format markdown --exit-code"
    )]
    Diff(diff::DiffArgs),
    /// List the releases of an env, newest first, and which a rollback undid
    #[command(
        after_help = "Example:\n  kiln history --gitops ../gitops --env production --app web --limit 5\n  kiln history --gitops ../gitops --env production --format json | jq '.[0].commit'"
    )]
    History(history::HistoryArgs),
    /// Put an app's files back as they were at an earlier gitops commit, in a new commit
    #[command(
        after_help = "Example:\n  kiln rollback --gitops ../gitops --env production --app web --to 3f2a9c1d4e5b"
    )]
    Rollback(rollback::RollbackArgs),
    /// Commit one env rendered with the images another env runs now
    #[command(
        after_help = "Example:\n  kiln promote --gitops ../gitops --from staging --to production\n  kiln promote --gitops ../gitops --from staging --to production --app web --sign"
    )]
    Promote(promote::PromoteArgs),
    /// Edit the project's KDL in place: `kiln set image APP=REF`
    #[command(
        after_help = "Example:\n  kiln set image web=ghcr.io/acme/web:1.9.0\n  kiln set image web=ghcr.io/acme/web:1.9.0 worker=ghcr.io/acme/worker:1.9.0 --env staging --dry-run"
    )]
    Set(set_image::SetArgs),
    /// Create, update, remove and expire preview environments
    #[command(
        after_help = "Example:\n  kiln preview up pr-42 --env preview --gitops ../gitops\n  kiln preview down pr-42 --gitops ../gitops\n  kiln preview gc --gitops ../gitops"
    )]
    Preview(preview::PreviewArgs),
    /// Commit the Flux objects that make a cluster follow each env's folder
    #[command(
        after_help = "Example:\n  kiln bootstrap --gitops ../gitops --url https://github.com/acme/gitops.git\n  kiln bootstrap --gitops ../gitops --url ssh://git@github.com/acme/gitops.git --env production --per-app"
    )]
    Bootstrap(bootstrap::BootstrapArgs),
    /// List the lint rules (--list), or lint every env and sum the findings up by rule
    #[command(
        after_help = "Example:\n  kiln lint --list\n  kiln lint --deny-warnings      # in CI: fail on any finding"
    )]
    Lint(lint::LintArgs),
    /// Turn existing Kubernetes YAML (per env) into a kiln project that renders the same objects
    #[command(
        after_help = "Example:\n  kiln import --env staging=deploy/staging.yaml --env production=deploy/production/ --out shop/\n  kubectl kustomize overlays/dev | kiln import --env dev=- --out shop/"
    )]
    Import(import::ImportArgs),
    /// Scaffold a working project: kiln.kdl, one app, staging and production envs
    #[command(after_help = "Example:\n  kiln init my-service && cd my-service && kiln render")]
    Init(init::InitArgs),
    /// Print shell completions
    #[command(
        after_help = "Example:\n  kiln completions bash > ~/.local/share/bash-completion/completions/kiln"
    )]
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Rewrite the project's KDL files in canonical layout, keeping every comment
    #[command(
        after_help = "Example:\n  kiln fmt\n  kiln fmt --check        # in CI: exit 1 and list the files that would change"
    )]
    Fmt(fmt::FmtArgs),
    /// A language server on stdio: diagnostics as you type, hover, completion, go to definition
    #[command(
        after_help = "Example:\n  kiln lsp                # started by an editor, speaks LSP on stdin/stdout"
    )]
    Lsp,
    /// Write man pages: kiln.1 and one per subcommand into DIR, or kiln.1 to stdout
    #[command(after_help = "Example:\n  kiln man /usr/local/share/man/man1\n  kiln man | man -l -")]
    Man(man::ManArgs),
}

/// Runs kiln with the process's arguments; returns the exit code.
pub fn main() -> i32 {
    let parsed = Cli::command().try_get_matches().and_then(|mut matches| {
        let command = command_name(&matches);
        let cli =
            Cli::from_arg_matches_mut(&mut matches).map_err(|e| e.format(&mut Cli::command()))?;
        Ok((cli, command))
    });
    let (cli, command) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    let ctx = Context::new(cli.global.clone(), command);
    match cli.command {
        Command::Check(a) => check::run(&ctx, a),
        Command::Render(a) => render::run(&ctx, a),
        Command::Explain(a) => explain::run(&ctx, a),
        Command::ExplainCode(a) => explain_code::run(&ctx, a),
        Command::Schema(a) => schema::run(&ctx, a),
        Command::Init(a) => init::run(&ctx, a),
        Command::Lint(a) => lint::run(&ctx, a),
        Command::Import(a) => import::run(&ctx, a),
        Command::Commit(a) => commit::run(&ctx, a),
        Command::Diff(a) => diff::run(&ctx, a),
        Command::History(a) => history::run(&ctx, a),
        Command::Rollback(a) => rollback::run(&ctx, a),
        Command::Preview(a) => preview::run(&ctx, a),
        Command::Promote(a) => promote::run(&ctx, a),
        Command::Set(a) => set_image::run(&ctx, a),
        Command::Bootstrap(a) => bootstrap::run(&ctx, a),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "kiln", &mut std::io::stdout());
            0
        }
        Command::Fmt(a) => fmt::run(&ctx, a),
        Command::Lsp => crate::editor::lsp::run(),
        Command::Man(a) => man::run(&ctx, a, Cli::command()),
    }
}

/// `kiln` and the (sub)commands being run, such as `kiln preview up`: how
/// the command line's source starts.
fn command_name(matches: &clap::ArgMatches) -> String {
    let mut name = String::from("kiln");
    let mut at = matches;
    while let Some((sub, next)) = at.subcommand() {
        name.push(' ');
        name.push_str(sub);
        at = next;
    }
    name
}

/// What every command needs: the global flags, how to print, and the
/// command's name for its command line.
pub struct Context {
    pub global: Global,
    pub color: bool,
    /// Such as `kiln explain` ([`command_name`]).
    command: String,
}

impl Context {
    fn new(global: Global, command: String) -> Self {
        let color = match global.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stderr().is_terminal()
            }
        };
        Context {
            global,
            color,
            command,
        }
    }

    /// The project directory, canonical, or a diagnostic.
    pub fn project_root(&self) -> Result<PathBuf, Diagnostic> {
        let start = match &self.global.project {
            Some(p) => p.clone(),
            None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        };
        let found = if self.global.project.is_some() {
            start.join("kiln.kdl").is_file().then(|| start.clone())
        } else {
            crate::syntax::find_project(&start)
        };
        let Some(dir) = found else {
            return Err(Diagnostic::error(
                codes::NO_PROJECT,
                format!(
                    "no `kiln.kdl` in `{}`{}",
                    start.display(),
                    if self.global.project.is_some() {
                        ""
                    } else {
                        " or any parent"
                    }
                ),
            )
            .help(
                "run kiln inside a project, pass `--project DIR`, or create one with `kiln init`",
            ));
        };
        std::fs::canonicalize(&dir).map_err(|e| {
            Diagnostic::error(
                codes::NO_PROJECT,
                format!("cannot open `{}`: {e}", dir.display()),
            )
        })
    }

    /// Prints diagnostics to stderr (or stdout for machine formats) in the
    /// chosen format; `format` overrides `--message-format`.
    pub fn emit(&self, diags: &[Diagnostic], sources: &Sources, format: Option<Format>) {
        let format = format
            .or(self.global.message_format)
            .unwrap_or(Format::Human);
        if self.global.quiet && matches!(format, Format::Human | Format::Short) {
            let errors: Vec<Diagnostic> = diags.iter().filter(|d| d.is_error()).cloned().collect();
            if errors.is_empty() {
                return;
            }
            eprint!("{}", diag::render(&errors, sources, format, self.color));
            return;
        }
        let text = diag::render(diags, sources, format, self.color);
        match format {
            // GitHub reads workflow commands from stdout.
            Format::Json | Format::Sarif | Format::Github => print!("{text}"),
            _ => eprint!("{text}"),
        }
    }

    /// The exit code for a batch of diagnostics.
    pub fn exit_for(&self, diags: &[Diagnostic]) -> i32 {
        let failing = diags
            .iter()
            .any(|d| d.is_error() || self.global.deny_warnings);
        if failing { EXIT_ERRORS } else { 0 }
    }

    /// Compiles the project and prints its diagnostics; `Err(exit code)`
    /// when it has errors (or warnings with `--deny-warnings`).
    pub fn compile_clean(
        &self,
        selection: Selection,
        flags: &ResolveFlags,
    ) -> Result<Compiled, i32> {
        let compiled = match self.compile(selection, flags, Vec::new()) {
            Ok(c) => c,
            Err((d, s)) => {
                self.emit(&d, &s, None);
                return Err(EXIT_ERRORS);
            }
        };
        self.emit(&compiled.diags.0, &compiled.sources, None);
        match self.exit_for(&compiled.diags.0) {
            0 => Ok(compiled),
            code => Err(code),
        }
    }

    /// Compiles the project with the given selection and flags, for a
    /// command whose diagnostics point at no argument of its own (the
    /// command line holds the command and its `--var`/`--set` flags).
    pub fn compile(
        &self,
        selection: Selection,
        flags: &ResolveFlags,
        skip: Vec<PathBuf>,
    ) -> Result<Compiled, (Vec<Diagnostic>, Sources)> {
        self.compile_with(self.command_line(), selection, flags, skip)
            .map(|(compiled, _)| compiled)
    }

    /// Compiles the project with the given selection and flags; `line`
    /// holds the command's own arguments, and the `--var`/`--set` flags
    /// are pushed after them, so that the compile's sources hold one
    /// `<command line>` every argument's diagnostic points into. Returns
    /// where each argument of `line` is in it.
    fn compile_with(
        &self,
        mut line: CommandLine,
        selection: Selection,
        flags: &ResolveFlags,
        skip: Vec<PathBuf>,
    ) -> Result<(Compiled, Spans), (Vec<Diagnostic>, Sources)> {
        let root = self
            .project_root()
            .map_err(|d| (vec![d], Sources::default()))?;
        let vars: Vec<usize> = flags
            .vars
            .iter()
            .map(|v| line.push(Some("--var"), v))
            .collect();
        let sets: Vec<usize> = flags
            .sets
            .iter()
            .map(|v| line.push(Some("--set"), v))
            .collect();
        // File 0 of fresh sources: `compile::compile` adds the text as its
        // file 0 too, so that the spans hold in the compile's sources.
        let mut sources = Sources::default();
        let spans = line.finish(&mut sources);
        let mut diags = Vec::new();
        let mut options = Options {
            vars: Vec::new(),
            sets: Vec::new(),
            git: git_info(&root, flags),
        };
        for (raw, &at) in flags.vars.iter().zip(&vars) {
            match raw.split_once('=') {
                Some((k, v)) if !k.is_empty() => options.vars.push((k.to_string(), v.to_string())),
                _ => diags.push(bad_flag(
                    codes::BAD_SET,
                    spans.of(at),
                    "--var",
                    "KEY=VALUE",
                    "tag=1.2.3",
                )),
            }
        }
        for (raw, &at) in flags.sets.iter().zip(&sets) {
            match set_flag(raw, spans.of(at)) {
                Some(set) => options.sets.push(set),
                None => diags.push(bad_flag(
                    codes::BAD_SET,
                    spans.of(at),
                    "--set",
                    "APP.PARAM=VALUE",
                    "web.replicas=3",
                )),
            }
        }
        if !diags.is_empty() {
            return Err((diags, sources));
        }
        let req = Request {
            selection,
            resolve: options,
            skip,
        };
        let text = sources.get(spans.file()).text.to_string();
        let compiled = crate::compile::compile(&DiskWorld, &root, &req, Some(text));
        Ok((compiled, spans))
    }

    /// The command line of the command being run (such as `kiln explain`),
    /// to push its arguments into.
    fn command_line(&self) -> CommandLine {
        CommandLine::new(&self.command)
    }
}

/// A flag whose value is not of the `shape` it takes: `code` at the value
/// (`span`, in the command line's source), with an example.
pub(super) fn bad_flag(
    code: codes::Code,
    span: Span,
    flag: &str,
    shape: &str,
    example: &str,
) -> Diagnostic {
    Diagnostic::error(code, format!("`{flag}` expects `{shape}`"))
        .primary(span, "this flag")
        .help(format!("for example `{flag} {example}`"))
}

/// One `--set APP.PARAM=VALUE` whose value is at `span`, or `None` when it
/// is not of that shape.
fn set_flag(raw: &str, span: Span) -> Option<SetFlag> {
    let (path, value) = raw.split_once('=')?;
    let parts: Vec<&str> = path.split('.').collect();
    if parts.len() < 2 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let start = span.start as usize;
    Some(SetFlag {
        app: parts[0].to_string(),
        path: parts[1..].iter().map(|s| s.to_string()).collect(),
        value: value.to_string(),
        span: Span::new(span.file, start, start + path.len()),
        value_span: Span::new(span.file, start + path.len() + 1, span.end as usize),
    })
}

/// `git.*` for templates: flags first, then the project's checkout.
pub(crate) fn git_info(root: &Path, flags: &ResolveFlags) -> GitInfo {
    let mut info = GitInfo::default();
    if let Ok(repo) = gix::discover(root) {
        if let Ok(id) = repo.head_id() {
            info.sha = Some(id.to_string());
            if let Ok(refs) = repo.references()
                && let Ok(tags) = refs.tags()
            {
                let mut names: Vec<String> = tags
                    .flatten()
                    .filter_map(|mut r| {
                        let target = r.peel_to_id().ok()?;
                        (target == id).then(|| r.name().shorten().to_string())
                    })
                    .collect();
                names.sort();
                info.tag = names.into_iter().next();
            }
        }
        if let Ok(Some(name)) = repo.head_name() {
            info.branch = Some(name.shorten().to_string());
        }
    }
    if flags.git_sha.is_some() {
        info.sha = flags.git_sha.clone();
    }
    if flags.git_branch.is_some() {
        info.branch = flags.git_branch.clone();
    }
    if flags.git_tag.is_some() {
        info.tag = flags.git_tag.clone();
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_name_holds_every_subcommand_and_no_argument() {
        let name =
            |args: &[&str]| command_name(&Cli::command().try_get_matches_from(args).unwrap());
        assert_eq!(
            name(&["kiln", "check", "--set", "web.replicas=3"]),
            "kiln check"
        );
        assert_eq!(
            name(&["kiln", "--quiet", "explain", "staging", "web"]),
            "kiln explain"
        );
        assert_eq!(
            name(&["kiln", "preview", "up", "pr-42", "--env", "preview"]),
            "kiln preview up"
        );
        assert_eq!(
            name(&["kiln", "set", "image", "web=nginx:1"]),
            "kiln set image"
        );
    }
}
