//! Checks objects against the built-in Kubernetes kinds.
//!
//! k8s-openapi's typed structs are the schema: an object is deserialized as
//! the struct of its `apiVersion`/`kind`, with `serde_ignored` catching
//! every field the struct does not know and `serde_path_to_error` giving the
//! path of a value of the wrong type. Its deserializers fill a missing
//! required field with a default instead of failing, so required fields are
//! found by serializing the typed value back: a key it writes that the input
//! lacks is a required one.
//!
//! Kinds not built into Kubernetes 1.33 (custom resources, Flux, …) are
//! reported as [`Validation::NotBuiltIn`]: there is no schema here for them.

use k8s_openapi::Resource;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashSet;
use std::io::Write as _;
use std::sync::{LazyLock, RwLock};

/// The outcome of [`validate`] for one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Validation {
    /// A built-in kind whose fields all check out.
    Valid,
    /// Everything found wrong with the object, in the order found.
    Invalid(Vec<Problem>),
    /// An `apiVersion`/`kind` pair that Kubernetes 1.33 does not build in,
    /// so there is no schema to check it against.
    NotBuiltIn,
}

/// One thing wrong with an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Field path from the object's root, list indices as numbers:
    /// `["spec", "template", "spec", "containers", "0", "imagePullPolicyy"]`.
    /// For a missing field, the path of the object that lacks it.
    pub path: Vec<String>,
    /// What is wrong, rustc-style: ``unknown field `imagePullPolicyy` ``,
    /// `expected an integer, found a string`.
    pub message: String,
}

impl Problem {
    fn new(path: Vec<String>, message: impl Into<String>) -> Self {
        Problem {
            path,
            message: message.into(),
        }
    }
}

