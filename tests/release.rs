//! Release operations through the binary: `history`, `rollback`,
//! `preview up|down|gc` and `bootstrap`, against local bare repositories
//! with git sealed (temp `HOME`, no global or system config, fixed
//! `SOURCE_DATE_EPOCH`). Every test ends with `git fsck --strict`.

use std::process::Command;

use serde_json::Value;

const EPOCH: i64 = 1_700_000_000;
/// The shop example's preview template: `preview ttl="72h"`.
const TTL: i64 = 72 * 3600;

mod common;

use common::stderr;

use common::flux::{crd_schema, valid_flux_objects, walk};
use common::world::World;

/// Hex SHA-256 of a file's text as `git show` printed it (plus its newline).
fn sha256_of(text: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{text}\n").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

// ---------------------------------------------------------------------------
// history and rollback

#[test]
fn history_lists_releases_and_rollback_restores_an_apps_tree() {
    let w = World::new();
    let c1 = w.ok(
        EPOCH,
        &["commit", "--env", "production", "--var", "tag=1.0.0"],
    );
    let c2 = w.ok(
        EPOCH + 60,
        &["commit", "--env", "production", "--var", "tag=1.1.0"],
    );
    let c3 = w.ok(
        EPOCH + 120,
        &["commit", "--env", "production", "--var", "tag=1.2.0"],
    );
    assert_eq!(w.count(), 3);

    // JSON: one array, newest first, with every field CLI.md asks for.
    let out = w.ok(
        EPOCH,
        &[
            "history",
            "--env",
            "production",
            "--app",
            "web",
            "--format",
            "json",
        ],
    );
    let list = json(&out);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3);
    let commits: Vec<&str> = list.iter().map(|e| e["commit"].as_str().unwrap()).collect();
    assert_eq!(commits, [c3.as_str(), c2.as_str(), c1.as_str()]);
    assert_eq!(list[0]["time"], "2023-11-14T22:15:20Z");
    assert_eq!(list[0]["author"], "Release Bot <bot@example.com>");
    assert_eq!(
        list[0]["images"],
        serde_json::json!(["ghcr.io/acme/shop-web:1.2.0"])
    );
    assert!(list[0].get("source").is_some(), "{out}");
    assert!(list.iter().all(|e| e["rolled_back"] == false));

    // All apps of the env, and --limit.
    let all = json(&w.ok(
        EPOCH,
        &["history", "--env", "production", "--format", "json"],
    ));
    let apps: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["app"].as_str().unwrap())
        .collect();
    assert_eq!(
        apps.iter().filter(|a| **a == "report").count(),
        3,
        "{apps:?}"
    );
    let limited = json(&w.ok(
        EPOCH,
        &[
            "history",
            "--env",
            "production",
            "--limit",
            "2",
            "--format",
            "json",
        ],
    ));
    assert_eq!(limited.as_array().unwrap().len(), 2);

    // Text: one block per release with commit, time, images and author.
    let text = w.ok(EPOCH, &["history", "--env", "production", "--app", "web"]);
    assert!(text.starts_with(&c3[..12]), "{text}");
    assert!(text.contains("ghcr.io/acme/shop-web:1.1.0"), "{text}");
    assert!(
        text.contains("author  Release Bot <bot@example.com>"),
        "{text}"
    );
    assert!(!text.contains("rolled back"), "{text}");

    // Roll web back to c1: its folder is exactly as at c1, the others untouched.
    let report_before = w.id_at("main", "production/report").unwrap();
    // Through a cache clone and `git push`, as with a remote.
    let rb = w.ok(
        EPOCH + 180,
        &[
            "rollback",
            "--env",
            "production",
            "--app",
            "web",
            "--to",
            &c1,
            "--push",
        ],
    );
    assert_eq!(w.count(), 4);
    assert_eq!(
        w.id_at(&rb, "production/web"),
        w.id_at(&c1, "production/web")
    );
    assert_eq!(w.id_at(&rb, "production/report").unwrap(), report_before);
    assert_eq!(
        w.repo_git(&["log", "-1", "--format=%s", "main"]),
        format!("rollback production: web to {c1}")
    );
    let release = json(&w.show("main", "production/.kiln/releases/web.json"));
    assert_eq!(release["rolled_back_from"], c1.as_str());
    assert_eq!(
        release["images"],
        serde_json::json!(["ghcr.io/acme/shop-web:1.0.0"])
    );
    // History was not rewritten: c3 is still an ancestor.
    assert!(
        w.git_out(&w.repo(), &["merge-base", "--is-ancestor", &c3, "main"])
            .status
            .success()
    );
    w.fsck();

    // History shows the rollback and marks the releases it undid.
    let list = json(&w.ok(
        EPOCH,
        &[
            "history",
            "--env",
            "production",
            "--app",
            "web",
            "--format",
            "json",
        ],
    ));
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 4);
    assert_eq!(list[0]["commit"], rb.as_str());
    assert_eq!(list[0]["rolled_back"], false);
    assert_eq!(list[0]["rolled_back_from"], c1.as_str());
    assert_eq!(list[1]["commit"], c3.as_str());
    assert_eq!(list[1]["rolled_back"], true);
    assert_eq!(list[1]["rolled_back_by"], rb.as_str());
    assert_eq!(list[2]["rolled_back"], true);
    assert_eq!(list[3]["commit"], c1.as_str());
    assert_eq!(list[3]["rolled_back"], false);
    let text = w.ok(EPOCH, &["history", "--env", "production", "--app", "web"]);
    assert!(
        text.contains(&format!("(rolled back by {})", &rb[..12])),
        "{text}"
    );

    // The ownership state took the files back: no drift, and the next
    // commit from the source rolls forward again.
    let state = json(&w.show("main", "production/.kiln/shop.json"));
    let owned = state["files"]["web/deployment-web.yaml"]["sha256"]
        .as_str()
        .unwrap();
    assert_eq!(
        owned,
        sha256_of(&w.show(&c1, "production/web/deployment-web.yaml"))
    );
    let fwd = w.ok(
        EPOCH + 240,
        &["commit", "--env", "production", "--var", "tag=1.2.0"],
    );
    assert_eq!(
        w.id_at(&fwd, "production/web"),
        w.id_at(&c3, "production/web")
    );
    let list = json(&w.ok(
        EPOCH,
        &[
            "history",
            "--env",
            "production",
            "--app",
            "web",
            "--format",
            "json",
        ],
    ));
    assert_eq!(list[0]["commit"], fwd.as_str());
    assert_eq!(list.as_array().unwrap().len(), 5);
    w.fsck();
}

