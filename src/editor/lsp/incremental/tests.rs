//! The differential test of the incremental engine: seeded random edits
//! of a small project (flavors, envs and apps in files of their own, a
//! project component with a template, manifests and `file` values, an
//! app that depends on another), and after each the engine's diagnostics
//! compared with a full compile's, as `kiln check` makes them; an
//! abandoned compile; an edit of a flavor; an edit of a dependency.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::Engine;
use crate::compile::{self, Compiled, Request, Selection};
use crate::diag::{Diagnostic, Format, render};
use crate::editor::lsp::publish;
use crate::testing::Rng;
use crate::world::Overlay;

const FILES: &[(&str, &str)] = &[
    (
        "kiln.kdl",
        // Lint off: these tests count what is rendered again, and expect
        // a clean project.
        "project \"shop\" {\n    labels team=\"shop\"\n    lint \"*\" \"allow\"\n}\n",
    ),
    (
        "flavors/small.kdl",
        "flavor \"small\" {\n    replicas 1\n    resources cpu=\"100m\" memory=\"128Mi\"\n}\n",
    ),
    (
        "flavors/debug.kdl",
        "flavor \"debug\" {\n    env \"LOG_LEVEL\" \"debug\"\n}\n",
    ),
    (
        "envs/staging.kdl",
        "env \"staging\" {\n    flavor \"small\" \"debug\"\n}\n",
    ),
    (
        "envs/others.kdl",
        "env \"production\" {\n    namespace \"shop-prod\"\n    app \"web\" {\n        replicas 4\n    }\n}\n\nenv \"preview\" {\n    preview ttl=\"72h\"\n    namespace \"shop-{{ preview.name }}\"\n    flavor \"small\"\n}\n",
    ),
    (
        "apps/web.kdl",
        "app \"web\" {\n    image \"nginx:1.27\"\n    port 8080 name=\"http\"\n    env \"LOG_LEVEL\" \"info\"\n    file \"/etc/web/config.yaml\" from=\"../files/config.yaml\"\n    manifest \"../extra/config.yaml\"\n    patch \"ConfigMap/web-extra\" {\n        set \"/data/mode\" \"patched\"\n    }\n}\n",
    ),
    (
        "apps/jobs.kdl",
        "app \"jobs\" component=\"worker\" {\n    image \"ghcr.io/acme/jobs:1.0.0\"\n    replicas 2\n    manifest \"../extra/jobs.yaml\"\n}\n",
    ),
    (
        "apps/greeter.kdl",
        "app \"greeter\" component=\"hello\" {\n    greeting \"hi there\"\n    depends-on \"jobs\"\n}\n\napp \"hola\" component=\"hello\" {\n    greeting \"hola\"\n    language \"fr\"\n}\n",
    ),
    (
        "components/hello.kdl",
        "component \"hello\" {\n    doc \"A ConfigMap holding a greeting\"\n    param \"greeting\" type=\"string\" required=#true doc=\"the greeting\"\n    param \"language\" type=\"enum\" values=\"en fr\" default=\"en\" doc=\"the language\"\n    template \"hello.yaml.j2\"\n}\n",
    ),
    (
        "components/hello.yaml.j2",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ app.name | tojson }}\ndata:\n  greeting: {{ greeting | tojson }}\n  language: {{ language | tojson }}\n{% for d in app.depends_on %}{% if d.namespace == \"jobs-ns\" %}{{ vars.nope }}{% endif %}{% endfor %}\n",
    ),
    (
        "extra/config.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-extra\ndata:\n  mode: \"plain\"\n",
    ),
    // What lint's env-wide rules judge across apps: a Service, a
    // PodDisruptionBudget, a HorizontalPodAutoscaler and an Ingress of
    // `jobs` for the pods, the Deployment and the Service of `web`.
    (
        "extra/jobs.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web-alias\nspec:\n  selector:\n    app.kubernetes.io/name: web\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web-budget\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: web\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web-scaler\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n  minReplicas: 2\n  maxReplicas: 5\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: jobs-front\nspec:\n  rules:\n    - host: jobs.example.com\n      http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service:\n                name: web\n                port:\n                  name: http\n",
    ),
    ("files/config.yaml", "level: info\n"),
];

