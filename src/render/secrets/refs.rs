//! Which Secrets an env delivers, and the parameters that name them.
//!
//! A Secret is delivered by an object an app of the env renders: an
//! ExternalSecret (its target), a SealedSecret, a SOPS Secret (from a
//! `secret` node or a `manifest`). A reference is every parameter value of
//! type `secret` (the standard library's `secret-env`, `env-from secret=`,
//! `volume … secret=`, `image-pull-secret`, `ingress … tls-secret=`, and a
//! project component's own), with the `secret-key` value of the same node.
//! A reference to a Secret delivered in the app's namespace is checked
//! against its keys; one that nothing delivers is allowed (a Secret made
//! elsewhere) and reported as managed outside kiln.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value as Json;

use crate::IndexMap;
use crate::check::ParamUse;
use crate::check::schema::ParamSchema;
use crate::check::types::Type;
use crate::diag::{Diagnostic, Diagnostics, codes, suggest};
use crate::output::SecretRef;
use crate::resolve::ResolvedParam;
use crate::span::{Span, Spanned};

/// A Secret an object of the env delivers.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub namespace: String,
    pub name: String,
    /// What delivers it: `ExternalSecret`, `SealedSecret`, `SOPS Secret`.
    pub kind: &'static str,
    /// Its keys, when the object says; `None` when they are only known
    /// once it is applied (an ExternalSecret's `dataFrom`, say).
    pub keys: Option<BTreeSet<String>>,
    /// The node (or manifest) that made the object.
    pub span: Span,
}

/// A parameter value naming a Secret, with the key the same node names.
#[derive(Clone, Debug)]
pub struct Reference {
    pub name: Spanned<String>,
    pub key: Option<Spanned<String>>,
}

/// What one app of the env adds: where its pods run, what it delivers,
/// what it names.
#[derive(Clone, Debug, Default)]
pub struct AppSecrets {
    pub namespace: String,
    pub delivered: Vec<Delivered>,
    pub references: Vec<Reference>,
}

