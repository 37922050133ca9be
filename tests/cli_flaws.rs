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
