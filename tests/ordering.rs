//! Apply order through the binary: `depends-on` and per-app Flux
//! Kustomizations across commits, bootstraps and previews, against local
//! bare repositories with git sealed (temp `HOME`, no global or system
//! config, fixed `SOURCE_DATE_EPOCH`).

use serde_json::Value;

const EPOCH: i64 = 1_700_000_000;

mod common;

use common::stderr;

use common::flux::valid_flux_objects;
use common::world::World;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The spec of `flux/<env>/<app>.yaml` at the tip, checked against Flux's
/// CRD.
fn app_kustomization(w: &World, env: &str, app: &str) -> Value {
    let objs = valid_flux_objects(&w.show("main", &format!("flux/{env}/{app}.yaml")));
    assert_eq!(objs.len(), 1);
    objs[0]["spec"].clone()
}

/// The names a Kustomization's `dependsOn` lists.
fn depends_on(spec: &Value) -> Vec<String> {
    spec["dependsOn"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| d["name"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The paths a commit touched outside `.kiln/` metadata.
fn touched_objects(w: &World, rev: &str) -> Vec<String> {
    w.touched(rev)
        .into_iter()
        .filter(|p| !p.contains("/.kiln/"))
        .collect()
}

/// Replace `from` by `to` in the project's `file`, which must hold it.
fn edit_project(w: &World, file: &str, from: &str, to: &str) {
    let path = w.project().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} lacks {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// `kiln bootstrap` of one env, with `flags`.
fn bootstrap(w: &World, env: &str, flags: &[&str]) {
    let url = "https://git.example.com/platform.git";
    let mut args = vec!["bootstrap", "--url", url, "--env", env];
    args.extend(flags);
    w.ok(EPOCH, &args);
}

fn bootstrap_per_app(w: &World, env: &str) {
    bootstrap(w, env, &["--per-app"]);
}

#[test]
fn per_app_kustomizations_apply_controllers_then_their_resources_then_apps() {
    let w = World::with("platform");
    bootstrap_per_app(&w, "production");
    let c = w.ok(EPOCH + 60, &["commit", "--env", "production"]);
    assert!(
        !stderr(&w.kiln(&["commit", "--env", "production"])).contains("not_kept"),
        "per-app envs keep the order"
    );
    let touched = w.touched(&c);
    let apps = [
        "cert-manager",
        "ingress-nginx",
        "cluster-issuers",
        "podinfo-certificates",
        "podinfo",
    ];
    for app in apps {
        assert!(
            touched.contains(&format!("flux/production/{app}.yaml")),
            "{touched:?}"
        );
    }
    let controller = app_kustomization(&w, "production", "cert-manager");
    let issuers = app_kustomization(&w, "production", "cluster-issuers");
    let certificates = app_kustomization(&w, "production", "podinfo-certificates");
    let podinfo = app_kustomization(&w, "production", "podinfo");
    assert_eq!(depends_on(&controller), Vec::<String>::new());
    // Declared: cert-manager's CRDs come from its chart, in the cluster, so
    // nothing implies these edges.
    assert_eq!(depends_on(&issuers), ["kiln-production-cert-manager"]);
    assert_eq!(
        depends_on(&certificates),
        ["kiln-production-cluster-issuers"]
    );
    assert_eq!(
        depends_on(&podinfo),
        [
            "kiln-production-ingress-nginx",
            "kiln-production-podinfo-certificates"
        ]
    );
    // Both charts: podinfo's HelmRelease waits for ingress-nginx's too.
    let release = w.show("main", "production/podinfo/helmrelease-podinfo.yaml");
    assert!(
        release.contains("  dependsOn:\n  - name: ingress-nginx\n    namespace: ingress-nginx\n"),
        "{release}"
    );
    for spec in [&controller, &issuers, &certificates, &podinfo] {
        assert_eq!(spec["wait"], true, "{spec}");
        assert_eq!(spec["prune"], true, "{spec}");
        assert_eq!(spec["interval"], "10m0s", "env: {spec}");
        assert_eq!(spec["retryInterval"], "2m0s", "flavor: {spec}");
    }
    // The env's timeout, but the app's own for the controller.
    assert_eq!(controller["timeout"], "15m0s");
    assert_eq!(podinfo["timeout"], "5m0s");
    // Every dependency names a Kustomization that exists.
    let names: Vec<String> = apps
        .iter()
        .map(|a| format!("kiln-production-{a}"))
        .collect();
    for spec in [&issuers, &certificates, &podinfo] {
        assert!(depends_on(spec).iter().all(|d| names.contains(d)));
    }
    w.builds_and_validates("production");
    w.fsck();
}

#[test]
fn a_commit_that_adds_a_dependency_changes_only_that_apps_flux_object() {
    let w = World::with("platform");
    let cache = "\napp \"cache\" component=\"manifests\" {\n    manifest \"cache.yaml\"\n}\n";
    edit_project(
        &w,
        "apps.kdl",
        "\"ingress-nginx\"\n}\n",
        &format!("\"ingress-nginx\"\n}}\n{cache}"),
    );
    std::fs::write(
        w.project().join("cache.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cache\ndata:\n  size: 64Mi\n",
    )
    .unwrap();
    bootstrap_per_app(&w, "production");
    let c1 = w.ok(EPOCH + 60, &["commit", "--env", "production"]);
    assert_eq!(
        depends_on(&app_kustomization(&w, "production", "cache")),
        Vec::<String>::new()
    );

    let (one, two) = ("\"ingress-nginx\"\n", "\"ingress-nginx\" \"cache\"\n");
    edit_project(&w, "apps.kdl", one, two);
    // `kiln diff` shows the change to come, in the env's Flux objects.
    let diff = w.ok(EPOCH, &["diff", "--env", "production"]);
    assert!(
        diff.contains(
            "production (flux): 0 added, 1 changed, 0 removed\n  changed production/podinfo.yaml"
        ),
        "{diff}"
    );
    assert!(diff.contains("+  - name: kiln-production-cache"), "{diff}");
    let c2 = w.ok(EPOCH + 120, &["commit", "--env", "production"]);
    assert_eq!(touched_objects(&w, &c2), ["flux/production/podinfo.yaml"]);
    let mut metadata: Vec<String> = w
        .touched(&c2)
        .into_iter()
        .filter(|p| p.contains("/.kiln/"))
        .collect();
    metadata.sort();
    assert_eq!(
        metadata,
        [
            "production/.kiln/flux/podinfo.json",
            "production/.kiln/platform.json"
        ]
    );
    assert_eq!(
        depends_on(&app_kustomization(&w, "production", "podinfo")),
        [
            "kiln-production-cache",
            "kiln-production-ingress-nginx",
            "kiln-production-podinfo-certificates"
        ]
    );
    let message = w.repo_git(&["log", "-1", "--format=%B", &c2]);
    assert!(
        message.contains("  changed flux/production/podinfo.yaml\n"),
        "{message}"
    );
    // Nothing else to do: the next commit is none.
    let again = w.kiln(&["commit", "--env", "production"]);
    assert!(stderr(&again).contains("up to date"), "{}", stderr(&again));

    // A rollback of podinfo to c1 puts its order back with its objects:
    // one commit, the app's Kustomization as it was.
    let podinfo_at_c1 = w.id_at(&c1, "flux/production/podinfo.yaml");
    let rb = w.ok(
        EPOCH + 180,
        &[
            "rollback",
            "--env",
            "production",
            "--app",
            "podinfo",
            "--to",
            &c1,
        ],
    );
    assert!(touched_objects(&w, &rb).contains(&"flux/production/podinfo.yaml".to_string()));
    assert_eq!(
        w.id_at("main", "flux/production/podinfo.yaml"),
        podinfo_at_c1
    );
    assert_eq!(
        w.id_at("main", "production/.kiln/flux/podinfo.json"),
        w.id_at(&c1, "production/.kiln/flux/podinfo.json")
    );
    // ... and the next commit from the source rolls it forward, without
    // drift.
    let forward = w.ok(EPOCH + 240, &["commit", "--env", "production"]);
    assert_eq!(
        w.id_at(&forward, "flux/production/podinfo.yaml"),
        w.id_at(&c2, "flux/production/podinfo.yaml")
    );
    // The dependency gone with its app: the Kustomization goes, and no
    // other app waits for it.
    edit_project(&w, "apps.kdl", cache, "");
    edit_project(&w, "apps.kdl", two, one);
    w.ok(EPOCH + 300, &["commit", "--env", "production"]);
    assert_eq!(w.id_at("main", "flux/production/cache.yaml"), None);
    assert_eq!(
        w.id_at("main", "production/.kiln/flux/podinfo.json"),
        w.id_at(&c1, "production/.kiln/flux/podinfo.json")
    );
    w.fsck();
}

#[test]
fn without_per_app_objects_depends_on_warns_and_the_env_kustomization_takes_the_env_settings() {
    let w = World::with("platform");
    bootstrap(&w, "production", &[]);
    let state = json(&w.show("main", "production/.kiln/flux.json"));
    assert_eq!(state["per_app"], false);
    // diff and commit warn, at the `depends-on`, and say how to keep it.
    for cmd in ["diff", "commit"] {
        let out = w.kiln(&[cmd, "--env", "production"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("kiln::order::not_kept"), "{cmd}: {err}");
        assert!(
            err.contains("env `production` has no Flux Kustomization per app"),
            "{err}"
        );
        assert!(
            err.contains("kiln bootstrap --per-app --env production"),
            "{err}"
        );
        assert!(err.contains("apps.kdl"), "{err}");
    }
    // The env's own Kustomization: the env's and the flavor's settings, not
    // the apps'; the GitRepository before it untouched.
    let objs = valid_flux_objects(&w.show("main", "flux/production.yaml"));
    assert_eq!(objs[0]["kind"], "GitRepository");
    let spec = &objs[1]["spec"];
    assert_eq!(spec["path"], "./production");
    assert_eq!(spec["interval"], "10m0s");
    assert_eq!(spec["timeout"], "5m0s");
    assert_eq!(spec["retryInterval"], "2m0s");
    assert_eq!(spec.get("wait"), None);
    assert_eq!(spec.get("dependsOn"), None);
    assert_eq!(w.id_at("main", "flux/production"), None);
    // --deny-warnings stops before committing.
    edit_project(&w, "kiln.kdl", "\"replicaCount\" 2", "\"replicaCount\" 4");
    let before = w.count();
    let denied = w.kiln(&["commit", "--env", "production", "--deny-warnings"]);
    assert_eq!(denied.status.code(), Some(1), "{}", stderr(&denied));
    assert_eq!(w.count(), before);
    // Per app from now on: the warning goes, the per-app objects come.
    bootstrap_per_app(&w, "production");
    let out = w.kiln(&["commit", "--env", "production"]);
    assert!(!stderr(&out).contains("not_kept"), "{}", stderr(&out));
    assert_eq!(
        depends_on(&app_kustomization(&w, "production", "cluster-issuers")),
        ["kiln-production-cert-manager"]
    );
    w.fsck();
}

#[test]
fn a_preview_is_one_kustomization_so_preview_up_warns_of_depends_on() {
    let w = World::new();
    edit_project(
        &w,
        "apps.kdl",
        "app \"web\" {\n",
        "app \"web\" {\n    depends-on \"worker\"\n",
    );
    let out = w.kiln(&["preview", "up", "pr-7", "--env", "preview"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("kiln::order::not_kept"), "{err}");
    assert!(
        err.contains("preview `pr-7` is applied as one Flux Kustomization"),
        "{err}"
    );
    // The order is still recorded, for the day the env is per app.
    let flux = json(&w.show("main", "previews/pr-7/.kiln/flux/web.json"));
    assert_eq!(flux["depends_on"], serde_json::json!(["worker"]));
    w.fsck();
}
