//! `kiln explain ENV APP [PARAM]`: resolved values and their provenance.

use clap::Args;

use super::{Context, ResolveFlags, explain_param};
use crate::diag::{Diagnostic, codes, suggest};
use crate::resolve::{self, Options};
use crate::span::Sources;
use crate::world::DiskWorld;

/// `kiln explain` flags.
#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The env
    env: String,
    /// The app
    app: String,
    /// One parameter, with its doc
    param: Option<String>,
    #[command(flatten)]
    flags: ResolveFlags,
}

/// Prints each resolved parameter with the file:line of every layer.
pub fn run(ctx: &Context, args: ExplainArgs) -> i32 {
    // The arguments in the command line's source, for diagnostics that
    // point at them; the `--set`/`--var` flags follow them there.
    let mut line = ctx.command_line();
    let env_at = line.push(None, &args.env);
    let app_at = line.push(None, &args.app);
    let param_at = args.param.as_ref().map(|p| line.push(None, p));
    let (mut compiled, spans) = match ctx.compile_with(
        line,
        crate::compile::Selection::Named(Vec::new()),
        &args.flags,
        Vec::new(),
    ) {
        Ok(c) => c,
        Err((d, s)) => {
            ctx.emit(&d, &s, None);
            return super::EXIT_ERRORS;
        }
    };
    if compiled.diags.has_errors() {
        ctx.emit(&compiled.diags.0, &compiled.sources, None);
        return super::EXIT_ERRORS;
    }
    // The env rendered, for the dependencies its CRDs imply.
    let order_asked = args
        .param
        .as_deref()
        .is_none_or(|p| ORDER_NODES.contains(&p));
    let preview = compiled
        .model
        .envs
        .get(&args.env)
        .and_then(|e| e.preview.as_ref())
        .map(|_| "example");
    let rendered = order_asked
        .then(|| crate::compile::render_one(&mut compiled, &DiskWorld, &args.env, preview).0)
        .flatten();
    let model = &compiled.model;
    let sources = &compiled.sources;
    let fail = |d: Diagnostic| {
        ctx.emit(&[d], sources, None);
        super::EXIT_ERRORS
    };
    let env = model.envs.get(&args.env);
    let app = model.apps.get(&args.app);
    let mut unknown = Vec::new();
    if env.is_none() {
        unknown.push(
            Diagnostic::error(codes::UNKNOWN_ENV, format!("no env named `{}`", args.env))
                .primary(spans.of(env_at), "no such env")
                .help(suggest(
                    &args.env,
                    model.envs.keys().map(String::as_str),
                    "the envs are",
                )),
        );
    }
    if app.is_none() {
        unknown.push(
            Diagnostic::error(codes::UNKNOWN_APP, format!("no app named `{}`", args.app))
                .primary(spans.of(app_at), "no such app")
                .help(suggest(
                    &args.app,
                    model.apps.keys().map(String::as_str),
                    "the apps are",
                )),
        );
    }
    if env.is_some() && app.is_none() {
        // The env's `--set`/`--var` errors are independent of the app asked
        // for: said with it, in the same command line.
        let mut diags = crate::diag::Diagnostics::default();
        let opts = &compiled.options;
        resolve::resolve_env(
            model, &args.env, preview, opts, sources, &DiskWorld, &mut diags,
        );
        unknown.extend(diags.0.into_iter().filter(Diagnostic::is_error));
    }
    let (Some(env), Some(app)) = (env, app) else {
        ctx.emit(&unknown, sources, None);
        return super::EXIT_ERRORS;
    };
    if !app.in_env(&args.env) {
        return fail(
            Diagnostic::error(
                codes::APP_NOT_IN_ENV,
                format!("app `{}` is not deployed to env `{}`", args.app, args.env),
            )
            .primary(app.name.span, "its `envs` leaves the env out")
            .related(spans.of(env_at), "the env asked for"),
        );
    }
    let mut diags = crate::diag::Diagnostics::default();
    let opts: &Options = &compiled.options;
    let renv = resolve::resolve_env(
        model, &args.env, preview, opts, sources, &DiskWorld, &mut diags,
    );
    // The env's errors (a `--set` of a parameter the app lacks, say) are
    // said whatever the app asked about.
    let Some(renv) = renv.filter(|_| !diags.has_errors()) else {
        ctx.emit(&diags.0, sources, None);
        return super::EXIT_ERRORS;
    };
    let Some(r) = renv.apps.iter().find(|a| a.app == args.app) else {
        println!("app `{}` is disabled in env `{}`", args.app, args.env);
        return 0;
    };
    let component = &model.components[&r.component];
    // A mistyped PARAM is an error before anything is printed.
    if let (Some(p), Some(at)) = (&args.param, param_at)
        && !component.params.contains_key(p)
        && !LANGUAGE_PARAMS.contains(&p.as_str())
    {
        let names = component
            .params
            .keys()
            .map(String::as_str)
            .chain(LANGUAGE_PARAMS);
        return fail(
            Diagnostic::error(
                codes::UNKNOWN_PARAM,
                format!("component `{}` has no parameter `{p}`", r.component),
            )
            .primary(spans.of(at), "no such parameter")
            .help(suggest(p, names, "the parameters are")),
        );
    }
    println!(
        "app {} in env {} (component {}, namespace {})",
        r.app, args.env, r.component, r.namespace
    );
    // The language-level `namespace` first: it decides where everything goes.
    if args.param.as_deref().is_none_or(|p| p == "namespace") {
        match &r.own_namespace {
            Some(ns) => {
                println!();
                println!(
                    "namespace = {}",
                    serde_json::Value::String(ns.value.clone())
                );
                print_provenance(sources, &ns.provenance, "  ");
            }
            None if args.param.is_some() => {
                println!();
                println!(
                    "namespace = {}",
                    serde_json::Value::String(r.namespace.clone())
                );
                println!("  from: env `{}`", args.env);
            }
            None => {}
        }
        if args.param.is_some() {
            return 0;
        }
    }
    // The language-level `secret`s: where each Secret comes from.
    if args.param.as_deref().is_none_or(|p| p == "secret") {
        for s in &r.secrets {
            println!();
            println!("secret {} = {}", s.name(), describe_secret(s));
            print_provenance(sources, &s.provenance, "  ");
        }
        if args.param.is_some() {
            if r.secrets.is_empty() {
                println!("app `{}` declares no secret in env `{}`", r.app, args.env);
            }
            return 0;
        }
    }
    if order_asked {
        let app_out = rendered.as_ref().and_then(|e| e.apps.get(&args.app));
        print_order(model, sources, env, app, app_out, args.param.as_deref());
        if args.param.is_some() {
            return 0;
        }
    }
    let names: Vec<&String> = match &args.param {
        Some(p) => vec![p],
        None => component.params.keys().collect(),
    };
    for name in names {
        if let Some(doc) = &component.params[name].document {
            // A document is shown once, value by value, under its name.
            let shown = doc.name == *name || args.param.is_some();
            if let Some(d) = r.documents.get(&doc.name).filter(|_| shown) {
                print_document(&doc.name, d, sources, args.param.is_some());
            }
            continue;
        }
        let ps = &component.params[name];
        let set = r.params.get(name);
        let lines = explain_param::value_lines(ps, set);
        if set.is_none() && args.param.is_none() && lines.is_empty() {
            continue;
        }
        println!();
        match lines.as_slice() {
            [] if set.is_some() => println!("{name}: not set (removed)"),
            [] => println!("{name}: not set"),
            _ => lines.iter().for_each(|l| println!("{l}")),
        }
        if args.param.is_some()
            && let Some(doc) = &ps.doc
        {
            println!("  doc: {doc}");
            println!("  usage: {}", ps.usage());
        }
        match set {
            None if lines.is_empty() => {}
            None => println!("  from: component `{}` default", r.component),
            Some(rp) => {
                let written = explain_param::written(model, env, app, rp);
                for line in explain_param::provenance_lines(ps, rp, &written, sources) {
                    println!("  {line}");
                }
            }
        }
    }
    if args.param.is_none() {
        super::lint::explain(ctx, &args.flags, &args.env, preview.is_some(), &args.app);
    }
    0
}

