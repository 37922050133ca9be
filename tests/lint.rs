//! Lint: every rule of LINT.md on a fixture that triggers it and one that
//! does not (`tests/fixtures/lint/RULE` and `RULE-ok`, each with only that
//! rule on), the `file:line code` of each finding; levels and their
//! precedence; `lint-allow` and `kiln explain`; SARIF; `--deny-warnings`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::check;
use kiln::compile::Compiled;
use kiln::diag::{Format, render};
use kiln::lint::{Disposition, Level, RULES, RuleId};

mod common;

/// Asserts the snapshot `name` in the top-level `snapshots/` folder.
fn snapshot(name: &str, text: &str) {
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

/// `file:line code` of every diagnostic's primary label, sorted (repeats
/// kept: two findings on one line are two lines).
fn locations(c: &Compiled) -> Vec<String> {
    let mut out: Vec<String> = c
        .diags
        .0
        .iter()
        .map(|d| {
            let span = d.primary_span().expect("a finding has a primary label");
            let file = c.sources.get(span.file);
            format!(
                "{}:{} {}",
                file.name,
                file.line_col(span.start as usize).0,
                d.code
            )
        })
        .collect();
    out.sort();
    out
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lint")
        .join(name)
}

#[test]
fn every_rule_has_a_fixture_that_fires_and_one_that_does_not() {
    for rule in RULES.iter().filter(|r| r.configurable()) {
        for dir in [rule.name.to_string(), format!("{}-ok", rule.name)] {
            let kdl = std::fs::read_to_string(fixture(&dir).join("kiln.kdl"))
                .unwrap_or_else(|e| panic!("{dir}: {e}"));
            assert!(
                kdl.contains(&format!("lint \"{}\" \"warn\"", rule.name)),
                "{dir} turns its rule on"
            );
        }
    }
}

#[test]
fn lint_fixtures() {
    insta::glob!("fixtures/lint/*/kiln.kdl", |path| {
        let dir = path.parent().expect("kiln.kdl has a folder");
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let c = check(dir);
        let short = render(&c.diags.0, &c.sources, Format::Short, false);
        assert!(!c.diags.has_errors(), "{name}: errors\n{short}");
        let mut expected: Vec<String> = std::fs::read_to_string(dir.join("expect.txt"))
            .unwrap_or_else(|e| panic!("{name}: expect.txt: {e}"))
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        expected.sort();
        assert_eq!(locations(&c), expected, "{name}\n{short}");
        let rule = name.trim_end_matches("-ok");
        assert!(
            c.diags
                .0
                .iter()
                .all(|d| d.code == format!("kiln::lint::{rule}")),
            "{name}: only its rule is on\n{short}"
        );
        if name.ends_with("-ok") {
            assert!(
                expected.is_empty(),
                "{name}: a quiet fixture expects nothing"
            );
            return;
        }
        assert!(!expected.is_empty(), "{name}: the rule fires");
        // Every finding names the rendered object and field, and its envs.
        for d in &c.diags.0 {
            assert!(d.notes.iter().any(|n| n.contains(" of ")), "{d:?}");
            assert!(d.notes.iter().any(|n| n.starts_with("in env")), "{d:?}");
        }
        let report = format!(
            "{short}\n{}",
            render(&c.diags.0, &c.sources, Format::Human, false)
        );
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!(report);
        });
    });
}

/// A project in a temporary directory.
fn project(kdl: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kiln.kdl"), kdl).unwrap();
    dir
}

/// The disposition of `rule`'s finding for app `web` in `env`.
fn disposition(c: &Compiled, env: &str, rule: RuleId) -> Disposition {
    let found: Vec<&Disposition> = c
        .findings
        .iter()
        .filter(|f| f.env == env && f.app == "web" && f.rule == rule)
        .map(|f| &f.disposition)
        .collect();
    assert_eq!(found.len(), 1, "{env} {rule:?}: {:?}", c.findings);
    found[0].clone()
}

