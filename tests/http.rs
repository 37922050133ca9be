//! Smart HTTP remotes for real: `kiln commit` fetches from and pushes to
//! `git http-backend`, served on 127.0.0.1 with basic authentication by
//! the server in tests/common/http.rs, which each test starts and stops.
//! Credentials come in the URL or from a git credential helper, and never
//! show in kiln's output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

mod common;

use common::http::{GitHttp, base64};

const USER: &str = "deploy-bot";
const PASSWORD: &str = "s3cret-Pa55word";

/// A sealed home, a bare `repo.git` under `srv/` and a server for it.
struct Remote {
    tmp: TempDir,
    server: GitHttp,
}

impl Remote {
    fn new() -> Remote {
        let tmp = tempfile::tempdir().unwrap();
        let srv = tmp.path().join("srv");
        std::fs::create_dir_all(&srv).unwrap();
        let out = common::git(
            tmp.path(),
            &srv,
            &["init", "-q", "--bare", "--initial-branch=main", "repo.git"],
        );
        assert!(out.status.success());
        let server = GitHttp::start(&srv, tmp.path(), USER, PASSWORD);
        Remote { tmp, server }
    }

    fn home(&self) -> &Path {
        self.tmp.path()
    }

    fn repo(&self) -> PathBuf {
        self.home().join("srv/repo.git")
    }

    /// A project `name` with one app `svc-<name>` at `tag`.
    fn project(&self, name: &str, tag: &str) -> PathBuf {
        let dir = self.home().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("kiln.kdl"),
            format!(
                "project \"{name}\"\napp \"svc-{name}\" {{\n    image \"ghcr.io/acme/{name}:{tag}\"\n    port 8080 name=\"http\"\n}}\nenv \"prod\"\n"
            ),
        )
        .unwrap();
        dir
    }

    fn command(&self, project: &Path, url: &str) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kiln"));
        common::sealed(&mut cmd, self.home(), common::EPOCH)
            .env("NO_PROXY", "127.0.0.1")
            .env("no_proxy", "127.0.0.1")
            .args([
                "--project",
                project.to_str().unwrap(),
                "commit",
                "--gitops",
                url,
            ]);
        cmd
    }

    fn commit(&self, project: &Path, url: &str) -> Output {
        self.command(project, url).output().expect("kiln runs")
    }

    fn git(&self, args: &[&str]) -> String {
        let out = common::git(self.home(), &self.repo(), args);
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn count(&self) -> usize {
        self.git(&["rev-list", "--count", "main"]).parse().unwrap()
    }

    fn fsck(&self) {
        self.git(&["fsck", "--strict", "--no-progress"]);
    }
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn the_servers_authorization_is_basic_base64() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    assert_eq!(base64(b"bot:s3cret"), "Ym90OnMzY3JldA==");
}

#[test]
fn a_push_over_http_lands_and_never_prints_the_password() {
    let r = Remote::new();
    let url = r.server.url_with(USER, PASSWORD, "repo.git");
    let project = r.project("shop", "1.0.0");
    let first = r.commit(&project, &url);
    assert!(first.status.success(), "{}", text(&first));
    assert_eq!(r.count(), 1);
    let id = String::from_utf8_lossy(&first.stdout).trim().to_string();
    assert_eq!(r.git(&["rev-parse", "main"]), id);
    assert!(
        r.git(&["show", "main:prod/svc-shop/deployment-svc-shop.yaml"])
            .contains("ghcr.io/acme/shop:1.0.0")
    );
    // A change lands on top; the same render again is no commit.
    r.project("shop", "1.1.0");
    let second = r.commit(&project, &url);
    assert!(second.status.success(), "{}", text(&second));
    let again = r.commit(&project, &url);
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("up to date"), "{}", text(&again));
    assert_eq!(r.count(), 2);
    for out in [&first, &second, &again] {
        assert!(!text(out).contains(PASSWORD), "{}", text(out));
    }
    assert!(
        text(&second).contains(&r.server.url("repo.git")),
        "the URL is shown without credentials: {}",
        text(&second)
    );
    // Nothing kiln keeps holds the password either.
    let cache = r.home().join("cache");
    let grep = Command::new("grep")
        .args(["-r", "-l", PASSWORD])
        .arg(&cache)
        .output()
        .unwrap();
    assert!(
        grep.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&grep.stdout)
    );
    r.fsck();
}

