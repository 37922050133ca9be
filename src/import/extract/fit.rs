//! Parameters checked against the component's schema before they are
//! written, with the checker's own type rules: a value kiln would refuse
//! (an image reference it cannot parse, a name too long) is left out, and
//! the field it came from is kept by a patch instead, so that the
//! imported project always passes `kiln check`.

use crate::IndexMap;
use crate::check::schema::{ParamSchema, ValueSchema};
use crate::check::types::{self, Constraints};
use crate::check::value::Value;
use crate::import::kdl::Node;

/// The nodes `schema` accepts, and whether a required parameter was lost.
pub fn fit(nodes: Vec<Node>, schema: &IndexMap<String, ParamSchema>) -> (Vec<Node>, bool) {
    let mut kept = Vec::new();
    for mut n in nodes {
        if schema.get(&n.name).is_some_and(|ps| accepts(ps, &mut n)) {
            kept.push(n);
        }
    }
    let lost_required = schema
        .values()
        .any(|ps| ps.required && !kept.iter().any(|n| n.name == ps.name));
    (kept, lost_required)
}

fn value_ok(vs: &ValueSchema, v: &Value) -> bool {
    if v.as_str().is_some_and(|s| s.contains("{{")) {
        // Checked once evaluated, like any template.
        return true;
    }
    let c = Constraints {
        min: vs.min,
        max: vs.max,
        values: &vs.values,
    };
    types::check(vs.ty, v, &c).is_ok()
}

/// Whether `ps` accepts `n`, once the children it does not accept are
/// dropped (a sidecar keeps its valid parameters).
pub fn accepts(ps: &ParamSchema, n: &mut Node) -> bool {
    n.children
        .retain_mut(|c| ps.children.get(&c.name).is_some_and(|cs| accepts(cs, c)));
    if ps
        .children
        .values()
        .any(|cs| cs.required && !n.children.iter().any(|c| c.name == cs.name))
    {
        return false;
    }
    if ps.is_map() {
        return n.args.is_empty()
            && n.children.is_empty()
            && n.props.iter().all(|(_, v)| v.as_str().is_some());
    }
    if let Some(vs) = &ps.shorthand {
        return n.props.is_empty()
            && n.children.is_empty()
            && matches!(&n.args[..], [v] if value_ok(vs, v));
    }
    let mut args = n.args.iter();
    for a in &ps.args {
        if a.variadic {
            let rest: Vec<&Value> = args.by_ref().collect();
            if (a.value.required && rest.is_empty()) || !rest.iter().all(|v| value_ok(&a.value, v))
            {
                return false;
            }
        } else {
            match args.next() {
                Some(v) if value_ok(&a.value, v) => {}
                Some(_) => return false,
                None if a.value.required => return false,
                None => {}
            }
        }
    }
    if args.next().is_some() {
        return false;
    }
    for (k, v) in &n.props {
        if !ps.props.get(k).is_some_and(|vs| value_ok(vs, v)) {
            return false;
        }
    }
    if ps
        .props
        .iter()
        .any(|(k, vs)| vs.required && n.get(k).is_none())
    {
        return false;
    }
    ps.one_of.iter().all(|o| {
        let given = o
            .names
            .iter()
            .filter(|name| n.get(name).is_some() || n.children.iter().any(|c| &c.name == *name))
            .count();
        given <= 1 && (!o.required || given == 1)
    })
}
