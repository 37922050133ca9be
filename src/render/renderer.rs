//! From resolved apps to objects: templates, manifests, patches, the
//! post-processing of LANGUAGE.md "Rendered objects", validation, YAML.

use std::collections::HashMap;

use minijinja::Environment;
use serde_json::{Map, Value as Json};

use super::crd::Crds;
use super::custom::{self, Custom};
use super::{manifests, order, pointer, secrets, validate, yaml};
use crate::check::{App, Model, ParamUse, PatchOp};
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::lint;
use crate::output::AppOutput;
use crate::resolve::{EnvResolver, Resolved, read_project_file, strings};
use crate::span::{FileId, Sources, Span};
use crate::world::World;

/// Every component template, compiled once, with the source file ids that
/// diagnostics point into.
pub struct Templates {
    env: Environment<'static>,
    /// Template name → source file id.
    files: HashMap<String, FileId>,
    /// Component name → template names, in order.
    by_component: HashMap<String, Vec<String>>,
}

/// Loads the templates of every component: the whole embedded `stdlib/`
/// and the templates project components name (relative to their file).
pub fn load_templates(
    model: &Model,
    sources: &mut Sources,
    world: &dyn World,
    diags: &mut Diagnostics,
) -> Templates {
    let mut env = crate::resolve::strings::environment();
    let mut files = HashMap::new();
    for (name, text) in crate::syntax::stdlib_files() {
        if !name.ends_with(".j2") {
            continue;
        }
        let id = sources
            .find(&format!("<stdlib>/{name}"))
            .unwrap_or_else(|| sources.add(format!("<stdlib>/{name}"), None, (*text).to_string()));
        files.insert(name.to_string(), id);
        if let Err(e) = env.add_template_owned(name.to_string(), (*text).to_string()) {
            diags.push(template_diag(
                &e,
                id,
                sources,
                None,
                "the standard library's template is broken",
            ));
        }
    }
    let mut by_component = HashMap::new();
    for c in model.components.values() {
        let mut names = Vec::new();
        for t in &c.templates {
            if c.stdlib {
                if files.contains_key(&t.value) {
                    names.push(t.value.clone());
                } else {
                    diags.push(
                        Diagnostic::error(
                            codes::FILE_NOT_FOUND,
                            format!("template `{}` is not in the standard library", t.value),
                        )
                        .primary(t.span, "named here"),
                    );
                }
                continue;
            }
            let text = match read_project_file(&t.value, t.span, sources, world, &model.root) {
                Ok(text) => text,
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            };
            let base = sources
                .get(t.span.file)
                .path
                .as_ref()
                .and_then(|p| p.parent().map(|d| d.join(&t.value)))
                .unwrap_or_default();
            let name = crate::syntax::display_name(&model.root, &base);
            let id = match sources.find(&name) {
                Some(id) => id,
                None => sources.add(name.clone(), Some(base.clone()), text.clone()),
            };
            files.insert(name.clone(), id);
            match env.add_template_owned(name.clone(), text) {
                Ok(()) => names.push(name),
                Err(e) => diags.push(template_diag(
                    &e,
                    id,
                    sources,
                    None,
                    "template does not compile",
                )),
            }
        }
        by_component.insert(c.name.value.clone(), names);
    }
    Templates {
        env,
        files,
        by_component,
    }
}