#[test]
fn levels_apply_project_then_env_later_wins() {
    let dir = project(
        r#"project "levels" {
    lint "*" "deny"
    lint "latest-tag" "warn"
}
env "dev"
env "staging" {
    lint "latest-tag" "deny"
}
env "production" {
    lint "no-pdb" "warn"
    lint "*" "allow"
    lint "latest-tag" "warn"
}
app "web" {
    image "nginx:latest"
    replicas 2
    resources cpu="100m" memory="64Mi" memory-limit="64Mi"
    probe "liveness" http="/healthz" port=8080
    security run-as-non-root=#true read-only-root=#true
    spread-across-nodes #true
}
"#,
    );
    let c = check(dir.path());
    use Disposition::*;
    // The project: `*` then the rule, the later wins.
    assert_eq!(
        disposition(&c, "dev", RuleId::LatestTag),
        Reported(Level::Warn)
    );
    assert_eq!(disposition(&c, "dev", RuleId::NoPdb), Reported(Level::Deny));
    // The env after the project.
    assert_eq!(
        disposition(&c, "staging", RuleId::LatestTag),
        Reported(Level::Deny)
    );
    assert_eq!(
        disposition(&c, "staging", RuleId::NoPdb),
        Reported(Level::Deny)
    );
    // In the env too the later wins: `*` allows what came before it.
    assert_eq!(
        disposition(&c, "production", RuleId::LatestTag),
        Reported(Level::Warn)
    );
    let AllowedByLevel(Some(span)) = disposition(&c, "production", RuleId::NoPdb) else {
        panic!("no-pdb is allowed in production");
    };
    assert_eq!(c.sources.slice(span), "lint \"*\" \"allow\"");
    // Deny findings are errors, warn findings warnings; allowed ones are
    // not reported. The same finding at two levels is two diagnostics.
    let short = render(&c.diags.0, &c.sources, Format::Short, false);
    assert!(c.diags.has_errors(), "{short}");
    assert!(
        short.contains("error[kiln::lint::latest-tag]")
            && short.contains("warning[kiln::lint::latest-tag]"),
        "{short}"
    );
    let pdb: Vec<_> = c
        .diags
        .0
        .iter()
        .filter(|d| d.code == "kiln::lint::no-pdb")
        .collect();
    assert_eq!(pdb.len(), 1, "{short}");
    assert!(pdb[0].is_error());
    assert!(
        pdb[0]
            .notes
            .iter()
            .any(|n| n == "in envs `dev` and `staging`"),
        "{short}"
    );
}

const ALLOWED: &str = r#"project "allowed" {
    lint "*" "allow"
    lint "latest-tag" "warn"
    lint "single-replica" "warn"
}
env "staging" {
    app "web" {
        lint-allow "latest-tag" reason="staging follows the newest build"
    }
}
env "production" {
    app "web" {
        image "nginx:1.27.0"
    }
}
app "web" {
    image "nginx:latest"
    lint-allow "single-replica" reason="a demo: one pod is plenty"
}
"#;

#[test]
fn lint_allow_accepts_a_finding_with_its_reason() {
    let dir = project(ALLOWED);
    let c = check(dir.path());
    assert!(c.diags.0.is_empty(), "{:?}", c.diags.0);
    let Disposition::AllowedByApp(a) = disposition(&c, "staging", RuleId::LatestTag) else {
        panic!("allowed by the env's app block");
    };
    assert_eq!(a.reason.value, "staging follows the newest build");
    for env in ["staging", "production"] {
        let Disposition::AllowedByApp(a) = disposition(&c, env, RuleId::SingleReplica) else {
            panic!("allowed by the app");
        };
        assert_eq!(a.reason.value, "a demo: one pod is plenty");
    }
    // `kiln explain` shows the allowed findings with their reasons.
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["explain", "staging", "web", "--project"])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("lint: 2 findings for app web in env staging"),
        "{text}"
    );
    assert!(
        text.contains(
            "allowed[latest-tag] image `nginx:latest` of container `web` is tagged `latest`"
        ),
        "{text}"
    );
    assert!(
        text.contains("allowed by `lint-allow` at kiln.kdl:8:9: staging follows the newest build"),
        "{text}"
    );
    assert!(
        text.contains("allowed by `lint-allow` at kiln.kdl:18:5: a demo: one pod is plenty"),
        "{text}"
    );
    assert!(
        text.ends_with("  not reported, their level in the env is `allow`: no-requests, no-memory-limit, no-liveness-probe, run-as-root, writable-root-fs\n"),
        "{text}"
    );
}

#[test]
fn explain_shows_reported_findings_with_their_help() {
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["explain", "production", "web", "--project"])
        .arg(fixture("latest-tag"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("lint: 2 findings for app web in env production"),
        "{text}"
    );
    assert!(text.contains("warning[latest-tag] image `nginx:latest` of container `web` is tagged `latest`\n    at kiln.kdl:10:15: tagged `latest`"), "{text}");
    assert!(
        text.contains("help: pin a version or a digest, such as `nginx:1.2.3`"),
        "{text}"
    );
}

