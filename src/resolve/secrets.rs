//! An app's `secret`s in one env, layers merged (PLATFORM.md "Secrets"):
//! the app block, then the env's flavors in order, then the env's `app`
//! block. Each entry's strings are evaluated with the app's context first,
//! so that entries merge by the Secret's real name: a flavor's
//! `{{ app.name }}-db` and the app's `web-db` are one secret of app `web`.
//! A higher layer's entry replaces the lower one whole; `remove=#true`
//! drops it.

use serde_json::Value as Json;

use super::{Layer, strings};
use crate::check::types::{self, Constraints, Type};
use crate::check::value::Value;
use crate::check::{App, Env, EnvApp, Model, SecretSource, SecretUse};
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::span::{Sources, Spanned};

/// One `secret` of an app in one env: its strings evaluated, with every
/// layer that set, replaced or removed it.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedSecret {
    /// The winning entry, templates evaluated; its source is never `None`.
    pub secret: SecretUse,
    /// Every layer that set or overrode it, lowest first (for `kiln explain`).
    pub provenance: Vec<(Layer, crate::span::Span)>,
}

impl ResolvedSecret {
    /// The Secret's name.
    pub fn name(&self) -> &str {
        &self.secret.name.value
    }
}

/// The app's secrets in `env`, sorted by name. An entry whose strings do
/// not evaluate, or evaluate to something of the wrong type, is reported
/// and left out.
#[allow(clippy::too_many_arguments)]
pub(super) fn secrets(
    model: &Model,
    env: &Env,
    app: &App,
    env_app: Option<&EnvApp>,
    ctx: &Json,
    prepared: &minijinja::Value,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Vec<ResolvedSecret> {
    let mut layers: Vec<(Layer, &[SecretUse])> = vec![(Layer::App, &app.extras.secrets)];
    for f in &env.flavors {
        if let Some(flavor) = model.flavors.get(&f.value) {
            layers.push((Layer::Flavor(f.value.clone()), &flavor.secrets));
        }
    }
    if let Some(e) = env_app {
        layers.push((Layer::EnvApp, &e.extras.secrets));
    }
    let mut merged: Vec<ResolvedSecret> = Vec::new();
    for (layer, uses) in layers {
        for u in uses {
            let Some(u) = evaluate(u, ctx, prepared, sources, diags) else {
                continue;
            };
            let at = merged.iter().position(|m| m.name() == u.name.value);
            let mut provenance = at.map(|i| merged[i].provenance.clone()).unwrap_or_default();
            provenance.push((layer.clone(), u.span));
            match (at, u.source.is_some()) {
                (Some(i), true) => {
                    merged[i] = ResolvedSecret {
                        secret: u,
                        provenance,
                    }
                }
                (Some(i), false) => {
                    merged.remove(i);
                }
                (None, true) => merged.push(ResolvedSecret {
                    secret: u,
                    provenance,
                }),
                (None, false) => {}
            }
        }
    }
    merged.sort_by(|a, b| a.name().cmp(b.name()));
    merged
}

/// `u` with every string evaluated and typed; `None` when one fails.
fn evaluate(
    u: &SecretUse,
    ctx: &Json,
    prepared: &minijinja::Value,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Option<SecretUse> {
    let before = diags.error_count();
    let mut eval = |s: &mut Spanned<String>, ty: Option<Type>, what: &str| {
        if !strings::is_template(&s.value) {
            return;
        }
        match strings::render_prepared(&s.value, s.span, ctx, prepared, sources) {
            Ok(out) => {
                s.value = out;
                if let Some(ty) = ty {
                    typed(ty, &Value::String(s.value.clone()), s, what, diags);
                }
            }
            Err(d) => diags.push(d),
        }
    };
    let mut u = u.clone();
    eval(&mut u.name, Some(Type::Secret), "a secret's name");
    match &mut u.source {
        Some(SecretSource::External(e)) => {
            eval(&mut e.store, Some(Type::Secret), "a secret store's name");
            if let Some(r) = &mut e.refresh
                && let Value::String(text) = &r.value
            {
                let mut s = Spanned::new(text.clone(), r.span);
                eval(&mut s, Some(Type::Duration), "`refresh`");
                r.value = Value::String(s.value);
            }
            for k in &mut e.keys {
                eval(&mut k.name, Some(Type::SecretKey), "a key's name");
                eval(&mut k.remote, None, "");
                for s in [&mut k.property, &mut k.version].into_iter().flatten() {
                    eval(s, None, "");
                }
            }
        }
        Some(SecretSource::Sops(f) | SecretSource::Sealed(f)) => {
            eval(f, Some(Type::File), "a secret's file");
        }
        None => {}
    }
    (diags.error_count() == before).then_some(u)
}

/// Reports a value of the wrong type, as the checker does before templates.
fn typed(ty: Type, v: &Value, at: &Spanned<String>, what: &str, diags: &mut Diagnostics) {
    if let Err(e) = types::check(ty, v, &Constraints::default()) {
        diags.push(
            Diagnostic::error(codes::TYPE_MISMATCH, format!("{what}: {}", e.message))
                .primary(at.span, format!("expected {}", ty.describe()))
                .maybe_help(e.help),
        );
    }
}

/// Whether an app of `env` delivers a SOPS-encrypted Secret, from the
/// model alone (for `kiln bootstrap`, which renders nothing): entries merge
/// by their name as written, which templated names make approximate; a
/// commit's folder is the exact answer, which `gitops` reads too.
pub fn env_declares_sops(model: &Model, env: &Env) -> bool {
    model
        .apps
        .values()
        .filter(|a| a.in_env(&env.name.value))
        .filter(|a| !env.apps.get(&a.name.value).is_some_and(|e| e.disabled))
        .any(|app| {
            let flavors = env
                .flavors
                .iter()
                .filter_map(|f| model.flavors.get(&f.value))
                .map(|f| &f.secrets);
            let env_app = env.apps.get(&app.name.value).map(|e| &e.extras.secrets);
            let mut merged: Vec<&SecretUse> = Vec::new();
            for u in std::iter::once(&app.extras.secrets)
                .chain(flavors)
                .chain(env_app)
                .flatten()
            {
                merged.retain(|m| m.name.value != u.name.value);
                merged.push(u);
            }
            merged
                .iter()
                .any(|u| matches!(u.source, Some(SecretSource::Sops(_))))
        })
}

#[cfg(test)]
mod tests {
    use crate::compile::{Request, compile};
    use crate::world::DiskWorld;

    /// A project in a temp dir, compiled as `kiln check` does.
    fn compiled(kdl: &str) -> (tempfile::TempDir, crate::compile::Compiled) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kiln.kdl"), kdl).unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let c = compile(&DiskWorld, &root, &Request::default(), None);
        (dir, c)
    }

    const LAYERS: &str = r#"
project "p"
flavor "db" {
    secret "{{ app.name }}-db" external="vault" { key "url" remote="{{ env.name }}/db"; }
    secret "shared" sops="shared.sops.yaml"
}
env "a" { flavor "db"; }
env "b" {
    flavor "db"
    app "web" {
        secret "web-db" remove=#true
        secret "shared" remove=#true
    }
}
app "web" component="manifests" {
    secret "web-db" external="other" { key "password" remote="x"; }
}
"#;

    #[test]
    fn entries_merge_by_evaluated_name_and_remove_drops_them() {
        let (_dir, c) = compiled(LAYERS);
        let mut diags = crate::diag::Diagnostics::default();
        let sources = &c.sources;
        let resolve = |env: &str, diags: &mut crate::diag::Diagnostics| {
            crate::resolve::resolve_env(
                &c.model,
                env,
                None,
                &Default::default(),
                sources,
                &DiskWorld,
                diags,
            )
            .unwrap()
            .apps
            .remove(0)
        };
        let a = resolve("a", &mut diags);
        let names: Vec<&str> = a.secrets.iter().map(|s| s.name()).collect();
        assert_eq!(names, ["shared", "web-db"]);
        // The flavor's `{{ app.name }}-db` replaced the app's `web-db`.
        let web_db = &a.secrets[1];
        assert_eq!(web_db.provenance.len(), 2);
        match &web_db.secret.source {
            Some(crate::check::SecretSource::External(e)) => {
                assert_eq!(e.store.value, "vault");
                assert_eq!(e.keys[0].remote.value, "a/db");
            }
            other => panic!("{other:?}"),
        }
        // The env's block removes both.
        assert!(resolve("b", &mut diags).secrets.is_empty());
        assert!(!diags.has_errors(), "{:?}", diags.0);
        assert!(super::env_declares_sops(&c.model, &c.model.envs["a"]));
        assert!(!super::env_declares_sops(&c.model, &c.model.envs["b"]));
    }

    #[test]
    fn an_evaluated_name_is_typed_again() {
        let (_dir, c) = compiled(
            "project \"p\"\nenv \"e\"\napp \"web\" component=\"manifests\" {\n    secret \"{{ app.name }}_DB\" external=\"vault\" { key \"url\" remote=\"x\"; }\n}\n",
        );
        let d = c
            .diags
            .0
            .iter()
            .find(|d| d.code == crate::diag::codes::TYPE_MISMATCH.0)
            .expect("a type mismatch");
        assert!(d.message.contains("a secret's name"), "{}", d.message);
    }
}