/// Checks `obj` against the schema of its built-in kind.
///
/// A kind known under another `apiVersion` of a built-in group (say
/// `extensions/v1beta1` `Ingress`) is invalid, with a message naming the
/// versions that serve it; so is an unknown kind in a built-in group. A kind
/// in any other group is [`Validation::NotBuiltIn`].
pub fn validate(obj: &Value) -> Validation {
    let (api_version, kind) = match type_meta(obj) {
        Ok(pair) => pair,
        Err(problems) => return Validation::Invalid(problems),
    };
    if let Some(entry) = find(api_version, kind) {
        let shape = shape_of(obj);
        if is_known_valid(&shape) {
            return Validation::Valid;
        }
        let problems = (entry.check)(obj);
        return if problems.is_empty() {
            remember_valid(shape);
            Validation::Valid
        } else {
            Validation::Invalid(problems)
        };
    }
    let group = group_of(api_version);
    if !is_builtin_group(group) || kind.ends_with("List") {
        return Validation::NotBuiltIn;
    }
    let served: Vec<&str> = KINDS
        .iter()
        .filter(|entry| entry.kind == kind)
        .map(|entry| entry.api_version)
        .collect();
    let message = match served.as_slice() {
        [] => format!("unknown kind `{kind}` in built-in apiVersion `{api_version}`"),
        [one] => format!("`{kind}` is served as apiVersion `{one}`, not `{api_version}`"),
        many => format!(
            "`{kind}` is served as apiVersion {}, not `{api_version}`",
            many.iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    };
    Validation::Invalid(vec![Problem::new(vec!["apiVersion".to_owned()], message)])
}

/// The shapes of objects found valid so far, in this process.
///
/// Whether an object checks out depends on its keys, the types of its
/// values and its numbers, but not on the text of most strings: a
/// Deployment of app `a` is valid exactly when one of app `b` with the same
/// fields is. The strings it does depend on are kept in the shape whole:
/// `apiVersion` and `kind` (which k8s-openapi compares), and every string
/// under a field that k8s-openapi parses by value ([`is_parsed_field`]). Only
/// valid shapes are kept: an invalid object is checked in full, so its
/// messages and paths are its own.
static VALID_SHAPES: LazyLock<RwLock<HashSet<Vec<u8>>>> =
    LazyLock::new(|| RwLock::new(HashSet::new()));

/// At most this many shapes are kept (a few hundred MiB at worst); past
/// it, new shapes are checked every time.
const MAX_SHAPES: usize = 100_000;

/// JSON names of the fields whose strings k8s-openapi 1.33's types parse by
/// value: timestamps (`Time`, `MicroTime`) and base64 (`ByteString`), alone
/// or as the values of a map (`disruptedPods`, Secret `data`). Found with
/// `grep -E 'pub [a-z_0-9]+: .*(meta::v1::Time|meta::v1::MicroTime|ByteString)'`
/// over k8s-openapi's `src/v1_33` and each field's `"jsonName" =>` line;
/// update it with the Kubernetes version feature.
fn is_parsed_field(key: &str) -> bool {
    matches!(
        key,
        "acquireTime"
            | "binaryData"
            | "caBundle"
            | "certificate"
            | "completionTime"
            | "creationTimestamp"
            | "data"
            | "deletionTimestamp"
            | "deprecatedFirstTimestamp"
            | "deprecatedLastTimestamp"
            | "disruptedPods"
            | "eventTime"
            | "expirationTimestamp"
            | "finishedAt"
            | "firstTimestamp"
            | "lastHeartbeatTime"
            | "lastObservedTime"
            | "lastPhaseTransitionTime"
            | "lastProbeTime"
            | "lastScaleTime"
            | "lastScheduleTime"
            | "lastSuccessfulTime"
            | "lastTimestamp"
            | "lastTransitionTime"
            | "lastUpdateTime"
            | "pingTime"
            | "renewTime"
            | "request"
            | "startTime"
            | "startedAt"
            | "time"
            | "timeAdded"
    )
}

fn is_known_valid(shape: &[u8]) -> bool {
    VALID_SHAPES
        .read()
        .is_ok_and(|shapes| shapes.contains(shape))
}

fn remember_valid(shape: Vec<u8>) {
    if let Ok(mut shapes) = VALID_SHAPES.write()
        && shapes.len() < MAX_SHAPES
    {
        shapes.insert(shape);
    }
}

/// An unambiguous encoding of what [`check_as`]'s verdict depends on: keys
/// in order, value types, numbers, and the strings described at
/// [`VALID_SHAPES`]. Keys and kept strings are length-prefixed.
fn shape_of(obj: &Value) -> Vec<u8> {
    fn text(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    fn walk(v: &Value, whole: bool, out: &mut Vec<u8>) {
        match v {
            Value::Null => out.push(b'0'),
            Value::Bool(b) => out.push(if *b { b't' } else { b'f' }),
            Value::Number(n) => {
                out.push(b'n');
                let _ = write!(out, "{n};");
            }
            Value::String(s) if whole => {
                out.push(b'S');
                text(out, s);
            }
            Value::String(_) => out.push(b's'),
            Value::Array(items) => {
                out.push(b'[');
                for item in items {
                    walk(item, whole, out);
                }
                out.push(b']');
            }
            Value::Object(map) => {
                out.push(b'{');
                for (key, value) in map {
                    text(out, key);
                    let whole =
                        whole || key == "apiVersion" || key == "kind" || is_parsed_field(key);
                    walk(value, whole, out);
                }
                out.push(b'}');
            }
        }
    }
    let mut out = Vec::with_capacity(1024);
    walk(obj, false, &mut out);
    out
}

/// Whether a built-in kind lives in a namespace (`Some(true)`) or is
/// cluster-wide (`Some(false)`); `None` for kinds not built in.
pub fn is_namespaced(api_version: &str, kind: &str) -> Option<bool> {
    find(api_version, kind).map(|entry| entry.namespaced)
}

/// Reads `apiVersion` and `kind`, which every object needs before anything
/// else can be checked.
fn type_meta(obj: &Value) -> Result<(&str, &str), Vec<Problem>> {
    let Value::Object(map) = obj else {
        return Err(vec![Problem::new(
            Vec::new(),
            format!("expected an object, found {}", describe_value(obj)),
        )]);
    };
    let mut problems = Vec::new();
    let mut field = |name: &str| match map.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.as_str()),
        Some(Value::String(_)) | Some(Value::Null) | None => {
            problems.push(Problem::new(Vec::new(), format!("missing field `{name}`")));
            None
        }
        Some(other) => {
            problems.push(Problem::new(
                vec![name.to_owned()],
                format!("expected a string, found {}", describe_value(other)),
            ));
            None
        }
    };
    let api_version = field("apiVersion");
    let kind = field("kind");
    match (api_version, kind) {
        (Some(api_version), Some(kind)) => Ok((api_version, kind)),
        _ => Err(problems),
    }
}

fn describe_value(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// The API group of an `apiVersion`: `apps` for `apps/v1`, empty for the
/// core `v1`.
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// Groups served by Kubernetes itself, including `extensions`, which is
/// gone but still found in old manifests. No custom resource can use these.
pub fn is_builtin_group(group: &str) -> bool {
    group == "extensions"
        || KINDS
            .iter()
            .any(|entry| group_of(entry.api_version) == group)
}

fn find(api_version: &str, kind: &str) -> Option<&'static Kind> {
    KINDS
        .iter()
        .find(|entry| entry.api_version == api_version && entry.kind == kind)
}

/// One built-in kind and how to check it.
struct Kind {
    api_version: &'static str,
    kind: &'static str,
    namespaced: bool,
    check: fn(&Value) -> Vec<Problem>,
}

/// Maps k8s-openapi's scope marker types to a flag. Subresource-scoped
/// types (`Scale`, `Eviction`, …) deliberately have no impl: they are
/// request bodies, not objects one commits.
trait Scope {
    const NAMESPACED: bool;
}

