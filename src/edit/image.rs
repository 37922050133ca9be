//! `kiln set image APP=REF`: the edits that make an app run another image.
//!
//! Per env the app runs in, the image that applies is the last layer's
//! (app block, the env's flavors, the env's `app` block). Then:
//!
//! - an image written as a template (`ghcr.io/acme/web:{{ vars.tag }}`)
//!   gets the var it reads set in that env (`vars tag="1.9.0"`); the value
//!   is what the new reference has where the template puts the var, found
//!   by rendering the template with a marker for the var, so any template
//!   works whose other parts the reference matches. A reference of
//!   another shape is refused with a diagnostic;
//! - a literal image is replaced where it is written, or, with `--env`
//!   when the env does not set its own, added to the env's `app` block
//!   (the block added when there is none).
//!
//! Without `--env` only the envs whose image is the app block's change;
//! an env that sets its own (in its `app` block or a flavor) is left as
//! it is, with a note. The caller compiles the edited files and checks
//! with [`current_images`] that each env runs exactly the new reference.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use super::{TextEdit, add_child, add_property, children, node_shape, quote, value_range};
use crate::check::types::{self, Constraints, Type};
use crate::check::value::Value;
use crate::check::{App, Env, Model, ParamUse};
use crate::diag::{Diagnostic, Diagnostics, codes, suggest};
use crate::resolve::{EnvResolver, Options, strings};
use crate::span::{FileId, Sources, Span, Spanned};
use crate::syntax::quote::identifier;
use crate::world::World;

/// One `APP=REF` argument, spans in the command-line source.
#[derive(Clone, Debug)]
pub struct Request {
    pub app: Spanned<String>,
    pub reference: Spanned<String>,
}

/// What the edited project must give: `app` runs `reference` in `env`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    pub app: String,
    pub env: String,
    pub reference: String,
    /// The argument that asked for it.
    pub asked: Span,
    /// Where the image is written (for a template, the template).
    pub image: Span,
}

/// The edits of one `kiln set image` run, and what to check afterwards.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub edits: Vec<TextEdit>,
    pub expected: Vec<Expected>,
    /// Envs left as they are, and why.
    pub notes: Vec<String>,
}

/// A marker for a var while finding where a template puts it: letters and
/// digits only, so that it is a valid repository path and tag.
const MARKER: &str = "kilnsetimagemarker0";

/// Where an env's image of an app comes from.
#[derive(Clone, Copy)]
enum Layer<'m> {
    App,
    Flavor(&'m str),
    EnvApp,
}

/// The `image` that applies to `app` in `env`: the last layer's, unless a
/// later layer removes it.
fn effective<'m>(
    model: &'m Model,
    env: &'m Env,
    app: &'m App,
) -> Option<(Layer<'m>, &'m ParamUse)> {
    let mut layers: Vec<(Layer<'m>, &'m [ParamUse])> = vec![(Layer::App, &app.params)];
    for f in &env.flavors {
        if let Some(flavor) = model.flavors.get(&f.value) {
            layers.push((Layer::Flavor(&f.value), &flavor.params));
        }
    }
    if let Some(ea) = env.apps.get(&app.name.value) {
        layers.push((Layer::EnvApp, &ea.params));
    }
    let mut found = None;
    for (layer, uses) in layers {
        for u in uses.iter().filter(|u| u.name.value == "image") {
            if u.remove {
                found = None;
            } else if !u.args.is_empty() {
                found = Some((layer, u));
            }
        }
    }
    found
}

/// The context an env's strings are evaluated in, with `app`.
fn string_context(
    model: &Model,
    env: &Env,
    app: &App,
    sources: &Sources,
    world: &dyn World,
    options: &Options,
) -> Option<Json> {
    let preview = env.preview.is_some().then_some("example");
    let mut diags = Diagnostics::default();
    let resolver = EnvResolver::new(
        model,
        &env.name.value,
        preview,
        options,
        sources,
        world,
        &mut diags,
    )?;
    let mut ctx = resolver.head.base_context.clone();
    ctx["app"] = json!({"name": app.name.value, "component": app.component.value});
    Some(ctx)
}

