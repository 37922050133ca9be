//! End-to-end tests of `kiln render` on the examples: the output builds
//! with kubectl and validates against the Kubernetes schemas, the podinfo
//! example matches podinfo's own manifests, output is deterministic and
//! written atomically, and YAML quoting survives a round trip through kubectl.
//!
//! The binary is built once by cargo; every render the tests share is made
//! once (`OnceLock`) under cargo's target tmp dir.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::{Value, json};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn kiln() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kiln"))
}

fn render(project: &Path, out: &Path, envs: &[(&str, &str)]) -> Output {
    let mut cmd = kiln();
    cmd.arg("render")
        .arg("--project")
        .arg(project)
        .arg("--out")
        .arg(out);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run kiln")
}

fn ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

fn tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every example, rendered once into `<tmp>/examples/<name>`.
fn rendered_examples() -> &'static BTreeMap<String, PathBuf> {
    static R: OnceLock<BTreeMap<String, PathBuf>> = OnceLock::new();
    R.get_or_init(|| {
        let base = tmp("examples");
        let mut map = BTreeMap::new();
        for entry in std::fs::read_dir(Path::new(ROOT).join("examples")).unwrap() {
            let dir = entry.unwrap().path();
            if !dir.join("kiln.kdl").is_file() {
                continue;
            }
            let name = dir.file_name().unwrap().to_string_lossy().to_string();
            let out = base.join(&name);
            ok(&render(&dir, &out, &[]), &format!("render examples/{name}"));
            map.insert(name, out);
        }
        map
    })
}

/// Every file below `dir`, by relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The env folders of a rendered tree.
fn env_dirs(out: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("kustomization.yaml").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn kustomize(dir: &Path) -> String {
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("run kubectl");
    ok(&out, &format!("kubectl kustomize {}", dir.display()));
    String::from_utf8(out.stdout).unwrap()
}

/// Splits a multi-document YAML stream into parsed documents.
fn docs(stream: &str) -> Vec<Value> {
    let mut text = String::from("\n");
    text.push_str(stream);
    text.split("\n---\n")
        .filter(|d| {
            d.lines()
                .any(|l| !l.trim().is_empty() && !l.starts_with('#'))
        })
        .map(|d| serde_saphyr::from_str::<Value>(d).unwrap_or_else(|e| panic!("{e}\n{d}")))
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap();
        if name == "rendered" {
            continue;
        }
        if p.is_dir() {
            copy_dir(&p, &to.join(name));
        } else {
            std::fs::copy(&p, to.join(name)).unwrap();
        }
    }
}

// ---------------------------------------------------------------------------
// Every env of every example builds and validates.

#[test]
fn every_example_env_builds_and_validates() {
    let tool = Command::new("kubernetes-validate")
        .arg("--version")
        .output();
    let have_tool = tool.is_ok_and(|o| o.status.success());
    if !have_tool && std::env::var_os("CI").is_some() {
        panic!(
            "kubernetes-validate is missing (python3 -m pip install kubernetes-validate==1.37.0)"
        );
    }
    let built_dir = tmp("validate");
    let mut files = Vec::new();
    for (name, out) in rendered_examples() {
        let envs = env_dirs(out);
        assert!(!envs.is_empty(), "examples/{name} rendered no env");
        for env in envs {
            let built = kustomize(&env);
            let file = built_dir.join(format!(
                "{name}-{}.yaml",
                env.file_name().unwrap().to_string_lossy()
            ));
            std::fs::write(&file, built).unwrap();
            files.push(file);
        }
    }
    if !have_tool {
        eprintln!("note: kubernetes-validate is not installed; schema validation skipped");
        return;
    }
    let out = Command::new("kubernetes-validate")
        .args(["--strict", "-k", "1.33.0"])
        .args(&files)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("ERROR")).collect();
    assert!(
        errors.is_empty(),
        "kubernetes-validate:\n{}",
        errors.join("\n")
    );
}

// ---------------------------------------------------------------------------
// podinfo: the render matches podinfo's own manifests in what a cluster acts on.

