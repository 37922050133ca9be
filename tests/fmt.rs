//! `kiln fmt`: idempotent on every example and fixture, keeps every
//! comment, leaves projects that still check, and `--check` reports
//! without writing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kiln::editor::kdlfmt::format;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.kdl` file below `dir`, recursively.
fn kdl_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            kdl_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "kdl") {
            out.push(p);
        }
    }
}

fn kiln(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiln"))
        .arg("--project")
        .arg(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("kiln runs")
}

/// Copies a project folder (small: examples and fixtures) into `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for e in std::fs::read_dir(from).expect("read dir").flatten() {
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).expect("copy file");
        }
    }
}

fn projects() -> Vec<PathBuf> {
    let root = manifest_dir();
    let mut dirs = Vec::new();
    for parent in ["examples", "tests/fixtures/valid", "tests/fixtures/fmt"] {
        let mut list: Vec<PathBuf> = std::fs::read_dir(root.join(parent))
            .expect("folder exists")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join("kiln.kdl").is_file())
            .collect();
        list.sort();
        dirs.extend(list);
    }
    dirs
}

#[test]
fn idempotent_on_every_example_and_fixture() {
    let mut files = Vec::new();
    for dir in projects() {
        kdl_files(&dir, &mut files);
    }
    // Invalid fixtures that still parse are fair input too.
    kdl_files(&manifest_dir().join("tests/fixtures/invalid"), &mut files);
    let mut formatted = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read fixture");
        let Ok(once) = format(&text) else {
            // Not KDL 2.0 (the parse-error and KDL 1.0 fixtures): refused.
            continue;
        };
        let twice = format(&once).unwrap_or_else(|e| panic!("{}: {e:?}", f.display()));
        assert_eq!(once, twice, "not idempotent on {}", f.display());
        assert!(once.is_empty() || once.ends_with('\n'));
        assert!(
            !once.lines().any(|l| l.ends_with(' ')),
            "trailing space in {}",
            f.display()
        );
        formatted += 1;
    }
    assert!(formatted > 20, "only {formatted} files formatted");
}

/// The comments of a text, in order: `//…`, `/*…*/` and what `/-` removes
/// are all kept, so their texts and counts match before and after.
fn comments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(i) = line.find("//") {
            out.push(line[i..].trim_end().to_string());
        }
    }
    out.push(format!("/* {}", text.matches("/*").count()));
    out.push(format!("*/ {}", text.matches("*/").count()));
    out.push(format!("/- {}", text.matches("/-").count()));
    out
}

#[test]
fn keeps_comments_in_every_position() {
    let path = manifest_dir().join("tests/fixtures/fmt/comments/kiln.kdl");
    let text = std::fs::read_to_string(&path).expect("read fixture");
    let out = format(&text).expect("formats");
    assert_ne!(out, text, "the fixture is meant to be badly laid out");
    assert_eq!(comments(&text), comments(&out));
    for kept in [
        "project \"shop\" /* between entries */ { // after an opening brace",
        "    labels team=\"payments\"   // end of line",
        "       over several lines, /* nested */ too */",
        "} // after a closing brace",
        "/-app \"disabled\" {",
        "app \"web\" /-component=\"worker\" {",
        "    image \"nginx:1.27\" /-\"dropped argument\"",
        "    port 8080 name=\"http\" // after a semicolon",
        "    env \"A\" \\ // an escaped newline",
        "    /-env \"B\" \"2\"",
        "    resources cpu=\"250m\" /-memory=\"1Gi\" memory=\"256Mi\"",
        "    probe \"readiness\" http=\"/healthz\" port=\"http\" /-{",
        "    // before a closing brace",
        "    flavor \"small\" /* after a node on one line */",
        "/* at the very end */",
    ] {
        assert!(out.lines().any(|l| l == kept), "{kept:?} not in:\n{out}");
    }
}

#[test]
fn formatted_projects_still_check() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for dir in projects() {
        let name = dir
            .file_name()
            .expect("named")
            .to_string_lossy()
            .to_string();
        let copy = tmp.path().join(&name);
        copy_dir(&dir, &copy);
        let before = kiln(&copy, &["check"]);
        assert!(
            before.status.success(),
            "{name} does not check to begin with"
        );
        let fmt = kiln(&copy, &["fmt"]);
        assert!(fmt.status.success(), "kiln fmt failed on {name}: {fmt:?}");
        let after = kiln(&copy, &["check"]);
        assert!(
            after.status.success(),
            "{name} no longer checks after kiln fmt: {}",
            String::from_utf8_lossy(&after.stderr)
        );
        let again = kiln(&copy, &["fmt", "--check"]);
        assert_eq!(again.status.code(), Some(0), "{name}: {again:?}");
    }
}

#[test]
fn check_flag_lists_files_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let messy = "project   \"shop\"\nenv \"staging\"{ namespace \"s\" }\n";
    std::fs::write(dir.join("kiln.kdl"), messy).expect("write");
    std::fs::write(
        dir.join("apps.kdl"),
        "app \"web\" {\n    image \"nginx:1\"\n}\n",
    )
    .expect("write");

    let out = kiln(dir, &["fmt", "--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "kiln.kdl\n");
    assert_eq!(
        std::fs::read_to_string(dir.join("kiln.kdl")).expect("read"),
        messy
    );

    let out = kiln(dir, &["fmt"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(dir.join("kiln.kdl")).expect("read"),
        "project \"shop\"\nenv \"staging\" {\n    namespace \"s\"\n}\n"
    );
    assert_eq!(kiln(dir, &["fmt", "--check"]).status.code(), Some(0));

    // Standard input to standard output, for editors.
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["fmt", "--stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("kiln runs");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("piped");
        stdin.write_all(b"a  1;b { c }").expect("write");
    }
    let out = child.wait_with_output().expect("kiln exits");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "a 1\nb {\n    c\n}\n");

    // A file that does not parse: refused, nothing written anywhere.
    std::fs::write(dir.join("kiln.kdl"), messy).expect("write");
    std::fs::write(dir.join("broken.kdl"), "app \"x\" {\n").expect("write");
    for args in [&["fmt"][..], &["fmt", "--check"][..]] {
        let out = kiln(dir, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("broken.kdl"));
        assert_eq!(
            std::fs::read_to_string(dir.join("kiln.kdl")).expect("read"),
            messy
        );
    }
}
