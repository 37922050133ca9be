//! Faults around kiln: output it cannot write, a full disk, a commit killed
//! half-way, a remote that always refuses, missing repositories, branches
//! and git itself. Git runs sealed (temp HOME, no global config, fixed
//! dates) against local repositories only.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;

fn sealed<'a>(cmd: &'a mut Command, home: &Path) -> &'a mut Command {
    common::sealed(cmd, home, common::EPOCH)
}

fn kiln_cmd(home: &Path, project: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kiln"));
    sealed(&mut cmd, home)
        .arg("--project")
        .arg(project)
        .args(args)
        .stdin(Stdio::null());
    cmd
}

fn kiln(home: &Path, project: &Path, args: &[&str]) -> Output {
    kiln_cmd(home, project, args).output().expect("kiln runs")
}

use common::git;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A project of `apps` workers in env `dev`, tagged `tag`.
fn fleet(dir: &Path, apps: usize, tag: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let mut s = String::from("project \"fleet\"\nenv \"dev\" { namespace \"dev\" }\n");
    for i in 0..apps {
        s.push_str(&format!(
            "app \"app-{i}\" component=\"worker\" {{\n image \"nginx:{tag}\"\n env \"N\" \"{i}\"\n}}\n"
        ));
    }
    std::fs::write(dir.join("kiln.kdl"), s).unwrap();
}

