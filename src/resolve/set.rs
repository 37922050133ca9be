//! The `--set` layer: `APP.PARAM=VALUE`, `APP.PARAM.PROP=VALUE`,
//! `APP.MAP.KEY=VALUE`, and `APP.DOCUMENT.PATH=VALUE` for documents.

use crate::IndexMap;

use super::SetFlag;
use crate::check::schema::{ParamSchema, ValueSchema};
use crate::check::types::Type;
use crate::check::value::Value;
use crate::check::{App, ParamUse, PropUse};
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::span::Spanned;

/// Builds the `--set` layer for `app`.
pub(super) fn set_layer(
    app: &App,
    schema: &IndexMap<String, ParamSchema>,
    sets: &[SetFlag],
    diags: &mut Diagnostics,
) -> Vec<ParamUse> {
    let mut out: Vec<ParamUse> = Vec::new();
    for s in sets.iter().filter(|s| s.app == app.name.value) {
        let Some(pname) = s.path.first() else {
            continue;
        };
        let Some(ps) = schema.get(pname) else {
            diags.push(
                Diagnostic::error(
                    codes::BAD_SET,
                    format!("app `{}` has no parameter `{pname}`", app.name.value),
                )
                .primary(s.span, "unknown parameter")
                .help(crate::diag::suggest(
                    pname,
                    schema.keys().map(String::as_str),
                    "the parameters are",
                )),
            );
            continue;
        };
        if let Some(doc) = &ps.document {
            match document_set(app, doc, s) {
                Ok(u) => out.push(u),
                Err(d) => diags.push(d),
            }
            continue;
        }
        let name = Spanned::new(pname.clone(), s.span);
        let mut u = ParamUse {
            name,
            span: s.span,
            args: Vec::new(),
            props: IndexMap::default(),
            children: Vec::new(),
            remove: false,
        };
        match (&ps.shorthand, s.path.get(1)) {
            (Some(vs), None) if vs.ty != Type::Map && !ps.repeated => {
                u.args
                    .push(Spanned::new(typed_flag_value(vs, &s.value), s.value_span));
            }
            (_, Some(prop)) if ps.props.contains_key(prop) && !ps.repeated && s.path.len() == 2 => {
                let vs = &ps.props[prop];
                u.props.insert(
                    prop.clone(),
                    PropUse {
                        name_span: s.span,
                        value: Spanned::new(typed_flag_value(vs, &s.value), s.value_span),
                    },
                );
            }
            (Some(vs), Some(key)) if vs.ty == Type::Map && s.path.len() == 2 => {
                u.props.insert(
                    key.clone(),
                    PropUse {
                        name_span: s.span,
                        value: Spanned::new(Value::String(s.value.clone()), s.value_span),
                    },
                );
            }
            _ => {
                diags.push(
                    Diagnostic::error(codes::BAD_SET, format!("`--set` cannot set `{}` of app `{}`", s.path.join("."), app.name.value))
                        .primary(s.span, "not settable from the command line")
                        .help(format!(
                            "`--set` sets one-value parameters (`{}.replicas=3`) and properties of single parameters (`{}.resources.cpu=500m`); repeated parameters belong in the project files",
                            app.name.value, app.name.value
                        )),
                );
                continue;
            }
        }
        // Several --set of one parameter merge like one layer's use.
        match out.iter_mut().find(|o| o.name.value == *pname) {
            Some(prev) => {
                prev.props.extend(u.props);
                if !u.args.is_empty() {
                    prev.args = u.args;
                }
            }
            None => out.push(u),
        }
    }
    out
}

/// A `--set` value, typed like the parameter: `3` is an int for an int.
fn typed_flag_value(vs: &ValueSchema, s: &str) -> Value {
    match vs.ty {
        Type::Int | Type::Port | Type::Duration | Type::IntOrPercent | Type::PortRef => s
            .parse::<i128>()
            .map(Value::Int)
            .unwrap_or_else(|_| Value::String(s.to_string())),
        Type::Float => s
            .parse::<f64>()
            .map(Value::Float)
            .unwrap_or_else(|_| Value::String(s.to_string())),
        Type::Bool => match s {
            "true" | "#true" => Value::Bool(true),
            "false" | "#false" => Value::Bool(false),
            _ => Value::String(s.to_string()),
        },
        Type::Cpu | Type::Memory | Type::Scalar => s
            .parse::<i128>()
            .map(Value::Int)
            .unwrap_or_else(|_| Value::String(s.to_string())),
        _ => Value::String(s.to_string()),
    }
}

/// `--set APP.DOCUMENT.PATH=VALUE`: one entry of the document, typed as
/// Helm's own `--set` types it.
fn document_set(
    app: &App,
    doc: &crate::check::document::DocumentSchema,
    s: &SetFlag,
) -> Result<ParamUse, Diagnostic> {
    let example = format!("`--set {}.{}.image.tag=1.2.3`", app.name.value, doc.name);
    let Some(entry) = &doc.entry else {
        return Err(Diagnostic::error(
            codes::BAD_SET,
            format!("`--set` cannot set `{}` of app `{}`", doc.name, app.name.value),
        )
        .primary(s.span, "this document takes files only")
        .help(format!("its component declares no `entry` for single values; write `{} from=FILE` in the project files", doc.name)));
    };
    if s.path.len() < 2 {
        return Err(Diagnostic::error(
            codes::BAD_SET,
            format!("`--set` of `{}` needs a path inside it", doc.name),
        )
        .primary(s.span, "no path after the document's name")
        .help(format!("for example {example}")));
    }
    Ok(ParamUse {
        name: Spanned::new(entry.clone(), s.span),
        span: s.span,
        args: vec![
            Spanned::new(Value::String(s.path[1..].join(".")), s.span),
            Spanned::new(helm_typed(&s.value), s.value_span),
        ],
        props: IndexMap::default(),
        children: Vec::new(),
        remove: false,
    })
}

/// A `--set` value as Helm types it: `true`, `false`, `null`, an integer
/// without a leading zero, else a string.
fn helm_typed(s: &str) -> Value {
    if s.eq_ignore_ascii_case("true") {
        Value::Bool(true)
    } else if s.eq_ignore_ascii_case("false") {
        Value::Bool(false)
    } else if s.eq_ignore_ascii_case("null") {
        Value::Null
    } else if s == "0" {
        Value::Int(0)
    } else if !s.starts_with('0')
        && let Ok(i) = s.parse::<i64>()
    {
        Value::Int(i128::from(i))
    } else {
        Value::String(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::helm_typed;
    use crate::check::value::Value;

    #[test]
    fn set_values_are_typed_like_helm() {
        assert_eq!(helm_typed("true"), Value::Bool(true));
        assert_eq!(helm_typed("FALSE"), Value::Bool(false));
        assert_eq!(helm_typed("null"), Value::Null);
        assert_eq!(helm_typed("0"), Value::Int(0));
        assert_eq!(helm_typed("-3"), Value::Int(-3));
        assert_eq!(helm_typed("0755"), Value::String("0755".into()));
        assert_eq!(helm_typed("1.5"), Value::String("1.5".into()));
        assert_eq!(helm_typed("6.5.0"), Value::String("6.5.0".into()));
    }
}
