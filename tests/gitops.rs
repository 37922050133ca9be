//! The gitops writer against real repositories: every git use is sealed
//! (temp `HOME`, no global or system config, fixed times) and remotes are
//! local bare repositories; nothing touches the network.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

use kiln::gitops::{self, Change, CommitOptions, GitopsError, Outcome, Signature, Source};
use kiln::output::{AppOutput, EnvOutput};
use tempfile::TempDir;

const EPOCH: &str = "1700000000";

/// Seal the environment of this test process once: the library's git calls
/// inherit it.
fn seal() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let home = tempfile::tempdir().unwrap().keep();
        // SAFETY: set once, before any test thread reads these variables
        // through git (every test calls `seal` first).
        unsafe {
            std::env::set_var("HOME", &home);
            std::env::set_var("GIT_CONFIG_GLOBAL", "/dev/null");
            std::env::set_var("GIT_CONFIG_NOSYSTEM", "1");
            std::env::set_var("SOURCE_DATE_EPOCH", EPOCH);
        }
    });
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Hand")
        .env("GIT_AUTHOR_EMAIL", "hand@example.com")
        .env("GIT_COMMITTER_NAME", "Hand")
        .env("GIT_COMMITTER_EMAIL", "hand@example.com")
        .env("GIT_AUTHOR_DATE", format!("@{EPOCH} +0000"))
        .env("GIT_COMMITTER_DATE", format!("@{EPOCH} +0000"))
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn fsck(dir: &Path) {
    git(dir, &["fsck", "--strict", "--no-progress"]);
}

/// A fresh bare repository with `main` as its unborn branch.
fn bare() -> (TempDir, PathBuf) {
    seal();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("gitops.git");
    std::fs::create_dir(&path).unwrap();
    git(
        &path,
        &["init", "--bare", "--quiet", "--initial-branch=main"],
    );
    (tmp, path)
}

fn app(name: &str, tag: &str) -> (String, AppOutput) {
    let image = format!("registry.example.com/{name}:{tag}");
    let mut files = BTreeMap::new();
    files.insert(
        format!("deployment-{name}.yaml"),
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n      containers:\n      - image: {image}\n").into_bytes(),
    );
    files.insert(
        format!("service-{name}.yaml"),
        format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n").into_bytes(),
    );
    (
        name.to_string(),
        AppOutput {
            files,
            images: vec![image],
            ..AppOutput::default()
        },
    )
}

fn env(name: &str, apps: &[(&str, &str)]) -> EnvOutput {
    EnvOutput {
        env: name.to_string(),
        folder: name.to_string(),
        namespace: "shop".to_string(),
        namespace_objects: Default::default(),
        apps: apps.iter().map(|(a, t)| app(a, t)).collect(),
        ..EnvOutput::default()
    }
}

fn change(project: &str, envs: Vec<EnvOutput>) -> Change {
    Change {
        project: project.to_string(),
        kiln_version: "0.1.0".to_string(),
        source: Source {
            repo: Some("https://git.example.com/shop.git".to_string()),
            commit: Some("abc123".to_string()),
            ..Source::default()
        },
        envs,
        ..Change::default()
    }
}

fn opts(cache: &Path) -> CommitOptions {
    CommitOptions {
        branch: "main".to_string(),
        push: false,
        retries: 5,
        force: false,
        author: Signature {
            name: "kiln".to_string(),
            email: "kiln@localhost".to_string(),
        },
        time: Some(EPOCH.parse().unwrap()),
        cache_dir: cache.to_path_buf(),
        sign: false,
    }
}

fn commit(repo: &Path, change: &Change, opts: &CommitOptions) -> Result<Outcome, GitopsError> {
    gitops::commit(repo.to_str().unwrap(), change, opts)
}

fn count(repo: &Path) -> usize {
    git(repo, &["rev-list", "--count", "main"])
        .trim()
        .parse()
        .unwrap()
}

fn show(repo: &Path, path: &str) -> String {
    git(repo, &["show", &format!("main:{path}")])
}