/// Where a secret comes from, in words (no value: there is none here).
fn describe_secret(s: &resolve::secrets::ResolvedSecret) -> String {
    use crate::check::SecretSource;
    match &s.secret.source {
        Some(SecretSource::External(e)) => {
            let keys: Vec<&str> = e.keys.iter().map(|k| k.name.value.as_str()).collect();
            format!(
                "ExternalSecret from {} `{}`, keys {}",
                if e.cluster_store {
                    "ClusterSecretStore"
                } else {
                    "SecretStore"
                },
                e.store.value,
                keys.join(", ")
            )
        }
        Some(SecretSource::Sops(f)) => format!("SOPS-encrypted Secret `{}`", f.value),
        Some(SecretSource::Sealed(f)) => format!("SealedSecret `{}`", f.value),
        None => "removed".to_string(),
    }
}

/// The language-level nodes of ordering, which `explain` takes as PARAM.
const ORDER_NODES: [&str; 2] = ["depends-on", "flux"];

/// Every language-level node `explain` takes as PARAM, beside the
/// component's parameters.
const LANGUAGE_PARAMS: [&str; 4] = ["namespace", "secret", "depends-on", "flux"];

/// How Flux applies the app: what it depends on, declared or implied (from
/// the rendered env, `app_out`, when it renders), and the settings of its
/// own Kustomization, each with the layers that set it; `only` one of the
/// two.
fn print_order(
    model: &crate::check::Model,
    sources: &Sources,
    env: &crate::check::Env,
    app: &crate::check::App,
    app_out: Option<&crate::output::AppOutput>,
    only: Option<&str>,
) {
    use crate::resolve::ordering::{app_flux, declared};
    if only.is_none_or(|p| p == "depends-on") {
        let names: Vec<String> = match app_out {
            Some(o) => o.depends_on.iter().map(|d| d.app.clone()).collect(),
            None => declared(app, env).into_iter().map(|d| d.app).collect(),
        };
        // As the user writes it: `depends-on "a" "b"`.
        if !names.is_empty() {
            let quoted: Vec<String> = names
                .iter()
                .map(|n| crate::check::value::Value::from(n.as_str()).to_string())
                .collect();
            println!();
            println!("depends-on {}", quoted.join(" "));
        } else if only.is_some() {
            println!();
            println!("depends-on: not set");
        }
        for d in declared(app, env) {
            println!(
                "  {}: declared by {} at {}: {}",
                d.app,
                d.layer,
                location(sources, d.span),
                sources.slice(d.span).trim()
            );
        }
        let block = env.apps.get(&app.name.value).map(|e| &e.extras.depends_on);
        for d in block.into_iter().flatten().filter(|d| d.remove) {
            println!(
                "  {}: removed by env override at {}",
                d.app.value,
                location(sources, d.app.span)
            );
        }
        for d in app_out.iter().flat_map(|o| &o.depends_on) {
            for i in &d.implied {
                println!(
                    "  {}: implied: renders `{}` (`{}`) at {}, whose CRD `{}` app `{}` renders",
                    d.app,
                    i.kind,
                    i.group,
                    location(sources, i.span),
                    i.crd,
                    d.app
                );
            }
        }
        if app_out.is_none() {
            println!(
                "  (dependencies that CRDs imply are unknown: the env does not render; `kiln check` says why)"
            );
        }
    }
    if only.is_none_or(|p| p == "flux") {
        let flux = app_flux(model, env, app);
        if flux.provenance.is_empty() && only.is_none() {
            return;
        }
        use crate::check::value::Value;
        let s = &flux.settings;
        let duration = |secs: u64| Value::from(crate::check::types::format_duration(secs.into()));
        // As the user writes it: `flux interval="5m" wait=#false`.
        let mut line = String::from("flux");
        for (name, value) in [
            ("interval", s.interval.map(duration)),
            ("retry-interval", s.retry_interval.map(duration)),
            ("timeout", s.timeout.map(duration)),
            ("wait", s.wait.map(Value::Bool)),
            ("prune", s.prune.map(Value::Bool)),
        ] {
            if let Some(v) = value {
                line.push_str(&format!(" {name}={v}"));
            }
        }
        println!();
        println!("{}", if s.is_empty() { "flux: not set" } else { &line });
        println!(
            "  (its Flux Kustomization with `kiln bootstrap --per-app`; unset: interval 10m, prune, wait)"
        );
        for name in crate::check::ordering::FLUX_PROPS {
            let layers: Vec<&(&str, crate::resolve::Layer, crate::span::Span)> =
                flux.provenance.iter().filter(|p| p.0 == name).collect();
            for (i, (_, layer, span)) in layers.iter().enumerate() {
                let verb = if i + 1 == layers.len() {
                    "set by"
                } else {
                    "overridden, was"
                };
                println!(
                    "  {name}: {verb} {layer} at {}: {}",
                    location(sources, *span),
                    sources.slice(*span).trim()
                );
            }
        }
    }
}

