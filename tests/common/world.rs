//! The release tests' world: a sealed home (temporary `HOME`, no global
//! or system git configuration, fixed `SOURCE_DATE_EPOCH`, a fixed author),
//! a copy of an example project and an empty bare gitops repository, with
//! kiln and git run in it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// The shared sealing, with a fixed author and none of the variables
/// `history` takes a source link from.
pub fn sealed_bot<'a>(cmd: &'a mut Command, home: &Path, epoch: i64) -> &'a mut Command {
    super::sealed(cmd, home, epoch)
        .env("GIT_AUTHOR_NAME", "Release Bot")
        .env("GIT_AUTHOR_EMAIL", "bot@example.com")
        .env("GIT_COMMITTER_NAME", "Release Bot")
        .env("GIT_COMMITTER_EMAIL", "bot@example.com")
        .env_remove("GITHUB_REPOSITORY")
        .env_remove("CI_PROJECT_URL")
        .env_remove("GITLAB_USER_LOGIN")
        .env_remove("USER")
}

/// A sealed home, a copy of the shop example and an empty bare gitops repo.
pub struct World {
    tmp: TempDir,
    /// More variables for every kiln and git run (a git configuration,
    /// a GnuPG home).
    vars: Vec<(String, String)>,
}

impl World {
    pub fn new() -> World {
        World::with("shop")
    }

    /// A copy of `examples/<example>`, always at `<home>/shop`.
    pub fn with(example: &str) -> World {
        World::copy_of(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("examples")
                .join(example),
        )
    }

    /// A copy of the project at `project`, at `<home>/shop`.
    pub fn copy_of(project: &Path) -> World {
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(project, &tmp.path().join("shop"));
        let w = World {
            tmp,
            vars: Vec::new(),
        };
        w.git(&[
            "init",
            "-q",
            "--bare",
            "--initial-branch=main",
            "gitops.git",
        ]);
        w
    }

    /// Set `key` for every later kiln and git run.
    pub fn set_var(&mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) {
        self.vars.push((
            key.to_string(),
            value.as_ref().to_string_lossy().into_owned(),
        ));
    }

    /// Run kiln without `--gitops` (commands on the project alone).
    pub fn kiln_plain(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kiln"));
        sealed_bot(&mut cmd, self.home(), super::EPOCH)
            .envs(self.vars.iter().map(|(k, v)| (k, v)))
            .arg("--project")
            .arg(self.project())
            .args(args)
            .output()
            .expect("kiln runs")
    }

    pub fn home(&self) -> &Path {
        self.tmp.path()
    }

    pub fn project(&self) -> PathBuf {
        self.home().join("shop")
    }

    pub fn repo(&self) -> PathBuf {
        self.home().join("gitops.git")
    }

    pub fn kiln_at(&self, epoch: i64, args: &[&str]) -> Output {
        self.kiln_to(&self.repo(), epoch, args)
    }

    /// Run kiln against the gitops repository at `repo`.
    pub fn kiln_to(&self, repo: &Path, epoch: i64, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kiln"));
        sealed_bot(&mut cmd, self.home(), epoch)
            .envs(self.vars.iter().map(|(k, v)| (k, v)))
            .arg("--project")
            .arg(self.project())
            .args(args)
            .arg("--gitops")
            .arg(repo)
            .output()
            .expect("kiln runs")
    }

    pub fn kiln(&self, args: &[&str]) -> Output {
        self.kiln_at(super::EPOCH, args)
    }

    /// Run kiln, expect success, return its stdout trimmed.
    pub fn ok(&self, epoch: i64, args: &[&str]) -> String {
        let out = self.kiln_at(epoch, args);
        assert!(
            out.status.success(),
            "kiln {args:?} failed ({:?}):\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn git_out(&self, dir: &Path, args: &[&str]) -> Output {
        let mut cmd = Command::new("git");
        sealed_bot(&mut cmd, self.home(), super::EPOCH)
            .envs(self.vars.iter().map(|(k, v)| (k, v)))
            .current_dir(dir)
            .args(args)
            .output()
            .expect("git runs")
    }

    pub fn git(&self, args: &[&str]) -> String {
        self.git_in(self.home(), args)
    }

    pub fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.git_out(dir, args);
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn repo_git(&self, args: &[&str]) -> String {
        self.git_in(&self.repo(), args)
    }

    pub fn fsck(&self) {
        self.repo_git(&["fsck", "--strict", "--no-progress"]);
    }

    pub fn count(&self) -> usize {
        self.repo_git(&["rev-list", "--count", "main"])
            .parse()
            .unwrap()
    }

    /// The object id of `path` at `rev`, or None.
    pub fn id_at(&self, rev: &str, path: &str) -> Option<String> {
        let out = self.git_out(
            &self.repo(),
            &["rev-parse", "--verify", "-q", &format!("{rev}:{path}")],
        );
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    pub fn show(&self, rev: &str, path: &str) -> String {
        self.repo_git(&["show", &format!("{rev}:{path}")])
    }

    /// Paths a commit touched.
    pub fn touched(&self, rev: &str) -> Vec<String> {
        self.repo_git(&["show", "--name-only", "--format=", rev])
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Check `folder` of the branch out into a fresh directory.
    pub fn export(&self, folder: &str) -> PathBuf {
        let dir = self
            .home()
            .join(format!("export-{}", folder.replace('/', "-")));
        std::fs::create_dir_all(&dir).unwrap();
        let archive = self.home().join("export.tar");
        self.repo_git(&["archive", "-o", archive.to_str().unwrap(), "main", folder]);
        let tar = Command::new("tar")
            .arg("-xf")
            .arg(&archive)
            .arg("-C")
            .arg(&dir)
            .status()
            .unwrap();
        assert!(tar.success());
        dir.join(folder)
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap();
        if name == "rendered" {
            continue;
        }
        if p.is_dir() {
            copy_dir(&p, &to.join(name));
        } else {
            std::fs::copy(&p, to.join(name)).unwrap();
        }
    }
}

impl World {
    /// `kubectl kustomize` builds `folder` of the gitops repository's
    /// `main`, and kubernetes-validate accepts what it builds.
    pub fn builds_and_validates(&self, folder: &str) {
        let dir = self.export(folder);
        let out = std::process::Command::new("kubectl")
            .arg("kustomize")
            .arg(&dir)
            .output()
            .expect("kubectl");
        assert!(
            out.status.success(),
            "kubectl kustomize {folder}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let built = self
            .home()
            .join(format!("{}.yaml", folder.replace('/', "-")));
        std::fs::write(&built, &out.stdout).unwrap();
        super::kubernetes_validate(&built);
    }
}
