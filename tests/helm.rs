//! The `helm-release` component and documents: podinfo's real chart
//! vendored in a project (values checked against its `values.yaml`), per-env
//! values, the merge order of the five layers, `kiln explain` and `--set`,
//! and the rendered output built by `kubectl kustomize`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kiln::compile::{Request, Selection, compile};
use kiln::resolve::{self, Layer, Options, SetFlag};
use kiln::span::Span;
use kiln::world::DiskWorld;
use serde_json::json;

mod common;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A fresh directory for one test.
fn tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("helm")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// A project holding podinfo's chart (tests/fixtures/charts/podinfo) and
/// `files`.
fn podinfo_project(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = tmp(name);
    let chart = Path::new(ROOT).join("tests/fixtures/charts/podinfo");
    let to = dir.join("charts/podinfo");
    std::fs::create_dir_all(&to).unwrap();
    for f in ["Chart.yaml", "values.yaml"] {
        std::fs::copy(chart.join(f), to.join(f)).unwrap();
    }
    write(&dir, files);
    dir
}

fn kiln(project: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .arg("--project")
        .arg(project)
        .env("NO_COLOR", "1")
        .output()
        .expect("kiln runs")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

const PODINFO: &str = r#"project "platform"

app "podinfo" component="helm-release" {
    chart "podinfo" repo="https://stefanprodan.github.io/podinfo" version=">=6.0.0 <7.0.0" vendored="charts/podinfo"
    values from="values/podinfo.yaml"
    value "httpRoute.hostnames" "podinfo.{{ vars.domain }}" list=#true
    value "logLevel" "info"
    install-strategy "RetryOnFailure"
}

env "staging" {
    vars domain="staging.example.com"
    app "podinfo" {
        chart version="6.x"
        values from="values/staging.yaml"
    }
}

env "production" {
    vars domain="example.com"
    app "podinfo" {
        values from="values/production.yaml"
        value "replicaCount" 3
    }
}
"#;

const PODINFO_VALUES: &[(&str, &str)] = &[
    (
        "values/podinfo.yaml",
        "ingress:\n  enabled: true\n  className: nginx\n  hosts:\n    - host: \"podinfo.{{ vars.domain }}\"\n      paths:\n        - path: /\n          pathType: ImplementationSpecific\n",
    ),
    (
        "values/staging.yaml",
        "logLevel: debug\nui:\n  message: staging\n",
    ),
    (
        "values/production.yaml",
        "logLevel: warn\nhpa:\n  enabled: true\n  maxReplicas: 6\nresources:\n  limits:\n    memory: 256Mi\npodAnnotations:\n  prometheus.io/scrape: \"true\"\n",
    ),
];

/// The podinfo project, in a directory of its own per test.
fn podinfo(name: &str) -> PathBuf {
    let mut files = vec![("kiln.kdl", PODINFO)];
    files.extend_from_slice(PODINFO_VALUES);
    podinfo_project(name, &files)
}

#[test]
fn podinfo_from_its_vendored_chart_renders_per_env_and_builds_with_kubectl() {
    let project = podinfo("render");
    let out_dir = project.join("rendered");
    let out = kiln(&project, &["render", "--out", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    for (env, version, host, extra) in [
        (
            "staging",
            "6.x",
            "podinfo.staging.example.com",
            "logLevel: debug",
        ),
        (
            "production",
            ">=6.0.0 <7.0.0",
            "podinfo.example.com",
            "replicaCount: 3",
        ),
    ] {
        let built = Command::new("kubectl")
            .arg("kustomize")
            .arg(out_dir.join(env))
            .output()
            .expect("kubectl runs");
        assert!(
            built.status.success(),
            "kubectl kustomize {env}: {}",
            text(&built)
        );
        let yaml = String::from_utf8(built.stdout).unwrap();
        let docs: Vec<serde_json::Value> = kiln::render::yaml::from_yaml_documents(&yaml).unwrap();
        let kinds: Vec<&str> = docs.iter().filter_map(|d| d["kind"].as_str()).collect();
        assert_eq!(kinds, ["HelmRelease", "HelmRepository"], "{env}");
        let hr = &docs[0];
        assert_eq!(hr["spec"]["chart"]["spec"]["version"], version, "{env}");
        assert_eq!(hr["spec"]["values"]["ingress"]["hosts"][0]["host"], host);
        assert_eq!(
            hr["spec"]["values"]["httpRoute"]["hostnames"],
            json!([host])
        );
        assert!(yaml.contains(extra), "{env}: {yaml}");
        assert_eq!(
            docs[1]["spec"]["url"],
            "https://stefanprodan.github.io/podinfo"
        );
    }
}

#[test]
fn explain_shows_every_value_path_with_the_layers_that_set_it() {
    let project = podinfo("explain");
    let out = kiln(&project, &["explain", "production", "podinfo", "values"]);
    assert!(out.status.success(), "{}", text(&out));
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!("helm_explain_values", String::from_utf8_lossy(&out.stdout));
    });
}

#[test]
fn set_reaches_into_a_document_and_is_checked_like_a_value() {
    let project = podinfo("set");
    let out = kiln(
        &project,
        &[
            "render",
            "--stdout",
            "--env",
            "staging",
            "--set",
            "podinfo.values.image.tag=6.5.0",
            "--set",
            "podinfo.values.replicaCount=2",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let docs =
        kiln::render::yaml::from_yaml_documents(&String::from_utf8_lossy(&out.stdout)).unwrap();
    let values = &docs[0]["spec"]["values"];
    // Typed as Helm types `--set`: a version stays a string, a count is a number.
    assert_eq!(values["image"]["tag"], "6.5.0");
    assert_eq!(values["replicaCount"], 2);
    let out = kiln(
        &project,
        &[
            "check",
            "--message-format",
            "short",
            "--set",
            "podinfo.values.image.tga=6.5.0",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = text(&out);
    assert!(err.contains("<command line>:1:"), "{err}");
    assert!(err.contains("unknown value `image.tga`"), "{err}");
}

#[test]
fn a_typo_in_an_env_values_file_is_reported_there_and_nothing_is_written() {
    let mut files = vec![("kiln.kdl", PODINFO)];
    files.extend_from_slice(PODINFO_VALUES);
    files.push((
        "values/staging.yaml",
        "logLevel: debug\nui:\n  mesage: staging\n",
    ));
    let project = podinfo_project("typo", &files);
    let out_dir = project.join("rendered");
    let out = kiln(
        &project,
        &[
            "render",
            "--out",
            out_dir.to_str().unwrap(),
            "--message-format",
            "short",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = text(&out);
    assert!(
        err.contains("values/staging.yaml:3:3: error[kiln::resolve::unknown_value]: unknown value `ui.mesage`"),
        "{err}"
    );
    assert!(err.contains("charts/podinfo/values.yaml:"), "{err}");
    assert!(!out_dir.exists(), "a failed render wrote output");
}

/// A component of the project whose document has defaults, so that all
/// five layers can set values.
const LAYERS: &[(&str, &str)] = &[
    (
        "kiln.kdl",
        r#"project "p"

component "settings" {
    param "values" type="document" {
        entry "value"
        default "defaults.yaml"
    }
    template "settings.yaml.j2"
}

app "web" component="settings" {
    value "fromAppValue" "app-value"      // written first, applied after the file
    values from="app.yaml"
    value "gone" remove=#true
}

flavor "big" {
    value "fromFlavor" "flavor"
}

env "prod" {
    flavor "big"
    app "web" {
        values from="env.yaml"
        value "fromEnv" "env-value"
        value "nested.list" "a" "b"
    }
}
"#,
    ),
    (
        "defaults.yaml",
        "fromDefault: default\nfromAppFile: default\nfromAppValue: default\nfromFlavor: default\nfromEnv: default\nfromSet: default\ngone: default\nnested:\n  keep: default\n  list: [default]\n",
    ),
    (
        "app.yaml",
        "fromAppFile: app-file\nfromAppValue: app-file\n",
    ),
    (
        "env.yaml",
        "fromEnv: env-file\nnested:\n  list: [env-file]\n",
    ),
    (
        "settings.yaml.j2",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ app.name | tojson }}\ndata:\n  values: {{ params['values'] | tojson | tojson }}\n",
    ),
];

#[test]
fn values_merge_across_the_five_layers_files_before_values() {
    let dir = tmp("layers");
    write(&dir, LAYERS);
    let root = std::fs::canonicalize(&dir).unwrap();
    let sets_text = "--set web.values.fromSet=cli".to_string();
    let opts = Options {
        sets: vec![SetFlag {
            app: "web".into(),
            path: vec!["values".into(), "fromSet".into()],
            value: "cli".into(),
            span: Span::new(0, 6, 24),
            value_span: Span::new(0, 25, sets_text.len()),
        }],
        ..Options::default()
    };
    let req = Request {
        selection: Selection::Named(vec!["prod".into()]),
        resolve: opts.clone(),
        ..Default::default()
    };
    let compiled = compile(&DiskWorld, &root, &req, Some(sets_text));
    assert!(!compiled.diags.has_errors(), "{:?}", compiled.diags.0);
    let mut diags = kiln::diag::Diagnostics::default();
    let env = resolve::resolve_env(
        &compiled.model,
        "prod",
        None,
        &opts,
        &compiled.sources,
        &DiskWorld,
        &mut diags,
    )
    .expect("the env resolves");
    assert!(!diags.has_errors(), "{:?}", diags.0);
    let doc = &env.apps[0].documents["values"];
    assert_eq!(
        doc.value,
        json!({
            "fromDefault": "default",
            "fromAppFile": "app-file",
            "fromAppValue": "app-value",
            "fromFlavor": "flavor",
            "fromEnv": "env-value",
            "fromSet": "cli",
            "nested": {"keep": "default", "list": ["a", "b"]},
        })
    );
    let layers = |path: &str| -> Vec<Layer> {
        doc.paths
            .iter()
            .find(|p| p.path == path)
            .unwrap_or_else(|| panic!("no {path}"))
            .setters
            .iter()
            .map(|(l, _)| l.clone())
            .collect()
    };
    let flavor = Layer::Flavor("big".into());
    assert_eq!(layers("fromDefault"), [Layer::Default]);
    assert_eq!(layers("fromAppFile"), [Layer::Default, Layer::App]);
    assert_eq!(
        layers("fromAppValue"),
        [Layer::Default, Layer::App, Layer::App]
    );
    assert_eq!(layers("fromFlavor"), [Layer::Default, flavor.clone()]);
    assert_eq!(
        layers("fromEnv"),
        [Layer::Default, Layer::EnvApp, Layer::EnvApp]
    );
    assert_eq!(layers("fromSet"), [Layer::Default, Layer::CommandLine]);
    assert_eq!(
        layers("nested.list"),
        [Layer::Default, Layer::EnvApp, Layer::EnvApp]
    );
    assert!(doc.paths.iter().all(|p| p.path != "gone"));
    // The app-layer value wins over the app-layer file whatever the order
    // they are written in; the file's line is kept as what it overrode.
    let app_value = doc.paths.iter().find(|p| p.path == "fromAppValue").unwrap();
    let lines: Vec<String> = app_value
        .setters
        .iter()
        .map(|(_, span)| compiled.sources.slice(*span).to_string())
        .collect();
    assert_eq!(
        lines,
        [
            "fromAppValue: default",
            "fromAppValue: app-file",
            r#"value "fromAppValue" "app-value""#
        ]
    );
    // The template sees the merged document.
    let objects = &compiled.envs[0].apps["web"].files;
    let cm = kiln::render::yaml::from_yaml_documents(&String::from_utf8_lossy(
        &objects["configmap-web.yaml"],
    ))
    .unwrap();
    let seen: serde_json::Value =
        serde_json::from_str(cm[0]["data"]["values"].as_str().unwrap()).unwrap();
    assert_eq!(seen, doc.value);
}

#[test]
fn broken_chart_files_are_reported_where_they_break() {
    let dir = tmp("broken");
    write(
        &dir,
        &[
            (
                "kiln.kdl",
                r#"project "p"
app "a" component="helm-release" {
    chart "a" repo="https://charts.example.com" vendored="charts/a"
}
app "b" component="helm-release" {
    chart "b" repo="https://charts.example.com" vendored="charts/b"
}
app "c" component="helm-release" {
    chart "c" repo="https://charts.example.com" vendored="charts/c"
}
app "d" component="helm-release" {
    chart "d" repo="https://charts.example.com" vendored="charts/nowhere"
}
env "e"
"#,
            ),
            ("charts/a/Chart.yaml", "name: a\n"),
            ("charts/a/values.yaml", "image:\n  tag: [1\n"),
            ("charts/b/Chart.yaml", "name: b\n"),
            (
                "charts/b/values.schema.json",
                "{\"type\": \"object\",\n  \"properties\": {\n}",
            ),
            ("charts/c/Chart.yaml", "name: c\n"),
            (
                "charts/c/values.schema.json",
                r#"{"properties": {"x": {"$ref": "https://example.com/schema.json"}}}"#,
            ),
        ],
    );
    let out = kiln(&dir, &["check", "--message-format", "short"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = text(&out);
    for expected in [
        "charts/a/values.yaml:2:",
        "error[kiln::check::reference_dir]: `charts/a/values.yaml` is not valid YAML",
        "charts/b/values.schema.json:3:",
        "error[kiln::check::reference_dir]: `charts/b/values.schema.json` is not valid JSON",
        "error[kiln::check::reference_dir]: `charts/c/values.schema.json` is not a JSON schema kiln can use",
        "kiln.kdl:12:58: error[kiln::check::file_not_found]: cannot find the directory `charts/nowhere`",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in\n{err}");
    }
}

#[test]
fn unchecked_takes_undeclared_keys_and_list_items_only_warn() {
    let kdl = PODINFO.replace(
        r#"    value "logLevel" "info""#,
        r#"    value "logLevel" "info"
    value "extraEnvsFrom" "x" unchecked=#true
    values from="values/extra.yaml" unchecked=#true
    values from="values/routes.yaml""#,
    );
    let mut files = vec![("kiln.kdl", kdl.as_str())];
    files.extend_from_slice(PODINFO_VALUES);
    files.push(("values/extra.yaml", "undeclared:\n  deep: true\n"));
    files.push((
        "values/routes.yaml",
        "httpRoute:\n  parentRefs:\n    - name: gateway\n      namespace: gateway-system\n",
    ));
    let project = podinfo_project("unchecked", &files);
    let out = kiln(&project, &["check", "--message-format", "short"]);
    assert!(out.status.success(), "{}", text(&out));
    let err = text(&out);
    assert!(
        err.contains("values/routes.yaml:4:7: warning[kiln::resolve::unknown_value]: unknown value `httpRoute.parentRefs[0].namespace`"),
        "{err}"
    );
    assert!(
        !err.contains("undeclared") && !err.contains("extraEnvsFrom"),
        "{err}"
    );
    // Without `unchecked`, the same value is an error with a way out.
    let strict = kdl.replace(r#""x" unchecked=#true"#, r#""x""#);
    std::fs::write(project.join("kiln.kdl"), strict).unwrap();
    let out = kiln(&project, &["check", "--message-format", "human"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("unchecked=#true"), "{}", text(&out));
}

/// Every object the helm-release fixture renders (a HelmRelease with a
/// HelmRepository, one with an OCIRepository and `chartRef`, one with a
/// HelmRepository of type `oci`), in every env, checked against Flux's
/// own CRDs as kiln builds them in: the version must be served and every
/// field known to the schema.
#[test]
fn every_rendered_flux_object_is_valid_against_fluxs_crds() {
    let root =
        std::fs::canonicalize(Path::new(ROOT).join("tests/fixtures/valid/helm-release")).unwrap();
    let req = Request {
        selection: Selection::Everything,
        ..Default::default()
    };
    let compiled = compile(&DiskWorld, &root, &req, None);
    assert!(!compiled.diags.has_errors(), "{:?}", compiled.diags.0);
    let mut kinds = std::collections::BTreeSet::new();
    for env in &compiled.envs {
        for (path, bytes) in env.files() {
            let yaml = String::from_utf8(bytes.to_vec()).unwrap();
            let docs: Vec<serde_json::Value> =
                kiln::render::yaml::from_yaml_documents(&yaml).unwrap();
            for doc in docs {
                let api = doc["apiVersion"].as_str().unwrap_or_default();
                let kind = doc["kind"].as_str().unwrap_or_default();
                let Some((group, _)) = api.split_once('/') else {
                    continue;
                };
                if !group.ends_with(".fluxcd.io") {
                    continue;
                }
                let crd = kiln::render::crd::builtin::find(group, kind)
                    .unwrap_or_else(|| panic!("{path}: no built-in CRD for {api} {kind}"));
                let verdict = crd.check(&doc);
                assert!(
                    verdict.problems.is_empty() && verdict.deprecated.is_none(),
                    "{}/{path}: {api} {kind}: {:?} {:?}",
                    env.folder,
                    verdict.problems,
                    verdict.deprecated
                );
                kinds.insert(format!("{api} {kind}"));
            }
        }
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "helm.toolkit.fluxcd.io/v2 HelmRelease",
            "source.toolkit.fluxcd.io/v1 HelmRepository",
            "source.toolkit.fluxcd.io/v1 OCIRepository",
        ]
    );
}

/// Copies `from` into `to`, files and folders.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let dest = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &dest);
        } else {
            std::fs::copy(&path, dest).unwrap();
        }
    }
}

/// examples/platform vendors podinfo's chart: a typo in one env's values
/// file is an error there, with the chart's real key suggested.
#[test]
fn the_platform_example_checks_podinfo_values_against_its_vendored_chart() {
    let project = tmp("platform-typo");
    copy_tree(&Path::new(ROOT).join("examples/platform"), &project);
    let ok = kiln(&project, &["check"]);
    assert!(ok.status.success(), "{}", text(&ok));
    let file = project.join("values/podinfo-staging.yaml");
    let values = std::fs::read_to_string(&file).unwrap();
    assert!(values.contains("logLevel: debug"), "{values}");
    std::fs::write(&file, values.replace("logLevel:", "logLevl:")).unwrap();
    let out = kiln(&project, &["check"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("kiln::resolve::unknown_value"), "{said}");
    assert!(said.contains("[values/podinfo-staging.yaml:2:1]"), "{said}");
    assert!(said.contains("did you mean `logLevel`?"), "{said}");
}
