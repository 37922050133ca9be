//! Resolution: for each (env, app) pair, merge the five layers, evaluate
//! templates in strings, type the results, and build the template context.

mod choices;
pub mod document;
pub mod document_files;
pub mod extras;
pub mod ordering;
pub mod secrets;
mod set;
pub mod strings;
mod substitute;
mod value_check;
pub mod yaml_tree;

use std::collections::HashMap;
use std::path::PathBuf;

use crate::IndexMap;
use serde_json::{Map, Value as Json, json};

use crate::check::schema::{ParamSchema, ValueSchema};
use crate::check::types::{self, Constraints, Type};
use crate::check::value::Value;
use crate::check::{App, Env, Extras, Model, ParamUse, entry_key};
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::span::{Sources, Span, Spanned};
use crate::world::World;

/// Where a resolved value came from, lowest first.
#[derive(Clone, Debug, PartialEq)]
pub enum Layer {
    Default,
    Env,
    App,
    Flavor(String),
    EnvApp,
    CommandLine,
}

impl std::fmt::Display for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Layer::Default => f.write_str("component default"),
            Layer::Env => f.write_str("env"),
            Layer::App => f.write_str("app"),
            Layer::Flavor(n) => write!(f, "flavor `{n}`"),
            Layer::EnvApp => f.write_str("env override"),
            Layer::CommandLine => f.write_str("--set"),
        }
    }
}

/// The project's git checkout, as templates see it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GitInfo {
    pub sha: Option<String>,
    pub branch: Option<String>,
    pub tag: Option<String>,
}

/// `--set APP.PARAM[.PROP]=VALUE`, with the span of its text in the
/// command-line source.
#[derive(Clone, Debug)]
pub struct SetFlag {
    pub app: String,
    pub path: Vec<String>,
    pub value: String,
    pub span: Span,
    pub value_span: Span,
}

/// What the command line adds to resolution.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub vars: Vec<(String, String)>,
    pub sets: Vec<SetFlag>,
    pub git: GitInfo,
}

/// One parameter after merging.
#[derive(Clone, Debug)]
pub struct ResolvedParam {
    /// The merged use (single-valued) or entries (repeated), templates
    /// evaluated.
    pub uses: Vec<ParamUse>,
    /// Every layer that set or overrode it, lowest first.
    pub provenance: Vec<(Layer, Span)>,
}

/// One app in one env, resolved.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// The env's name, or the preview's.
    pub env: String,
    /// The env definition it comes from (the template, for a preview).
    pub env_def: String,
    pub app: String,
    pub component: String,
    /// Where the app's namespaced objects go: its own `namespace`, else
    /// the env's.
    pub namespace: String,
    /// The app's own `namespace`, when it sets one, with its provenance.
    pub own_namespace: Option<extras::ResolvedNamespace>,
    /// Every parameter the layers set, by name, in schema order.
    pub params: IndexMap<String, ResolvedParam>,
    /// The template context of LANGUAGE.md plus `params`.
    pub context: Json,
    /// `context` as minijinja values, for component templates; the env's
    /// share converted once per env.
    pub template_context: minijinja::Value,
    /// The language-level nodes of the app and its env override, lowest
    /// layer first (`manifest`s and `patch`es of both apply).
    pub extras: Vec<Extras>,
    /// The app's `secret`s, layers merged, sorted by name.
    pub secrets: Vec<secrets::ResolvedSecret>,
    /// Documents (`param … type="document"`) merged, with the provenance
    /// of every value, by name.
    pub documents: IndexMap<String, document::ResolvedDocument>,
    /// The app's definition span, for labels.
    pub app_span: Span,
}

/// One env, resolved: its apps in name order.
#[derive(Clone, Debug)]
pub struct ResolvedEnv {
    /// The env's name, or the preview's.
    pub name: String,
    /// The env definition it comes from (the template, for a preview).
    pub env_def: String,
    pub namespace: String,
    pub apps: Vec<Resolved>,
    /// The context strings of this env are evaluated in (no `app`).
    pub base_context: Json,
}