/// The image each app runs in each env (preview templates as `kiln check`
/// renders them), by (env, app): what `set image` changes and verifies.
pub fn current_images(
    model: &Model,
    sources: &Sources,
    world: &dyn World,
    options: &Options,
) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for env in model.envs.values() {
        for app in model.apps.values().filter(|a| deployed(env, a)) {
            let Some((_, image)) = effective(model, env, app) else {
                continue;
            };
            let Some(Value::String(text)) = image.args.first().map(|a| &a.value) else {
                continue;
            };
            let Some(ctx) = string_context(model, env, app, sources, world, options) else {
                continue;
            };
            if let Ok(s) = strings::render(text, image.args[0].span, &ctx, sources) {
                out.insert((env.name.value.clone(), app.name.value.clone()), s);
            }
        }
    }
    out
}

fn deployed(env: &Env, app: &App) -> bool {
    app.in_env(&env.name.value) && !env.apps.get(&app.name.value).is_some_and(|e| e.disabled)
}

/// The vars a template reads, in the order it names them: `vars.NAME`,
/// `vars["NAME"]`, `vars['NAME']`.
fn vars_read(template: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = template;
    while let Some(at) = rest.find("vars") {
        let after = &rest[at + 4..];
        let before_ok = rest[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'));
        let name = if let Some(r) = after.strip_prefix('.') {
            Some(
                r.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect::<String>(),
            )
        } else if let Some(r) = after.strip_prefix('[') {
            let r = r.trim_start();
            let quote = r.chars().next().filter(|c| *c == '"' || *c == '\'');
            quote.and_then(|q| r[1..].split_once(q).map(|(n, _)| n.to_string()))
        } else {
            None
        };
        if let Some(name) = name.filter(|n| before_ok && !n.is_empty())
            && !out.contains(&name)
        {
            out.push(name);
        }
        rest = after;
    }
    out
}

/// How a template turns one var into an image: the text before and after
/// the var's value.
struct Shape {
    var: String,
    before: String,
    after: String,
}

impl Shape {
    /// The var's value that makes `reference`, if it has this shape.
    fn value_for(&self, reference: &str) -> Option<String> {
        let middle = reference
            .strip_prefix(&self.before)?
            .strip_suffix(&self.after)?;
        (!middle.is_empty()).then(|| middle.to_string())
    }
}

/// Each var the template reads, with the shape it gives the image, last
/// var first (a tag comes last in a reference).
fn shapes(template: &str, span: Span, ctx: &Json, sources: &Sources) -> Vec<Shape> {
    let mut out = Vec::new();
    for var in vars_read(template).into_iter().rev() {
        let mut marked = ctx.clone();
        if !marked["vars"].is_object() {
            marked["vars"] = json!({});
        }
        marked["vars"][&var] = Json::String(MARKER.to_string());
        let Ok(text) = strings::render(template, span, &marked, sources) else {
            continue;
        };
        let mut parts = text.split(MARKER);
        if let (Some(before), Some(after), None) = (parts.next(), parts.next(), parts.next()) {
            out.push(Shape {
                var,
                before: before.to_string(),
                after: after.to_string(),
            });
        }
    }
    out
}

/// Everything [`plan`] collects before it turns into text edits.
#[derive(Default)]
struct Pending {
    edits: Vec<TextEdit>,
    /// Per env: vars to set that it does not set yet, and who asked.
    new_vars: BTreeMap<String, BTreeMap<String, (String, Span)>>,
    /// Vars it sets whose value changes: (env, var) → (value, who asked).
    set_vars: BTreeMap<(String, String), (String, Span)>,
    /// Child lines to add to a node: (file, node start) → lines.
    children: BTreeMap<(FileId, usize), Vec<(usize, String)>>,
}

/// The edits that make each requested app run its new reference in `envs`
/// (every env that deploys it when empty), setting `var` when given (a
/// template may read several), or the diagnostics that say why not.
pub fn plan(
    model: &Model,
    sources: &Sources,
    world: &dyn World,
    options: &Options,
    requests: &[Request],
    envs: &[Spanned<String>],
    var: Option<&Spanned<String>>,
) -> Result<Plan, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let mut out = Plan::default();
    let mut pending = Pending::default();
    for env in envs {
        if !model.envs.contains_key(&env.value) {
            diags.push(
                Diagnostic::error(codes::UNKNOWN_ENV, format!("no env named `{}`", env.value))
                    .primary(env.span, "no such env")
                    .help(suggest(
                        &env.value,
                        model.envs.keys().map(String::as_str),
                        "the envs are",
                    )),
            );
        }
    }
    for (i, req) in requests.iter().enumerate() {
        if let Some(first) = requests[..i].iter().find(|r| r.app.value == req.app.value) {
            diags.push(
                Diagnostic::error(
                    codes::EDIT_ARGUMENT,
                    format!("app `{}` is named twice", req.app.value),
                )
                .primary(req.app.span, "named again here")
                .related(first.app.span, "first here")
                .help("give one reference per app"),
            );
            continue;
        }
        let Some(app) = model.apps.get(&req.app.value) else {
            diags.push(
                Diagnostic::error(
                    codes::EDIT_ARGUMENT,
                    format!("no app named `{}`", req.app.value),
                )
                .primary(req.app.span, "no such app")
                .help(suggest(
                    &req.app.value,
                    model.apps.keys().map(String::as_str),
                    "the apps are",
                )),
            );
            continue;
        };
        let component = model.components.get(&app.component.value);
        if component.is_some_and(|c| !c.params.contains_key("image")) {
            diags.push(
                Diagnostic::error(
                    codes::EDIT_NO_FIT,
                    format!(
                        "app `{}` has no `image`: its component `{}` takes none",
                        req.app.value, app.component.value
                    ),
                )
                .primary(req.app.span, "this app")
                .related(app.component.span, "its component")
                .help("set the image where the component takes it (a `helm-release`'s chart values: `value \"image.tag\" \"…\"`), or its version"),
            );
            continue;
        }
        if let Err(e) = types::check(
            Type::Image,
            &Value::String(req.reference.value.clone()),
            &Constraints::default(),
        ) {
            diags.push(
                Diagnostic::error(codes::TYPE_MISMATCH, e.message.clone())
                    .primary(req.reference.span, "not an image reference")
                    .maybe_help(e.help.clone()),
            );
            continue;
        }
        let targets: Vec<&Env> = if envs.is_empty() {
            model.envs.values().filter(|e| deployed(e, app)).collect()
        } else {
            let mut targets = Vec::new();
            for name in envs {
                let Some(env) = model.envs.get(&name.value) else {
                    continue;
                };
                if deployed(env, app) {
                    targets.push(env);
                } else {
                    diags.push(
                        Diagnostic::error(
                            codes::EDIT_ARGUMENT,
                            format!("app `{}` is not deployed to env `{}`", app.name.value, name.value),
                        )
                        .primary(name.span, "this env")
                        .related(app.name.span, "the app")
                        .help("its `envs`, or the env's `app` block with `disabled=#true`, keep it out"),
                    );
                }
            }
            targets
        };
        let inputs = Inputs {
            model,
            sources,
            world,
            options,
            named: !envs.is_empty(),
            var,
        };
        for env in targets {
            if let Err(d) = plan_env(&inputs, req, app, env, &mut pending, &mut out) {
                diags.push(d);
            }
        }
    }
    if !diags.is_empty() {
        // One problem found through several envs is reported once.
        let mut unique: Vec<Diagnostic> = Vec::new();
        for d in diags {
            if !unique.contains(&d) {
                unique.push(d);
            }
        }
        return Err(unique);
    }
    finish(model, sources, pending, &mut out);
    out.edits.sort_by_key(|e| (e.file, e.start, e.end));
    out.edits.dedup();
    Ok(out)
}

