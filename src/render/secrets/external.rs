//! `secret NAME external=STORE { key … }` → an ExternalSecret
//! (`external-secrets.io/v1`): the external-secrets operator reads each
//! key from the store and writes Secret NAME, so nothing secret is ever in
//! the repository.

use serde_json::{Map, Value as Json, json};

use super::SecretObject;
use crate::check::ExternalSecretUse;
use crate::check::value::Value;
use crate::resolve::secrets::ResolvedSecret;

/// The ExternalSecret of `s`; kiln adds the namespace and labels as for
/// every object.
pub(super) fn object(s: &ResolvedSecret, e: &ExternalSecretUse) -> SecretObject {
    let data: Vec<Json> = e
        .keys
        .iter()
        .map(|k| {
            let mut remote = Map::new();
            remote.insert("key".into(), Json::String(k.remote.value.clone()));
            for (field, v) in [("property", &k.property), ("version", &k.version)] {
                if let Some(v) = v {
                    remote.insert(field.into(), Json::String(v.value.clone()));
                }
            }
            json!({"secretKey": k.name.value, "remoteRef": remote})
        })
        .collect();
    let value = json!({
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {"name": s.name()},
        "spec": {
            "refreshInterval": refresh_interval(e.refresh.as_ref().map(|r| &r.value)),
            "secretStoreRef": {
                "kind": if e.cluster_store { "ClusterSecretStore" } else { "SecretStore" },
                "name": e.store.value,
            },
            "target": {"name": s.name()},
            "data": data,
        },
    });
    SecretObject {
        value,
        verbatim: None,
        span: s.secret.span,
        origin: (s.secret.span.file, s.secret.span.start as usize),
    }
}

/// `refreshInterval`: a duration string as written (Go reads `1h30m` as
/// kiln does), seconds as `90s`, and `1h` when none is given.
fn refresh_interval(refresh: Option<&Value>) -> String {
    match refresh {
        Some(Value::Int(secs)) => format!("{secs}s"),
        Some(Value::String(s)) => s.clone(),
        _ => "1h".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::refresh_interval;
    use crate::check::value::Value;

    #[test]
    fn refresh_is_written_as_go_reads_it() {
        assert_eq!(refresh_interval(None), "1h");
        assert_eq!(refresh_interval(Some(&Value::Int(90))), "90s");
        assert_eq!(
            refresh_interval(Some(&Value::String("1h30m".into()))),
            "1h30m"
        );
    }
}
