//! The fast YAML reader against the full one: wherever the fast reader
//! gives documents, serde-saphyr gives the same documents.
//!
//! Texts come from a generator of YAML in the styles templates write
//! (block and compact, plain and quoted, flow JSON, comments, several
//! documents), then from random edits of such texts, which reach the
//! corners: a stray colon, a tab, an indentation one space off.

use kiln::render::fastyaml::read_documents;
use kiln::render::yaml::full_documents;
use proptest::prelude::*;
use serde_json::Value as Json;

/// Scalars as a template might write them, quoted or not; mostly in the
/// fast reader's subset, sometimes just outside it.
fn scalar() -> impl Strategy<Value = String> {
    let inside = prop_oneof![
        "[a-zA-Z/][a-zA-Z0-9_./:-]{0,8}",
        "-?[1-9][0-9]{0,5}",
        "\"[a-z :#'\\\\\\-]{0,6}\"",
        Just("0".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("[\"a\",1,true]".to_string()),
        Just("{\"a.b/c\":\"x\",\"n\":2}".to_string()),
        Just("\"\\u00e9\\n\\t\"".to_string()),
    ];
    let outside = prop_oneof![
        "-?[0-9]{1,20}",
        Just("yes".to_string()),
        Just("null".to_string()),
        Just("~".to_string()),
        Just("0755".to_string()),
        Just("1e3".to_string()),
        Just("{\"a\":1,\"a\":2}".to_string()),
        Just("[1.5]".to_string()),
        Just("\"\\ud83d\\ude00\"".to_string()),
    ];
    prop_oneof![30 => inside, 1 => outside]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        20 => "[a-z][a-zA-Z0-9_./-]{0,6}",
        5 => "\"[a-z .:-]{0,5}\"",
        1 => Just("on".to_string()),
        1 => Just("1".to_string()),
    ]
}

/// A YAML node as text lines at `indent`.
#[derive(Clone, Debug)]
enum Node {
    Scalar(String),
    Map(Vec<(String, Node)>),
    Seq(Vec<Node>),
}

fn node() -> impl Strategy<Value = Node> {
    let leaf = scalar().prop_map(Node::Scalar);
    leaf.prop_recursive(5, 40, 5, |inner| {
        prop_oneof![
            proptest::collection::vec((key(), inner.clone()), 1..5).prop_map(Node::Map),
            proptest::collection::vec(inner, 1..5).prop_map(Node::Seq),
        ]
    })
}

/// Writes `node` as the value of a line already started (`key:` or `-`).
fn write_value(out: &mut String, node: &Node, indent: usize, step: usize, compact: bool) {
    match node {
        Node::Scalar(s) => {
            out.push(' ');
            out.push_str(s);
            out.push('\n');
        }
        Node::Map(_) | Node::Seq(_) => {
            out.push('\n');
            let inner = if compact && matches!(node, Node::Seq(_)) {
                indent
            } else {
                indent + step
            };
            write_node(out, node, inner, step, compact);
        }
    }
}

fn write_node(out: &mut String, node: &Node, indent: usize, step: usize, compact: bool) {
    let pad = " ".repeat(indent);
    match node {
        Node::Scalar(s) => {
            out.push_str(&pad);
            out.push_str(s);
            out.push('\n');
        }
        Node::Map(entries) => {
            for (k, v) in entries {
                out.push_str(&pad);
                out.push_str(k);
                out.push(':');
                write_value(out, v, indent, step, compact);
            }
        }
        Node::Seq(items) => {
            for item in items {
                out.push_str(&pad);
                out.push('-');
                match item {
                    Node::Map(entries) if compact => {
                        // `- key: value`, the rest of the map under `key`.
                        for (i, (k, v)) in entries.iter().enumerate() {
                            if i > 0 {
                                out.push_str(&pad);
                                out.push_str("  ");
                            } else {
                                out.push(' ');
                            }
                            out.push_str(k);
                            out.push(':');
                            write_value(out, v, indent + 2, step, compact);
                        }
                    }
                    _ => write_value(out, item, indent, step, false),
                }
            }
        }
    }
}

fn document() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(node(), 1..3),
        1usize..4,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(docs, step, compact, comments)| {
            let mut out = String::new();
            for (i, d) in docs.iter().enumerate() {
                if i > 0 {
                    out.push_str("---\n");
                }
                if comments {
                    out.push_str("# made by a template\n\n");
                }
                write_node(&mut out, d, 0, step, compact);
            }
            out
        })
}

/// Characters that change YAML's meaning most.
const EDITS: &[char] = &[
    ' ', '-', ':', '#', '"', '\n', 'a', '0', '\t', '[', '{', '\'', '|', '&', '~',
];

fn agrees(text: &str) -> Result<(), TestCaseError> {
    if let Some(fast) = read_documents(text) {
        let full = full_documents(text).map_err(|e| {
            TestCaseError::fail(format!(
                "fast reader took {text:?}, full one refuses: {}",
                e.message
            ))
        })?;
        let full: Vec<Json> = full.into_iter().filter(|d| !d.is_null()).collect();
        prop_assert_eq!(fast, full, "on {:?}", text);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn generated_yaml_reads_the_same(text in document()) {
        agrees(&text)?;
    }

    #[test]
    fn edited_yaml_reads_the_same(
        text in document(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0..EDITS.len(), any::<bool>()), 1..4),
    ) {
        let mut chars: Vec<char> = text.chars().collect();
        for (at, c, delete) in edits {
            if chars.is_empty() {
                break;
            }
            let i = at.index(chars.len());
            if delete {
                chars.remove(i);
            } else {
                chars.insert(i, EDITS[c]);
            }
        }
        agrees(&chars.into_iter().collect::<String>())?;
    }
}

#[test]
fn most_generated_documents_take_the_fast_path() {
    // A reader that always declined would pass the properties above: this
    // checks it reads the common shapes itself.
    let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: \"web\"\n  labels: {\"a\":\"b\"}\nspec:\n  ports:\n  - name: http\n    port: 80\n    targetPort: \"http\"\n";
    let docs = read_documents(text).expect("the fast path reads a plain Service");
    assert_eq!(docs, full_documents(text).unwrap());
}

#[test]
fn the_generator_reaches_the_fast_path() {
    // The properties above say nothing if the fast reader declines every
    // generated text: count how many it reads.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha),
    );
    let strategy = document();
    let total = 500;
    let read = (0..total)
        .filter(|_| {
            let text = strategy.new_tree(&mut runner).unwrap().current();
            read_documents(&text).is_some()
        })
        .count();
    eprintln!("{read} of {total} generated texts took the fast path");
    assert!(
        read * 5 >= total,
        "only {read} of {total} generated texts took the fast path"
    );
}

#[test]
fn nested_compact_sequences_read_the_same() {
    for text in ["- - a\n  - b\n- c", "a:\n- - 1\n  - - 2\n"] {
        assert!(read_documents(text).is_some(), "{text:?}");
        agrees(text).unwrap();
    }
}
