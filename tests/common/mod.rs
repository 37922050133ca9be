//! Helpers shared by the integration tests.

use std::path::Path;
use std::process::Command;

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
