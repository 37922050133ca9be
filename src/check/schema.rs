//! The component schema language: `component`, `param`, `arg`, `prop`,
//! `child`, `one-of`, `requires`, `include`, `template`, `doc`; documents
//! (`param … type="document"`) are decoded in `document.rs`.
//!
//! The standard library is written in it too, so the compiler knows types
//! and templates, not Deployments.

use std::path::PathBuf;

use crate::IndexMap;
use kdl::KdlNode;

use super::nodes;
use crate::check::types::Type;
use crate::check::value::Value;
use crate::diag::{Diagnostic, Diagnostics, codes, suggest};
use crate::span::{FileId, Span, Spanned};
use std::sync::Arc;

/// A component: the parameters an app may use and the templates that turn
/// them into objects.
#[derive(Clone, Debug)]
pub struct Component {
    pub name: Spanned<String>,
    pub doc: Option<String>,
    /// Shared: every app of the component is checked against it.
    pub params: Arc<IndexMap<String, ParamSchema>>,
    /// Template paths as written, relative to the component's file (or to
    /// `stdlib/` for the standard library).
    pub templates: Vec<Spanned<String>>,
    /// The file that defines it.
    pub file: FileId,
    /// The directory of that file, for template paths; `None` in stdlib.
    pub dir: Option<PathBuf>,
    pub stdlib: bool,
    /// A parameter group, used only through `include`.
    pub is_abstract: bool,
    includes: Vec<Spanned<String>>,
}

/// How a value is typed and constrained.
#[derive(Clone, Debug)]
pub struct ValueSchema {
    pub ty: Type,
    pub required: bool,
    pub default: Option<Value>,
    pub min: Option<i128>,
    pub max: Option<i128>,
    pub values: Vec<String>,
    pub doc: Option<String>,
}

/// A positional argument of a parameter.
#[derive(Clone, Debug)]
pub struct ArgSchema {
    pub name: String,
    pub value: ValueSchema,
    /// Takes every remaining argument.
    pub variadic: bool,
}

/// One part of a repeated parameter's merge key.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyPart {
    Arg(usize),
    Prop(String),
}

/// "At most one of these arguments, properties or children; exactly one if
/// required."
#[derive(Clone, Debug)]
pub struct OneOf {
    pub names: Vec<String>,
    pub required: bool,
    /// The component author's explanation, shown as the diagnostic's help.
    pub help: Option<String>,
}

/// `requires "repo" "name"`: when the first argument, property or child is
/// given, so must the others be.
#[derive(Clone, Debug)]
pub struct Requires {
    pub when: String,
    pub needs: Vec<String>,
    pub help: Option<String>,
}

/// A parameter (or a child node of one).
#[derive(Clone, Debug)]
pub struct ParamSchema {
    pub name: String,
    pub span: Span,
    pub doc: Option<String>,
    pub repeated: bool,
    pub key: Vec<KeyPart>,
    pub required: bool,
    /// `param "replicas" type="int"`: one argument of this type (or, for
    /// `map`, properties only).
    pub shorthand: Option<ValueSchema>,
    pub args: Vec<ArgSchema>,
    pub props: IndexMap<String, ValueSchema>,
    pub children: IndexMap<String, ParamSchema>,
    pub one_of: Vec<OneOf>,
    pub requires: Vec<Requires>,
    /// Set on the two parameters a document is written with (its files,
    /// named like the document, and its `entry`): they merge into one map.
    pub document: Option<Arc<super::document::DocumentSchema>>,
    includes: Vec<Spanned<String>>,
}

impl ParamSchema {
    /// A parameter with no type, arguments or properties yet.
    pub fn new(name: String, span: Span) -> Self {
        ParamSchema {
            name,
            span,
            doc: None,
            repeated: false,
            key: Vec::new(),
            required: false,
            shorthand: None,
            args: Vec::new(),
            props: IndexMap::default(),
            children: IndexMap::default(),
            one_of: Vec::new(),
            requires: Vec::new(),
            document: None,
            includes: Vec::new(),
        }
    }

    /// True for `type="map"` shorthand: properties are the map.
    pub fn is_map(&self) -> bool {
        self.shorthand.as_ref().is_some_and(|s| s.ty == Type::Map)
    }

