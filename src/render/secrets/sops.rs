//! `secret NAME sops=FILE`: a Kubernetes Secret that sops encrypted,
//! committed byte for byte. sops' MAC covers every value of the file,
//! metadata included, so kiln changes nothing: not the namespace, not a
//! label. What it can check, it checks: the file is one `v1` Secret with a
//! `sops` section (MAC and all), every value of `data` and `stringData`
//! is encrypted, and the name and namespace are those the app deploys it
//! under. Flux decrypts it (`decryption` in its Kustomization, see
//! `gitops::flux`) and drops the `sops` section; validation reads it the
//! same way.

use serde_json::Value as Json;

use super::{SecretObject, document, is_encrypted, meta, namespace_mismatch};
use crate::check::Model;
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::render::validate::Validation;
use crate::resolve::Resolved;
use crate::resolve::secrets::ResolvedSecret;
use crate::span::{Span, Spanned};

/// How to encrypt a Secret so that kiln and Flux can use it.
const ENCRYPT: &str = "sops --encrypt --encrypted-regex '^(data|stringData)$' --in-place FILE";

/// The SOPS Secret of `s`, once every check holds.
pub(super) fn object(
    model: &Model,
    app: &Resolved,
    s: &ResolvedSecret,
    file: &Spanned<String>,
    bytes: Vec<u8>,
    diags: &mut Diagnostics,
) -> Option<SecretObject> {
    let text = std::str::from_utf8(&bytes).ok()?;
    let doc = document(file, text, diags)?;
    let before = diags.error_count();
    let wrong = |message: String, help: String| {
        Diagnostic::error(codes::SECRET_FILE, message)
            .primary(file.span, "this file")
            .help(help)
    };
    let encrypted_meta: Vec<&str> = [
        ("apiVersion", doc["apiVersion"].as_str()),
        ("kind", doc["kind"].as_str()),
        ("metadata.name", meta(&doc, "name")),
        ("metadata.namespace", meta(&doc, "namespace")),
    ]
    .into_iter()
    .filter(|(_, v)| v.is_some_and(is_encrypted))
    .map(|(f, _)| f)
    .collect();
    if !encrypted_meta.is_empty() {
        diags.push(wrong(
            format!(
                "`{}` encrypts {}: kiln and Flux must read the Secret's kind and name",
                file.value,
                quoted(&encrypted_meta)
            ),
            format!("encrypt only `data` and `stringData`: `{ENCRYPT}`"),
        ));
        return None;
    }
    if doc["apiVersion"] != "v1" || doc["kind"] != "Secret" {
        diags.push(wrong(
            format!(
                "`{}` is not a Secret: expected `v1` `Secret`, found {}",
                file.value,
                kind_of(&doc)
            ),
            "`sops=` takes a SOPS-encrypted Kubernetes Secret; other objects belong in a `manifest`".into(),
        ));
        return None;
    }
    let mut plain = Vec::new();
    for field in ["data", "stringData"] {
        match &doc[field] {
            Json::Null => {}
            Json::Object(m) => plain.extend(
                m.iter()
                    .filter(|(_, v)| !v.as_str().is_some_and(is_encrypted))
                    .map(|(k, _)| format!("{field}.{k}")),
            ),
            _ => diags.push(wrong(
                format!("`{field}` of `{}` is not a map", file.value),
                "a Secret's `data` and `stringData` map keys to values".into(),
            )),
        }
    }
    let sops = doc.get("sops").filter(|v| v.is_object());
    if sops.is_none() || !plain.is_empty() {
        let how = match (sops.is_none(), plain.len()) {
            (true, _) => "is not encrypted: it has no `sops` section".to_string(),
            (false, 1) => format!("is partly encrypted: {} is in plain text", quoted(&plain)),
            (false, _) => format!("is partly encrypted: {} are in plain text", quoted(&plain)),
        };
        diags.push(
            Diagnostic::error(
                codes::PLAINTEXT_SECRET,
                format!("SOPS Secret `{}` in `{}` {how}", s.name(), file.value),
            )
            .primary(s.secret.span, "this secret")
            .help(format!(
                "kiln never commits a credential in plain text: encrypt every value, `{ENCRYPT}`"
            )),
        );
        return None;
    }
    if let Some(sops) = sops
        && !sops["mac"].as_str().is_some_and(is_encrypted)
    {
        diags.push(wrong(
            format!("the `sops` section of `{}` has no `mac`", file.value),
            format!(
                "this is not a file sops wrote, or it was cut short: encrypt it again, `{ENCRYPT}`"
            ),
        ));
    }
    match meta(&doc, "name") {
        Some(name) if name == s.name() => {}
        found => diags.push(
            Diagnostic::error(
                codes::SECRET_MISMATCH,
                format!(
                    "SOPS Secret in `{}` is named {}, not `{}`",
                    file.value,
                    found.map_or("nothing".to_string(), |n| format!("`{n}`")),
                    s.name()
                ),
            )
            .primary(s.secret.name.span, "the secret's name")
            .help("kiln writes a SOPS file as it is (any change breaks its MAC): give the `secret` the file's `metadata.name`, or edit the name with `sops edit`"),
        ),
    }
    match meta(&doc, "namespace") {
        Some(ns) if ns == app.namespace => {}
        found => diags.push(namespace_mismatch(
            model,
            app,
            file,
            format!(
                "SOPS Secret `{}` {}, but app `{}` deploys to `{}`",
                s.name(),
                found.map_or("names no namespace".to_string(), |n| format!("is for namespace `{n}`")),
                app.app,
                app.namespace
            ),
            format!(
                "kiln cannot set the namespace of a SOPS file without breaking its MAC, and the app could not read a Secret of another namespace: set `metadata.namespace: {}` with `sops edit`",
                app.namespace
            ),
        )),
    }
    (diags.error_count() == before).then(|| SecretObject {
        value: doc,
        verbatim: Some(bytes),
        span: s.secret.span,
        origin: (s.secret.span.file, s.secret.span.start as usize),
    })
}