/// A Kubernetes quantity in milli-units, so `2000m` == `2` and `1Gi` == `1024Mi`.
fn quantity(v: &Value) -> Value {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let suffixes: [(&str, f64); 13] = [
        ("Ki", 1024f64),
        ("Mi", 1024f64.powi(2)),
        ("Gi", 1024f64.powi(3)),
        ("Ti", 1024f64.powi(4)),
        ("Pi", 1024f64.powi(5)),
        ("Ei", 1024f64.powi(6)),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let (num, mult) = suffixes
        .iter()
        .find_map(|(suf, m)| s.strip_suffix(suf).map(|n| (n, *m)))
        .unwrap_or((s.as_str(), 1.0));
    let n: f64 = num.parse().unwrap_or_else(|_| panic!("bad quantity {s}"));
    json!(format!("{}", (n * mult * 1000.0).round() as i128))
}

fn resources(v: Option<&Value>) -> Value {
    let mut out = serde_json::Map::new();
    for part in ["requests", "limits"] {
        if let Some(m) = v.and_then(|r| r.get(part)).and_then(Value::as_object) {
            let q: serde_json::Map<String, Value> =
                m.iter().map(|(k, v)| (k.clone(), quantity(v))).collect();
            out.insert(part.into(), Value::Object(q));
        }
    }
    Value::Object(out)
}

/// The objects of one env, by (kind, name).
type Objects = BTreeMap<(String, String), Value>;

fn index(docs: Vec<Value>) -> Objects {
    docs.into_iter()
        .map(|d| {
            let kind = d["kind"].as_str().unwrap().to_string();
            let name = d["metadata"]["name"].as_str().unwrap().to_string();
            ((kind, name), d)
        })
        .collect()
}

/// The files a container sees: mount path → (content, mode), following
/// volumeMounts → configMap volumes (through `items` and `subPath`) →
/// ConfigMap data; other volumes as their source (emptyDir, claim size).
fn mounts(c: &Value, pod: &Value, claim_templates: &[Value], objs: &Objects) -> Value {
    let mut out = BTreeMap::new();
    for m in c["volumeMounts"].as_array().into_iter().flatten() {
        let path = m["mountPath"].as_str().unwrap();
        let vname = m["name"].as_str().unwrap();
        let read_only = m["readOnly"].as_bool().unwrap_or(false);
        let vol = pod["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|v| v["name"] == vname);
        let desc = match vol {
            Some(v) if v.get("configMap").is_some() => {
                let cm = &v["configMap"];
                let data = &objs[&(
                    "ConfigMap".to_string(),
                    cm["name"].as_str().unwrap().to_string(),
                )]["data"];
                let default_mode = cm["defaultMode"].as_i64().unwrap_or(0o644);
                // key → (relative path, mode)
                let items: Vec<(String, String, i64)> = match cm["items"].as_array() {
                    Some(items) => items
                        .iter()
                        .map(|i| {
                            (
                                i["key"].as_str().unwrap().to_string(),
                                i["path"].as_str().unwrap().to_string(),
                                i["mode"].as_i64().unwrap_or(default_mode),
                            )
                        })
                        .collect(),
                    None => data
                        .as_object()
                        .unwrap()
                        .keys()
                        .map(|k| (k.clone(), k.clone(), default_mode))
                        .collect(),
                };
                let mut files = BTreeMap::new();
                match m["subPath"].as_str() {
                    Some(sub) => {
                        let (key, _, mode) = items.iter().find(|(_, p, _)| p == sub).unwrap();
                        files.insert(
                            path.to_string(),
                            json!({"content": data[key], "mode": mode}),
                        );
                    }
                    None => {
                        for (key, rel, mode) in &items {
                            files.insert(
                                format!("{path}/{rel}"),
                                json!({"content": data[key], "mode": mode}),
                            );
                        }
                    }
                }
                json!({"files": files})
            }
            Some(v) if v.get("emptyDir").is_some() => json!({"emptyDir": v["emptyDir"]}),
            Some(v) if v.get("persistentVolumeClaim").is_some() => {
                let claim = v["persistentVolumeClaim"]["claimName"].as_str().unwrap();
                let pvc = &objs[&("PersistentVolumeClaim".to_string(), claim.to_string())];
                // Normalization: the database's claim is `database-primary` in
                // podinfo and `database-primary-data` in kiln (`<app>-<volume>`);
                // compare the claim by what it asks for, not its name.
                json!({"claim": {"storage": quantity(&pvc["spec"]["resources"]["requests"]["storage"]),
                                 "accessModes": pvc["spec"]["accessModes"]}})
            }
            Some(v) => v.clone(),
            None => {
                // Normalization: a claim template and a plain claim are the
                // same to the container; compare what they ask for.
                let t = claim_templates
                    .iter()
                    .find(|t| t["metadata"]["name"] == vname)
                    .unwrap_or_else(|| panic!("no volume {vname}"));
                json!({"claim": {"storage": quantity(&t["spec"]["resources"]["requests"]["storage"]),
                                 "accessModes": t["spec"]["accessModes"]}})
            }
        };
        out.insert(
            path.to_string(),
            json!({"source": desc, "readOnly": read_only}),
        );
    }
    json!(out)
}

fn container(c: &Value, workload: &str, pod: &Value, claims: &[Value], objs: &Objects) -> Value {
    let env: BTreeMap<String, Value> = c["env"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let v = e
                .get("value")
                .cloned()
                .unwrap_or_else(|| e["valueFrom"].clone());
            (e["name"].as_str().unwrap().to_string(), v)
        })
        .collect();
    let mut probes = serde_json::Map::new();
    for p in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(v) = c.get(p) {
            probes.insert(p.into(), v.clone());
        }
    }
    let name = c["name"].as_str().unwrap();
    json!({
        // Normalization: container names may differ only where the app does
        // not use kiln's `container-name`: then kiln names the main container
        // after the app, and the name is not compared.
        "name": if name == workload { "<app name>" } else { name },
        "image": c["image"],
        "imagePullPolicy": c["imagePullPolicy"],
        "command": c["command"],
        "args": c["args"],
        "env": env,
        "envFrom": c["envFrom"],
        "ports": c["ports"],
        "probes": probes,
        "resources": resources(c.get("resources")),
        "mounts": mounts(c, pod, claims, objs),
        // Normalization: kiln adds security-context defaults (no privilege
        // escalation, RuntimeDefault seccomp); podinfo sets none, so the
        // securityContext is not compared.
    })
}

