//! A project in memory, served to the compiler through [`World`]: `kiln
//! import` checks and renders exactly what it is about to write with the
//! pipeline every command uses, and the fuzz targets compile generated
//! projects without a disk.

use std::collections::BTreeMap;
use std::io;
use std::path::{Component, Path, PathBuf};

use super::World;

/// A project held in memory: paths under a virtual root. No symbolic
/// links, so canonicalising only resolves `.` and `..`.
#[derive(Clone, Debug, Default)]
pub struct MemWorld {
    root: PathBuf,
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl MemWorld {
    /// An empty project whose root is the absolute path `root` (never read
    /// from disk).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        MemWorld {
            root: root.into(),
            files: BTreeMap::new(),
        }
    }

    /// The project root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Adds or replaces a file at `rel`, a path relative to the root.
    pub fn insert(&mut self, rel: &str, bytes: Vec<u8>) {
        self.files.insert(self.root.join(rel), bytes);
    }

    /// Every file, by path relative to the root.
    pub fn files(&self) -> impl Iterator<Item = (String, &[u8])> {
        self.files.iter().map(|(p, b)| {
            let rel = p.strip_prefix(&self.root).unwrap_or(p);
            (rel.to_string_lossy().into_owned(), b.as_slice())
        })
    }
}

/// `..` and `.` resolved without touching a disk.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

impl World for MemWorld {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files
            .get(&lexical(path))
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        let p = lexical(path);
        let is_dir = self.files.keys().any(|f| f.starts_with(&p));
        if self.files.contains_key(&p) || is_dir {
            Ok(p)
        } else {
            Err(io::Error::new(io::ErrorKind::NotFound, "no such file"))
        }
    }

    fn kdl_files(&self, root: &Path, skip: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
        Ok(self
            .files
            .keys()
            .filter(|p| p.starts_with(root) && p.extension().is_some_and(|e| e == "kdl"))
            .filter(|p| !skip.iter().any(|s| p.starts_with(s)))
            .cloned()
            .collect())
    }

    /// The disk's rule on the files held: the file itself, or the YAML
    /// files below a folder (hidden entries and kustomizations left out).
    fn yaml_files(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let p = lexical(path);
        if self.files.contains_key(&p) {
            return Ok(vec![p]);
        }
        Ok(self
            .files
            .keys()
            .filter(|f| {
                let Ok(rel) = f.strip_prefix(&p) else {
                    return false;
                };
                let name = rel
                    .file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default();
                (name.ends_with(".yaml") || name.ends_with(".yml"))
                    && !name.starts_with("kustomization.")
                    && !rel
                        .components()
                        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
            })
            .cloned()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_files_below_its_root() {
        let mut w = MemWorld::new("/import");
        w.insert("kiln.kdl", b"project \"x\"\n".to_vec());
        w.insert("apps/web.kdl", b"app \"web\"\n".to_vec());
        w.insert("manifests/web/a.yaml", b"a: 1\n".to_vec());
        let root = Path::new("/import");
        assert_eq!(
            w.kdl_files(root, &[]).unwrap(),
            vec![root.join("apps/web.kdl"), root.join("kiln.kdl")]
        );
        assert_eq!(
            w.read(&root.join("apps/../manifests/web/a.yaml")).unwrap(),
            b"a: 1\n"
        );
        assert_eq!(
            w.canonicalize(&root.join("apps/../manifests")).unwrap(),
            root.join("manifests")
        );
        assert!(w.canonicalize(&root.join("nope.yaml")).is_err());
        w.insert("crds/.hidden/x.yaml", b"a: 1\n".to_vec());
        assert_eq!(
            w.yaml_files(&root.join("manifests")).unwrap(),
            vec![root.join("manifests/web/a.yaml")]
        );
        assert!(w.yaml_files(&root.join("crds")).unwrap().is_empty());
        let names: Vec<String> = w.files().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "apps/web.kdl",
                "crds/.hidden/x.yaml",
                "kiln.kdl",
                "manifests/web/a.yaml"
            ]
        );
    }
}
