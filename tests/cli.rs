//! Whole command runs that are not about a project: `--help`, bad flags.

use std::process::Command;

mod common;

fn kiln(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("kiln runs")
}

#[test]
fn help_lists_every_command() {
    let out = kiln(&["--help"]);
    assert!(out.status.success());
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!("help", String::from_utf8_lossy(&out.stdout));
    });
}

#[test]
fn every_command_help_has_an_example() {
    let help = String::from_utf8_lossy(&kiln(&["--help"]).stdout).to_string();
    let commands: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 15, "{commands:?}");
    for c in commands {
        let out = kiln(&[&c, "--help"]);
        assert!(out.status.success(), "{c}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Example"),
            "`kiln {c} --help` has no example"
        );
    }
}

#[test]
fn a_wrong_command_line_exits_2() {
    assert_eq!(kiln(&["render", "--no-such-flag"]).status.code(), Some(2));
    assert_eq!(kiln(&["no-such-command"]).status.code(), Some(2));
}

#[test]
fn outside_a_project_check_says_so_and_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .arg("check")
        .current_dir(tmp.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("kiln.kdl"), "{err}");
    assert!(err.contains("kiln init"), "{err}");
}

#[test]
fn init_makes_a_project_that_checks_renders_and_validates() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("hello-service");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_kiln"))
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let init = run(&["init", dir.to_str().unwrap()]);
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    assert!(
        std::fs::read_to_string(dir.join("kiln.kdl"))
            .unwrap()
            .contains("project \"hello-service\"")
    );
    let project = dir.to_str().unwrap();
    // Clean at `warn`: no lint finding either.
    let check = run(&["--project", project, "check", "--deny-warnings"]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(run(&["--project", project, "render"]).status.success());
    for env in ["staging", "production"] {
        let out = Command::new("kubectl")
            .arg("kustomize")
            .arg(dir.join("rendered").join(env))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let file = tmp.path().join(format!("{env}.yaml"));
        std::fs::write(&file, &out.stdout).unwrap();
        common::kubernetes_validate(&file);
    }
    // A second init refuses to overwrite the project.
    let again = run(&["init", project]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[test]
fn a_reader_that_stops_early_gets_no_panic() {
    use std::io::Read;
    let project = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/podinfo");
    for args in [vec!["render", "--stdout"], vec!["schema", "web-service"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kiln"))
            .args(["--project", project])
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 16];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // stdout is closed here, like `kiln … | head -c 16`.
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !err.contains("panicked") && !err.contains("kiln::internal"),
            "{args:?}: {err}"
        );
    }
}

/// `kiln explain` of `project` with each case's arguments succeeds and
/// prints the case's text.
fn assert_explains(project: &str, cases: &[(&[&str], &str)]) {
    for (args, expected) in cases {
        let mut all = vec!["explain", "--project", project];
        all.extend(*args);
        let out = kiln(&all);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(expected), "{args:?}: {text}");
    }
}

#[test]
fn explain_shows_where_an_apps_namespace_comes_from() {
    let project = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/valid/namespace-per-app"
    );
    let cases: &[(&[&str], &str)] = &[
        (
            &["staging", "issuers"][..],
            "namespace = \"cert-manager-staging\"\n  overridden, was app at kiln.kdl:6:5: namespace \"cert-manager\"\n  set by env override at kiln.kdl:32:9: namespace \"cert-manager-staging\"\n",
        ),
        (
            &["production", "web", "namespace"][..],
            "namespace = \"web-production\"\n  set by app at kiln.kdl:15:5: namespace \"web-{{ env.name }}\"\n",
        ),
        (
            &["production", "plain", "namespace"][..],
            "namespace = \"prod\"\n  from: env `production`\n",
        ),
    ];
    assert_explains(project, cases);
}

#[test]
fn explain_shows_dependencies_and_flux_settings_with_their_layers() {
    let project = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/valid/ordering");
    let cases: &[(&[&str], &str)] = &[
        (
            &["production", "web", "depends-on"][..],
            "depends-on \"cache\" \"gateway\"\n  cache: declared by app at kiln.kdl:43:26: \"cache\"\n  gateway: declared by app at kiln.kdl:43:16: \"gateway\"\n",
        ),
        (
            &["staging", "web", "depends-on"][..],
            "depends-on \"gateway\"\n  gateway: declared by app at kiln.kdl:43:16: \"gateway\"\n  cache: removed by env override at kiln.kdl:14:20\n",
        ),
        (
            &["production", "issuers"][..],
            "  crds: implied: renders `ClusterIssuer` (`cert-manager.io`) at kiln.kdl:31:14, whose CRD `clusterissuers.cert-manager.io` app `crds` renders\n",
        ),
        // env < app < flavor < env override, field by field.
        (
            &["production", "gateway", "flux"][..],
            "flux interval=\"30m\" retry-interval=\"2m\" timeout=\"10m\" wait=#true prune=#false\n",
        ),
        (
            &["production", "gateway", "flux"][..],
            "  interval: overridden, was env at kiln.kdl:20:19: \"5m\"\n  interval: overridden, was app at kiln.kdl:36:19: \"15m\"\n  interval: set by env override at kiln.kdl:22:23: \"30m\"\n",
        ),
        (
            &["production", "gateway", "flux"][..],
            "  timeout: overridden, was app at kiln.kdl:36:46: \"1m\"\n  timeout: set by flavor `patient` at kiln.kdl:8:18: \"10m\"\n",
        ),
        (
            &["staging", "gateway", "flux"][..],
            "flux interval=\"15m\" timeout=\"1m\" prune=#false\n",
        ),
    ];
    assert_explains(project, cases);
}

#[test]
fn check_verbose_prints_each_envs_apply_order() {
    let project = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/valid/ordering");
    let out = kiln(&["check", "-v", "--project", project]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("production (namespace production): 7 apps, 5 objects\n  apply order: cache, crds, ingress-nginx → external-dns, issuers → gateway → web\n"),
        "{text}"
    );
    let plain = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/valid/manifest-and-patch"
    );
    let out = kiln(&["check", "-v", "--project", plain]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("  apply order: every app at once"), "{text}");
}
