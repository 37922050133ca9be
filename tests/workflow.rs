//! The release workflow through the binary, git sealed: `kiln set image`
//! (in-place edits of the project), `kiln promote`, a release per change,
//! and `bootstrap --verify-secret`. Signing has its own file (sign.rs).

use std::path::Path;
use std::process::Output;

use serde_json::Value;

mod common;

use common::{stderr, stdout};

use common::EPOCH;
use common::flux::valid_flux_objects;
use common::world::World;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Status, stdout and stderr of a run, for snapshots.
fn run_text(out: &Output) -> String {
    format!(
        "status: {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        stdout(out),
        stderr(out)
    )
}

/// `kiln set image ARGS` on the world's project.
fn set_image(w: &World, args: &[&str]) -> Output {
    let mut all = vec!["set", "image"];
    all.extend_from_slice(args);
    w.kiln_plain(&all)
}

/// `kiln history --format json` of one app in one env.
fn history_json(w: &World, env: &str, app: &str) -> Value {
    json(&w.ok(
        EPOCH,
        &["history", "--env", env, "--app", app, "--format", "json"],
    ))
}

/// A world whose project is `kdl` as `kiln.kdl` alone.
fn project(kdl: &str) -> World {
    let w = World::new();
    let dir = w.project();
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("kiln.kdl"), kdl).unwrap();
    w
}

// ---------------------------------------------------------------------------
// kiln set image