/// A diagnostic at a template's line, from a minijinja error.
fn template_diag(
    e: &minijinja::Error,
    fallback: FileId,
    sources: &Sources,
    app: Option<(&str, Span)>,
    what: &str,
) -> Diagnostic {
    let file = e
        .name()
        .and_then(|n| {
            sources
                .find(&format!("<stdlib>/{n}"))
                .or_else(|| sources.find(n))
        })
        .unwrap_or(fallback);
    let f = sources.get(file);
    let span = match (e.range(), e.line()) {
        (Some(r), _) if r.end <= f.text.len() => Span::new(file, r.start, r.end),
        (_, Some(line)) => {
            let start = f.line_start(line);
            let end = f.text[start..]
                .find('\n')
                .map(|i| start + i)
                .unwrap_or(f.text.len());
            Span::new(file, start, end)
        }
        _ => Span::new(file, 0, 0),
    };
    let detail = e
        .detail()
        .map(str::to_string)
        .unwrap_or_else(|| e.kind().to_string());
    let mut d = Diagnostic::error(
        codes::RENDER_TEMPLATE,
        format!("{what}: {}", detail.trim_end_matches('.')),
    )
    .primary(span, "here");
    if let Some((name, app_span)) = app {
        d = d.related(app_span, format!("while rendering app `{name}`"));
    }
    if e.kind() == minijinja::ErrorKind::UndefinedError {
        d = d.help("an undefined name: parameters are at the top level with `-` written `_` (or under `params`), with `app`, `env`, `vars`, `project`, `git`, `labels` and `selector_labels`");
    }
    if e.kind() == minijinja::ErrorKind::OutOfFuel {
        d = d.help("the template ran too long and was stopped: a template may loop only so much; look for a loop over a huge range");
    }
    d
}

/// One rendered object and where it came from.
#[derive(Clone, Debug)]
pub(super) struct Object {
    pub(super) value: Json,
    /// The template (or manifest) file that made it.
    pub(super) origin: FileId,
    pub(super) app_span: Span,
    /// The parameter use that made it, where one did.
    pub(super) param_span: Option<Span>,
    /// Where the object's document starts in `origin` (a manifest of
    /// several documents), so a field is looked for in its own document.
    pub(super) start: usize,
    /// The `manifest` node that included it, for an object of a manifest
    /// (whose `origin` is then the manifest's file).
    pub(super) manifest: Option<Span>,
    /// The bytes to write as they are: a SOPS file, whose MAC covers them.
    pub(super) verbatim: Option<Vec<u8>>,
}

/// One app of one env, rendered: its files, and what the env-wide stage
/// needs of it (the objects' identities for the duplicate check, its own
/// namespace). The unit of a render's work: the language server keeps
/// these between edits and renders again only those whose inputs changed.
#[derive(Clone, Debug)]
pub struct RenderedApp {
    pub app: String,
    /// The app's own `namespace`, when it sets one.
    pub(super) namespace: Option<String>,
    /// Where the app's namespaced objects go.
    pub(super) target_namespace: String,
    /// Custom resources whose CRD may be one the env's apps render.
    pub(super) deferred: Vec<Object>,
    /// The CustomResourceDefinitions the app renders, with their spans.
    pub(super) crds: Vec<(Json, Span)>,
    pub output: AppOutput,
    /// (kind, namespace, name) of each object, with the span that made it.
    pub(super) keys: Vec<((String, String, String), Span)>,
    /// The Secrets it delivers and names.
    pub(super) secrets: secrets::refs::AppSecrets,
    /// The kinds its objects define and use, for the env's order.
    pub(super) types: order::AppTypes,
    pub diags: Diagnostics,
    /// What lint saw of the app, when it rendered without errors: the
    /// facts the env-wide rules read.
    pub lint: Option<lint::Inspected>,
    /// Lint's findings of the app's objects on their own
    /// ([`lint::own_findings`]), made with the render.
    pub findings: Vec<lint::Finding>,
    /// The files those findings are reported at.
    pub findings_at: lint::FileMask,
}

impl RenderedApp {
    /// The unit without its files, for a caller that keeps units for
    /// their diagnostics and the env-wide stage only (the language server).
    pub fn without_files(self) -> RenderedApp {
        RenderedApp {
            output: AppOutput::default(),
            ..self
        }
    }
}

