//! The fuzzers' minimized corpora (`fuzz/corpus/`) as regression tests:
//! every input that once took the fuzzers somewhere new goes through the
//! same code here, in every `cargo test`, without libFuzzer. A reproducer of
//! a crash, once fixed, is added to its target's corpus and so stays tested.

use std::path::{Path, PathBuf};

use kiln::compile::{Request, Selection, compile};
use kiln::render::fastyaml::read_documents;
use kiln::render::yaml::full_documents;
use kiln::resolve::strings;
use kiln::span::{Sources, Span};
use kiln::world::DiskWorld;

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    files
}

/// `project_bytes`: the bytes as `kiln.kdl`, checked as `kiln check` does,
/// every diagnostic formatted.
#[test]
fn project_bytes_corpus() {
    let tmp = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(tmp.path()).unwrap();
    for input in corpus("project_bytes") {
        std::fs::write(root.join("kiln.kdl"), std::fs::read(&input).unwrap()).unwrap();
        let req = Request {
            selection: Selection::Everything,
            ..Default::default()
        };
        let c = compile(&DiskWorld, &root, &req, None);
        for format in [kiln::diag::Format::Short, kiln::diag::Format::Json] {
            let _ = kiln::diag::render(&c.diags.0, &c.sources, format, false);
        }
    }
}

/// `string_template`: the bytes as a string template in an app's context.
#[test]
fn string_template_corpus() {
    let ctx = serde_json::json!({
        "app": {"name": "web", "component": "web-service"},
        "env": {"name": "production", "namespace": "prod"},
        "project": {"name": "shop"},
        "vars": {"tag": "1.2.3", "domain": "shop.example.com", "list": [1, 2, 3]},
        "git": {"sha": "0123456789abcdef", "branch": "main"},
    });
    for input in corpus("string_template") {
        let bytes = std::fs::read(&input).unwrap();
        let Ok(source) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let mut sources = Sources::default();
        let written = format!("{source:?}");
        let len = written.len();
        let id = sources.add("kiln.kdl", None, written);
        let _ = strings::render(source, Span::new(id, 0, len), &ctx, &sources);
    }
}

/// `yaml_reader`: where the fast YAML reader answers, serde-saphyr agrees.
#[test]
fn yaml_reader_corpus() {
    for input in corpus("yaml_reader") {
        let bytes = std::fs::read(&input).unwrap();
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        if let Some(fast) = read_documents(text) {
            let full: Vec<serde_json::Value> = full_documents(text)
                .unwrap_or_else(|e| {
                    panic!("{}: full reader refuses: {}", input.display(), e.message)
                })
                .into_iter()
                .filter(|d| !d.is_null())
                .collect();
            assert_eq!(fast, full, "{}", input.display());
        }
    }
}

/// `kdl_reader`: where the fast KDL reader answers, the `kdl` crate reads
/// the same document; `project_bytes`' inputs are KDL too.
#[test]
fn kdl_reader_corpus() {
    for input in corpus("kdl_reader")
        .into_iter()
        .chain(corpus("project_bytes"))
    {
        let bytes = std::fs::read(&input).unwrap();
        if let Ok(text) = std::str::from_utf8(&bytes) {
            kiln::syntax::fastkdl::assert_agrees(text);
        }
    }
}