impl Scope for k8s_openapi::NamespaceResourceScope {
    const NAMESPACED: bool = true;
}

impl Scope for k8s_openapi::ClusterResourceScope {
    const NAMESPACED: bool = false;
}

macro_rules! kinds {
    ($($ty:ty),* $(,)?) => {
        /// Every object kind of Kubernetes 1.33 that k8s-openapi has.
        const KINDS: &[Kind] = &[$(
            Kind {
                api_version: <$ty as Resource>::API_VERSION,
                kind: <$ty as Resource>::KIND,
                namespaced: <<$ty as Resource>::Scope as Scope>::NAMESPACED,
                check: check_as::<$ty>,
            }
        ),*];
    };
}

kinds! {
    k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration,
    k8s_openapi::api::admissionregistration::v1::ValidatingAdmissionPolicy,
    k8s_openapi::api::admissionregistration::v1::ValidatingAdmissionPolicyBinding,
    k8s_openapi::api::admissionregistration::v1::ValidatingWebhookConfiguration,
    k8s_openapi::api::admissionregistration::v1alpha1::MutatingAdmissionPolicy,
    k8s_openapi::api::admissionregistration::v1alpha1::MutatingAdmissionPolicyBinding,
    k8s_openapi::api::admissionregistration::v1beta1::ValidatingAdmissionPolicy,
    k8s_openapi::api::admissionregistration::v1beta1::ValidatingAdmissionPolicyBinding,
    k8s_openapi::api::apiserverinternal::v1alpha1::StorageVersion,
    k8s_openapi::api::apps::v1::ControllerRevision,
    k8s_openapi::api::apps::v1::DaemonSet,
    k8s_openapi::api::apps::v1::Deployment,
    k8s_openapi::api::apps::v1::ReplicaSet,
    k8s_openapi::api::apps::v1::StatefulSet,
    k8s_openapi::api::authentication::v1::SelfSubjectReview,
    k8s_openapi::api::authentication::v1::TokenReview,
    k8s_openapi::api::authorization::v1::LocalSubjectAccessReview,
    k8s_openapi::api::authorization::v1::SelfSubjectAccessReview,
    k8s_openapi::api::authorization::v1::SelfSubjectRulesReview,
    k8s_openapi::api::authorization::v1::SubjectAccessReview,
    k8s_openapi::api::autoscaling::v1::HorizontalPodAutoscaler,
    k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler,
    k8s_openapi::api::batch::v1::CronJob,
    k8s_openapi::api::batch::v1::Job,
    k8s_openapi::api::certificates::v1::CertificateSigningRequest,
    k8s_openapi::api::certificates::v1alpha1::ClusterTrustBundle,
    k8s_openapi::api::certificates::v1beta1::ClusterTrustBundle,
    k8s_openapi::api::coordination::v1::Lease,
    k8s_openapi::api::coordination::v1alpha2::LeaseCandidate,
    k8s_openapi::api::coordination::v1beta1::LeaseCandidate,
    k8s_openapi::api::core::v1::Binding,
    k8s_openapi::api::core::v1::ComponentStatus,
    k8s_openapi::api::core::v1::ConfigMap,
    k8s_openapi::api::core::v1::Endpoints,
    k8s_openapi::api::core::v1::Event,
    k8s_openapi::api::core::v1::LimitRange,
    k8s_openapi::api::core::v1::Namespace,
    k8s_openapi::api::core::v1::Node,
    k8s_openapi::api::core::v1::PersistentVolume,
    k8s_openapi::api::core::v1::PersistentVolumeClaim,
    k8s_openapi::api::core::v1::Pod,
    k8s_openapi::api::core::v1::PodTemplate,
    k8s_openapi::api::core::v1::ReplicationController,
    k8s_openapi::api::core::v1::ResourceQuota,
    k8s_openapi::api::core::v1::Secret,
    k8s_openapi::api::core::v1::Service,
    k8s_openapi::api::core::v1::ServiceAccount,
    k8s_openapi::api::discovery::v1::EndpointSlice,
    k8s_openapi::api::events::v1::Event,
    k8s_openapi::api::flowcontrol::v1::FlowSchema,
    k8s_openapi::api::flowcontrol::v1::PriorityLevelConfiguration,
    k8s_openapi::api::networking::v1::IPAddress,
    k8s_openapi::api::networking::v1::Ingress,
    k8s_openapi::api::networking::v1::IngressClass,
    k8s_openapi::api::networking::v1::NetworkPolicy,
    k8s_openapi::api::networking::v1::ServiceCIDR,
    k8s_openapi::api::networking::v1beta1::IPAddress,
    k8s_openapi::api::networking::v1beta1::ServiceCIDR,
    k8s_openapi::api::node::v1::RuntimeClass,
    k8s_openapi::api::policy::v1::PodDisruptionBudget,
    k8s_openapi::api::rbac::v1::ClusterRole,
    k8s_openapi::api::rbac::v1::ClusterRoleBinding,
    k8s_openapi::api::rbac::v1::Role,
    k8s_openapi::api::rbac::v1::RoleBinding,
    k8s_openapi::api::resource::v1alpha3::DeviceClass,
    k8s_openapi::api::resource::v1alpha3::DeviceTaintRule,
    k8s_openapi::api::resource::v1alpha3::ResourceClaim,
    k8s_openapi::api::resource::v1alpha3::ResourceClaimTemplate,
    k8s_openapi::api::resource::v1alpha3::ResourceSlice,
    k8s_openapi::api::resource::v1beta1::DeviceClass,
    k8s_openapi::api::resource::v1beta1::ResourceClaim,
    k8s_openapi::api::resource::v1beta1::ResourceClaimTemplate,
    k8s_openapi::api::resource::v1beta1::ResourceSlice,
    k8s_openapi::api::resource::v1beta2::DeviceClass,
    k8s_openapi::api::resource::v1beta2::ResourceClaim,
    k8s_openapi::api::resource::v1beta2::ResourceClaimTemplate,
    k8s_openapi::api::resource::v1beta2::ResourceSlice,
    k8s_openapi::api::scheduling::v1::PriorityClass,
    k8s_openapi::api::storage::v1::CSIDriver,
    k8s_openapi::api::storage::v1::CSINode,
    k8s_openapi::api::storage::v1::CSIStorageCapacity,
    k8s_openapi::api::storage::v1::StorageClass,
    k8s_openapi::api::storage::v1::VolumeAttachment,
    k8s_openapi::api::storage::v1alpha1::VolumeAttributesClass,
    k8s_openapi::api::storage::v1beta1::VolumeAttributesClass,
    k8s_openapi::api::storagemigration::v1alpha1::StorageVersionMigration,
    k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
    k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::APIService,
}