/// Replacements that break or fix names and values, applied either way.
const SWAPS: &[(&str, &str)] = &[
    ("\"debug\"\n", "\"{{ vars.nope }}\"\n"),
    ("\"info\"", "\"{{ vars.nope }}\""),
    (
        "replicas 4\n",
        "replicas 4\n        env \"X\" \"{{ vars.nope }}\"\n",
    ),
    ("mode: \"plain\"", "mode: [1"),
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
    // Read by `greeter`'s render, which depends on `jobs`.
    ("replicas 2\n", "replicas 2\n    namespace \"jobs-ns\"\n"),
    // Lint levels, project-wide and per env (the project file with lint
    // at its defaults holds the first), and the Namespace objects an env
    // renders: each changes an env's result without changing any unit.
    (
        "labels team=\"shop\"\n}",
        "labels team=\"shop\"\n    lint \"single-replica\" \"deny\"\n}",
    ),
    (
        "flavor \"small\" \"debug\"\n}",
        "flavor \"small\" \"debug\"\n    lint \"*\" \"allow\"\n}",
    ),
    (
        "namespace \"shop-prod\"\n",
        "namespace \"shop-prod\"\n    create-namespace #true\n",
    ),
    // What the env-wide rules judge other apps by: the pods a Service
    // and a budget select, the Service port an Ingress names, the
    // Service's own ports; and a change they do not judge others by.
    (
        "app.kubernetes.io/name: web\n  ports",
        "app.kubernetes.io/name: webb\n  ports",
    ),
    (
        "app.kubernetes.io/name: web\n---",
        "app.kubernetes.io/name: other\n---",
    ),
    (
        "                  name: http",
        "                  name: api",
    ),
    ("minReplicas: 2", "minReplicas: 3"),
    (SELECTED, RELABELLED),
    (MANIFEST, BUDGET),
    (MANIFEST, SCALER),
    (MANIFEST, ALIAS),
    ("port 8080 name=\"http\"", "port 8080 name=\"web\""),
    ("\"info\"", "\"warn\""),
    ("jobs:1.0.0", "jobs:1.0.1"),
];

/// The line of `jobs` before which an edit patches its manifest's
/// budget, autoscaler or Service (which `web` is judged beside); edits
/// of the manifest itself render every app again.
const MANIFEST: &str = "    manifest \"../extra/jobs.yaml\"\n";
const BUDGET: &str = "    patch \"PodDisruptionBudget/web-budget\" {\n        set \"/spec/selector/matchLabels/app.kubernetes.io~1name\" \"other\"\n    }\n    manifest \"../extra/jobs.yaml\"\n";
const SCALER: &str = "    patch \"HorizontalPodAutoscaler/web-scaler\" {\n        set \"/spec/minReplicas\" 3\n    }\n    manifest \"../extra/jobs.yaml\"\n";
const ALIAS: &str = "    patch \"Service/web-alias\" {\n        set \"/spec/selector/app.kubernetes.io~1name\" \"webb\"\n    }\n    manifest \"../extra/jobs.yaml\"\n";

/// The line of `web` before which an edit gives its pods other labels.
const SELECTED: &str = "    port 8080 name=\"http\"\n";
const RELABELLED: &str = "    patch \"Deployment/web\" {\n        set \"/spec/template/metadata/labels/app.kubernetes.io~1name\" \"web-2\"\n    }\n    port 8080 name=\"http\"\n";

/// One random edit: every file back to its first text (so that the
/// project is often clean enough to render), a character inserted or
/// deleted, or one of [`SWAPS`] made or undone in a file that holds it.
/// Says what it did.
fn edit(texts: &mut [(PathBuf, String)], originals: &[String], rng: &mut Rng) -> String {
    let roll = rng.below(10);
    if roll < 3 {
        for ((_, text), original) in texts.iter_mut().zip(originals) {
            text.clone_from(original);
        }
        return "every file reverted".to_string();
    }
    if roll < 5 {
        let (path, text) = &mut texts[rng.below(texts.len())];
        let what = if roll == 3 {
            let at = rng.below(text.len() + 1);
            let c = ["\"", "{", "}", "x", "1", " ", "\n", "=", "-"][rng.below(9)];
            text.insert_str(at, c);
            format!("insert {c:?} at {at}")
        } else {
            let at = rng.below(text.len());
            let end = (at + 1 + rng.below(4)).min(text.len());
            text.replace_range(at..end, "");
            format!("delete {at}..{end}")
        };
        return format!("{}: {what}", path.display());
    }
    let (a, b) = SWAPS[rng.below(SWAPS.len())];
    let holders: Vec<usize> = (0..texts.len())
        .filter(|i| texts[*i].1.contains(a) || texts[*i].1.contains(b))
        .collect();
    let Some(&i) = holders.get(rng.below(holders.len())) else {
        return "nothing".to_string();
    };
    let (path, text) = &mut texts[i];
    let (from, to) = if text.contains(a) { (a, b) } else { (b, a) };
    *text = text.replacen(from, to, 1);
    format!("{}: replace {from:?} with {to:?}", path.display())
}

