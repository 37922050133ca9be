//! Documents in the component schema language: `param NAME
//! type="document"`, a map of free-form values that an app builds from
//! YAML files and single values, merged across the layers into one map.
//!
//! ```kdl
//! param "values" type="document" doc="the chart's values" {
//!     entry "value" doc="one value by its dotted path"
//!     default "defaults.yaml"
//!     check "chart" prop="vendored" keys="values.yaml" json-schema="values.schema.json" require="Chart.yaml"
//! }
//! ```
//!
//! A document is written through two ordinary parameters, so the checker,
//! flavors, the language server and `kiln schema` treat them like any
//! other: `NAME from=FILE` (repeated) and `ENTRY PATH VALUE… list=#false`
//! (repeated, by path). Both carry the [`DocumentSchema`]; `resolve`
//! merges their uses instead of replacing them. The compiler knows maps
//! and paths, not Helm: a chart's `values.yaml` is one `keys` file.

use std::sync::Arc;

use kdl::KdlNode;

use super::nodes;
use super::schema::{KeyPart, ParamSchema, ValueSchema};
use crate::IndexMap;
use crate::check::types::Type;
use crate::check::value::Value;
use crate::diag::{Diagnostic, Diagnostics, codes, suggest};
use crate::span::{FileId, Span, Spanned};

/// A document parameter: how apps write it, its defaults, what checks it.
#[derive(Clone, Debug)]
pub struct DocumentSchema {
    /// The document's name: the map templates see (`params.NAME`) and the
    /// node that names a file of values (`NAME from=FILE`).
    pub name: String,
    pub span: Span,
    /// The node that sets one value by its path, if any.
    pub entry: Option<String>,
    /// The component's own values: a YAML file beside the component's file
    /// (in `stdlib/` for the standard library).
    pub default: Option<Spanned<String>>,
    pub check: Option<DocumentCheck>,
}

/// `check PARAM prop=PROP keys= json-schema= require=`: the directory an
/// app names with `PARAM`'s property `PROP` describes the document.
#[derive(Clone, Debug)]
pub struct DocumentCheck {
    pub param: String,
    pub prop: String,
    /// A YAML file in the directory whose paths are the document's paths.
    pub keys: Option<String>,
    /// A JSON schema in the directory the merged document must satisfy,
    /// when the file exists.
    pub json_schema: Option<String>,
    /// Files the directory must hold.
    pub require: Vec<String>,
    pub span: Span,
}

/// True for `param NAME type="document"`.
pub fn is_document(node: &KdlNode) -> bool {
    node.entries().iter().any(|e| {
        e.name().is_some_and(|n| n.value() == "type") && e.value().as_string() == Some("document")
    })
}

/// Decodes a document parameter into the parameters apps write it with.
pub fn decode(
    file: FileId,
    text: &str,
    node: &KdlNode,
    diags: &mut Diagnostics,
) -> Vec<ParamSchema> {
    let args = nodes::args(file, node);
    let Some((name, span)) = args
        .first()
        .and_then(|a| Some((a.value.as_str()?.to_string(), a.span)))
    else {
        diags.push(
            Diagnostic::error(codes::SCHEMA, "a document `param` needs a name")
                .primary(nodes::head_span(file, node, text), "expected a name")
                .help("write `param \"values\" type=\"document\" { … }`"),
        );
        return Vec::new();
    };
    let mut doc = None;
    for p in nodes::props(file, node) {
        match p.name.as_str() {
            "type" => {}
            "doc" => doc = p.value.as_str().map(String::from),
            _ => diags.push(
                Diagnostic::error(codes::SCHEMA, format!("a document does not take `{}`", p.name))
                    .primary(p.name_span, "not allowed on a document")
                    .help("a document is repeated and merged by path; it takes `type` and `doc`, and `entry`, `default` and `check` in its body"),
            ),
        }
    }
    let mut schema = DocumentSchema {
        name: name.clone(),
        span,
        entry: None,
        default: None,
        check: None,
    };
    let mut entry_doc = None;
    for c in node.children().map(|c| c.nodes()).unwrap_or_default() {
        let cname = nodes::name(file, c);
        let Some(text) = super::schema::single_string(file, c, diags) else {
            continue;
        };
        let span = nodes::args(file, c).first().map_or(cname.span, |a| a.span);
        let first = Spanned::new(text, span);
        match cname.value.as_str() {
            "entry" => {
                entry_doc = nodes::props(file, c)
                    .iter()
                    .find(|p| p.name == "doc")
                    .and_then(|p| p.value.as_str().map(String::from));
                schema.entry = Some(first.value);
            }
            "default" => schema.default = Some(first),
            "check" => schema.check = decode_check(file, c, first, diags),
            other => diags.push(
                Diagnostic::error(
                    codes::SCHEMA,
                    format!("unknown node `{other}` in a document"),
                )
                .primary(cname.span, "not part of a document")
                .help(suggest(
                    other,
                    ["entry", "default", "check"],
                    "a document holds",
                )),
            ),
        }
    }
    let schema = Arc::new(schema);
    let mut out = vec![files_param(&schema, doc)];
    if let Some(entry) = &schema.entry {
        out.push(entry_param(&schema, entry, entry_doc));
    }
    out
}

