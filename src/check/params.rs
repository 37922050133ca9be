//! The parameters of an app, env-app or flavor block: each node decoded
//! against its component's schema, values type-checked, duplicates within
//! one layer found.

use std::collections::HashMap;

use crate::IndexMap;
use kdl::KdlNode;

use super::model::*;
use super::schema::{ParamSchema, ValueSchema};
use super::types::{Constraints, Type};
use super::value::Value;
use super::*;
use crate::diag::{Diagnostic, codes, suggest};
use crate::span::{FileId, Span, Spanned};

impl Checker<'_> {
    /// Decodes the nodes of an app, env-app or flavor block: parameters
    /// (checked against `schema` when known) and `manifest`/`patch`.
    pub(super) fn param_block(
        &mut self,
        file: FileId,
        children: &[&KdlNode],
        schema: Option<&IndexMap<String, ParamSchema>>,
        owner: &str,
    ) -> (Vec<ParamUse>, Extras) {
        let mut params: Vec<ParamUse> = Vec::new();
        let mut extras = Extras::default();
        for &c in children {
            if self.language_node(file, c, &mut extras) {
                continue;
            }
            let cname = nodes::name(file, c);
            let Some(schema) = schema else {
                continue;
            };
            match schema.get(&cname.value) {
                Some(ps) => {
                    if let Some(u) = self.param_use(file, c, ps) {
                        params.push(u);
                    }
                }
                None => {
                    let mut names: Vec<&str> = schema.keys().map(String::as_str).collect();
                    names.extend(extras::LANGUAGE_NODES.iter().map(|n| n.name));
                    self.diags.push(
                        Diagnostic::error(
                            codes::UNKNOWN_PARAM,
                            format!("unknown parameter `{}` in {owner}", cname.value),
                        )
                        .primary(cname.span, "not a parameter of this component")
                        .help(suggest(
                            &cname.value,
                            names,
                            "the parameters are",
                        )),
                    );
                }
            }
        }
        if let Some(schema) = schema {
            self.same_layer_duplicates(&params, schema);
        }
        (params, extras)
    }

    /// Two uses of a single-valued parameter, or two entries with the same
    /// key, in one block.
    pub(super) fn same_layer_duplicates(
        &mut self,
        params: &[ParamUse],
        schema: &IndexMap<String, ParamSchema>,
    ) {
        let mut firsts: HashMap<(String, Vec<String>), Span> = HashMap::new();
        for u in params {
            let Some(ps) = schema.get(&u.name.value) else {
                continue;
            };
            let key = if ps.repeated {
                if ps.key.is_empty() {
                    continue;
                }
                entry_key(ps, u)
            } else {
                Vec::new()
            };
            let id = (u.name.value.clone(), key.clone());
            if let Some(first) = firsts.get(&id) {
                let d = if ps.repeated {
                    Diagnostic::error(codes::DUPLICATE_KEY, format!("two `{}` entries with the same key `{}` in one block", u.name.value, key.join(" ")))
                        .primary(u.span, "second entry")
                        .related(*first, "first entry")
                        .help("entries of a repeated parameter merge by key; give each a different key, or remove one")
                } else {
                    Diagnostic::error(
                        codes::REPEATED_PARAM,
                        format!("`{}` is given twice in one block", u.name.value),
                    )
                    .primary(u.span, "given again here")
                    .related(*first, "first given here")
                    .help(format!(
                        "`{}` takes one value; remove one of them",
                        u.name.value
                    ))
                };
                self.diags.push(d);
            } else {
                firsts.insert(id, u.span);
            }
            // Keyed children (a sidecar's `env`s) follow the same rule.
            if !ps.children.is_empty() {
                self.same_layer_duplicates(&u.children, &ps.children);
            }
        }
    }

    /// Checks one use of a parameter against its schema.
    pub(super) fn param_use(
        &mut self,
        file: FileId,
        node: &KdlNode,
        ps: &ParamSchema,
    ) -> Option<ParamUse> {
        let name = nodes::name(file, node);
        let head = nodes::head_span(file, node, self.text(file));
        let args = nodes::args(file, node);
        let props = nodes::props(file, node);
        let mut u = ParamUse {
            name: name.clone(),
            span: head,
            args: Vec::new(),
            props: IndexMap::default(),
            children: Vec::new(),
            remove: false,
        };
        // Properties first: `remove` changes what the rest must hold.
        let mut seen_props: HashMap<String, Span> = HashMap::new();
        for p in &props {
            if let Some(first) = seen_props.get(&p.name) {
                self.duplicate_prop(p, *first);
                continue;
            }
            seen_props.insert(p.name.clone(), p.name_span);
            if p.name == "remove" {
                u.remove = self.bool_value(p.span, &p.value);
                continue;
            }
            if ps.is_map() {
                if p.value == Value::Null {
                    self.diags.push(mismatch(p.span, "a string", &p.value));
                }
                u.props.insert(
                    p.name.clone(),
                    PropUse {
                        name_span: p.name_span,
                        value: Spanned::new(p.value.clone(), p.span),
                    },
                );
                continue;
            }
            match ps.props.get(&p.name) {
                Some(vs) => {
                    self.check_value(vs, &p.value, p.span, &format!("`{}`", p.name));
                    u.props.insert(
                        p.name.clone(),
                        PropUse {
                            name_span: p.name_span,
                            value: Spanned::new(p.value.clone(), p.span),
                        },
                    );
                }
                None => {
                    let mut names: Vec<&str> = ps.props.keys().map(String::as_str).collect();
                    names.push("remove");
                    self.diags.push(
                        Diagnostic::error(
                            codes::UNKNOWN_PROPERTY,
                            format!("unknown property `{}` on `{}`", p.name, ps.name),
                        )
                        .primary(p.name_span, "unknown property")
                        .help(suggest(
                            &p.name,
                            names,
                            &format!("`{}` takes", ps.name),
                        )),
                    );
                }
            }
        }
        // Arguments.
        let arg_schemas: Vec<(String, ValueSchema, bool)> = match &ps.shorthand {
            Some(vs) if vs.ty == Type::Map => Vec::new(),
            Some(vs) => vec![("value".to_string(), vs.clone(), false)],
            None => ps
                .args
                .iter()
                .map(|a| (a.name.clone(), a.value.clone(), a.variadic))
                .collect(),
        };
        let mut i = 0;
        for a in &args {
            let Some((aname, vs, variadic)) = arg_schemas
                .get(i)
                .or_else(|| arg_schemas.last().filter(|l| l.2))
            else {
                let expected = match arg_schemas.len() {
                    0 => "no arguments".to_string(),
                    1 => "one argument".to_string(),
                    n => format!("{n} arguments"),
                };
                self.diags.push(
                    Diagnostic::error(
                        codes::MALFORMED,
                        format!("`{}` takes {expected}, found an extra {}", ps.name, a.value),
                    )
                    .primary(a.span, "unexpected argument")
                    .help(format!("usage: `{}`", ps.usage())),
                );
                continue;
            };
            let what = if ps.shorthand.is_some() {
                format!("`{}`", ps.name)
            } else {
                format!("`{}`'s {aname}", ps.name)
            };
            self.check_value(vs, &a.value, a.span, &what);
            u.args.push(Spanned::new(a.value.clone(), a.span));
            if !*variadic {
                i += 1;
            }
        }
        if !u.remove {
            for (aname, vs, variadic) in arg_schemas.iter().skip(u.args.len()) {
                if vs.required && (!*variadic || u.args.is_empty()) {
                    self.diags.push(
                        Diagnostic::error(
                            codes::MISSING_REQUIRED,
                            format!("`{}` needs its {aname}", ps.name),
                        )
                        .primary(name.span, format!("missing {aname} ({})", vs.ty.name()))
                        .help(format!("usage: `{}`", ps.usage())),
                    );
                }
            }
            if let Some(vs) = &ps.shorthand
                && vs.ty != Type::Map
                && args.is_empty()
            {
                self.diags.push(
                    Diagnostic::error(
                        codes::MISSING_REQUIRED,
                        format!("`{}` needs a value", ps.name),
                    )
                    .primary(name.span, format!("expected {} after this", vs.ty.name()))
                    .help(format!(
                        "write `{} <{}>`, or `{} remove=#true` to drop an inherited value",
                        ps.name,
                        vs.ty.name(),
                        ps.name
                    )),
                );
            }
        }
        // Children.
        if let Some(children) = node.children() {
            for c in children.nodes() {
                let cname = nodes::name(file, c);
                match ps.children.get(&cname.value) {
                    Some(cs) => {
                        if let Some(cu) = self.param_use(file, c, cs) {
                            u.children.push(cu);
                        }
                    }
                    None => {
                        let d = if ps.children.is_empty() {
                            Diagnostic::error(
                                codes::MALFORMED,
                                format!("`{}` takes no block", ps.name),
                            )
                            .primary(cname.span, "unexpected node")
                            .help(format!("usage: `{}`", ps.usage()))
                        } else {
                            Diagnostic::error(
                                codes::UNKNOWN_PARAM,
                                format!("unknown node `{}` in `{}`", cname.value, ps.name),
                            )
                            .primary(cname.span, format!("not part of `{}`", ps.name))
                            .help(suggest(
                                &cname.value,
                                ps.children.keys().map(String::as_str),
                                &format!("`{}` holds", ps.name),
                            ))
                        };
                        self.diags.push(d);
                    }
                }
            }
            self.same_layer_duplicates(&u.children, &ps.children);
        }
        Some(u)
    }

    /// Type-checks one value; templated strings wait until they are evaluated.
    pub(super) fn check_value(&mut self, vs: &ValueSchema, v: &Value, span: Span, what: &str) {
        if matches!(v, Value::String(s) if s.contains("{{") || s.contains("{%")) {
            return;
        }
        let c = Constraints {
            min: vs.min,
            max: vs.max,
            values: &vs.values,
        };
        if let Err(e) = types::check(vs.ty, v, &c) {
            self.diags.push(
                Diagnostic::error(codes::TYPE_MISMATCH, format!("{what}: {}", e.message))
                    .primary(span, format!("expected {}", vs.ty.describe()))
                    .maybe_help(e.help),
            );
        }
    }
}
