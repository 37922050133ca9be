//! What the API server would fill in: `kiln import` compares objects as a
//! cluster would store them, so a field left out on one side and set to
//! its default on the other is no difference. The list is the README's
//! ("Import: API server defaults"); nothing else is ignored.
//!
//! Quantities are compared by value (`2000m` is `2`, `1Gi` is
//! `1073741824`), as the API server stores them in canonical form.

use serde_json::{Value as Json, json};

/// A copy of `obj` with the API server's defaults filled in and every
/// resource quantity in one canonical spelling.
pub fn normalize(obj: &Json) -> Json {
    let mut v = obj.clone();
    // No labels and empty labels are the same to the API server; and so
    // only the labels kiln adds stand out (`compare`).
    for field in ["labels", "annotations"] {
        set_default(&mut v["metadata"], field, json!({}));
    }
    let kind = obj["kind"].as_str().unwrap_or_default().to_string();
    let api = obj["apiVersion"].as_str().unwrap_or_default().to_string();
    match (api.as_str(), kind.as_str()) {
        ("apps/v1", "Deployment") => deployment(&mut v),
        ("apps/v1", "StatefulSet") => statefulset(&mut v),
        ("apps/v1", "DaemonSet") => daemonset(&mut v),
        ("apps/v1", "ReplicaSet") => {
            set_default(&mut v["spec"], "replicas", json!(1));
            pod_template(&mut v["spec"]["template"], true);
        }
        ("batch/v1", "Job") => job_spec(&mut v["spec"]),
        ("batch/v1", "CronJob") => cronjob(&mut v),
        ("v1", "Pod") => pod_spec(&mut v["spec"], true),
        ("v1", "Service") => service(&mut v),
        ("v1", "PersistentVolumeClaim") => {
            set_default(&mut v["spec"], "volumeMode", json!("Filesystem"))
        }
        ("autoscaling/v2", "HorizontalPodAutoscaler") => hpa(&mut v),
        _ => {}
    }
    quantities(&mut v, None);
    v
}

/// Sets `key` on a map when it is missing (a non-map is left alone).
fn set_default(map: &mut Json, key: &str, value: Json) {
    if let Json::Object(m) = map
        && !m.contains_key(key)
    {
        m.insert(key.to_string(), value);
    }
}

fn each(list: &mut Json, f: impl Fn(&mut Json)) {
    if let Json::Array(items) = list {
        items.iter_mut().for_each(f);
    }
}

fn deployment(v: &mut Json) {
    let spec = &mut v["spec"];
    if !spec.is_object() {
        return;
    }
    set_default(spec, "replicas", json!(1));
    set_default(spec, "revisionHistoryLimit", json!(10));
    set_default(spec, "progressDeadlineSeconds", json!(600));
    set_default(spec, "strategy", json!({}));
    set_default(&mut spec["strategy"], "type", json!("RollingUpdate"));
    if spec["strategy"]["type"] == "RollingUpdate" {
        set_default(&mut spec["strategy"], "rollingUpdate", json!({}));
        let ru = &mut spec["strategy"]["rollingUpdate"];
        set_default(ru, "maxSurge", json!("25%"));
        set_default(ru, "maxUnavailable", json!("25%"));
    }
    pod_template(&mut spec["template"], true);
}

fn statefulset(v: &mut Json) {
    let spec = &mut v["spec"];
    if !spec.is_object() {
        return;
    }
    set_default(spec, "replicas", json!(1));
    set_default(spec, "podManagementPolicy", json!("OrderedReady"));
    set_default(spec, "revisionHistoryLimit", json!(10));
    set_default(spec, "updateStrategy", json!({}));
    set_default(&mut spec["updateStrategy"], "type", json!("RollingUpdate"));
    if spec["updateStrategy"]["type"] == "RollingUpdate" {
        set_default(&mut spec["updateStrategy"], "rollingUpdate", json!({}));
        set_default(
            &mut spec["updateStrategy"]["rollingUpdate"],
            "partition",
            json!(0),
        );
    }
    set_default(spec, "persistentVolumeClaimRetentionPolicy", json!({}));
    let retention = &mut spec["persistentVolumeClaimRetentionPolicy"];
    set_default(retention, "whenDeleted", json!("Retain"));
    set_default(retention, "whenScaled", json!("Retain"));
    each(&mut spec["volumeClaimTemplates"], |t| {
        set_default(&mut t["spec"], "volumeMode", json!("Filesystem"));
    });
    pod_template(&mut spec["template"], true);
}

