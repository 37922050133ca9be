//! File access for the pure stages, behind one small trait.
//!
//! `syntax`, `check`, `resolve` and `render` read project files only through
//! [`World`], so tests can run them in memory and the rule "a project never
//! reads outside its directory" is enforced in one place.

mod mem;

pub use mem::MemWorld;

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

/// What the compiler may ask of the file system.
pub trait World: Sync {
    /// The bytes of a file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// The path with symbolic links followed and `..` resolved.
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf>;
    /// Whether `path` itself (not a folder on the way) is a symbolic
    /// link. By default this world cannot tell (an error), and callers
    /// canonicalize the whole path.
    fn is_link(&self, _path: &Path) -> io::Result<bool> {
        Err(io::ErrorKind::Unsupported.into())
    }
    /// Every `*.kdl` file below `root`, sorted, skipping hidden directories,
    /// `target/` and the directories in `skip`.
    fn kdl_files(&self, root: &Path, skip: &[PathBuf]) -> io::Result<Vec<PathBuf>>;
    /// The files a `crds` path names: the file itself, or every `*.yaml`
    /// and `*.yml` file below a directory, sorted, skipping hidden entries
    /// and `kustomization.yaml`. By default the disk's; a world that
    /// serves files of its own may say otherwise.
    fn yaml_files(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        if !std::fs::metadata(path)?.is_dir() {
            return Ok(vec![path.to_path_buf()]);
        }
        let mut out = Vec::new();
        walk_yaml(path, &mut out, 0)?;
        out.sort();
        Ok(out)
    }
}

fn walk_yaml(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> io::Result<()> {
    if depth > 64 {
        return Ok(());
    }
    for e in std::fs::read_dir(dir)?.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Ok(ft) = e.file_type() else { continue };
        if name.starts_with('.') {
            continue;
        }
        if ft.is_dir() {
            walk_yaml(&e.path(), out, depth + 1)?;
        } else if (name.ends_with(".yaml") || name.ends_with(".yml"))
            && name != "kustomization.yaml"
            && name != "kustomization.yml"
        {
            out.push(e.path());
        }
    }
    Ok(())
}

/// The real file system.
pub struct DiskWorld;

impl World for DiskWorld {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }

    fn is_link(&self, path: &Path) -> io::Result<bool> {
        std::fs::symlink_metadata(path).map(|m| m.file_type().is_symlink())
    }

    fn kdl_files(&self, root: &Path, skip: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        walk(root, skip, &mut out, 0)?;
        out.sort();
        Ok(out)
    }
}

fn walk(dir: &Path, skip: &[PathBuf], out: &mut Vec<PathBuf>, depth: usize) -> io::Result<()> {
    // Symbolic links to directories are not followed, so a cycle cannot
    // recurse; the depth bound guards against pathological trees anyway.
    if depth > 64 {
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if name.starts_with('.') || name == "target" || skip.iter().any(|s| s == &path) {
                continue;
            }
            walk(&path, skip, out, depth + 1)?;
        } else if name.ends_with(".kdl") && !name.starts_with('.') {
            out.push(path);
        }
    }
    Ok(())
}

/// The files of a project with some texts served instead of the disk's:
/// an editor's unsaved buffers (`kiln lsp`), or the edits `kiln set image`
/// checks before it writes them.
pub struct Overlay {
    /// Absolute paths to their texts; a path not on disk is a new file.
    pub docs: HashMap<PathBuf, String>,
}

impl World for Overlay {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self.docs.get(path) {
            Some(t) => Ok(t.clone().into_bytes()),
            None => DiskWorld.read(path),
        }
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        match DiskWorld.canonicalize(path) {
            Err(_) if self.docs.contains_key(path) => Ok(path.to_path_buf()),
            r => r,
        }
    }

    fn is_link(&self, path: &Path) -> io::Result<bool> {
        DiskWorld.is_link(path)
    }

    fn kdl_files(&self, root: &Path, skip: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
        let mut files = DiskWorld.kdl_files(root, skip)?;
        // A new file not saved yet is part of the project too.
        for p in self.docs.keys() {
            let hidden = p
                .strip_prefix(root)
                .map(|rel| {
                    rel.components().any(|c| {
                        let s = c.as_os_str().to_string_lossy();
                        s.starts_with('.') || s == "target"
                    })
                })
                .unwrap_or(true);
            if !hidden
                && p.extension().is_some_and(|e| e == "kdl")
                && !skip.iter().any(|s| p.starts_with(s))
                && !files.contains(p)
            {
                files.push(p.clone());
            }
        }
        files.sort();
        Ok(files)
    }
}
