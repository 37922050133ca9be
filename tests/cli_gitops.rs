//! `kiln commit` and `kiln diff` through the binary, against local bare
//! repositories, with git in a sealed environment.

use std::path::Path;
use std::process::{Command, Output};

mod common;

fn sealed<'a>(cmd: &'a mut Command, home: &Path) -> &'a mut Command {
    common::sealed(cmd, home, common::EPOCH)
}

fn kiln(home: &Path, args: &[&str]) -> Output {
    let project = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/podinfo");
    sealed(&mut Command::new(env!("CARGO_BIN_EXE_kiln")), home)
        .arg("--project")
        .arg(project)
        .args(args)
        .output()
        .expect("kiln runs")
}

use common::git;

#[test]
fn commit_then_up_to_date_then_diff_and_change() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let repo = common::bare_repo(home);
    let repo_s = repo.to_str().unwrap();

    let first = kiln(
        home,
        &[
            "commit",
            "--gitops",
            repo_s,
            "--author",
            "CI <ci@example.com>",
        ],
    );
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let commit = String::from_utf8_lossy(&first.stdout).trim().to_string();
    assert_eq!(commit.len(), 40);

    let again = kiln(home, &["commit", "--gitops", repo_s]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("up to date"));
    let log = git(home, &repo, &["rev-list", "--count", "main"]);
    assert_eq!(
        String::from_utf8_lossy(&log.stdout).trim(),
        "1",
        "no second commit"
    );

    let same = kiln(home, &["diff", "--gitops", repo_s, "--exit-code"]);
    assert_eq!(same.status.code(), Some(0));
    let set = "backend.image=ghcr.io/stefanprodan/podinfo:6.15.0";
    let differs = kiln(
        home,
        &[
            "diff",
            "--gitops",
            repo_s,
            "--exit-code",
            "--set",
            set,
            "--format",
            "markdown",
        ],
    );
    assert_eq!(differs.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&differs.stdout).contains("deployment-backend.yaml"));

    let change = kiln(home, &["commit", "--gitops", repo_s, "--set", set]);
    assert!(change.status.success());
    let subject = git(
        home,
        &repo,
        &["log", "-1", "--format=%s%n%an <%ae>", "main"],
    );
    let subject = String::from_utf8_lossy(&subject.stdout);
    assert!(
        subject.starts_with("deploy dev, production, staging: backend 6.14.1 → 6.15.0"),
        "{subject}"
    );
    assert!(git(home, &repo, &["fsck", "--strict"]).status.success());
}

#[test]
fn a_directory_that_is_not_a_repository_exits_3() {
    let tmp = tempfile::tempdir().unwrap();
    let out = kiln(
        tmp.path(),
        &["commit", "--gitops", tmp.path().to_str().unwrap()],
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a git repository"));
}

/// With `--push` the remote is fetched while the project renders; what
/// that fetch meets is reported once, as the commit's own fetch would.
#[test]
fn a_remote_that_fails_the_fetch_beside_the_render_is_one_error() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let repo = common::bare_repo(home);
    let repo_s = repo.to_str().unwrap();
    let first = kiln(home, &["commit", "--gitops", repo_s, "--push"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );

    // Through a `git` that notes each fetch: the failed fetch is not
    // tried (and waited for) a second time.
    let real = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join("git"))
        .find(|g| g.is_file())
        .expect("git on PATH");
    let bin = home.join("bin");
    std::fs::create_dir(&bin).unwrap();
    let log = home.join("fetches");
    let wrapper = bin.join("git");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\ncase \" $* \" in *\" fetch \"*) echo fetch >> '{}';; esac\nexec '{}' \"$@\"\n",
            log.display(),
            real.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin.clone())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let missing = sealed(&mut Command::new(env!("CARGO_BIN_EXE_kiln")), home)
        .env("PATH", path)
        .arg("--project")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/podinfo"))
        .args(["commit", "--gitops", repo_s, "--push", "--branch", "nosuch"])
        .output()
        .expect("kiln runs");
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(missing.status.code(), Some(3), "{stderr}");
    assert_eq!(stderr.matches("error[").count(), 1, "{stderr}");
    assert!(stderr.contains("nosuch"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "fetch\n");

    let gone = home.join("gone.git");
    let unreachable = kiln(
        home,
        &["commit", "--gitops", gone.to_str().unwrap(), "--push"],
    );
    let stderr = String::from_utf8_lossy(&unreachable.stderr);
    assert_eq!(unreachable.status.code(), Some(3), "{stderr}");
    assert_eq!(stderr.matches("error[").count(), 1, "{stderr}");
    assert_eq!(
        git(home, &repo, &["rev-list", "--count", "--all"]).stdout,
        b"1\n",
        "nothing else was pushed"
    );
}

#[test]
fn deploy_rules_pick_envs_for_an_event() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let repo = common::bare_repo(home);
    let project = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/shop");
    let out = sealed(&mut Command::new(env!("CARGO_BIN_EXE_kiln")), home)
        .args([
            "--project",
            project,
            "commit",
            "--gitops",
            repo.to_str().unwrap(),
            "--event",
            "push",
            "--ref",
            "main",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = git(home, &repo, &["ls-tree", "--name-only", "main"]);
    let tree = String::from_utf8_lossy(&tree.stdout);
    assert!(tree.contains("staging"), "{tree}");
    assert!(
        !tree.contains("production"),
        "a push to main deploys staging only: {tree}"
    );
}

/// Six `kiln commit --push` processes from six projects race on one env of
/// one bare repository: every one lands, and the env lists every app.
#[test]
fn six_projects_racing_on_one_env_all_land() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let repo = common::bare_repo(home);
    let mut children = Vec::new();
    for i in 0..6 {
        let dir = home.join(format!("p{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("kiln.kdl"),
            format!("project \"team-{i}\"\napp \"svc-{i}\" {{\n    image \"ghcr.io/acme/svc-{i}:1.0.{i}\"\n    port 8080 name=\"http\"\n}}\nenv \"prod\"\n"),
        )
        .unwrap();
        let child = sealed(&mut Command::new(env!("CARGO_BIN_EXE_kiln")), home)
            .args([
                "--project",
                dir.to_str().unwrap(),
                "commit",
                "--gitops",
                repo.to_str().unwrap(),
                "--push",
                "--retries",
                "30",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        children.push(child);
    }
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a racer failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let count = git(home, &repo, &["rev-list", "--count", "main"]);
    assert_eq!(
        String::from_utf8_lossy(&count.stdout).trim(),
        "6",
        "one commit per project"
    );
    assert!(git(home, &repo, &["fsck", "--strict"]).status.success());

    // A clone builds per env with kubectl kustomize, every app included.
    assert!(
        git(
            home,
            home,
            &["clone", "-q", "-b", "main", "repo.git", "clone"]
        )
        .status
        .success()
    );
    let env_dir = home.join("clone/prod");
    let kustomization = std::fs::read_to_string(env_dir.join("kustomization.yaml")).unwrap();
    for i in 0..6 {
        assert!(
            kustomization.contains(&format!("- svc-{i}\n")),
            "{kustomization}"
        );
    }
    if let Ok(out) = Command::new("kubectl")
        .args(["kustomize"])
        .arg(&env_dir)
        .output()
    {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let built = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            built.lines().filter(|l| *l == "kind: Deployment").count(),
            6,
            "{built}"
        );
        let file = home.join("prod.yaml");
        std::fs::write(&file, &out.stdout).unwrap();
        common::kubernetes_validate(&file);
    }
}
