//! The language-level nodes of one app in one env, layers merged (they
//! are decoded in `check::extras`). The app block is the lower layer, the
//! env's `app` block the higher; flavors and `--set` hold none.

use serde_json::Value as Json;

use super::{Layer, strings};
use crate::check::{App, EnvApp, NamespaceUse};
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::span::{Sources, Span};

/// An app's own `namespace`, evaluated, with every layer that set it.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedNamespace {
    pub value: String,
    /// Every layer that set or overrode it, lowest first (for `kiln explain`).
    pub provenance: Vec<(Layer, Span)>,
}

/// The app's `namespace` in this env: the env's `app` block's over the
/// app's, its templates evaluated with the app's context (`app.name`,
/// `env`, `vars`, …). `None` when neither sets one, or when it fails
/// (reported in `diags`).
pub(super) fn namespace(
    app: &App,
    env_app: Option<&EnvApp>,
    app_json: &Json,
    base: &Json,
    base_value: &minijinja::Value,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Option<ResolvedNamespace> {
    let layers: Vec<(Layer, &NamespaceUse)> = [
        (Layer::App, app.extras.namespace.as_ref()),
        (
            Layer::EnvApp,
            env_app.and_then(|e| e.extras.namespace.as_ref()),
        ),
    ]
    .into_iter()
    .filter_map(|(layer, n)| n.map(|n| (layer, n)))
    .collect();
    let (_, top) = layers.last()?;
    let provenance = layers.iter().map(|(l, n)| (l.clone(), n.span)).collect();
    let value = if strings::is_template(&top.value.value) {
        let mut ctx = base.clone();
        ctx["app"] = app_json.clone();
        let prepared = strings::layered([
            minijinja::Value::from_pairs([("app", strings::prepare(app_json))]),
            base_value.clone(),
        ]);
        match strings::render_prepared(&top.value.value, top.value.span, &ctx, &prepared, sources) {
            Ok(s) => s,
            Err(d) => {
                diags.push(d);
                return None;
            }
        }
    } else {
        top.value.value.clone()
    };
    if !crate::check::types::is_dns_label(&value, 63) {
        diags.push(
            Diagnostic::error(
                codes::TYPE_MISMATCH,
                format!("namespace `{value}` is not a DNS label"),
            )
            .primary(top.value.span, "this namespace")
            .related(app.name.span, format!("app `{}`", app.name.value))
            .help("a namespace is lower-case letters, digits and `-`, at most 63 characters; the `dns_label` filter makes one"),
        );
        return None;
    }
    Some(ResolvedNamespace { value, provenance })
}
