use super::*;
use serde_json::json;

fn deployment() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{
                    "name": "web",
                    "image": "nginx:1.27",
                    "imagePullPolicy": "IfNotPresent",
                    "ports": [{"containerPort": 8080, "name": "http"}],
                    "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}},
                    "env": [{"name": "MODE", "value": "prod"}],
                }]},
            },
        },
    })
}

fn problems(v: &Value) -> Vec<Problem> {
    match validate(v) {
        Validation::Invalid(problems) => problems,
        other => panic!("expected problems, got {other:?}"),
    }
}

fn path(segments: &[&str]) -> Vec<String> {
    segments.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn valid_deployment() {
    assert_eq!(validate(&deployment()), Validation::Valid);
}

#[test]
fn a_valid_shape_is_not_trusted_for_strings_parsed_by_value() {
    // Same keys and types as a valid object, but a string k8s-openapi
    // parses (base64, a timestamp) or compares (`kind`) is wrong: the
    // remembered shape must not let it through.
    let secret = |data: &str| {
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
               "data": {"password": data}})
    };
    assert_eq!(validate(&secret("aHVudGVyMg==")), Validation::Valid);
    assert_eq!(validate(&secret("aHVudGVyMg==")), Validation::Valid);
    assert!(matches!(
        validate(&secret("not base64!")),
        Validation::Invalid(_)
    ));
    let mut d = deployment();
    d["metadata"]["creationTimestamp"] = json!("2026-01-02T03:04:05Z");
    assert_eq!(validate(&d), Validation::Valid);
    d["metadata"]["creationTimestamp"] = json!("yesterday");
    assert!(matches!(validate(&d), Validation::Invalid(_)));
    let mut job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
        "spec": {"template": {"spec": {"restartPolicy": "Never",
            "containers": [{"name": "c", "image": "busybox"}]}}},
        "status": {"startTime": "2026-01-02T03:04:05Z",
            "conditions": [{"type": "Complete", "status": "True",
                "lastTransitionTime": "2026-01-02T03:04:05Z"}]}});
    assert_eq!(validate(&job), Validation::Valid);
    job["status"]["conditions"][0]["lastTransitionTime"] = json!("soon");
    assert!(matches!(validate(&job), Validation::Invalid(_)));
    // A number out of an i32's range after a valid one.
    let mut d = deployment();
    assert_eq!(validate(&d), Validation::Valid);
    d["spec"]["replicas"] = json!(4_000_000_000u64);
    assert!(matches!(validate(&d), Validation::Invalid(_)));
    // The same fields under another kind's name (a DaemonSet has no replicas).
    let mut d = deployment();
    d["kind"] = json!("DaemonSet");
    assert!(matches!(validate(&d), Validation::Invalid(_)));
}

#[test]
fn objects_of_one_shape_differing_in_plain_strings_share_the_verdict() {
    let mut d = deployment();
    assert_eq!(validate(&d), Validation::Valid);
    d["metadata"]["name"] = json!("other");
    d["spec"]["template"]["spec"]["containers"][0]["image"] = json!("busybox:1");
    assert_eq!(shape_of(&d), shape_of(&deployment()));
    assert_eq!(validate(&d), Validation::Valid);
    d["spec"]["replicas"] = json!(4);
    assert_ne!(shape_of(&d), shape_of(&deployment()));
}

#[test]
fn every_unknown_field_deep_inside() {
    let mut d = deployment();
    let container = &mut d["spec"]["template"]["spec"]["containers"][0];
    container["imagePullPolicyy"] = json!("Always");
    container["ports"][0]["containerPortt"] = json!(1);
    d["spec"]["strategyy"] = json!({});
    let found = problems(&d);
    // In document order: the new container key comes after `ports`.
    assert_eq!(
        found,
        vec![
            Problem::new(
                path(&[
                    "spec",
                    "template",
                    "spec",
                    "containers",
                    "0",
                    "ports",
                    "0",
                    "containerPortt"
                ]),
                "unknown field `containerPortt`"
            ),
            Problem::new(
                path(&[
                    "spec",
                    "template",
                    "spec",
                    "containers",
                    "0",
                    "imagePullPolicyy"
                ]),
                "unknown field `imagePullPolicyy`"
            ),
            Problem::new(path(&["spec", "strategyy"]), "unknown field `strategyy`"),
        ]
    );
}