/// Everything a cluster acts on for one workload, normalized.
fn summary(kind: &str, name: &str, w: &Value, objs: &Objects) -> Value {
    let (spec, pod_template) = if kind == "CronJob" {
        (&w["spec"], &w["spec"]["jobTemplate"]["spec"]["template"])
    } else {
        (&w["spec"], &w["spec"]["template"])
    };
    let pod = &pod_template["spec"];
    let claims: Vec<Value> = spec["volumeClaimTemplates"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // A container name that is the app's name on kiln's side is replaced in
    // both renders: the fixture's name for that container is the podinfo one.
    let containers = |key: &str| -> Value {
        pod[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| container(c, name, pod, &claims, objs))
            .collect()
    };
    let mut s = json!({
        "kind": kind,
        "namespace": w["metadata"]["namespace"],
        "serviceAccountName": pod["serviceAccountName"],
        "restartPolicy": pod["restartPolicy"],
        "containers": containers("containers"),
        "initContainers": containers("initContainers"),
    });
    let hpa = objs.get(&("HorizontalPodAutoscaler".to_string(), name.to_string()));
    match kind {
        "CronJob" => {
            let job = &spec["jobTemplate"]["spec"];
            s["cron"] = json!({
                "schedule": spec["schedule"],
                "timeZone": spec["timeZone"],
                "suspend": spec["suspend"],
                "concurrencyPolicy": spec["concurrencyPolicy"],
                "successfulJobsHistoryLimit": spec["successfulJobsHistoryLimit"],
                "failedJobsHistoryLimit": spec["failedJobsHistoryLimit"],
                "backoffLimit": job["backoffLimit"],
                "activeDeadlineSeconds": job["activeDeadlineSeconds"],
                "ttlSecondsAfterFinished": job["ttlSecondsAfterFinished"],
            });
        }
        _ => {
            // Normalization: a missing `replicas` is 1; with an HPA the HPA
            // owns the count and kiln leaves `replicas` out, so it is not
            // compared then.
            if hpa.is_none() {
                s["replicas"] = json!(spec["replicas"].as_i64().unwrap_or(1));
            }
            s["strategy"] = spec["strategy"].clone();
            s["minReadySeconds"] = spec["minReadySeconds"].clone();
            s["revisionHistoryLimit"] = spec["revisionHistoryLimit"].clone();
            s["progressDeadlineSeconds"] = spec["progressDeadlineSeconds"].clone();
        }
    }
    if let Some(h) = hpa {
        s["hpa"] = json!({
            "target": h["spec"]["scaleTargetRef"],
            "minReplicas": h["spec"]["minReplicas"].as_i64().unwrap_or(1),
            "maxReplicas": h["spec"]["maxReplicas"],
            "metrics": h["spec"]["metrics"],
        });
    }
    if let Some(svc) = objs.get(&("Service".to_string(), name.to_string())) {
        // targetPort by name or number: resolved to the container's number.
        let port_number = |t: &Value| -> Value {
            match t {
                Value::String(n) => pod["containers"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
                    .find(|p| p["name"] == *n)
                    .map(|p| p["containerPort"].clone())
                    .unwrap_or_else(|| panic!("no port {n}")),
                other => other.clone(),
            }
        };
        let ports: Vec<Value> = svc["spec"]["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                json!({
                    "port": p["port"],
                    "targetPort": port_number(p.get("targetPort").unwrap_or(&p["port"])),
                    "protocol": p["protocol"].as_str().unwrap_or("TCP"),
                })
            })
            .collect();
        s["service"] = json!({
            "type": svc["spec"]["type"].as_str().unwrap_or("ClusterIP"),
            "clusterIP": svc["spec"]["clusterIP"],
            "ports": ports,
        });
    }
    s
}