/// Resolves and renders one app of the env `resolver` stands for: its
/// files when it renders without errors, its diagnostics in any case;
/// `None` for an app that is not rendered and has nothing to say (its
/// component is missing, which the checker reported).
pub fn render_unit(
    model: &Model,
    resolver: &EnvResolver<'_>,
    app: &App,
    templates: &Templates,
    crds: &Crds,
    sources: &Sources,
    world: &dyn World,
) -> Option<RenderedApp> {
    let mut diags = Diagnostics::default();
    let resolved = resolver.resolve(app, &mut diags);
    let Some(resolved) = resolved.filter(|_| !diags.has_errors()) else {
        // Errors (a render would only add consequences of them), or
        // an app whose component is missing (reported by the checker).
        return (!diags.0.is_empty()).then_some(RenderedApp {
            app: app.name.value.clone(),
            namespace: None,
            target_namespace: String::new(),
            deferred: Vec::new(),
            crds: Vec::new(),
            output: AppOutput::default(),
            keys: Vec::new(),
            secrets: Default::default(),
            types: order::AppTypes::default(),
            diags,
            lint: None,
            findings: Vec::new(),
            findings_at: lint::FileMask::default(),
        });
    };
    let (objects, deferred) = render_app(
        model, &resolved, templates, crds, sources, world, &mut diags,
    );
    let mut lint = (!diags.has_errors())
        .then(|| super::lint_unit::inspect(model, &resolved, &objects, sources))
        .flatten();
    let findings = lint
        .as_mut()
        .map(|l| lint::own_findings(model, &resolver.head.env_def, l))
        .unwrap_or_default();
    let mut output = AppOutput::default();
    let mut keys = Vec::with_capacity(objects.len());
    let mut app_secrets = secrets::refs::AppSecrets {
        namespace: resolved.namespace.clone(),
        delivered: Vec::new(),
        references: model
            .components
            .get(&resolved.component)
            .map(|c| secrets::refs::references(&c.params, &resolved.params))
            .unwrap_or_default(),
    };
    let write = !diags.has_errors();
    for o in &objects {
        app_secrets.delivered.extend(secrets::refs::delivered(
            &o.value,
            o.param_span.unwrap_or(o.app_span),
        ));
        emit(o, write, &mut output, &mut keys);
    }
    let crds = objects
        .iter()
        .filter(|o| o.value["kind"] == "CustomResourceDefinition")
        .map(|o| (o.value.clone(), o.param_span.unwrap_or(o.app_span)))
        .collect();
    output.images.sort();
    output.images.dedup();
    // Custom resources that wait for the env's CRDs count too.
    let all = objects.iter().chain(&deferred);
    let types = order::types_of(all.map(|o| (&o.value, o.param_span.unwrap_or(o.app_span))));
    Some(RenderedApp {
        namespace: resolved.own_namespace.map(|n| n.value),
        target_namespace: resolved.namespace,
        deferred,
        crds,
        app: resolved.app,
        output,
        keys,
        secrets: app_secrets,
        types,
        diags,
        lint,
        findings_at: lint::FileMask::of(&findings),
        findings,
    })
}

/// Adds a finished object's identity to `keys` (for the env's duplicate
/// check) and, when `write`, its YAML to the app's files.
pub(super) fn emit(
    o: &Object,
    write: bool,
    output: &mut AppOutput,
    keys: &mut Vec<((String, String, String), Span)>,
) {
    let kind = o.value["kind"].as_str().unwrap_or_default();
    let name = o.value["metadata"]["name"].as_str().unwrap_or_default();
    let namespace = o.value["metadata"]["namespace"]
        .as_str()
        .unwrap_or_default();
    keys.push((
        (kind.to_string(), namespace.to_string(), name.to_string()),
        o.param_span.unwrap_or(o.app_span),
    ));
    if write {
        let file = format!("{}-{name}.yaml", kind.to_lowercase());
        let bytes = match &o.verbatim {
            Some(b) => b.clone(),
            None => yaml::to_yaml(&o.value).into_bytes(),
        };
        output.files.insert(file, bytes);
        collect_images(&o.value, &mut output.images);
    }
}

