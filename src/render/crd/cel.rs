//! `x-kubernetes-validations`: CEL rules, evaluated with the `cel` crate
//! where it means what the API server means, and skipped otherwise.
//!
//! A rule is skipped, never guessed, when it:
//! - names `oldSelf` (a transition rule: there is no old object here);
//! - calls a function outside [`STANDARD_FUNCTIONS`], the part of CEL's
//!   standard library that the crate implements as Kubernetes does. The
//!   Kubernetes libraries (`quantity`, `url`, `ip`, `cidr`, `format`,
//!   `semver`, the lists, sets, regex and strings extensions, `authorizer`)
//!   and optionals are not among them;
//! - does not parse with the crate, or fails while evaluating (a field read
//!   without `has()`, a type the crate compares differently): the API
//!   server may see it otherwise, so only a rule that evaluates to `false`
//!   is reported.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use cel::{Context, Env, Program, Value};
use serde_json::Value as Json;

/// Functions (and macros) of CEL's standard library whose meaning the
/// crate shares with the API server. Operators (`_==_`, `@in`, `!_`, …)
/// are always allowed.
pub const STANDARD_FUNCTIONS: &[&str] = &[
    "size",
    "has",
    "all",
    "exists",
    "exists_one",
    "map",
    "filter",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "int",
    "uint",
    "double",
    "string",
    "bool",
    "dyn",
];

/// CEL's standard environment, built once: `Context::default()` builds
/// it anew (every function registered) for each context.
static ENV: LazyLock<Arc<Env>> = LazyLock::new(|| Arc::new(Env::stdlib()));

/// One rule of `x-kubernetes-validations`.
#[derive(Debug)]
pub struct Rule {
    pub rule: String,
    /// `message`, or the API server's own wording when there is none.
    pub message: String,
    /// `fieldPath`: where below this node the problem is reported
    /// (`.spec.foo`), if the rule says.
    pub field_path: Option<String>,
    program: Result<Program, String>,
}

impl Rule {
    /// Why the rule is not evaluated, if it is not.
    pub fn skipped(&self) -> Option<&str> {
        self.program.as_ref().err().map(String::as_str)
    }
}

/// Decodes and parses the rules at `at`.
pub fn compile_rules(v: &Json, at: &str) -> Result<Vec<Rule>, String> {
    let Json::Array(items) = v else {
        return Err(format!("`{at}` is not a list of rules"));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let text = |key: &str| item.get(key).and_then(Json::as_str).map(str::to_string);
            let rule = text("rule").ok_or_else(|| format!("`{at}.{i}` has no `rule`"))?;
            Ok(Rule {
                message: text("message").unwrap_or_else(|| format!("failed rule: {rule}")),
                field_path: text("fieldPath"),
                program: parse(&rule),
                rule,
            })
        })
        .collect()
}

/// Parses a rule, or says why it is skipped.
fn parse(rule: &str) -> Result<Program, String> {
    let program =
        Program::compile(rule).map_err(|e| format!("the CEL crate cannot parse it: {e}"))?;
    let refs = program.references();
    if refs.has_variable("oldSelf") {
        return Err("a transition rule (`oldSelf`)".to_string());
    }
    let mut unknown: Vec<&str> = refs
        .functions()
        .into_iter()
        .filter(|f| f.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter(|f| !STANDARD_FUNCTIONS.contains(f))
        .collect();
    unknown.sort_unstable();
    if let Some(f) = unknown.first() {
        return Err(format!("it calls `{f}`, outside CEL's standard library"));
    }
    Ok(program)
}

/// The rules of one schema node that `value` breaks: each one's message
/// and `fieldPath`.
pub fn broken<'r>(rules: &'r [Rule], value: &Json) -> Vec<&'r Rule> {
    let runnable: Vec<(&Rule, &Program)> = rules
        .iter()
        .filter_map(|r| r.program.as_ref().ok().map(|p| (r, p)))
        .collect();
    if runnable.is_empty() {
        return Vec::new();
    }
    let mut context = Context::with_env(ENV.clone());
    context.add_variable_from_value("self", to_cel(value));
    runnable
        .into_iter()
        .filter(|(_, p)| matches!(p.execute(&context), Ok(Value::Bool(false))))
        .map(|(r, _)| r)
        .collect()
}

/// A JSON value as CEL sees an object's field: integers as `int`, other
/// numbers as `double`, maps with string keys.
fn to_cel(v: &Json) -> Value {
    match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::Int(i),
            (None, Some(u)) => Value::UInt(u),
            _ => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::String(Arc::new(s.clone())),
        Json::Array(items) => Value::List(Arc::new(items.iter().map(to_cel).collect())),
        Json::Object(m) => {
            let map: HashMap<String, Value> =
                m.iter().map(|(k, v)| (k.clone(), to_cel(v))).collect();
            Value::from(map)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{broken, compile_rules};
    use serde_json::json;

    fn rules(list: serde_json::Value) -> Vec<super::Rule> {
        compile_rules(&list, "x").unwrap()
    }

    #[test]
    fn a_false_rule_is_broken_a_true_one_is_not() {
        let r = rules(json!([
            {"rule": "has(self.value) != has(self.secretRef)", "message": "exactly one of value or secretRef must be set"},
            {"rule": "[has(self.a),has(self.b)].filter(x,x==true).size() <= 1"},
        ]));
        assert!(r.iter().all(|r| r.skipped().is_none()));
        assert!(broken(&r, &json!({"value": "x"})).is_empty());
        let b = broken(&r, &json!({"value": "x", "secretRef": {}, "a": 1, "b": 2}));
        assert_eq!(b.len(), 2);
        assert_eq!(
            b[0].message,
            "exactly one of value or secretRef must be set"
        );
        assert_eq!(
            b[1].message,
            "failed rule: [has(self.a),has(self.b)].filter(x,x==true).size() <= 1"
        );
    }

    #[test]
    fn strings_lists_and_matches_evaluate() {
        let r = rules(json!([
            {"rule": "self.type == 'github' || self.type == 'gitlab'"},
            {"rule": "self.name.startsWith('a') && self.name.matches('^[a-z]+$')"},
            {"rule": "size(self.items) > 0 && self.items.all(i, i > 0)"},
            {"rule": "!('esoNamespace' in self)"},
        ]));
        assert!(
            broken(
                &r,
                &json!({"type": "github", "name": "abc", "items": [1, 2]})
            )
            .is_empty()
        );
        let b = broken(
            &r,
            &json!({"type": "svn", "name": "Abc", "items": [0], "esoNamespace": "x"}),
        );
        let rules: Vec<&str> = b.iter().map(|r| r.rule.as_str()).collect();
        assert_eq!(rules.len(), 4, "{rules:?}");
    }

    #[test]
    fn what_cannot_be_evaluated_is_skipped() {
        let r = rules(json!([
            {"rule": "self == oldSelf"},
            {"rule": "quantity(self.size).isGreaterThan(quantity('1Gi'))"},
            {"rule": "self.x.lowerAscii() == 'a'"},
        ]));
        assert!(r.iter().all(|r| r.skipped().is_some()), "{r:?}");
        assert!(broken(&r, &json!({"x": "B", "size": "1"})).is_empty());
        // A field read without has(): an evaluation error, not a verdict.
        let r = rules(json!([{"rule": "self.missing == 'a'"}]));
        assert!(broken(&r, &json!({})).is_empty());
    }
}
