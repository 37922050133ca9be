//! Whole command runs for what a newcomer's review of the docs found:
//! `render --out` over entries kiln did not write, `set image`'s usage
//! errors and hints, the README's `set image` example, `explain`'s wording,
//! `schema`'s flags, and `check` and `render` counting alike.

mod common;

use common::{stderr, stdout};

use std::path::Path;

use common::world::World;

/// The names in `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn render_refuses_an_env_folder_it_did_not_write_and_writes_nothing() {
    let w = World::new();
    let out_dir = w.home().join("out");
    let out = out_dir.to_str().unwrap();
    std::fs::create_dir(&out_dir).unwrap();
    // A file named like an env.
    std::fs::write(out_dir.join("production"), "mine\n").unwrap();
    let run = w.kiln_plain(&["render", "--out", out]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let err = stderr(&run);
    assert!(err.contains("kiln::render::output"), "{err}");
    assert!(
        err.contains(&format!(
            "`{}` is a file, not an env folder kiln wrote",
            out_dir.join("production").display()
        )),
        "{err}"
    );
    assert!(err.contains("render into another `--out`"), "{err}");
    assert_eq!(entries(&out_dir), ["production"]);
    assert_eq!(
        std::fs::read_to_string(out_dir.join("production")).unwrap(),
        "mine\n"
    );

    // A directory of someone else's files.
    std::fs::remove_file(out_dir.join("production")).unwrap();
    std::fs::create_dir(out_dir.join("production")).unwrap();
    std::fs::write(out_dir.join("production/notes.txt"), "mine\n").unwrap();
    let run = w.kiln_plain(&["render", "--out", out]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("is a directory without `kustomization.yaml`"),
        "{}",
        stderr(&run)
    );
    assert_eq!(entries(&out_dir), ["production"]);
    assert_eq!(entries(&out_dir.join("production")), ["notes.txt"]);

    // An empty directory, and what kiln wrote itself, are replaced; the
    // leftovers of an interrupted run go, whatever they are.
    std::fs::remove_dir_all(out_dir.join("production")).unwrap();
    std::fs::create_dir(out_dir.join("production")).unwrap();
    std::fs::write(out_dir.join(".staging.kiln-old"), "left\n").unwrap();
    std::fs::create_dir(out_dir.join(".production.kiln-new")).unwrap();
    let run = w.kiln_plain(&["render", "--out", out]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert_eq!(entries(&out_dir), ["production", "staging"]);
    let run = w.kiln_plain(&["render", "--out", out, "--set", "web.replicas=5"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert_eq!(entries(&out_dir), ["production", "staging"]);
}

#[test]
fn render_into_a_file_is_a_usage_error() {
    let w = World::new();
    let file = w.home().join("out.yaml");
    std::fs::write(&file, "mine\n").unwrap();
    let run = w.kiln_plain(&["render", "--out", file.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    let err = stderr(&run);
    assert!(err.contains("kiln::cli::usage"), "{err}");
    assert!(
        err.contains(&format!(
            "`--out` must be a directory, found a file: `{}`",
            file.display()
        )),
        "{err}"
    );
    assert!(!err.contains("os error"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine\n");
    assert!(!w.project().join("rendered").exists());
}

#[test]
fn set_image_without_a_reference_is_a_usage_error() {
    let w = World::new();
    for arg in ["web", "web=", "=ghcr.io/acme/shop-web:1"] {
        let run = w.kiln_plain(&["set", "image", arg]);
        assert_eq!(run.status.code(), Some(2), "{arg}: {}", stderr(&run));
        assert!(
            stderr(&run).contains("expected `APP=REF`"),
            "{}",
            stderr(&run)
        );
    }
    // clap's own usage errors exit 2 as well.
    let run = w.kiln_plain(&["set", "image"]);
    assert_eq!(run.status.code(), Some(2));
}

#[test]
fn set_image_suggests_the_lower_case_repository_keeping_the_tag() {
    let w = World::new();
    let run = w.kiln_plain(&["set", "image", "web=Registry/UPPER/Case:V1"]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let err = stderr(&run);
    assert!(
        err.contains("repository names are lower case: `registry/upper/case:V1`"),
        "{err}"
    );
}

#[test]
fn a_reference_that_fits_no_env_is_reported_once() {
    let w = World::new();
    let run = w.kiln_plain(&[
        "set",
        "image",
        "web=ghcr.io/other/thing:1",
        "--message-format",
        "short",
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let err = stderr(&run);
    assert_eq!(err.matches("kiln::edit::no_fit").count(), 1, "{err}");
    assert!(err.contains("1 error found"), "{err}");
}

#[test]
fn a_registry_host_in_another_case_is_offered_in_lower_case() {
    let w = World::new();
    let run = w.kiln_plain(&[
        "set",
        "image",
        "web=Ghcr.io/acme/shop-web:1.9.0",
        "--message-format",
        "json",
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    // JSON diagnostics go to standard output.
    let err = stdout(&run) + &stderr(&run);
    assert!(err.contains("kiln::edit::no_fit"), "{err}");
    assert!(
        err.contains("registry host names are not case sensitive, and `ghcr.io/acme/shop-web:1.9.0` fits the template: set `web=ghcr.io/acme/shop-web:1.9.0`"),
        "{err}"
    );
}

/// The `kiln set image` commands of the README's example block.
fn readme_set_image_examples() -> Vec<Vec<String>> {
    let readme = include_str!("../README.md");
    let section = readme
        .split("### `kiln set image`")
        .nth(1)
        .expect("the README has a `kiln set image` section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("an example block");
    block
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter_map(|l| l.strip_prefix("kiln "))
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

#[test]
fn the_readmes_set_image_examples_work_on_the_shop_example() {
    let examples = readme_set_image_examples();
    assert_eq!(examples.len(), 3, "{examples:?}");
    for args in examples {
        let w = World::new();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = w.kiln_plain(&args);
        assert_eq!(run.status.code(), Some(0), "{args:?}: {}", stderr(&run));
        assert!(
            stderr(&run).contains(
                "web in staging: ghcr.io/acme/shop-web:main → ghcr.io/acme/shop-web:1.9.0"
            ),
            "{args:?}: {}",
            stderr(&run)
        );
    }
}

#[test]
fn explain_with_a_mistyped_param_prints_only_the_error() {
    let w = World::new();
    let run = w.kiln_plain(&["explain", "staging", "web", "portz"]);
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(stdout(&run), "");
    let err = stderr(&run);
    assert!(
        err.contains("component `web-service` has no parameter `portz`"),
        "{err}"
    );
    assert!(err.contains("did you mean `port`?"), "{err}");
    // The language-level nodes are parameters explain takes.
    let run = w.kiln_plain(&["explain", "staging", "web", "namespac"]);
    assert!(stderr(&run).contains("did you mean `namespace`?"));
}

#[test]
fn explain_says_what_each_layer_did_in_the_users_words() {
    let w = World::new();
    let run = w.kiln_plain(&["explain", "staging", "web"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let text = stdout(&run);
    for expected in [
        // Entries of a repeated parameter are added, or replaced by key.
        "env \"LOG_LEVEL\" \"debug\"\nenv \"PUBLIC_URL\" \"https://staging.shop.example.com\"\n  replaced, was app at apps.kdl:6:5: env \"LOG_LEVEL\" \"info\"\n  added by app at apps.kdl:7:5: env \"PUBLIC_URL\" \"https://{{ vars.domain }}\"\n  set by env override at kiln.kdl:34:9: env \"LOG_LEVEL\" \"debug\"\n",
        "\n  added by app at apps.kdl:17:5: probe \"readiness\" http=\"/healthz\" port=\"http\" period=\"10s\"\n  added by app at apps.kdl:18:5: probe \"liveness\"",
        // The user's names, and the property a later layer left alone.
        "resources cpu=\"50m\" memory=\"64Mi\" memory-limit=\"512Mi\"\n  overridden but for memory-limit, was app at apps.kdl:16:5:",
        "replicas 1\n  overridden, was app at apps.kdl:4:5: replicas 2\n  set by flavor `small` at kiln.kdl:11:5: replicas 1\n",
        "harden #true\n  from: component `web-service` default\n",
    ] {
        assert!(text.contains(expected), "{expected}\n---\n{text}");
    }
    assert!(
        !text.contains("cpu_limit") && !text.contains("memory_limit"),
        "{text}"
    );
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!("explain_shop_staging_web", text);
    });
    assert!(
        !text.contains("overridden, was app at apps.kdl:7:5"),
        "{text}"
    );
}

#[test]
fn schema_says_required_once() {
    let w = World::new();
    for component in [
        "web-service",
        "worker",
        "cron-job",
        "helm-release",
        "manifests",
    ] {
        let run = w.kiln_plain(&["schema", component]);
        assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
        let text = stdout(&run);
        for line in text.lines() {
            assert!(line.matches("required").count() <= 1, "{component}: {line}");
        }
        if component == "web-service" {
            assert!(
                text.contains("\n  image <image> (image) [required]\n"),
                "{text}"
            );
        }
    }
}

/// The numbers of a summary line: every run of digits, in order.
fn numbers(line: &str) -> Vec<usize> {
    line.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect()
}

#[test]
fn check_and_render_count_the_same_envs_and_objects() {
    let w = World::new();
    // The shop has a preview template; give its envs Namespace objects.
    let kiln_kdl = w.project().join("kiln.kdl");
    let text = std::fs::read_to_string(&kiln_kdl).unwrap().replace(
        "    namespace \"shop-staging\"\n",
        "    namespace \"shop-staging\"\n    create-namespace #true\n",
    );
    let text = text.replace(
        "    namespace \"shop-production\"\n",
        "    namespace \"shop-production\"\n    create-namespace #true\n",
    );
    std::fs::write(&kiln_kdl, text).unwrap();
    let check = w.kiln_plain(&["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    let summary = stderr(&check);
    assert!(
        summary.starts_with("checked 2 envs and 1 preview template, 3 apps, "),
        "{summary}"
    );
    let checked = numbers(&summary);
    let out = w.home().join("out");
    let render = w.kiln_plain(&["render", "--out", out.to_str().unwrap()]);
    assert_eq!(render.status.code(), Some(0), "{}", stderr(&render));
    let lines: Vec<String> = stderr(&render).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), checked[0], "{lines:?}");
    // "rendered ENV (N apps, M objects) into …": M is the second number.
    let rendered: usize = lines.iter().map(|l| numbers(l)[1]).sum();
    assert_eq!(rendered, checked[3], "{summary} / {lines:?}");
    let files: usize = ["production", "staging"]
        .iter()
        .map(|env| {
            walk(&out.join(env))
                .iter()
                .filter(|f| !f.ends_with("kustomization.yaml"))
                .count()
        })
        .sum();
    assert_eq!(files, rendered);
    assert!(out.join("staging/namespace.yaml").is_file());
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