/// What planning each app in each env reads.
struct Inputs<'a> {
    model: &'a Model,
    sources: &'a Sources,
    world: &'a dyn World,
    options: &'a Options,
    /// The envs were named with `--env`.
    named: bool,
    /// `--app-var`: the var to set, when the template reads several.
    var: Option<&'a Spanned<String>>,
}

/// Plans one app in one env.
fn plan_env(
    inputs: &Inputs<'_>,
    req: &Request,
    app: &App,
    env: &Env,
    pending: &mut Pending,
    out: &mut Plan,
) -> Result<(), Diagnostic> {
    let Inputs {
        model,
        sources,
        world,
        options,
        named,
        var,
    } = *inputs;
    let (app_name, env_name) = (&app.name.value, &env.name.value);
    let Some((layer, image)) = effective(model, env, app) else {
        return Ok(());
    };
    if !named && !matches!(layer, Layer::App) {
        out.notes.push(match layer {
            Layer::Flavor(f) => format!(
                "env `{env_name}` takes the image of `{app_name}` from flavor `{f}`: left as it is (use `--env {env_name}`)"
            ),
            _ => format!(
                "env `{env_name}` sets its own image of `{app_name}`: left as it is (use `--env {env_name}`)"
            ),
        });
        return Ok(());
    }
    let arg = &image.args[0];
    let Value::String(written) = &arg.value else {
        return Ok(());
    };
    let reference = &req.reference.value;
    out.expected.push(Expected {
        app: app_name.clone(),
        env: env_name.clone(),
        reference: reference.clone(),
        asked: req.reference.span,
        image: arg.span,
    });
    let text = sources.get(arg.span.file).text.as_str();
    if strings::is_template(written) {
        let ctx = string_context(model, env, app, sources, world, options).unwrap_or(Json::Null);
        let current = strings::render(written, arg.span, &ctx, sources).ok();
        if current.as_deref() == Some(reference.as_str()) {
            return Ok(());
        }
        let mut shapes = shapes(written, arg.span, &ctx, sources);
        if let Some(var) = var {
            shapes.retain(|s| s.var == var.value);
            if shapes.is_empty() {
                return Err(Diagnostic::error(
                    codes::EDIT_NO_FIT,
                    format!(
                        "the image template of app `{app_name}` puts no `vars.{}` into the image",
                        var.value
                    ),
                )
                .primary(arg.span, "the image is written with this template")
                .related(var.span, "the var asked for")
                .help(match vars_read(written).as_slice() {
                    [] => "it reads no var: write the image without a template".to_string(),
                    read => format!(
                        "it reads {}; leave `--app-var` out to let kiln pick",
                        read.iter()
                            .map(|v| format!("`vars.{v}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }));
            }
        }
        let Some((shape, value)) = shapes
            .iter()
            .find_map(|s| s.value_for(reference).map(|v| (s, v)))
        else {
            let help = match shapes.first() {
                Some(s) => format!(
                    "the template gives `{}{{{{ vars.{} }}}}{}`: a reference of that shape sets `vars.{}`; or write the image without a template",
                    s.before, s.var, s.after, s.var
                ),
                None => "the template puts no var into the image as it is; write the image without a template".to_string(),
            };
            // `Ghcr.io/acme/web:1.9.0` for `ghcr.io/acme/web:{{ vars.tag }}`.
            let help = match lower_registry_host(reference)
                .filter(|l| shapes.iter().any(|s| s.value_for(l).is_some()))
            {
                Some(lower) => format!(
                    "registry host names are not case sensitive, and `{lower}` fits the template: set `{app_name}={lower}`"
                ),
                None => help,
            };
            return Err(Diagnostic::error(
                codes::EDIT_NO_FIT,
                format!("`{reference}` does not fit the image template of app `{app_name}`"),
            )
            .primary(arg.span, "the image is written with this template")
            .related(req.reference.span, "this reference")
            .help(help));
        };
        return set_var(env, &shape.var, value, req, pending);
    }
    if let Some(var) = var {
        return Err(Diagnostic::error(
            codes::EDIT_ARGUMENT,
            format!(
                "`--app-var {}` names a var, but the image of app `{app_name}` is written without a template",
                var.value
            ),
        )
        .primary(arg.span, "no template here")
        .related(var.span, "the var asked for")
        .help("leave `--app-var` out for a literal image"));
    }
    if written == reference {
        return Ok(());
    }
    match (layer, named) {
        (Layer::EnvApp, _) | (Layer::App, false) => {
            if let Some((start, end)) = value_range(text, arg.span) {
                pending.edits.push(TextEdit {
                    file: arg.span.file,
                    start,
                    end,
                    text: quote(reference),
                });
            }
        }
        _ => {
            let line = format!("image {}", quote(reference));
            match env.apps.get(app_name) {
                Some(block) => pending
                    .children
                    .entry((block.span.file, block.span.start as usize))
                    .or_default()
                    .push((0, line)),
                None => pending
                    .children
                    .entry((env.span.file, env.span.start as usize))
                    .or_default()
                    .extend([
                        (0, format!("app {} {{", quote(app_name))),
                        (1, line),
                        (0, "}".to_string()),
                    ]),
            }
        }
    }
    Ok(())
}

/// Records that `var` must be `value` in `env`; two arguments that need
/// different values are an error.
fn set_var(
    env: &Env,
    var: &str,
    value: String,
    req: &Request,
    pending: &mut Pending,
) -> Result<(), Diagnostic> {
    let env_name = env.name.value.clone();
    let slot = match env.vars.get(var) {
        Some(_) => pending.set_vars.get(&(env_name.clone(), var.to_string())),
        None => pending.new_vars.get(&env_name).and_then(|v| v.get(var)),
    };
    if let Some((other, asked)) = slot {
        if *other == value {
            return Ok(());
        }
        return Err(Diagnostic::error(
            codes::EDIT_CONFLICT,
            format!("`vars.{var}` of env `{env_name}` would be both `{other}` and `{value}`"),
        )
        .primary(req.reference.span, format!("needs `{value}`"))
        .related(*asked, format!("needs `{other}`"))
        .help("the images share the var: give them references with the same value for it, or bump them one at a time"));
    }
    let entry = (value, req.reference.span);
    match env.vars.get(var) {
        Some(_) => {
            pending.set_vars.insert((env_name, var.to_string()), entry);
        }
        None => {
            pending
                .new_vars
                .entry(env_name)
                .or_default()
                .insert(var.to_string(), entry);
        }
    }
    Ok(())
}

/// Turns the pending var settings and new children into text edits.
fn finish(model: &Model, sources: &Sources, pending: Pending, out: &mut Plan) {
    let Pending {
        mut edits,
        new_vars,
        set_vars,
        children: mut kids,
    } = pending;
    for ((env_name, var), (value, _)) in set_vars {
        let Some(written) = model.envs.get(&env_name).and_then(|e| e.vars.get(&var)) else {
            continue;
        };
        if written.value == Value::String(value.clone()) {
            continue;
        }
        let text = sources.get(written.span.file).text.as_str();
        if let Some((start, end)) = value_range(text, written.span) {
            edits.push(TextEdit {
                file: written.span.file,
                start,
                end,
                text: quote(&value),
            });
        }
    }
    for (env_name, vars) in new_vars {
        let Some(env) = model.envs.get(&env_name) else {
            continue;
        };
        let file = env.span.file;
        let text = sources.get(file).text.as_str();
        let props: Vec<String> = vars
            .iter()
            .map(|(k, (v, _))| format!("{}={}", identifier(k), quote(v)))
            .collect();
        let vars_node = node_shape(text, env.span.start as usize)
            .block
            .and_then(|b| children(text, b).into_iter().rfind(|(n, _)| n == "vars"));
        match vars_node {
            Some((_, start)) => edits.push(add_property(text, file, start, &props.join(" "))),
            None => kids
                .entry((file, env.span.start as usize))
                .or_default()
                .insert(0, (0, format!("vars {}", props.join(" ")))),
        }
    }
    for ((file, start), lines) in kids {
        let text = sources.get(file).text.as_str();
        edits.push(add_child(text, file, start, &lines));
    }
    out.edits = edits;
}

/// `reference` with its registry host (a first path component holding
/// `.` or `:`, or `localhost`) in lower case, when that changes it.
fn lower_registry_host(reference: &str) -> Option<String> {
    let (host, rest) = reference.split_once('/')?;
    let is_host = host.contains(['.', ':']) || host.eq_ignore_ascii_case("localhost");
    let lower = host.to_ascii_lowercase();
    (is_host && lower != host).then(|| format!("{lower}/{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_vars_a_template_reads() {
        assert_eq!(
            vars_read("{{ vars.registry }}/web:{{ vars['tag'] }}-{{ myvars.x }}{{vars.tag}}"),
            ["registry", "tag"]
        );
        assert!(vars_read("ghcr.io/acme/web:{{ git.short_sha }}").is_empty());
    }

    #[test]
    fn a_shape_gives_the_value_between_its_ends() {
        let s = Shape {
            var: "tag".into(),
            before: "ghcr.io/acme/web:v".into(),
            after: "-alpine".into(),
        };
        assert_eq!(
            s.value_for("ghcr.io/acme/web:v1.9.0-alpine").as_deref(),
            Some("1.9.0")
        );
        assert_eq!(s.value_for("ghcr.io/acme/web:1.9.0"), None);
        assert_eq!(s.value_for("ghcr.io/acme/web:v-alpine"), None);
    }
}
