//! kiln: a compiler from concise KDL application descriptions to plain
//! Kubernetes YAML, and a careful writer of gitops repositories.
//!
//! The modules follow the pipeline, in the order data flows:
//! `syntax` (KDL files → documents) → `check` (components, types, names →
//! `Model`) → `resolve` (layers, templates, provenance → `Resolved`) →
//! `render` (templates → objects → validation → `EnvOutput`) → `lint`
//! (best practice on the rendered objects → findings) → `gitops`
//! (trees, commits, push) → `cli` (one file per command). `diag` prints
//! diagnostics in every format; `kdlfmt` and `lsp` serve `kiln fmt` and
//! `kiln lsp`. Only `gitops` and `cli` touch the disk or
//! the network; the rest reads files through [`world::World`].

/// The ordered maps of the model and of resolution: `indexmap` with
/// foldhash instead of SipHash (names are looked up per parameter, per app,
/// per env; about 2% of a render's instructions went to hashing them).
/// Iteration stays insertion order, so output does not depend on the seed.
pub type IndexMap<K, V> = indexmap::IndexMap<K, V, foldhash::fast::RandomState>;

pub mod check;
pub mod cli;
pub mod compile;
pub mod diag;
pub mod edit;
pub mod editor;
pub mod gitops;
pub mod images;
pub mod import;
pub mod lint;
pub mod output;
pub mod render;
pub mod resolve;
pub mod span;
pub mod syntax;
#[cfg(test)]
pub(crate) mod testing;
pub mod world;
