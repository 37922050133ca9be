//! The objects an app's `secret`s make (PLATFORM.md "Secrets"), and the
//! checks of the parameters that name Secrets.
//!
//! - `external.rs`: `external=STORE` → an ExternalSecret, built here;
//! - `sops.rs`: `sops=FILE` → the file, byte for byte, once it is known to
//!   be a SOPS-encrypted Secret for this name and namespace;
//! - `sealed.rs`: `sealed=FILE` → the SealedSecret, once its name and
//!   namespace are those it was sealed for (unless its scope lets them
//!   change);
//! - `refs.rs`: what each env delivers, and the references to it
//!   (`secret-env`, `env-from secret=`, `volume … secret=`,
//!   `image-pull-secret`): an unknown key is an error, a Secret nothing
//!   delivers is reported as managed outside kiln.
//!
//! No diagnostic quotes a file's data: a file given as a secret may hold a
//! credential in plain text (the very mistake being reported), so messages
//! name keys and fields, never values, and point at the `secret` node
//! rather than into the file.

mod external;
pub mod refs;
mod sealed;
pub mod sops;

use serde_json::Value as Json;

use crate::check::{Model, SecretSource};
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::resolve::Resolved;
use crate::span::{FileId, Sources, Span, Spanned};
use crate::world::World;

/// One object a `secret` makes.
pub struct SecretObject {
    pub value: Json,
    /// The bytes to write instead of `value` as YAML: a SOPS file, which
    /// must stay as it is for its MAC to hold.
    pub verbatim: Option<Vec<u8>>,
    /// The `secret` node's head.
    pub span: Span,
    /// The text a problem in a field is looked for in, and where the
    /// object starts there: the sealed file when [`preload`] added it,
    /// else the `secret` node.
    pub origin: (FileId, usize),
}

/// Adds the text of every `sealed=` file named without a template to
/// `Sources`, so that a field the SealedSecret CRD refuses is shown at its
/// line. A file that is not a SealedSecret is left out: it may be a Secret
/// in plain text (which rendering refuses), and no snippet may show it.
/// SOPS files are never added.
pub fn preload(model: &Model, sources: &mut Sources, world: &dyn World) {
    let uses = model
        .apps
        .values()
        .map(|a| &a.extras.secrets)
        .chain(
            model
                .envs
                .values()
                .flat_map(|e| e.apps.values().map(|a| &a.extras.secrets)),
        )
        .chain(model.flavors.values().map(|f| &f.secrets));
    for u in uses.flatten() {
        if let Some(SecretSource::Sealed(file)) = &u.source
            && !crate::resolve::strings::is_template(&file.value)
        {
            super::manifests::add(sources, file, &model.root, world, |text| {
                text.contains("kind: SealedSecret")
            });
        }
    }
}

/// The objects of the app's secrets; a secret whose file is missing or
/// wrong is reported and makes none.
pub fn objects(
    model: &Model,
    app: &Resolved,
    sources: &Sources,
    world: &dyn World,
    diags: &mut Diagnostics,
) -> Vec<SecretObject> {
    let mut out = Vec::new();
    for s in &app.secrets {
        let made = match &s.secret.source {
            Some(SecretSource::External(e)) => Some(external::object(s, e)),
            Some(SecretSource::Sops(file)) => {
                let Some(text) = read(file, model, sources, world, diags) else {
                    continue;
                };
                sops::object(model, app, s, file, text, diags)
            }
            Some(SecretSource::Sealed(file)) => {
                let Some(text) = read(file, model, sources, world, diags) else {
                    continue;
                };
                sealed::object(model, app, s, file, &text, sources, diags)
            }
            None => None,
        };
        out.extend(made);
    }
    out
}

/// The bytes of a secret's file, which must be UTF-8 YAML.
fn read(
    file: &Spanned<String>,
    model: &Model,
    sources: &Sources,
    world: &dyn World,
    diags: &mut Diagnostics,
) -> Option<Vec<u8>> {
    match crate::resolve::read_project_bytes(&file.value, file.span, sources, world, &model.root) {
        Ok(bytes) if std::str::from_utf8(&bytes).is_ok() => Some(bytes),
        Ok(_) => {
            diags.push(
                Diagnostic::error(codes::READ, format!("`{}` is not UTF-8 text", file.value))
                    .primary(file.span, "named here")
                    .help("a secret's file is a YAML document, as sops and kubeseal write it"),
            );
            None
        }
        Err(d) => {
            diags.push(d);
            None
        }
    }
}

/// The one YAML document of a secret's file. The parser's own message is
/// left out, since it may quote the text it stopped at.
fn document(file: &Spanned<String>, text: &str, diags: &mut Diagnostics) -> Option<Json> {
    match crate::render::yaml::from_yaml_documents(text) {
        Ok(docs) if docs.len() == 1 => docs.into_iter().next(),
        Ok(docs) => {
            diags.push(
                Diagnostic::error(
                    codes::SECRET_FILE,
                    format!(
                        "`{}` holds {} YAML documents, expected one",
                        file.value,
                        docs.len()
                    ),
                )
                .primary(file.span, "this file")
                .help("a secret's file holds exactly one object: declare one `secret` per file"),
            );
            None
        }
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    codes::RENDER_YAML,
                    format!(
                        "`{}` is not valid YAML (line {}, column {})",
                        file.value, e.line, e.column
                    ),
                )
                .primary(file.span, "this file"),
            );
            None
        }
    }
}

/// Where the app's namespace is decided, for a label: its own
/// `namespace`, else the env's, else the env's name (which is then its
/// namespace).
fn namespace_span(model: &Model, app: &Resolved) -> Span {
    if let Some(ns) = &app.own_namespace
        && let Some((_, span)) = ns.provenance.last()
    {
        return *span;
    }
    model
        .envs
        .get(&app.env_def)
        .map(|e| e.namespace.as_ref().map_or(e.name.span, |n| n.span))
        .unwrap_or(app.app_span)
}

/// The file's namespace is not the app's: an error at the file, with the
/// line that decides the app's namespace.
fn namespace_mismatch(
    model: &Model,
    app: &Resolved,
    file: &Spanned<String>,
    message: String,
    help: String,
) -> Diagnostic {
    Diagnostic::error(codes::SECRET_MISMATCH, message)
        .primary(file.span, "this file")
        .related(
            namespace_span(model, app),
            format!("the app's namespace, `{}`", app.namespace),
        )
        .help(help)
}

/// `metadata.<field>` of a file's object, as a string.
fn meta<'a>(doc: &'a Json, field: &str) -> Option<&'a str> {
    doc["metadata"][field].as_str()
}

/// True for a value sops encrypted: `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`
/// (AES-GCM is the one cipher sops writes).
pub fn is_encrypted(s: &str) -> bool {
    s.strip_prefix("ENC[AES256_GCM,data:")
        .and_then(|rest| rest.strip_suffix(']'))
        .is_some_and(|rest| {
            let iv = rest.find(",iv:");
            let tag = rest.find(",tag:");
            let ty = rest.find(",type:");
            matches!((iv, tag, ty), (Some(i), Some(t), Some(y)) if i < t && t < y)
        })
}