#[test]
fn rollback_to_a_revision_without_the_app_fails_with_exit_3() {
    let w = World::new();
    let c1 = w.ok(EPOCH, &["commit", "--env", "staging"]);
    w.ok(EPOCH + 60, &["commit", "--env", "production"]);
    let before = w.count();
    // staging has no `report`, at c1 nor anywhere.
    let out = w.kiln(&[
        "rollback",
        "--env",
        "production",
        "--app",
        "report",
        "--to",
        &c1,
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("app `report` has no release in `production`"),
        "{}",
        stderr(&out)
    );
    let out = w.kiln(&[
        "rollback",
        "--env",
        "production",
        "--app",
        "web",
        "--to",
        "no-such-rev",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("`no-such-rev` is not a commit"),
        "{}",
        stderr(&out)
    );
    assert_eq!(w.count(), before, "no commit");
    w.fsck();
}

// ---------------------------------------------------------------------------
// previews

fn preview_info(w: &World, label: &str) -> Value {
    json(&w.show("main", &format!("previews/{label}/.kiln/preview.json")))
}

#[test]
fn preview_up_again_down_and_name_collisions() {
    let w = World::new();
    let c = w.ok(EPOCH, &["preview", "up", "PR/42", "--env", "preview"]);
    assert_eq!(c.len(), 40);
    let info = preview_info(&w, "pr-42");
    assert_eq!(info["name"], "PR/42");
    assert_eq!(info["template"], "preview");
    assert_eq!(info["expires"], EPOCH + TTL);
    assert!(
        w.show("main", "previews/pr-42/web/deployment-web.yaml")
            .contains("namespace: shop-pr-42")
    );
    w.builds_and_validates("previews/pr-42");
    w.fsck();

    // Again, an hour later: same objects, expiry extended.
    w.ok(
        EPOCH + 3600,
        &["preview", "up", "PR/42", "--env", "preview"],
    );
    assert_eq!(w.count(), 2);
    assert_eq!(preview_info(&w, "pr-42")["expires"], EPOCH + 3600 + TTL);

    // Another name that sanitises alike is refused, naming the other.
    let clash = w.kiln_at(
        EPOCH + 7200,
        &["preview", "up", "pr-42", "--env", "preview"],
    );
    assert_eq!(clash.status.code(), Some(3));
    assert!(
        stderr(&clash).contains("preview `PR/42` already uses"),
        "{}",
        stderr(&clash)
    );
    let clash = w.kiln(&["preview", "down", "pr-42"]);
    assert_eq!(clash.status.code(), Some(3));
    assert_eq!(w.count(), 2);
    // A name with nothing to make a label of.
    let empty = w.kiln(&["preview", "up", "//", "--env", "preview"]);
    assert_eq!(empty.status.code(), Some(2));
    // Not a template.
    let not = w.kiln(&["preview", "up", "x", "--env", "staging"]);
    assert_eq!(not.status.code(), Some(1));

    w.ok(EPOCH + 7200, &["preview", "down", "PR/42"]);
    assert_eq!(w.id_at("main", "previews/pr-42"), None);
    assert_eq!(w.count(), 3);
    let again = w.kiln(&["preview", "down", "PR/42"]);
    assert_eq!(again.status.code(), Some(3));
    w.fsck();
}

#[test]
fn preview_gc_removes_only_expired_previews_in_one_commit() {
    let w = World::new();
    w.ok(EPOCH, &["preview", "up", "feature-a", "--env", "preview"]);
    w.ok(
        EPOCH + 86_400,
        &["preview", "up", "feature-b", "--env", "preview", "--push"],
    );
    w.builds_and_validates("previews/feature-b");
    // All previews build together, as the template env's Flux
    // Kustomization (`path: ./previews`) applies them.
    assert_eq!(
        w.show("main", "previews/kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- feature-a\n- feature-b"
    );
    w.builds_and_validates("previews");
    assert_eq!(w.count(), 2);

    // Before any expiry: nothing to commit.
    let none = w.kiln(&["preview", "gc", "--now", &(EPOCH + TTL - 1).to_string()]);
    assert!(none.status.success(), "{}", stderr(&none));
    assert!(String::from_utf8_lossy(&none.stdout).trim().is_empty());
    assert_eq!(w.count(), 2);

    // At the first expiry (RFC 3339): feature-a goes, feature-b stays.
    let at = kiln::gitops::format_rfc3339(EPOCH + TTL);
    w.ok(EPOCH, &["preview", "gc", "--now", &at, "--push"]);
    assert_eq!(w.count(), 3);
    assert_eq!(w.id_at("main", "previews/feature-a"), None);
    assert!(w.id_at("main", "previews/feature-b").is_some());

    // Both expired: one commit removes what is left.
    w.ok(
        EPOCH + 10,
        &["preview", "up", "feature-c", "--env", "preview"],
    );
    w.ok(
        EPOCH,
        &["preview", "gc", "--now", &(EPOCH + 10 * TTL).to_string()],
    );
    assert_eq!(w.count(), 5);
    let touched = w.touched("main");
    assert!(touched.iter().any(|p| p.starts_with("previews/feature-b/")));
    assert!(touched.iter().any(|p| p.starts_with("previews/feature-c/")));
    assert_eq!(w.id_at("main", "previews"), None);
    let bad = w.kiln(&["preview", "gc", "--now", "tomorrow"]);
    assert_eq!(bad.status.code(), Some(2));
    w.fsck();
}

// ---------------------------------------------------------------------------
// bootstrap

#[test]
fn the_walker_rejects_unknown_and_mistyped_fields() {
    let schema = crd_schema("kustomizations.yaml", "kustomize.toolkit.fluxcd.io/v1");
    let bad = serde_json::json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": "x", "namespace": "flux-system"},
        "spec": {"interval": "1m", "prune": "yes", "sourceRef": {"kind": "Bucket2", "name": "x"}, "pathh": "./x"}
    });
    let mut errors = Vec::new();
    walk(&schema, &bad, "", &mut errors);
    let text = errors.join("\n");
    assert!(text.contains(".spec.pathh: unknown field"), "{text}");
    assert!(text.contains(".spec.prune: expected"), "{text}");
    assert!(text.contains(".spec.sourceRef.kind"), "{text}");
}

#[test]
fn bootstrap_writes_valid_flux_objects_per_env() {
    let w = World::new();
    let url = "https://git.example.com/acme/shop-gitops.git";
    let out = w.kiln(&["bootstrap", "--url", url]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("flux install"), "{}", stderr(&out));
    assert_eq!(w.count(), 1);
    for env in ["staging", "production"] {
        let objs = valid_flux_objects(&w.show("main", &format!("flux/{env}.yaml")));
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[0]["kind"], "GitRepository");
        assert_eq!(objs[0]["apiVersion"], "source.toolkit.fluxcd.io/v1");
        assert_eq!(objs[0]["spec"]["url"], url);
        assert_eq!(objs[0]["spec"]["ref"]["branch"], "main");
        assert_eq!(objs[1]["kind"], "Kustomization");
        assert_eq!(objs[1]["apiVersion"], "kustomize.toolkit.fluxcd.io/v1");
        assert_eq!(objs[1]["spec"]["prune"], true);
        assert_eq!(objs[1]["spec"]["path"], format!("./{env}"));
        assert_eq!(objs[1]["spec"]["sourceRef"]["kind"], "GitRepository");
        assert_eq!(
            objs[1]["spec"]["sourceRef"]["name"],
            objs[0]["metadata"]["name"]
        );
    }
    assert_eq!(
        w.id_at("main", "flux/preview.yaml"),
        None,
        "templates only when named"
    );
    // Again: nothing new.
    let again = w.kiln(&["bootstrap", "--url", url]);
    assert!(again.status.success());
    assert_eq!(w.count(), 1);
    // A preview template's Kustomization follows every preview.
    w.ok(EPOCH, &["bootstrap", "--url", url, "--env", "preview"]);
    let objs = valid_flux_objects(&w.show("main", "flux/preview.yaml"));
    assert_eq!(objs[1]["spec"]["path"], "./previews");
    let unknown = w.kiln(&["bootstrap", "--url", url, "--env", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    w.fsck();
}

#[test]
fn per_app_kustomizations_follow_apps_in_the_same_commit() {
    let w = World::new();
    let url = "ssh://git@git.example.com/acme/shop-gitops.git";
    w.ok(
        EPOCH,
        &[
            "bootstrap",
            "--url",
            url,
            "--env",
            "production",
            "--per-app",
        ],
    );
    let objs = valid_flux_objects(&w.show("main", "flux/production.yaml"));
    assert_eq!(objs[1]["spec"]["path"], "./flux/production");
    let state = json(&w.show("main", "production/.kiln/flux.json"));
    assert_eq!(state["per_app"], true);

    // The first commit adds each app's Kustomization beside its files.
    let c1 = w.ok(EPOCH + 60, &["commit", "--env", "production"]);
    let touched = w.touched(&c1);
    for app in ["web", "report"] {
        assert!(
            touched.contains(&format!("flux/production/{app}.yaml")),
            "{touched:?}"
        );
        assert!(
            touched
                .iter()
                .any(|p| p.starts_with(&format!("production/{app}/")))
        );
        let objs = valid_flux_objects(&w.show("main", &format!("flux/production/{app}.yaml")));
        assert_eq!(objs.len(), 1);
        assert_eq!(objs[0]["spec"]["path"], format!("./production/{app}"));
        assert_eq!(objs[0]["spec"]["prune"], true);
    }
    // The env still builds as a whole, and so does each app.
    for folder in ["production", "production/web"] {
        let dir = w.export(folder);
        let out = Command::new("kubectl")
            .arg("kustomize")
            .arg(&dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }

    // Removing an app from the project removes its folder and its
    // Kustomization in one commit.
    let kdl = w.project().join("kiln.kdl");
    let text = std::fs::read_to_string(&kdl).unwrap();
    let cut = text.replace(
        "    app \"report\" {\n        schedule \"0 2 * * *\"\n    }\n",
        "    app \"report\" disabled=#true\n",
    );
    assert_ne!(cut, text, "the example's report block changed");
    std::fs::write(&kdl, cut).unwrap();
    let c2 = w.kiln(&["commit", "--env", "production"]);
    if !c2.status.success() {
        panic!("{}", stderr(&c2));
    }
    let c2 = String::from_utf8_lossy(&c2.stdout).trim().to_string();
    let touched = w.touched(&c2);
    assert!(
        touched.contains(&"flux/production/report.yaml".to_string()),
        "{touched:?}"
    );
    assert!(touched.iter().any(|p| p.starts_with("production/report/")));
    assert_eq!(w.id_at("main", "flux/production/report.yaml"), None);
    assert_eq!(w.id_at("main", "production/report"), None);
    assert!(w.id_at("main", "flux/production/web.yaml").is_some());

    // A rollback to c1 brings the app and its Kustomization back together.
    let rb = w.ok(
        EPOCH + 120,
        &[
            "rollback",
            "--env",
            "production",
            "--app",
            "report",
            "--to",
            &c1,
        ],
    );
    let touched = w.touched(&rb);
    assert!(
        touched.contains(&"flux/production/report.yaml".to_string()),
        "{touched:?}"
    );
    assert_eq!(
        w.id_at(&rb, "production/report"),
        w.id_at(&c1, "production/report")
    );
    // A revision that is not an id shows as a short id in the subject.
    let again = w.ok(
        EPOCH + 180,
        &[
            "rollback",
            "--env",
            "production",
            "--app",
            "web",
            "--to",
            "HEAD~2",
        ],
    );
    assert_eq!(
        w.repo_git(&["log", "-1", "--format=%s", &again]),
        format!(
            "rollback production: web to {}",
            &w.repo_git(&["rev-parse", "main~3"])[..12]
        )
    );
    w.fsck();
}

#[test]
fn per_app_previews_get_a_kustomization_each() {
    let w = World::new();
    w.ok(
        EPOCH,
        &[
            "bootstrap",
            "--url",
            "https://git.example.com/g.git",
            "--env",
            "preview",
            "--per-app",
        ],
    );
    let c = w.ok(EPOCH, &["preview", "up", "pr-7", "--env", "preview"]);
    assert!(
        w.touched(&c)
            .contains(&"flux/preview/pr-7.yaml".to_string())
    );
    let objs = valid_flux_objects(&w.show("main", "flux/preview/pr-7.yaml"));
    assert_eq!(objs[0]["spec"]["path"], "./previews/pr-7");
    let d = w.ok(EPOCH, &["preview", "down", "pr-7"]);
    assert!(
        w.touched(&d)
            .contains(&"flux/preview/pr-7.yaml".to_string())
    );
    assert_eq!(w.id_at("main", "flux/preview/pr-7.yaml"), None);
    w.fsck();
}

#[test]
fn every_release_command_has_help_with_an_example() {
    for cmd in [
        &["history"][..],
        &["rollback"],
        &["preview"],
        &["preview", "up"],
        &["preview", "down"],
        &["preview", "gc"],
        &["bootstrap"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
            .args(cmd)
            .arg("--help")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{cmd:?}");
        assert!(text.contains("Example:\n  kiln "), "{cmd:?}:\n{text}");
    }
    // The shared flags of every writing command.
    for cmd in [
        "rollback",
        "bootstrap",
        "preview up",
        "preview down",
        "preview gc",
    ] {
        let mut args: Vec<&str> = cmd.split(' ').collect();
        args.push("--help");
        let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
            .args(&args)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        for flag in [
            "--gitops",
            "--branch",
            "--push",
            "--retries",
            "--author",
            "--force",
        ] {
            assert!(text.contains(flag), "{cmd} lacks {flag}");
        }
    }
}

#[test]
fn per_app_mode_carries_the_envs_namespace() {
    // podinfo's envs have `create-namespace #true`.
    let w = World::with("podinfo");
    w.ok(
        EPOCH,
        &[
            "bootstrap",
            "--url",
            "https://git.example.com/g.git",
            "--env",
            "production",
            "--per-app",
        ],
    );
    let c = w.ok(EPOCH, &["commit", "--env", "production"]);
    let touched = w.touched(&c);
    assert!(
        touched.contains(&"flux/production/_namespace.yaml".to_string()),
        "{touched:?}"
    );
    assert_eq!(
        w.id_at("main", "flux/production/_namespace.yaml"),
        w.id_at("main", "production/namespace.yaml")
    );
    for file in w
        .repo_git(&["ls-tree", "--name-only", "main", "flux/production/"])
        .lines()
    {
        if !file.ends_with("_namespace.yaml") {
            valid_flux_objects(&w.show("main", file));
        }
    }
    w.fsck();
}

#[test]
fn per_app_mode_carries_the_namespaces_of_apps() {
    let w = World::with("podinfo");
    let kiln_kdl = w.project().join("kiln.kdl");
    let mut text = std::fs::read_to_string(&kiln_kdl).unwrap();
    text.push_str("\napp \"settings\" component=\"manifests\" {\n    namespace \"platform-settings\"\n    manifest \"settings.yaml\"\n}\n");
    std::fs::write(&kiln_kdl, text).unwrap();
    std::fs::write(
        w.project().join("settings.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: on-call\n",
    )
    .unwrap();
    w.ok(
        EPOCH,
        &[
            "bootstrap",
            "--url",
            "https://git.example.com/g.git",
            "--env",
            "production",
            "--per-app",
        ],
    );
    w.ok(EPOCH, &["commit", "--env", "production"]);
    let file = "production/namespace-platform-settings.yaml";
    assert!(w.show("main", file).contains("name: platform-settings"));
    assert_eq!(
        w.id_at("main", "flux/production/_namespace-platform-settings.yaml"),
        w.id_at("main", file)
    );
    let kustomization = w.show("main", "production/kustomization.yaml");
    assert!(
        kustomization.contains("- namespace.yaml\n- namespace-platform-settings.yaml\n"),
        "{kustomization}"
    );
    w.builds_and_validates("production");
    // The app gone, its Namespace goes with it, in both places.
    let text = std::fs::read_to_string(&kiln_kdl).unwrap();
    let cut = text.find("\napp \"settings\"").unwrap();
    std::fs::write(&kiln_kdl, &text[..cut]).unwrap();
    w.ok(EPOCH + 60, &["commit", "--env", "production"]);
    assert_eq!(w.id_at("main", file), None);
    assert_eq!(
        w.id_at("main", "flux/production/_namespace-platform-settings.yaml"),
        None
    );
    assert!(w.id_at("main", "flux/production/_namespace.yaml").is_some());
    w.fsck();
}

/// The whole runs of `history` (text and JSON) after two releases and a
/// rollback: ids are stable because git is sealed and time is fixed.
#[test]
fn history_runs_snapshot() {
    let w = World::new();
    let c1 = w.ok(EPOCH, &["commit", "--env", "staging", "--var", "tag=1.0.0"]);
    w.ok(
        EPOCH + 60,
        &["commit", "--env", "staging", "--var", "tag=1.1.0"],
    );
    w.ok(
        EPOCH + 120,
        &["rollback", "--env", "staging", "--app", "web", "--to", &c1],
    );
    let run = |args: &[&str]| {
        let out = w.kiln(args);
        format!(
            "status: {:?}\n--- stdout\n{}--- stderr\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!("release_history_text", run(&["history", "--env", "staging"]));
        insta::assert_snapshot!(
            "release_history_json",
            run(&["history", "--env", "staging", "--app", "web", "--format", "json", "--limit", "2"])
        );
    });
    w.fsck();
}

#[test]
fn rollback_stops_on_drift_unless_forced_and_works_in_a_work_tree() {
    let w = World::new();
    let c1 = w.ok(EPOCH, &["commit", "--env", "staging", "--var", "tag=1.0.0"]);
    w.ok(
        EPOCH + 60,
        &["commit", "--env", "staging", "--var", "tag=1.1.0"],
    );
    // A hand edit of a file kiln owns, pushed from a clone.
    w.git(&["clone", "-q", "gitops.git", "work"]);
    let work = w.home().join("work");
    let file = work.join("staging/web/deployment-web.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{text}# edited by hand\n")).unwrap();
    w.git_in(&work, &["commit", "-qam", "hand edit"]);
    w.git_in(&work, &["push", "-q", "origin", "main"]);

    let args = [
        "rollback",
        "--env",
        "staging",
        "--app",
        "web",
        "--to",
        c1.as_str(),
    ];
    let drift = w.kiln(&args);
    assert_eq!(drift.status.code(), Some(3), "{}", stderr(&drift));
    assert!(
        stderr(&drift).contains("staging/web/deployment-web.yaml"),
        "{}",
        stderr(&drift)
    );
    assert_eq!(w.count(), 3);

    // --force, straight into the clone's work tree: branch, index and
    // files all end up at the rollback.
    let mut forced: Vec<&str> = args.to_vec();
    forced.push("--force");
    let out = w.kiln_to(&work, EPOCH + 120, &forced);
    assert!(out.status.success(), "{}", stderr(&out));
    let rb = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_eq!(w.git_in(&work, &["rev-parse", "HEAD"]), rb);
    assert_eq!(w.git_in(&work, &["status", "--porcelain"]), "");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        w.show(&c1, "staging/web/deployment-web.yaml") + "\n"
    );
    w.git_in(&work, &["fsck", "--strict", "--no-progress"]);
    w.fsck();
}

// ---------------------------------------------------------------------------
// ordering: dependsOn, wait and `flux` settings of the Flux Kustomizations