fn daemonset(v: &mut Json) {
    let spec = &mut v["spec"];
    if !spec.is_object() {
        return;
    }
    set_default(spec, "revisionHistoryLimit", json!(10));
    set_default(spec, "updateStrategy", json!({}));
    set_default(&mut spec["updateStrategy"], "type", json!("RollingUpdate"));
    if spec["updateStrategy"]["type"] == "RollingUpdate" {
        set_default(&mut spec["updateStrategy"], "rollingUpdate", json!({}));
        let ru = &mut spec["updateStrategy"]["rollingUpdate"];
        set_default(ru, "maxUnavailable", json!(1));
        set_default(ru, "maxSurge", json!(0));
    }
    pod_template(&mut spec["template"], true);
}

fn cronjob(v: &mut Json) {
    let spec = &mut v["spec"];
    if !spec.is_object() {
        return;
    }
    set_default(spec, "concurrencyPolicy", json!("Allow"));
    set_default(spec, "suspend", json!(false));
    set_default(spec, "successfulJobsHistoryLimit", json!(3));
    set_default(spec, "failedJobsHistoryLimit", json!(1));
    job_spec(&mut spec["jobTemplate"]["spec"]);
}

fn job_spec(spec: &mut Json) {
    if !spec.is_object() {
        return;
    }
    set_default(spec, "backoffLimit", json!(6));
    set_default(spec, "completionMode", json!("NonIndexed"));
    set_default(spec, "suspend", json!(false));
    set_default(spec, "podReplacementPolicy", json!("TerminatingOrFailed"));
    if spec.get("parallelism").is_none() && spec.get("completions").is_none() {
        set_default(spec, "completions", json!(1));
    }
    set_default(spec, "parallelism", json!(1));
    pod_template(&mut spec["template"], false);
}

fn pod_template(t: &mut Json, restart_always: bool) {
    if t.is_object() {
        pod_spec(&mut t["spec"], restart_always);
    }
}

fn pod_spec(spec: &mut Json, restart_always: bool) {
    if !spec.is_object() {
        return;
    }
    if restart_always {
        set_default(spec, "restartPolicy", json!("Always"));
    }
    set_default(spec, "dnsPolicy", json!("ClusterFirst"));
    set_default(spec, "schedulerName", json!("default-scheduler"));
    set_default(spec, "securityContext", json!({}));
    set_default(spec, "terminationGracePeriodSeconds", json!(30));
    set_default(spec, "enableServiceLinks", json!(true));
    for key in ["containers", "initContainers"] {
        each(&mut spec[key], container);
    }
    each(&mut spec["volumes"], |v| {
        for source in ["configMap", "secret", "downwardAPI", "projected"] {
            if v[source].is_object() {
                set_default(&mut v[source], "defaultMode", json!(420));
            }
        }
    });
}

fn container(c: &mut Json) {
    if !c.is_object() {
        return;
    }
    set_default(c, "terminationMessagePath", json!("/dev/termination-log"));
    set_default(c, "terminationMessagePolicy", json!("File"));
    set_default(c, "resources", json!({}));
    if let Some(image) = c["image"].as_str() {
        let policy = if pulls_always(image) {
            "Always"
        } else {
            "IfNotPresent"
        };
        set_default(c, "imagePullPolicy", json!(policy));
    }
    each(&mut c["ports"], |p| {
        set_default(p, "protocol", json!("TCP"))
    });
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        let p = &mut c[probe];
        if !p.is_object() {
            continue;
        }
        set_default(p, "timeoutSeconds", json!(1));
        set_default(p, "periodSeconds", json!(10));
        set_default(p, "successThreshold", json!(1));
        set_default(p, "failureThreshold", json!(3));
        if p["httpGet"].is_object() {
            set_default(&mut p["httpGet"], "scheme", json!("HTTP"));
        }
    }
    each(&mut c["env"], |e| {
        if e["valueFrom"]["fieldRef"].is_object() {
            set_default(&mut e["valueFrom"]["fieldRef"], "apiVersion", json!("v1"));
        }
    });
}

/// The API server's pull policy for an image without one: `Always` for
/// `:latest` or no tag (and no digest), else `IfNotPresent`.
fn pulls_always(image: &str) -> bool {
    if image.contains('@') {
        return false;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, tag)) => tag == "latest",
        None => true,
    }
}

fn service(v: &mut Json) {
    let spec = &mut v["spec"];
    if !spec.is_object() {
        return;
    }
    set_default(spec, "type", json!("ClusterIP"));
    set_default(spec, "sessionAffinity", json!("None"));
    if spec["type"] != "ExternalName" {
        set_default(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    each(&mut spec["ports"], |p| {
        set_default(p, "protocol", json!("TCP"));
        if let Some(port) = p.get("port").cloned() {
            set_default(p, "targetPort", port);
        }
    });
}

fn hpa(v: &mut Json) {
    let spec = &mut v["spec"];
    if !spec.is_object() {
        return;
    }
    set_default(spec, "minReplicas", json!(1));
    set_default(
        spec,
        "metrics",
        json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]),
    );
}

