//! Flux's CRDs (tests/fixtures/flux-crds) as a check of the objects
//! `kiln bootstrap` writes: each document against the openAPIV3Schema of
//! its served version, as the API server would check a custom resource.

use std::path::Path;

use serde_json::Value;

/// The openAPIV3Schema of `apiVersion`'s served version in a CRD file.
pub fn crd_schema(file: &str, api_version: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/flux-crds")
        .join(file);
    let text = std::fs::read_to_string(path).unwrap();
    let crd: Value = serde_saphyr::from_str(&text).unwrap();
    let group = crd["spec"]["group"].as_str().unwrap();
    let version = api_version
        .strip_prefix(&format!("{group}/"))
        .expect("the CRD's group");
    let v = crd["spec"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == version && v["served"] == true)
        .unwrap_or_else(|| panic!("{file} serves no {api_version}"));
    v["schema"]["openAPIV3Schema"].clone()
}

/// Check `value` against an OpenAPI v3 schema as the API server would for a
/// custom resource: types, required fields, enums, and unknown fields
/// rejected (structural schemas prune them; we refuse them outright).
pub fn walk(schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    if schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true))
        && schema.get("properties").is_none()
    {
        return;
    }
    let ty = schema["type"].as_str();
    let int_or_string = schema.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true));
    let ok = match ty {
        _ if int_or_string => value.is_string() || value.is_i64(),
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        _ => true,
    };
    if !ok {
        errors.push(format!("{at}: expected {ty:?}, found {value}"));
        return;
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {options:?}"));
    }
    if let (Some(s), Some(max)) = (
        value.as_str(),
        schema.get("maxLength").and_then(Value::as_u64),
    ) && s.len() as u64 > max
    {
        errors.push(format!("{at}: longer than {max}"));
    }
    if let (Some(s), Some(min)) = (
        value.as_str(),
        schema.get("minLength").and_then(Value::as_u64),
    ) && (s.len() as u64) < min
    {
        errors.push(format!("{at}: shorter than {min}"));
    }
    if let Some(items) = value.as_array() {
        for (i, item) in items.iter().enumerate() {
            walk(&schema["items"], item, &format!("{at}[{i}]"), errors);
        }
    }
    if let Some(map) = value.as_object() {
        for req in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !map.contains_key(req.as_str().unwrap()) {
                errors.push(format!("{at}: missing required field {req}"));
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        let extra = schema.get("additionalProperties");
        // `metadata` is `type: object` with no properties: the API server
        // checks it; here only its name and namespace matter.
        if props.is_none() && extra.is_none() {
            return;
        }
        for (key, v) in map {
            let path = format!("{at}.{key}");
            match props.and_then(|p| p.get(key)) {
                Some(sub) => walk(sub, v, &path, errors),
                None => match extra {
                    Some(sub) if sub.is_object() => walk(sub, v, &path, errors),
                    Some(Value::Bool(true)) => {}
                    _ => errors.push(format!("{path}: unknown field")),
                },
            }
        }
    }
}

/// Every document of a Flux YAML file, each valid against its CRD.
pub fn valid_flux_objects(text: &str) -> Vec<Value> {
    let mut docs = Vec::new();
    for doc in format!("\n{text}").split("\n---\n") {
        if doc.trim().is_empty() {
            continue;
        }
        let obj: Value = serde_saphyr::from_str(doc).unwrap_or_else(|e| panic!("{e}\n{doc}"));
        let api = obj["apiVersion"].as_str().unwrap();
        let file = match obj["kind"].as_str().unwrap() {
            "GitRepository" => "gitrepositories.yaml",
            "Kustomization" => "kustomizations.yaml",
            other => panic!("unexpected kind {other}"),
        };
        let mut errors = Vec::new();
        walk(&crd_schema(file, api), &obj, "", &mut errors);
        let name = obj["metadata"]["name"].as_str().unwrap_or("");
        if name.is_empty()
            || name.len() > 63
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            errors.push(format!("metadata.name `{name}` is not a DNS label"));
        }
        if obj["metadata"]["namespace"] != "flux-system" {
            errors.push("metadata.namespace is not flux-system".to_string());
        }
        assert!(errors.is_empty(), "{}\n{doc}", errors.join("\n"));
        docs.push(obj);
    }
    docs
}