/// The Secret `obj` delivers, if it delivers one; `span` made it.
pub fn delivered(obj: &Json, span: Span) -> Option<Delivered> {
    let api = obj["apiVersion"].as_str()?;
    let keys_of = |fields: &[&Json]| -> BTreeSet<String> {
        fields
            .iter()
            .filter_map(|f| f.as_object())
            .flat_map(|m| m.keys().cloned())
            .collect()
    };
    let (name, kind, keys) = match obj["kind"].as_str()? {
        "ExternalSecret" if api.starts_with("external-secrets.io/") => {
            let spec = &obj["spec"];
            let name = spec["target"]["name"]
                .as_str()
                .or(obj["metadata"]["name"].as_str())?;
            // `dataFrom` and a target template make keys only the store knows.
            let keys = (spec["dataFrom"].as_array().is_none_or(Vec::is_empty)
                && spec["target"]["template"].is_null())
            .then(|| {
                spec["data"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|d| d["secretKey"].as_str().map(str::to_string))
                    .collect()
            });
            (name, "ExternalSecret", keys)
        }
        "SealedSecret" if api.starts_with("bitnami.com/") => {
            let spec = &obj["spec"];
            let keys = spec["data"]
                .is_null()
                .then(|| keys_of(&[&spec["encryptedData"], &spec["template"]["data"]]));
            (obj["metadata"]["name"].as_str()?, "SealedSecret", keys)
        }
        "Secret" if api == "v1" => {
            let kind = if super::sops::has_sops(obj) {
                "SOPS Secret"
            } else {
                "Secret"
            };
            let keys = (!obj["data"].is_null() || !obj["stringData"].is_null())
                .then(|| keys_of(&[&obj["data"], &obj["stringData"]]));
            (obj["metadata"]["name"].as_str()?, kind, keys)
        }
        _ => return None,
    };
    Some(Delivered {
        namespace: obj["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        name: name.to_string(),
        kind,
        keys,
        span,
    })
}

/// Every value of type `secret` among an app's resolved parameters.
pub fn references(
    schema: &IndexMap<String, ParamSchema>,
    params: &IndexMap<String, ResolvedParam>,
) -> Vec<Reference> {
    let mut out = Vec::new();
    for (name, rp) in params {
        if let Some(ps) = schema.get(name) {
            for u in &rp.uses {
                walk(ps, u, &mut out);
            }
        }
    }
    out
}

/// The references of one use and its children (a sidecar's `secret-env`).
fn walk(ps: &ParamSchema, u: &ParamUse, out: &mut Vec<Reference>) {
    let string = |v: &Spanned<crate::check::value::Value>| {
        v.value
            .as_str()
            .map(|s| Spanned::new(s.to_string(), v.span))
    };
    let key = ps
        .props
        .iter()
        .filter(|(_, vs)| vs.ty == Type::SecretKey)
        .find_map(|(p, _)| u.props.get(p))
        .and_then(|p| string(&p.value));
    let mut names: Vec<Spanned<String>> = Vec::new();
    if ps
        .shorthand
        .as_ref()
        .is_some_and(|vs| vs.ty == Type::Secret)
    {
        names.extend(u.args.first().and_then(string));
    }
    for (i, a) in ps.args.iter().enumerate() {
        if a.value.ty == Type::Secret {
            names.extend(u.args.get(i).and_then(string));
        }
    }
    for (p, vs) in &ps.props {
        if vs.ty == Type::Secret {
            names.extend(u.props.get(p).and_then(|p| string(&p.value)));
        }
    }
    for name in names {
        out.push(Reference {
            name,
            key: key.clone(),
        });
    }
    for c in &u.children {
        if let Some(cs) = ps.children.get(&c.name.value) {
            walk(cs, c, out);
        }
    }
}

/// Checks every reference of the env's apps against what the env
/// delivers in the same namespace, and reports two objects delivering one
/// Secret. Returns every reference with what delivers it.
pub fn check(env: &str, apps: &[(&str, &AppSecrets)], diags: &mut Diagnostics) -> Vec<SecretRef> {
    let mut table: HashMap<(&str, &str), (&str, &Delivered)> = HashMap::new();
    for (app, s) in apps {
        for d in &s.delivered {
            match table.get(&(d.namespace.as_str(), d.name.as_str())) {
                // Two objects of one kind and name are a duplicate object,
                // reported as such.
                Some((first_app, first)) if first.kind != d.kind => diags.push(
                    Diagnostic::error(
                        codes::DUPLICATE_OBJECT,
                        format!(
                            "two objects make Secret `{}` in namespace `{}` of env `{env}`",
                            d.name, d.namespace
                        ),
                    )
                    .primary(d.span, format!("a {} of app `{app}`", d.kind))
                    .related(first.span, format!("a {} of app `{first_app}`", first.kind))
                    .help("each would overwrite what the other writes: deliver the Secret one way"),
                ),
                Some(_) => {}
                None => {
                    table.insert((&d.namespace, &d.name), (app, d));
                }
            }
        }
    }
    let mut out = Vec::new();
    for (app, s) in apps {
        for r in &s.references {
            let found = table.get(&(s.namespace.as_str(), r.name.value.as_str()));
            if let (Some((by, d)), Some(key)) = (found, &r.key)
                && let Some(keys) = &d.keys
                && !keys.contains(&key.value)
            {
                diags.push(
                    Diagnostic::error(
                        codes::SECRET_KEY,
                        format!("Secret `{}` has no key `{}`", r.name.value, key.value),
                    )
                    .primary(key.span, "no such key")
                    .related(
                        d.span,
                        format!("the {} of app `{by}` that makes it", d.kind),
                    )
                    .help(suggest(
                        &key.value,
                        keys.iter().map(String::as_str),
                        "its keys are",
                    )),
                );
            }
            out.push(SecretRef {
                app: app.to_string(),
                secret: r.name.value.clone(),
                span: r.name.span,
                delivered_by: found.map(|(by, d)| (d.kind.to_string(), by.to_string())),
            });
        }
    }
    out
}

/// `-v`'s account of the references of an env: one line each.
pub fn describe(refs: &[SecretRef]) -> Vec<String> {
    refs.iter()
        .map(|r| match &r.delivered_by {
            Some((kind, app)) => format!(
                "app `{}` uses Secret `{}`: the {kind} of app `{app}`",
                r.app, r.secret
            ),
            None => format!(
                "app `{}` uses Secret `{}`: managed outside kiln (nothing in the project makes it)",
                r.app, r.secret
            ),
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The editor's hover over a value naming a Secret: in each env and for
/// each app, what delivers it. `None` when no reference is at `file`,
/// `offset`.
pub fn hover<'e>(
    envs: impl IntoIterator<Item = (&'e str, &'e [SecretRef])>,
    file: crate::span::FileId,
    offset: usize,
) -> Option<String> {
    let mut lines = BTreeSet::new();
    for (env, refs) in envs {
        for r in refs {
            if r.span.file == file
                && (r.span.start as usize) <= offset
                && offset <= r.span.end as usize
            {
                let by = match &r.delivered_by {
                    Some((kind, app)) => format!("the {kind} of app `{app}`"),
                    None => "managed outside kiln (nothing in the project makes it)".to_string(),
                };
                lines.insert(format!(
                    "- env `{env}`, app `{}`: Secret `{}`, {by}",
                    r.app, r.secret
                ));
            }
        }
    }
    (!lines.is_empty()).then(|| lines.into_iter().collect::<Vec<_>>().join("\n"))
}
