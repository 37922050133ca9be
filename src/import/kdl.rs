//! The KDL that `kiln import` writes: nodes as values, and their text in
//! the canonical layout of `kiln fmt` (4-space indent, one node per line).

use crate::check::value::Value;
use crate::syntax::quote::{identifier, quote};

/// One KDL node: a parameter use, an env's `app` block, a `patch`.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub name: String,
    pub args: Vec<Value>,
    pub props: Vec<(String, Value)>,
    pub children: Vec<Node>,
}

impl Node {
    /// A node with a name only.
    pub fn new(name: impl Into<String>) -> Self {
        Node {
            name: name.into(),
            args: Vec::new(),
            props: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Adds an argument.
    pub fn arg(mut self, v: impl Into<Value>) -> Self {
        self.args.push(v.into());
        self
    }

    /// Adds a property.
    pub fn prop(mut self, k: impl Into<String>, v: impl Into<Value>) -> Self {
        self.props.push((k.into(), v.into()));
        self
    }

    /// Adds a property when there is a value.
    pub fn prop_opt(self, k: &str, v: Option<impl Into<Value>>) -> Self {
        match v {
            Some(v) => self.prop(k, v),
            None => self,
        }
    }

    /// Adds a child node.
    pub fn child(mut self, c: Node) -> Self {
        self.children.push(c);
        self
    }

    /// The value of a property.
    pub fn get(&self, k: &str) -> Option<&Value> {
        self.props.iter().find(|(n, _)| n == k).map(|(_, v)| v)
    }
}

/// Writes nodes at `depth`, each on its own line.
pub fn write_nodes(out: &mut String, nodes: &[Node], depth: usize) {
    for n in nodes {
        write_node(out, n, depth);
    }
}

/// Writes one node and its children.
pub fn write_node(out: &mut String, n: &Node, depth: usize) {
    out.push_str(&"    ".repeat(depth));
    out.push_str(&identifier(&n.name));
    for a in &n.args {
        out.push(' ');
        out.push_str(&value(a));
    }
    for (k, v) in &n.props {
        out.push(' ');
        out.push_str(&identifier(k));
        out.push('=');
        out.push_str(&value(v));
    }
    if n.children.is_empty() {
        out.push('\n');
        return;
    }
    out.push_str(" {\n");
    write_nodes(out, &n.children, depth + 1);
    out.push_str(&"    ".repeat(depth));
    out.push_str("}\n");
}

/// A `//` comment, one line per line of `text`.
pub fn write_comment(out: &mut String, text: &str, depth: usize) {
    for line in text.lines() {
        out.push_str(&"    ".repeat(depth));
        out.push_str("//");
        if !line.is_empty() {
            out.push(' ');
            out.push_str(line);
        }
        out.push('\n');
    }
}

/// A value in KDL 2.0 spelling.
pub fn value(v: &Value) -> String {
    match v {
        Value::String(s) => quote(s),
        Value::Int(i) => i.to_string(),
        Value::Float(f) if f.is_finite() => {
            let s = format!("{f:?}");
            if s.contains(['.', 'e', 'E']) {
                s
            } else {
                format!("{s}.0")
            }
        }
        Value::Float(f) if f.is_nan() => "#nan".to_string(),
        Value::Float(f) if *f > 0.0 => "#inf".to_string(),
        Value::Float(_) => "#-inf".to_string(),
        Value::Bool(b) => format!("#{b}"),
        Value::Null => "#null".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parses_back(text: &str) -> kdl::KdlDocument {
        kdl::KdlDocument::parse_v2(text).unwrap_or_else(|e| panic!("{text}: {e:?}"))
    }

    #[test]
    fn strings_read_back_exactly() {
        for s in [
            "plain",
            "with \"quotes\"",
            "back\\slash",
            "both \" and \\",
            "line\nbreak",
            "tab\tand \"quote\"",
            "bell\u{7}",
            "ends with \"#",
            "#34577c",
            "",
            "\u{2028}",
        ] {
            let text = format!("n {}\n", quote(s));
            let doc = parses_back(&text);
            let got = doc.nodes()[0].entries()[0].value().as_string().unwrap();
            assert_eq!(got, s, "{text}");
        }
    }

    #[test]
    fn nodes_are_written_in_canonical_layout() {
        let n = Node::new("app")
            .arg("web")
            .prop("component", "worker")
            .child(Node::new("replicas").arg(3i64))
            .child(
                Node::new("probe")
                    .arg("liveness")
                    .prop("initial-delay", "5s")
                    .child(Node::new("exec").arg("redis-cli").arg("ping")),
            )
            .child(Node::new("suspend").arg(true));
        let mut out = String::new();
        write_comment(&mut out, "From dev.yaml", 0);
        write_node(&mut out, &n, 0);
        parses_back(&out);
        assert_eq!(
            crate::editor::kdlfmt::format(&out).as_deref(),
            Ok(out.as_str())
        );
        assert_eq!(
            out,
            "// From dev.yaml\napp \"web\" component=\"worker\" {\n    replicas 3\n    probe \"liveness\" initial-delay=\"5s\" {\n        exec \"redis-cli\" \"ping\"\n    }\n    suspend #true\n}\n"
        );
    }

    #[test]
    fn values_in_kdl_spelling() {
        assert_eq!(value(&Value::Float(0.5)), "0.5");
        assert_eq!(value(&Value::Float(2.0)), "2.0");
        assert_eq!(value(&Value::Null), "#null");
        assert_eq!(value(&Value::Bool(false)), "#false");
        parses_back(&format!("n {}\n", value(&Value::Float(1e300))));
    }
}
