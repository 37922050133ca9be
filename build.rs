//! Embeds every file under `stdlib/` into the binary, so the standard
//! library ships in the same form users write their own components.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new("stdlib");
    println!("cargo:rerun-if-changed=stdlib");
    let mut files = Vec::new();
    collect(root, &mut files);
    files.sort();
    let mut out = String::from(
        "/// Every file of `stdlib/`: path relative to it, and contents.\npub static STDLIB_FILES: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        let rel = f
            .strip_prefix(root)
            .expect("walked below root")
            .to_string_lossy()
            .replace('\\', "/");
        let abs = std::fs::canonicalize(f).expect("file exists");
        let _ = writeln!(
            out,
            "    ({rel:?}, include_str!({:?})),",
            abs.to_string_lossy()
        );
    }
    out.push_str("];\n");
    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("stdlib_files.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        println!("cargo:rerun-if-changed={}", p.display());
        if p.is_dir() {
            collect(&p, out);
        } else {
            out.push(p);
        }
    }
}