/// Renders one app: its finished objects, and the custom resources that
/// wait for the CRDs the env's apps render.
fn render_app(
    model: &Model,
    app: &Resolved,
    templates: &Templates,
    crds: &Crds,
    sources: &Sources,
    world: &dyn World,
    diags: &mut Diagnostics,
) -> (Vec<Object>, Vec<Object>) {
    let before = diags.error_count();
    let mut objects = Vec::new();
    let ctx = &app.template_context;
    for name in templates
        .by_component
        .get(&app.component)
        .into_iter()
        .flatten()
    {
        let id = templates.files.get(name).copied().unwrap_or_default();
        let rendered = templates.env.get_template(name).and_then(|t| t.render(ctx));
        let text = match rendered {
            Ok(t) => t,
            Err(e) => {
                diags.push(template_diag(
                    &e,
                    id,
                    sources,
                    Some((&app.app, app.app_span)),
                    "template failed",
                ));
                continue;
            }
        };
        match yaml::from_yaml_documents(&text) {
            Ok(docs) => {
                for v in docs.into_iter().filter(|d| !d.is_null()) {
                    objects.push(Object {
                        param_span: creating_param(app, &v),
                        value: v,
                        origin: id,
                        start: 0,
                        app_span: app.app_span,
                        manifest: None,
                        verbatim: None,
                    });
                }
            }
            Err(e) => {
                let line = text.lines().nth(e.line.saturating_sub(1)).unwrap_or("");
                diags.push(
                    Diagnostic::error(
                        codes::RENDER_YAML,
                        format!("template `{name}` produced invalid YAML: {}", e.message),
                    )
                    .primary(Span::new(id, 0, 0), "in this template")
                    .related(app.app_span, format!("while rendering app `{}`", app.app))
                    .help(format!(
                        "line {} of the output reads `{}`; emit values with `| tojson`",
                        e.line,
                        line.trim()
                    )),
                );
            }
        }
    }
    // Manifests: plain YAML files, templated like strings.
    for extras in &app.extras {
        for m in &extras.manifests {
            let text = match read_project_file(&m.value, m.span, sources, world, &model.root) {
                Ok(t) => t,
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            };
            let text = match strings::render_prepared(
                &text,
                m.span,
                &app.context,
                &app.template_context,
                sources,
            ) {
                Ok(t) => t,
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            };
            let origin = manifests::file_id(sources, m, &model.root);
            match yaml::from_yaml_documents(&text) {
                Ok(docs) => {
                    let docs: Vec<Json> = docs.into_iter().filter(|d| !d.is_null()).collect();
                    let starts = origin
                        .map(|id| manifests::document_starts(&sources.get(id).text))
                        .filter(|s| s.len() == docs.len())
                        .unwrap_or_default();
                    for (i, v) in docs.into_iter().enumerate() {
                        objects.push(Object {
                            value: v,
                            origin: origin.unwrap_or(m.span.file),
                            start: starts.get(i).copied().unwrap_or(0),
                            app_span: m.span,
                            param_span: Some(m.span),
                            manifest: Some(m.span),
                            verbatim: None,
                        });
                    }
                }
                Err(e) => diags.push(
                    Diagnostic::error(
                        codes::RENDER_YAML,
                        format!(
                            "manifest `{}` is not valid YAML: {} (line {}, column {})",
                            m.value, e.message, e.line, e.column
                        ),
                    )
                    .primary(m.span, "this manifest"),
                ),
            }
        }
    }
    objects.extend(
        secrets::objects(model, app, sources, world, diags)
            .into_iter()
            .map(|s| Object {
                value: s.value,
                origin: s.origin.0,
                app_span: s.span,
                param_span: Some(s.span),
                start: s.origin.1,
                verbatim: s.verbatim,
                manifest: None,
            }),
    );
    // Patches, after templates and before validation.
    for extras in &app.extras {
        for p in &extras.patches {
            let (kind, name) = p
                .target
                .value
                .split_once('/')
                .unwrap_or((&p.target.value, ""));
            let Some(o) = objects
                .iter_mut()
                .find(|o| o.value["kind"] == kind && o.value["metadata"]["name"] == name)
            else {
                let have: Vec<String> = objects
                    .iter()
                    .map(|o| {
                        format!(
                            "{}/{}",
                            o.value["kind"].as_str().unwrap_or("?"),
                            o.value["metadata"]["name"].as_str().unwrap_or("?")
                        )
                    })
                    .collect();
                diags.push(
                    Diagnostic::error(
                        codes::PATCH,
                        format!(
                            "patch target `{}` is not an object of app `{}`",
                            p.target.value, app.app
                        ),
                    )
                    .primary(p.target.span, "no such object")
                    .help(crate::diag::suggest(
                        &p.target.value,
                        have.iter().map(String::as_str),
                        "the app's objects are",
                    )),
                );
                continue;
            };
            if o.verbatim.is_some() {
                diags.push(
                    Diagnostic::error(codes::PATCH, format!("patch of `{}`: a SOPS-encrypted Secret cannot be patched", p.target.value))
                        .primary(p.target.span, "a SOPS Secret")
                        .related(o.app_span, "written as it is")
                        .help("sops' MAC covers every value of the file, so any change would keep Flux from decrypting it: edit the file with `sops edit` instead"),
                );
                continue;
            }
            for op in &p.ops {
                let res = match op {
                    PatchOp::Set { pointer, value } => {
                        pointer::set(&mut o.value, &pointer.value, value.value.clone())
                            .map_err(|e| (pointer.span, e))
                    }
                    PatchOp::Remove { pointer } => {
                        pointer::remove(&mut o.value, &pointer.value).map_err(|e| (pointer.span, e))
                    }
                };
                if let Err((span, e)) = res {
                    diags.push(
                        Diagnostic::error(codes::PATCH, format!("patch of `{}`: {e}", p.target.value))
                            .primary(span, "this pointer")
                            .help("a JSON pointer (RFC 6901) names a path such as `/spec/template/spec/containers/0/image`; `set` creates missing maps"),
                    );
                }
            }
        }
    }
    if diags.error_count() > before {
        return (Vec::new(), Vec::new());
    }
    let mut deferred = Vec::new();
    let mut done = Vec::with_capacity(objects.len());
    for mut o in objects {
        match finish_object(model, app, &mut o, crds, sources, diags) {
            Custom::Deferred => deferred.push(o),
            Custom::Checked => done.push(o),
        }
    }
    secret_guard(app, &done, sources, diags);
    (done, deferred)
}

