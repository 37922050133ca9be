//! The differential test of the incremental engine: seeded random edits
//! of a small project (its kiln.kdl with flavors and envs, apps in files of
//! their own, a project component with a template, manifests and `file`
//! values), and after each the engine's diagnostics compared with a full
//! compile's, as `kiln check` makes them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::Engine;
use crate::compile::{self, Compiled, Request, Selection};
use crate::diag::{Format, render};
use crate::world::Overlay;

const FILES: &[(&str, &str)] = &[
    (
        "kiln.kdl",
        "project \"shop\"\n\nflavor \"small\" {\n    replicas 1\n    resources cpu=\"100m\" memory=\"128Mi\"\n}\n\nflavor \"debug\" {\n    env \"LOG_LEVEL\" \"debug\"\n}\n\nenv \"staging\" {\n    flavor \"small\" \"debug\"\n}\n\nenv \"production\" {\n    namespace \"shop-prod\"\n    app \"web\" {\n        replicas 4\n    }\n}\n\nenv \"preview\" {\n    preview ttl=\"72h\"\n    namespace \"shop-{{ preview.name }}\"\n    flavor \"small\"\n}\n",
    ),
    (
        "apps/web.kdl",
        "app \"web\" {\n    image \"nginx:1.27\"\n    port 8080 name=\"http\"\n    env \"LOG_LEVEL\" \"info\"\n    file \"/etc/web/config.yaml\" from=\"../files/config.yaml\"\n    manifest \"../extra/config.yaml\"\n    patch \"ConfigMap/web-extra\" {\n        set \"/data/mode\" \"patched\"\n    }\n}\n",
    ),
    (
        "apps/jobs.kdl",
        "app \"jobs\" component=\"worker\" {\n    image \"ghcr.io/acme/jobs:1.0.0\"\n    replicas 2\n}\n",
    ),
    (
        "apps/greeter.kdl",
        "app \"greeter\" component=\"hello\" {\n    greeting \"hi there\"\n}\n\napp \"hola\" component=\"hello\" {\n    greeting \"hola\"\n    language \"fr\"\n}\n",
    ),
    (
        "components/hello.kdl",
        "component \"hello\" {\n    doc \"A ConfigMap holding a greeting\"\n    param \"greeting\" type=\"string\" required=#true doc=\"the greeting\"\n    param \"language\" type=\"enum\" values=\"en fr\" default=\"en\" doc=\"the language\"\n    template \"hello.yaml.j2\"\n}\n",
    ),
    (
        "components/hello.yaml.j2",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ app.name | tojson }}\ndata:\n  greeting: {{ greeting | tojson }}\n  language: {{ language | tojson }}\n",
    ),
    (
        "extra/config.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-extra\ndata:\n  mode: \"plain\"\n",
    ),
    ("files/config.yaml", "level: info\n"),
];

/// Replacements that break or fix names and values, applied either way.
const SWAPS: &[(&str, &str)] = &[
    ("\"small\"", "\"smal\""),
    ("\"debug\"", "\"debgu\""),
    ("\"web\"", "\"wbe\""),
    ("\"hello\"", "\"helo\""),
    ("greeting", "greting"),
    ("replicas 1", "replicas \"one\""),
    ("replicas 2", "replicas -2"),
    ("replicas 4", "replicas 4.5"),
    ("\"fr\"", "\"de\""),
    ("web-extra", "greeter"),
    ("\"hola\"", "\"greeter\""),
    ("config.yaml", "configs.yaml"),
    ("kind: ConfigMap", "kind: ConfigMapp"),
    ("apiVersion: v1", "apiVersion: v2"),
    ("tojson", "tojsn"),
    ("8080", "80800"),
    ("namespace \"shop-prod\"", "namespace \"Shop_Prod\""),
    ("ttl=\"72h\"", "ttl=\"soon\""),
];

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }
}

/// One random edit of one file, or every file back to its first text (so
/// that the project is often clean enough to render); says what it did.
fn edit(texts: &mut [(PathBuf, String)], originals: &[String], rng: &mut Rng) -> String {
    if rng.below(10) < 3 {
        for ((_, text), original) in texts.iter_mut().zip(originals) {
            text.clone_from(original);
        }
        return "every file reverted".to_string();
    }
    let i = rng.below(texts.len());
    let (path, text) = &mut texts[i];
    let what = match rng.below(7) {
        0 => {
            let at = rng.below(text.len() + 1);
            let c = ["\"", "{", "}", "x", "1", " ", "\n", "=", "-"][rng.below(9)];
            text.insert_str(at, c);
            format!("insert {c:?} at {at}")
        }
        1 => {
            let at = rng.below(text.len());
            let end = (at + 1 + rng.below(4)).min(text.len());
            text.replace_range(at..end, "");
            format!("delete {at}..{end}")
        }
        _ => {
            let (a, b) = SWAPS[rng.below(SWAPS.len())];
            let (from, to) = if text.contains(a) { (a, b) } else { (b, a) };
            *text = text.replacen(from, to, 1);
            format!("replace {from:?} with {to:?}")
        }
    };
    format!("{}: {what}", path.display())
}

fn diagnostics(c: &Compiled) -> String {
    render(&c.diags.0, &c.sources, Format::Json, false)
}

fn full_check(world: &Overlay, root: &Path) -> Compiled {
    let req = Request {
        selection: Selection::Everything,
        ..Request::default()
    };
    compile::compile(world, root, &req, None)
}

/// A project on disk with the texts of [`FILES`]; its canonical root.
fn project(dir: &Path) -> PathBuf {
    for (name, text) in FILES {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir.canonicalize().expect("canonical")
}

#[test]
fn random_edits_give_the_diagnostics_of_a_full_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = project(dir.path());
    for seed in [1_u64, 7, 2026] {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let originals: Vec<String> = FILES.iter().map(|(_, t)| t.to_string()).collect();
        let mut texts: Vec<(PathBuf, String)> = FILES
            .iter()
            .map(|(n, t)| (root.join(n), t.to_string()))
            .collect();
        let mut engine = Engine::new(root.clone());
        let (mut reused, mut clean) = (0, 0);
        let mut history = Vec::new();
        for step in 0..45 {
            history.push(edit(&mut texts, &originals, &mut rng));
            let world = Overlay {
                docs: texts.iter().cloned().collect::<HashMap<_, _>>(),
            };
            let full = full_check(&world, &root);
            let inc = engine.compile(&world, &|| false).expect("not superseded");
            assert_eq!(
                diagnostics(&inc),
                diagnostics(&full),
                "seed {seed}, step {step}, after:\n{}",
                history.join("\n")
            );
            clean += usize::from(!full.envs.is_empty());
            reused += usize::from(!full.envs.is_empty() && engine.rendered < 12);
        }
        // The edits must reach the render stage, and the engine must reuse
        // units, or the comparison proves little.
        assert!(clean > 5, "seed {seed}: only {clean} steps rendered an env");
        assert!(reused > 5, "seed {seed}: the engine reused units only {reused} times");
    }
}