#[test]
fn set_image_sets_the_var_of_a_templated_image_in_the_env() {
    let w = World::new();
    let path = w.project().join("kiln.kdl");
    let before = read(&path);
    let out = set_image(
        &w,
        &["web=ghcr.io/acme/shop-web:1.9.0", "--env", "production"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "kiln.kdl\n", "the files written");
    // Exactly the var changed: every other byte is as it was.
    assert_eq!(
        read(&path),
        before.replace(
            "vars domain=\"shop.example.com\" tag=\"1.8.2\"",
            "vars domain=\"shop.example.com\" tag=\"1.9.0\""
        )
    );
    // The var is shared: every image that reads it moves, and says so.
    let err = stderr(&out);
    for app in ["web", "worker", "report"] {
        assert!(
            err.contains(&format!(
                "{app} in production: ghcr.io/acme/shop-{app}:1.8.2 → ghcr.io/acme/shop-{app}:1.9.0"
            )),
            "{err}"
        );
    }
    assert!(!err.contains("staging"), "{err}");
    assert!(w.kiln_plain(&["check"]).status.success());

    // Again: already set, nothing written, exit 0.
    let again = set_image(
        &w,
        &["web=ghcr.io/acme/shop-web:1.9.0", "--env", "production"],
    );
    assert!(again.status.success());
    assert_eq!(stdout(&again), "");
    assert!(stderr(&again).contains("already set"), "{}", stderr(&again));
}

#[test]
fn set_image_without_env_sets_the_var_in_every_env_that_runs_the_template() {
    let w = World::new();
    let path = w.project().join("kiln.kdl");
    let before = read(&path);
    let out = set_image(
        &w,
        &[
            "web=ghcr.io/acme/shop-web:2.0.0",
            "worker=ghcr.io/acme/shop-worker:2.0.0",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let after = read(&path);
    assert_eq!(after.matches("tag=\"2.0.0\"").count(), 3, "{after}");
    assert_eq!(
        after.replace("tag=\"2.0.0\"", "tag=\"main\"").replace(
            "domain=\"shop.example.com\" tag=\"main\"",
            "domain=\"shop.example.com\" tag=\"1.8.2\""
        ),
        before,
        "only the three tags changed"
    );
    assert!(w.kiln_plain(&["check"]).status.success());
}

#[test]
fn set_image_dry_run_prints_the_diff_and_writes_nothing() {
    let w = World::new();
    let path = w.project().join("kiln.kdl");
    let before = read(&path);
    let out = set_image(
        &w,
        &[
            "web=ghcr.io/acme/shop-web:1.9.0",
            "--env",
            "staging",
            "--dry-run",
        ],
    );
    assert_eq!(read(&path), before, "nothing written");
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!("set_image_dry_run", run_text(&out));
    });
}

const LITERAL: &str = r#"// literal images, two-space indent
project "lit" {
  gitops "../gitops.git"
}

app "web" {
  image "ghcr.io/acme/web:1.0" // bumped by renovate
  port 8080 name="http"
}

app "api" {
  envs "staging" "production"
  image "{{ vars.registry }}/api:v{{ vars.tag }}-alpine"
  port 8080 name="http"
}

env "staging" {
  vars registry="ghcr.io/acme" tag="2.0"
}
env "production" {
  vars registry="ghcr.io/acme" tag="1.0"; namespace "prod"
  app "web" { replicas 3 }
}
env "qa"
env "canary" {
  app "web" {
    image "ghcr.io/acme/web:0.9-canary"
  }
}
"#;

#[test]
fn set_image_edits_literal_images_where_they_are_written() {
    let w = project(LITERAL);
    let path = w.project().join("kiln.kdl");
    // Without --env: the app's own image; canary keeps its own, with a note.
    let out = set_image(&w, &["web=ghcr.io/acme/web:1.1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        read(&path),
        LITERAL.replace(
            "image \"ghcr.io/acme/web:1.0\" // bumped",
            "image \"ghcr.io/acme/web:1.1\" // bumped"
        )
    );
    assert!(
        stderr(&out).contains("note: env `canary` sets its own image of `web`"),
        "{}",
        stderr(&out)
    );
    // With --env: added to the env's app block, or a block added, each
    // indented like its surroundings; an env's own image replaced.
    std::fs::write(&path, LITERAL).unwrap();
    let out = set_image(
        &w,
        &[
            "web=ghcr.io/acme/web:2.0",
            "--env",
            "staging",
            "--env",
            "production",
            "--env",
            "qa",
            "--env",
            "canary",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = LITERAL
        .replace(
            "  vars registry=\"ghcr.io/acme\" tag=\"2.0\"\n}",
            "  vars registry=\"ghcr.io/acme\" tag=\"2.0\"\n  app \"web\" {\n    image \"ghcr.io/acme/web:2.0\"\n  }\n}",
        )
        .replace(
            "app \"web\" { replicas 3 }",
            "app \"web\" { replicas 3; image \"ghcr.io/acme/web:2.0\" }",
        )
        .replace(
            "env \"qa\"\n",
            "env \"qa\" {\n  app \"web\" {\n    image \"ghcr.io/acme/web:2.0\"\n  }\n}\n",
        )
        .replace("web:0.9-canary", "web:2.0");
    assert_eq!(read(&path), expected);
    assert!(w.kiln_plain(&["check"]).status.success());
    // A template with a prefix, a suffix and another var.
    let out = set_image(
        &w,
        &["api=ghcr.io/acme/api:v2.1-alpine", "--env", "production"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(read(&path).contains("vars registry=\"ghcr.io/acme\" tag=\"2.1\"; namespace \"prod\""));
    // `--app-var` picks the var; one the template does not put into the
    // image, or a literal image, is refused.
    let edited = read(&path);
    let out = set_image(
        &w,
        &[
            "api=ghcr.io/acme/api:v2.2-alpine",
            "--env",
            "production",
            "--app-var",
            "tag",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(&path), edited.replace("tag=\"2.1\"", "tag=\"2.2\""));
    for (args, code) in [
        (
            ["api=ghcr.io/acme/api:v9-alpine", "nope"],
            "kiln::edit::no_fit",
        ),
        (["web=ghcr.io/acme/web:9", "tag"], "kiln::edit::argument"),
    ] {
        let out = set_image(&w, &[args[0], "--app-var", args[1], "--env", "staging"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains(code), "{}", stderr(&out));
    }
    assert_eq!(read(&path), edited.replace("tag=\"2.1\"", "tag=\"2.2\""));
}

#[test]
fn set_image_adds_a_var_an_env_does_not_set_yet() {
    let kdl = "project \"p\"\n\napp \"web\" {\n    image \"ghcr.io/acme/web:{{ vars.tag | default('latest') }}\"\n}\n\nenv \"staging\" {\n    namespace \"web\"\n}\nenv \"production\" {\n    vars region=\"eu\"\n}\n";
    let w = project(kdl);
    let out = set_image(&w, &["web=ghcr.io/acme/web:3.0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        read(&w.project().join("kiln.kdl")),
        kdl.replace(
            "    namespace \"web\"\n}",
            "    namespace \"web\"\n    vars tag=\"3.0\"\n}"
        )
        .replace("vars region=\"eu\"", "vars region=\"eu\" tag=\"3.0\"")
    );
}

#[test]
fn set_image_refuses_what_it_cannot_do_and_writes_nothing() {
    let w = World::new();
    let path = w.project().join("kiln.kdl");
    let apps = w.project().join("apps.kdl");
    let (before, before_apps) = (read(&path), read(&apps));
    let cases: &[(&[&str], &str)] = &[
        (
            &["web=ghcr.io/acme/other:1.9.0", "--env", "staging"],
            "kiln::edit::no_fit",
        ),
        (&["wep=ghcr.io/acme/shop-web:1.9.0"], "did you mean `web`?"),
        (
            &["web=ghcr.io/Acme/shop-web:1"],
            "kiln::check::type_mismatch",
        ),
        (
            &["web=ghcr.io/acme/shop-web:1.9.0", "--env", "prod"],
            "kiln::check::unknown_env",
        ),
        (
            &[
                "web=ghcr.io/acme/shop-web:1.9.0",
                "worker=ghcr.io/acme/shop-worker:2.0.0",
                "--env",
                "staging",
            ],
            "kiln::edit::conflict",
        ),
        (
            &["web=ghcr.io/acme/shop-web:1", "web=ghcr.io/acme/shop-web:2"],
            "named twice",
        ),
    ];
    for (args, expected) in cases {
        let out = set_image(&w, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_eq!(stdout(&out), "", "{args:?}");
        assert_eq!(
            (read(&path), read(&apps)),
            (before.clone(), before_apps.clone())
        );
    }
    // A malformed argument is a wrong command line, said before the project
    // is read: exit code 2, like clap's own.
    let out = set_image(&w, &["web"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("expected `APP=REF`"));
    assert_eq!((read(&path), read(&apps)), (before, before_apps));
    let out = set_image(&w, &["web=ghcr.io/acme/other:1.9.0", "--env", "staging"]);
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!("set_image_no_fit", run_text(&out));
    });
}

/// A `helm-release` app takes its image from the chart's values: `set
/// image` says so, rather than reporting an image it never looked at.
#[test]
fn set_image_refuses_an_app_whose_component_takes_no_image() {
    let w = project(
        "project \"platform\"\n\nenv \"staging\"\n\napp \"cert-manager\" component=\"helm-release\" {\n    chart oci=\"oci://quay.io/jetstack/charts/cert-manager\" version=\"1.x\"\n}\n",
    );
    let path = w.project().join("kiln.kdl");
    let before = read(&path);
    let out = set_image(
        &w,
        &["cert-manager=quay.io/jetstack/cert-manager-controller:1.16.0"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("kiln::edit::no_fit"), "{err}");
    assert!(
        err.contains("its component `helm-release` takes none"),
        "{err}"
    );
    assert_eq!(read(&path), before);
}

#[test]
fn set_image_checks_the_edited_project_before_writing() {
    // `tag` is also in the env's namespace: a tag that is no DNS label
    // breaks the project, so nothing is written.
    let kdl = "project \"p\"\n\napp \"web\" {\n    image \"ghcr.io/acme/web:{{ vars.tag }}\"\n}\n\nenv \"staging\" {\n    namespace \"web-{{ vars.tag }}\"\n    vars tag=\"3\"\n}\n";
    let w = project(kdl);
    let out = set_image(&w, &["web=ghcr.io/acme/web:v_3"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("kiln::edit::broken"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("namespace `web-v_3`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(&w.project().join("kiln.kdl")), kdl);
    let ok = set_image(&w, &["web=ghcr.io/acme/web:4"]);
    assert!(ok.status.success(), "{}", stderr(&ok));

    // A template that changes the var's value: the edit would not run
    // the reference asked for.
    let kdl = "project \"p\"\n\napp \"web\" {\n    image \"ghcr.io/acme/web:{{ vars.tag | lower }}\"\n}\n\nenv \"staging\" {\n    vars tag=\"a\"\n}\n";
    let w = project(kdl);
    let out = set_image(&w, &["web=ghcr.io/acme/web:RC1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("would run `ghcr.io/acme/web:rc1` in env `staging`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(&w.project().join("kiln.kdl")), kdl);

    // A project that does not check is not edited at all.
    let w =
        project("project \"p\"\napp \"web\" {\n    image \"x:1\"\n    replicaz 2\n}\nenv \"s\"\n");
    let out = set_image(&w, &["web=x:2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("kiln::check::unknown_param"),
        "{}",
        stderr(&out)
    );
}

// ---------------------------------------------------------------------------
// kiln promote

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

#[test]
fn promote_renders_the_target_env_with_the_source_images() {
    let w = World::new();
    w.ok(EPOCH, &["commit"]);
    let tag = format!("tag=1.9.0@{DIGEST}");
    let staged = w.ok(EPOCH + 60, &["commit", "--env", "staging", "--var", &tag]);
    let before = w.count();
    let promoted = w.ok(
        EPOCH + 120,
        &["promote", "--from", "staging", "--to", "production"],
    );
    assert_eq!(w.count(), before + 1);
    let message = w.repo_git(&["log", "-1", "--format=%B"]);
    assert!(
        message.starts_with("promote staging → production: report 1.8.2 → @0123456789ab"),
        "{message}"
    );
    assert!(
        message.contains(&format!("Kiln-Promoted-From: staging@{staged}")),
        "{message}"
    );
    for app in ["web", "worker", "report"] {
        let release = json(&w.show("main", &format!("production/.kiln/releases/{app}.json")));
        assert_eq!(
            release["images"][0],
            format!("ghcr.io/acme/shop-{app}:1.9.0@{DIGEST}")
        );
        assert_eq!(release["promoted_from"], format!("staging@{staged}"));
    }
    // Production's own configuration stays: its replicas, its namespace.
    let deployment = w.show("main", "production/web/deployment-web.yaml");
    assert!(deployment.contains(&format!("image: ghcr.io/acme/shop-web:1.9.0@{DIGEST}")));
    assert!(
        deployment.contains("namespace: shop-production"),
        "{deployment}"
    );
    // history shows it, as text and JSON.
    let text = w.ok(EPOCH, &["history", "--env", "production", "--app", "web"]);
    assert!(
        text.contains(&format!("promoted from staging@{}", &staged[..12])),
        "{text}"
    );
    let list = history_json(&w, "production", "web");
    assert_eq!(list[0]["commit"], promoted.as_str());
    assert_eq!(list[0]["promoted_from"], format!("staging@{staged}"));
    assert!(list[1].get("promoted_from").is_none());
    // The same promotion again: nothing to commit.
    let again = w.kiln_at(
        EPOCH + 180,
        &["promote", "--from", "staging", "--to", "production"],
    );
    assert!(again.status.success());
    assert!(stderr(&again).contains("up to date"), "{}", stderr(&again));
    assert_eq!(w.count(), before + 1);
    w.fsck();
}

#[test]
fn promote_one_app_leaves_the_others_as_they_are() {
    let w = World::new();
    w.ok(EPOCH, &["commit"]);
    w.ok(
        EPOCH + 60,
        &["commit", "--env", "staging", "--var", "tag=2.0.0"],
    );
    let kept: Vec<Option<String>> = ["worker", "report"]
        .iter()
        .flat_map(|a| {
            [
                w.id_at("main", &format!("production/{a}")),
                w.id_at("main", &format!("production/.kiln/releases/{a}.json")),
            ]
        })
        .collect();
    let c = w.ok(
        EPOCH + 120,
        &[
            "promote",
            "--from",
            "staging",
            "--to",
            "production",
            "--app",
            "web",
        ],
    );
    let touched = w.touched(&c);
    assert!(
        touched.iter().all(|p| p.starts_with("production/web/")
            || p == "production/.kiln/releases/web.json"
            || p == "production/.kiln/shop.json"),
        "{touched:?}"
    );
    let now: Vec<Option<String>> = ["worker", "report"]
        .iter()
        .flat_map(|a| {
            [
                w.id_at("main", &format!("production/{a}")),
                w.id_at("main", &format!("production/.kiln/releases/{a}.json")),
            ]
        })
        .collect();
    assert_eq!(kept, now);
    assert!(
        w.show("main", "production/web/deployment-web.yaml")
            .contains("image: ghcr.io/acme/shop-web:2.0.0")
    );
    // The next commit of production sees no drift and no stray files.
    let next = w.kiln_at(EPOCH + 180, &["commit", "--env", "production"]);
    assert!(next.status.success(), "{}", stderr(&next));
    w.fsck();
}

#[test]
fn promote_refuses_apps_the_source_lacks_or_rolled_back() {
    let w = World::new();
    // Nothing in staging yet: every app is named, nothing committed.
    w.ok(EPOCH, &["commit", "--env", "production"]);
    let out = w.kiln_at(
        EPOCH,
        &["promote", "--from", "staging", "--to", "production"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    for app in ["web", "worker", "report"] {
        assert!(
            stderr(&out).contains(&format!("app `{app}` has no release in env `staging`")),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(w.count(), 1);
    // A rolled-back release is no release to promote.
    let first = w.ok(
        EPOCH + 60,
        &["commit", "--env", "staging", "--var", "tag=1.0.0"],
    );
    w.ok(
        EPOCH + 120,
        &["commit", "--env", "staging", "--var", "tag=1.1.0"],
    );
    w.ok(
        EPOCH + 180,
        &[
            "rollback", "--env", "staging", "--app", "web", "--to", &first,
        ],
    );
    let out = w.kiln_at(
        EPOCH + 240,
        &[
            "promote",
            "--from",
            "staging",
            "--to",
            "production",
            "--app",
            "web",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("kiln::gitops::rolled_back_source"),
        "{}",
        stderr(&out)
    );
    let count = w.count();
    // Other apps promote.
    w.ok(
        EPOCH + 300,
        &[
            "promote",
            "--from",
            "staging",
            "--to",
            "production",
            "--app",
            "worker",
        ],
    );
    assert_eq!(w.count(), count + 1);
    // A wrong command line is exit 2.
    for args in [
        &["promote", "--from", "staging", "--to", "staging"][..],
        &["promote", "--from", "stagin", "--to", "production"],
        &[
            "promote",
            "--from",
            "staging",
            "--to",
            "production",
            "--app",
            "nope",
        ],
    ] {
        assert_eq!(w.kiln(args).status.code(), Some(2), "{args:?}");
    }
    w.fsck();
}

// ---------------------------------------------------------------------------
// a release per change

#[test]
fn a_change_of_the_files_alone_is_a_release_history_lists_and_rollback_names() {
    let w = World::new();
    let c1 = w.ok(EPOCH, &["commit", "--env", "production"]);
    let release1 = json(&w.show("main", "production/.kiln/releases/worker.json"));
    // Same source, same images: only the replica count changes.
    let c2 = w.ok(
        EPOCH + 60,
        &[
            "commit",
            "--env",
            "production",
            "--set",
            "worker.replicas=5",
        ],
    );
    let release2 = json(&w.show("main", "production/.kiln/releases/worker.json"));
    assert_eq!(release1["images"], release2["images"]);
    assert_ne!(release1["rendered_sha256"], release2["rendered_sha256"]);
    // The digest is what `sha256sum` of the app's folder says.
    let folder = w.export("production/worker");
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let listing: String = names
        .iter()
        .map(|n| {
            use sha2::Digest;
            let bytes = std::fs::read(folder.join(n)).unwrap();
            let hex: String = sha2::Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("{hex}  {n}\n")
        })
        .collect();
    let digest: String = {
        use sha2::Digest;
        sha2::Sha256::digest(listing.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    assert_eq!(release2["rendered_sha256"], digest);

    let list = history_json(&w, "production", "worker");
    let commits: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["commit"].as_str().unwrap())
        .collect();
    assert_eq!(commits, [c2.as_str(), c1.as_str()]);
    // web did not change: still one release.
    let web = history_json(&w, "production", "web");
    assert_eq!(web.as_array().unwrap().len(), 1);
    // rollback can name the earlier one.
    w.ok(
        EPOCH + 120,
        &[
            "rollback",
            "--env",
            "production",
            "--app",
            "worker",
            "--to",
            &c1,
        ],
    );
    assert_eq!(
        w.id_at("main", "production/worker"),
        w.id_at(&c1, "production/worker")
    );
    w.fsck();
}

// ---------------------------------------------------------------------------
// bootstrap --verify-secret

#[test]
fn bootstrap_verify_secret_adds_a_verify_block_flux_accepts() {
    let w = World::new();
    let url = "https://git.example.com/acme/shop-gitops.git";
    let out = w.kiln(&[
        "bootstrap",
        "--url",
        url,
        "--verify-secret",
        "flux-signing-keys",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("flux-signing-keys"),
        "{}",
        stderr(&out)
    );
    for env in ["staging", "production"] {
        let objs = valid_flux_objects(&w.show("main", &format!("flux/{env}.yaml")));
        assert_eq!(objs[0]["kind"], "GitRepository");
        assert_eq!(objs[0]["spec"]["verify"]["mode"], "HEAD");
        assert_eq!(
            objs[0]["spec"]["verify"]["secretRef"]["name"],
            "flux-signing-keys"
        );
    }
    // Without it, the block goes again.
    w.ok(EPOCH + 60, &["bootstrap", "--url", url]);
    assert!(!w.show("main", "flux/staging.yaml").contains("verify"));
    let bad = w.kiln(&["bootstrap", "--url", url, "--verify-secret", "Keys!"]);
    assert_eq!(bad.status.code(), Some(2));
    w.fsck();
}

#[test]
fn the_new_commands_have_help_with_an_example() {
    let w = World::new();
    for args in [&["set", "image", "--help"][..], &["promote", "--help"]] {
        let out = w.kiln_plain(args);
        assert!(out.status.success());
        assert!(stdout(&out).contains("Example:"), "{args:?}");
    }
    let help = stdout(&w.kiln_plain(&["commit", "--help"]));
    assert!(help.contains("--sign"), "{help}");
}