/// The span of the parameter use that names the object, where one does
/// (`service-account "x" create=#true` makes ServiceAccount `x`).
fn creating_param(app: &Resolved, v: &Json) -> Option<Span> {
    let name = v["metadata"]["name"].as_str()?;
    if name == app.app {
        return None;
    }
    app.params
        .values()
        .flat_map(|p| p.uses.iter())
        .find(|u| {
            u.args
                .first()
                .is_some_and(|a| a.value.as_str() == Some(name))
        })
        .map(|u| u.span)
}

/// Required fields, namespace, labels and annotations, validation: by
/// the Kubernetes API for built-in kinds, by their CRD for the others
/// (`custom.rs`), which may have to wait for the env's rendered CRDs.
fn finish_object(
    model: &Model,
    app: &Resolved,
    o: &mut Object,
    crds: &Crds,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Custom {
    let api = o.value["apiVersion"].as_str().map(str::to_string);
    let kind = o.value["kind"].as_str().map(str::to_string);
    let name = o.value["metadata"]["name"].as_str().map(str::to_string);
    let missing: Vec<&str> = [
        ("apiVersion", api.is_none()),
        ("kind", kind.is_none()),
        ("metadata.name", name.is_none()),
    ]
    .iter()
    .filter(|(_, m)| *m)
    .map(|(n, _)| *n)
    .collect();
    if !missing.is_empty() || !o.value.is_object() {
        diags.push(
            Diagnostic::error(
                codes::MISSING_FIELD,
                format!(
                    "an object of app `{}` has no {}",
                    app.app,
                    missing.join(", ")
                ),
            )
            .primary(
                o.param_span
                    .unwrap_or_else(|| first_line(sources, o.origin)),
                "made by this file",
            )
            .related(o.app_span, format!("while rendering app `{}`", app.app))
            .help("every object needs `apiVersion`, `kind` and `metadata.name`"),
        );
        return Custom::Checked;
    }
    let (api, kind) = (api.unwrap_or_default(), kind.unwrap_or_default());
    if o.verbatim.is_some() {
        // A SOPS file is written as it is: no namespace or label added.
        secrets::sops::validate(&o.value, &app.app, o.app_span, diags);
        return Custom::Checked;
    }
    if !validate::is_builtin_group(validate::group_of(&api)) {
        add_metadata(&mut o.value, model, Some(app));
        let owner = custom::Owner {
            app: &app.app,
            namespace: &app.namespace,
        };
        return custom::finish(crds, &[], o, &owner, false, sources, diags);
    }
    if validate::is_namespaced(&api, &kind) != Some(false)
        && o.value["metadata"]
            .get("namespace")
            .is_none_or(Json::is_null)
    {
        o.value["metadata"]["namespace"] = Json::String(app.namespace.clone());
    }
    add_metadata(&mut o.value, model, Some(app));
    // A SOPS Secret from a manifest is refused by `secret_guard`; read it
    // as Flux would, so that the ciphertext is not reported as bad base64.
    let decrypted =
        secrets::sops::has_sops(&o.value).then(|| secrets::sops::as_decrypted(&o.value));
    if let validate::Validation::Invalid(problems) =
        validate::validate(decrypted.as_ref().unwrap_or(&o.value))
    {
        let help = format!(
            "the Kubernetes API rejects this {kind}: check the field's name and type against `kubectl explain {}`",
            kind.to_lowercase()
        );
        custom::report(&kind, &app.app, o, problems, &help, sources, diags);
    }
    Custom::Checked
}

/// Adds the standard labels, then the project's, the env's and the app's
/// labels and annotations, each overriding the one before.
fn add_metadata(obj: &mut Json, model: &Model, app: Option<&Resolved>) {
    let meta = &mut obj["metadata"];
    if !meta.is_object() {
        *meta = Json::Object(Map::new());
    }
    let mut labels: Vec<(String, String)> = Vec::new();
    let mut annotations: Vec<(String, String)> = Vec::new();
    if let Some(app) = app {
        if let Json::Object(std) = &app.context["labels"] {
            labels.extend(
                std.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())),
            );
        }
    } else {
        labels.push((
            "app.kubernetes.io/part-of".into(),
            model.project.name.value.clone(),
        ));
        labels.push(("app.kubernetes.io/managed-by".into(), "kiln".into()));
    }
    labels.extend(
        model
            .project
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.value.clone())),
    );
    annotations.extend(
        model
            .project
            .annotations
            .iter()
            .map(|(k, v)| (k.clone(), v.value.clone())),
    );
    if let Some(env) = app.and_then(|a| model.envs.get(&a.env_def)) {
        labels.extend(env.labels.iter().map(|(k, v)| (k.clone(), v.value.clone())));
        annotations.extend(
            env.annotations
                .iter()
                .map(|(k, v)| (k.clone(), v.value.clone())),
        );
    }
    if let Some(app) = app {
        for (key, out) in [("labels", &mut labels), ("annotations", &mut annotations)] {
            if let Some(Json::Object(m)) = app.context["params"].get(key) {
                out.extend(
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())),
                );
            }
        }
    }
    for (field, pairs) in [("labels", labels), ("annotations", annotations)] {
        if pairs.is_empty() {
            continue;
        }
        let target = &mut meta[field];
        if !target.is_object() {
            *target = Json::Object(Map::new());
        }
        if let Json::Object(m) = target {
            for (k, v) in pairs {
                m.insert(k, Json::String(v));
            }
            m.sort_keys();
        }
    }
}

