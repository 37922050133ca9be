//! `kiln import` end to end: podinfo's three builds and a hand-written
//! multi-service application imported, checked, formatted, rendered again
//! and built with `kubectl kustomize`, then compared with the input object
//! by object; a Secret's data never written; what cannot be kept
//! reported, with nothing written.
//!
//! The comparison here is the test's own, independent of the one `kiln
//! import` runs: exact equality of every object once the labels kiln adds
//! and the namespace it gives are set aside, and once the few API-server
//! defaults these inputs rely on are filled in on both sides.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

mod common;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn kiln(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("kiln runs")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout)
}

fn tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("import")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fixtures(sub: &str) -> PathBuf {
    Path::new(ROOT).join("tests/fixtures").join(sub)
}

/// Every file below `dir`, by relative path.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().to_string();
                out.insert(rel, std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Splits a multi-document YAML stream into its objects.
fn docs(stream: &str) -> Vec<Value> {
    let mut text = String::from("\n");
    text.push_str(stream);
    text.split("\n---")
        .map(|d| d.trim_start_matches([' ', '-']))
        .filter(|d| {
            d.lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        })
        .map(|d| serde_saphyr::from_str::<Value>(d).unwrap_or_else(|e| panic!("{e}\n{d}")))
        .collect()
}

/// The labels kiln puts on every object.
const KILN_LABELS: &[&str] = &[
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
];

fn fill(map: &mut Value, key: &str, value: Value) {
    if let Some(m) = map.as_object_mut() {
        m.entry(key).or_insert(value);
    }
}

/// A quantity in bytes or milli-units, for the two spellings these inputs use.
fn quantity(v: &Value) -> Value {
    let s = match v {
        Value::String(s) => s.clone(),
        other => return other.clone(),
    };
    for (suffix, factor) in [("Gi", 1u64 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)] {
        if let Some(n) = s.strip_suffix(suffix).and_then(|n| n.parse::<u64>().ok()) {
            return json!(n * factor);
        }
    }
    match s.parse::<u64>() {
        Ok(n) => json!(n),
        Err(_) => v.clone(),
    }
}

/// The defaults these inputs leave to the API server, on both sides.
fn defaulted(mut v: Value) -> Value {
    match v["kind"].as_str().unwrap_or_default() {
        "Deployment" | "StatefulSet" => fill(&mut v["spec"], "replicas", json!(1)),
        "Service" => {
            fill(&mut v["spec"], "type", json!("ClusterIP"));
            for p in v["spec"]["ports"].as_array_mut().into_iter().flatten() {
                fill(p, "protocol", json!("TCP"));
                let port = p["port"].clone();
                fill(p, "targetPort", port);
            }
        }
        _ => {}
    }
    let spec = if v["kind"] == "CronJob" {
        &mut v["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    } else {
        &mut v["spec"]["template"]["spec"]
    };
    for key in ["containers", "initContainers"] {
        for c in spec[key].as_array_mut().into_iter().flatten() {
            for p in c["ports"].as_array_mut().into_iter().flatten() {
                fill(p, "protocol", json!("TCP"));
            }
            for part in ["requests", "limits"] {
                if let Some(m) = c["resources"][part].as_object_mut() {
                    for q in m.values_mut() {
                        *q = quantity(q);
                    }
                }
            }
        }
    }
    v
}

/// (kind, namespace, name) → object, as the cluster would hold it.
fn objects(list: Vec<Value>, env_ns: &str) -> BTreeMap<(String, String, String), Value> {
    list.into_iter()
        .map(|mut v| {
            let kind = v["kind"].as_str().unwrap().to_string();
            let name = v["metadata"]["name"].as_str().unwrap().to_string();
            let ns = match v["metadata"]["namespace"].as_str() {
                Some(ns) => ns.to_string(),
                None if matches!(
                    kind.as_str(),
                    "Namespace" | "ClusterRole" | "ClusterRoleBinding"
                ) =>
                {
                    String::new()
                }
                None => env_ns.to_string(),
            };
            if !ns.is_empty() {
                v["metadata"]["namespace"] = json!(ns);
            }
            ((kind, ns, name), defaulted(v))
        })
        .collect()
}

/// Every difference between the input and the render of one env, as text.
fn differences(input: &str, rendered: &str, env_ns: &str) -> Vec<String> {
    let want = objects(docs(input), env_ns);
    let mut got = objects(docs(rendered), env_ns);
    let mut out = Vec::new();
    for (key, mut w) in want {
        if w["kind"] == "Secret" && w.get("data").is_some() {
            continue;
        }
        let Some(mut g) = got.remove(&key) else {
            out.push(format!("{key:?}: not rendered"));
            continue;
        };
        if let Some(labels) = g["metadata"]["labels"].as_object_mut() {
            labels.retain(|k, _| {
                !KILN_LABELS.contains(&k.as_str()) || w["metadata"]["labels"].get(k).is_some()
            });
            if labels.is_empty() {
                g["metadata"].as_object_mut().unwrap().remove("labels");
            }
        }
        if w["metadata"]["labels"]
            .as_object()
            .is_some_and(|l| l.is_empty())
        {
            w["metadata"].as_object_mut().unwrap().remove("labels");
        }
        if w != g {
            out.push(format!(
                "{key:?}:\n--- input\n{}\n+++ render\n{}",
                serde_json::to_string_pretty(&w).unwrap(),
                serde_json::to_string_pretty(&g).unwrap()
            ));
        }
    }
    for key in got.keys() {
        out.push(format!("{key:?}: rendered, not in the input"));
    }
    out
}

/// Imports `envs` (NAME, file relative to `dir`) into `out`, which must
/// succeed; then checks, formats and renders the project, builds each env
/// with kubectl, and compares it with the input.
fn round_trip(dir: &Path, envs: &[(&str, &str, &str)], out: &Path) -> Output {
    let mut args = vec!["import".to_string()];
    for (env, file, _) in envs {
        args.push("--env".into());
        args.push(format!("{env}={file}"));
    }
    args.push("--out".into());
    args.push(out.display().to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let imported = kiln(dir, &args);
    assert!(
        imported.status.success(),
        "kiln import failed:\n{}",
        text(&imported)
    );
    let check = kiln(out, &["check"]);
    assert!(check.status.success(), "kiln check:\n{}", text(&check));
    let fmt = kiln(out, &["fmt", "--check"]);
    assert!(fmt.status.success(), "kiln fmt --check:\n{}", text(&fmt));
    let rendered = out.with_extension("rendered");
    let render = kiln(out, &["render", "--out", rendered.to_str().unwrap()]);
    assert!(render.status.success(), "kiln render:\n{}", text(&render));
    let mut failures = Vec::new();
    for (env, file, ns) in envs {
        let built = Command::new("kubectl")
            .arg("kustomize")
            .arg(rendered.join(env))
            .output()
            .expect("kubectl runs");
        assert!(
            built.status.success(),
            "kubectl kustomize: {}",
            text(&built)
        );
        let stream = String::from_utf8(built.stdout).unwrap();
        let file_path = rendered.join(format!("{env}.yaml"));
        std::fs::write(&file_path, &stream).unwrap();
        common::kubernetes_validate(&file_path);
        let input = std::fs::read_to_string(dir.join(file)).unwrap();
        failures.extend(
            differences(&input, &stream, ns)
                .into_iter()
                .map(|d| format!("{env}: {d}")),
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    imported
}

fn snapshot(name: &str, value: impl std::fmt::Display) {
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!(name, value.to_string());
    });
}

fn project_text(out: &Path) -> String {
    tree(out)
        .into_iter()
        .filter(|(p, _)| p.ends_with(".kdl"))
        .map(|(p, t)| format!("# {p}\n{t}"))
        .collect()
}

#[test]
fn podinfo_three_envs_import_and_render_the_same_objects() {
    let base = tmp("podinfo");
    let out = base.join("podinfo");
    let imported = round_trip(
        &fixtures("podinfo"),
        &[
            ("dev", "dev.yaml", "dev"),
            ("staging", "staging.yaml", "staging"),
            ("production", "production.yaml", "production"),
        ],
        &out,
    );
    let stderr = String::from_utf8_lossy(&imported.stderr);
    assert!(!stderr.contains("warning"), "{stderr}");
    assert!(
        stderr.contains("imported 75 objects of 3 envs into 10 apps"),
        "{stderr}"
    );
    assert!(kdl_percent(&stderr) <= 60, "{stderr}");
    snapshot("import_podinfo", project_text(&out));
}

#[test]
fn a_multi_service_application_imports_and_renders_the_same_objects() {
    let base = tmp("shop");
    let out = base.join("shop");
    let imported = round_trip(
        &fixtures("import/shop"),
        &[
            ("staging", "staging.yaml", "shop-staging"),
            ("production", "production.yaml", "shop"),
        ],
        &out,
    );
    snapshot("import_shop", project_text(&out));
    // The Secret with data: named in a warning, its data nowhere.
    let stderr = String::from_utf8_lossy(&imported.stderr);
    assert!(
        stderr.contains("Secret `web-db` holds data: left out of the imported project"),
        "{stderr}"
    );
    for (path, content) in tree(&out) {
        for secret in [
            "cG9zdGdyZXM6Ly9zaG9wOmh1bnRlcjJAcG9zdGdyZXMvc2hvcA",
            "hunter2",
        ] {
            assert!(!content.contains(secret), "{path} holds the Secret's data");
        }
    }
    assert!(!stderr.contains("hunter2") && !stderr.contains("cG9zdGdyZXM6"));
    // IMPORT.md: for a typical multi-service application the KDL is at
    // most 60% of the bytes of the YAML it replaces.
    let percent = kdl_percent(&stderr);
    // The Certificate's CRD is not in the input: named, and allowed.
    assert!(
        stderr.contains("no CRD defines `Certificate` of group `cert-manager.io`"),
        "{stderr}"
    );
    assert!(percent <= 60, "{percent}% of the YAML:\n{stderr}");
}

/// The share of the YAML's bytes the KDL takes, from the summary
/// `kiln import` prints: "… bytes of YAML (NN%)".
fn kdl_percent(stderr: &str) -> u64 {
    let (_, tail) = stderr
        .split_once("bytes of YAML (")
        .unwrap_or_else(|| panic!("no summary in:\n{stderr}"));
    tail.split_once("%)")
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or_else(|| panic!("no percentage in:\n{stderr}"))
}

#[test]
fn a_selector_no_component_can_keep_is_reported_and_nothing_written() {
    let base = tmp("selector");
    let out = base.join("project");
    let dir = fixtures("import/selector");
    let run = kiln(
        &dir,
        &[
            "import",
            "--env",
            "dev=dev.yaml",
            "--out",
            out.to_str().unwrap(),
            "--message-format",
            "short",
        ],
    );
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(!out.exists(), "nothing is written");
    snapshot("import_selector", String::from_utf8_lossy(&run.stderr));
    // --force writes the project, differences and all, and still fails.
    let forced = kiln(
        &dir,
        &[
            "import",
            "--env",
            "dev=dev.yaml",
            "--out",
            out.to_str().unwrap(),
            "--force",
            "-q",
        ],
    );
    assert_eq!(forced.status.code(), Some(1));
    assert!(out.join("apps/legacy.kdl").is_file());
}

#[test]
fn a_difference_names_the_object_the_path_and_both_values() {
    let base = tmp("labels");
    let out = base.join("project");
    let run = kiln(
        &fixtures("import/labels"),
        &[
            "import",
            "--env",
            "dev=dev.yaml",
            "--out",
            out.to_str().unwrap(),
            "--message-format",
            "short",
        ],
    );
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(!out.exists());
    snapshot("import_difference", String::from_utf8_lossy(&run.stderr));
}

#[test]
fn a_kustomization_is_refused_with_the_command_that_builds_it() {
    let base = tmp("kustomize");
    let out = base.join("project");
    let run = kiln(
        &fixtures("import/kustomize"),
        &[
            "import",
            "--env",
            "dev=base",
            "--out",
            out.to_str().unwrap(),
            "--message-format",
            "short",
        ],
    );
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains(
            "error[kiln::import::kustomization]: `base/kustomization.yaml` is a kustomization"
        ),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn standard_input_and_an_occupied_folder() {
    let base = tmp("stdin");
    let out = base.join("project");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args([
            "import",
            "--env",
            "dev=-",
            "--out",
            out.to_str().unwrap(),
            "--project-name",
            "labels",
        ])
        .current_dir(&base)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let input = std::fs::read_to_string(fixtures("podinfo/dev.yaml")).unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
    let run = child.wait_with_output().unwrap();
    assert!(run.status.success(), "{}", text(&run));
    let kdl = std::fs::read_to_string(out.join("kiln.kdl")).unwrap();
    assert!(kdl.contains("project \"labels\""), "{kdl}");
    assert!(
        std::fs::read_to_string(out.join("apps/backend.kdl"))
            .unwrap()
            .contains("// from <stdin> (dev).")
    );
    // The folder holds files now: a second import refuses it.
    let again = kiln(
        &base,
        &[
            "import",
            "--env",
            "dev=project/kiln.kdl",
            "--out",
            "project",
        ],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again).contains("kiln::import::output"),
        "{}",
        text(&again)
    );
    // A command line without NAME=PATH is wrong.
    assert_eq!(
        kiln(&base, &["import", "--env", "dev", "--out", "x"])
            .status
            .code(),
        Some(2)
    );
}

/// Renders `project` with `kiln render --stdout`, one file per env in
/// `dir`, and imports them into `dir/imported` under the project's folder
/// name.
fn import_rendered(project: &Path, envs: &[&str], dir: &Path) -> Output {
    let mut args = vec!["import".to_string()];
    for env in envs {
        let render = kiln(
            project,
            &[
                "render",
                "--stdout",
                "--env",
                env,
                "--message-format",
                "short",
            ],
        );
        assert!(render.status.success(), "kiln render:\n{}", text(&render));
        let file = dir.join(format!("{env}.yaml"));
        std::fs::write(&file, &render.stdout).unwrap();
        args.push("--env".into());
        args.push(format!("{env}={}", file.display()));
    }
    let name = project.file_name().unwrap().to_string_lossy().to_string();
    args.extend([
        "--out".into(),
        "imported".into(),
        "--project-name".into(),
        name,
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    kiln(dir, &args)
}

/// The imported project in `out` renders each env's input (`dir/ENV.yaml`)
/// byte for byte.
fn renders_the_input(out: &Path, dir: &Path, envs: &[&str]) {
    for env in envs {
        let again = kiln(out, &["render", "--stdout", "--env", env, "-q"]);
        assert!(again.status.success(), "{}", text(&again));
        let input = std::fs::read_to_string(dir.join(format!("{env}.yaml"))).unwrap();
        assert_eq!(String::from_utf8_lossy(&again.stdout), input, "{env}");
    }
}

#[test]
fn kilns_own_render_imports_back_into_the_same_apps() {
    let dir = tmp("roundtrip");
    let project = fixtures("import/roundtrip");
    let run = import_rendered(&project, &["staging", "production"], &dir);
    assert!(run.status.success(), "{}", text(&run));
    let out = dir.join("imported");
    let apps: Vec<String> = tree(&out)
        .into_keys()
        .filter(|p| p.starts_with("apps/"))
        .collect();
    // Objects without a workload keep the app their label names, not `shared`.
    assert_eq!(
        apps,
        [
            "apps/ingress-nginx.kdl",
            "apps/settings.kdl",
            "apps/web.kdl"
        ]
    );
    let kdl = project_text(&out);
    assert!(
        !kdl.contains("app.kubernetes.io/"),
        "kiln's own labels written:\n{kdl}"
    );
    // The imported project renders the input byte for byte.
    renders_the_input(&out, &dir, &["staging", "production"]);
}

#[test]
fn every_example_imports_from_its_own_render() {
    for (example, envs) in [
        ("platform", &["staging", "production"][..]),
        ("shop", &["staging", "production"][..]),
        ("podinfo", &["dev", "staging", "production"][..]),
    ] {
        let dir = tmp(&format!("example-{example}"));
        let run = import_rendered(&Path::new(ROOT).join("examples").join(example), envs, &dir);
        assert!(run.status.success(), "{example}:\n{}", text(&run));
        // Every object comes back to an app of the example's, none to `shared`.
        let apps: Vec<String> = tree(&dir.join("imported"))
            .into_keys()
            .filter(|p| p.starts_with("apps/"))
            .collect();
        assert!(!apps.is_empty(), "{example}");
        assert!(
            !apps.contains(&"apps/shared.kdl".to_string()),
            "{example}: {apps:?}"
        );
    }
}

#[test]
fn a_cluster_scoped_custom_resource_comes_back_without_a_namespace() {
    // examples/platform vendors cert-manager's CRDs for checking; its
    // render holds a ClusterIssuer but not the CRD.
    let dir = tmp("cluster-scoped");
    let run = import_rendered(
        &Path::new(ROOT).join("examples/platform"),
        &["staging", "production"],
        &dir,
    );
    assert!(run.status.success(), "{}", text(&run));
    let out = dir.join("imported");
    let files = tree(&out);
    assert!(
        files["kiln.kdl"].contains("crds \"crds\" allow-unknown=#true"),
        "{}",
        files["kiln.kdl"]
    );
    assert!(
        files["crds/clusterissuers.cert-manager.io.yaml"].contains("scope: Cluster"),
        "{files:?}"
    );
    // The imported project renders the input byte for byte: no namespace
    // on the ClusterIssuer.
    renders_the_input(&out, &dir, &["staging", "production"]);

    // With the CRD in one env's input, it is vendored, and the other env
    // knows the kind's scope too.
    let dir = tmp("cluster-scoped-crd");
    let crd = std::fs::read_to_string(
        Path::new(ROOT)
            .join("examples/platform/crds/cert-manager/cert-manager.io_clusterissuers.yaml"),
    )
    .unwrap();
    let run = import_rendered(
        &Path::new(ROOT).join("examples/platform"),
        &["staging", "production"],
        &dir,
    );
    assert!(run.status.success(), "{}", text(&run));
    let staging = std::fs::read_to_string(dir.join("staging.yaml")).unwrap();
    std::fs::write(dir.join("staging.yaml"), format!("{crd}---\n{staging}")).unwrap();
    std::fs::remove_dir_all(dir.join("imported")).unwrap();
    let run = kiln(
        &dir,
        &[
            "import",
            "--env",
            "staging=staging.yaml",
            "--env",
            "production=production.yaml",
            "--out",
            "imported",
            "--project-name",
            "platform",
        ],
    );
    assert!(run.status.success(), "{}", text(&run));
    let files = tree(&dir.join("imported"));
    assert!(
        files["crds/clusterissuers.cert-manager.io.yaml"].contains("openAPIV3Schema"),
        "{files:?}"
    );
    // Production, whose input has no CRD, renders its ClusterIssuer as it was.
    renders_the_input(&dir.join("imported"), &dir, &["production"]);
}

#[test]
fn a_render_out_folder_is_one_kustomization_error_per_env_and_its_help_works() {
    let dir = tmp("render-out");
    let render = kiln(
        &fixtures("import/roundtrip"),
        &[
            "render",
            "--out",
            dir.join("rendered").to_str().unwrap(),
            "-q",
        ],
    );
    assert!(render.status.success(), "{}", text(&render));
    let run = kiln(
        &dir,
        &[
            "import",
            "--env",
            "staging=rendered/staging",
            "--env",
            "production=rendered/production",
            "--out",
            "project",
            "--message-format",
            "short",
        ],
    );
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(!dir.join("project").exists());
    let stderr = String::from_utf8_lossy(&run.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error[")).collect();
    assert_eq!(
        errors,
        [
            "rendered/staging/kustomization.yaml:1:1: error[kiln::import::kustomization]: `rendered/staging/kustomization.yaml` is a kustomization, which `kiln import` does not build (and 3 more in the input of env `staging`)",
            "rendered/production/kustomization.yaml:1:1: error[kiln::import::kustomization]: `rendered/production/kustomization.yaml` is a kustomization, which `kiln import` does not build (and 3 more in the input of env `production`)",
        ],
        "{stderr}"
    );
    // The help's commands work: build each env's folder, import the streams.
    let json = kiln(
        &dir,
        &[
            "import",
            "--env",
            "staging=rendered/staging",
            "--out",
            "project",
            "--message-format",
            "json",
        ],
    );
    let help =
        String::from_utf8_lossy(&json.stdout).to_string() + &String::from_utf8_lossy(&json.stderr);
    assert!(
        help.contains("`kubectl kustomize rendered/staging > staging.yaml`"),
        "{help}"
    );
    for env in ["staging", "production"] {
        let built = Command::new("kubectl")
            .args(["kustomize", &format!("rendered/{env}")])
            .current_dir(&dir)
            .output()
            .expect("kubectl runs");
        assert!(built.status.success(), "{}", text(&built));
        std::fs::write(dir.join(format!("{env}.yaml")), &built.stdout).unwrap();
    }
    let imported = kiln(
        &dir,
        &[
            "import",
            "--env",
            "staging=staging.yaml",
            "--env",
            "production=production.yaml",
            "--out",
            "project",
            "--project-name",
            "roundtrip",
            "-q",
        ],
    );
    assert!(imported.status.success(), "{}", text(&imported));
}

#[test]
fn an_input_of_no_objects_fails_and_writes_nothing() {
    let dir = tmp("empty");
    std::fs::write(dir.join("empty.yaml"), "").unwrap();
    std::fs::write(dir.join("comments.yaml"), "# rendered nothing\n---\n---\n").unwrap();
    std::fs::copy(fixtures("podinfo/dev.yaml"), dir.join("dev.yaml")).unwrap();
    for (env, stderr) in [
        (
            "staging=empty.yaml",
            "empty.yaml:1:1: error[kiln::import::empty]: no objects found in `empty.yaml`",
        ),
        (
            "staging=comments.yaml",
            "comments.yaml:1:1: error[kiln::import::empty]: no objects found in `comments.yaml`",
        ),
    ] {
        let run = kiln(
            &dir,
            &[
                "import",
                "--env",
                "dev=dev.yaml",
                "--env",
                env,
                "--out",
                "project",
                "--message-format",
                "short",
            ],
        );
        assert_eq!(run.status.code(), Some(1), "{}", text(&run));
        assert_eq!(
            String::from_utf8_lossy(&run.stderr),
            format!("{stderr}\n1 error found\n")
        );
        assert!(!dir.join("project").exists());
    }
}

#[test]
fn an_object_the_schema_rejects_is_reported_at_the_bad_field() {
    let dir = tmp("invalid");
    let run = kiln(
        &fixtures("import/invalid"),
        &[
            "import",
            "--env",
            "dev=dev.yaml",
            "--out",
            dir.join("project").to_str().unwrap(),
            "--message-format",
            "short",
        ],
    );
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(!dir.join("project").exists());
    // Each at its field (the second container's, a List item's), the
    // object's own `kind` beside it.
    assert_eq!(
        String::from_utf8_lossy(&run.stderr),
        "dev.yaml:26:11: error[kiln::import::read]: Deployment `web` of `dev.yaml` is not a valid Kubernetes object: expected an integer, found a string at `spec.template.spec.containers.1.ports.0.containerPort`
dev.yaml:7:1: note: in this Deployment
dev.yaml:24:9: error[kiln::import::read]: Deployment `web` of `dev.yaml` is not a valid Kubernetes object: unknown field `imagePullPolicyy` at `spec.template.spec.containers.1.imagePullPolicyy`
dev.yaml:7:1: note: in this Deployment
dev.yaml:35:24: error[kiln::import::read]: Service `s` of `dev.yaml` is not a valid Kubernetes object: unknown field `protocoll` at `spec.ports.0.protocoll`
dev.yaml:32:3: note: in this Service
3 errors found
"
    );
}
