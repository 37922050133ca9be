//! Several envs, one app: a value equal in every env goes in the app, a
//! value that differs in the env's `app` block, following the merge rules
//! of the language (LANGUAGE.md "Layers and merging") so that each env
//! resolves to exactly its own parameters.
//!
//! - A single parameter equal everywhere is written once in the app. One
//!   that differs only in some properties keeps the others in the app and
//!   those in the envs (a higher layer replaces only the properties it
//!   names); otherwise each env writes it whole.
//! - A repeated parameter with a key whose entries have the same keys in
//!   the same order in every env is written in the app, each entry with
//!   the value most envs have; an env whose value differs overrides that
//!   entry (replaced in place, so the order holds). Otherwise the entries
//!   all envs share at the start go in the app and each env adds the rest.
//! - A repeated parameter without a key is replaced whole: in the app when
//!   equal everywhere, else in each env.

use crate::IndexMap;
use crate::check::schema::{KeyPart, ParamSchema};
use crate::import::extract::accepts;
use crate::import::kdl::Node;

/// The app's own nodes, and each env's overrides (by index into `per_env`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Split {
    pub app: Vec<Node>,
    pub envs: Vec<Vec<Node>>,
}

/// Splits the parameters of one app in each of its envs.
pub fn split(per_env: &[Vec<Node>], schema: &IndexMap<String, ParamSchema>) -> Split {
    let mut out = Split {
        app: Vec::new(),
        envs: vec![Vec::new(); per_env.len()],
    };
    if per_env.len() == 1 {
        out.app = per_env[0].clone();
        return out;
    }
    let mut names: Vec<&str> = Vec::new();
    for nodes in per_env {
        for n in nodes {
            if !names.contains(&n.name.as_str()) {
                names.push(&n.name);
            }
        }
    }
    for name in names {
        let uses: Vec<Vec<&Node>> = per_env
            .iter()
            .map(|nodes| nodes.iter().filter(|n| n.name == name).collect())
            .collect();
        match schema.get(name) {
            Some(ps) if ps.repeated && !ps.key.is_empty() => keyed(ps, &uses, &mut out),
            Some(ps) if !ps.repeated => single(ps, &uses, &mut out),
            _ => whole(&uses, &mut out),
        }
    }
    out
}

fn whole(uses: &[Vec<&Node>], out: &mut Split) {
    if uses.iter().all(|u| *u == uses[0]) {
        out.app.extend(uses[0].iter().map(|n| (*n).clone()));
    } else {
        for (e, u) in uses.iter().enumerate() {
            out.envs[e].extend(u.iter().map(|n| (*n).clone()));
        }
    }
}

fn single(ps: &ParamSchema, uses: &[Vec<&Node>], out: &mut Split) {
    let firsts: Vec<Option<&Node>> = uses.iter().map(|u| u.first().copied()).collect();
    if firsts.iter().all(|n| *n == firsts[0]) {
        out.app.extend(firsts[0].cloned());
        return;
    }
    if let Some(split) = by_property(ps, &firsts) {
        out.app.push(split.0);
        for (e, n) in split.1.into_iter().enumerate() {
            out.envs[e].extend(n);
        }
        return;
    }
    for (e, n) in firsts.iter().enumerate() {
        out.envs[e].extend(n.cloned());
    }
}

/// The properties equal in every env in the app, the others in the envs;
/// when every env has the parameter with the same arguments and children,
/// and each part is valid on its own.
fn by_property(ps: &ParamSchema, firsts: &[Option<&Node>]) -> Option<(Node, Vec<Option<Node>>)> {
    let nodes: Vec<&Node> = firsts.iter().copied().collect::<Option<Vec<_>>>()?;
    let first = nodes[0];
    if nodes
        .iter()
        .any(|n| n.args != first.args || n.children != first.children)
    {
        return None;
    }
    let mut app = Node::new(first.name.clone());
    app.args = first.args.clone();
    app.children = first.children.clone();
    app.props = first
        .props
        .iter()
        .filter(|(k, v)| nodes.iter().all(|n| n.get(k) == Some(v)))
        .cloned()
        .collect();
    // A property only some envs have would leak from the app into the others.
    if nodes.iter().any(|n| {
        n.props
            .iter()
            .any(|(k, _)| nodes.iter().any(|m| m.get(k).is_none()))
    }) {
        return None;
    }
    let mut envs = Vec::new();
    for n in &nodes {
        let mut own = Node::new(first.name.clone());
        own.props = n
            .props
            .iter()
            .filter(|p| !app.props.contains(p))
            .cloned()
            .collect();
        if !own.props.is_empty() && !accepts(ps, &mut own.clone()) {
            return None;
        }
        envs.push((!own.props.is_empty()).then_some(own));
    }
    if !accepts(ps, &mut app.clone()) {
        return None;
    }
    Some((app, envs))
}

/// An entry's merge key, as the resolver computes it.
fn key(ps: &ParamSchema, n: &Node) -> Vec<String> {
    ps.key
        .iter()
        .map(|k| match k {
            KeyPart::Arg(i) => n
                .args
                .get(*i)
                .map(|a| a.to_plain_string())
                .unwrap_or_default(),
            KeyPart::Prop(p) => n
                .get(p)
                .map(|v| v.to_plain_string())
                .or_else(|| {
                    ps.props
                        .get(p)
                        .and_then(|vs| vs.default.as_ref())
                        .map(|d| d.to_plain_string())
                })
                .unwrap_or_default(),
        })
        .collect()
}