fn decode_check(
    file: FileId,
    node: &KdlNode,
    param: Spanned<String>,
    diags: &mut Diagnostics,
) -> Option<DocumentCheck> {
    let mut check = DocumentCheck {
        param: param.value,
        prop: String::new(),
        keys: None,
        json_schema: None,
        require: Vec::new(),
        span: param.span,
    };
    for p in nodes::props(file, node) {
        let Some(v) = p.value.as_str().map(String::from) else {
            diags.push(
                Diagnostic::error(codes::SCHEMA, format!("`{}` takes a string", p.name))
                    .primary(p.span, "expected a string"),
            );
            continue;
        };
        match p.name.as_str() {
            "prop" => check.prop = v,
            "keys" => check.keys = Some(v),
            "json-schema" => check.json_schema = Some(v),
            "require" => check.require = v.split_whitespace().map(String::from).collect(),
            other => diags.push(
                Diagnostic::error(codes::SCHEMA, format!("`check` does not take `{other}`"))
                    .primary(p.name_span, "not allowed here")
                    .help(suggest(
                        other,
                        ["prop", "keys", "json-schema", "require"],
                        "`check` takes",
                    )),
            ),
        }
    }
    if check.prop.is_empty() {
        diags.push(
            Diagnostic::error(codes::SCHEMA, "`check` needs `prop=`")
                .primary(
                    check.span,
                    "which property of this parameter names the directory?",
                )
                .help("write `check \"chart\" prop=\"vendored\" keys=\"values.yaml\"`"),
        );
        return None;
    }
    Some(check)
}

/// `NAME from=FILE`: one YAML file of values.
fn files_param(schema: &Arc<DocumentSchema>, doc: Option<String>) -> ParamSchema {
    let mut p = ParamSchema::new(schema.name.clone(), schema.span);
    p.doc = doc;
    p.repeated = true;
    p.key = vec![KeyPart::Prop("from".into())];
    p.props.insert(
        "from".into(),
        value(
            Type::File,
            true,
            None,
            "a YAML file holding a map, relative to this file; templated like a manifest",
        ),
    );
    p.props
        .insert("unchecked".into(), unchecked_prop("the file's keys"));
    p.document = Some(schema.clone());
    p
}

/// `unchecked=#true`: paths the `check` directory does not declare.
fn unchecked_prop(what: &str) -> ValueSchema {
    value(
        Type::Bool,
        false,
        Some(Value::Bool(false)),
        &format!(
            "take {what} as written, though the checked directory's keys file lacks them (a key the chart reads without declaring it); its JSON schema still applies"
        ),
    )
}

/// `ENTRY PATH VALUE… list=#false`: one value by its dotted path.
fn entry_param(schema: &Arc<DocumentSchema>, entry: &str, doc: Option<String>) -> ParamSchema {
    let mut p = ParamSchema::new(entry.to_string(), schema.span);
    p.doc = doc.or_else(|| {
        Some(format!(
            "one value of `{}`, by its dotted path",
            schema.name
        ))
    });
    p.repeated = true;
    p.key = vec![KeyPart::Arg(0)];
    p.args.push(super::schema::ArgSchema {
        name: "path".into(),
        value: value(
            Type::String,
            true,
            None,
            "the dotted path, such as `image.tag`; `\\.` is a dot inside a key",
        ),
        variadic: false,
    });
    p.args.push(super::schema::ArgSchema {
        name: "value".into(),
        value: value(
            Type::Any,
            false,
            None,
            "one value is a scalar, several a list",
        ),
        variadic: true,
    });
    p.props.insert(
        "list".into(),
        value(
            Type::Bool,
            false,
            Some(Value::Bool(false)),
            "make a list even of one value (or of none)",
        ),
    );
    p.props
        .insert("unchecked".into(), unchecked_prop("the path"));
    p.document = Some(schema.clone());
    p
}

fn value(ty: Type, required: bool, default: Option<Value>, doc: &str) -> ValueSchema {
    ValueSchema {
        ty,
        required,
        default,
        min: None,
        max: None,
        values: Vec::new(),
        doc: Some(doc.to_string()),
    }
}

/// Checks, once includes are resolved, that a document's `check` names a
/// parameter of the component with that property.
pub fn verify(params: &IndexMap<String, ParamSchema>, diags: &mut Diagnostics) {
    for p in params.values() {
        let Some(check) = p
            .document
            .as_ref()
            .filter(|d| d.name == p.name)
            .and_then(|d| d.check.as_ref())
        else {
            continue;
        };
        match params.get(&check.param) {
            None => diags.push(
                Diagnostic::error(
                    codes::SCHEMA,
                    format!(
                        "`check` names `{}`, which is not a parameter of the component",
                        check.param
                    ),
                )
                .primary(check.span, "no such parameter")
                .help(suggest(
                    &check.param,
                    params.keys().map(String::as_str),
                    "the parameters are",
                )),
            ),
            Some(target) if !target.props.contains_key(&check.prop) => diags.push(
                Diagnostic::error(
                    codes::SCHEMA,
                    format!(
                        "parameter `{}` has no property `{}`",
                        check.param, check.prop
                    ),
                )
                .primary(check.span, "`check` names it here")
                .help(suggest(
                    &check.prop,
                    target.props.keys().map(String::as_str),
                    &format!("`{}` takes", check.param),
                )),
            ),
            Some(_) => {}
        }
    }
}