fn diagnostics(c: &Compiled) -> String {
    render(&c.diags.0, &c.sources, Format::Json, false)
}

/// The texts of [`FILES`] in `root`, with `name`'s replaced by `text`.
fn overlay(root: &Path, name: &str, text: &str) -> Overlay {
    let mut docs: HashMap<PathBuf, String> = FILES
        .iter()
        .map(|(n, t)| (root.join(n), t.to_string()))
        .collect();
    docs.insert(root.join(name), text.to_string());
    Overlay { docs }
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
    random_edits(FILES[0].1);
}

/// The same with lint at its default levels: findings in every env, the
/// env-wide rules, and the envs' results kept between compiles.
#[test]
fn random_edits_with_lint_give_the_diagnostics_of_a_full_check() {
    let kept = random_edits("project \"shop\" {\n    labels team=\"shop\"\n}\n");
    for (seed, kept, _) in &kept {
        assert!(
            *kept > 5,
            "seed {seed}: the engine kept only {kept} envs' results"
        );
    }
    let wide: usize = kept.iter().map(|(_, _, wide)| wide).sum();
    assert!(
        wide > 8,
        "the engine kept the env-wide lint findings of unchanged apps only {wide} times"
    );
}

/// Runs 60 seeded random edits three times, with `kiln_kdl` as the
/// project file, comparing the engine with a full check after each;
/// returns how many envs' results the engine kept whole, and in how many
/// it made the env-wide lint findings of the apps rendered again only,
/// per seed.
fn random_edits(kiln_kdl: &str) -> Vec<(u64, usize, usize)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = project(dir.path());
    let mut kept_per_seed = Vec::new();
    for seed in [1_u64, 7, 2026] {
        let (mut kept_envs, mut kept_wide) = (0, 0);
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut originals: Vec<String> = FILES.iter().map(|(_, t)| t.to_string()).collect();
        originals[0] = kiln_kdl.to_string();
        let mut texts: Vec<(PathBuf, String)> = FILES
            .iter()
            .zip(&originals)
            .map(|((n, _), t)| (root.join(n), t.clone()))
            .collect();
        let mut engine = Engine::new(root.clone());
        let (mut reused, mut clean) = (0, 0);
        let mut history = Vec::new();
        for step in 0..60 {
            history.push(edit(&mut texts, &originals, &mut rng));
            let world = Overlay {
                docs: texts.iter().cloned().collect::<HashMap<_, _>>(),
            };
            let full = full_check(&world, &root);
            let staged = engine
                .compile_staged(&world, &|| false)
                .expect("not superseded");
            // What the server publishes first for each file, before lint's
            // diagnostics of every file are made.
            let firsts: Vec<Vec<Diagnostic>> = texts
                .iter()
                .map(|(path, _)| staged.diagnostics_in(std::slice::from_ref(path), &root))
                .collect();
            let inc = engine.finish(staged, &|| false).expect("not superseded");
            assert_eq!(
                diagnostics(&inc),
                diagnostics(&full),
                "seed {seed}, step {step}, after:\n{}",
                history.join("\n")
            );
            let kiln_kdl = root.join("kiln.kdl");
            for ((path, _), first) in texts.iter().zip(&firsts) {
                let shown: Vec<&Diagnostic> = inc
                    .diags
                    .0
                    .iter()
                    .filter(|d| publish::shown_in(&inc, d, &kiln_kdl) == path)
                    .collect();
                assert_eq!(
                    first.iter().collect::<Vec<_>>(),
                    shown,
                    "seed {seed}, step {step}: the first list of {}",
                    path.display()
                );
            }
            clean += usize::from(!full.envs.is_empty());
            reused += usize::from(!full.envs.is_empty() && engine.rendered < 12);
            kept_envs += engine.kept_envs;
            kept_wide += engine.kept_wide;
        }
        // The edits must reach the render stage, and the engine must reuse
        // units, or the comparison proves little.
        assert!(clean > 5, "seed {seed}: only {clean} steps rendered an env");
        assert!(
            reused > 5,
            "seed {seed}: the engine reused units only {reused} times"
        );
        eprintln!(
            "seed {seed}: {kept_envs} envs' results kept whole, {kept_wide} envs' env-wide findings kept for unchanged apps"
        );
        kept_per_seed.push((seed, kept_envs, kept_wide));
    }
    kept_per_seed
}