/// Resolves every app of `env_name` (which must exist in the model).
///
/// `preview` is the preview name when rendering a preview env.
pub fn resolve_env(
    model: &Model,
    env_name: &str,
    preview: Option<&str>,
    opts: &Options,
    sources: &Sources,
    world: &dyn World,
    diags: &mut Diagnostics,
) -> Option<ResolvedEnv> {
    let resolver = EnvResolver::new(model, env_name, preview, opts, sources, world, diags)?;
    let mut renv = resolver.head.clone();
    renv.apps = resolver
        .apps()
        .filter_map(|app| resolver.resolve(app, diags))
        .collect();
    Some(renv)
}

/// Resolves the apps of one env one at a time, so that a render holds one
/// app's values at a time rather than the env's. Shared between threads.
pub struct EnvResolver<'a> {
    model: &'a Model,
    env: &'a Env,
    opts: &'a Options,
    sources: &'a Sources,
    world: &'a dyn World,
    /// The env's name, namespace and context, with no apps.
    pub head: ResolvedEnv,
    /// `head.base_context`, converted for templates once rather than once
    /// per app.
    base_value: minijinja::Value,
}

impl<'a> EnvResolver<'a> {
    /// Evaluates what the env's apps share: its vars and namespace. `None`
    /// (with diagnostics) when they do not evaluate.
    pub fn new(
        model: &'a Model,
        env_name: &str,
        preview: Option<&str>,
        opts: &'a Options,
        sources: &'a Sources,
        world: &'a dyn World,
        diags: &mut Diagnostics,
    ) -> Option<Self> {
        let env = model.envs.get(env_name)?;
        for s in &opts.sets {
            if !model.apps.contains_key(&s.app) {
                diags.push(
                    Diagnostic::error(
                        codes::BAD_SET,
                        format!("`--set` names app `{}`, which does not exist", s.app),
                    )
                    .primary(s.span, "no such app")
                    .help(crate::diag::suggest(
                        &s.app,
                        model.apps.keys().map(String::as_str),
                        "the apps are",
                    )),
                );
            }
        }
        let display_name = preview.unwrap_or(env_name);
        let mut base = json!({
            "env": {"name": display_name},
            "project": {"name": model.project.name.value},
            "git": git_json(&opts.git),
        });
        if let Some(p) = preview {
            base["preview"] = json!({"name": p});
        }
        // vars may use templates, but not other vars.
        let mut vars = Map::new();
        for (k, v) in &env.vars {
            let value = match &v.value {
                Value::String(s) => match strings::render(s, v.span, &base, sources) {
                    Ok(s) => Json::String(s),
                    Err(d) => {
                        diags.push(d);
                        continue;
                    }
                },
                other => other.to_json(),
            };
            vars.insert(k.clone(), value);
        }
        for (k, v) in &opts.vars {
            vars.insert(k.clone(), Json::String(v.clone()));
        }
        base["vars"] = Json::Object(vars);
        let namespace_template = env.namespace_template();
        let namespace = match env.namespace.as_ref() {
            Some(ns) => match strings::render(&namespace_template, ns.span, &base, sources) {
                Ok(s) => {
                    if !types::is_dns_label(&s, 63) {
                        diags.push(
                            Diagnostic::error(codes::TYPE_MISMATCH, format!("namespace `{s}` is not a DNS label"))
                                .primary(ns.span, "this namespace")
                                .help("a namespace is lower-case letters, digits and `-`, at most 63 characters; the `dns_label` filter makes one"),
                        );
                    }
                    s
                }
                Err(d) => {
                    diags.push(d);
                    return None;
                }
            },
            None => display_name.to_string(),
        };
        base["env"]["namespace"] = Json::String(namespace.clone());
        let base_value = strings::prepare(&base);
        Some(EnvResolver {
            base_value,
            model,
            env,
            opts,
            sources,
            world,
            head: ResolvedEnv {
                name: display_name.to_string(),
                env_def: env_name.to_string(),
                namespace,
                apps: Vec::new(),
                base_context: base,
            },
        })
    }

