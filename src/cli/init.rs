//! `kiln init [DIR]`: a project that checks and renders at once.

use std::path::PathBuf;

use clap::Args;

use super::Context;

/// `kiln init` flags.
#[derive(Args, Debug)]
pub struct InitArgs {
    /// Where to create the project (default: the current directory)
    dir: Option<PathBuf>,
}

const KILN_KDL: &str = r#"// The project: its name, and where `kiln commit` writes by default.
project "NAME" {
    labels team="my-team"
}

// Environments. `kiln render` writes one folder per env.
env "staging" {
    vars tag="6.14.1"
    deploy branch="main"
    app "hello" {
        replicas 1
        lint-allow "single-replica" reason="staging runs one pod: a restart there may drop requests"
    }
}

env "production" {
    vars tag="6.14.0"
    deploy tag="v*"
}
"#;

const APP_KDL: &str = r#"// One app. `kiln schema web-service` lists every parameter; `kiln lint
// --list` the practices `kiln check` holds it to.
app "hello" {
    image "ghcr.io/stefanprodan/podinfo:{{ vars.tag }}"
    replicas 2
    port 9898 name="http" service-port=80
    env "PODINFO_UI_MESSAGE" "hello from kiln"
    resources cpu="100m" memory="64Mi" memory-limit="128Mi"
    probe "readiness" http="/readyz" port="http"
    probe "liveness" http="/healthz" port="http"
    security run-as-user=65534 run-as-non-root=#true read-only-root=#true
    pdb max-unavailable=1
    spread-across-nodes #true
}
"#;

/// Writes `kiln.kdl`, `apps.kdl` and `.gitignore`, refusing to overwrite.
pub fn run(ctx: &Context, args: InitArgs) -> i32 {
    let dir = args.dir.unwrap_or_else(|| PathBuf::from("."));
    let kiln = dir.join("kiln.kdl");
    if kiln.exists() {
        eprintln!("error[kiln::init]: `{}` already exists", kiln.display());
        eprintln!("  help: kiln init never overwrites a project; pick an empty directory");
        return super::EXIT_ERRORS;
    }
    for f in ["apps.kdl", ".gitignore"] {
        if dir.join(f).exists() {
            eprintln!(
                "error[kiln::init]: `{}` already exists",
                dir.join(f).display()
            );
            eprintln!("  help: kiln init never overwrites files; pick an empty directory");
            return super::EXIT_ERRORS;
        }
    }
    let name = std::fs::canonicalize(&dir)
        .ok()
        .or_else(|| std::env::current_dir().ok().map(|c| c.join(&dir)))
        .and_then(|p| {
            p.file_name()
                .map(|n| crate::check::types::dns_label(&n.to_string_lossy()))
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "my-project".to_string());
    let result = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join("apps.kdl"), APP_KDL))
        .and_then(|()| std::fs::write(dir.join(".gitignore"), "/rendered\n"))
        .and_then(|()| std::fs::write(&kiln, KILN_KDL.replace("NAME", &name)));
    if let Err(e) = result {
        eprintln!(
            "error[kiln::init]: cannot write the project into `{}`: {e}",
            dir.display()
        );
        return super::EXIT_ERRORS;
    }
    if !ctx.global.quiet {
        eprintln!("created project `{name}` in {}", dir.display());
        eprintln!(
            "next: `kiln check`, then `kiln render` (writes rendered/staging and rendered/production)"
        );
    }
    0
}
