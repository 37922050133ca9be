//! The evidence for issue #15's choice of validator: kiln's own walker over
//! the structural schema (`render::crd`) against the `jsonschema` crate
//! (default features off) given the same `openAPIV3Schema`, translated to
//! the JSON Schema it means (below), on the CRDs and custom resources of
//! the test fixtures.
//!
//! It prints, for each: the time to compile every CRD's schemas, the time
//! to check every custom resource of the fixtures (valid and broken) many
//! times, and the custom resources on which the two disagree (valid for
//! one, invalid for the other). Run it with
//! `cargo bench --bench crd_validators`; it is not a test.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kiln::render::crd::CrdKind;
use kiln::render::yaml::from_yaml_documents;
use serde_json::{Map, Value as Json, json};

/// Rounds of checking every custom resource, for a measurable time.
const ROUNDS: usize = 2_000;
/// Rounds of compiling every CRD.
const COMPILE_ROUNDS: usize = 20;

/// One CRD version as both validators hold it.
struct Version {
    group: String,
    kind: String,
    version: String,
    raw: Json,
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let crd_files: Vec<PathBuf> = [
        root.join("crds"),
        root.join("crds/flux"),
        root.join("tests/fixtures/crds"),
    ]
    .iter()
    .flat_map(|d| yaml_files(d))
    .collect();
    let crd_docs: Vec<Json> = crd_files.iter().flat_map(|f| documents(f)).collect();
    let versions: Vec<Version> = crd_docs.iter().flat_map(versions_of).collect();

    let objects: Vec<Json> = object_files(root)
        .iter()
        .flat_map(|f| documents(f))
        .filter(|o| find(&versions, o).is_some())
        .collect();
    println!(
        "{} CRD files, {} CRD versions, {} custom resources of them in tests/fixtures",
        crd_files.len(),
        versions.len(),
        objects.len()
    );

    // Compiling.
    let (own_compile, own) = time(COMPILE_ROUNDS, || {
        crd_docs
            .iter()
            .map(|d| CrdKind::from_json(d).expect("a fixture CRD compiles"))
            .collect::<Vec<_>>()
    });
    let (js_compile, js) = time(COMPILE_ROUNDS, || {
        versions
            .iter()
            .map(|v| {
                jsonschema::draft4::new(&to_json_schema(&v.raw))
                    .expect("the translated schema compiles")
            })
            .collect::<Vec<_>>()
    });

    // Checking.
    let own_of = |o: &Json| {
        let group = o["apiVersion"].as_str().unwrap().split('/').next().unwrap();
        own.iter()
            .find(|k| k.group == group && k.kind == o["kind"])
            .unwrap()
    };
    let js_of = |o: &Json| &js[find(&versions, o).unwrap()];
    let (own_check, own_valid) = time(ROUNDS, || {
        objects
            .iter()
            .map(|o| own_of(o).check(o).problems.is_empty())
            .collect::<Vec<_>>()
    });
    let (js_check, js_valid) = time(ROUNDS, || {
        objects
            .iter()
            .map(|o| js_of(o).is_valid(o))
            .collect::<Vec<_>>()
    });

    let per = |d: Duration, n: usize| d.as_secs_f64() * 1e6 / n as f64;
    let checks = ROUNDS * objects.len();
    println!("| | own walker | jsonschema 0.61 |");
    println!("|---|---|---|");
    println!(
        "| compile every CRD | {:.2} ms | {:.2} ms |",
        per(own_compile, COMPILE_ROUNDS) / 1e3,
        per(js_compile, COMPILE_ROUNDS) / 1e3
    );
    println!(
        "| check one custom resource (mean) | {:.2} µs | {:.2} µs |",
        per(own_check, checks),
        per(js_check, checks)
    );
    println!(
        "| valid / invalid | {} / {} | {} / {} |",
        own_valid.iter().filter(|v| **v).count(),
        own_valid.iter().filter(|v| !**v).count(),
        js_valid.iter().filter(|v| **v).count(),
        js_valid.iter().filter(|v| !**v).count()
    );
    for (i, o) in objects.iter().enumerate() {
        if own_valid[i] != js_valid[i] {
            let what = |valid| if valid { "valid" } else { "invalid" };
            println!(
                "disagree: {} {} `{}`: own {}, jsonschema {} ({})",
                o["apiVersion"].as_str().unwrap_or_default(),
                o["kind"].as_str().unwrap_or_default(),
                o["metadata"]["name"].as_str().unwrap_or_default(),
                what(own_valid[i]),
                what(js_valid[i]),
                own_of(o)
                    .check(o)
                    .problems
                    .iter()
                    .map(|p| format!("{}: {}", p.path.join("."), p.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            );
        }
    }
}

/// Runs `f` `rounds` times; the total time and the last result.
fn time<T>(rounds: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let start = Instant::now();
    let mut last = None;
    for _ in 0..rounds {
        last = Some(black_box(f()));
    }
    (start.elapsed(), last.expect("at least one round"))
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "yaml"));
    files.sort();
    files
}

