//! Names that refer to other definitions (flavors, apps, envs, env app
//! blocks), checked once every file is decoded.

use kdl::KdlNode;

use super::model::*;
use super::*;
use crate::diag::{Diagnostic, codes, suggest};

impl Checker<'_> {
    /// Names that refer to other definitions: flavors, apps, envs; and the
    /// env app blocks, which need their app's component.
    pub(super) fn cross_references(&mut self) {
        let flavor_names: Vec<String> = self.model.flavors.keys().cloned().collect();
        let env_names: Vec<String> = self.model.envs.keys().cloned().collect();
        let app_names: Vec<String> = self.model.apps.keys().cloned().collect();
        // Flavors and envs a file that did not parse may define: see
        // [`Checker::unknown`].
        if !self.incomplete {
            for env in self.model.envs.values() {
                for f in &env.flavors {
                    if !self.model.flavors.contains_key(&f.value) {
                        self.diags.push(
                            Diagnostic::error(
                                codes::UNKNOWN_FLAVOR,
                                format!("unknown flavor `{}`", f.value),
                            )
                            .primary(f.span, "no flavor has this name")
                            .help(suggest(
                                &f.value,
                                flavor_names.iter().map(String::as_str),
                                "the flavors are",
                            )),
                        );
                    }
                }
            }
            for app in self.model.apps.values() {
                for e in app.envs.iter().flatten() {
                    if !self.model.envs.contains_key(&e.value) {
                        self.diags.push(
                            Diagnostic::error(
                                codes::UNKNOWN_ENV,
                                format!("unknown env `{}`", e.value),
                            )
                            .primary(e.span, "no env has this name")
                            .help(suggest(
                                &e.value,
                                env_names.iter().map(String::as_str),
                                "the envs are",
                            )),
                        );
                    }
                }
            }
        }
        for p in std::mem::take(&mut self.pending) {
            let Some(app) = self.model.apps.get(&p.name.value) else {
                self.unknown(
                    Diagnostic::error(
                        codes::UNKNOWN_APP,
                        format!("env `{}` overrides unknown app `{}`", p.env, p.name.value),
                    )
                    .primary(p.name.span, "no app has this name")
                    .help(suggest(
                        &p.name.value,
                        app_names.iter().map(String::as_str),
                        "the apps are",
                    )),
                );
                continue;
            };
            if !app.in_env(&p.env) {
                let mut d = Diagnostic::error(
                    codes::APP_NOT_IN_ENV,
                    format!("app `{}` is not deployed to env `{}`", p.name.value, p.env),
                )
                .primary(p.name.span, "this override would never apply");
                if let Some(envs) = &app.envs {
                    let span = envs.first().map(|e| e.span).unwrap_or(app.name.span);
                    d = d.related(span, "the app's `envs` leaves this env out");
                }
                self.diags.push(d.help(format!(
                    "add `{}` to the app's `envs`, or remove this block",
                    p.env
                )));
                continue;
            }
            let schema = self
                .model
                .components
                .get(&app.component.value)
                .filter(|c| !c.is_abstract)
                .map(|c| c.params.clone());
            let owner = format!("app `{}` of env `{}`", p.name.value, p.env);
            let nodes: Vec<&KdlNode> = p.nodes.iter().collect();
            let (params, extras) = self.param_block(p.file, &nodes, schema.as_deref(), &owner);
            if let Some(env) = self.model.envs.get_mut(&p.env) {
                env.apps.insert(
                    p.name.value.clone(),
                    EnvApp {
                        name: p.name,
                        disabled: p.disabled,
                        params,
                        extras,
                        span: p.span,
                    },
                );
            }
        }
        self.dependency_names();
    }
}
