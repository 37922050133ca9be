//! Keeps the documentation true.
//!
//! - Every ```` ```kdl project ```` block in `docs/` and `README.md` is a
//!   whole project (files introduced by `// file: PATH` lines): a plain
//!   `project` block must check and render without an error, a
//!   `project expect=CODE` block must fail with that code.
//! - Every diagnostic code has a section in `docs/diagnostics.md`, with its
//!   explanation and an example that triggers it.
//! - Every command `kiln --help` lists has a page in `docs/commands/`, which
//!   mentions each of its subcommands and long flags.
//! - The standard components' pages hold exactly what `kiln schema --format
//!   markdown` generates (`KILN_BLESS_DOCS=1 cargo test --test docs`
//!   rewrites them).

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use kiln::compile::{Request, Selection, compile};
use kiln::diag::Severity;
use kiln::world::DiskWorld;

/// The repository's root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every Markdown file of `docs/`, and the README.
fn markdown_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("docs/ is readable")
            .map(|e| e.expect("a directory entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "md") {
                out.push(p);
            }
        }
    }
    let mut out = vec![root().join("README.md")];
    walk(&root().join("docs"), &mut out);
    out
}

/// A fenced code block: its info string, its text, and where it starts.
struct Block {
    info: String,
    text: String,
    line: usize,
}

/// The fenced code blocks of a Markdown text.
fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut open {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    open = Some(Block {
                        info: info.trim().to_string(),
                        text: String::new(),
                        line: i + 1,
                    });
                }
            }
            Some(b) => {
                if trimmed == "```" {
                    out.extend(open.take());
                } else {
                    b.text.push_str(line);
                    b.text.push('\n');
                }
            }
        }
    }
    out
}

/// Splits a project block into its files at the `// file: PATH` lines.
fn project_files(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut files: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(path) = line.trim().strip_prefix("// file:") {
            files.push((path.trim().to_string(), String::new()));
        } else if let Some((_, body)) = files.last_mut() {
            body.push_str(line);
            body.push('\n');
        } else if !line.trim().is_empty() {
            return Err("a project block starts with a `// file: PATH` line".into());
        }
    }
    if !files.iter().any(|(p, _)| p == "kiln.kdl") {
        return Err("a project block has a `// file: kiln.kdl`".into());
    }
    Ok(files)
}

/// Checks one project block; `Err` says what is wrong.
fn check_project(block: &Block) -> Result<(), String> {
    let expect = block
        .info
        .split_whitespace()
        .find_map(|w| w.strip_prefix("expect="));
    let files = project_files(&block.text)?;
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (path, body) in &files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("a file has a parent"))
            .expect("a project folder");
        std::fs::write(&p, body).expect("a project file");
    }
    let root = std::fs::canonicalize(dir.path()).expect("the project exists");
    let req = Request {
        selection: Selection::Everything,
        ..Default::default()
    };
    let c = compile(&DiskWorld, &root, &req, None);
    let shown = || {
        c.diags
            .0
            .iter()
            .map(|d| format!("{} {}", d.code, d.message))
            .collect::<Vec<_>>()
            .join("; ")
    };
    match expect {
        None if c.diags.0.iter().any(|d| d.severity == Severity::Error) => {
            Err(format!("expected no error, found: {}", shown()))
        }
        Some(code) if !c.diags.0.iter().any(|d| d.code == code) => {
            Err(format!("expected `{code}`, found: {}", shown()))
        }
        _ => Ok(()),
    }
}

#[test]
fn project_blocks_compile() {
    let mut failures = Vec::new();
    let mut seen = 0;
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).expect("a readable page");
        for b in blocks(&text) {
            let mut words = b.info.split_whitespace();
            if words.next() != Some("kdl") || words.next() != Some("project") {
                continue;
            }
            seen += 1;
            if let Err(e) = check_project(&b) {
                failures.push(format!("{}:{}: {e}", file.display(), b.line));
            }
        }
    }
    assert!(seen > 10, "found only {seen} project blocks");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_splitter_needs_file_lines() {
    assert!(project_files("app \"web\"\n").is_err());
    assert!(project_files("// file: apps.kdl\napp \"web\"\n").is_err());
    let files = project_files("// file: kiln.kdl\nproject \"p\"\n// file: a/b.kdl\nx\n")
        .expect("two files");
    assert_eq!(files[1], ("a/b.kdl".to_string(), "x\n".to_string()));
}

