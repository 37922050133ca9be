//! What a commit would change, for `kiln diff`: per env and per file,
//! added / changed / removed, with unified diffs, as text or as Markdown fit
//! for a pull-request comment.

use similar::TextDiff;

use super::ChangeKind;

/// Every change a commit would make, env by env. `.kiln/` metadata is left
/// out: it follows from the objects.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    pub envs: Vec<EnvDiff>,
}

/// The changes of one env folder.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvDiff {
    pub env: String,
    pub folder: String,
    /// Sorted by path.
    pub files: Vec<FileDiff>,
}

/// One file that would be added, changed or removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileDiff {
    /// Relative to the env folder.
    pub path: String,
    pub kind: ChangeKind,
    /// The content at the branch tip (none when added).
    pub old: Option<String>,
    /// The content kiln would write (none when removed).
    pub new: Option<String>,
}

impl FileDiff {
    /// The unified diff of this file, paths relative to the repository root.
    pub fn unified(&self, folder: &str) -> String {
        let old = self.old.as_deref().unwrap_or("");
        let new = self.new.as_deref().unwrap_or("");
        let a = match self.kind {
            ChangeKind::Added => "/dev/null".to_string(),
            _ => format!("a/{folder}/{}", self.path),
        };
        let b = match self.kind {
            ChangeKind::Removed => "/dev/null".to_string(),
            _ => format!("b/{folder}/{}", self.path),
        };
        TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(3)
            .header(&a, &b)
            .to_string()
    }
}

impl Diff {
    /// No env would change: `kiln diff --exit-code` exits 0.
    pub fn is_empty(&self) -> bool {
        self.envs.iter().all(|e| e.files.is_empty())
    }

    /// Plain text: a stat line per file, then (unless `stat_only`) the
    /// unified diffs.
    pub fn to_text(&self, stat_only: bool) -> String {
        if self.is_empty() {
            return "no changes\n".to_string();
        }
        let mut out = String::new();
        for env in self.envs.iter().filter(|e| !e.files.is_empty()) {
            out.push_str(&format!("{} ({}): {}\n", env.env, env.folder, counts(env)));
            for file in &env.files {
                out.push_str(&format!("  {:<8}{}\n", kind_word(file.kind), file.path));
            }
        }
        if !stat_only {
            for env in &self.envs {
                for file in &env.files {
                    out.push('\n');
                    out.push_str(&file.unified(&env.folder));
                }
            }
        }
        out
    }

    /// Markdown for a pull-request comment: a table per env and, unless
    /// `stat_only`, each diff folded in a `<details>` block.
    pub fn to_markdown(&self, stat_only: bool) -> String {
        if self.is_empty() {
            return "**kiln diff**: no changes\n".to_string();
        }
        let mut out = String::from("### kiln diff\n");
        for env in self.envs.iter().filter(|e| !e.files.is_empty()) {
            out.push_str(&format!(
                "\n#### `{}` (`{}`): {}\n\n| change | file |\n| --- | --- |\n",
                env.env,
                env.folder,
                counts(env)
            ));
            for file in &env.files {
                out.push_str(&format!("| {} | `{}` |\n", kind_word(file.kind), file.path));
            }
            if !stat_only {
                for file in &env.files {
                    let text = file.unified(&env.folder);
                    let fence = if text.contains("```") { "~~~~" } else { "```" };
                    out.push_str(&format!(
                        "\n<details><summary>{} <code>{}</code></summary>\n\n{fence}diff\n{text}{}{fence}\n\n</details>\n",
                        kind_word(file.kind),
                        file.path,
                        if text.ends_with('\n') { "" } else { "\n" },
                    ));
                }
            }
        }
        out
    }
}

fn kind_word(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Added => "added",
        ChangeKind::Changed => "changed",
        ChangeKind::Removed => "removed",
    }
}

fn counts(env: &EnvDiff) -> String {
    let n = |k| env.files.iter().filter(|f| f.kind == k).count();
    format!(
        "{} added, {} changed, {} removed",
        n(ChangeKind::Added),
        n(ChangeKind::Changed),
        n(ChangeKind::Removed)
    )
}