/// What `serde_ignored` calls with each unknown field: one type for every
/// kind. A closure would be a type of its own in each `check_as::<T>`, and
/// the deserializer wrapping it too, so every k8s-openapi type under a
/// kind would be compiled again for each of the ~90 kinds that contain it
/// (two thirds of a release build's CPU time, and half the binary).
type OnIgnored<'a> = &'a mut dyn FnMut(serde_ignored::Path<'_>);

/// How many mistyped values one object may report; each costs one more
/// pass over the object.
const MAX_TYPE_ERRORS: usize = 32;

/// Checks `obj` as a `T`: its type errors, then its unknown fields, then
/// its missing required fields.
///
/// A type error stops serde, so after each one the offending value is
/// removed from a copy and the copy checked again, until it deserializes or
/// no progress is made. A required field removed that way is not reported
/// missing as well.
///
/// Every pass tracks paths, though most objects are valid and would not
/// need them: with one deserializer type, each k8s-openapi type's
/// `Deserialize` is compiled once, not once per pass (an untracked first
/// pass doubled the crate's largest share of build time), and valid shapes
/// are checked only once per process anyway ([`VALID_SHAPES`]).
fn check_as<T: DeserializeOwned + Serialize>(obj: &Value) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut removed: Vec<Vec<String>> = Vec::new();
    // Copied only once a mistyped value has to be removed: most objects
    // are valid and need no deep copy at all.
    let mut current = std::borrow::Cow::Borrowed(obj);
    let mut unknown: Vec<Vec<String>> = Vec::new();
    for _ in 0..=MAX_TYPE_ERRORS {
        let mut track = serde_path_to_error::Track::new();
        let result = {
            let mut on_ignored: OnIgnored<'_> = &mut |path| {
                let path = ignored_path(&path);
                if !unknown.contains(&path) {
                    unknown.push(path);
                }
            };
            let de = serde_ignored::Deserializer::new(&*current, &mut on_ignored);
            T::deserialize(serde_path_to_error::Deserializer::new(de, &mut track))
        };
        match result {
            Ok(typed) => {
                problems.extend(unknown_problems(&unknown));
                if let Ok(back) = serde_json::to_value(&typed) {
                    find_missing(&current, &back, &mut Vec::new(), &removed, &mut problems);
                }
                return problems;
            }
            Err(err) => {
                let path = error_path(&track.path());
                let message = describe_error(&err.to_string());
                if removed.contains(&path) || !remove_at(current.to_mut(), &path) {
                    problems.push(Problem::new(path, message));
                    break;
                }
                if !is_suppressed_missing(&message, &path, &removed) {
                    problems.push(Problem::new(path.clone(), message));
                }
                removed.push(path);
            }
        }
    }
    problems.extend(unknown_problems(&unknown));
    problems
}

fn unknown_problems(unknown: &[Vec<String>]) -> impl Iterator<Item = Problem> + '_ {
    unknown.iter().map(|path| {
        let name = path.last().map_or("", String::as_str);
        Problem::new(path.clone(), format!("unknown field `{name}`"))
    })
}

