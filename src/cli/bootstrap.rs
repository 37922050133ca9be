//! `kiln bootstrap`: commit the Flux objects that make a cluster follow the
//! gitops repository, and say how to install Flux and apply them.

use clap::Args;

use super::Context;
use super::commit::report_gitops_error;
use super::gitops_flags::{GitopsFlags, env_folder, setup};
use crate::gitops::{self, Bootstrap};

/// `kiln bootstrap` flags.
#[derive(Args, Debug)]
pub struct BootstrapArgs {
    /// The URL the cluster clones the gitops repository from
    #[arg(long, value_name = "URL")]
    url: String,
    /// Bootstrap only this env (repeatable; default: every env that is not a preview template)
    #[arg(long = "env", value_name = "ENV")]
    envs: Vec<String>,
    /// One Flux Kustomization per app, so one broken app never blocks the rest
    #[arg(long)]
    per_app: bool,
    /// Make Flux verify the signature of every commit it applies, with the public keys in this Secret
    #[arg(long, value_name = "SECRET")]
    verify_secret: Option<String>,
    /// The Secret (in flux-system) holding the key Flux decrypts SOPS-encrypted Secrets with
    #[arg(long, value_name = "SECRET")]
    sops_secret: Option<String>,
    #[command(flatten)]
    gitops: GitopsFlags,
}

/// Writes and commits the Flux objects.
pub fn run(ctx: &Context, args: BootstrapArgs) -> i32 {
    let (model, target, opts) = match setup(ctx, &args.gitops) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let names: Vec<String> = if !args.envs.is_empty() {
        args.envs.clone()
    } else if let Some(m) = &model {
        m.envs
            .values()
            .filter(|e| e.preview.is_none())
            .map(|e| e.name.value.clone())
            .collect()
    } else {
        eprintln!("error: no env to bootstrap");
        eprintln!("  help: pass `--env ENV`, or run inside a project to bootstrap all its envs");
        return 2;
    };
    let mut envs = Vec::new();
    for name in names {
        let template = model
            .as_ref()
            .and_then(|m| m.envs.get(&name))
            .is_some_and(|e| e.preview.is_some());
        if let Some(m) = &model
            && !m.envs.contains_key(&name)
        {
            eprintln!("error: no env named `{name}`");
            return 2;
        }
        // A preview template's previews all live under `previews/`.
        let folder = if template {
            "previews".to_string()
        } else {
            env_folder(model.as_ref(), &name)
        };
        envs.push((name, folder));
    }
    for (flag, secret, example) in [
        ("--verify-secret", &args.verify_secret, "flux-signing-keys"),
        ("--sops-secret", &args.sops_secret, "sops-age"),
    ] {
        if let Some(secret) = secret
            && !is_secret_name(secret)
        {
            eprintln!("error: `{flag} {secret}` is not a Secret name");
            eprintln!(
                "  help: a Secret name is lower-case letters, digits, `-` and `.`, such as `{example}`"
            );
            return 2;
        }
    }
    let sops_envs = model
        .as_ref()
        .map(|m| {
            m.envs
                .values()
                .filter(|e| crate::resolve::secrets::env_declares_sops(m, e))
                .map(|e| e.name.value.clone())
                .collect()
        })
        .unwrap_or_default();
    let spec = Bootstrap {
        url: gitops::redact(&args.url),
        envs,
        per_app: args.per_app,
        verify_secret: args.verify_secret.clone(),
        sops_secret: args.sops_secret.clone(),
        sops_envs,
    };
    match gitops::bootstrap(&target, &spec, &opts) {
        Ok(commit) => {
            if !ctx.global.quiet {
                match &commit {
                    Some(c) => eprintln!(
                        "committed {} to {} ({})",
                        &c[..c.len().min(12)],
                        opts.branch,
                        gitops::redact(&target)
                    ),
                    None => eprintln!("up to date: the Flux objects are already there"),
                }
                eprintln!();
                eprintln!(
                    "kiln does not install Flux itself. To make a cluster follow these envs:"
                );
                eprintln!("  1. install Flux's controllers:   flux install");
                eprintln!(
                    "  2. if the repository is private, give Flux a secret to clone it\n     (`flux create secret git …`) and add `secretRef` to the GitRepository"
                );
                if let Some(secret) = &spec.verify_secret {
                    eprintln!(
                        "     Flux applies only commits signed by a key in Secret `{secret}`:\n     kubectl -n flux-system create secret generic {secret} --from-file=team.asc=KEY.asc   (or team.sshpub=KEY.pub)"
                    );
                }
                sops_hint(&spec);
                let files: Vec<String> = spec
                    .envs
                    .iter()
                    .map(|(e, _)| format!("-f flux/{e}.yaml"))
                    .collect();
                eprintln!(
                    "  3. apply the objects, from a checkout of the branch:   kubectl apply {}",
                    files.join(" ")
                );
                eprintln!("  then watch them with `flux get kustomizations`");
            }
            if let Some(c) = commit {
                println!("{c}");
            }
            0
        }
        Err(e) => report_gitops_error(&e),
    }
}

/// True for a name a Secret can have: a DNS subdomain.
fn is_secret_name(s: &str) -> bool {
    crate::check::types::check(
        crate::check::types::Type::Secret,
        &crate::check::value::Value::String(s.to_string()),
        &Default::default(),
    )
    .is_ok()
}

/// How Flux gets the SOPS key, when the project holds SOPS secrets.
fn sops_hint(spec: &Bootstrap) {
    let bootstrapped: Vec<&str> = spec
        .envs
        .iter()
        .map(|(e, _)| e.as_str())
        .filter(|e| spec.sops_envs.contains(*e))
        .collect();
    if bootstrapped.is_empty() && spec.sops_secret.is_none() {
        return;
    }
    match &spec.sops_secret {
        Some(secret) => eprintln!(
            "     Flux decrypts SOPS-encrypted Secrets with the key in Secret `{secret}`:\n     kubectl -n flux-system create secret generic {secret} --from-file=age.agekey=KEY   (or sops.asc=KEY.asc for OpenPGP)"
        ),
        None => eprintln!(
            "     {} {}: Flux decrypts them with its controller's own\n     credentials (a cloud KMS); to give it a key instead, bootstrap again with `--sops-secret NAME`",
            if bootstrapped.len() == 1 {
                "env"
            } else {
                "envs"
            },
            bootstrapped
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
                + if bootstrapped.len() == 1 {
                    " holds SOPS-encrypted Secrets"
                } else {
                    " hold SOPS-encrypted Secrets"
                }
        ),
    }
}