#[test]
fn credentials_come_from_a_credential_helper() {
    let r = Remote::new();
    let url = r.server.url("repo.git");
    let project = r.project("shop", "1.0.0");
    // Without credentials git cannot ask anyone: exit 3, nothing pushed.
    let refused = r.commit(&project, &url);
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused));
    assert!(r.server.refused() > 0);
    assert!(r.git(&["for-each-ref"]).is_empty());
    // A helper in the user's git configuration answers.
    let config = r.home().join("gitconfig");
    std::fs::write(
        &config,
        format!(
            "[credential]\n\thelper = \"!f() {{ test \\\"$1\\\" = get && echo username={USER} && echo password={PASSWORD}; }}; f\"\n"
        ),
    )
    .unwrap();
    let out = r
        .command(&project, &url)
        .env("GIT_CONFIG_GLOBAL", &config)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains(PASSWORD));
    assert_eq!(r.count(), 1);
    // The same through the environment, as CI sets configuration.
    r.project("shop", "1.1.0");
    let out = r
        .command(&project, &url)
        .env("GIT_CONFIG_COUNT", "1")
        .env("GIT_CONFIG_KEY_0", "credential.helper")
        .env(
            "GIT_CONFIG_VALUE_0",
            format!("!f() {{ echo username={USER}; echo password={PASSWORD}; }}; f"),
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(r.count(), 2);
    r.fsck();
}

#[test]
fn a_wrong_password_is_exit_3_and_never_printed() {
    let r = Remote::new();
    let wrong = "wr0ng-Pa55word-9f3e";
    let url = r.server.url_with(USER, wrong, "repo.git");
    let project = r.project("shop", "1.0.0");
    let out = r.commit(&project, &url);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let all = text(&out);
    assert!(!all.contains(wrong), "{all}");
    assert!(!all.contains(PASSWORD), "{all}");
    assert!(all.contains("error[kiln::gitops::"), "{all}");
    assert!(r.server.refused() > 0);
    assert!(r.git(&["for-each-ref"]).is_empty(), "nothing pushed");
}

#[test]
fn a_server_killed_mid_push_loses_nothing_and_the_next_run_lands() {
    let r = Remote::new();
    let url = r.server.url_with(USER, PASSWORD, "repo.git");
    let project = r.project("shop", "1.0.0");
    let first = r.commit(&project, &url);
    assert!(first.status.success(), "{}", text(&first));
    let before = r.git(&["rev-parse", "main"]);

    r.project("shop", "2.0.0");
    r.server.die_in_next_push();
    let killed = r.commit(&project, &url);
    assert_eq!(killed.status.code(), Some(3), "{}", text(&killed));
    assert!(r.server.stopped(), "the server died mid-push");
    assert!(!text(&killed).contains(PASSWORD));
    assert_eq!(
        r.git(&["rev-parse", "main"]),
        before,
        "the branch did not move"
    );
    r.fsck();

    // The server comes back (on another port); the next run lands.
    let back = GitHttp::start(&r.home().join("srv"), r.home(), USER, PASSWORD);
    let url = back.url_with(USER, PASSWORD, "repo.git");
    let next = r.commit(&project, &url);
    assert!(next.status.success(), "{}", text(&next));
    assert_eq!(r.count(), 2);
    assert_eq!(r.git(&["rev-parse", "main~1"]), before);
    assert!(
        r.git(&["show", "main:prod/svc-shop/deployment-svc-shop.yaml"])
            .contains("ghcr.io/acme/shop:2.0.0")
    );
    r.fsck();
}

#[test]
fn six_commits_racing_over_http_all_land() {
    let r = Remote::new();
    let url = r.server.url_with(USER, PASSWORD, "repo.git");
    let children: Vec<_> = (0..6)
        .map(|i| {
            let project = r.project(&format!("team-{i}"), &format!("1.0.{i}"));
            r.command(&project, &url)
                .args(["--retries", "30"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "a racer failed: {}", text(&out));
        assert!(!text(&out).contains(PASSWORD));
    }
    assert_eq!(r.count(), 6, "one commit per project");
    let kustomization = r.git(&["show", "main:prod/kustomization.yaml"]);
    for i in 0..6 {
        assert!(
            kustomization
                .lines()
                .any(|l| l == format!("- svc-team-{i}")),
            "{kustomization}"
        );
    }
    r.fsck();
}