fn workloads(objs: &Objects) -> BTreeMap<String, Value> {
    objs.iter()
        .filter(|((kind, _), _)| ["Deployment", "StatefulSet", "CronJob"].contains(&kind.as_str()))
        .map(|((kind, name), w)| (name.clone(), summary(kind, name, w, objs)))
        .collect()
}

#[test]
fn podinfo_matches_upstream_manifests() {
    let out = &rendered_examples()["podinfo"];
    let mut failures = Vec::new();
    for env in ["dev", "staging", "production"] {
        let fixture = std::fs::read_to_string(
            Path::new(ROOT).join(format!("tests/fixtures/podinfo/{env}.yaml")),
        )
        .unwrap();
        let want = workloads(&index(docs(&fixture)));
        let got = workloads(&index(docs(&kustomize(&out.join(env)))));
        assert_eq!(
            want.keys().collect::<Vec<_>>(),
            got.keys().collect::<Vec<_>>(),
            "{env}: workloads"
        );
        for (name, w) in &want {
            let g = &got[name];
            if w != g {
                failures.push(format!(
                    "{env}/{name}:\n--- podinfo\n{}\n+++ kiln\n{}",
                    serde_json::to_string_pretty(w).unwrap(),
                    serde_json::to_string_pretty(g).unwrap()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// ---------------------------------------------------------------------------
// Determinism, atomic writes, --stdout.

fn shop() -> PathBuf {
    Path::new(ROOT).join("examples/shop")
}

#[test]
fn render_is_deterministic() {
    let first = tree(&rendered_examples()["shop"]);
    let again = tmp("determinism-again");
    ok(&render(&shop(), &again, &[]), "second render");
    let single = tmp("determinism-single");
    ok(
        &render(&shop(), &single, &[("RAYON_NUM_THREADS", "1")]),
        "single-threaded render",
    );
    assert!(!first.is_empty());
    assert!(first == tree(&again), "two renders differ");
    assert!(first == tree(&single), "RAYON_NUM_THREADS=1 render differs");
}

#[test]
fn failed_render_leaves_previous_output() {
    let base = tmp("atomic");
    let project = base.join("shop");
    copy_dir(&shop(), &project);
    let out = base.join("out");
    ok(&render(&project, &out, &[]), "first render");
    let before = tree(&out);
    // An app without its required image: the project has errors.
    let mut kdl = std::fs::read_to_string(project.join("kiln.kdl")).unwrap();
    kdl.push_str("\napp \"broken\" {\n    replicas 2\n}\n");
    std::fs::write(project.join("kiln.kdl"), kdl).unwrap();
    let second = render(&project, &out, &[]);
    assert_eq!(second.status.code(), Some(1), "an invalid project exits 1");
    assert!(before == tree(&out), "the previous output changed");
}

#[test]
fn unwritable_out_dir_is_a_clean_error() {
    use std::os::unix::fs::PermissionsExt as _;
    let base = tmp("unwritable");
    let check = |out: &Path| {
        let r = render(&shop(), out, &[]);
        let stderr = String::from_utf8_lossy(&r.stderr);
        assert!(
            !r.status.success(),
            "writing into {} succeeded",
            out.display()
        );
        assert!(stderr.contains("error"), "no error message: {stderr}");
        assert!(!stderr.contains("panicked"), "kiln panicked: {stderr}");
    };
    // The out dir's parent is a plain file: fails for every user, root too.
    let file = base.join("a-file");
    std::fs::write(&file, "x").unwrap();
    check(&file.join("out"));
    // A read-only parent: only meaningful when chmod binds (not as root).
    let parent = base.join("read-only");
    std::fs::create_dir_all(&parent).unwrap();
    std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o500)).unwrap();
    let probe = parent.join("probe");
    if std::fs::write(&probe, "x").is_ok() {
        eprintln!(
            "note: chmod 0500 does not stop this user (root?); read-only parent case skipped"
        );
        let _ = std::fs::remove_file(&probe);
    } else {
        check(&parent.join("out"));
    }
    std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o700)).unwrap();
}

#[test]
fn stdout_holds_the_same_objects_as_the_files() {
    let r = kiln()
        .args(["render", "--stdout", "--project"])
        .arg(shop())
        .output()
        .unwrap();
    ok(&r, "render --stdout");
    let stream = String::from_utf8(r.stdout).unwrap();
    let objects = docs(&stream);
    let files: Vec<Value> = tree(&rendered_examples()["shop"])
        .iter()
        .filter(|(p, _)| !p.ends_with("kustomization.yaml"))
        .map(|(_, b)| docs(std::str::from_utf8(b).unwrap()).remove(0))
        .collect();
    assert_eq!(objects.len(), files.len());
    assert!(objects.iter().all(|o| o["kind"] != "Kustomization"));
    let key = |o: &Value| {
        format!(
            "{}/{}/{}",
            o["metadata"]["namespace"], o["kind"], o["metadata"]["name"]
        )
    };
    let mut a: Vec<String> = objects.iter().map(key).collect();
    let mut b: Vec<String> = files.iter().map(key).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

// ---------------------------------------------------------------------------
// Snapshot of the shop's production tree.

#[test]
fn shop_production_snapshot() {
    let out = &rendered_examples()["shop"];
    let mut text = String::new();
    for (path, bytes) in tree(&out.join("production")) {
        text.push_str(&format!("# {path}\n"));
        text.push_str(std::str::from_utf8(&bytes).unwrap());
    }
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!("shop_production", text);
    });
}

// ---------------------------------------------------------------------------
// YAML quoting: kubectl reads back exactly the strings kiln wrote.

#[test]
fn tricky_strings_survive_kubectl() {
    let base = tmp("yaml-safety");
    let project = base.join("p");
    std::fs::create_dir_all(&project).unwrap();
    let values = [
        "yes", "on", "~", "0755", "1e3", "1_000", "a: b", "no", "null", "0x1F", "12:30:00", "- x",
        "#c",
    ];
    let label_values = ["yes", "on", "0755", "1e3", "1_000", "no", "null", "0x1F"];
    let content = "\tleading tab\nplain: line\n  - item\n";
    let mut kdl = String::from("project \"p\"\n\nenv \"dev\" {\n    labels");
    for (i, v) in label_values.iter().enumerate() {
        kdl.push_str(&format!(" l{i}=\"{v}\""));
    }
    kdl.push_str("\n}\n\napp \"web\" {\n    image \"nginx:1.27\"\n");
    for (i, v) in values.iter().enumerate() {
        kdl.push_str(&format!("    env \"V{i}\" \"{v}\"\n"));
    }
    kdl.push_str(
        "    file \"/etc/tab.txt\" content=\"\\tleading tab\\nplain: line\\n  - item\\n\"\n}\n",
    );
    std::fs::write(project.join("kiln.kdl"), kdl).unwrap();
    let out = base.join("out");
    ok(&render(&project, &out, &[]), "render tricky project");
    let read = |file: &Path| -> Value {
        let r = Command::new("kubectl")
            .args(["label", "--local", "-o", "json", "-f"])
            .arg(file)
            .arg("x=y")
            .output()
            .unwrap();
        ok(&r, &format!("kubectl label --local {}", file.display()));
        serde_json::from_slice(&r.stdout).unwrap()
    };
    let dep = read(&out.join("dev/web/deployment-web.yaml"));
    let env = &dep["spec"]["template"]["spec"]["containers"][0]["env"];
    for (i, v) in values.iter().enumerate() {
        let e = env
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == format!("V{i}"))
            .unwrap();
        assert_eq!(e["value"], json!(v), "env V{i}");
    }
    for (i, v) in label_values.iter().enumerate() {
        assert_eq!(
            dep["metadata"]["labels"][format!("l{i}")],
            json!(v),
            "label l{i}"
        );
    }
    let cm = read(&out.join("dev/web/configmap-web-files.yaml"));
    let data = cm["data"].as_object().unwrap();
    assert!(
        data.values().any(|d| d == &json!(content)),
        "file content changed: {data:?}"
    );
}