#[test]
fn mistyped_fields_all_reported_with_unknown_ones() {
    let mut d = deployment();
    d["spec"]["replicas"] = json!("3");
    d["spec"]["template"]["spec"]["containers"][0]["name"] = json!(5);
    d["spec"]["template"]["spec"]["containers"][0]["bogus"] = json!(true);
    assert_eq!(
        problems(&d),
        vec![
            Problem::new(
                path(&["spec", "replicas"]),
                "expected an integer, found a string"
            ),
            Problem::new(
                path(&["spec", "template", "spec", "containers", "0", "name"]),
                "expected a string, found an integer"
            ),
            Problem::new(
                path(&["spec", "template", "spec", "containers", "0", "bogus"]),
                "unknown field `bogus`"
            ),
        ]
    );
}

#[test]
fn out_of_range_and_wrong_shapes() {
    let mut d = deployment();
    d["spec"]["replicas"] = json!(5_000_000_000_u64);
    d["spec"]["template"]["spec"]["containers"][0]["ports"] = json!({"http": 80});
    assert_eq!(
        problems(&d),
        vec![
            Problem::new(
                path(&["spec", "replicas"]),
                "expected an integer that fits in i32, found `5000000000`"
            ),
            Problem::new(
                path(&["spec", "template", "spec", "containers", "0", "ports"]),
                "expected a list, found a map"
            ),
        ]
    );
}

#[test]
fn missing_container_name() {
    let mut d = deployment();
    if let Some(c) = d["spec"]["template"]["spec"]["containers"][0].as_object_mut() {
        c.remove("name");
    }
    assert_eq!(
        problems(&d),
        vec![Problem::new(
            path(&["spec", "template", "spec", "containers", "0"]),
            "missing field `name`"
        )]
    );
}

#[test]
fn missing_selector_and_null_required() {
    let mut d = deployment();
    if let Some(spec) = d["spec"].as_object_mut() {
        spec.remove("selector");
    }
    d["spec"]["template"]["spec"]["containers"][0]["env"][0]["name"] = Value::Null;
    assert_eq!(
        problems(&d),
        vec![
            Problem::new(path(&["spec"]), "missing field `selector`"),
            Problem::new(
                path(&["spec", "template", "spec", "containers", "0", "env", "0"]),
                "missing field `name`"
            ),
        ]
    );
}

#[test]
fn missing_nested_references() {
    let hpa = json!({
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web"},
        "spec": {"scaleTargetRef": {"name": "web"}},
    });
    assert_eq!(
        problems(&hpa),
        vec![
            Problem::new(path(&["spec"]), "missing field `maxReplicas`"),
            Problem::new(path(&["spec", "scaleTargetRef"]), "missing field `kind`"),
        ]
    );
    let rb = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "r"},
    });
    assert_eq!(
        problems(&rb),
        vec![Problem::new(Vec::new(), "missing field `roleRef`")]
    );
}

#[test]
fn not_built_in_kinds() {
    let sm = json!({
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": "x"},
        "spec": {"endpoints": [{"port": "http"}]},
    });
    assert_eq!(validate(&sm), Validation::NotBuiltIn);
    let ks = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization"});
    assert_eq!(validate(&ks), Validation::NotBuiltIn);
    let knative = json!({"apiVersion": "serving.knative.dev/v1", "kind": "Service"});
    assert_eq!(validate(&knative), Validation::NotBuiltIn);
    assert_eq!(
        validate(&json!({"apiVersion": "v1", "kind": "List"})),
        Validation::NotBuiltIn
    );
    assert_eq!(
        is_namespaced("monitoring.coreos.com/v1", "ServiceMonitor"),
        None
    );
}

#[test]
fn known_kind_under_wrong_api_version() {
    let ing = json!({"apiVersion": "extensions/v1beta1", "kind": "Ingress", "metadata": {}});
    assert_eq!(
        problems(&ing),
        vec![Problem::new(
            path(&["apiVersion"]),
            "`Ingress` is served as apiVersion `networking.k8s.io/v1`, not `extensions/v1beta1`"
        )]
    );
    let hpa = json!({"apiVersion": "autoscaling/v2beta2", "kind": "HorizontalPodAutoscaler"});
    assert_eq!(
        problems(&hpa)[0].message,
        "`HorizontalPodAutoscaler` is served as apiVersion `autoscaling/v1` or \
         `autoscaling/v2`, not `autoscaling/v2beta2`"
    );
    let typo = json!({"apiVersion": "apps/v1", "kind": "Deploymnet"});
    assert_eq!(
        problems(&typo)[0].message,
        "unknown kind `Deploymnet` in built-in apiVersion `apps/v1`"
    );
}

