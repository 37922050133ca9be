//! Container image references: their parts, how two name the same
//! repository, and putting another env's images into a rendered app
//! (`kiln promote`).
//!
//! A promotion replaces each container image of the target app whose
//! repository one of the source release's images has, by that image,
//! tag and digest included: `ghcr.io/acme/web:1.8.2` becomes
//! `ghcr.io/acme/web:1.9.0@sha256:…` when the source runs that. Images of
//! other repositories (a sidecar the source does not run) stay.

use serde_json::Value as Json;

use crate::check::types::split_reference;
use crate::output::AppOutput;
use crate::render::yaml;

/// The repository as a registry names it, so that `nginx`,
/// `library/nginx` and `docker.io/library/nginx` compare equal.
pub fn canonical_repository(image: &str) -> String {
    let repository = split_reference(image).repository;
    let (first, rest) = repository.split_once('/').unwrap_or(("", repository));
    let is_registry = first.contains(['.', ':']) || first == "localhost";
    let (registry, path) = if is_registry {
        (first, rest)
    } else {
        ("docker.io", repository)
    };
    let registry = match registry {
        "index.docker.io" | "registry-1.docker.io" => "docker.io",
        r => r,
    };
    if registry == "docker.io" && !path.contains('/') {
        format!("docker.io/library/{path}")
    } else {
        format!("{registry}/{path}")
    }
}

/// What [`promote_app`] did to one app.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Swapped {
    /// `(old, new)` per image replaced by a different one, sorted.
    pub changed: Vec<(String, String)>,
    /// Whether any container image had a repository of the source's.
    pub matched: bool,
}

/// Replaces, in every object of `app`, each container image whose
/// repository one of `source` has by that image, and recomputes the app's
/// image list. Files whose images do not change are left byte for byte.
pub fn promote_app(app: &mut AppOutput, source: &[String]) -> Swapped {
    let by_repo: Vec<(String, &str)> = source
        .iter()
        .map(|s| (canonical_repository(s), s.as_str()))
        .collect();
    let mut swapped = Swapped::default();
    for bytes in app.files.values_mut() {
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        // Only objects kiln wrote are read back, one per file.
        let Ok(mut docs) = yaml::from_yaml_documents(text) else {
            continue;
        };
        let mut edited = false;
        for doc in &mut docs {
            swap(doc, &by_repo, &mut swapped, &mut edited);
        }
        if edited && let [doc] = docs.as_slice() {
            *bytes = yaml::to_yaml(doc).into_bytes();
        }
    }
    let mut images = Vec::new();
    for bytes in app.files.values() {
        if let Ok(docs) = yaml::from_yaml_documents(&String::from_utf8_lossy(bytes)) {
            docs.iter().for_each(|d| collect(d, &mut images));
        }
    }
    images.sort();
    images.dedup();
    app.images = images;
    swapped.changed.sort();
    swapped.changed.dedup();
    swapped
}

/// The pod-spec lists that hold containers.
const CONTAINER_LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];

fn swap(v: &mut Json, by_repo: &[(String, &str)], out: &mut Swapped, edited: &mut bool) {
    match v {
        Json::Object(m) => {
            for (k, child) in m.iter_mut() {
                if CONTAINER_LISTS.contains(&k.as_str())
                    && let Json::Array(items) = child
                {
                    for c in items.iter_mut() {
                        let Some(image) = c.get("image").and_then(Json::as_str) else {
                            continue;
                        };
                        let repo = canonical_repository(image);
                        let Some((_, new)) = by_repo.iter().find(|(r, _)| *r == repo) else {
                            continue;
                        };
                        out.matched = true;
                        if image != *new {
                            out.changed.push((image.to_string(), new.to_string()));
                            c["image"] = Json::String(new.to_string());
                            *edited = true;
                        }
                    }
                }
                swap(child, by_repo, out, edited);
            }
        }
        Json::Array(items) => items.iter_mut().for_each(|i| swap(i, by_repo, out, edited)),
        _ => {}
    }
}

fn collect(v: &Json, out: &mut Vec<String>) {
    match v {
        Json::Object(m) => {
            for (k, child) in m {
                if CONTAINER_LISTS.contains(&k.as_str())
                    && let Json::Array(items) = child
                {
                    out.extend(
                        items
                            .iter()
                            .filter_map(|c| c.get("image").and_then(Json::as_str))
                            .map(str::to_string),
                    );
                }
                collect(child, out);
            }
        }
        Json::Array(items) => items.iter().for_each(|i| collect(i, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_names_compare_equal() {
        for name in [
            "nginx",
            "nginx:1.27",
            "library/nginx@sha256:00",
            "docker.io/library/nginx",
            "index.docker.io/library/nginx:1",
        ] {
            assert_eq!(
                canonical_repository(name),
                "docker.io/library/nginx",
                "{name}"
            );
        }
        assert_eq!(canonical_repository("acme/web:1"), "docker.io/acme/web");
        assert_eq!(canonical_repository("localhost/web"), "localhost/web");
        assert_ne!(
            canonical_repository("ghcr.io/acme/web"),
            canonical_repository("ghcr.io/acme/web-worker")
        );
    }

    fn app_with(images: &[&str]) -> AppOutput {
        let containers: Vec<Json> = images
            .iter()
            .enumerate()
            .map(|(i, image)| serde_json::json!({"name": format!("c{i}"), "image": image}))
            .collect();
        let deployment = serde_json::json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {"template": {"spec": {"containers": containers}}},
        });
        let service =
            serde_json::json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}});
        let mut app = AppOutput::default();
        app.files.insert(
            "deployment-web.yaml".into(),
            yaml::to_yaml(&deployment).into_bytes(),
        );
        app.files.insert(
            "service-web.yaml".into(),
            yaml::to_yaml(&service).into_bytes(),
        );
        app.images = images.iter().map(|i| i.to_string()).collect();
        app.images.sort();
        app
    }

    #[test]
    fn swaps_by_repository_and_keeps_other_images() {
        let mut app = app_with(&["ghcr.io/acme/web:1.8.2", "envoyproxy/envoy:v1.30"]);
        let service = app.files["service-web.yaml"].clone();
        let to = "ghcr.io/acme/web:1.9.0@sha256:".to_string() + &"a".repeat(64);
        let swapped = promote_app(&mut app, std::slice::from_ref(&to));
        assert!(swapped.matched);
        assert_eq!(
            swapped.changed,
            vec![("ghcr.io/acme/web:1.8.2".to_string(), to.clone())]
        );
        assert_eq!(app.images, vec!["envoyproxy/envoy:v1.30".to_string(), to]);
        assert_eq!(app.files["service-web.yaml"], service, "untouched file");
    }

    #[test]
    fn the_same_image_matches_without_a_change() {
        let mut app = app_with(&["ghcr.io/acme/web:1.9.0"]);
        let before = app.clone();
        let swapped = promote_app(&mut app, &["ghcr.io/acme/web:1.9.0".to_string()]);
        assert!(swapped.matched && swapped.changed.is_empty());
        assert_eq!(app, before);
        let other = promote_app(&mut app, &["ghcr.io/acme/api:2".to_string()]);
        assert!(!other.matched);
    }
}
