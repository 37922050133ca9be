//! The commit message: a subject people can scan in `git log --oneline`, a
//! body listing the objects, and trailers tools can parse.

use super::{AppChange, Change, EnvSummary, Summary};

/// More changed apps than this in a subject are summarised as a count.
const MAX_APPS_IN_SUBJECT: usize = 3;

/// The whole message of a commit that applies `change` with `summary`.
pub(crate) fn message(change: &Change, summary: &Summary) -> String {
    let mut out = match &change.promoted_from {
        // `promote staging → production: web 1.8.2 → 1.9.0`
        Some(p) => {
            let deploy = subject(summary);
            let rest = deploy.strip_prefix("deploy ").unwrap_or(&deploy);
            format!("promote {} → {rest}", p.env)
        }
        None => subject(summary),
    };
    out.push_str("\n\n");
    for env in &summary.envs {
        out.push_str(&format!("{} ({}):\n", env.env, env.folder));
        let objects = |paths: &[String]| {
            paths
                .iter()
                .filter(|p| !is_kustomization(p))
                .cloned()
                .collect::<Vec<_>>()
        };
        let mut any = false;
        for (label, paths) in [
            ("added", objects(&env.added)),
            ("changed", objects(&env.changed)),
            ("removed", objects(&env.removed)),
        ] {
            for path in paths {
                out.push_str(&format!("  {label:<8}{path}\n"));
                any = true;
            }
        }
        for (kind, path) in &env.flux {
            let label = match kind {
                super::ChangeKind::Added => "added",
                super::ChangeKind::Changed => "changed",
                super::ChangeKind::Removed => "removed",
            };
            out.push_str(&format!("  {label:<8}{path}\n"));
            any = true;
        }
        if !any {
            out.push_str("  metadata only\n");
        }
    }
    out.push('\n');
    if let Some(commit) = &change.source.commit {
        let repo = change
            .source
            .repo
            .as_deref()
            .map(super::target::redact)
            .unwrap_or_else(|| change.project.clone());
        out.push_str(&format!("Kiln-Source: {repo}@{commit}\n"));
    }
    for env in &summary.envs {
        out.push_str(&format!("Kiln-Env: {}\n", env.env));
    }
    if let Some(p) = &change.promoted_from {
        out.push_str(&format!("Kiln-Promoted-From: {p}\n"));
    }
    out.push_str(&format!("Kiln-Version: {}\n", change.kiln_version));
    out
}

fn is_kustomization(path: &str) -> bool {
    path == "kustomization.yaml" || path.ends_with("/kustomization.yaml")
}

/// `deploy staging: web 1.0 → 1.1, api 2.0`, or `deploy staging: 12 apps`.
pub(crate) fn subject(summary: &Summary) -> String {
    let names: Vec<&str> = summary.envs.iter().map(|e| e.env.as_str()).collect();
    let parts: Vec<String> = summary.envs.iter().map(env_part).collect();
    let all_same = parts.windows(2).all(|w| w[0] == w[1]);
    if all_same {
        let part = parts.first().cloned().unwrap_or_default();
        format!("deploy {}: {part}", names.join(", "))
    } else {
        let per_env: Vec<String> = summary
            .envs
            .iter()
            .zip(&parts)
            .map(|(e, p)| format!("{}: {p}", e.env))
            .collect();
        format!("deploy {}", per_env.join("; "))
    }
}

fn env_part(env: &EnvSummary) -> String {
    if env.apps.is_empty() {
        return "configuration".to_string();
    }
    if env.apps.len() > MAX_APPS_IN_SUBJECT {
        return format!("{} apps", env.apps.len());
    }
    env.apps.iter().map(app_part).collect::<Vec<_>>().join(", ")
}

fn app_part(app: &AppChange) -> String {
    match (&app.old_tag, &app.new_tag) {
        (Some(old), Some(new)) if old != new => format!("{} {old} → {new}", app.app),
        (_, Some(new)) => format!("{} {new}", app.app),
        (Some(_), None) | (None, None) => format!("{} removed", app.app),
    }
}
