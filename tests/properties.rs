//! Properties of whole compiles on generated projects: output is the same
//! whatever the run or the thread count, layers merge as the README says,
//! and committing the same input twice makes one commit.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use kiln::compile::{Request, compile};
use kiln::world::DiskWorld;
use proptest::prelude::*;
use serde_json::Value as Json;

/// One env variable: a key from a small set, so layers often meet.
#[derive(Clone, Debug)]
struct Var {
    key: usize,
    value: String,
    remove: bool,
}

/// One layer's parameters for the app `web`.
#[derive(Clone, Debug, Default)]
struct Layer {
    replicas: Option<u8>,
    vars: Vec<Var>,
    args: Option<Vec<String>>,
    labels: Vec<(usize, String)>,
}

const KEYS: [&str; 4] = ["A", "B", "C", "D"];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9]{0,6}",
        Just("yes".to_string()),
        Just("0755".to_string()),
        Just("1e3".to_string()),
        Just("~".to_string()),
        Just("a: b".to_string()),
        Just("{{ env.name }}".to_string()),
    ]
}

fn layer(removals: bool) -> impl Strategy<Value = Layer> {
    (
        proptest::option::of(0u8..5),
        proptest::collection::vec(
            (0..KEYS.len(), value(), any::<bool>()).prop_map(move |(key, value, r)| Var {
                key,
                value,
                remove: removals && r,
            }),
            0..4,
        ),
        proptest::option::of(proptest::collection::vec("[a-z]{1,4}", 1..3)),
        proptest::collection::vec((0..3usize, "[a-z0-9]{1,5}"), 0..3),
    )
        .prop_map(|(replicas, mut vars, args, mut labels)| {
            // One entry per key in one layer (two are an error).
            let mut seen = std::collections::BTreeSet::new();
            vars.retain(|v| seen.insert(v.key));
            let mut seen = std::collections::BTreeSet::new();
            labels.retain(|l| seen.insert(l.0));
            Layer {
                replicas,
                vars,
                args,
                labels,
            }
        })
}

impl Layer {
    fn kdl(&self, indent: &str) -> String {
        let mut s = String::new();
        if let Some(r) = self.replicas {
            s.push_str(&format!("{indent}replicas {r}\n"));
        }
        for v in &self.vars {
            if v.remove {
                s.push_str(&format!("{indent}env \"{}\" remove=#true\n", KEYS[v.key]));
            } else {
                s.push_str(&format!("{indent}env \"{}\" {:?}\n", KEYS[v.key], v.value));
            }
        }
        if let Some(args) = &self.args {
            s.push_str(&format!("{indent}args"));
            for a in args {
                s.push_str(&format!(" {a:?}"));
            }
            s.push('\n');
        }
        if !self.labels.is_empty() {
            s.push_str(&format!("{indent}labels"));
            for (k, v) in &self.labels {
                s.push_str(&format!(" l{k}={v:?}"));
            }
            s.push('\n');
        }
        s
    }
}

/// A project: the app `web` (a worker) and `other`, a flavor, and two
/// envs, `dev` plain and `prod` with the flavor and an override.
#[derive(Clone, Debug)]
struct Project {
    app: Layer,
    flavor: Layer,
    overrides: Layer,
    others: usize,
}

fn project() -> impl Strategy<Value = Project> {
    (layer(false), layer(true), layer(true), 0usize..4).prop_map(
        |(app, flavor, overrides, others)| Project {
            app,
            flavor,
            overrides,
            others,
        },
    )
}

impl Project {
    fn kdl(&self) -> String {
        let mut s = String::from("project \"gen\"\n");
        s.push_str("flavor \"f\" {\n");
        s.push_str(&self.flavor.kdl("    "));
        s.push_str("}\n");
        s.push_str("app \"web\" component=\"worker\" {\n    image \"nginx:1\"\n");
        s.push_str(&self.app.kdl("    "));
        s.push_str("}\n");
        for i in 0..self.others {
            s.push_str(&format!(
                "app \"other-{i}\" {{\n    image \"nginx:{i}\"\n    port 8080 name=\"http\"\n}}\n"
            ));
        }
        s.push_str("env \"dev\" {\n    namespace \"dev\"\n}\n");
        s.push_str("env \"prod\" {\n    namespace \"prod\"\n    create-namespace #true\n    flavor \"f\"\n");
        s.push_str("    app \"web\" {\n");
        s.push_str(&self.overrides.kdl("        "));
        s.push_str("    }\n}\n");
        s
    }

