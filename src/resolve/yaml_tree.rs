//! YAML read with the span of every key and value, for documents: a
//! diagnostic about a value set by a values file points at its line, and
//! a chart's `values.yaml` can be shown where a key is defined.
//!
//! Read with serde-saphyr and kiln's reader options, so a values file means
//! what a manifest would mean.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;

use crate::render::yaml::{YamlError, reader_options, yaml_error};
use crate::span::{FileId, Span};

/// A YAML value with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Tree,
    pub span: Span,
}

/// The shape of a [`Node`].
#[derive(Clone, Debug, PartialEq)]
pub enum Tree {
    Scalar(Json),
    Seq(Vec<Node>),
    /// Entries in the order written; a key's span covers the key.
    Map(Vec<(Key, Node)>),
}

/// A map key: YAML allows any scalar, Helm's values see its text.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub name: String,
    pub span: Span,
}

impl Node {
    /// The value as JSON, spans dropped.
    pub fn to_json(&self) -> Json {
        match &self.value {
            Tree::Scalar(v) => v.clone(),
            Tree::Seq(items) => Json::Array(items.iter().map(Node::to_json).collect()),
            Tree::Map(entries) => Json::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.name.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// The entry `key` of a map.
    pub fn get(&self, key: &str) -> Option<&(Key, Node)> {
        match &self.value {
            Tree::Map(entries) => entries.iter().find(|(k, _)| k.name == key),
            _ => None,
        }
    }

    /// The node at a path of map keys and list indices.
    pub fn at(&self, path: &[String]) -> Option<&Node> {
        let Some((first, rest)) = path.split_first() else {
            return Some(self);
        };
        let next = match &self.value {
            Tree::Map(_) => self.get(first).map(|(_, v)| v),
            Tree::Seq(items) => first.parse::<usize>().ok().and_then(|i| items.get(i)),
            Tree::Scalar(_) => None,
        }?;
        next.at(rest)
    }

    /// A phrase for what the node is: "a map", "a list", "a string".
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Tree::Map(_) => "a map",
            Tree::Seq(_) => "a list",
            Tree::Scalar(Json::String(_)) => "a string",
            Tree::Scalar(Json::Number(_)) => "a number",
            Tree::Scalar(Json::Bool(_)) => "a boolean",
            Tree::Scalar(_) => "null",
        }
    }

    /// Rewrites every span with `f` (offsets in a rendered text to the
    /// source it was rendered from).
    pub fn map_spans(&mut self, f: &impl Fn(Span) -> Span) {
        self.span = f(self.span);
        match &mut self.value {
            Tree::Scalar(_) => {}
            Tree::Seq(items) => items.iter_mut().for_each(|i| i.map_spans(f)),
            Tree::Map(entries) => {
                for (k, v) in entries {
                    k.span = f(k.span);
                    v.map_spans(f);
                }
            }
        }
    }
}

/// Reads one YAML document of `text` (in `file`, for spans). An empty
/// document is an empty map, as Helm reads an empty values file.
pub fn parse(file: FileId, text: &str) -> Result<Node, YamlError> {
    if text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#') || l.trim() == "---")
    {
        return Ok(Node {
            value: Tree::Map(Vec::new()),
            span: Span::new(file, 0, 0),
        });
    }
    let raw: serde_saphyr::Spanned<Raw> =
        serde_saphyr::from_str_with_options(text, reader_options()).map_err(|e| yaml_error(&e))?;
    Ok(convert(file, text, raw))
}

/// What serde-saphyr reads, before spans become [`Span`]s.
enum Raw {
    Scalar(Json),
    Seq(Vec<serde_saphyr::Spanned<Raw>>),
    Map(Vec<(serde_saphyr::Spanned<Raw>, serde_saphyr::Spanned<Raw>)>),
}