#[test]
fn an_abandoned_compile_keeps_its_units_and_the_next_is_exact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = project(dir.path());
    let world = overlay(&root, "kiln.kdl", FILES[0].1);
    let mut engine = Engine::new(root.clone());
    let asked = AtomicUsize::new(0);
    // Superseded from the fourth question on: after the check stage and
    // two units.
    let abandoned = engine.compile(&world, &|| asked.fetch_add(1, Ordering::SeqCst) >= 3);
    assert!(abandoned.is_none());
    // No env-wide stage runs for a result that is thrown away.
    assert_eq!(engine.env_stages, 0);
    let inc = engine.compile(&world, &|| false).expect("not superseded");
    assert!(engine.env_stages > 0, "the next compile judges its envs");
    assert_eq!(diagnostics(&inc), diagnostics(&full_check(&world, &root)));
    assert!(inc.diags.0.is_empty(), "{}", diagnostics(&inc));
    assert!(
        engine.rendered <= 10,
        "rendered {} of 12 units again",
        engine.rendered
    );
}

/// Lint's diagnostics of every file, made after the edited file's list,
/// are given up for a newer version; the next compile makes them whole.
#[test]
fn lint_given_up_for_a_newer_version_is_made_by_the_next_compile() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = project(dir.path());
    let kiln_kdl = "project \"shop\" {\n    labels team=\"shop\"\n}\n";
    let world = overlay(&root, "kiln.kdl", kiln_kdl);
    let full = full_check(&world, &root);
    assert!(
        full.diags
            .0
            .iter()
            .any(|d| d.code.starts_with("kiln::lint::")),
        "the project must have lint findings: {}",
        diagnostics(&full)
    );
    let mut engine = Engine::new(root.clone());
    let staged = engine.compile_staged(&world, &|| false).expect("done");
    assert!(engine.finish(staged, &|| true).is_none());
    let inc = engine.compile(&world, &|| false).expect("not superseded");
    assert_eq!(diagnostics(&inc), diagnostics(&full));
}

/// An edit of one app that changes what the env-wide lint rules judge
/// other apps beside (the pods a Service or a budget selects, an
/// autoscaler's minimum, a Service's ports) reaches the other apps'
/// findings; one that does not leaves them as kept.
#[test]
fn an_edit_that_changes_how_other_apps_are_judged_reaches_their_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = project(dir.path());
    let kiln_kdl = "project \"shop\" {\n    labels team=\"shop\"\n}\n";
    // (file, from, to, whether other apps are judged differently).
    let edits = [
        ("apps/jobs.kdl", MANIFEST, BUDGET, true),
        ("apps/jobs.kdl", MANIFEST, SCALER, true),
        ("apps/jobs.kdl", MANIFEST, ALIAS, true),
        ("apps/web.kdl", SELECTED, RELABELLED, true),
        (
            "apps/web.kdl",
            "port 8080 name=\"http\"",
            "port 8080 name=\"web\"",
            true,
        ),
        ("apps/web.kdl", "\"info\"", "\"warn\"", false),
        // `jobs`'s Service still selects the pods of `web`, which is not
        // rendered again.
        ("apps/jobs.kdl", "jobs:1.0.0", "jobs:1.0.1", false),
    ];
    for (file, from, to, judged) in edits {
        let clean = overlay(&root, "kiln.kdl", kiln_kdl);
        let mut engine = Engine::new(root.clone());
        let first = engine.compile(&clean, &|| false).expect("done");
        assert_eq!(diagnostics(&first), diagnostics(&full_check(&clean, &root)));
        let mut edited = clean;
        let text = edited.docs.get_mut(&root.join(file)).expect("a file");
        assert!(text.contains(from), "{file} holds {from:?}");
        *text = text.replacen(from, to, 1);
        let full = full_check(&edited, &root);
        assert!(
            full.diags.0.iter().all(|d| !d.is_error()),
            "{}",
            diagnostics(&full)
        );
        let inc = engine.compile(&edited, &|| false).expect("done");
        assert_eq!(
            diagnostics(&inc),
            diagnostics(&full),
            "{file}: {from:?} -> {to:?}"
        );
        if judged {
            // What the edit changes is reported in the other app's lines.
            let other = if file == "apps/web.kdl" {
                "jobs"
            } else {
                "web"
            };
            let of_other = |c: &Compiled| -> Vec<String> {
                let json = diagnostics(c);
                json.lines()
                    .filter(|l| l.contains(other))
                    .map(str::to_string)
                    .collect()
            };
            assert_ne!(
                of_other(&first),
                of_other(&full),
                "{file}: {from:?} -> {to:?}"
            );
            // `greeter` depends on `jobs`: it renders again with it.
            let apps = if file == "apps/jobs.kdl" { 2 } else { 1 };
            assert_eq!(engine.rendered, 3 * apps, "{file}: its apps in each env");
        }
        assert_eq!(
            engine.kept_wide, 3,
            "{file}: every env kept the findings of the apps judged as before"
        );
    }
}