/// Rewrites quantities (the values of `requests`, `limits`, `sizeLimit`,
/// `storage`) as `M×10^E` with `M` free of trailing zeros.
fn quantities(v: &mut Json, key: Option<&str>) {
    match v {
        Json::Object(m) => {
            let is_resources = matches!(key, Some("requests" | "limits"));
            for (k, child) in m.iter_mut() {
                if (is_resources || k == "sizeLimit" || k == "storage")
                    && let Some(q) = canonical_quantity(child)
                {
                    *child = Json::String(q);
                    continue;
                }
                quantities(child, Some(k));
            }
        }
        Json::Array(items) => items.iter_mut().for_each(|i| quantities(i, None)),
        _ => {}
    }
}

/// A quantity's value as `q:M:E` (`M×10^E`), or `None` when `v` is not one.
pub fn canonical_quantity(v: &Json) -> Option<String> {
    let text = match v {
        Json::String(s) => s.clone(),
        Json::Number(n) => n.to_string(),
        _ => return None,
    };
    let (number, suffix) = text.split_at(
        text.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
            .unwrap_or(text.len()),
    );
    let negative = number.starts_with('-');
    let number = number.trim_start_matches(['+', '-']);
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    if int.is_empty() && frac.is_empty()
        || !(int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let mut mantissa: i128 = format!("{int}{frac}").parse().ok()?;
    let mut exp10: i64 = -(frac.len() as i64);
    let (mul10, pow2): (i64, u32) = match suffix {
        "" => (0, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        s => match s.strip_prefix(['e', 'E']) {
            Some(e) => (e.parse().ok()?, 0),
            None => return None,
        },
    };
    exp10 += mul10;
    mantissa = mantissa.checked_mul(1i128.checked_shl(pow2)?)?;
    if mantissa == 0 {
        return Some("q:0:0".to_string());
    }
    while mantissa % 10 == 0 {
        mantissa /= 10;
        exp10 += 1;
    }
    let sign = if negative { "-" } else { "" };
    Some(format!("q:{sign}{mantissa}:{exp10}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_compare_by_value() {
        let q = |s: &str| canonical_quantity(&json!(s)).unwrap();
        assert_eq!(q("2000m"), q("2"));
        assert_eq!(q("1Gi"), q("1073741824"));
        assert_eq!(q("128Mi"), canonical_quantity(&json!(134217728)).unwrap());
        assert_eq!(q("0.5"), q("500m"));
        assert_eq!(q("1e3"), q("1k"));
        assert_ne!(q("1G"), q("1Gi"));
        assert!(canonical_quantity(&json!("a lot")).is_none());
    }

    #[test]
    fn defaults_fill_only_what_is_missing() {
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a"},
            "spec": {"replicas": 3, "strategy": {"type": "Recreate"}, "template": {"spec": {"containers": [
                {"name": "a", "image": "nginx", "ports": [{"containerPort": 80}],
                 "resources": {"limits": {"cpu": "2000m"}},
                 "readinessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5}}]}}}});
        let n = normalize(&d);
        assert_eq!(n["spec"]["replicas"], 3);
        assert_eq!(n["spec"]["strategy"], json!({"type": "Recreate"}));
        let c = &n["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["imagePullPolicy"], "Always");
        assert_eq!(c["ports"][0]["protocol"], "TCP");
        assert_eq!(c["readinessProbe"]["periodSeconds"], 5);
        assert_eq!(c["readinessProbe"]["timeoutSeconds"], 1);
        assert_eq!(c["readinessProbe"]["httpGet"]["scheme"], "HTTP");
        assert_eq!(
            c["resources"]["limits"]["cpu"],
            json!(canonical_quantity(&json!("2")).unwrap())
        );
        assert_eq!(n["spec"]["template"]["spec"]["restartPolicy"], "Always");
        let bare = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a"}, "spec": {}});
        assert_eq!(
            normalize(&bare)["spec"]["strategy"]["rollingUpdate"]["maxSurge"],
            "25%"
        );
    }

    #[test]
    fn pull_policy_follows_the_tag() {
        assert!(pulls_always("nginx"));
        assert!(pulls_always("nginx:latest"));
        assert!(pulls_always("localhost:5000/nginx"));
        assert!(!pulls_always("localhost:5000/nginx:1.2"));
        assert!(!pulls_always("nginx@sha256:abc"));
    }

    #[test]
    fn services_default_their_target_port() {
        let s = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}, "spec": {"ports": [{"port": 80}]}});
        let n = normalize(&s);
        assert_eq!(n["spec"]["ports"][0]["targetPort"], 80);
        assert_eq!(n["spec"]["type"], "ClusterIP");
    }
}
