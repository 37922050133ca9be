//! The CRDs built into the binary: all of Flux's, since kiln writes Flux
//! objects itself, the ServiceMonitor that web-service's `monitor`
//! renders, and the ExternalSecret and SealedSecret that `secret` nodes
//! render. Each is parsed and compiled the first time an object of its
//! kind is checked, once per process.
//!
//! To add one: copy the file into `crds/` at the repository's root, note
//! where it came from in `crds/SOURCE`, and add a row below.

use std::sync::{Arc, LazyLock, OnceLock};

use super::CrdKind;

/// One built-in CRD: its group and kind (so lookups need not parse it),
/// and its text.
pub struct Builtin {
    pub group: &'static str,
    pub kind: &'static str,
    pub file: &'static str,
    text: &'static str,
}

macro_rules! row {
    ($group:literal, $kind:literal, $file:literal) => {
        Builtin {
            group: $group,
            kind: $kind,
            file: $file,
            text: include_str!(concat!("../../../crds/", $file)),
        }
    };
}

/// Every built-in CRD.
pub const BUILTIN: &[Builtin] = &[
    row!(
        "helm.toolkit.fluxcd.io",
        "HelmRelease",
        "flux/helm.toolkit.fluxcd.io_helmreleases.yaml"
    ),
    row!(
        "image.toolkit.fluxcd.io",
        "ImagePolicy",
        "flux/image.toolkit.fluxcd.io_imagepolicies.yaml"
    ),
    row!(
        "image.toolkit.fluxcd.io",
        "ImageRepository",
        "flux/image.toolkit.fluxcd.io_imagerepositories.yaml"
    ),
    row!(
        "image.toolkit.fluxcd.io",
        "ImageUpdateAutomation",
        "flux/image.toolkit.fluxcd.io_imageupdateautomations.yaml"
    ),
    row!(
        "kustomize.toolkit.fluxcd.io",
        "Kustomization",
        "flux/kustomize.toolkit.fluxcd.io_kustomizations.yaml"
    ),
    row!(
        "notification.toolkit.fluxcd.io",
        "Alert",
        "flux/notification.toolkit.fluxcd.io_alerts.yaml"
    ),
    row!(
        "notification.toolkit.fluxcd.io",
        "Provider",
        "flux/notification.toolkit.fluxcd.io_providers.yaml"
    ),
    row!(
        "notification.toolkit.fluxcd.io",
        "Receiver",
        "flux/notification.toolkit.fluxcd.io_receivers.yaml"
    ),
    row!(
        "source.toolkit.fluxcd.io",
        "Bucket",
        "flux/source.toolkit.fluxcd.io_buckets.yaml"
    ),
    row!(
        "source.toolkit.fluxcd.io",
        "ExternalArtifact",
        "flux/source.toolkit.fluxcd.io_externalartifacts.yaml"
    ),
    row!(
        "source.toolkit.fluxcd.io",
        "GitRepository",
        "flux/source.toolkit.fluxcd.io_gitrepositories.yaml"
    ),
    row!(
        "source.toolkit.fluxcd.io",
        "HelmChart",
        "flux/source.toolkit.fluxcd.io_helmcharts.yaml"
    ),
    row!(
        "source.toolkit.fluxcd.io",
        "HelmRepository",
        "flux/source.toolkit.fluxcd.io_helmrepositories.yaml"
    ),
    row!(
        "source.toolkit.fluxcd.io",
        "OCIRepository",
        "flux/source.toolkit.fluxcd.io_ocirepositories.yaml"
    ),
    row!(
        "monitoring.coreos.com",
        "ServiceMonitor",
        "monitoring.coreos.com_servicemonitors.yaml"
    ),
    row!(
        "external-secrets.io",
        "ExternalSecret",
        "external-secrets.io_externalsecrets.yaml"
    ),
    row!(
        "bitnami.com",
        "SealedSecret",
        "bitnami.com_sealedsecrets.yaml"
    ),
];

/// Each row's compiled CRD, made on first use.
static COMPILED: LazyLock<Vec<OnceLock<Option<Arc<CrdKind>>>>> =
    LazyLock::new(|| BUILTIN.iter().map(|_| OnceLock::new()).collect());

/// The built-in CRD of `group` and `kind`, compiled.
pub fn find(group: &str, kind: &str) -> Option<Arc<CrdKind>> {
    let i = BUILTIN
        .iter()
        .position(|b| b.group == group && b.kind == kind)?;
    COMPILED[i]
        .get_or_init(|| compile(&BUILTIN[i]).ok())
        .clone()
}

/// Parses and compiles one row (the tests check that every row does).
fn compile(b: &Builtin) -> Result<Arc<CrdKind>, String> {
    let docs = crate::render::yaml::from_yaml_documents(b.text).map_err(|e| e.message)?;
    let doc = docs.first().ok_or("no document")?;
    CrdKind::from_json(doc).map(Arc::new)
}

#[cfg(test)]
mod tests {
    use super::{BUILTIN, compile};

    #[test]
    fn every_builtin_crd_compiles_and_matches_its_row() {
        for b in BUILTIN {
            let crd = compile(b).unwrap_or_else(|e| panic!("{}: {e}", b.file));
            assert_eq!(
                (crd.group.as_str(), crd.kind.as_str()),
                (b.group, b.kind),
                "{}",
                b.file
            );
            assert!(crd.versions.iter().any(|v| v.served), "{}", b.file);
        }
    }
}
