//! Whole command runs for the flaws a review of the last round left:
//! `set image`'s malformed arguments, `import`'s `--out` and `--env`
//! checks, and `explain`'s arguments and output.

mod common;

use std::process::Output;

use common::world::World;

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

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