/// Checks a SOPS Secret against the Kubernetes API as Flux applies it,
/// once decrypted; problems point at the `secret` node (`span`), since the
/// file's text is never shown.
pub fn validate(doc: &Json, app: &str, span: Span, diags: &mut Diagnostics) {
    let seen = as_decrypted(doc);
    let Validation::Invalid(problems) = crate::render::validate::validate(&seen) else {
        return;
    };
    let name = doc["metadata"]["name"].as_str().unwrap_or_default();
    for p in problems {
        diags.push(
            Diagnostic::error(
                codes::INVALID_OBJECT,
                format!(
                    "SOPS Secret `{name}` of app `{app}`: {} at `{}`",
                    p.message,
                    p.path.join(".")
                ),
            )
            .primary(span, "this secret's file")
            .help("the Kubernetes API rejects this Secret: check the field's name and type against `kubectl explain secret`"),
        );
    }
}

/// The Secret as Flux applies it, for validation: without the `sops`
/// section, and with `data` values (ciphertext, not base64) emptied.
pub fn as_decrypted(doc: &Json) -> Json {
    let mut copy = doc.clone();
    if let Json::Object(m) = &mut copy {
        m.shift_remove("sops");
        if let Some(Json::Object(data)) = m.get_mut("data") {
            for v in data.values_mut() {
                *v = Json::String(String::new());
            }
        }
    }
    copy
}

/// True for an object that carries a `sops` section.
pub fn has_sops(doc: &Json) -> bool {
    doc.get("sops").is_some_and(|s| !s.is_null())
}

/// "`apiVersion` `kind`" of a document, for messages.
fn kind_of(doc: &Json) -> String {
    match (doc["apiVersion"].as_str(), doc["kind"].as_str()) {
        (Some(a), Some(k)) => format!("`{a}` `{k}`"),
        (None, Some(k)) => format!("`{k}` without `apiVersion`"),
        (Some(a), None) => format!("`{a}` without `kind`"),
        (None, None) => "an object without `apiVersion` and `kind`".to_string(),
    }
}

/// `a`, `b` and `c`, each in backticks.
fn quoted(items: &[impl AsRef<str>]) -> String {
    let q: Vec<String> = items.iter().map(|i| format!("`{}`", i.as_ref())).collect();
    match q.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => q.concat(),
    }
}

#[cfg(test)]
mod tests {
    use super::{as_decrypted, quoted};
    use crate::render::secrets::is_encrypted;
    use serde_json::json;

    #[test]
    fn encrypted_values_are_told_from_plain_ones() {
        assert!(is_encrypted(
            "ENC[AES256_GCM,data:bG9s,iv:AAAA,tag:BBBB,type:str]"
        ));
        for plain in [
            "",
            "hunter2",
            "ENC[]",
            "ENC[AES256_GCM,data:bG9s]",
            "ENC[AES256_GCM,data:x,tag:y,iv:z,type:str]",
            "ENC[AES256_GCM,data:x,iv:y,tag:z,type:str] ",
        ] {
            assert!(!is_encrypted(plain), "{plain}");
        }
    }

    #[test]
    fn validation_reads_the_secret_as_flux_applies_it() {
        let doc = json!({
            "apiVersion": "v1", "kind": "Secret",
            "data": {"k": "ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]"},
            "stringData": {"s": "ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]"},
            "sops": {"mac": "ENC[…]"},
        });
        let seen = as_decrypted(&doc);
        assert_eq!(seen.get("sops"), None);
        assert_eq!(seen["data"]["k"], "");
        assert_eq!(seen["stringData"], doc["stringData"]);
    }

    #[test]
    fn lists_read_as_english() {
        assert_eq!(quoted(&["a"]), "`a`");
        assert_eq!(quoted(&["a", "b", "c"]), "`a`, `b` and `c`");
    }
}