fn keyed(ps: &ParamSchema, uses: &[Vec<&Node>], out: &mut Split) {
    if uses.iter().all(|u| *u == uses[0]) {
        out.app.extend(uses[0].iter().map(|n| (*n).clone()));
        return;
    }
    let keys: Vec<Vec<Vec<String>>> = uses
        .iter()
        .map(|u| u.iter().map(|n| key(ps, n)).collect())
        .collect();
    if keys.iter().all(|k| *k == keys[0]) {
        for i in 0..uses[0].len() {
            let entries: Vec<&Node> = uses.iter().map(|u| u[i]).collect();
            let base = most_common(&entries);
            out.app.push(base.clone());
            for (e, n) in entries.iter().enumerate() {
                if *n != base {
                    out.envs[e].push((*n).clone());
                }
            }
        }
        return;
    }
    let common = (0..)
        .take_while(|&i| {
            uses.iter()
                .all(|u| u.get(i).is_some() && u.get(i) == uses[0].get(i))
        })
        .count();
    out.app
        .extend(uses[0][..common].iter().map(|n| (*n).clone()));
    for (e, u) in uses.iter().enumerate() {
        out.envs[e].extend(u[common..].iter().map(|n| (*n).clone()));
    }
}

/// The entry most envs have; the first env's on a tie.
fn most_common<'a>(entries: &[&'a Node]) -> &'a Node {
    let mut best = entries[0];
    let mut best_count = 0;
    for n in entries {
        let count = entries.iter().filter(|m| *m == n).count();
        if count > best_count {
            best = n;
            best_count = count;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::value::Value;

    fn schema() -> std::sync::Arc<IndexMap<String, ParamSchema>> {
        crate::import::stdlib_schema("web-service")
    }

    fn text(nodes: &[Node]) -> String {
        let mut out = String::new();
        crate::import::kdl::write_nodes(&mut out, nodes, 0);
        out
    }

    fn env(name: &str, value: &str) -> Node {
        Node::new("env").arg(name).arg(value)
    }

    #[test]
    fn equal_everywhere_is_written_once() {
        let nodes = vec![
            Node::new("image").arg("a:1"),
            Node::new("replicas").arg(2i64),
        ];
        let s = split(&[nodes.clone(), nodes.clone(), nodes.clone()], &schema());
        assert_eq!(s.app, nodes);
        assert!(s.envs.iter().all(Vec::is_empty));
    }

    #[test]
    fn single_values_that_differ_go_to_the_envs() {
        let a = vec![
            Node::new("image").arg("a:1"),
            Node::new("replicas").arg(1i64),
        ];
        let b = vec![
            Node::new("image").arg("a:2"),
            Node::new("replicas").arg(1i64),
        ];
        let s = split(&[a, b], &schema());
        assert_eq!(text(&s.app), "replicas 1\n");
        assert_eq!(text(&s.envs[0]), "image \"a:1\"\n");
        assert_eq!(text(&s.envs[1]), "image \"a:2\"\n");
    }

    #[test]
    fn properties_that_differ_go_to_the_envs_alone() {
        let r = |m: &str| Node::new("resources").prop("cpu", "100m").prop("memory", m);
        let s = split(&[vec![r("1Gi")], vec![r("2Gi")]], &schema());
        assert_eq!(text(&s.app), "resources cpu=\"100m\"\n");
        assert_eq!(text(&s.envs[1]), "resources memory=\"2Gi\"\n");
        // A property some envs lack cannot stay in the app.
        let partial = Node::new("resources").prop("cpu", "100m");
        let s = split(&[vec![r("1Gi")], vec![partial.clone()]], &schema());
        assert!(s.app.is_empty());
        assert_eq!(s.envs[1], vec![partial]);
        // Nor can a property an exclusive choice needs in every use.
        let pdb = |k: &str| Node::new("pdb").prop(k, Value::Int(1));
        let s = split(
            &[vec![pdb("min-available")], vec![pdb("max-unavailable")]],
            &schema(),
        );
        assert!(s.app.is_empty());
    }

    #[test]
    fn keyed_entries_keep_their_order() {
        let a = vec![env("A", "1"), env("LOG", "info"), env("B", "2")];
        let b = vec![env("A", "1"), env("LOG", "debug"), env("B", "2")];
        let c = a.clone();
        let s = split(&[a, b, c], &schema());
        assert_eq!(
            text(&s.app),
            "env \"A\" \"1\"\nenv \"LOG\" \"info\"\nenv \"B\" \"2\"\n"
        );
        assert_eq!(text(&s.envs[1]), "env \"LOG\" \"debug\"\n");
        assert!(s.envs[0].is_empty() && s.envs[2].is_empty());
        // Other keys: the shared start in the app, the rest per env.
        let a = vec![env("A", "1"), env("B", "2")];
        let b = vec![env("A", "1"), env("C", "3"), env("B", "2")];
        let s = split(&[a, b], &schema());
        assert_eq!(text(&s.app), "env \"A\" \"1\"\n");
        assert_eq!(text(&s.envs[0]), "env \"B\" \"2\"\n");
        assert_eq!(text(&s.envs[1]), "env \"C\" \"3\"\nenv \"B\" \"2\"\n");
    }
}