/// Every file below `dir` with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn output_under_a_regular_file_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("p");
    fleet(&p, 2, "1");
    std::fs::write(tmp.path().join("file"), "not a directory").unwrap();
    let out = kiln(
        tmp.path(),
        &p,
        &[
            "render",
            "--out",
            tmp.path().join("file/out").to_str().unwrap(),
        ],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot write"), "{err}");
    assert!(err.contains("kiln::render::output"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        std::fs::read(tmp.path().join("file")).unwrap(),
        b"not a directory"
    );
}

/// A three-app fleet under `dir`, rendered into `dir/out`: the project,
/// the output folder and a snapshot of it.
fn rendered_fleet(dir: &Path) -> (PathBuf, PathBuf, Vec<(PathBuf, Vec<u8>)>) {
    let p = dir.join("p");
    let out_dir = dir.join("out");
    fleet(&p, 3, "1");
    let out = kiln(dir, &p, &["render", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let before = snapshot(&out_dir);
    assert!(!before.is_empty());
    (p, out_dir, before)
}

#[test]
fn a_failed_write_leaves_the_previous_output_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let (p, out_dir, before) = rendered_fleet(tmp.path());
    assert!(!before.is_empty());
    // The staging folder kiln writes into is taken by a regular file.
    std::fs::write(out_dir.join(".dev.kiln-new"), "in the way").unwrap();
    fleet(&p, 3, "2");
    let out = kiln(
        tmp.path(),
        &p,
        &["render", "--out", out_dir.to_str().unwrap()],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("left as it was"), "{err}");
    std::fs::remove_file(out_dir.join(".dev.kiln-new")).unwrap();
    assert_eq!(before, snapshot(&out_dir), "the previous output changed");
}

/// A file size limit (`ulimit -f`) stands in for a full disk: the write
/// fails part-way, with the signal ignored (EFBIG) or delivered (SIGXFSZ).
#[test]
fn a_full_disk_leaves_the_previous_output_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let (p, out_dir, before) = rendered_fleet(tmp.path());
    // One app's file grows past the limit.
    let big = "x".repeat(64 * 1024);
    let s = std::fs::read_to_string(p.join("kiln.kdl")).unwrap();
    std::fs::write(
        p.join("kiln.kdl"),
        s.replace("env \"N\" \"2\"", &format!("env \"N\" \"{big}\"")),
    )
    .unwrap();
    for trap in ["trap '' XFSZ;", ""] {
        let script =
            format!("{trap} ulimit -f 16; exec \"$0\" --project \"$1\" render --out \"$2\"");
        let out = sealed(&mut Command::new("bash"), tmp.path())
            .args(["-c", &script, env!("CARGO_BIN_EXE_kiln")])
            .arg(&p)
            .arg(&out_dir)
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        if !trap.is_empty() {
            assert_eq!(out.status.code(), Some(1), "{err}");
            assert!(err.contains("left as it was"), "{err}");
        }
        // Leftover staging folders are allowed; the env folder is not touched.
        let now: Vec<_> = snapshot(&out_dir)
            .into_iter()
            .filter(|(path, _)| !path.to_string_lossy().contains(".kiln-"))
            .collect();
        assert_eq!(before, now, "the previous output changed ({trap})");
    }
    // With the limit gone, the next run lands.
    let out = kiln(
        tmp.path(),
        &p,
        &["render", "--out", out_dir.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// `kiln render --stdout` into a file that cannot grow must fail, not exit
/// 0 with half the objects.
#[test]
fn render_to_a_full_stdout_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("p");
    fleet(&p, 200, "1");
    let script = "trap '' XFSZ; ulimit -f 8; exec \"$0\" --project \"$1\" render --stdout > \"$2\"";
    let out = sealed(&mut Command::new("bash"), tmp.path())
        .args(["-c", script, env!("CARGO_BIN_EXE_kiln")])
        .arg(&p)
        .arg(tmp.path().join("all.yaml"))
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn rev(home: &Path, repo: &Path, what: &str) -> Option<String> {
    let out = git(home, repo, &["rev-parse", "--verify", "-q", what]);
    out.status
        .success()
        .then(|| text(&out.stdout).trim().to_string())
}

#[test]
fn a_commit_killed_part_way_leaves_a_sound_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let p = home.join("p");
    let repo = common::bare_repo(home);
    let repo_s = repo.to_str().unwrap();
    fleet(&p, 300, "1");
    let start = Instant::now();
    let first = kiln(home, &p, &["commit", "--gitops", repo_s]);
    let whole = start.elapsed().as_millis() as u64;
    assert!(first.status.success(), "{}", text(&first.stderr));
    let mut tags = 2;
    // Early kills land in the compile; those near the end of a whole run
    // land while objects and the ref are written.
    for delay in [
        10,
        50,
        200,
        whole * 7 / 10,
        whole * 85 / 100,
        whole * 95 / 100,
    ] {
        let old = rev(home, &repo, "refs/heads/main").unwrap();
        fleet(&p, 300, &tags.to_string());
        tags += 1;
        let mut child = kiln_cmd(home, &p, &["commit", "--gitops", repo_s])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        let fsck = git(home, &repo, &["fsck", "--strict", "--no-dangling"]);
        assert!(
            fsck.status.success(),
            "after {delay} ms: {}",
            text(&fsck.stderr)
        );
        let now = rev(home, &repo, "refs/heads/main").unwrap();
        if now != old {
            let parent = rev(home, &repo, "refs/heads/main^").unwrap();
            assert_eq!(parent, old, "after {delay} ms the branch moved elsewhere");
        }
        let next = kiln(home, &p, &["commit", "--gitops", repo_s]);
        assert!(
            next.status.success(),
            "after {delay} ms: {}",
            text(&next.stderr)
        );
        let landed = rev(home, &repo, "refs/heads/main").unwrap();
        let show = git(
            home,
            &repo,
            &[
                "show",
                &format!("{landed}:dev/app-299/deployment-app-299.yaml"),
            ],
        );
        assert!(
            text(&show.stdout).contains(&format!("nginx:{}", tags - 1)),
            "after {delay} ms: {}",
            text(&show.stderr)
        );
        assert!(git(home, &repo, &["fsck", "--strict"]).status.success());
    }
}

#[test]
fn a_push_rejected_every_time_exits_3_quickly_and_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let p = home.join("p");
    let repo = common::bare_repo(home);
    let repo_s = repo.to_str().unwrap();
    fleet(&p, 2, "1");
    let first = kiln(home, &p, &["commit", "--gitops", repo_s, "--push"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let old = rev(home, &repo, "refs/heads/main").unwrap();
    let hook = repo.join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'rejected by policy' >&2\nexit 1\n").unwrap();
    std::os::unix::fs::PermissionsExt::set_mode(
        &mut std::fs::metadata(&hook).unwrap().permissions(),
        0o755,
    );
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    fleet(&p, 2, "2");
    let before = snapshot(&p);
    let start = Instant::now();
    let out = kiln(
        home,
        &p,
        &["commit", "--gitops", repo_s, "--push", "--retries", "3"],
    );
    let took = start.elapsed();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert_eq!(rev(home, &repo, "refs/heads/main").unwrap(), old);
    assert_eq!(before, snapshot(&p), "the project changed");
    assert!(git(home, &repo, &["fsck", "--strict"]).status.success());
    // Once the hook is gone the same command lands.
    std::fs::remove_file(&hook).unwrap();
    let out = kiln(home, &p, &["commit", "--gitops", repo_s, "--push"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_ne!(rev(home, &repo, "refs/heads/main").unwrap(), old);
}

#[test]
fn a_gitops_path_that_is_a_file_or_missing_exits_3() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let p = home.join("p");
    fleet(&p, 1, "1");
    std::fs::write(home.join("file"), "x").unwrap();
    for target in [home.join("file"), home.join("missing"), home.to_path_buf()] {
        let out = kiln(home, &p, &["commit", "--gitops", target.to_str().unwrap()]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{}: {err}", target.display());
        assert!(!err.contains("panicked"), "{err}");
    }
    assert_eq!(std::fs::read(home.join("file")).unwrap(), b"x");
}

#[test]
fn a_branch_that_does_not_exist_is_created_or_refused_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let p = home.join("p");
    let repo = common::bare_repo(home);
    let repo_s = repo.to_str().unwrap();
    fleet(&p, 1, "1");
    assert!(
        kiln(home, &p, &["commit", "--gitops", repo_s])
            .status
            .success()
    );
    let main = rev(home, &repo, "refs/heads/main").unwrap();
    for push in [false, true] {
        let mut args = vec!["commit", "--gitops", repo_s, "--branch", "nope"];
        if push {
            args.push("--push");
        }
        let out = kiln(home, &p, &args);
        let err = text(&out.stderr);
        assert!(!err.contains("panicked"), "{err}");
        assert!(matches!(out.status.code(), Some(0 | 3)), "{err}");
        assert_eq!(rev(home, &repo, "refs/heads/main").unwrap(), main);
    }
    let bad = kiln(
        home,
        &p,
        &["commit", "--gitops", repo_s, "--branch", "a..b"],
    );
    assert!(
        matches!(bad.status.code(), Some(2 | 3)),
        "{}",
        text(&bad.stderr)
    );
}

#[test]
fn git_missing_from_path_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let p = home.join("p");
    let repo_s = common::bare_repo(home);
    fleet(&p, 1, "1");
    std::fs::create_dir(home.join("empty-bin")).unwrap();
    for args in [
        vec!["commit", "--gitops", repo_s.to_str().unwrap(), "--push"],
        vec!["commit", "--gitops", repo_s.to_str().unwrap()],
        vec!["diff", "--gitops", repo_s.to_str().unwrap()],
    ] {
        let out = kiln_cmd(home, &p, &args)
            .env("PATH", home.join("empty-bin"))
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert!(!err.contains("panicked"), "{err}");
        if !out.status.success() {
            assert_eq!(out.status.code(), Some(3), "{args:?}: {err}");
            assert!(err.contains("git"), "{err}");
        }
    }
    // The remote path needs git to push: it must say so.
    let out = kiln_cmd(
        home,
        &p,
        &["commit", "--gitops", repo_s.to_str().unwrap(), "--push"],
    )
    .env("PATH", home.join("empty-bin"))
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).to_lowercase().contains("git"));
}

/// A token in the gitops URL must not reach any output, error or file.
#[test]
fn a_token_in_the_gitops_url_is_never_shown_or_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let p = home.join("p");
    fleet(&p, 1, "1");
    let url = "http://user:tok3n@127.0.0.1:1/x.git";
    for args in [
        vec!["commit", "--gitops", url],
        vec![
            "commit",
            "--gitops",
            url,
            "--retries",
            "1",
            "--message-format",
            "json",
        ],
        vec!["diff", "--gitops", url],
        vec!["commit", "--gitops", url, "-v"],
    ] {
        let start = Instant::now();
        let out = kiln(home, &p, &args);
        assert!(start.elapsed() < Duration::from_secs(30));
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(3), "{args:?}: {all}");
        assert!(!all.contains("tok3n"), "{args:?}: {all}");
        assert!(!all.contains("panicked"), "{all}");
    }
    // Nor in any file kiln left (the cache clone's config among them).
    let mut stack = vec![home.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let path = e.path();
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                stack.push(path);
            } else if ft.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                assert!(
                    !text(&bytes).contains("tok3n"),
                    "the token is in {}",
                    path.display()
                );
            }
        }
    }
}
