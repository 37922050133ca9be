//! Rendering helpers that turn objects into text and check them.
//!
//! [`yaml`] writes and reads the YAML kiln commits, in a form kubectl reads
//! back exactly; [`validate`] checks an object against the built-in
//! Kubernetes schemas that k8s-openapi knows. Both are pure: no disk, no
//! network (the kubectl round-trip test is the one exception, and it lives in
//! a test).

pub mod crd;
pub mod custom;
pub mod fastyaml;
pub mod finish;
mod lint_unit;
pub mod manifests;
pub mod namespaces;
pub mod order;
pub mod pointer;
pub mod renderer;
pub mod secrets;
pub mod validate;
pub mod yaml;