#[test]
fn scopes() {
    assert_eq!(is_namespaced("v1", "Namespace"), Some(false));
    assert_eq!(is_namespaced("apps/v1", "Deployment"), Some(true));
    assert_eq!(
        is_namespaced("rbac.authorization.k8s.io/v1", "ClusterRole"),
        Some(false)
    );
    assert_eq!(is_namespaced("v1", "ConfigMap"), Some(true));
    assert_eq!(is_namespaced("apps/v1beta1", "Deployment"), None);
}

#[test]
fn valid_cron_job() {
    let cj = json!({
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "backup", "namespace": "prod"},
        "spec": {
            "schedule": "0 3 * * *",
            "concurrencyPolicy": "Forbid",
            "jobTemplate": {"spec": {
                "backoffLimit": 2,
                "template": {"spec": {
                    "restartPolicy": "OnFailure",
                    "containers": [{"name": "backup", "image": "busybox", "command": ["sh", "-c", "echo hi"]}],
                }},
            }},
        },
    });
    assert_eq!(validate(&cj), Validation::Valid);
}

#[test]
fn valid_hpa_v2() {
    let hpa = json!({
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 2,
            "maxReplicas": 10,
            "metrics": [{
                "type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
            }],
        },
    });
    assert_eq!(validate(&hpa), Validation::Valid);
}

#[test]
fn other_kinds_valid() {
    let objects = [
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}}),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "type": "Opaque",
               "data": {"a": "aGVsbG8="}, "stringData": {"b": "x"}}),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {
            "selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": "http"}]}}),
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"},
               "spec": {"minAvailable": "50%", "selector": {"matchLabels": {"app": "web"}}}}),
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web"},
               "spec": {"rules": [{"host": "x.example", "http": {"paths": [{"path": "/", "pathType": "Prefix",
               "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}),
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"}, "spec": {
            "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
            "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": "postgres",
                "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql"}]}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "10Gi"}}}}]}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "r"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
               "subjects": [{"kind": "ServiceAccount", "name": "web", "namespace": "prod"}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r"},
               "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}),
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "n"},
               "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": [{"podSelector": {}}],
               "ports": [{"port": 80, "protocol": "TCP"}]}]}}),
        json!({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"}, "value": 1000}),
        json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
               "metadata": {"name": "widgets.example.com"}, "spec": {"group": "example.com",
               "names": {"kind": "Widget", "plural": "widgets"}, "scope": "Namespaced",
               "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {
                   "type": "object", "x-kubernetes-preserve-unknown-fields": true,
                   "properties": {"spec": {"type": "object", "default": {"size": 1}}}}}}]}}),
    ];
    for obj in objects {
        assert_eq!(validate(&obj), Validation::Valid, "{obj}");
    }
}

#[test]
fn arbitrary_json_does_not_panic() {
    assert_eq!(
        problems(&json!([1, 2])),
        vec![Problem::new(Vec::new(), "expected an object, found a list")]
    );
    assert_eq!(
        problems(&json!("Deployment")),
        vec![Problem::new(
            Vec::new(),
            "expected an object, found a string"
        )]
    );
    assert_eq!(
        problems(&json!({"kind": "Deployment"})),
        vec![Problem::new(Vec::new(), "missing field `apiVersion`")]
    );
    assert_eq!(
        problems(&json!({"apiVersion": 1, "kind": "Deployment"})),
        vec![Problem::new(
            path(&["apiVersion"]),
            "expected a string, found a number"
        )]
    );
    let odd = [
        json!(null),
        json!({}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": []}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {"containers": [1, "x", null, []]}}}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"labels": [1], "creationTimestamp": "yesterday"}}),
        json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "a", "resources": {"limits": {"cpu": "lots"}}}]}}),
    ];
    for obj in odd {
        let _ = validate(&obj);
    }
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                        "data": {"a": "not base64!"}});
    assert_eq!(
        problems(&secret),
        vec![Problem::new(
            path(&["data", "a"]),
            "invalid base64: invalid symbol 32, offset 3"
        )]
    );
}
