//! Helpers shared by the integration tests. Each test binary uses some of
//! them, so the others would be dead code there.
#![allow(dead_code)]

pub mod flux;
pub mod http;
pub mod world;

use std::path::Path;
use std::process::{Command, Output};

use kiln::compile::{Compiled, Request, Selection, compile};
use kiln::world::DiskWorld;

/// What a command printed on standard output, as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What a command printed on standard error, as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Compiles the project at `dir` in memory, as `kiln check` does: every
/// env, preview templates too.
pub fn check(dir: &Path) -> Compiled {
    let root = std::fs::canonicalize(dir).expect("the project directory exists");
    let req = Request {
        selection: Selection::Everything,
        ..Default::default()
    };
    compile(&DiskWorld, &root, &req, None)
}

/// The sealed environment of every test that runs git or `kiln commit`:
/// a temporary `HOME`, no global or system git configuration, a fixed
/// `SOURCE_DATE_EPOCH`, a private cache, and none of the CI variables kiln
/// takes an author from.
pub fn sealed<'a>(cmd: &'a mut Command, home: &Path, epoch: i64) -> &'a mut Command {
    cmd.env("HOME", home)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("SOURCE_DATE_EPOCH", epoch.to_string())
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTOR")
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
}

/// The epoch the sealed tests run at.
pub const EPOCH: i64 = 1_700_000_000;

/// An empty bare repository `repo.git` in `home`, as a gitops remote.
pub fn bare_repo(home: &Path) -> std::path::PathBuf {
    let out = git(home, home, &["init", "-q", "--bare", "repo.git"]);
    assert!(
        out.status.success(),
        "git init: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    home.join("repo.git")
}

/// `git ARGS` in `dir`, sealed.
pub fn git(home: &Path, dir: &Path, args: &[&str]) -> Output {
    sealed(&mut Command::new("git"), home, EPOCH)
        .current_dir(dir)
        .args(args)
        .output()
        .expect("git runs")
}

/// Asserts that the objects in `yaml_file` pass `kubernetes-validate
/// --strict` against the Kubernetes 1.33 schemas. In CI a missing tool is a
/// failure (`.ci/run` installs it); elsewhere the check is skipped with a
/// note.
pub fn kubernetes_validate(yaml_file: &Path) {
    let have = Command::new("kubernetes-validate")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        assert!(
            std::env::var_os("CI").is_none(),
            "kubernetes-validate is missing"
        );
        eprintln!("note: kubernetes-validate is not installed; schema validation skipped");
        return;
    }
    let out = Command::new("kubernetes-validate")
        .args(["--strict", "-k", "1.33.0"])
        .arg(yaml_file)
        .output()
        .expect("kubernetes-validate runs");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!text.lines().any(|l| l.starts_with("ERROR")), "{text}");
}

/// Copies the CRDs a fixture project lists in `crds.txt` (file names in
/// `tests/fixtures/crds/`) into its `vendored/` folder: a project reads
/// nothing outside itself, and one copy of each CRD is enough in the
/// repository.
pub fn vendor_crds(dir: &Path) {
    let Ok(list) = std::fs::read_to_string(dir.join("crds.txt")) else {
        return;
    };
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/crds");
    let to = dir.join("vendored");
    std::fs::create_dir_all(&to).expect("vendored/ can be made");
    for name in list.lines().map(str::trim).filter(|l| !l.is_empty()) {
        // Test binaries run at once: a copy under a hidden name renamed
        // into place, so no reader sees half a file.
        let tmp = to.join(format!(".{name}.{}", std::process::id()));
        std::fs::copy(from.join(name), &tmp)
            .and_then(|_| std::fs::rename(&tmp, to.join(name)))
            .unwrap_or_else(|e| panic!("{}: {name}: {e}", dir.display()));
    }
}