#[test]
fn an_edit_of_a_flavor_reaches_every_app_of_its_envs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = project(dir.path());
    let mut engine = Engine::new(root.clone());
    let clean = overlay(&root, "kiln.kdl", FILES[0].1);
    assert!(
        engine
            .compile(&clean, &|| false)
            .expect("done")
            .diags
            .0
            .is_empty()
    );
    // `debug` is used by staging only: its four apps render again, and
    // report the error.
    let flavor = FILES[2].1.replace("\"debug\"\n", "\"{{ vars.nope }}\"\n");
    let broken = overlay(&root, "flavors/debug.kdl", &flavor);
    let inc = engine.compile(&broken, &|| false).expect("done");
    let full = full_check(&broken, &root);
    assert_eq!(diagnostics(&inc), diagnostics(&full));
    assert!(full.diags.has_errors(), "the edit breaks the project");
    assert_eq!(engine.rendered, 4, "staging's units only");
    // `small` is used by staging and preview.
    let flavor = FILES[1].1.replace("replicas 1", "replicas 3");
    let changed = overlay(&root, "flavors/small.kdl", &flavor);
    let inc = engine.compile(&changed, &|| false).expect("done");
    assert!(inc.diags.0.is_empty(), "{}", diagnostics(&inc));
    assert_eq!(
        engine.rendered, 8,
        "staging's and preview's units, not production's"
    );
    let fixed = engine.compile(&clean, &|| false).expect("done");
    assert!(fixed.diags.0.is_empty(), "{}", diagnostics(&fixed));
}

#[test]
fn an_edit_of_a_dependency_reaches_the_apps_that_depend_on_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = project(dir.path());
    let mut engine = Engine::new(root.clone());
    let clean = overlay(&root, "kiln.kdl", FILES[0].1);
    let first = engine.compile(&clean, &|| false).expect("done");
    assert!(first.diags.0.is_empty(), "{}", diagnostics(&first));
    // `greeter`'s template reads the namespace of `jobs`, which it depends
    // on: both render again in each of the three envs, and `greeter`
    // reports the error.
    let jobs = FILES[6]
        .1
        .replace("replicas 2\n", "replicas 2\n    namespace \"jobs-ns\"\n");
    let moved = overlay(&root, "apps/jobs.kdl", &jobs);
    let inc = engine.compile(&moved, &|| false).expect("done");
    let full = full_check(&moved, &root);
    assert_eq!(diagnostics(&inc), diagnostics(&full));
    assert!(
        full.diags.has_errors(),
        "the edit breaks greeter's template"
    );
    assert_eq!(engine.rendered, 6, "jobs's and greeter's units only");
    let fixed = engine.compile(&clean, &|| false).expect("done");
    assert!(fixed.diags.0.is_empty(), "{}", diagnostics(&fixed));
}