fn span_of(file: FileId, text: &str, loc: &serde_saphyr::Location) -> Span {
    let s = loc.span();
    let start = s.byte_offset().and_then(|o| usize::try_from(o).ok());
    let len = s.byte_len().and_then(|o| usize::try_from(o).ok());
    match (start, len) {
        (Some(start), Some(len)) if start + len <= text.len() => {
            Span::new(file, start, start + len)
        }
        // Past the end (an empty value at the end of the text): point at it.
        (Some(start), _) => Span::new(file, start.min(text.len()), text.len()),
        _ => Span::new(file, 0, 0),
    }
}

fn convert(file: FileId, text: &str, raw: serde_saphyr::Spanned<Raw>) -> Node {
    let span = span_of(file, text, &raw.referenced);
    let value = match raw.value {
        Raw::Scalar(v) => Tree::Scalar(v),
        Raw::Seq(items) => Tree::Seq(items.into_iter().map(|i| convert(file, text, i)).collect()),
        Raw::Map(entries) => Tree::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let key_span = span_of(file, text, &k.referenced);
                    let name = match k.value {
                        Raw::Scalar(Json::String(s)) => s,
                        Raw::Scalar(Json::Null) => "null".to_string(),
                        Raw::Scalar(other) => other.to_string(),
                        // A complex key: JSON has none; its text is the name.
                        _ => text
                            .get(key_span.start as usize..key_span.end as usize)
                            .unwrap_or("")
                            .to_string(),
                    };
                    (
                        Key {
                            name,
                            span: key_span,
                        },
                        convert(file, text, v),
                    )
                })
                .collect(),
        ),
    };
    Node { value, span }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Scalar(Json::Null))
    }
    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Scalar(Json::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Scalar(Json::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Scalar(Json::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Scalar(Json::from(v)))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw::Scalar(Json::String(v.to_string())))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Raw, E> {
        Ok(Raw::Scalar(Json::String(v.to_string())))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        // JSON has no infinity: kept as text, as manifests keep it.
        Ok(Raw::Scalar(
            serde_json::Number::from_f64(v)
                .map(Json::Number)
                .unwrap_or_else(|| Json::String(v.to_string())),
        ))
    }
    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Scalar(Json::String(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Scalar(Json::String(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = a.next_element()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = a.next_key()? {
            let v = a.next_value()?;
            entries.push((k, v));
        }
        Ok(Raw::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn slice(text: &str, s: Span) -> &str {
        &text[s.start as usize..s.end as usize]
    }

    #[test]
    fn keys_and_values_carry_their_spans() {
        let text = "image:\n  repository: ghcr.io/x\n  tag: \"6.5\"\nlist:\n- a: 1\n  b: yes\nmode: 0644\nempty:\n";
        let node = parse(0, text).unwrap();
        assert_eq!(
            node.to_json(),
            json!({"image": {"repository": "ghcr.io/x", "tag": "6.5"}, "list": [{"a": 1, "b": true}], "mode": 420, "empty": null})
        );
        let (k, v) = node.at(&["image".into()]).unwrap().get("tag").unwrap();
        assert_eq!(slice(text, k.span), "tag");
        assert_eq!(slice(text, v.span), "\"6.5\"");
        let b = node
            .at(&["list".into(), "0".into()])
            .unwrap()
            .get("b")
            .unwrap();
        assert_eq!(slice(text, b.0.span), "b");
        assert_eq!(
            node.at(&["list".into(), "0".into(), "a".into()])
                .unwrap()
                .kind(),
            "a number"
        );
    }

    #[test]
    fn empty_text_is_an_empty_map_and_broken_text_an_error() {
        assert_eq!(
            parse(0, "# nothing\n").unwrap().value,
            Tree::Map(Vec::new())
        );
        let err = parse(0, "a: [1\n").unwrap_err();
        assert!(err.line >= 1, "{err:?}");
        assert_eq!(parse(0, "- 1\n").unwrap().kind(), "a list");
    }
}