    /// What the README's merge rules give for `web` in `prod`: each layer
    /// in order, a later key wins, `remove` drops, `args` replaced whole.
    fn expected_prod(
        &self,
    ) -> (
        u8,
        BTreeMap<String, String>,
        Vec<String>,
        BTreeMap<String, String>,
    ) {
        let layers = [&self.app, &self.flavor, &self.overrides];
        let mut replicas = 1;
        let mut vars = BTreeMap::new();
        let mut args = Vec::new();
        let mut labels = BTreeMap::new();
        for l in layers {
            if let Some(r) = l.replicas {
                replicas = r;
            }
            for v in &l.vars {
                if v.remove {
                    vars.remove(KEYS[v.key]);
                } else {
                    vars.insert(
                        KEYS[v.key].to_string(),
                        v.value.replace("{{ env.name }}", "prod"),
                    );
                }
            }
            if let Some(a) = &l.args {
                args = a.clone();
            }
            for (k, v) in &l.labels {
                labels.insert(format!("l{k}"), v.clone());
            }
        }
        (replicas, vars, args, labels)
    }
}

/// Every file of every env, by path.
fn render(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let root = std::fs::canonicalize(dir).unwrap();
    let c = compile(&DiskWorld, &root, &Request::default(), None);
    if c.diags.has_errors() {
        return Err(kiln::diag::render(
            &c.diags.0,
            &c.sources,
            kiln::diag::Format::Short,
            false,
        ));
    }
    let mut out = BTreeMap::new();
    for env in &c.envs {
        for (path, bytes) in env.files() {
            out.insert(format!("{}/{path}", env.folder), bytes.into_owned());
        }
    }
    Ok(out)
}

fn write_project(p: &Project) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kiln.kdl"), p.kdl()).unwrap();
    dir
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

fn yaml(bytes: &[u8]) -> Json {
    let docs =
        kiln::render::yaml::from_yaml_documents(std::str::from_utf8(bytes).unwrap()).unwrap();
    docs[0].clone()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn output_is_byte_identical_across_runs_and_thread_counts(p in project()) {
        let dir = write_project(&p);
        let one = in_pool(1, || render(dir.path()));
        let two = in_pool(2, || render(dir.path()));
        let again = in_pool(2, || render(dir.path()));
        let one = one.map_err(TestCaseError::fail)?;
        prop_assert_eq!(&one, &two.map_err(TestCaseError::fail)?);
        prop_assert_eq!(&one, &again.map_err(TestCaseError::fail)?);
    }

    #[test]
    fn layers_merge_as_specified(p in project()) {
        let dir = write_project(&p);
        let files = render(dir.path()).map_err(|e| TestCaseError::fail(format!("{e}\n{}", p.kdl())))?;
        let deploy = yaml(&files["prod/web/deployment-web.yaml"]);
        let (replicas, vars, args, labels) = p.expected_prod();
        prop_assert_eq!(&deploy["spec"]["replicas"], &Json::from(replicas), "{}", p.kdl());
        let container = &deploy["spec"]["template"]["spec"]["containers"][0];
        let got: BTreeMap<String, String> = container["env"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| (e["name"].as_str().unwrap().to_string(), e["value"].as_str().unwrap_or("").to_string()))
                    .collect()
            })
            .unwrap_or_default();
        prop_assert_eq!(&got, &vars, "{}", p.kdl());
        let got_args: Vec<String> = container["args"]
            .as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        prop_assert_eq!(&got_args, &args, "{}", p.kdl());
        for (k, v) in &labels {
            prop_assert_eq!(&deploy["metadata"]["labels"][k], &Json::from(v.as_str()), "{}", p.kdl());
        }
        // `dev` has neither the flavor nor the override: the app layer alone.
        let dev = yaml(&files["dev/web/deployment-web.yaml"]);
        prop_assert_eq!(&dev["spec"]["replicas"], &Json::from(p.app.replicas.unwrap_or(1)));
    }
}

mod common;
use common::git;

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, failure_persistence: None, ..ProptestConfig::default() })]

    /// Through the binary into a local bare repository, sealed.
    #[test]
    fn a_second_commit_of_the_same_input_makes_no_commit(p in project()) {
        let dir = write_project(&p);
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        let repo = common::bare_repo(home);
        for round in 0..2 {
            let out = common::sealed(&mut Command::new(env!("CARGO_BIN_EXE_kiln")), home, common::EPOCH)
                .arg("--project")
                .arg(dir.path())
                .args(["commit", "--gitops"])
                .arg(&repo)
                .output()
                .unwrap();
            prop_assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            if round == 1 {
                prop_assert!(String::from_utf8_lossy(&out.stderr).contains("up to date"));
            }
        }
        let count = git(home, &repo, &["rev-list", "--count", "main"]);
        let count = String::from_utf8_lossy(&count.stdout).trim().to_string();
        prop_assert_eq!(count, "1");
    }
}