/// Labels env-level objects (the Namespace) with the env's labels.
pub fn add_env_metadata(obj: &mut Json, model: &Model, env_name: &str) {
    add_metadata(obj, model, None);
    if let Some(env) = model.envs.get(env_name) {
        for (field, map) in [("labels", &env.labels), ("annotations", &env.annotations)] {
            if map.is_empty() {
                continue;
            }
            let target = &mut obj["metadata"][field];
            if !target.is_object() {
                *target = Json::Object(Map::new());
            }
            if let Json::Object(m) = target {
                for (k, v) in map {
                    m.insert(k.clone(), Json::String(v.value.clone()));
                }
                m.sort_keys();
            }
        }
    }
}

pub(super) fn first_line(sources: &Sources, file: FileId) -> Span {
    let f = sources.get(file);
    let end = f.text.find('\n').unwrap_or(f.text.len());
    Span::new(file, 0, end)
}

/// Credentials in plain text: a Secret with data (unless SOPS-encrypted),
/// an `env` whose name looks like a credential.
fn secret_guard(app: &Resolved, objects: &[Object], sources: &Sources, diags: &mut Diagnostics) {
    for o in objects {
        if o.value["kind"] == "Secret"
            && o.value["apiVersion"] == "v1"
            && o.verbatim.is_none()
            && secrets::sops::has_sops(&o.value)
        {
            diags.push(
                Diagnostic::error(codes::SECRET_FILE, format!("Secret `{}` is SOPS-encrypted, but not declared with `secret … sops=`", o.value["metadata"]["name"].as_str().unwrap_or("?")))
                    .primary(o.param_span.unwrap_or_else(|| first_line(sources, o.origin)), "this Secret")
                    .help("kiln adds labels and a namespace to a manifest's objects, which would break the file's MAC: declare it with `secret NAME sops=FILE`, which commits it as it is"),
            );
        } else if o.value["kind"] == "Secret"
            && o.value["apiVersion"] == "v1"
            && (o.value.get("data").is_some_and(|d| !d.is_null())
                || o.value.get("stringData").is_some_and(|d| !d.is_null()))
            && !secrets::sops::has_sops(&o.value)
        {
            diags.push(
                Diagnostic::error(codes::PLAINTEXT_SECRET, format!("Secret `{}` holds plain-text data", o.value["metadata"]["name"].as_str().unwrap_or("?")))
                    .primary(o.param_span.unwrap_or_else(|| first_line(sources, o.origin)), "this Secret")
                    .help("a gitops repository is no place for secrets: encrypt the file with SOPS, use a SealedSecret, or reference an existing Secret with `secret-env` / `env-from secret=`"),
            );
        }
    }
    for p in app.params.values() {
        for u in &p.uses {
            check_env_uses(u, diags);
        }
    }
}

