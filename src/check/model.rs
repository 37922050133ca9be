//! The checked project: what `check` produces and `resolve` consumes.

use std::path::PathBuf;

use crate::IndexMap;

pub use super::lint_config::{LintAllow, LintSetting};
use super::schema::Component;
use crate::check::value::Value;
use crate::span::{FileId, Span, Spanned};

/// A whole project, checked: every name resolves, every value has its type.
#[derive(Clone, Debug, Default)]
pub struct Model {
    /// The project directory, canonical.
    pub root: PathBuf,
    pub project: Project,
    /// Every component, standard and the project's, by name.
    pub components: IndexMap<String, Component>,
    /// Apps, envs and flavors, sorted by name.
    pub apps: IndexMap<String, App>,
    pub envs: IndexMap<String, Env>,
    pub flavors: IndexMap<String, Flavor>,
    /// The files documents name (values files, vendored charts), read
    /// after checking by `resolve::document_files::load`.
    pub documents: std::sync::Arc<crate::resolve::document_files::DocumentFiles>,
}

/// The `project` node.
#[derive(Clone, Debug, Default)]
pub struct Project {
    pub name: Spanned<String>,
    pub gitops: Option<Gitops>,
    pub labels: StringMap,
    pub annotations: StringMap,
    /// `lint "RULE" "LEVEL"`, in the order written.
    pub lint: Vec<LintSetting>,
    /// `crds PATH…`: CRD files or folders, relative to `kiln.kdl`.
    pub crds: Vec<Spanned<String>>,
    /// `crds allow-unknown=#true`: objects of a group no CRD defines are a
    /// warning, not an error.
    pub allow_unknown_kinds: bool,
}

/// `gitops URL branch= path= sign=`: defaults for the gitops commands.
#[derive(Clone, Debug)]
pub struct Gitops {
    pub url: Spanned<String>,
    pub branch: String,
    pub path: String,
    /// `sign=#true`: every commit is signed, as with `--sign`.
    pub sign: bool,
}

/// Keys to spanned string values, in the order written.
pub type StringMap = IndexMap<String, Spanned<String>>;

/// One use of a parameter: a node in an app, flavor or env block.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamUse {
    pub name: Spanned<String>,
    /// The node's head (name, arguments, properties), for labels.
    pub span: Span,
    pub args: Vec<Spanned<Value>>,
    pub props: IndexMap<String, PropUse>,
    pub children: Vec<ParamUse>,
    /// `remove=#true`: drops the inherited value.
    pub remove: bool,
}

/// A property of a [`ParamUse`].
#[derive(Clone, Debug, PartialEq)]
pub struct PropUse {
    pub name_span: Span,
    pub value: Spanned<Value>,
}

/// `patch "Kind/name" { set …; remove … }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Patch {
    pub target: Spanned<String>,
    pub ops: Vec<PatchOp>,
    pub span: Span,
}

/// One edit of a [`Patch`].
#[derive(Clone, Debug, PartialEq)]
pub enum PatchOp {
    /// `set POINTER VALUE` (a scalar) or `set POINTER json=TEXT` (any
    /// JSON value), as the JSON the object receives.
    Set {
        pointer: Spanned<String>,
        value: Spanned<serde_json::Value>,
    },
    Remove {
        pointer: Spanned<String>,
    },
}

/// The language-level nodes every app block may hold (decoded in
/// `check::extras`, merged across layers in `resolve::extras`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extras {
    /// `manifest "path"`, as written, with the file that names it.
    pub manifests: Vec<Spanned<String>>,
    pub patches: Vec<Patch>,
    /// `lint-allow "RULE" reason="…"`.
    pub lint_allow: Vec<LintAllow>,
    /// `namespace NAME`: where the app's namespaced objects go.
    pub namespace: Option<NamespaceUse>,
    /// `secret NAME …`: the Secrets the app delivers, in the order written.
    pub secrets: Vec<SecretUse>,
    /// `depends-on APP…`: each app named, in the order written.
    pub depends_on: Vec<Dependency>,
    /// `flux …`: settings of the app's Flux Kustomization.
    pub flux: Option<FluxUse>,
}

/// `secret NAME external=|sops=|sealed= …` in an app, an env's `app` block
/// or a flavor (PLATFORM.md "Secrets"): how one Secret gets into the
/// cluster. Entries merge across layers by their evaluated NAME.
#[derive(Clone, Debug, PartialEq)]
pub struct SecretUse {
    /// The Secret's name as written; it may hold templates, such as
    /// `{{ app.name }}-db` in a flavor that gives every app one.
    pub name: Spanned<String>,
    /// The node's head, for labels and `kiln explain`.
    pub span: Span,
    /// Where the Secret comes from; `None` for `remove=#true`, which drops
    /// the entry a lower layer made.
    pub source: Option<SecretSource>,
}

