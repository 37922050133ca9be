//! Secrets (PLATFORM.md "Secrets") through the library and the binary:
//! each backend rendered, SOPS files copied byte for byte, a flavor's
//! ExternalSecret for every app, sealed scopes, and no plain value in any
//! diagnostic. The diagnostics of each mistake are pinned by the invalid
//! fixtures `secret-*`; the Flux side by `tests/secrets_flux.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;

use kiln::compile::{Compiled, Request, Selection, compile};
use kiln::diag::{Format, render};
use kiln::world::DiskWorld;
use sha2::{Digest, Sha256};

fn fixture(kind: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind)
        .join(name)
}

fn check(dir: &Path) -> Compiled {
    let root = std::fs::canonicalize(dir).unwrap();
    let req = Request {
        selection: Selection::Everything,
        ..Default::default()
    };
    compile(&DiskWorld, &root, &req, None)
}

fn kiln(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kiln"))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("kiln runs")
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The rendered file `path` of `env`.
fn file<'c>(c: &'c Compiled, env: &str, app: &str, name: &str) -> &'c [u8] {
    let e = c.envs.iter().find(|e| e.env == env).expect("env rendered");
    e.apps[app]
        .files
        .get(name)
        .unwrap_or_else(|| panic!("{env}/{app}/{name} in {:?}", e.apps[app].files.keys()))
}

fn yaml(bytes: &[u8]) -> serde_json::Value {
    serde_saphyr::from_str(std::str::from_utf8(bytes).unwrap()).unwrap()
}