/// The codes of the gitops errors (`src/gitops/error.rs`), which miette
/// declares beside each variant rather than in `diag::codes`.
fn gitops_codes() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("src/gitops/error.rs"))
        .expect("src/gitops/error.rs is readable");
    text.split("code(")
        .skip(1)
        .filter_map(|rest| rest.split_once(')'))
        .map(|(code, _)| code.to_string())
        .filter(|code| code.starts_with("kiln::gitops::"))
        .collect()
}

#[test]
fn every_gitops_code_is_documented() {
    let codes = gitops_codes();
    assert!(codes.len() > 10, "found only {} gitops codes", codes.len());
    let missing: Vec<String> = codes
        .into_iter()
        .filter(|code| {
            kiln::cli::explain_code::section(code)
                .is_none_or(|s| !s.contains(&format!("```sh expect={code}")))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "no section with a ```sh expect=CODE example: {missing:?}"
    );
}

#[test]
fn every_code_is_documented() {
    let mut missing = Vec::new();
    for code in kiln::diag::CODES {
        let Some(section) = kiln::cli::explain_code::section(code.0) else {
            missing.push(format!("{}: no section", code.0));
            continue;
        };
        let mut sentence = code.1.to_string();
        sentence[..1].make_ascii_uppercase();
        if !section.contains(&sentence) {
            missing.push(format!(
                "{}: the section does not hold the explanation of codes.rs",
                code.0
            ));
        }
        let has_example = blocks(section).iter().any(|b| {
            let mut words = b.info.split_whitespace();
            let lang = words.next();
            let rest: Vec<&str> = words.collect();
            let expects = rest.contains(&format!("expect={}", code.0).as_str());
            expects
                && match lang {
                    Some("kdl") => rest.first() == Some(&"project"),
                    Some("sh") => true,
                    _ => false,
                }
        });
        if !has_example {
            missing.push(format!(
                "{}: no ```kdl project expect=CODE or ```sh expect=CODE example",
                code.0
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// The long flags of a command, without the global ones.
fn long_flags(cmd: &clap::Command) -> Vec<String> {
    cmd.get_arguments()
        .filter(|a| !a.is_global_set() && !a.is_hide_set())
        .filter_map(|a| a.get_long())
        .filter(|l| *l != "help" && *l != "version")
        .map(|l| format!("--{l}"))
        .collect()
}

#[test]
fn every_command_has_a_page() {
    let cli = kiln::cli::Cli::command();
    let dir = root().join("docs/commands");
    let index = std::fs::read_to_string(dir.join("README.md")).unwrap_or_default();
    let mut missing = Vec::new();
    for flag in long_flags(&cli) {
        if !index.contains(&flag) {
            missing.push(format!("docs/commands/README.md: global flag {flag}"));
        }
    }
    for cmd in cli.get_subcommands() {
        let name = cmd.get_name();
        if name == "help" {
            continue;
        }
        let page = format!("docs/commands/{name}.md");
        let Ok(text) = std::fs::read_to_string(root().join(&page)) else {
            missing.push(format!("{page}: no page"));
            continue;
        };
        if !index.contains(&format!("({name}.md)")) {
            missing.push(format!("docs/commands/README.md: no link to {name}.md"));
        }
        if !text.contains("```sh") {
            missing.push(format!("{page}: no example"));
        }
        let mut todo: Vec<(String, &clap::Command)> = vec![(String::new(), cmd)];
        while let Some((prefix, c)) = todo.pop() {
            for flag in long_flags(c) {
                if !text.contains(&flag) {
                    missing.push(format!("{page}: {prefix}{flag}"));
                }
            }
            for sub in c.get_subcommands().filter(|s| s.get_name() != "help") {
                let full = format!("kiln {name} {}", sub.get_name());
                if !text.contains(&full) {
                    missing.push(format!("{page}: `{full}`"));
                }
                todo.push((format!("{} ", sub.get_name()), sub));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn component_pages_are_generated() {
    let dir = root().join("docs/components");
    let bless = std::env::var_os("KILN_BLESS_DOCS").is_some();
    let mut stale = Vec::new();
    for (file, generated) in kiln::cli::schema_markdown::pages() {
        let path = dir.join(&file);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        let updated = kiln::cli::schema_markdown::splice(&committed, &generated);
        if updated != committed {
            if bless {
                std::fs::write(&path, &updated).expect("the page is writable");
            } else {
                stale.push(file);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "these pages differ from `kiln schema --format markdown`; run \
         `KILN_BLESS_DOCS=1 cargo test --test docs` and commit them: {}",
        stale.join(", ")
    );
}