    /// A one-line summary of how the parameter is written, for docs.
    pub fn usage(&self) -> String {
        let mut s = self.name.clone();
        if let Some(v) = &self.shorthand {
            if v.ty == Type::Map {
                s.push_str(" KEY=VALUE…");
            } else {
                s.push_str(&format!(" <{}>", v.ty.name()));
            }
        }
        for a in &self.args {
            s.push_str(&format!(
                " <{}{}>",
                a.name,
                if a.variadic { "…" } else { "" }
            ));
        }
        for (p, v) in &self.props {
            s.push_str(&format!(" {p}=<{}>", v.ty.name()));
        }
        if !self.children.is_empty() {
            s.push_str(" { ");
            s.push_str(&self.children.keys().cloned().collect::<Vec<_>>().join(" "));
            s.push_str(" }");
        }
        s
    }
}

/// Decodes one `component` node.
pub fn decode_component(
    file: FileId,
    text: &str,
    node: &KdlNode,
    stdlib: bool,
    dir: Option<PathBuf>,
    diags: &mut Diagnostics,
) -> Option<Component> {
    let args = nodes::args(file, node);
    let head = nodes::head_span(file, node, text);
    let Some(first) = args.first() else {
        diags.push(
            Diagnostic::error(codes::MALFORMED, "`component` needs a name")
                .primary(head, "expected a name here")
                .help("write `component \"my-service\" { … }`"),
        );
        return None;
    };
    let Value::String(name) = &first.value else {
        diags.push(
            Diagnostic::error(
                codes::MALFORMED,
                format!(
                    "expected a component name, found {} `{}`",
                    first.value.kind(),
                    first.value
                ),
            )
            .primary(first.span, "expected a string"),
        );
        return None;
    };
    let mut is_abstract = false;
    for p in nodes::props(file, node) {
        match (p.name.as_str(), &p.value) {
            ("abstract", Value::Bool(b)) => is_abstract = *b,
            ("abstract", v) => diags.push(type_error(&p.span, "a boolean", v)),
            _ => diags.push(
                Diagnostic::error(
                    codes::UNKNOWN_PROPERTY,
                    format!("unknown property `{}` on `component`", p.name),
                )
                .primary(p.name_span, "unknown property")
                .help(suggest(&p.name, ["abstract"], "`component` takes")),
            ),
        }
    }
    let mut c = Component {
        name: Spanned::new(name.clone(), first.span),
        doc: None,
        params: Arc::default(),
        templates: Vec::new(),
        file,
        dir,
        stdlib,
        is_abstract,
        includes: Vec::new(),
    };
    let Some(children) = node.children() else {
        return Some(c);
    };
    for child in children.nodes() {
        let cname = nodes::name(file, child);
        match cname.value.as_str() {
            "doc" => c.doc = single_string(file, child, diags),
            "template" => {
                if let Some(s) = single_string(file, child, diags) {
                    let span = nodes::args(file, child)
                        .first()
                        .map(|a| a.span)
                        .unwrap_or(cname.span);
                    c.templates.push(Spanned::new(s, span));
                }
            }
            "include" => {
                if let Some(s) = single_string(file, child, diags) {
                    let span = nodes::args(file, child)
                        .first()
                        .map(|a| a.span)
                        .unwrap_or(cname.span);
                    c.includes.push(Spanned::new(s, span));
                }
            }
            "param" => {
                // A document is written through the parameters it declares.
                let params = if super::document::is_document(child) {
                    super::document::decode(file, text, child, diags)
                } else {
                    decode_param(file, text, child, true, diags)
                        .into_iter()
                        .collect()
                };
                for p in params {
                    if super::extras::is_language_node(&p.name) {
                        // Language-level nodes are decoded before parameters:
                        // such a parameter could never be set.
                        diags.push(
                            Diagnostic::error(
                                codes::SCHEMA,
                                format!("`{}` is a language-level node of every app", p.name),
                            )
                            .primary(p.span, "this parameter could never be set")
                            .help(format!(
                                "every app may write `{}` whatever its component; give the parameter another name",
                                p.name
                            )),
                        );
                        continue;
                    }
                    insert_param(Arc::make_mut(&mut c.params), p, diags);
                }
            }
            other => diags.push(
                Diagnostic::error(
                    codes::SCHEMA,
                    format!("unknown node `{other}` in a component"),
                )
                .primary(cname.span, "not part of the component schema language")
                .help(suggest(
                    other,
                    ["doc", "param", "template", "include"],
                    "a component holds",
                )),
            ),
        }
    }
    Some(c)
}

fn insert_param(map: &mut IndexMap<String, ParamSchema>, p: ParamSchema, diags: &mut Diagnostics) {
    if let Some(prev) = map.get(&p.name) {
        diags.push(
            Diagnostic::error(
                codes::DUPLICATE,
                format!("parameter `{}` is declared twice", p.name),
            )
            .primary(p.span, "declared again here")
            .related(prev.span, "first declared here"),
        );
        return;
    }
    map.insert(p.name.clone(), p);
}