fn subject(repo: &Path) -> String {
    git(repo, &["log", "-1", "--format=%s", "main"])
        .trim()
        .to_string()
}

#[test]
fn first_commit_into_empty_bare_repo_then_up_to_date() {
    let (tmp, repo) = bare();
    let c = change("shop", vec![env("staging", &[("web", "1.0")])]);
    let o = opts(tmp.path());
    let Outcome::Committed {
        commit: id,
        summary,
    } = commit(&repo, &c, &o).unwrap()
    else {
        panic!("expected a commit");
    };
    assert_eq!(git(&repo, &["rev-parse", "main"]).trim(), id);
    assert_eq!(summary.envs[0].env, "staging");
    assert_eq!(count(&repo), 1);
    let files = git(&repo, &["ls-tree", "-r", "--name-only", "main"]);
    assert_eq!(
        files,
        "staging/.kiln/releases/web.json\nstaging/.kiln/shop.json\nstaging/kustomization.yaml\n\
         staging/web/deployment-web.yaml\nstaging/web/kustomization.yaml\nstaging/web/service-web.yaml\n"
    );
    assert_eq!(
        show(&repo, "staging/kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- web\n"
    );
    let state: serde_json::Value =
        serde_json::from_str(&show(&repo, "staging/.kiln/shop.json")).unwrap();
    assert_eq!(state["files"]["web/deployment-web.yaml"]["app"], "web");
    assert_eq!(state["source_commit"], "abc123");
    let release: serde_json::Value =
        serde_json::from_str(&show(&repo, "staging/.kiln/releases/web.json")).unwrap();
    assert_eq!(release["images"][0], "registry.example.com/web:1.0");
    let message = git(&repo, &["log", "-1", "--format=%B", "main"]);
    assert!(
        message.starts_with("deploy staging: web 1.0\n"),
        "{message}"
    );
    assert!(message.contains("Kiln-Source: https://git.example.com/shop.git@abc123\n"));
    assert!(message.contains("Kiln-Env: staging\n"));
    assert!(message.contains("Kiln-Version: 0.1.0\n"));
    assert!(
        message.contains("added   web/deployment-web.yaml"),
        "{message}"
    );
    assert_eq!(
        git(&repo, &["log", "-1", "--format=%an <%ae> %at", "main"]).trim(),
        format!("kiln <kiln@localhost> {EPOCH}")
    );

    // Same render, even from a newer source commit: no commit.
    let mut again = c.clone();
    again.source.commit = Some("def456".to_string());
    assert_eq!(commit(&repo, &again, &o).unwrap(), Outcome::UpToDate);
    assert_eq!(count(&repo), 1);
    fsck(&repo);
}

#[test]
fn identical_input_gives_identical_commits() {
    let (tmp_a, a) = bare();
    let (tmp_b, b) = bare();
    let c = change(
        "shop",
        vec![env("staging", &[("web", "1.0"), ("api", "2.0")])],
    );
    let ida = commit(&a, &c, &opts(tmp_a.path())).unwrap();
    let idb = commit(&b, &c, &opts(tmp_b.path())).unwrap();
    assert_eq!(ida, idb);
}

#[test]
fn a_change_makes_a_new_commit() {
    let (tmp, repo) = bare();
    let o = opts(tmp.path());
    commit(
        &repo,
        &change("shop", vec![env("staging", &[("web", "1.0")])]),
        &o,
    )
    .unwrap();
    let c = change(
        "shop",
        vec![
            env("staging", &[("web", "1.1")]),
            env("production", &[("web", "1.1")]),
        ],
    );
    assert!(matches!(
        commit(&repo, &c, &o).unwrap(),
        Outcome::Committed { .. }
    ));
    assert_eq!(count(&repo), 2);
    assert_eq!(
        subject(&repo),
        "deploy staging: web 1.0 → 1.1; production: web 1.1"
    );
    let message = git(&repo, &["log", "-1", "--format=%B", "main"]);
    assert!(
        message.contains("Kiln-Env: staging\nKiln-Env: production\n"),
        "{message}"
    );

    // Many apps: a summary.
    let many: Vec<(&str, &str)> = vec![("a", "1"), ("b", "1"), ("c", "1"), ("d", "1")];
    let c = change(
        "shop",
        vec![env("staging", &many), env("production", &many)],
    );
    commit(&repo, &c, &o).unwrap();
    assert_eq!(subject(&repo), "deploy staging, production: 5 apps");
    fsck(&repo);
}

#[test]
fn removed_apps_are_pruned_and_others_files_kept() {
    let (tmp, repo) = bare();
    let o = opts(tmp.path());
    commit(
        &repo,
        &change(
            "shop",
            vec![env("staging", &[("web", "1.0"), ("api", "2.0")])],
        ),
        &o,
    )
    .unwrap();
    commit(
        &repo,
        &change("billing", vec![env("staging", &[("pay", "3.0")])]),
        &o,
    )
    .unwrap();
    commit(
        &repo,
        &change("shop", vec![env("staging", &[("web", "1.0")])]),
        &o,
    )
    .unwrap();
    assert_eq!(subject(&repo), "deploy staging: api removed");
    let files = git(&repo, &["ls-tree", "-r", "--name-only", "main", "staging"]);
    assert!(!files.contains("staging/api/"), "{files}");
    assert!(!files.contains("releases/api.json"), "{files}");
    assert!(files.contains("staging/pay/deployment-pay.yaml"), "{files}");
    assert_eq!(
        show(&repo, "staging/kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- pay\n- web\n"
    );

    // A project that renders nothing in the env any more leaves no trace.
    commit(&repo, &change("shop", vec![env("staging", &[])]), &o).unwrap();
    let files = git(&repo, &["ls-tree", "-r", "--name-only", "main", "staging"]);
    assert!(
        !files.contains("shop.json") && !files.contains("staging/web"),
        "{files}"
    );
    fsck(&repo);
}

/// A hand edit (or a new file), committed with the git CLI.
fn hand_edit(repo: &Path, path: &str, content: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let clone = tmp.path().join("clone");
    git(
        tmp.path(),
        &[
            "clone",
            "--quiet",
            repo.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    std::fs::write(clone.join(path), content).unwrap();
    git(&clone, &["add", "--", path]);
    git(&clone, &["commit", "--quiet", "-m", "hand edit"]);
    git(&clone, &["push", "--quiet", "origin", "main"]);
}

#[test]
fn drift_stops_the_commit_unless_forced() {
    let (tmp, repo) = bare();
    let mut o = opts(tmp.path());
    commit(
        &repo,
        &change("shop", vec![env("staging", &[("web", "1.0")])]),
        &o,
    )
    .unwrap();
    hand_edit(&repo, "staging/web/service-web.yaml", "edited: by hand\n");
    let before = count(&repo);
    let c = change("shop", vec![env("staging", &[("web", "1.1")])]);
    let err = commit(&repo, &c, &o).unwrap_err();
    assert!(matches!(err, GitopsError::Drift { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("staging/web/service-web.yaml"), "{text}");
    let help = miette::Diagnostic::help(&err).unwrap().to_string();
    assert!(help.contains("run again with `--force` to overwrite them"));
    assert_eq!(err.exit_code(), 3);
    assert_eq!(count(&repo), before);

    o.force = true;
    commit(&repo, &c, &o).unwrap();
    assert_eq!(
        show(&repo, "staging/web/service-web.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"
    );
    fsck(&repo);
}

/// An app the render leaves as it is is not read file by file when its
/// folder is exactly what kiln wrote; a hand edit or a hand-added file in
/// it makes the folder differ, and is still found.
#[test]
fn hand_changes_in_an_app_the_render_leaves_alone_are_seen() {
    let (tmp, repo) = bare();
    let o = opts(tmp.path());
    let first = change(
        "shop",
        vec![env("staging", &[("api", "1.0"), ("web", "1.0")])],
    );
    commit(&repo, &first, &o).unwrap();
    hand_edit(&repo, "staging/web/notes.yaml", "kept: by hand\n");

    // Only api changes: web's folder now holds a file kiln never wrote,
    // which stays, and no drift is reported.
    let api = change(
        "shop",
        vec![env("staging", &[("api", "1.1"), ("web", "1.0")])],
    );
    commit(&repo, &api, &o).unwrap();
    assert_eq!(show(&repo, "staging/web/notes.yaml"), "kept: by hand\n");

    hand_edit(&repo, "staging/web/service-web.yaml", "edited: by hand\n");
    let before = count(&repo);
    let again = change(
        "shop",
        vec![env("staging", &[("api", "1.2"), ("web", "1.0")])],
    );
    let err = commit(&repo, &again, &o).unwrap_err();
    assert!(matches!(err, GitopsError::Drift { .. }), "{err}");
    assert!(
        err.to_string().contains("staging/web/service-web.yaml"),
        "{err}"
    );
    assert_eq!(count(&repo), before);
    fsck(&repo);
}

#[test]
fn another_projects_folder_is_an_error() {
    let (tmp, repo) = bare();
    let o = opts(tmp.path());
    commit(
        &repo,
        &change("billing", vec![env("staging", &[("web", "1.0")])]),
        &o,
    )
    .unwrap();
    let err = commit(
        &repo,
        &change("shop", vec![env("staging", &[("web", "2.0")])]),
        &o,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the folder `staging/web` belongs to project `billing`"
    );
    assert_eq!(count(&repo), 1);
    fsck(&repo);
}

#[test]
fn non_bare_repo_is_updated_in_place_and_refused_when_dirty() {
    seal();
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    git(&work, &["init", "--quiet", "--initial-branch=main"]);
    std::fs::write(work.join("README.md"), "gitops\n").unwrap();
    git(&work, &["add", "README.md"]);
    git(&work, &["commit", "--quiet", "-m", "start"]);
    let o = opts(tmp.path());

    commit(
        &work,
        &change("shop", vec![env("staging", &[("web", "1.0")])]),
        &o,
    )
    .unwrap();
    assert_eq!(git(&work, &["status", "--porcelain"]), "");
    assert!(work.join("staging/web/deployment-web.yaml").exists());
    commit(
        &work,
        &change("shop", vec![env("staging", &[("api", "1.0")])]),
        &o,
    )
    .unwrap();
    assert_eq!(git(&work, &["status", "--porcelain"]), "");
    assert!(!work.join("staging/web").exists());
    assert!(work.join("staging/api/deployment-api.yaml").exists());

    // Changes elsewhere do not matter; under the env folder they do.
    std::fs::write(work.join("README.md"), "edited\n").unwrap();
    commit(
        &work,
        &change("shop", vec![env("staging", &[("api", "1.1")])]),
        &o,
    )
    .unwrap();
    std::fs::write(work.join("staging/api/service-api.yaml"), "x: 1\n").unwrap();
    let err = commit(
        &work,
        &change("shop", vec![env("staging", &[("api", "1.2")])]),
        &o,
    )
    .unwrap_err();
    assert!(matches!(err, GitopsError::Dirty { .. }), "{err}");
    assert!(
        err.to_string().contains("staging/api/service-api.yaml"),
        "{err}"
    );
    assert_eq!(count(&work), 4);
    fsck(&work);
}

#[test]
fn push_through_the_cache_clone() {
    let (tmp, remote) = bare();
    let mut o = opts(&tmp.path().join("cache"));
    o.push = true;
    let c = change("shop", vec![env("staging", &[("web", "1.0")])]);
    let Outcome::Committed { commit: id, .. } = commit(&remote, &c, &o).unwrap() else {
        panic!("expected a commit");
    };
    assert_eq!(git(&remote, &["rev-parse", "main"]).trim(), id);
    assert_eq!(commit(&remote, &c, &o).unwrap(), Outcome::UpToDate);
    let c = change("shop", vec![env("staging", &[("web", "1.1")])]);
    commit(&remote, &c, &o).unwrap();
    assert_eq!(subject(&remote), "deploy staging: web 1.0 → 1.1");
    // Cache clones are named after the URL, never hold scratch refs.
    let caches: Vec<_> = std::fs::read_dir(tmp.path().join("cache"))
        .unwrap()
        .collect();
    assert_eq!(caches.len(), 1);
    fsck(&remote);

    // A remote with commits but not the branch.
    o.branch = "release".to_string();
    let err = commit(&remote, &c, &o).unwrap_err();
    assert!(
        err.to_string().starts_with("branch `release` not found in"),
        "{err}"
    );
}

#[test]
fn concurrent_writers_all_land() {
    let (tmp, remote) = bare();
    let writers = 6;
    let handles: Vec<_> = (0..writers)
        .map(|i| {
            let remote = remote.clone();
            let cache = tmp.path().join("cache");
            std::thread::spawn(move || {
                let mut o = opts(&cache);
                o.push = true;
                o.retries = 40;
                let name = format!("app{i}");
                let c = change(&format!("p{i}"), vec![env("staging", &[(&name, "1.0")])]);
                commit(&remote, &c, &o)
            })
        })
        .collect();
    for h in handles {
        let outcome = h.join().unwrap().unwrap();
        assert!(matches!(outcome, Outcome::Committed { .. }));
    }
    assert_eq!(count(&remote), writers);
    let kust = show(&remote, "staging/kustomization.yaml");
    for i in 0..writers {
        assert!(kust.contains(&format!("- app{i}\n")), "{kust}");
        show(&remote, &format!("staging/.kiln/p{i}.json"));
    }
    fsck(&remote);
}

#[test]
fn concurrent_local_writers_all_land() {
    let (tmp, repo) = bare();
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let repo = repo.clone();
            let cache = tmp.path().to_path_buf();
            std::thread::spawn(move || {
                let mut o = opts(&cache);
                o.retries = 40;
                let name = format!("app{i}");
                let c = change(&format!("p{i}"), vec![env("staging", &[(&name, "1.0")])]);
                commit(&repo, &c, &o)
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
    let kust = show(&repo, "staging/kustomization.yaml");
    assert_eq!(kust.matches("- app").count(), 4, "{kust}");
    fsck(&repo);
}

#[test]
fn credentials_in_urls_never_leak() {
    seal();
    let tmp = tempfile::tempdir().unwrap();
    let mut o = opts(tmp.path());
    o.retries = 0;
    let c = change("shop", vec![env("staging", &[("web", "1.0")])]);
    // Port 1 on the loopback refuses at once: no network is used.
    let err = gitops::commit("https://user:s3cret@127.0.0.1:1/gitops.git", &c, &o).unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("s3cret"), "{text}");
    assert!(text.contains("127.0.0.1"), "{text}");
    assert_eq!(err.exit_code(), 3);

    // The source URL's credentials stay out of commits and metadata.
    let (tmp, repo) = bare();
    let mut c = c;
    c.source.repo = Some("https://ci:t0ken@git.example.com/shop.git".to_string());
    commit(&repo, &c, &opts(tmp.path())).unwrap();
    let message = git(&repo, &["log", "-1", "--format=%B", "main"]);
    assert!(!message.contains("t0ken"), "{message}");
    assert!(message.contains("Kiln-Source: https://git.example.com/shop.git@abc123"));
    let everything = git(&repo, &["grep", "-h", "", "main"]);
    assert!(!everything.contains("t0ken"), "{everything}");
}

#[test]
fn not_a_repository_and_missing_branch() {
    seal();
    let tmp = tempfile::tempdir().unwrap();
    let c = change("shop", vec![env("staging", &[("web", "1.0")])]);
    let err = commit(&tmp.path().join("nope"), &c, &opts(tmp.path())).unwrap_err();
    assert!(
        err.to_string().ends_with("nope` is not a git repository"),
        "{err}"
    );
    let err = commit(tmp.path(), &c, &opts(tmp.path())).unwrap_err();
    assert!(
        err.to_string().ends_with("is not a git repository"),
        "{err}"
    );

    let (tmp, repo) = bare();
    commit(&repo, &c, &opts(tmp.path())).unwrap();
    let mut o = opts(tmp.path());
    o.branch = "release".to_string();
    let err = commit(&repo, &c, &o).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("branch `release` not found in `"),
        "{err}"
    );
}

#[test]
fn diff_shows_changes_without_writing() {
    let (tmp, repo) = bare();
    let o = opts(tmp.path());
    commit(
        &repo,
        &change(
            "shop",
            vec![env("staging", &[("web", "1.0"), ("api", "1.0")])],
        ),
        &o,
    )
    .unwrap();
    let objects = || git(&repo, &["count-objects", "-v"]);
    let before = objects();
    let c = change(
        "shop",
        vec![env("staging", &[("web", "1.1"), ("db", "1.0")])],
    );
    let d = gitops::diff(repo.to_str().unwrap(), &c, "main", tmp.path()).unwrap();
    assert_eq!(objects(), before);
    assert!(!d.is_empty());
    let stat = d.to_text(true);
    assert!(stat.contains("added   db/deployment-db.yaml"), "{stat}");
    assert!(stat.contains("changed web/deployment-web.yaml"), "{stat}");
    assert!(stat.contains("removed api/service-api.yaml"), "{stat}");
    assert!(stat.contains("changed kustomization.yaml"), "{stat}");
    let text = d.to_text(false);
    assert!(text.contains("-      - image: registry.example.com/web:1.0\n+      - image: registry.example.com/web:1.1\n"), "{text}");
    let md = d.to_markdown(false);
    assert!(md.contains("```diff\n"), "{md}");
    assert!(md.contains("| added | `db/deployment-db.yaml` |"), "{md}");

    let same = change(
        "shop",
        vec![env("staging", &[("web", "1.0"), ("api", "1.0")])],
    );
    let d = gitops::diff(repo.to_str().unwrap(), &same, "main", tmp.path()).unwrap();
    assert!(d.is_empty(), "{}", d.to_text(false));
}

/// Runs only as the child of `git_missing_from_path`, with an empty `PATH`.
#[test]
fn git_missing_child() {
    if std::env::var_os("KILN_TEST_GIT_MISSING").is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let c = change("shop", vec![env("staging", &[("web", "1.0")])]);
    let err =
        gitops::commit("https://git.example.com/gitops.git", &c, &opts(tmp.path())).unwrap_err();
    assert!(matches!(err, GitopsError::GitMissing), "{err}");
    assert_eq!(
        err.to_string(),
        "git is not installed: kiln needs the `git` binary to fetch and push"
    );
}

#[test]
fn git_missing_from_path() {
    seal();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "git_missing_child", "--test-threads=1"])
        .env("KILN_TEST_GIT_MISSING", "1")
        .env("PATH", "")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("1 passed"), "{stdout}");
}

/// A fleet of 40,000 files: a second commit that changes one app must stay
/// quick (run with `--ignored`, ideally in release mode).
#[test]
#[ignore]
fn large_fleet() {
    let (tmp, repo) = bare();
    let o = opts(tmp.path());
    let mut e = env("staging", &[]);
    for i in 0..4000 {
        let (name, mut out) = app(&format!("app{i:04}"), "1.0");
        for j in 0..8 {
            out.files.insert(
                format!("configmap-{j}.yaml"),
                format!("n: {i}-{j}\n").into_bytes(),
            );
        }
        e.apps.insert(name, out);
    }
    let start = std::time::Instant::now();
    commit(&repo, &change("shop", vec![e.clone()]), &o).unwrap();
    eprintln!("first commit: {:?}", start.elapsed());
    let (name, out) = app("app0007", "1.1");
    e.apps.insert(name, out);
    let start = std::time::Instant::now();
    commit(&repo, &change("shop", vec![e.clone()]), &o).unwrap();
    eprintln!("one app changed: {:?}", start.elapsed());
    let start = std::time::Instant::now();
    assert_eq!(
        commit(&repo, &change("shop", vec![e]), &o).unwrap(),
        Outcome::UpToDate
    );
    eprintln!("up to date: {:?}", start.elapsed());
    assert_eq!(subject(&repo), "deploy staging: app0007 1.0 → 1.1");
}
