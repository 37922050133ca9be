//! SOPS decryption in the Flux Kustomizations kiln writes (PLATFORM.md
//! "Secrets"): a Kustomization whose path holds a SOPS-encrypted Secret
//! gets `decryption: {provider: sops}`, with `secretRef` when `kiln
//! bootstrap --sops-secret NAME` named the Secret that holds the key (else
//! Flux uses its controller's own credentials, a cloud KMS say). Whether a
//! folder holds one is read from the tree, so that every commit keeps the
//! per-app Kustomizations in step with the secrets apps gain and lose.

use gix::ObjectId;

use super::{GitopsError, tree};
use crate::render::secrets::sops::has_sops;

/// The `decryption` lines of a Kustomization's `spec` (indented for it),
/// or nothing when the folder holds no SOPS file.
pub(crate) fn block(holds_sops: bool, secret: Option<&str>) -> String {
    if !holds_sops {
        return String::new();
    }
    let mut out = String::from("  decryption:\n    provider: sops\n");
    if let Some(secret) = secret {
        out.push_str(&format!(
            "    secretRef:\n      name: {}\n",
            serde_json::Value::String(secret.to_string())
        ));
    }
    out
}

/// Whether the app folder `dir` of `root` holds a SOPS-encrypted Secret:
/// a `secret-*.yaml` file with a top-level `sops` section.
pub(crate) fn app_holds_sops(
    repo: &gix::Repository,
    display: &str,
    root: ObjectId,
    dir: &str,
) -> Result<bool, GitopsError> {
    for (name, id) in tree::blobs(repo, display, root, dir)? {
        if is_secret_file(&name) && is_sops(&tree::read(repo, display, id)?) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// True for the name of a file holding a Secret: `secret-<name>.yaml`.
fn is_secret_file(name: &str) -> bool {
    name.starts_with("secret-") && name.ends_with(".yaml")
}

/// True for the bytes of a Secret with a top-level `sops` section.
fn is_sops(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| crate::render::yaml::from_yaml_documents(text).ok())
        .is_some_and(|docs| docs.iter().any(has_sops))
}

/// Whether the rendered env holds a SOPS-encrypted Secret.
pub(crate) fn output_holds_sops(env: &crate::output::EnvOutput) -> bool {
    env.apps.values().any(|a| {
        a.files
            .iter()
            .any(|(name, bytes)| is_secret_file(name) && is_sops(bytes))
    })
}

/// Whether any app folder of the env folder `folder` holds one.
pub(crate) fn env_holds_sops(
    repo: &gix::Repository,
    display: &str,
    root: ObjectId,
    folder: &str,
) -> Result<bool, GitopsError> {
    for app in tree::subtrees(repo, display, root, folder)? {
        if !app.starts_with('.') && app_holds_sops(repo, display, root, &format!("{folder}/{app}"))?
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The envs of `envs` (name and folder of envs whose render holds a SOPS
/// Secret) whose env Kustomization (`flux/<env>.yaml`, written by `kiln
/// bootstrap` without a Kustomization per app) does not decrypt, in the
/// tree `root` a commit made: a commit brings that file in step only when
/// bootstrap recorded the env in `.kiln/flux.json` (an older kiln did not)
/// and the file is as kiln wrote it, so otherwise it says so.
pub(crate) fn undecrypted(
    repo: &gix::Repository,
    display: &str,
    root: ObjectId,
    envs: &[(&str, &str)],
) -> Result<Vec<String>, GitopsError> {
    let mut out = Vec::new();
    for (env, folder) in envs {
        let folder = folder.trim_matches('/');
        let state_path = format!("{folder}/.kiln/flux.json");
        let per_app = match tree::blob_at(repo, display, root, &state_path)? {
            Some(bytes) => tree::parse_json::<super::flux::FluxState>(&state_path, &bytes)?.per_app,
            None => false,
        };
        let Some(flux) = tree::blob_at(
            repo,
            display,
            root,
            &format!("{}/{env}.yaml", super::flux::FLUX_DIR),
        )?
        else {
            continue;
        };
        if !per_app && !String::from_utf8_lossy(&flux).contains("\n  decryption:\n") {
            out.push(env.to_string());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::block;

    #[test]
    fn decryption_names_the_key_secret_when_given() {
        assert_eq!(block(false, Some("sops-age")), "");
        assert_eq!(block(true, None), "  decryption:\n    provider: sops\n");
        assert_eq!(
            block(true, Some("sops-age")),
            "  decryption:\n    provider: sops\n    secretRef:\n      name: \"sops-age\"\n"
        );
    }
}