#[test]
fn sops_files_are_written_byte_for_byte() {
    let dir = fixture("valid", "secrets");
    let out = tempfile::tempdir().unwrap();
    let run = kiln(&[
        "render",
        "--project",
        dir.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for env in ["staging", "production"] {
        let input = std::fs::read(dir.join(format!("secrets/{env}/web-tls.sops.yaml"))).unwrap();
        let output =
            std::fs::read(out.path().join(format!("{env}/web/secret-web-tls.yaml"))).unwrap();
        assert_eq!(sha256(&input), sha256(&output), "{env}: hash in = hash out");
    }
    // The stream holds it whole too, between its neighbours.
    let stream = kiln(&["render", "--project", dir.to_str().unwrap(), "--stdout"]);
    assert!(stream.status.success());
    let input = std::fs::read_to_string(dir.join("secrets/staging/web-tls.sops.yaml")).unwrap();
    assert!(String::from_utf8_lossy(&stream.stdout).contains(&format!("---\n{input}---\n")));
}

#[test]
fn a_flavor_gives_every_app_of_an_env_its_own_external_secret() {
    let c = check(&fixture("valid", "secrets"));
    assert!(!c.diags.has_errors(), "{:?}", c.diags.0);
    for app in ["web", "worker"] {
        let es = yaml(file(
            &c,
            "staging",
            app,
            &format!("externalsecret-{app}-db.yaml"),
        ));
        assert_eq!(es["apiVersion"], "external-secrets.io/v1");
        assert_eq!(es["metadata"]["namespace"], "shop-staging");
        assert_eq!(es["spec"]["target"]["name"], format!("{app}-db"));
        assert_eq!(es["spec"]["secretStoreRef"]["kind"], "ClusterSecretStore");
        assert_eq!(es["spec"]["refreshInterval"], "30m");
        assert_eq!(
            es["spec"]["data"][0]["remoteRef"]["key"],
            format!("staging/{app}/db")
        );
    }
    // The env's block replaces the flavor's entry of the same evaluated name.
    let es = yaml(file(&c, "production", "web", "externalsecret-web-db.yaml"));
    assert_eq!(es["spec"]["secretStoreRef"]["name"], "vault-production");
    assert_eq!(es["spec"]["secretStoreRef"]["kind"], "SecretStore");
    assert_eq!(es["spec"]["refreshInterval"], "1h");
    assert_eq!(es["spec"]["data"].as_array().unwrap().len(), 1);
    assert_eq!(es["spec"]["data"][0]["remoteRef"]["version"], "3");
}

#[test]
fn sealed_secrets_take_the_name_and_namespace_their_scope_allows() {
    let c = check(&fixture("valid", "secrets"));
    for (env, ns) in [
        ("staging", "shop-staging"),
        ("production", "shop-production"),
    ] {
        // Cluster-wide: sealed as `api-token` in `sealed-secrets`, used anywhere.
        let s = yaml(file(&c, env, "web", "sealedsecret-web-api.yaml"));
        assert_eq!(s["metadata"]["name"], "web-api");
        assert_eq!(s["metadata"]["namespace"], ns);
        assert_eq!(s["spec"]["template"]["metadata"]["name"], "web-api");
        let s = yaml(file(&c, env, "worker", "sealedsecret-signing-key.yaml"));
        assert_eq!(s["metadata"]["name"], "signing-key");
        assert_eq!(s["metadata"]["namespace"], ns);
    }
    // Strict, for the very namespace: kept as sealed, kiln's labels added.
    let s = yaml(file(
        &c,
        "production",
        "worker",
        "sealedsecret-signing-key.yaml",
    ));
    assert_eq!(s["metadata"]["labels"]["app.kubernetes.io/name"], "worker");
    assert!(
        s["spec"]["encryptedData"]["private.pem"]
            .as_str()
            .unwrap()
            .starts_with("AgB")
    );
}

#[test]
fn secrets_made_elsewhere_are_allowed_and_reported_by_verbose() {
    let dir = fixture("valid", "secrets");
    let run = kiln(&["check", "--project", dir.to_str().unwrap(), "-v"]);
    assert!(run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("app `web` uses Secret `regcred`: managed outside kiln"),
        "{err}"
    );
    assert!(
        err.contains("app `web` uses Secret `web-db`: the ExternalSecret of app `web`"),
        "{err}"
    );
    assert!(
        err.contains("app `web` uses Secret `web-tls`: the SOPS Secret of app `web`"),
        "{err}"
    );
    assert!(
        err.contains("app `worker` uses Secret `signing-key`: the SealedSecret of app `worker`"),
        "{err}"
    );
}

#[test]
fn explain_shows_where_each_secret_comes_from_and_no_value() {
    let dir = fixture("valid", "secrets");
    let run = kiln(&[
        "explain",
        "--project",
        dir.to_str().unwrap(),
        "production",
        "web",
        "secret",
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(
        out.contains(
            "secret web-db = ExternalSecret from SecretStore `vault-production`, keys url"
        ),
        "{out}"
    );
    assert!(
        out.contains("overridden, was flavor `db-per-app` at kiln.kdl:8:5"),
        "{out}"
    );
    assert!(
        out.contains("set by env override at kiln.kdl:24:9"),
        "{out}"
    );
    assert!(
        out.contains(
            "secret web-tls = SOPS-encrypted Secret `secrets/production/web-tls.sops.yaml`"
        ),
        "{out}"
    );
    assert!(!out.contains("ENC["), "{out}");
}

/// The plain values of the refused fixtures (`hunter2-plaintext`, and its
/// base64) appear in no diagnostic, in any format.
#[test]
fn no_diagnostic_shows_a_plain_value() {
    for name in [
        "secret-sops-plaintext",
        "secret-sops-half-encrypted",
        "secret-sealed-plain-secret",
    ] {
        let c = check(&fixture("invalid", name));
        assert!(c.diags.has_errors(), "{name}");
        for format in [
            Format::Human,
            Format::Short,
            Format::Json,
            Format::Github,
            Format::Sarif,
        ] {
            let text = render(&c.diags.0, &c.sources, format, false);
            for plain in ["hunter2", "aHVudGVy"] {
                assert!(!text.contains(plain), "{name} {format:?}: {text}");
            }
        }
        assert!(c.envs.is_empty(), "{name}: nothing is rendered");
    }
}