#[test]
fn rendering_again_keeps_unchanged_envs_and_replaces_changed_ones() {
    use std::os::unix::fs::MetadataExt as _;
    let base = tmp("again");
    let out = base.join("out");
    ok(&render(&shop(), &out, &[]), "first render");
    let fresh = tree(&out);
    let inode = |p: &Path| std::fs::metadata(p).unwrap().ino();
    let dev_file = out.join("staging/kustomization.yaml");
    let prod_file = out.join("production/kustomization.yaml");
    let (dev_before, prod_before) = (inode(&dev_file), inode(&prod_file));

    // The same input: nothing is written again.
    ok(&render(&shop(), &out, &[]), "second render");
    assert!(fresh == tree(&out));
    assert_eq!(
        inode(&dev_file),
        dev_before,
        "an unchanged env was rewritten"
    );
    assert_eq!(
        inode(&prod_file),
        prod_before,
        "an unchanged env was rewritten"
    );

    // A stray file, or a stray empty folder, makes the env differ: it is
    // replaced whole, and the output is again what a fresh render gives.
    std::fs::write(out.join("staging/stray.yaml"), "kind: Stray\n").unwrap();
    std::fs::create_dir_all(out.join("production/empty")).unwrap();
    ok(&render(&shop(), &out, &[]), "render over stray files");
    assert!(fresh == tree(&out), "stray files survived a render");
    assert!(
        !out.join("production/empty").exists(),
        "a stray folder survived"
    );
    assert_ne!(inode(&dev_file), dev_before);

    // An edited file is put back.
    let web = std::fs::read_dir(out.join("production"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .unwrap();
    let victim = std::fs::read_dir(&web)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(&victim, "edited by hand\n").unwrap();
    ok(&render(&shop(), &out, &[]), "render over an edited file");
    assert!(fresh == tree(&out), "a hand edit survived a render");
}

// ---------------------------------------------------------------------------
// The names a manifest's templates see.

#[test]
fn manifests_see_the_app_env_and_parameters() {
    let dir = tmp("manifest-context");
    std::fs::create_dir_all(dir.join("extra")).unwrap();
    std::fs::write(
        dir.join("kiln.kdl"),
        r#"project "shop"
flavor "big" {
    replicas 4
}
env "staging" {
    vars tier="gold"
}
env "production" {
    flavor "big"
    vars tier="platinum"
}
app "web" {
    image "nginx:1.27"
    replicas 2
    manifest "extra/config.yaml"
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("extra/config.yaml"),
        r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: "{{ app.name }}-extra"
data:
  env: "{{ env.name }}/{{ env.namespace }}"
  tier: "{{ vars.tier }}"
  replicas: "{{ params.replicas }} {{ replicas }}"
  image: "{{ image }}"
  label: "{{ labels['app.kubernetes.io/name'] }}"
  preview: "{{ preview is none }}"
"#,
    )
    .unwrap();
    let r = kiln()
        .args(["render", "--stdout", "--project"])
        .arg(&dir)
        .output()
        .unwrap();
    ok(&r, "render --stdout");
    let objects = docs(&String::from_utf8(r.stdout).unwrap());
    let data: Vec<&Value> = objects
        .iter()
        .filter(|o| o["kind"] == "ConfigMap")
        .map(|o| &o["data"])
        .collect();
    assert_eq!(
        data,
        [
            &serde_json::json!({"env": "production/production", "tier": "platinum",
                "replicas": "4 4", "image": "nginx:1.27", "label": "web", "preview": "True"}),
            &serde_json::json!({"env": "staging/staging", "tier": "gold",
                "replicas": "2 2", "image": "nginx:1.27", "label": "web", "preview": "True"}),
        ]
    );
}