/// Whether `message` reports a required field at `path` that was removed
/// earlier because its value had the wrong type.
fn is_suppressed_missing(message: &str, path: &[String], removed: &[Vec<String>]) -> bool {
    let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    else {
        return false;
    };
    removed
        .iter()
        .any(|r| r.len() == path.len() + 1 && r.starts_with(path) && r[path.len()] == field)
}

/// Removes the value at `path` from `v`; map entries only, since removing
/// a list element would shift the paths of the ones after it. Returns
/// whether something was removed.
fn remove_at(v: &mut Value, path: &[String]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut cursor = v;
    for segment in parents {
        cursor = match cursor {
            Value::Object(map) => match map.get_mut(segment) {
                Some(next) => next,
                None => return false,
            },
            Value::Array(items) => {
                match segment.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                    Some(next) => next,
                    None => return false,
                }
            }
            _ => return false,
        };
    }
    match cursor {
        Value::Object(map) => map.shift_remove(last).is_some(),
        _ => false,
    }
}

/// Reports every key the typed value wrote back that the input lacks (or
/// holds as null): k8s-openapi writes required fields always and optional
/// ones only when set, so these are the missing required fields. A key
/// written with a non-default value was not defaulted but supplied by the
/// type itself (the `apiVersion` and `kind` of an embedded
/// PersistentVolumeClaim), so it is not reported.
fn find_missing(
    input: &Value,
    typed: &Value,
    path: &mut Vec<String>,
    removed: &[Vec<String>],
    problems: &mut Vec<Problem>,
) {
    match (input, typed) {
        (Value::Object(input), Value::Object(typed)) => {
            for (key, typed_value) in typed {
                path.push(key.clone());
                match input.get(key) {
                    None | Some(Value::Null) => {
                        if is_default_like(typed_value) && !removed.contains(path) {
                            problems.push(Problem::new(
                                path[..path.len() - 1].to_vec(),
                                format!("missing field `{key}`"),
                            ));
                        }
                    }
                    Some(input_value) => {
                        find_missing(input_value, typed_value, path, removed, problems)
                    }
                }
                path.pop();
            }
        }
        (Value::Array(input), Value::Array(typed)) => {
            for (i, (input_item, typed_item)) in input.iter().zip(typed).enumerate() {
                path.push(i.to_string());
                find_missing(input_item, typed_item, path, removed, problems);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Whether `v` is what a defaulted required field serializes to: an empty
/// string, zero, false, null, an empty list, or a map of such values.
fn is_default_like(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.values().all(is_default_like),
    }
}

fn ignored_path(path: &serde_ignored::Path<'_>) -> Vec<String> {
    let mut segments = Vec::new();
    let mut cursor = path;
    loop {
        cursor = match cursor {
            serde_ignored::Path::Root => break,
            serde_ignored::Path::Seq { parent, index } => {
                segments.push(index.to_string());
                parent
            }
            serde_ignored::Path::Map { parent, key } => {
                segments.push(key.clone());
                parent
            }
            serde_ignored::Path::Some { parent }
            | serde_ignored::Path::NewtypeStruct { parent }
            | serde_ignored::Path::NewtypeVariant { parent } => parent,
        };
    }
    segments.reverse();
    segments
}

fn error_path(path: &serde_path_to_error::Path) -> Vec<String> {
    path.iter()
        .filter_map(|segment| match segment {
            serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
            serde_path_to_error::Segment::Map { key } => Some(key.clone()),
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {
                None
            }
        })
        .collect()
}

/// Rewrites serde's messages (`invalid type: string "3", expected i32`) in
/// kiln's words (`expected an integer, found a string`); others pass as
/// they are, already lower case.
fn describe_error(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.rsplit_once(", expected ")
    {
        return format!(
            "expected {}, found {}",
            describe_expected(expected, false),
            describe_found(found)
        );
    }
    if let Some(rest) = message.strip_prefix("invalid value: ")
        && let Some((found, expected)) = rest.rsplit_once(", expected ")
    {
        let found = found
            .split_once(' ')
            .map_or(found, |(_, value)| value)
            .trim_matches('`');
        return format!(
            "expected {}, found `{found}`",
            describe_expected(expected, true)
        );
    }
    tidy(message)
}

/// Brings messages from other crates' parsers (base64, timestamps) to
/// kiln's style: lower case, no trailing period, saying what failed.
fn tidy(message: &str) -> String {
    let message = message.trim().trim_end_matches('.');
    let mut chars = message.chars();
    let message = match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            format!("{}{}", first.to_lowercase(), &message[first.len_utf8()..])
        }
        _ => message.to_owned(),
    };
    let base64 = [
        "invalid symbol",
        "invalid last symbol",
        "invalid padding",
        "invalid byte",
        "encoded text",
    ];
    if base64.iter().any(|prefix| message.starts_with(prefix)) {
        return format!("invalid base64: {message}");
    }
    message
}

fn describe_found(found: &str) -> &str {
    let head = found.split([' ', '(']).next().unwrap_or(found);
    match head {
        "string" | "char" => "a string",
        "integer" => "an integer",
        "floating" => "a number",
        "boolean" => "a boolean",
        "map" => "a map",
        "sequence" => "a list",
        "null" | "unit" => "null",
        _ => found,
    }
}

fn describe_expected(expected: &str, with_range: bool) -> String {
    let described = match expected {
        "i8" | "i16" | "i32" | "i64" | "i128" | "u8" | "u16" | "u32" | "u64" | "u128" => {
            if with_range {
                return format!("an integer that fits in {expected}");
            }
            "an integer"
        }
        "f32" | "f64" => "a number",
        "a string" | "string" => "a string",
        "a boolean" => "a boolean",
        "a sequence" => "a list",
        "a map" => "a map",
        "IntOrString" => "an integer or a string",
        "Quantity" => "a quantity",
        "Time" | "MicroTime" => "a timestamp",
        other
            if other.starts_with("struct ")
                || (other.starts_with(|c: char| c.is_ascii_uppercase())
                    && other.chars().all(|c| c.is_ascii_alphanumeric())) =>
        {
            "a map"
        }
        other => other,
    };
    described.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{
                        "name": "web",
                        "image": "nginx:1.27",
                        "imagePullPolicy": "IfNotPresent",
                        "ports": [{"containerPort": 8080, "name": "http"}],
                        "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}},
                        "env": [{"name": "MODE", "value": "prod"}],
                    }]},
                },
            },
        })
    }

    fn problems(v: &Value) -> Vec<Problem> {
        match validate(v) {
            Validation::Invalid(problems) => problems,
            other => panic!("expected problems, got {other:?}"),
        }
    }

    fn path(segments: &[&str]) -> Vec<String> {
        segments.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn valid_deployment() {
        assert_eq!(validate(&deployment()), Validation::Valid);
    }

    #[test]
    fn a_valid_shape_is_not_trusted_for_strings_parsed_by_value() {
        // Same keys and types as a valid object, but a string k8s-openapi
        // parses (base64, a timestamp) or compares (`kind`) is wrong: the
        // remembered shape must not let it through.
        let secret = |data: &str| {
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                   "data": {"password": data}})
        };
        assert_eq!(validate(&secret("aHVudGVyMg==")), Validation::Valid);
        assert_eq!(validate(&secret("aHVudGVyMg==")), Validation::Valid);
        assert!(matches!(
            validate(&secret("not base64!")),
            Validation::Invalid(_)
        ));
        let mut d = deployment();
        d["metadata"]["creationTimestamp"] = json!("2026-01-02T03:04:05Z");
        assert_eq!(validate(&d), Validation::Valid);
        d["metadata"]["creationTimestamp"] = json!("yesterday");
        assert!(matches!(validate(&d), Validation::Invalid(_)));
        let mut job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
            "spec": {"template": {"spec": {"restartPolicy": "Never",
                "containers": [{"name": "c", "image": "busybox"}]}}},
            "status": {"startTime": "2026-01-02T03:04:05Z",
                "conditions": [{"type": "Complete", "status": "True",
                    "lastTransitionTime": "2026-01-02T03:04:05Z"}]}});
        assert_eq!(validate(&job), Validation::Valid);
        job["status"]["conditions"][0]["lastTransitionTime"] = json!("soon");
        assert!(matches!(validate(&job), Validation::Invalid(_)));
        // A number out of an i32's range after a valid one.
        let mut d = deployment();
        assert_eq!(validate(&d), Validation::Valid);
        d["spec"]["replicas"] = json!(4_000_000_000u64);
        assert!(matches!(validate(&d), Validation::Invalid(_)));
        // The same fields under another kind's name (a DaemonSet has no replicas).
        let mut d = deployment();
        d["kind"] = json!("DaemonSet");
        assert!(matches!(validate(&d), Validation::Invalid(_)));
    }

    #[test]
    fn objects_of_one_shape_differing_in_plain_strings_share_the_verdict() {
        let mut d = deployment();
        assert_eq!(validate(&d), Validation::Valid);
        d["metadata"]["name"] = json!("other");
        d["spec"]["template"]["spec"]["containers"][0]["image"] = json!("busybox:1");
        assert_eq!(shape_of(&d), shape_of(&deployment()));
        assert_eq!(validate(&d), Validation::Valid);
        d["spec"]["replicas"] = json!(4);
        assert_ne!(shape_of(&d), shape_of(&deployment()));
    }

    #[test]
    fn every_unknown_field_deep_inside() {
        let mut d = deployment();
        let container = &mut d["spec"]["template"]["spec"]["containers"][0];
        container["imagePullPolicyy"] = json!("Always");
        container["ports"][0]["containerPortt"] = json!(1);
        d["spec"]["strategyy"] = json!({});
        let found = problems(&d);
        // In document order: the new container key comes after `ports`.
        assert_eq!(
            found,
            vec![
                Problem::new(
                    path(&[
                        "spec",
                        "template",
                        "spec",
                        "containers",
                        "0",
                        "ports",
                        "0",
                        "containerPortt"
                    ]),
                    "unknown field `containerPortt`"
                ),
                Problem::new(
                    path(&[
                        "spec",
                        "template",
                        "spec",
                        "containers",
                        "0",
                        "imagePullPolicyy"
                    ]),
                    "unknown field `imagePullPolicyy`"
                ),
                Problem::new(path(&["spec", "strategyy"]), "unknown field `strategyy`"),
            ]
        );
    }

    #[test]
    fn mistyped_fields_all_reported_with_unknown_ones() {
        let mut d = deployment();
        d["spec"]["replicas"] = json!("3");
        d["spec"]["template"]["spec"]["containers"][0]["name"] = json!(5);
        d["spec"]["template"]["spec"]["containers"][0]["bogus"] = json!(true);
        assert_eq!(
            problems(&d),
            vec![
                Problem::new(
                    path(&["spec", "replicas"]),
                    "expected an integer, found a string"
                ),
                Problem::new(
                    path(&["spec", "template", "spec", "containers", "0", "name"]),
                    "expected a string, found an integer"
                ),
                Problem::new(
                    path(&["spec", "template", "spec", "containers", "0", "bogus"]),
                    "unknown field `bogus`"
                ),
            ]
        );
    }

    #[test]
    fn out_of_range_and_wrong_shapes() {
        let mut d = deployment();
        d["spec"]["replicas"] = json!(5_000_000_000_u64);
        d["spec"]["template"]["spec"]["containers"][0]["ports"] = json!({"http": 80});
        assert_eq!(
            problems(&d),
            vec![
                Problem::new(
                    path(&["spec", "replicas"]),
                    "expected an integer that fits in i32, found `5000000000`"
                ),
                Problem::new(
                    path(&["spec", "template", "spec", "containers", "0", "ports"]),
                    "expected a list, found a map"
                ),
            ]
        );
    }

    #[test]
    fn missing_container_name() {
        let mut d = deployment();
        if let Some(c) = d["spec"]["template"]["spec"]["containers"][0].as_object_mut() {
            c.remove("name");
        }
        assert_eq!(
            problems(&d),
            vec![Problem::new(
                path(&["spec", "template", "spec", "containers", "0"]),
                "missing field `name`"
            )]
        );
    }

    #[test]
    fn missing_selector_and_null_required() {
        let mut d = deployment();
        if let Some(spec) = d["spec"].as_object_mut() {
            spec.remove("selector");
        }
        d["spec"]["template"]["spec"]["containers"][0]["env"][0]["name"] = Value::Null;
        assert_eq!(
            problems(&d),
            vec![
                Problem::new(path(&["spec"]), "missing field `selector`"),
                Problem::new(
                    path(&["spec", "template", "spec", "containers", "0", "env", "0"]),
                    "missing field `name`"
                ),
            ]
        );
    }

    #[test]
    fn missing_nested_references() {
        let hpa = json!({
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web"},
            "spec": {"scaleTargetRef": {"name": "web"}},
        });
        assert_eq!(
            problems(&hpa),
            vec![
                Problem::new(path(&["spec"]), "missing field `maxReplicas`"),
                Problem::new(path(&["spec", "scaleTargetRef"]), "missing field `kind`"),
            ]
        );
        let rb = json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "r"},
        });
        assert_eq!(
            problems(&rb),
            vec![Problem::new(Vec::new(), "missing field `roleRef`")]
        );
    }

    #[test]
    fn not_built_in_kinds() {
        let sm = json!({
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "ServiceMonitor",
            "metadata": {"name": "x"},
            "spec": {"endpoints": [{"port": "http"}]},
        });
        assert_eq!(validate(&sm), Validation::NotBuiltIn);
        let ks = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization"});
        assert_eq!(validate(&ks), Validation::NotBuiltIn);
        let knative = json!({"apiVersion": "serving.knative.dev/v1", "kind": "Service"});
        assert_eq!(validate(&knative), Validation::NotBuiltIn);
        assert_eq!(
            validate(&json!({"apiVersion": "v1", "kind": "List"})),
            Validation::NotBuiltIn
        );
        assert_eq!(
            is_namespaced("monitoring.coreos.com/v1", "ServiceMonitor"),
            None
        );
    }

    #[test]
    fn known_kind_under_wrong_api_version() {
        let ing = json!({"apiVersion": "extensions/v1beta1", "kind": "Ingress", "metadata": {}});
        assert_eq!(
            problems(&ing),
            vec![Problem::new(
                path(&["apiVersion"]),
                "`Ingress` is served as apiVersion `networking.k8s.io/v1`, not `extensions/v1beta1`"
            )]
        );
        let hpa = json!({"apiVersion": "autoscaling/v2beta2", "kind": "HorizontalPodAutoscaler"});
        assert_eq!(
            problems(&hpa)[0].message,
            "`HorizontalPodAutoscaler` is served as apiVersion `autoscaling/v1` or \
             `autoscaling/v2`, not `autoscaling/v2beta2`"
        );
        let typo = json!({"apiVersion": "apps/v1", "kind": "Deploymnet"});
        assert_eq!(
            problems(&typo)[0].message,
            "unknown kind `Deploymnet` in built-in apiVersion `apps/v1`"
        );
    }

    #[test]
    fn scopes() {
        assert_eq!(is_namespaced("v1", "Namespace"), Some(false));
        assert_eq!(is_namespaced("apps/v1", "Deployment"), Some(true));
        assert_eq!(
            is_namespaced("rbac.authorization.k8s.io/v1", "ClusterRole"),
            Some(false)
        );
        assert_eq!(is_namespaced("v1", "ConfigMap"), Some(true));
        assert_eq!(is_namespaced("apps/v1beta1", "Deployment"), None);
    }

    #[test]
    fn valid_cron_job() {
        let cj = json!({
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "backup", "namespace": "prod"},
            "spec": {
                "schedule": "0 3 * * *",
                "concurrencyPolicy": "Forbid",
                "jobTemplate": {"spec": {
                    "backoffLimit": 2,
                    "template": {"spec": {
                        "restartPolicy": "OnFailure",
                        "containers": [{"name": "backup", "image": "busybox", "command": ["sh", "-c", "echo hi"]}],
                    }},
                }},
            },
        });
        assert_eq!(validate(&cj), Validation::Valid);
    }

    #[test]
    fn valid_hpa_v2() {
        let hpa = json!({
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web"},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "minReplicas": 2,
                "maxReplicas": 10,
                "metrics": [{
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
                }],
            },
        });
        assert_eq!(validate(&hpa), Validation::Valid);
    }

    #[test]
    fn other_kinds_valid() {
        let objects = [
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}}),
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "type": "Opaque",
                   "data": {"a": "aGVsbG8="}, "stringData": {"b": "x"}}),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {
                "selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": "http"}]}}),
            json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"},
                   "spec": {"minAvailable": "50%", "selector": {"matchLabels": {"app": "web"}}}}),
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web"},
                   "spec": {"rules": [{"host": "x.example", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                   "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}),
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"}, "spec": {
                "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": "postgres",
                    "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql"}]}]}},
                "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": "10Gi"}}}}]}}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "r"},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
                   "subjects": [{"kind": "ServiceAccount", "name": "web", "namespace": "prod"}]}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r"},
                   "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}),
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "n"},
                   "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": [{"podSelector": {}}],
                   "ports": [{"port": 80, "protocol": "TCP"}]}]}}),
            json!({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"}, "value": 1000}),
            json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                   "metadata": {"name": "widgets.example.com"}, "spec": {"group": "example.com",
                   "names": {"kind": "Widget", "plural": "widgets"}, "scope": "Namespaced",
                   "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {
                       "type": "object", "x-kubernetes-preserve-unknown-fields": true,
                       "properties": {"spec": {"type": "object", "default": {"size": 1}}}}}}]}}),
        ];
        for obj in objects {
            assert_eq!(validate(&obj), Validation::Valid, "{obj}");
        }
    }

    #[test]
    fn arbitrary_json_does_not_panic() {
        assert_eq!(
            problems(&json!([1, 2])),
            vec![Problem::new(Vec::new(), "expected an object, found a list")]
        );
        assert_eq!(
            problems(&json!("Deployment")),
            vec![Problem::new(
                Vec::new(),
                "expected an object, found a string"
            )]
        );
        assert_eq!(
            problems(&json!({"kind": "Deployment"})),
            vec![Problem::new(Vec::new(), "missing field `apiVersion`")]
        );
        assert_eq!(
            problems(&json!({"apiVersion": 1, "kind": "Deployment"})),
            vec![Problem::new(
                path(&["apiVersion"]),
                "expected a string, found a number"
            )]
        );
        let odd = [
            json!(null),
            json!({}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": []}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {"containers": [1, "x", null, []]}}}}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"labels": [1], "creationTimestamp": "yesterday"}}),
            json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "a", "resources": {"limits": {"cpu": "lots"}}}]}}),
        ];
        for obj in odd {
            let _ = validate(&obj);
        }
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                            "data": {"a": "not base64!"}});
        assert_eq!(
            problems(&secret),
            vec![Problem::new(
                path(&["data", "a"]),
                "invalid base64: invalid symbol 32, offset 3"
            )]
        );
    }
}