/// The `help=` property of a `one-of` or `requires` node.
fn help_prop(props: &[nodes::Prop]) -> Option<String> {
    props
        .iter()
        .find(|p| p.name == "help")
        .and_then(|p| p.value.as_str().map(String::from))
}

fn type_error(span: &Span, expected: &str, found: &Value) -> Diagnostic {
    Diagnostic::error(
        codes::TYPE_MISMATCH,
        format!("expected {expected}, found {} `{found}`", found.kind()),
    )
    .primary(*span, format!("expected {expected}"))
}

/// The one string argument of a schema node (`doc`, `template`, …), or a
/// diagnostic when it is missing or not a string.
pub(super) fn single_string(
    file: FileId,
    node: &KdlNode,
    diags: &mut Diagnostics,
) -> Option<String> {
    let args = nodes::args(file, node);
    match args.first() {
        Some(nodes::Arg {
            value: Value::String(s),
            ..
        }) => Some(s.clone()),
        Some(a) => {
            diags.push(type_error(&a.span, "a string", &a.value));
            None
        }
        None => {
            diags.push(
                Diagnostic::error(
                    codes::MALFORMED,
                    format!("`{}` needs a string argument", node.name().value()),
                )
                .primary(nodes::span(file, node), "expected an argument"),
            );
            None
        }
    }
}

/// Decodes the attributes shared by `param`, `arg`, `prop` and `child`.
struct Attrs {
    ty: Option<(Type, Span)>,
    repeated: bool,
    key: Option<Spanned<String>>,
    required: bool,
    default: Option<Value>,
    min: Option<i128>,
    max: Option<i128>,
    values: Vec<String>,
    doc: Option<String>,
    variadic: bool,
}

fn attrs(
    file: FileId,
    node: &KdlNode,
    what: &str,
    allowed: &[&str],
    diags: &mut Diagnostics,
) -> Attrs {
    let mut a = Attrs {
        ty: None,
        repeated: false,
        key: None,
        required: false,
        default: None,
        min: None,
        max: None,
        values: Vec::new(),
        doc: None,
        variadic: false,
    };
    for p in nodes::props(file, node) {
        if !allowed.contains(&p.name.as_str()) {
            diags.push(
                Diagnostic::error(
                    codes::SCHEMA,
                    format!("`{what}` does not take `{}`", p.name),
                )
                .primary(p.name_span, "not allowed here")
                .help(suggest(
                    &p.name,
                    allowed.iter().copied(),
                    &format!("`{what}` takes"),
                )),
            );
            continue;
        }
        let bool_of = |diags: &mut Diagnostics| match p.value {
            Value::Bool(b) => b,
            ref v => {
                diags.push(type_error(&p.span, "a boolean", v));
                false
            }
        };
        let string_of = |diags: &mut Diagnostics| match &p.value {
            Value::String(s) => Some(s.clone()),
            v => {
                diags.push(type_error(&p.span, "a string", v));
                None
            }
        };
        let int_of = |diags: &mut Diagnostics| match p.value {
            Value::Int(i) => Some(i),
            ref v => {
                diags.push(type_error(&p.span, "an integer", v));
                None
            }
        };
        match p.name.as_str() {
            "type" => {
                if let Some(s) = string_of(diags) {
                    match Type::parse(&s) {
                        Some(t) => a.ty = Some((t, p.span)),
                        None => {
                            // Typed as a string from here on, so the
                            // unknown type is the only error it causes.
                            a.ty = Some((Type::String, p.span));
                            diags.push(
                                Diagnostic::error(codes::SCHEMA, format!("unknown type `{s}`"))
                                    .primary(p.span, "not a kiln type")
                                    .help(suggest(
                                        &s,
                                        Type::ALL.iter().map(|t| t.name()),
                                        "the types are",
                                    )),
                            );
                        }
                    }
                }
            }
            "repeated" => a.repeated = bool_of(diags),
            "required" => a.required = bool_of(diags),
            "variadic" => a.variadic = bool_of(diags),
            "key" => a.key = string_of(diags).map(|s| Spanned::new(s, p.span)),
            "default" => a.default = Some(p.value.clone()),
            "min" => a.min = int_of(diags),
            "max" => a.max = int_of(diags),
            "values" => {
                a.values = string_of(diags)
                    .map(|s| s.split_whitespace().map(String::from).collect())
                    .unwrap_or_default()
            }
            "doc" => a.doc = string_of(diags),
            _ => {}
        }
    }
    a
}

