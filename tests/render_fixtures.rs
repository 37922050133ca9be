//! The rendered YAML of every valid fixture, snapshotted whole: any change
//! to what kiln writes for these projects shows up as a diff to read.

use std::path::Path;

use kiln::compile::{Request, Selection, compile};
use kiln::world::DiskWorld;

mod common;

/// Every file of every env (preview templates rendered as `example`), with
/// a `# path` header before each, in path order.
fn rendered_tree(dir: &Path) -> String {
    let root = std::fs::canonicalize(dir).expect("fixture directory exists");
    let req = Request {
        selection: Selection::Everything,
        ..Default::default()
    };
    let compiled = compile(&DiskWorld, &root, &req, None);
    assert!(
        !compiled.diags.has_errors(),
        "{}: {:?}",
        dir.display(),
        compiled.diags.0
    );
    let mut envs = compiled.envs;
    envs.sort_by(|a, b| a.folder.cmp(&b.folder));
    let mut out = String::new();
    for env in &envs {
        for (path, bytes) in env.files() {
            out.push_str(&format!("# {}/{path}\n", env.folder));
            out.push_str(&String::from_utf8_lossy(&bytes));
        }
        // How Flux would apply the apps, where anything orders them.
        let steps = kiln::render::order::apply_order(env);
        if steps.len() > 1 {
            let shown: Vec<String> = steps.iter().map(|s| s.join(", ")).collect();
            out.push_str(&format!(
                "# {} apply order: {}\n",
                env.folder,
                shown.join(" → ")
            ));
        }
        for (app, o) in &env.apps {
            if !o.depends_on.is_empty() || !o.flux.is_empty() {
                let deps: Vec<&str> = o.depends_on.iter().map(|d| d.app.as_str()).collect();
                out.push_str(&format!(
                    "# {}/{app}: depends on [{}], {:?}\n",
                    env.folder,
                    deps.join(", "),
                    o.flux
                ));
            }
        }
        if !env.flux.is_empty() {
            out.push_str(&format!("# {}: {:?}\n", env.folder, env.flux));
        }
    }
    out
}

#[test]
fn valid_fixtures_render() {
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
        prepend_module_to_snapshot => false,
    }, {
        insta::glob!("fixtures/valid/*/kiln.kdl", |path| {
            let dir = path.parent().expect("kiln.kdl has a folder");
            common::vendor_crds(dir);
            insta::assert_snapshot!("rendered", rendered_tree(dir));
        });
    });
}
