//! The warning of PLATFORM.md "Ordering" that only the gitops repository
//! can decide: whether an env has a Flux Kustomization per app (`kiln
//! bootstrap --per-app`, recorded in `<env>/.kiln/flux.json`), without
//! which `depends-on` cannot be kept. `commit`, `diff` and `preview up`
//! give it, before they write or print anything.

use super::Context;
use crate::compile::Compiled;
use crate::gitops;
use crate::render::order::not_kept;

/// Prints the warnings for the envs of `compiled` whose apps' order cannot
/// be kept at `branch` of `target`; an exit code when they must stop the
/// command (`--deny-warnings`). A repository that cannot be read gives no
/// warning: the command itself reports it.
pub fn warn_unkept(
    ctx: &Context,
    compiled: &Compiled,
    target: &str,
    opts: &gitops::CommitOptions,
    preview: Option<&str>,
) -> Result<(), i32> {
    let wants = |e: &crate::output::EnvOutput| {
        e.apps
            .values()
            .any(|a| a.depends_on.iter().any(|d| d.declared.is_some()) || !a.flux.is_empty())
    };
    let asking: Vec<&crate::output::EnvOutput> =
        compiled.envs.iter().filter(|e| wants(e)).collect();
    if asking.is_empty() {
        return Ok(());
    }
    let per_app = match preview {
        Some(_) => Default::default(),
        None => {
            let folders: Vec<String> = asking.iter().map(|e| e.folder.clone()).collect();
            match gitops::per_app_folders(target, &opts.branch, &opts.cache_dir, &folders) {
                Ok(f) => f,
                Err(_) => return Ok(()),
            }
        }
    };
    let diags: Vec<_> = asking
        .iter()
        .filter(|e| !per_app.contains(e.folder.trim_matches('/')))
        .filter_map(|e| {
            let def = preview.unwrap_or(&e.env);
            not_kept(&compiled.model, def, e, preview.is_some())
        })
        .collect();
    if diags.is_empty() {
        return Ok(());
    }
    ctx.emit(&diags, &compiled.sources, None);
    match ctx.exit_for(&diags) {
        0 => Ok(()),
        code => Err(code),
    }
}
