//! Whole command runs for the flaws a review of the last round left:
//! `set image`'s malformed arguments, `import`'s `--out` and `--env`
//! checks, and `explain`'s arguments and output.

mod common;

use common::{stderr, stdout};

use common::world::World;

#[test]
fn set_image_with_an_app_that_cannot_be_one_is_a_usage_error() {
    let w = World::new();
    let apps = std::fs::read_to_string(w.project().join("apps.kdl")).unwrap();
    for arg in [
        "web!=ghcr.io/acme/shop-web:1",
        "Web=ghcr.io/acme/shop-web:1",
    ] {
        let run = w.kiln_plain(&["set", "image", arg, "--message-format", "short"]);
        assert_eq!(run.status.code(), Some(2), "{arg}: {}", stderr(&run));
        let err = stderr(&run);
        let app = arg.split('=').next().unwrap();
        assert!(
            err.contains(&format!(
                "<command line>:1:16: error[kiln::cli::usage]: `{app}` is not a valid app name"
            )),
            "{err}"
        );
    }
    // An empty side is the same usage error, no longer `kiln::edit::argument`.
    let run = w.kiln_plain(&["set", "image", "web=", "--message-format", "short"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("error[kiln::cli::usage]: expected `APP=REF`, found `web=`"));
    // An app the project does not have stays `kiln::edit::argument`, exit 1.
    let run = w.kiln_plain(&["set", "image", "nope=ghcr.io/acme/shop-web:1"]);
    assert_eq!(run.status.code(), Some(1));
    assert!(
        stderr(&run).contains("kiln::edit::argument"),
        "{}",
        stderr(&run)
    );
    assert_eq!(
        std::fs::read_to_string(w.project().join("apps.kdl")).unwrap(),
        apps
    );
    assert_eq!(stdout(&run), "");
}

#[test]
fn import_into_a_file_is_a_usage_error_said_before_the_input_is_read() {
    let w = World::new();
    let file = w.home().join("out");
    std::fs::write(&file, "mine\n").unwrap();
    // The input does not exist: a command that read it first would say so.
    let missing = w.home().join("missing.yaml");
    let env = format!("dev={}", missing.display());
    let run = w.kiln_plain(&["import", "--env", &env, "--out", file.to_str().unwrap()]);
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
    assert!(!err.contains("kiln::import"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine\n");
}

#[test]
fn import_env_without_a_path_is_a_usage_error_at_the_flag() {
    let w = World::new();
    let out = w.home().join("imported");
    let run = w.kiln_plain(&[
        "import",
        "--env",
        "dev",
        "--out",
        out.to_str().unwrap(),
        "--message-format",
        "short",
    ]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    let err = stderr(&run);
    assert!(
        err.contains("<command line>:1:19: error[kiln::cli::usage]: `--env` expects `ENV=PATH`"),
        "{err}"
    );
    let run = w.kiln_plain(&["import", "--env", "dev", "--out", out.to_str().unwrap()]);
    assert!(
        stderr(&run).contains("for example `--env staging=deploy/staging.yaml`"),
        "{}",
        stderr(&run)
    );
    // Every wrong `--env` is said at once, each at its own argument.
    let run = w.kiln_plain(&[
        "import",
        "--env",
        "a=-",
        "--env",
        "b=-",
        "--env",
        "a=x.yaml",
        "--env",
        "Bad=x.yaml",
        "--out",
        out.to_str().unwrap(),
        "--message-format",
        "short",
    ]);
    assert_eq!(run.status.code(), Some(2));
    let err = stderr(&run);
    for expected in [
        "<command line>:1:29: error[kiln::cli::usage]: standard input (`-`) can be read for one env only",
        "<command line>:1:39: error[kiln::cli::usage]: env `a` is given twice",
        "<command line>:1:54: error[kiln::cli::usage]: `--env` expects `ENV=PATH`",
    ] {
        assert!(err.contains(expected), "{expected}\n---\n{err}");
    }
    assert!(!out.exists());
}

#[test]
fn explain_points_at_the_argument_it_does_not_know() {
    let w = World::new();
    let run = w.kiln_plain(&["explain", "stagin", "wbe", "--color", "never"]);
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(stdout(&run), "");
    let err = stderr(&run);
    // Both unknown names are said at once, each at its argument.
    for expected in [
        "no env named `stagin`\n   ╭─[<command line>:1:14]\n 1 │ kiln explain stagin wbe\n   ·              ───┬──\n   ·                 ╰── no such env",
        "help: did you mean `staging`?",
        "no app named `wbe`\n   ╭─[<command line>:1:21]",
        "help: did you mean `web`?",
        "2 errors found",
    ] {
        assert!(err.contains(expected), "{expected}\n---\n{err}");
    }
    let run = w.kiln_plain(&[
        "explain",
        "staging",
        "web",
        "replicaz",
        "--message-format",
        "short",
    ]);
    assert_eq!(run.status.code(), Some(1));
    assert!(
        stderr(&run).contains(
            "<command line>:1:26: error[kiln::check::unknown_param]: component `web-service` has no parameter `replicaz`"
        ),
        "{}",
        stderr(&run)
    );
}

#[test]
fn explain_writes_ordering_as_kdl_and_paths_from_the_root() {
    let w = World::with("platform");
    let run = w.kiln_plain(&["explain", "production", "podinfo"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let text = stdout(&run);
    for expected in [
        "\ndepends-on \"ingress-nginx\" \"podinfo-certificates\"\n",
        "\nflux interval=\"10m\" retry-interval=\"2m\" timeout=\"5m\"\n",
    ] {
        assert!(text.contains(expected), "{expected}\n---\n{text}");
    }
    assert!(!text.contains("depends-on ="), "{text}");
    let trailing: Vec<&str> = text.lines().filter(|l| l.ends_with(' ')).collect();
    assert!(trailing.is_empty(), "{trailing:?}");

    // Asked for, and set by nothing: said so, not written as an empty value.
    let w = World::new();
    let run = w.kiln_plain(&["explain", "staging", "web", "depends-on"]);
    assert!(
        stdout(&run).ends_with("\ndepends-on: not set\n"),
        "{}",
        stdout(&run)
    );
    let run = w.kiln_plain(&["explain", "staging", "web", "flux"]);
    assert!(
        stdout(&run).contains("\nflux: not set\n"),
        "{}",
        stdout(&run)
    );
    assert!(
        !stdout(&run).lines().any(|l| l.ends_with(' ')),
        "{}",
        stdout(&run)
    );
}

#[test]
fn a_manifest_named_from_an_env_file_is_shown_from_the_root() {
    let w = World::new();
    let root = w.project();
    std::fs::remove_dir_all(&root).unwrap();
    std::fs::create_dir_all(root.join("envs")).unwrap();
    std::fs::create_dir_all(root.join("manifests")).unwrap();
    std::fs::write(
        root.join("kiln.kdl"),
        "project \"p\"\napp \"m\" component=\"manifests\" {\n}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("envs/staging.kdl"),
        "env \"staging\" {\n    namespace \"staging\"\n    app \"m\" {\n        manifest \"../manifests/d.yaml\"\n    }\n}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("manifests/d.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: d\nspec:\n  containers:\n    - name: d\n      image: nginx\n",
    )
    .unwrap();
    let run = w.kiln_plain(&["explain", "staging", "m"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let text = stdout(&run);
    assert!(text.contains("at manifests/d.yaml:8:7: no tag"), "{text}");
    assert!(!text.contains(".."), "{text}");
    let run = w.kiln_plain(&["check", "--message-format", "short"]);
    let err = stderr(&run);
    assert!(
        err.contains("\nmanifests/d.yaml:8:7: warning[kiln::lint::latest-tag]"),
        "{err}"
    );
    assert!(!err.contains(".."), "{err}");
}

#[test]
fn explain_points_at_its_arguments_and_its_flags_in_one_command_line() {
    let w = World::new();
    // The unknown app and the `--set` value of the wrong type, said at
    // once, in one source: the arguments, then the flags.
    assert_eq!(
        explain_labels(
            &w,
            &["--set", "web.replicas=x"],
            "kiln explain staging wbe --set web.replicas=x"
        ),
        [
            ("kiln::check::type_mismatch".to_string(), "x".to_string()),
            ("kiln::check::unknown_app".to_string(), "wbe".to_string()),
        ]
    );
    // A malformed flag is said before the project is read, in the same
    // text (the `--var`s before the `--set`s).
    assert_eq!(
        explain_labels(
            &w,
            &["--set", "web.replicas=x", "--var", "tag"],
            "kiln explain staging wbe --var tag --set web.replicas=x"
        ),
        [("kiln::resolve::bad_set".to_string(), "tag".to_string())]
    );
    // With a known app, the env's errors are said too.
    let run = w.kiln_plain(&[
        "explain",
        "staging",
        "web",
        "replicas",
        "--set",
        "web.replicaz=2",
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", stdout(&run));
    assert!(stderr(&run).contains("`replicaz`"), "{}", stderr(&run));
}

/// Runs `kiln explain staging wbe FLAGS` (an unknown app) with JSON
/// output; returns each label's code and the text it spans in `line`
/// (the command line kiln should show), sorted, once checked that every
/// label is in `<command line>`.
fn explain_labels(w: &World, flags: &[&str], line: &str) -> Vec<(String, String)> {
    let mut args = vec!["explain", "staging", "wbe"];
    args.extend(flags);
    args.extend(["--message-format", "json"]);
    let run = w.kiln_plain(&args);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let json = stdout(&run);
    let value: serde_json::Value = serde_json::from_str(&json).expect(&json);
    let mut found = Vec::new();
    for d in value["diagnostics"].as_array().expect(&json) {
        for label in d["labels"].as_array().expect(&json) {
            assert_eq!(label["file"], "<command line>", "{json}");
            let offset = label["span"]["offset"].as_u64().expect(&json) as usize;
            let length = label["span"]["length"].as_u64().expect(&json) as usize;
            let text = line.get(offset..offset + length).expect(&json);
            found.push((
                d["code"].as_str().expect(&json).to_string(),
                text.to_string(),
            ));
        }
    }
    found.sort();
    found
}
