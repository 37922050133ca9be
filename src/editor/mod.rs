//! What editors use: the canonical formatter of KDL files (`kiln fmt`) and
//! the language server (`kiln lsp`), both on top of the pipeline's stages.

pub mod kdlfmt;
pub mod lsp;
