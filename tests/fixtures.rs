//! The diagnostic fixture suite: every project under `tests/fixtures/invalid`
//! has one intended problem and an `expect.txt` naming the primary location
//! of each diagnostic (`file:line code`); every project under
//! `tests/fixtures/valid` must check without an error.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use kiln::compile::{Compiled, Request, Selection, compile};
use kiln::diag::{Format, render};
use kiln::world::DiskWorld;

mod common;

/// Compiles the project at `dir` in memory, as `kiln check` does.
fn check(dir: &Path) -> Compiled {
    let root = std::fs::canonicalize(dir).expect("fixture directory exists");
    let req = Request {
        selection: Selection::Everything,
        ..Default::default()
    };
    compile(&DiskWorld, &root, &req, None)
}

/// Creates the symbolic links a fixture lists in `symlinks.txt` (`NAME
/// TARGET` per line). Links leading out of the repository are not committed,
/// so they are made at run time.
fn make_symlinks(dir: &Path) {
    let Ok(list) = std::fs::read_to_string(dir.join("symlinks.txt")) else {
        return;
    };
    for line in list.lines().filter(|l| !l.trim().is_empty()) {
        let (name, target) = line.split_once(' ').expect("`NAME TARGET`");
        let link = dir.join(name);
        let _ = std::fs::remove_file(&link);
        #[cfg(unix)]
        std::os::unix::fs::symlink(target, &link).expect("symlink created");
    }
}

/// `file:line code` of every diagnostic's primary label.
fn primary_locations(c: &Compiled) -> BTreeSet<String> {
    c.diags
        .0
        .iter()
        .map(|d| match d.primary_span() {
            Some(span) => {
                let file = c.sources.get(span.file);
                let (line, _) = file.line_col(span.start as usize);
                format!("{}:{} {}", file.name, line, d.code)
            }
            None => format!("<none> {}", d.code),
        })
        .collect()
}

#[test]
fn invalid_fixtures() {
    insta::glob!("fixtures/invalid/*/kiln.kdl", |path| {
        let dir = path.parent().expect("kiln.kdl has a folder");
        make_symlinks(dir);
        common::vendor_crds(dir);
        let c = check(dir);
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        assert!(c.diags.has_errors(), "{name}: expected at least one error");
        let expected: BTreeSet<String> = std::fs::read_to_string(dir.join("expect.txt"))
            .unwrap_or_else(|e| panic!("{name}: expect.txt: {e}"))
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        let got = primary_locations(&c);
        assert_eq!(
            got,
            expected,
            "{name}: primary locations differ\n{}",
            render(&c.diags.0, &c.sources, Format::Short, false)
        );
        let report = format!(
            "{}\n{}",
            render(&c.diags.0, &c.sources, Format::Short, false),
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

#[test]
fn valid_fixtures() {
    insta::glob!("fixtures/valid/*/kiln.kdl", |path| {
        let dir = path.parent().expect("kiln.kdl has a folder");
        common::vendor_crds(dir);
        let c = check(dir);
        assert!(
            !c.diags.has_errors(),
            "{}: unexpected errors\n{}",
            dir.display(),
            render(&c.diags.0, &c.sources, Format::Short, false)
        );
        assert!(!c.envs.is_empty(), "{}: nothing rendered", dir.display());
    });
}

fn fixture(kind: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind)
        .join(name)
}

#[test]
fn json_format_is_one_document_with_locations() {
    let c = check(&fixture("invalid", "duplicate-app-across-files"));
    let text = render(&c.diags.0, &c.sources, Format::Json, false);
    let doc: serde_json::Value = serde_json::from_str(&text).expect("one JSON document");
    let diags = doc["diagnostics"]
        .as_array()
        .or_else(|| doc.as_array())
        .expect("a list of diagnostics");
    assert!(!diags.is_empty());
    let mut labels = 0;
    for d in diags {
        for l in d["labels"].as_array().expect("labels") {
            labels += 1;
            for key in ["file", "offset", "line", "column"] {
                assert!(
                    !l[key].is_null() || !l["span"][key].is_null(),
                    "label without `{key}`: {l}"
                );
            }
        }
    }
    assert!(
        labels >= 2,
        "both definitions of the duplicate are labelled"
    );
}

fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn binary_check_exits_1_and_writes_nothing() {
    let dir = fixture("invalid", "type-mismatch-port-zero");
    let before = listing(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .arg("check")
        .arg("--project")
        .arg(&dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("kiln runs");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("kiln::check::type_mismatch"), "{stderr}");
    assert_eq!(before, listing(&dir), "check wrote into the project");
}

#[test]
fn binary_unknown_flag_exits_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["check", "--no-such-flag"])
        .output()
        .expect("kiln runs");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

/// Compiles a one-file project holding `text` (or raw bytes); it must not
/// panic, whatever it reports.
fn compile_bytes(bytes: Vec<u8>) -> Compiled {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kiln.kdl"), bytes).unwrap();
    check(dir.path())
}

#[test]
fn hostile_input_never_panics() {
    // Deep nesting: the kdl parser recurses per level and 20,000 levels
    // overflow even a 256 MiB stack in a debug build, so this compile runs
    // on a thread with 1 GiB. The CLI's 8 MiB main thread still overflows:
    // `syntax` needs a nesting limit before it calls the parser.
    let deep = {
        let mut s = "project \"p\"\n".to_string();
        s.push_str(&"a{".repeat(20_000));
        s.push_str(&"}".repeat(20_000));
        s
    };
    let handle = std::thread::Builder::new()
        .stack_size(1024 * 1024 * 1024)
        .spawn(move || compile_bytes(deep.into_bytes()).diags.has_errors())
        .unwrap();
    assert!(handle.join().expect("deep nesting does not panic"));

    let cases: Vec<Vec<u8>> = vec![
        b"project \"p\"\napp \"a\0b\" {\n}\n".to_vec(),
        b"project \"p\"\n\0\0\0".to_vec(),
        b"project \"p\"\napp \"\xff\xfe\" {}\n".to_vec(),
        b"project \"p\"\napp \"web\" { replicas 999999999999999999999999999999999999999999999999 }\n"
            .to_vec(),
        b"project \"p\"\napp \"web\" { replicas -999999999999999999999999999999999999999999999999 }\n"
            .to_vec(),
        format!(
            "project \"p\"\napp \"web\" {{ image \"{}\" }}\n",
            "x".repeat(1 << 20)
        )
        .into_bytes(),
        format!(
            "project \"p\"\nenv \"e\" {{ vars x=\"{}\" }}\n",
            "{{".repeat(1 << 18)
        )
        .into_bytes(),
        Vec::new(),
    ];
    for bytes in cases {
        let c = compile_bytes(bytes);
        assert!(c.diags.has_errors());
    }
}

#[test]
fn allow_unknown_makes_an_unknown_kind_a_warning() {
    let c = check(&fixture("valid", "crds-allow-unknown"));
    assert!(!c.diags.has_errors(), "{:?}", c.diags.0);
    assert!(
        c.diags
            .0
            .iter()
            .any(|d| d.code == "kiln::render::unknown_kind" && !d.is_error()),
        "{:?}",
        c.diags.0
    );
}