/// The three ways kiln delivers a Secret.
#[derive(Clone, Debug, PartialEq)]
pub enum SecretSource {
    /// `external=STORE { key … }`: an ExternalSecret.
    External(ExternalSecretUse),
    /// `sops=FILE`: a SOPS-encrypted Secret, committed byte for byte.
    Sops(Spanned<String>),
    /// `sealed=FILE`: a SealedSecret.
    Sealed(Spanned<String>),
}

/// The body of `secret NAME external=STORE …`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExternalSecretUse {
    /// The SecretStore (or ClusterSecretStore) to read from.
    pub store: Spanned<String>,
    /// `cluster-store=#true`: `store` is a ClusterSecretStore.
    pub cluster_store: bool,
    /// `refresh=`: a duration string or seconds; `None` for the default.
    pub refresh: Option<Spanned<Value>>,
    pub keys: Vec<SecretKeyUse>,
}

/// `key NAME remote=… property=… version=…`: one key of an ExternalSecret.
#[derive(Clone, Debug, PartialEq)]
pub struct SecretKeyUse {
    /// The key in the Secret kiln's references check against.
    pub name: Spanned<String>,
    /// The key in the external store (`remoteRef.key`).
    pub remote: Spanned<String>,
    pub property: Option<Spanned<String>>,
    pub version: Option<Spanned<String>>,
    pub span: Span,
}

/// One app named by `depends-on APP… remove=#true?`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dependency {
    /// The app depended on, at its name in the node.
    pub app: Spanned<String>,
    /// `remove=#true`: drops the app from what lower layers declared.
    pub remove: bool,
}

/// `flux interval= retry-interval= timeout= wait= prune=` in an app, env,
/// flavor or env `app` block: fields of a Flux `Kustomization`. Durations
/// are in seconds; an unset field leaves the lower layer's value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FluxUse {
    pub interval: Option<Spanned<u64>>,
    pub retry_interval: Option<Spanned<u64>>,
    pub timeout: Option<Spanned<u64>>,
    pub wait: Option<Spanned<bool>>,
    pub prune: Option<Spanned<bool>>,
    /// The node's head, for labels.
    pub span: Span,
}

/// `namespace NAME` in an app or env `app` block.
#[derive(Clone, Debug, PartialEq)]
pub struct NamespaceUse {
    /// The name as written; it may hold templates.
    pub value: Spanned<String>,
    /// The node's head, for `kiln explain` and labels.
    pub span: Span,
}

/// An `app` node.
#[derive(Clone, Debug)]
pub struct App {
    pub name: Spanned<String>,
    pub component: Spanned<String>,
    /// `envs "a" "b"`: the envs the app is deployed to; `None` for all.
    pub envs: Option<Vec<Spanned<String>>>,
    pub params: Vec<ParamUse>,
    pub extras: Extras,
    pub file: FileId,
    pub span: Span,
}

/// An `env` node.
#[derive(Clone, Debug)]
pub struct Env {
    pub name: Spanned<String>,
    pub namespace: Option<Spanned<String>>,
    pub flavors: Vec<Spanned<String>>,
    pub vars: IndexMap<String, Spanned<Value>>,
    pub labels: StringMap,
    pub annotations: StringMap,
    pub deploy: Vec<DeployRule>,
    pub apps: IndexMap<String, EnvApp>,
    /// `preview ttl=`: the env is a template for preview environments.
    pub preview: Option<Spanned<u64>>,
    pub create_namespace: bool,
    /// `lint "RULE" "LEVEL"`, applied after the project's.
    pub lint: Vec<LintSetting>,
    /// `flux …`: the default of its apps' Flux Kustomizations, and the
    /// settings of the env's own.
    pub flux: Option<FluxUse>,
    pub span: Span,
}

/// An env's `app "NAME"` block.
#[derive(Clone, Debug)]
pub struct EnvApp {
    pub name: Spanned<String>,
    pub disabled: bool,
    pub params: Vec<ParamUse>,
    pub extras: Extras,
    pub span: Span,
}

/// A `deploy` rule: every given glob must match.
#[derive(Clone, Debug, Default)]
pub struct DeployRule {
    pub branch: Option<Spanned<String>>,
    pub tag: Option<Spanned<String>>,
    pub event: Option<Spanned<String>>,
    pub span: Span,
}

/// A `flavor` node.
#[derive(Clone, Debug)]
pub struct Flavor {
    pub name: Spanned<String>,
    pub params: Vec<ParamUse>,
    /// `secret`s, which a flavor gives every app of the envs that apply it.
    pub secrets: Vec<SecretUse>,
    /// `flux …`: settings of the Flux Kustomizations of the envs using it.
    pub flux: Option<FluxUse>,
    pub span: Span,
}

impl App {
    /// True when the app is deployed to `env`.
    pub fn in_env(&self, env: &str) -> bool {
        self.envs
            .as_ref()
            .is_none_or(|e| e.iter().any(|n| n.value == env))
    }
}

impl Env {
    /// The namespace as written (it may hold templates), or the env's name.
    pub fn namespace_template(&self) -> String {
        self.namespace
            .as_ref()
            .map(|n| n.value.clone())
            .unwrap_or_else(|| self.name.value.clone())
    }
}
