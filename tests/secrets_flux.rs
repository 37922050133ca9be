//! SOPS decryption in the Flux objects kiln writes (PLATFORM.md
//! "Secrets"), through the binary against a local bare repository with git
//! sealed: `bootstrap --sops-secret`, per-env and per-app Kustomizations
//! kept in step by commits, and the warning for an env commits cannot keep.
//! Every test ends with `git fsck --strict`.

use serde_json::Value;

const EPOCH: i64 = 1_700_000_000;

mod common;

use common::stderr;

use common::flux::valid_flux_objects;
use common::world::World;

/// The shop of the secrets fixture: ExternalSecrets, SOPS files and
/// SealedSecrets in two envs.
fn secrets_world() -> World {
    World::copy_of(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid/secrets"),
    )
}

/// The Kustomization in `text` (the second document of `flux/<env>.yaml`,
/// or the only one of a per-app file), validated.
fn kustomization(text: &str) -> Value {
    let objs = valid_flux_objects(text);
    objs.into_iter()
        .find(|o| o["kind"] == "Kustomization")
        .expect("a Kustomization")
}

#[test]
fn envs_holding_sops_secrets_decrypt_with_the_named_key() {
    let w = secrets_world();
    let url = "https://git.example.com/acme/shop-gitops.git";
    let out = w.kiln(&["bootstrap", "--url", url, "--sops-secret", "sops-age"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("kubectl -n flux-system create secret generic sops-age"),
        "{}",
        stderr(&out)
    );
    for env in ["staging", "production"] {
        let k = kustomization(&w.show("main", &format!("flux/{env}.yaml")));
        assert_eq!(
            k["spec"]["decryption"],
            serde_json::json!({"provider": "sops", "secretRef": {"name": "sops-age"}}),
            "{env}"
        );
    }
    // Without `--sops-secret`: Flux decrypts with its controller's own
    // credentials, and bootstrap says how to give it a key.
    let w = secrets_world();
    let out = w.kiln(&["bootstrap", "--url", url, "--env", "staging"]);
    assert!(
        stderr(&out).contains("env `staging` holds SOPS-encrypted Secrets"),
        "{}",
        stderr(&out)
    );
    let k = kustomization(&w.show("main", "flux/staging.yaml"));
    assert_eq!(
        k["spec"]["decryption"],
        serde_json::json!({"provider": "sops"})
    );
    // An env without SOPS secrets decrypts nothing.
    let w = World::new();
    w.ok(
        EPOCH,
        &["bootstrap", "--url", url, "--sops-secret", "sops-age"],
    );
    let k = kustomization(&w.show("main", "flux/production.yaml"));
    assert_eq!(k["spec"].get("decryption"), None);
    assert_eq!(
        w.kiln(&["bootstrap", "--url", url, "--sops-secret", "Not A Name"])
            .status
            .code(),
        Some(2)
    );
    w.fsck();
}

#[test]
fn a_commit_makes_the_env_kustomization_decrypt_when_the_env_gains_sops_secrets() {
    let w = secrets_world();
    let url = "https://git.example.com/acme/shop-gitops.git";
    let apps = w.project().join("apps.kdl");
    let text = std::fs::read_to_string(&apps).unwrap();
    let without = text.replace(
        "    secret \"web-tls\" sops=",
        "    // secret \"web-tls\" sops=",
    );
    std::fs::write(&apps, &without).unwrap();
    w.ok(EPOCH, &["bootstrap", "--url", url, "--env", "staging"]);
    let k = kustomization(&w.show("main", "flux/staging.yaml"));
    assert_eq!(k["spec"].get("decryption"), None);
    // The env's own Kustomization is kept in step by commits (bootstrap
    // recorded the env in `.kiln/flux.json`): it decrypts from the commit
    // that brings the first SOPS file, quietly.
    std::fs::write(&apps, &text).unwrap();
    let out = w.kiln_at(EPOCH + 60, &["commit", "--env", "staging"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("holds SOPS-encrypted Secrets"),
        "{}",
        stderr(&out)
    );
    assert!(w.touched("main").contains(&"flux/staging.yaml".to_string()));
    let k = kustomization(&w.show("main", "flux/staging.yaml"));
    assert_eq!(
        k["spec"]["decryption"],
        serde_json::json!({"provider": "sops"})
    );
    w.fsck();
}

#[test]
fn a_commit_warns_when_an_env_an_older_kiln_bootstrapped_cannot_decrypt() {
    let w = secrets_world();
    let url = "https://git.example.com/acme/shop-gitops.git";
    let apps = w.project().join("apps.kdl");
    let text = std::fs::read_to_string(&apps).unwrap();
    let without = text.replace(
        "    secret \"web-tls\" sops=",
        "    // secret \"web-tls\" sops=",
    );
    std::fs::write(&apps, &without).unwrap();
    w.ok(EPOCH, &["bootstrap", "--url", url, "--env", "staging"]);
    // An older kiln recorded no `.kiln/flux.json` for an env set up
    // without a Kustomization per app: commits cannot keep its file.
    w.git(&["clone", "-q", "gitops.git", "work"]);
    let work = w.home().join("work");
    w.git_in(&work, &["rm", "-q", "staging/.kiln/flux.json"]);
    w.git_in(&work, &["commit", "-qm", "as an older kiln left it"]);
    w.git_in(&work, &["push", "-q", "origin", "main"]);
    std::fs::write(&apps, &text).unwrap();
    let out = w.kiln_at(EPOCH + 60, &["commit", "--env", "staging"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: env `staging` holds SOPS-encrypted Secrets, but its Flux Kustomization (flux/staging.yaml) does not decrypt them"),
        "{}",
        stderr(&out)
    );
    // Bootstrapped again, it decrypts, and the next commit is quiet.
    w.ok(
        EPOCH + 120,
        &["bootstrap", "--url", url, "--env", "staging"],
    );
    let k = kustomization(&w.show("main", "flux/staging.yaml"));
    assert_eq!(k["spec"]["decryption"]["provider"], "sops");
    let out = w.kiln_at(
        EPOCH + 180,
        &["commit", "--env", "staging", "--set", "web.replicas=3"],
    );
    assert!(stderr(&out).contains("committed"), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("holds SOPS-encrypted Secrets"),
        "{}",
        stderr(&out)
    );
    w.fsck();
}

#[test]
fn per_app_kustomizations_decrypt_the_apps_holding_sops_secrets() {
    let w = secrets_world();
    let url = "https://git.example.com/acme/shop-gitops.git";
    w.ok(
        EPOCH,
        &[
            "bootstrap",
            "--url",
            url,
            "--per-app",
            "--sops-secret",
            "sops-age",
        ],
    );
    // The env's own Kustomization applies only the apps' Kustomizations.
    let env = kustomization(&w.show("main", "flux/staging.yaml"));
    assert_eq!(env["spec"].get("decryption"), None);
    w.ok(EPOCH + 60, &["commit", "--env", "staging"]);
    let web = kustomization(&w.show("main", "flux/staging/web.yaml"));
    assert_eq!(
        web["spec"]["decryption"],
        serde_json::json!({"provider": "sops", "secretRef": {"name": "sops-age"}})
    );
    let worker = kustomization(&w.show("main", "flux/staging/worker.yaml"));
    assert_eq!(worker["spec"].get("decryption"), None);
    // The SOPS file went in as it is.
    let input =
        std::fs::read_to_string(w.project().join("secrets/staging/web-tls.sops.yaml")).unwrap();
    assert_eq!(
        w.show("main", "staging/web/secret-web-tls.yaml") + "\n",
        input
    );
    // An app that stops holding one stops decrypting, in the same commit.
    let apps = w.project().join("apps.kdl");
    let text = std::fs::read_to_string(&apps).unwrap();
    std::fs::write(
        &apps,
        text.replace(
            "    secret \"web-tls\" sops=",
            "    // secret \"web-tls\" sops=",
        ),
    )
    .unwrap();
    w.ok(EPOCH + 120, &["commit", "--env", "staging"]);
    let web = kustomization(&w.show("main", "flux/staging/web.yaml"));
    assert_eq!(web["spec"].get("decryption"), None);
    w.fsck();
}