const PARAM_ATTRS: &[&str] = &[
    "type", "repeated", "key", "required", "default", "min", "max", "values", "doc",
];
const ARG_ATTRS: &[&str] = &[
    "type", "required", "default", "min", "max", "values", "doc", "variadic",
];
const PROP_ATTRS: &[&str] = &["type", "required", "default", "min", "max", "values", "doc"];

fn value_schema(a: &Attrs, ty: Type) -> ValueSchema {
    ValueSchema {
        ty,
        required: a.required,
        default: a.default.clone(),
        min: a.min,
        max: a.max,
        values: a.values.clone(),
        doc: a.doc.clone(),
    }
}

/// Decodes a `param` (top level) or `child` node.
fn decode_param(
    file: FileId,
    text: &str,
    node: &KdlNode,
    top: bool,
    diags: &mut Diagnostics,
) -> Option<ParamSchema> {
    let what = if top { "param" } else { "child" };
    let name = single_string(file, node, diags)?;
    let span = nodes::args(file, node)
        .first()
        .map(|a| a.span)
        .unwrap_or_else(|| nodes::span(file, node));
    let a = attrs(file, node, what, PARAM_ATTRS, diags);
    let mut p = ParamSchema {
        doc: a.doc.clone(),
        repeated: a.repeated,
        required: a.required,
        ..ParamSchema::new(name, span)
    };
    if let Some((ty, ty_span)) = a.ty {
        if node.children().is_some() {
            diags.push(
                Diagnostic::error(codes::SCHEMA, format!("`{what}` with `type=` takes no body"))
                    .primary(ty_span, "the type makes it a one-argument parameter")
                    .help("either give `type=` for a one-argument parameter, or describe its `arg`s and `prop`s in a body"),
            );
        }
        p.shorthand = Some(value_schema(&a, ty));
    } else if node.children().is_none() {
        diags.push(
            Diagnostic::error(codes::SCHEMA, format!("`{what}` `{}` has neither a type nor a body", p.name))
                .primary(span, "add `type=` or a body")
                .help("write `type=\"string\"` for a one-argument parameter, or describe its `arg`s and `prop`s in `{ … }`"),
        );
    }
    if let Some(children) = node.children() {
        for c in children.nodes() {
            let cname = nodes::name(file, c);
            match cname.value.as_str() {
                "arg" => {
                    let ca = attrs(file, c, "arg", ARG_ATTRS, diags);
                    let name = match nodes::args(file, c).first() {
                        Some(nodes::Arg {
                            value: Value::String(s),
                            ..
                        }) => s.clone(),
                        _ => "value".to_string(),
                    };
                    let Some((ty, _)) = ca.ty else {
                        diags.push(
                            Diagnostic::error(codes::SCHEMA, "`arg` needs a `type=`")
                                .primary(nodes::head_span(file, c, text), "no type"),
                        );
                        continue;
                    };
                    if p.args.last().is_some_and(|l| l.variadic) {
                        diags.push(
                            Diagnostic::error(
                                codes::SCHEMA,
                                "an `arg` after a variadic one can never be given",
                            )
                            .primary(nodes::head_span(file, c, text), "unreachable argument"),
                        );
                    }
                    p.args.push(ArgSchema {
                        name,
                        value: value_schema(&ca, ty),
                        variadic: ca.variadic,
                    });
                }
                "prop" => {
                    let Some(pname) = single_string(file, c, diags) else {
                        continue;
                    };
                    let ca = attrs(file, c, "prop", PROP_ATTRS, diags);
                    let Some((ty, _)) = ca.ty else {
                        diags.push(
                            Diagnostic::error(
                                codes::SCHEMA,
                                format!("`prop` `{pname}` needs a `type=`"),
                            )
                            .primary(nodes::head_span(file, c, text), "no type"),
                        );
                        continue;
                    };
                    p.props.insert(pname, value_schema(&ca, ty));
                }
                "child" => {
                    if let Some(ch) = decode_param(file, text, c, false, diags) {
                        insert_param(&mut p.children, ch, diags);
                    }
                }
                "one-of" => {
                    let names: Vec<String> = nodes::args(file, c)
                        .iter()
                        .filter_map(|a| a.value.as_str().map(String::from))
                        .collect();
                    let props = nodes::props(file, c);
                    let required = props
                        .iter()
                        .any(|pr| pr.name == "required" && pr.value == Value::Bool(true));
                    let help = help_prop(&props);
                    p.one_of.push(OneOf {
                        names,
                        required,
                        help,
                    });
                }
                "requires" => {
                    let mut names = nodes::args(file, c)
                        .into_iter()
                        .filter_map(|a| a.value.as_str().map(String::from));
                    match names.next() {
                        Some(when) => p.requires.push(Requires {
                            when,
                            needs: names.collect(),
                            help: help_prop(&nodes::props(file, c)),
                        }),
                        None => diags.push(
                            Diagnostic::error(codes::SCHEMA, "`requires` needs names")
                                .primary(cname.span, "no names after this")
                                .help("write `requires \"repo\" \"name\"`: when `repo` is given, so must `name` be"),
                        ),
                    }
                }
                "include" => {
                    if let Some(s) = single_string(file, c, diags) {
                        let span = nodes::args(file, c)
                            .first()
                            .map(|a| a.span)
                            .unwrap_or(cname.span);
                        p.includes.push(Spanned::new(s, span));
                    }
                }
                "doc" => p.doc = single_string(file, c, diags),
                other => diags.push(
                    Diagnostic::error(
                        codes::SCHEMA,
                        format!("unknown node `{other}` in a `{what}`"),
                    )
                    .primary(cname.span, "not part of the component schema language")
                    .help(suggest(
                        other,
                        [
                            "arg", "prop", "child", "one-of", "requires", "include", "doc",
                        ],
                        "a parameter holds",
                    )),
                ),
            }
        }
    }
    if let Some(key) = &a.key {
        for part in key.value.split_whitespace() {
            match part.parse::<usize>() {
                Ok(i) if i < p.args.len() || p.shorthand.is_some() && i == 0 => p.key.push(KeyPart::Arg(i)),
                Ok(i) => diags.push(
                    Diagnostic::error(codes::SCHEMA, format!("key names argument {i}, but `{}` has {} arguments", p.name, p.args.len()))
                        .primary(key.span, "no such argument"),
                ),
                Err(_) if p.props.contains_key(part) => p.key.push(KeyPart::Prop(part.to_string())),
                Err(_) => diags.push(
                    Diagnostic::error(codes::SCHEMA, format!("key names `{part}`, which is neither an argument index nor a property of `{}`", p.name))
                        .primary(key.span, "unknown key part")
                        .help(suggest(part, p.props.keys().map(String::as_str), "the properties are")),
                ),
            }
        }
    } else if p.repeated && p.shorthand.is_some() {
        p.key.push(KeyPart::Arg(0));
    }
    Some(p)
}