fn kiln(args: &[&str], project: &Path, home: &Path) -> Output {
    common::sealed(
        &mut Command::new(env!("CARGO_BIN_EXE_kiln")),
        home,
        common::EPOCH,
    )
    .arg("--project")
    .arg(project)
    .args(args)
    .output()
    .expect("kiln runs")
}

#[test]
fn deny_warnings_fails_check_render_and_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let warned = fixture("latest-tag");
    let out = home.join("out");
    let out_s = out.to_str().unwrap();
    let repo = common::bare_repo(home);
    let repo_s = repo.to_str().unwrap();
    let code = |args: &[&str]| kiln(args, &warned, home).status.code();
    // Warnings alone pass; with --deny-warnings they fail, and nothing is
    // written or committed.
    assert_eq!(code(&["check", "--deny-warnings"]), Some(1));
    assert_eq!(
        code(&["render", "--out", out_s, "--deny-warnings"]),
        Some(1)
    );
    assert!(!out.exists(), "a failed render wrote its output");
    let author = "CI <ci@example.com>";
    assert_eq!(
        code(&[
            "commit",
            "--gitops",
            repo_s,
            "--author",
            author,
            "--deny-warnings"
        ]),
        Some(1)
    );
    let log = common::git(home, &repo, &["rev-list", "--all"]);
    assert!(log.stdout.is_empty(), "a failed commit committed");
    assert_eq!(code(&["check"]), Some(0));
    assert_eq!(code(&["render", "--out", out_s]), Some(0));
    assert!(out.join("staging/web/deployment-web.yaml").exists());
    assert_eq!(
        code(&["commit", "--gitops", repo_s, "--author", author]),
        Some(0)
    );
    // A clean project passes --deny-warnings.
    let clean = fixture("latest-tag-ok");
    assert_eq!(
        kiln(&["check", "--deny-warnings"], &clean, home)
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn a_denied_finding_fails_like_an_error() {
    let dir = project(
        r#"project "denied" {
    lint "*" "allow"
    lint "latest-tag" "deny"
}
env "staging"
app "web" {
    image "nginx"
}
"#,
    );
    let home = tempfile::tempdir().unwrap();
    let out = kiln(&["check", "--format", "short"], dir.path(), home.path());
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("kiln.kdl:7:11: error[kiln::lint::latest-tag]: image `nginx` of container `web` has no tag"), "{err}");
}

#[test]
fn sarif_carries_every_rule_with_its_doc_and_level() {
    let home = tempfile::tempdir().unwrap();
    let out = kiln(
        &["check", "--format", "sarif"],
        &fixture("no-pdb"),
        home.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout).replace(
        &format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")),
        "\"version\": \"[version]\"",
    );
    let doc: serde_json::Value = serde_json::from_str(&text).expect("one JSON document");
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for r in RULES {
        let rule = rules
            .iter()
            .find(|x| x["id"] == r.code)
            .unwrap_or_else(|| panic!("{} is a SARIF rule", r.code));
        assert_eq!(rule["shortDescription"]["text"], r.summary);
        assert_eq!(rule["fullDescription"]["text"], r.doc);
        assert!(
            rule["help"]["text"]
                .as_str()
                .is_some_and(|h| h.contains(r.fix))
        );
        let level = if r.default == Level::Deny {
            "error"
        } else {
            "warning"
        };
        assert_eq!(rule["defaultConfiguration"]["level"], level);
    }
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for r in results {
        assert_eq!(r["level"], "warning");
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
    snapshot("lint_sarif", &text);
}

#[test]
fn lint_list_prints_every_rule() {
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["lint", "--list"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for r in RULES {
        assert!(text.contains(&format!("{} (", r.name)), "{}", r.name);
        assert!(text.contains(r.doc), "{}", r.name);
    }
    snapshot("lint_list", &text);
}

#[test]
fn lint_sums_the_findings_up_by_rule() {
    let home = tempfile::tempdir().unwrap();
    let out = kiln(&["lint"], &fixture("single-replica"), home.path());
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.ends_with("lint: 5 findings (single-replica 5)\n"),
        "{err}"
    );
    let out = kiln(
        &["lint"],
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/podinfo"),
        home.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.ends_with(
            "lint: no findings; 26 allowed by `lint-allow` (`kiln explain ENV APP` shows their reasons)\n"
        ),
        "{err}"
    );
}

#[test]
fn every_example_is_clean_at_warn() {
    let home = tempfile::tempdir().unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&examples)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("kiln.kdl").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 3, "{dirs:?}");
    for dir in dirs {
        let out = kiln(&["check", "--deny-warnings"], &dir, home.path());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
