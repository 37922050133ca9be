//! A value that repeats across the apps of each env: the image tag. When
//! several apps' images differ between envs only by their tag, and every
//! env gives all of them the same tag (a release of the whole fleet), the
//! tag becomes the env's `vars tag=` and each app's image is written once,
//! as `repo:{{ vars.tag }}`.

use std::collections::BTreeMap;

use super::kdl::Node;
use super::plan::Plan;
use crate::check::value::Value;

/// `repo:tag` → (`repo`, `tag`); `None` for a digest or no tag.
fn split_tag(image: &str) -> Option<(&str, &str)> {
    if image.contains('@') || image.contains("{{") {
        return None;
    }
    let slash = image.rfind('/').map_or(0, |i| i + 1);
    let colon = slash + image[slash..].find(':')?;
    Some((&image[..colon], &image[colon + 1..]))
}

/// Moves shared per-env image tags into `vars tag=`.
pub fn image_tags(plan: &mut Plan) {
    let n = plan.envs.len();
    if n < 2 {
        return;
    }
    // Tags per env (in env order) → the apps (and their repositories) with them.
    let mut by_tags: BTreeMap<Vec<String>, Vec<(usize, String)>> = BTreeMap::new();
    for (a, app) in plan.apps.iter().enumerate() {
        if app.envs.len() != n || app.nodes.iter().any(|x| x.name == "image") {
            continue;
        }
        let mut repo: Option<&str> = None;
        let mut tags = Vec::new();
        for e in 0..n {
            let image = app
                .overrides
                .get(&e)
                .and_then(|o| o.iter().find(|x| x.name == "image"))
                .and_then(|x| x.args.first())
                .and_then(Value::as_str)
                .and_then(split_tag);
            match (image, repo) {
                (Some((r, t)), None) => {
                    repo = Some(r);
                    tags.push(t.to_string());
                }
                (Some((r, t)), Some(prev)) if r == prev => tags.push(t.to_string()),
                _ => break,
            }
        }
        if let (Some(repo), true) = (repo, tags.len() == n) {
            by_tags.entry(tags).or_default().push((a, repo.to_string()));
        }
    }
    let Some((tags, apps)) = by_tags
        .into_iter()
        .filter(|(_, apps)| apps.len() >= 2)
        .max_by(|a, b| a.1.len().cmp(&b.1.len()).then(b.0.cmp(&a.0)))
    else {
        return;
    };
    for (e, tag) in tags.into_iter().enumerate() {
        plan.envs[e].vars.push(("tag".to_string(), tag));
    }
    for (a, repo) in apps {
        let app = &mut plan.apps[a];
        app.nodes.insert(
            0,
            Node::new("image").arg(format!("{repo}:{{{{ vars.tag }}}}")),
        );
        for e in 0..n {
            if let Some(o) = app.overrides.get_mut(&e) {
                o.retain(|x| x.name != "image");
                if o.is_empty() {
                    app.overrides.remove(&e);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_split_after_the_last_slash() {
        assert_eq!(split_tag("nginx:1.2"), Some(("nginx", "1.2")));
        assert_eq!(
            split_tag("localhost:5000/a/b:3"),
            Some(("localhost:5000/a/b", "3"))
        );
        assert_eq!(split_tag("localhost:5000/a/b"), None);
        assert_eq!(split_tag("a@sha256:00"), None);
    }
}