/// Resolves `include`s: copies the parameters of the named abstract
/// components into components and parameters.
pub fn resolve_includes(components: &mut IndexMap<String, Component>, diags: &mut Diagnostics) {
    let snapshot = components.clone();
    for c in components.values_mut() {
        let mut params = IndexMap::default();
        let includes = std::mem::take(&mut c.includes);
        for inc in &includes {
            include_into(&snapshot, inc, &mut params, diags, 0);
        }
        for (k, mut v) in Arc::unwrap_or_clone(std::mem::take(&mut c.params)) {
            expand_param(&snapshot, &mut v, diags, 0);
            params.insert(k, v);
        }
        c.params = Arc::new(params);
        if !c.is_abstract {
            super::document::verify(&c.params, diags);
        }
    }
}

fn include_into(
    all: &IndexMap<String, Component>,
    inc: &Spanned<String>,
    out: &mut IndexMap<String, ParamSchema>,
    diags: &mut Diagnostics,
    depth: usize,
) {
    if depth > 16 {
        diags.push(
            Diagnostic::error(codes::SCHEMA, "`include`s nest too deeply (a cycle?)")
                .primary(inc.span, "included here"),
        );
        return;
    }
    let Some(src) = all.get(&inc.value) else {
        diags.push(
            Diagnostic::error(
                codes::SCHEMA,
                format!("`include` names `{}`, which is not a component", inc.value),
            )
            .primary(inc.span, "unknown component")
            .help(suggest(
                &inc.value,
                all.values()
                    .filter(|c| c.is_abstract)
                    .map(|c| c.name.value.as_str()),
                "the parameter groups are",
            )),
        );
        return;
    };
    for nested in &src.includes {
        include_into(all, nested, out, diags, depth + 1);
    }
    for (k, v) in src.params.iter() {
        let mut v = v.clone();
        expand_param(all, &mut v, diags, depth + 1);
        out.insert(k.clone(), v);
    }
}

fn expand_param(
    all: &IndexMap<String, Component>,
    p: &mut ParamSchema,
    diags: &mut Diagnostics,
    depth: usize,
) {
    let includes = std::mem::take(&mut p.includes);
    let mut children = IndexMap::default();
    for inc in &includes {
        include_into(all, inc, &mut children, diags, depth + 1);
    }
    for (k, mut v) in std::mem::take(&mut p.children) {
        expand_param(all, &mut v, diags, depth + 1);
        children.insert(k, v);
    }
    p.children = children;
}
