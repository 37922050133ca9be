//! Hostile input, each case its own test, mostly through the binary: kiln
//! must answer with a diagnostic and exit 1, never panic, hang or read
//! outside the project.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use kiln::compile::{Compiled, Request, Selection, compile};
use kiln::world::DiskWorld;

/// Writes `files` (path, bytes) into a fresh project directory.
fn project(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    dir
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

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `kiln check` must exit 1 (not crash: 101 is a panic, a signal has no
/// code) and say `needle`.
fn check_fails_with(dir: &Path, needle: &str) -> String {
    let out = kiln(dir, &["check", "--message-format", "short"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains(needle), "expected `{needle}` in:\n{err}");
    err
}

fn compile_dir(dir: &Path) -> Compiled {
    let root = std::fs::canonicalize(dir).unwrap();
    let req = Request {
        selection: Selection::Everything,
        ..Default::default()
    };
    compile(&DiskWorld, &root, &req, None)
}

const HEAD: &str = "project \"p\"\nenv \"dev\" { namespace \"dev\" }\n";

#[test]
fn nesting_20000_deep_is_refused_through_the_binary() {
    let mut s = HEAD.to_string();
    s.push_str(&"a{".repeat(20_000));
    s.push_str(&"}".repeat(20_000));
    let dir = project(&[("kiln.kdl", s.as_bytes())]);
    check_fails_with(dir.path(), "nest");
    // And in memory, on a test thread's ordinary 2 MiB stack.
    assert!(compile_dir(dir.path()).diags.has_errors());
}

#[test]
fn nesting_deep_in_a_component_template_file_is_refused() {
    let mut s = HEAD.to_string();
    s.push_str("app \"web\" {\n image \"nginx:1\"\n");
    s.push_str(&"sidecar \"x\" {".repeat(5_000));
    s.push_str(&"}".repeat(5_000));
    s.push_str("\n}\n");
    let dir = project(&[("kiln.kdl", s.as_bytes())]);
    check_fails_with(dir.path(), "nest");
}

/// `n` workers in one file, rendered to standard output: every object
/// comes out, within `budget`.
fn many_apps(n: usize, budget: Duration) {
    let mut s = String::from("project \"p\"\nenv \"dev\" { namespace \"dev\" }\n");
    for i in 0..n {
        s.push_str(&format!(
            "app \"app-{i}\" component=\"worker\" {{ image \"nginx:1.{i}\" }}\n"
        ));
    }
    let dir = project(&[("kiln.kdl", s.as_bytes())]);
    let start = Instant::now();
    let out = kiln(dir.path(), &["render", "--stdout"]);
    let took = start.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let docs = String::from_utf8_lossy(&out.stdout)
        .matches("kind: Deployment")
        .count();
    assert_eq!(docs, n);
    assert!(took < budget, "{n} apps took {took:?}");
}

/// Twenty thousand apps in one file all come out. Not a timing test: the
/// budget only catches a hang or a quadratic blow-up (a debug build on two
/// shared cores takes about 30 s; the release figure, 20,000 apps in one
/// file in under a minute, is measured by `benches/fleet.sh`).
#[test]
fn twenty_thousand_apps_in_one_file_render() {
    many_apps(20_000, Duration::from_secs(300));
}

#[test]
fn megabyte_strings_are_kept_or_refused_whole() {
    let big = "x".repeat(1 << 20);
    let text = format!("{HEAD}app \"web\" {{\n image \"nginx:1\"\n env \"BIG\" \"{big}\"\n}}\n");
    let dir = project(&[("kiln.kdl", text.as_bytes())]);
    let out = kiln(dir.path(), &["render", "--stdout"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&big));

    let text = format!("{HEAD}app \"web\" {{ image \"{big}\" }}\n");
    let dir = project(&[("kiln.kdl", text.as_bytes())]);
    let err = check_fails_with(dir.path(), "image");
    assert!(err.len() < 64 * 1024, "the message repeats the megabyte");
}

#[test]
fn invalid_utf8_is_an_error_at_the_byte() {
    let dir = project(&[("kiln.kdl", b"project \"p\"\napp \"\xff\xfe\" {}\n")]);
    check_fails_with(dir.path(), "kiln.kdl:2:6");
}

#[test]
fn nul_bytes_are_an_error() {
    let dir = project(&[(
        "kiln.kdl",
        b"project \"p\"\nenv \"dev\"\napp \"a\0b\" { image \"nginx:1\" }\n",
    )]);
    check_fails_with(dir.path(), "error");
    let dir = project(&[("kiln.kdl", b"project \"p\"\n\0\0\0")]);
    check_fails_with(dir.path(), "error");
}

#[test]
fn replicas_beyond_i64_are_an_error_at_the_value() {
    for n in [
        "9223372036854775808",
        "-9223372036854775809",
        "99999999999999999999999999999999999999999",
        "1e400",
    ] {
        // Beyond i128 the KDL parser refuses the number; any error will do,
        // as long as it points into kiln.kdl.
        let text = format!("{HEAD}app \"web\" {{\n image \"nginx:1\"\n replicas {n}\n}}\n");
        let dir = project(&[("kiln.kdl", text.as_bytes())]);
        check_fails_with(dir.path(), "kiln.kdl:5:");
    }
}

/// A template that would run for ever without fuel: minijinja refuses a
/// `range` of more than 10,000 at once, so the loops nest.
const ENDLESS: &str =
    "{% for i in range(10000) %}{% for j in range(10000) %}{{ i }}{% endfor %}{% endfor %}";
/// A single loop over a range minijinja refuses outright.
const HUGE_RANGE: &str = "{% for i in range(100000000) %}x{% endfor %}";

#[test]
fn an_endless_string_template_is_stopped_in_seconds() {
    for (template, says) in [
        (ENDLESS, "template ran too long"),
        (HUGE_RANGE, "too many elements"),
    ] {
        let text =
            format!("{HEAD}app \"web\" {{\n image \"nginx:1\"\n env \"X\" \"{template}\"\n}}\n");
        let dir = project(&[("kiln.kdl", text.as_bytes())]);
        let start = Instant::now();
        let err = check_fails_with(dir.path(), says);
        assert!(err.contains("kiln.kdl:5:"), "{err}");
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            start.elapsed()
        );
    }
}

#[test]
fn an_endless_component_template_is_stopped_in_seconds_and_named() {
    let component = "component \"hello\" {\n    param \"greeting\" type=\"string\"\n    template \"hello.yaml.j2\"\n}\n";
    let template = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{{{ app.name | tojson }}}}\ndata:\n  x: \"{ENDLESS}\"\n"
    );
    let text = format!("{HEAD}app \"web\" component=\"hello\" {{ greeting \"hi\" }}\n");
    let dir = project(&[
        ("kiln.kdl", text.as_bytes()),
        ("components/hello.kdl", component.as_bytes()),
        ("components/hello.yaml.j2", template.as_bytes()),
    ]);
    let start = Instant::now();
    let err = check_fails_with(dir.path(), "components/hello.yaml.j2:6:");
    assert!(err.contains("ran out of fuel"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn names_with_dot_dot_slash_or_upper_case_are_refused() {
    for name in ["..", "../etc", "a/b", "Web", "web/../../x", "."] {
        let text = format!("{HEAD}app \"{name}\" {{ image \"nginx:1\" }}\n");
        let dir = project(&[("kiln.kdl", text.as_bytes())]);
        check_fails_with(dir.path(), "kiln.kdl:3:");
        let text = format!("project \"p\"\nenv \"{name}\" {{ namespace \"dev\" }}\n");
        let dir = project(&[("kiln.kdl", text.as_bytes())]);
        check_fails_with(dir.path(), "kiln.kdl:2:");
    }
}

/// A secret beside the project that no path in it may reach.
fn outside() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("secret"), "TOP SECRET\n").unwrap();
    std::fs::create_dir(tmp.path().join("p")).unwrap();
    let p = tmp.path().join("p");
    (tmp, p)
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn refuses_outside(p: &Path) {
    let out = kiln(p, &["render", "--stdout"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("outside the project"), "{err}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("TOP SECRET"));
    assert!(!err.contains("TOP SECRET"), "{err}");
}

#[test]
fn file_from_outside_the_project_is_refused() {
    for from in ["../secret", "sub/../../secret"] {
        let (_tmp, p) = outside();
        let text = format!(
            "{HEAD}app \"web\" {{\n image \"nginx:1\"\n file \"/etc/x\" from=\"{from}\"\n}}\n"
        );
        write(&p, "kiln.kdl", &text);
        write(&p, "sub/keep", "");
        refuses_outside(&p);
    }
    // An absolute path is refused by its type before it is looked at.
    let (_tmp, p) = outside();
    let text = format!(
        "{HEAD}app \"web\" {{\n image \"nginx:1\"\n file \"/etc/x\" from=\"/etc/passwd\"\n}}\n"
    );
    write(&p, "kiln.kdl", &text);
    check_fails_with(&p, "expected a relative file path");
}

#[test]
fn symlinks_out_of_the_project_are_refused() {
    let (_tmp, p) = outside();
    std::os::unix::fs::symlink("../secret", p.join("link")).unwrap();
    std::os::unix::fs::symlink("..", p.join("up")).unwrap();
    for from in ["link", "up/secret"] {
        let text = format!(
            "{HEAD}app \"web\" {{\n image \"nginx:1\"\n file \"/etc/x\" from=\"{from}\"\n}}\n"
        );
        write(&p, "kiln.kdl", &text);
        refuses_outside(&p);
    }
}

/// A project's own KDL file that is a link: to a file outside the project
/// it is refused, to one inside it is read (each file's real path is its
/// folder's and its name, unless the file is a link itself).
#[test]
fn kdl_files_linked_from_outside_are_refused() {
    let (tmp, p) = outside();
    std::fs::write(
        tmp.path().join("outside.kdl"),
        "app \"web\" {\n image \"nginx:1\"\n}\n",
    )
    .unwrap();
    write(&p, "kiln.kdl", HEAD);
    std::fs::create_dir(p.join("apps")).unwrap();
    std::os::unix::fs::symlink("../../outside.kdl", p.join("apps/web.kdl")).unwrap();
    check_fails_with(&p, "`apps/web.kdl` leads outside the project");

    // A hidden folder is not read for KDL files: only through the link.
    std::fs::remove_file(p.join("apps/web.kdl")).unwrap();
    write(
        &p,
        ".shared/web.kdl",
        "app \"web\" {\n image \"nginx:1\"\n}\n",
    );
    std::os::unix::fs::symlink("../.shared/web.kdl", p.join("apps/web.kdl")).unwrap();
    let out = kiln(&p, &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn manifests_outside_the_project_are_refused() {
    let (tmp, p) = outside();
    std::fs::write(
        tmp.path().join("secret"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  s: TOP SECRET\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("../secret", p.join("link.yaml")).unwrap();
    for m in ["../secret", "link.yaml"] {
        let text = format!("{HEAD}app \"web\" {{\n image \"nginx:1\"\n manifest \"{m}\"\n}}\n");
        write(&p, "kiln.kdl", &text);
        refuses_outside(&p);
    }
}

#[test]
fn component_templates_outside_the_project_are_refused() {
    let (tmp, p) = outside();
    std::fs::write(
        tmp.path().join("secret"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  s: TOP SECRET\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("../../secret", p.join("components/link.yaml.j2"))
        .or_else(|_| {
            std::fs::create_dir_all(p.join("components"))?;
            std::os::unix::fs::symlink("../../secret", p.join("components/link.yaml.j2"))
        })
        .unwrap();
    for t in ["../../secret", "link.yaml.j2"] {
        write(
            &p,
            "components/hello.kdl",
            &format!(
                "component \"hello\" {{\n    param \"greeting\" type=\"string\"\n    template \"{t}\"\n}}\n"
            ),
        );
        write(
            &p,
            "kiln.kdl",
            &format!("{HEAD}app \"web\" component=\"hello\" {{ greeting \"hi\" }}\n"),
        );
        refuses_outside(&p);
    }
}

#[test]
fn a_kdl_file_linked_from_outside_is_refused() {
    let (tmp, p) = outside();
    std::fs::write(
        tmp.path().join("secret"),
        "app \"x\" { image \"TOP SECRET\" }\n",
    )
    .unwrap();
    write(
        &p,
        "kiln.kdl",
        &format!("{HEAD}app \"web\" {{ image \"nginx:1\" }}\n"),
    );
    std::os::unix::fs::symlink("../secret", p.join("more.kdl")).unwrap();
    refuses_outside(&p);
}

/// Values YAML 1.1 readers (kubectl among them) would turn into booleans,
/// nulls, numbers or mappings: written by kiln, read back by kubectl, they
/// must be the same strings.
#[test]
fn yaml_lookalikes_are_read_back_exactly_by_kubectl() {
    if Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_err()
    {
        eprintln!("kubectl is not installed; skipped");
        return;
    }
    let values = [
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "true",
        "False",
        "~",
        "null",
        "",
        "0755",
        "0o755",
        "1e3",
        "1_000",
        "0x1F",
        ".inf",
        "-.nan",
        "12:30:00",
        "2024-01-01",
        "\tleading tab",
        "a: b",
        "a #b",
        "- x",
        "[x]",
        "{x: y}",
        "&a",
        "*a",
        "!tag",
        "%x",
        "@x",
        "`x",
        "|",
        ">",
        "'q'",
        "\"dq\"",
        "trailing ",
        " leading",
        "multi\nline",
        "ünïcödé",
        "=",
        "<<",
    ];
    let mut text = format!("{HEAD}app \"web\" component=\"worker\" {{\n image \"nginx:1\"\n");
    for (i, v) in values.iter().enumerate() {
        let v = v
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
            .replace('\t', "\\t");
        text.push_str(&format!(" env \"V{i}\" \"{v}\"\n"));
    }
    text.push_str(" pod-annotations");
    for (i, v) in values.iter().enumerate() {
        let v = v
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
            .replace('\t', "\\t");
        text.push_str(&format!(" \"a{i}\"=\"{v}\""));
    }
    text.push_str("\n}\n");
    let dir = project(&[("kiln.kdl", text.as_bytes())]);
    let out_dir = dir.path().join("out");
    let out = kiln(dir.path(), &["render", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let file = out_dir.join("dev/web/deployment-web.yaml");
    let kubectl = Command::new("kubectl")
        .args(["label", "--local", "-o", "json", "x=y", "-f"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        kubectl.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&kubectl.stderr),
        std::fs::read_to_string(&file).unwrap()
    );
    let obj: serde_json::Value = serde_json::from_slice(&kubectl.stdout).unwrap();
    let env = &obj["spec"]["template"]["spec"]["containers"][0]["env"];
    let annotations = &obj["spec"]["template"]["metadata"]["annotations"];
    for (i, v) in values.iter().enumerate() {
        let got = env
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == format!("V{i}"))
            .unwrap_or_else(|| panic!("V{i} missing: {env}"));
        assert_eq!(got["value"], serde_json::json!(v), "env V{i}");
        assert_eq!(
            annotations[format!("a{i}")],
            serde_json::json!(v),
            "annotation a{i}"
        );
    }
}
