//! The CI formats of `kiln check`: GitHub workflow commands and SARIF,
//! snapshotted for one invalid fixture, and the SARIF checked for the
//! shape code-scanning uploads need.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn check(format: &str) -> (String, Option<i32>) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/invalid/duplicate-app-across-files");
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["check", "--format", format, "--project"])
        .arg(&dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("kiln runs");
    // The machine formats (GitHub's workflow commands too) go to stdout,
    // and nothing else does.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code(),
    )
}

#[test]
fn github_and_sarif_snapshots() {
    let (github, code) = check("github");
    assert_eq!(code, Some(1));
    assert!(github.contains("endLine="));
    assert!(github.contains("endColumn="));
    let (sarif, code) = check("sarif");
    assert_eq!(code, Some(1));
    // The version would change the snapshot at every release.
    let sarif = sarif.replace(
        &format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")),
        "\"version\": \"[version]\"",
    );
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!("format_github", github);
        insta::assert_snapshot!("format_sarif", sarif);
    });
}

#[test]
fn sarif_has_the_shape_code_scanning_needs() {
    let (text, _) = check("sarif");
    let doc: Value = serde_json::from_str(&text).expect("one JSON document");
    assert_eq!(doc["version"], "2.1.0");
    assert!(doc["$schema"].as_str().is_some_and(|s| s.contains("sarif")));
    let runs = doc["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let rules = runs[0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    // One rule per diagnostic code and one per lint rule.
    assert_eq!(
        rules.len(),
        kiln::diag::CODES.len() + kiln::lint::RULES.len()
    );
    let results = runs[0]["results"].as_array().expect("results");
    assert!(!results.is_empty());
    for r in results {
        let id = r["ruleId"].as_str().expect("ruleId");
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], id);
        assert!(rules.iter().any(|rule| rule["id"] == id));
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap_or("")));
        assert!(r["message"]["text"].as_str().is_some_and(|t| !t.is_empty()));
        let loc = &r["locations"][0]["physicalLocation"];
        assert!(loc["artifactLocation"]["uri"].as_str().is_some());
        for k in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(loc["region"][k].as_u64().is_some_and(|n| n >= 1), "{k}");
        }
    }
    // The duplicate points at the other definition too.
    assert!(results.iter().any(|r| {
        r["relatedLocations"]
            .as_array()
            .is_some_and(|l| !l.is_empty())
    }));
}