/// Every layer that set a value, lowest first, with its file:line:
/// "set by … at FILE:LINE:COL: TEXT", the layers it overrode first.
fn print_provenance(
    sources: &Sources,
    provenance: &[(resolve::Layer, crate::span::Span)],
    indent: &str,
) {
    for (i, (layer, span)) in provenance.iter().enumerate() {
        let verb = if i + 1 == provenance.len() {
            "set by"
        } else {
            "overridden, was"
        };
        println!(
            "{indent}{verb} {layer} at {}: {}",
            location(sources, *span),
            sources.slice(*span).trim()
        );
    }
}

/// A document: each value path with every layer that set it.
fn print_document(
    name: &str,
    d: &resolve::document::ResolvedDocument,
    sources: &Sources,
    always: bool,
) {
    if d.paths.is_empty() && !always {
        return;
    }
    println!();
    println!(
        "{name}: {} value{} set",
        d.paths.len(),
        if d.paths.len() == 1 { "" } else { "s" }
    );
    for p in &d.paths {
        println!(
            "  {} = {}",
            p.path,
            serde_json::to_string(&p.value).unwrap_or_default()
        );
        print_provenance(sources, &p.setters, "    ");
    }
}

/// `file:line:col` of a span.
pub(super) fn location(sources: &Sources, span: crate::span::Span) -> String {
    let f = sources.get(span.file);
    let (line, col) = f.line_col(span.start as usize);
    format!("{}:{line}:{col}", f.name)
}