/// The manifests of the fixtures that hold custom resources.
fn object_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for kind in ["valid", "invalid"] {
        let Ok(dir) = std::fs::read_dir(root.join("tests/fixtures").join(kind)) else {
            continue;
        };
        let mut dirs: Vec<PathBuf> = dir.flatten().map(|e| e.path()).collect();
        dirs.sort();
        for d in dirs {
            files.extend(yaml_files(&d.join("manifests")));
        }
    }
    files
}

fn documents(file: &Path) -> Vec<Json> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    from_yaml_documents(&text)
        .unwrap_or_default()
        .into_iter()
        .filter(|d| d.is_object())
        .collect()
}

fn versions_of(crd: &Json) -> Vec<Version> {
    let spec = &crd["spec"];
    spec["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| Version {
            group: spec["group"].as_str().unwrap_or_default().to_string(),
            kind: spec["names"]["kind"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            version: v["name"].as_str().unwrap_or_default().to_string(),
            raw: v["schema"]["openAPIV3Schema"].clone(),
        })
        .collect()
}

/// The index of the CRD version `object` is of.
fn find(versions: &[Version], object: &Json) -> Option<usize> {
    let api = object["apiVersion"].as_str()?;
    let (group, version) = api.split_once('/')?;
    versions
        .iter()
        .position(|v| v.group == group && v.version == version && v.kind == object["kind"])
}

/// What a structural schema means, as JSON Schema (draft 4, which OpenAPI
/// v3.0 schemas follow): unknown fields rejected unless
/// `x-kubernetes-preserve-unknown-fields`, `nullable` as a `null` type,
/// `x-kubernetes-int-or-string` as either, an embedded resource's
/// `apiVersion`, `kind` and `metadata` allowed.
fn to_json_schema(schema: &Json) -> Json {
    let mut root = translate(schema);
    if let Some(props) = root.get_mut("properties").and_then(Json::as_object_mut) {
        for key in ["apiVersion", "kind", "metadata"] {
            props.entry(key).or_insert(json!({}));
        }
    }
    root
}

fn translate(schema: &Json) -> Json {
    let Some(map) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        let value = match key.as_str() {
            "properties" | "patternProperties" | "definitions" => Json::Object(
                value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), translate(v)))
                    .collect(),
            ),
            "items" | "additionalProperties" | "not" => translate(value),
            "allOf" | "anyOf" | "oneOf" => Json::Array(
                value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(translate)
                    .collect(),
            ),
            k if k.starts_with("x-kubernetes-") || k == "nullable" => continue,
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    let flag = |k: &str| map.get(k) == Some(&Json::Bool(true));
    if flag("x-kubernetes-int-or-string") {
        out.remove("type");
        out.insert(
            "anyOf".to_string(),
            json!([{"type": "integer"}, {"type": "string"}]),
        );
    }
    if flag("nullable")
        && let Some(Json::String(t)) = out.get("type").cloned()
    {
        out.insert("type".to_string(), json!([t, "null"]));
    }
    let preserve = flag("x-kubernetes-preserve-unknown-fields");
    if flag("x-kubernetes-embedded-resource") {
        let props = out
            .entry("properties")
            .or_insert(json!({}))
            .as_object_mut()
            .expect("properties is a map");
        for key in ["apiVersion", "kind", "metadata"] {
            props.entry(key).or_insert(json!({}));
        }
    }
    if out.contains_key("properties") && !preserve && !out.contains_key("additionalProperties") {
        out.insert("additionalProperties".to_string(), Json::Bool(false));
    }
    Json::Object(out)
}