/// Whether an `env` variable's name looks like a credential (`DB_PASSWORD`,
/// `API_TOKEN`…): a plain value under it is refused here and flagged by
/// `kiln import`, from the same list.
pub fn looks_like_credential(name: &str) -> bool {
    let upper = name.to_uppercase();
    CREDENTIAL_WORDS.iter().any(|w| upper.contains(w))
}

const CREDENTIAL_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "CREDENTIALS",
];

fn check_env_uses(u: &ParamUse, diags: &mut Diagnostics) {
    let allowed = u
        .props
        .get("allow-plaintext")
        .is_some_and(|p| p.value.value == crate::check::value::Value::Bool(true));
    if u.name.value == "env"
        && !allowed
        && let (Some(name), Some(value)) = (u.args.first(), u.args.get(1))
    {
        let has_value = !value.value.to_plain_string().is_empty();
        if has_value && looks_like_credential(&name.value.to_plain_string()) {
            diags.push(
                Diagnostic::error(codes::PLAINTEXT_SECRET, format!("`{}` looks like a credential, written in plain text", name.value.to_plain_string()))
                    .primary(value.span, "plain-text value")
                    .related(name.span, "a credential's name")
                    .help("take it from a Secret: `secret-env \"NAME\" secret=\"…\" key=\"…\"`; or, if it is not secret, say `allow-plaintext=#true`"),
            );
        }
    }
    for c in &u.children {
        check_env_uses(c, diags);
    }
}

/// Every container image of an object, from any pod spec inside it.
fn collect_images(v: &Json, out: &mut Vec<String>) {
    match v {
        Json::Object(m) => {
            for (k, child) in m {
                if (k == "containers" || k == "initContainers" || k == "ephemeralContainers")
                    && let Json::Array(items) = child
                {
                    for c in items {
                        if let Some(img) = c["image"].as_str() {
                            out.push(img.to_string());
                        }
                    }
                }
                collect_images(child, out);
            }
        }
        Json::Array(items) => items.iter().for_each(|i| collect_images(i, out)),
        _ => {}
    }
}
