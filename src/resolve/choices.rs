//! `one-of` and `requires`: which arguments, properties and children of a
//! merged parameter may or must go together. Checked after merging, since
//! a choice made in one layer may be completed in another.

use crate::check::ParamUse;
use crate::check::schema::ParamSchema;
use crate::diag::{Diagnostic, Diagnostics, codes};
use crate::span::Span;

/// Where the argument, property or child `name` is given in `u`, if it is.
fn given(ps: &ParamSchema, u: &ParamUse, name: &str) -> Option<Span> {
    u.props
        .get(name)
        .map(|p| p.name_span)
        .or_else(|| {
            u.children
                .iter()
                .find(|c| c.name.value == name)
                .map(|c| c.name.span)
        })
        .or_else(|| {
            let i = ps.args.iter().position(|a| a.name == name)?;
            u.args.get(i).map(|a| a.span)
        })
}

/// Reports broken `one-of` and `requires` rules of one merged use.
pub(super) fn check(ps: &ParamSchema, u: &ParamUse, diags: &mut Diagnostics) {
    for rule in &ps.requires {
        let Some(when) = given(ps, u, &rule.when) else {
            continue;
        };
        for need in &rule.needs {
            if given(ps, u, need).is_none() {
                let d = Diagnostic::error(
                    codes::MISSING_REQUIRED,
                    format!("`{}` with `{}` needs `{need}`", ps.name, rule.when),
                )
                .primary(u.span, format!("no `{need}` here"))
                .related(when, format!("`{}` is given here", rule.when));
                diags.push(match &rule.help {
                    Some(help) => d.help(help.clone()),
                    None => d.help(format!("usage: `{}`", ps.usage())),
                });
            }
        }
    }
    // A second rule over a name already reported (`repo`/`oci`, then
    // `oci`/`name`) would only repeat the first one's consequence.
    let mut reported: Vec<&str> = Vec::new();
    for one in &ps.one_of {
        if one.names.iter().any(|n| reported.contains(&n.as_str())) {
            continue;
        }
        let present: Vec<(&str, Span)> = one
            .names
            .iter()
            .filter_map(|n| given(ps, u, n).map(|span| (n.as_str(), span)))
            .collect();
        let list = one
            .names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        if present.len() > 1 {
            let mut d = Diagnostic::error(
                codes::EXCLUSIVE,
                format!(
                    "`{}` takes one of {list}, found {}",
                    ps.name,
                    present
                        .iter()
                        .map(|p| format!("`{}`", p.0))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ),
            )
            .primary(present[1].1, "second choice")
            .related(present[0].1, "first choice");
            d = d.help(
                one.help
                    .clone()
                    .unwrap_or_else(|| format!("keep one of {list}")),
            );
            diags.push(d);
            reported.extend(one.names.iter().map(String::as_str));
        } else if present.is_empty() && one.required {
            diags.push(
                Diagnostic::error(
                    codes::EXCLUSIVE,
                    format!("`{}` needs one of {list}", ps.name),
                )
                .primary(u.span, "none given")
                .help(one.help.clone().unwrap_or_else(|| {
                    format!("add one of {list}; `kiln schema` shows what each means")
                })),
            );
        }
    }
}
