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

mod messages;
use messages::{describe_error, error_path, ignored_path};

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

#[cfg(test)]
mod tests;