    /// The env's apps, in name order: those deployed to it and not disabled.
    pub fn apps(&self) -> impl Iterator<Item = &'a App> + use<'a, '_> {
        let env = self.env;
        self.model.apps.values().filter(move |app| {
            app.in_env(&env.name.value)
                && !env.apps.get(&app.name.value).is_some_and(|e| e.disabled)
        })
    }

    /// One app's parameters, layers merged and templates evaluated.
    pub fn resolve(&self, app: &App, diags: &mut Diagnostics) -> Option<Resolved> {
        resolve_app(
            self.model,
            self.env,
            app,
            &self.head.base_context,
            &self.base_value,
            self.opts,
            self.sources,
            self.world,
            diags,
        )
    }
}

fn git_json(git: &GitInfo) -> Json {
    let short = git
        .sha
        .as_ref()
        .map(|s| s.chars().take(7).collect::<String>());
    json!({"sha": git.sha, "short_sha": short, "branch": git.branch, "tag": git.tag})
}

#[allow(clippy::too_many_arguments)]
fn resolve_app(
    model: &Model,
    env: &Env,
    app: &App,
    base: &Json,
    base_value: &minijinja::Value,
    opts: &Options,
    sources: &Sources,
    world: &dyn World,
    diags: &mut Diagnostics,
) -> Option<Resolved> {
    let component = model.components.get(&app.component.value)?;
    let schema: &IndexMap<String, ParamSchema> = &component.params;
    let env_app = env.apps.get(&app.name.value);
    let sets = set::set_layer(app, schema, &opts.sets, diags);
    // Each layer's uses, borrowed, grouped by parameter name in layer order.
    let mut layers: Vec<(Layer, &[ParamUse])> = vec![(Layer::App, &app.params)];
    for f in &env.flavors {
        if let Some(flavor) = model.flavors.get(&f.value) {
            layers.push((Layer::Flavor(f.value.clone()), &flavor.params));
        }
    }
    if let Some(ea) = env_app {
        layers.push((Layer::EnvApp, &ea.params));
    }
    if !sets.is_empty() {
        layers.push((Layer::CommandLine, &sets));
    }
    let mut by_name: HashMap<&str, Vec<(usize, &ParamUse)>> = HashMap::new();
    for (i, (_, uses)) in layers.iter().enumerate() {
        for u in uses.iter() {
            // A flavor's parameters the component lacks do not apply.
            if schema.contains_key(&u.name.value) {
                by_name
                    .entry(u.name.value.as_str())
                    .or_default()
                    .push((i, u));
            }
        }
    }
    let mut params: IndexMap<String, ResolvedParam> = IndexMap::default();
    for (name, ps) in schema {
        let Some(uses) = by_name.get(name.as_str()) else {
            continue;
        };
        let mut rp = ResolvedParam {
            uses: Vec::new(),
            provenance: Vec::new(),
        };
        for group in uses.chunk_by(|a, b| a.0 == b.0) {
            let layer = &layers[group[0].0].0;
            let mine: Vec<&ParamUse> = group.iter().map(|(_, u)| *u).collect();
            for u in &mine {
                rp.provenance.push((layer.clone(), u.span));
            }
            merge(ps, &mut rp.uses, &mine);
        }
        params.insert(name.clone(), rp);
    }
    let mut ctx = base.clone();
    let mut app_json = json!({"name": app.name.value, "component": app.component.value});
    // Evaluate templates, then check types and requirements.
    let before = diags.error_count();
    let own_namespace =
        extras::namespace(app, env_app, &app_json, base, base_value, sources, diags);
    let namespace = match &own_namespace {
        Some(n) => n.value.clone(),
        None => base["env"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    };
    app_json["namespace"] = Json::String(namespace.clone());
    app_json["depends_on"] = ordering::context(model, env, app, base, base_value, sources);
    let app_value = strings::prepare(&app_json);
    ctx["app"] = app_json;
    let prepared = strings::layered([
        minijinja::Value::from_pairs([("app", app_value.clone())]),
        base_value.clone(),
    ]);
    for rp in params.values_mut() {
        for u in &mut rp.uses {
            evaluate(u, &ctx, &prepared, sources, diags);
        }
    }
    let secrets = secrets::secrets(model, env, app, env_app, &ctx, &prepared, sources, diags);
    for (name, ps) in schema {
        match params.get(name) {
            Some(rp) => {
                for u in &rp.uses {
                    check_use(ps, u, diags);
                }
            }
            None if ps.required => {
                diags.push(
                    Diagnostic::error(
                        codes::MISSING_REQUIRED,
                        format!("app `{}` has no `{name}`", app.name.value),
                    )
                    .primary(
                        app.name.span,
                        format!(
                            "`{name}` is required by component `{}`",
                            component.name.value
                        ),
                    )
                    .help(format!(
                        "add `{}` to the app, or to every env's override of it",
                        ps.usage()
                    )),
                );
            }
            None => {}
        }
    }
    if diags.error_count() > before {
        return None;
    }
    let order: Vec<Layer> = std::iter::once(Layer::Default)
        .chain(layers.iter().map(|(l, _)| l.clone()))
        .collect();
    let inputs = document::Inputs {
        schema,
        params: &params,
        order: &order,
        ctx: &ctx,
        prepared: &prepared,
        model,
        sources,
    };
    let documents = document::resolve_all(&inputs, diags);
    if diags.error_count() > before {
        return None;
    }
    let mut params_json = Map::new();
    for (name, ps) in schema {
        if ps.document.is_some() {
            // The document under its name; its entry parameter is in it.
            if let Some(d) = documents.get(name) {
                params_json.insert(name.replace('-', "_"), d.value.clone());
            }
            continue;
        }
        let uses = params.get(name).map(|p| p.uses.as_slice()).unwrap_or(&[]);
        let value = param_json(ps, uses, sources, world, &model.root, diags);
        params_json.insert(name.replace('-', "_"), value);
    }
    let labels = json!({
        "app.kubernetes.io/name": app.name.value,
        "app.kubernetes.io/instance": ctx["env"]["name"],
        "app.kubernetes.io/part-of": model.project.name.value,
        "app.kubernetes.io/managed-by": "kiln",
    });
    let selector = json!({
        "app.kubernetes.io/name": app.name.value,
        "app.kubernetes.io/instance": ctx["env"]["name"],
    });
    // The same context twice: as JSON (without the top-level copies of
    // the parameters), and as minijinja values for templates, which take a
    // name from the app's own entries, then the env's (converted once per
    // env), then the parameters.
    let mut own: Vec<(&str, minijinja::Value)> = vec![
        ("app", app_value),
        ("labels", strings::prepare(&labels)),
        ("selector_labels", strings::prepare(&selector)),
    ];
    ctx["labels"] = labels;
    ctx["selector_labels"] = selector;
    if ctx.get("preview").is_none() {
        ctx["preview"] = Json::Null;
        own.push(("preview", minijinja::Value::from(())));
    }
    let params_value = minijinja::Value::from(minijinja::value::Serde(&params_json));
    own.push(("params", params_value.clone()));
    let template_context = strings::layered([
        minijinja::Value::from_pairs(own),
        base_value.clone(),
        params_value,
    ]);
    ctx["params"] = Json::Object(params_json);
    let mut extras = vec![app.extras.clone()];
    if let Some(ea) = env_app {
        extras.push(ea.extras.clone());
    }
    Some(Resolved {
        env: ctx["env"]["name"].as_str().unwrap_or_default().to_string(),
        env_def: env.name.value.clone(),
        app: app.name.value.clone(),
        component: app.component.value.clone(),
        namespace,
        own_namespace,
        params,
        context: ctx,
        template_context,
        extras,
        secrets,
        documents,
        app_span: app.name.span,
    })
}

/// Merges one layer's uses of a parameter into the accumulated value.
fn merge(ps: &ParamSchema, acc: &mut Vec<ParamUse>, layer: &[&ParamUse]) {
    if ps.document.is_some() {
        // Every use counts, in layer order: `document::resolve_all` merges
        // them value by value, with the provenance at the same index.
        acc.extend(layer.iter().map(|u| (*u).clone()));
        return;
    }
    if !ps.repeated {
        // One use per layer (duplicates were reported by check); take the last.
        let Some(u) = layer.last() else { return };
        if u.remove {
            acc.clear();
            return;
        }
        match acc.first_mut() {
            None => acc.push((*u).clone()),
            Some(prev) => {
                for (k, v) in &u.props {
                    prev.props.insert(k.clone(), v.clone());
                }
                if !u.args.is_empty() {
                    prev.args = u.args.clone();
                }
                if !u.children.is_empty() {
                    prev.children = u.children.clone();
                }
                prev.name = u.name.clone();
                prev.span = u.span;
            }
        }
        return;
    }
    if ps.key.is_empty() {
        // Without a key, a layer that names the parameter replaces it whole.
        *acc = layer
            .iter()
            .filter(|u| !u.remove)
            .map(|u| (*u).clone())
            .collect();
        return;
    }
    for u in layer {
        let key = entry_key(ps, u);
        let pos = acc.iter().position(|e| entry_key(ps, e) == key);
        match (pos, u.remove) {
            (Some(i), true) => {
                acc.remove(i);
            }
            (Some(i), false) => acc[i] = (*u).clone(),
            (None, true) => {}
            (None, false) => acc.push((*u).clone()),
        }
    }
}

/// Evaluates every templated string of a use, recursively.
fn evaluate(
    u: &mut ParamUse,
    ctx: &Json,
    prepared: &minijinja::Value,
    sources: &Sources,
    diags: &mut Diagnostics,
) {
    let mut eval = |v: &mut Spanned<Value>| {
        if let Value::String(s) = &v.value
            && strings::is_template(s)
        {
            match strings::render_prepared(s, v.span, ctx, prepared, sources) {
                Ok(out) => v.value = Value::String(out),
                Err(d) => diags.push(d),
            }
        }
    };
    for a in &mut u.args {
        eval(a);
    }
    for p in u.props.values_mut() {
        eval(&mut p.value);
    }
    for c in &mut u.children {
        evaluate(c, ctx, prepared, sources, diags);
    }
}

/// Types every value of a merged use (templates now evaluated) and checks
/// what the merge could have left incomplete: required arguments and
/// properties, and `one-of` choices.
fn check_use(ps: &ParamSchema, u: &ParamUse, diags: &mut Diagnostics) {
    let check = |vs: &ValueSchema, v: &Spanned<Value>, what: &str, diags: &mut Diagnostics| {
        // A template that failed to evaluate is already reported; its
        // unevaluated text is no value to type.
        if matches!(&v.value, Value::String(s) if strings::is_template(s)) {
            return;
        }
        let c = Constraints {
            min: vs.min,
            max: vs.max,
            values: &vs.values,
        };
        if let Err(e) = types::check(vs.ty, &v.value, &c) {
            diags.push(
                Diagnostic::error(codes::TYPE_MISMATCH, format!("{what}: {}", e.message))
                    .primary(v.span, format!("expected {}", vs.ty.describe()))
                    .maybe_help(e.help),
            );
        }
    };
    if let Some(vs) = &ps.shorthand {
        if vs.ty != Type::Map
            && let Some(a) = u.args.first()
        {
            check(vs, a, &format!("`{}`", ps.name), diags);
        }
        return;
    }
    let mut i = 0;
    for a in &u.args {
        let Some(s) = ps
            .args
            .get(i)
            .or_else(|| ps.args.last().filter(|l| l.variadic))
        else {
            break;
        };
        check(&s.value, a, &format!("`{}`'s {}", ps.name, s.name), diags);
        if !s.variadic {
            i += 1;
        }
    }
    for (name, p) in &u.props {
        if let Some(vs) = ps.props.get(name) {
            check(vs, &p.value, &format!("`{name}`"), diags);
        }
    }
    for (name, vs) in &ps.props {
        if vs.required && vs.default.is_none() && !u.props.contains_key(name) {
            diags.push(
                Diagnostic::error(
                    codes::MISSING_REQUIRED,
                    format!("`{}` needs `{name}=`", ps.name),
                )
                .primary(u.span, format!("no `{name}` here"))
                .help(format!("usage: `{}`", ps.usage())),
            );
        }
    }
    for (name, cs) in &ps.children {
        let given: Vec<&ParamUse> = u
            .children
            .iter()
            .filter(|c| &c.name.value == name)
            .collect();
        if cs.required && given.is_empty() {
            diags.push(
                Diagnostic::error(
                    codes::MISSING_REQUIRED,
                    format!("`{}` needs a `{name}` block", ps.name),
                )
                .primary(u.span, format!("no `{name}` here"))
                .help(format!("usage: `{}`", cs.usage())),
            );
        }
        for c in given {
            check_use(cs, c, diags);
        }
    }
    choices::check(ps, u, diags);
}

/// The value of a parameter in the template context (see the contract in
/// ARCHITECTURE.md).
fn param_json(
    ps: &ParamSchema,
    uses: &[ParamUse],
    sources: &Sources,
    world: &dyn World,
    root: &std::path::Path,
    diags: &mut Diagnostics,
) -> Json {
    if ps.repeated {
        return Json::Array(
            uses.iter()
                .map(|u| use_json(ps, u, sources, world, root, diags))
                .collect(),
        );
    }
    match uses.last() {
        Some(u) => use_json(ps, u, sources, world, root, diags),
        None => match &ps.shorthand {
            Some(vs) if vs.ty == Type::Map => Json::Object(Map::new()),
            Some(vs) => default_json(vs),
            None => Json::Null,
        },
    }
}

fn default_json(vs: &ValueSchema) -> Json {
    match &vs.default {
        Some(d) => normalize(vs, d).unwrap_or_else(|| d.to_json()),
        None => Json::Null,
    }
}

fn normalize(vs: &ValueSchema, v: &Value) -> Option<Json> {
    let c = Constraints {
        min: vs.min,
        max: vs.max,
        values: &vs.values,
    };
    types::check(vs.ty, v, &c).ok().map(|v| v.to_json())
}

fn value_json(
    vs: &ValueSchema,
    v: &Spanned<Value>,
    sources: &Sources,
    world: &dyn World,
    root: &std::path::Path,
    diags: &mut Diagnostics,
) -> Json {
    if vs.ty == Type::File
        && let Value::String(rel) = &v.value
    {
        return match read_project_file(rel, v.span, sources, world, root) {
            Ok(text) => Json::String(text),
            Err(d) => {
                diags.push(d);
                Json::Null
            }
        };
    }
    normalize(vs, &v.value).unwrap_or_else(|| v.value.to_json())
}

fn use_json(
    ps: &ParamSchema,
    u: &ParamUse,
    sources: &Sources,
    world: &dyn World,
    root: &std::path::Path,
    diags: &mut Diagnostics,
) -> Json {
    if let Some(vs) = &ps.shorthand {
        if vs.ty == Type::Map {
            return Json::Object(
                u.props
                    .iter()
                    .map(|(k, p)| (k.clone(), Json::String(p.value.value.to_plain_string())))
                    .collect(),
            );
        }
        return match u.args.first() {
            Some(a) => value_json(vs, a, sources, world, root, diags),
            None => default_json(vs),
        };
    }
    let mut obj = Map::new();
    let mut i = 0;
    for a in &ps.args {
        let key = a.name.replace('-', "_");
        if a.variadic {
            let rest: Vec<Json> = u
                .args
                .iter()
                .skip(i)
                .map(|v| value_json(&a.value, v, sources, world, root, diags))
                .collect();
            obj.insert(key, Json::Array(rest));
        } else {
            let v = match u.args.get(i) {
                Some(v) => value_json(&a.value, v, sources, world, root, diags),
                None => default_json(&a.value),
            };
            obj.insert(key, v);
            i += 1;
        }
    }
    for (name, vs) in &ps.props {
        let v = match u.props.get(name) {
            Some(p) => value_json(vs, &p.value, sources, world, root, diags),
            None => default_json(vs),
        };
        obj.insert(name.replace('-', "_"), v);
    }
    for (name, cs) in &ps.children {
        let mine: Vec<ParamUse> = u
            .children
            .iter()
            .filter(|c| &c.name.value == name)
            .cloned()
            .collect();
        obj.insert(
            name.replace('-', "_"),
            param_json(cs, &mine, sources, world, root, diags),
        );
    }
    Json::Object(obj)
}

/// Reads a file a project names, relative to the file that names it, and
/// refuses any path that leads outside the project.
pub fn read_project_file(
    rel: &str,
    span: Span,
    sources: &Sources,
    world: &dyn World,
    root: &std::path::Path,
) -> Result<String, Diagnostic> {
    let bytes = read_project_bytes(rel, span, sources, world, root)?;
    String::from_utf8(bytes).map_err(|_| {
        Diagnostic::error(codes::READ, format!("`{rel}` is not UTF-8 text"))
            .primary(span, "named here")
            .help("files mounted through a ConfigMap's `data` must be UTF-8 text")
    })
}

/// The bytes of a file a project names (see [`read_project_file`]).
pub fn read_project_bytes(
    rel: &str,
    span: Span,
    sources: &Sources,
    world: &dyn World,
    root: &std::path::Path,
) -> Result<Vec<u8>, Diagnostic> {
    let base: PathBuf = sources
        .get(span.file)
        .path
        .as_ref()
        .and_then(|p| p.parent().map(|d| d.to_path_buf()))
        .unwrap_or_else(|| root.to_path_buf());
    let path = base.join(rel);
    let outside = || {
        Diagnostic::error(codes::PATH_OUTSIDE, format!("`{rel}` leads outside the project"))
            .primary(span, "this path")
            .help("a project reads only files inside its directory (after following symbolic links); copy the file into the project")
    };
    // `..` leading out is refused whether or not the file exists, so the
    // answer never tells what lies outside.
    if !lexically_normal(&path).starts_with(root) {
        return Err(outside());
    }
    let real = world.canonicalize(&path).map_err(|e| {
        Diagnostic::error(codes::FILE_NOT_FOUND, format!("cannot find `{rel}`"))
            .primary(span, "named here")
            .help(format!(
                "the path is relative to the file that names it: `{}` ({e})",
                crate::syntax::display_name(root, &path)
            ))
    })?;
    if !real.starts_with(root) {
        return Err(outside());
    }
    world.read(&real).map_err(|e| {
        Diagnostic::error(codes::READ, format!("cannot read `{rel}`: {e}"))
            .primary(span, "named here")
    })
}

/// `path` with `.` and `..` components resolved without the file system.
pub(crate) fn lexically_normal(path: &std::path::Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}
