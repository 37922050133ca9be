//! The `.kiln/` metadata of an env folder: what each project owns, and each
//! app's current release. Plain data, written as sorted, pretty JSON with a
//! trailing newline and no timestamps, so identical input gives identical
//! bytes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `.kiln/<project>.json`: every file the project wrote in the env.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerState {
    /// The project that owns these files.
    pub project: String,
    /// The kiln version that last wrote them.
    pub kiln_version: String,
    /// The source commit they were rendered from, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_commit: Option<String>,
    /// Paths relative to the env folder.
    pub files: BTreeMap<String, OwnedFile>,
}

/// One file a project wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnedFile {
    /// The app the file belongs to; none for env-wide files such as
    /// `namespace.yaml`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// Lower-case hex SHA-256 of the bytes kiln wrote: how drift is found.
    pub sha256: String,
}

/// `.kiln/releases/<app>.json`: the app's current release.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    pub app: String,
    pub env: String,
    /// Full image references, sorted.
    pub images: Vec<String>,
    /// What identifies the app's rendered state: see [`rendered_sha256`].
    /// Any change of the app's files changes it, so every such commit is a
    /// release of its own, even with the same images and source commit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_repo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_commit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// The person or bot that triggered the release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    pub kiln_version: String,
    /// After a rollback, the gitops commit the files came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolled_back_from: Option<String>,
    /// After `kiln promote`: `<env>@<gitops commit>`, the release whose
    /// images this one runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promoted_from: Option<String>,
}

/// Serialise metadata the one way kiln does: pretty, field order fixed by
/// the struct, maps sorted, newline-terminated.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising plain structs of strings and maps cannot fail.
    let mut bytes = serde_json::to_vec_pretty(value).expect("metadata is always serialisable");
    bytes.push(b'\n');
    bytes
}

/// The SHA-256 of an app's rendered files: of the lines `<sha256>  <name>`
/// of its files, sorted by name, which is what `LC_ALL=C sha256sum *` prints
/// in the app's folder (so `(cd production/web && LC_ALL=C sha256sum *) |
/// sha256sum` gives it back). `files` are (name in the app folder, SHA-256).
pub(crate) fn rendered_sha256<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut files: Vec<(&str, &str)> = files.into_iter().collect();
    files.sort();
    let mut listing = String::new();
    for (name, sha256) in files {
        listing.push_str(sha256);
        listing.push_str("  ");
        listing.push_str(name);
        listing.push('\n');
    }
    sha256_hex(listing.as_bytes())
}

/// Lower-case hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest.iter() {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_hex_is_lower_case_hex_of_the_digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
