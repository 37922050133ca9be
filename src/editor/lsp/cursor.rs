//! Where the cursor is, read from the formatter's tokens rather than a
//! parse, so that a half-written document still answers hover and
//! completion.

use crate::editor::kdlfmt::{Tok, lex};

/// One enclosing node: its name, first argument and `component=`.
#[derive(Clone, Debug, Default)]
pub(super) struct Frame {
    pub(super) name: String,
    pub(super) arg: Option<String>,
    pub(super) component: Option<String>,
}

/// What a word under the cursor is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    NodeName,
    PropName,
    Value,
}

/// The word under (or just before) the cursor.
#[derive(Clone, Debug)]
pub(super) struct Word {
    pub(super) text: String,
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) role: Role,
    /// For a property's value, the property's name.
    pub(super) prop: Option<String>,
}

/// Where the cursor is: the enclosing blocks, the node it is in (if past
/// that node's name), and the word under it.
#[derive(Debug, Default)]
pub(super) struct Cursor {
    pub(super) stack: Vec<Frame>,
    pub(super) node: Option<Frame>,
    pub(super) word: Option<Word>,
}

/// Reads the cursor's context from tokens, so it works on any text.
pub(super) fn context(text: &str, offset: usize) -> Cursor {
    let toks = lex(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut node: Option<Frame> = None;
    let mut pending_prop: Option<String> = None;
    let mut word = None;
    let mut skip_next = false;
    let mut i = 0;
    while i < toks.len() {
        let (start, tok) = &toks[i];
        let start = *start;
        if start > offset {
            break;
        }
        let end = toks.get(i + 1).map_or(text.len(), |t| t.0);
        let at_cursor = start <= offset && offset <= end;
        match tok {
            // A terminator or brace at the cursor itself does not count yet.
            Tok::Newline | Tok::Semicolon if start < offset => {
                node = None;
                pending_prop = None;
            }
            Tok::Open if start < offset => stack.push(node.take().unwrap_or_default()),
            Tok::Close if start < offset => {
                stack.pop();
                node = None;
            }
            Tok::Slashdash => skip_next = true,
            Tok::Word(w) => {
                let value = unquote(w);
                let is_prop = matches!(toks.get(i + 1), Some((_, Tok::Equals)));
                let role = if node.is_none() {
                    Role::NodeName
                } else if is_prop {
                    Role::PropName
                } else {
                    Role::Value
                };
                if at_cursor {
                    word = Some(Word {
                        text: value.clone(),
                        start,
                        end,
                        role,
                        prop: if role == Role::Value {
                            pending_prop.clone()
                        } else {
                            None
                        },
                    });
                }
                if skip_next {
                    skip_next = false;
                } else {
                    match role {
                        Role::NodeName => {
                            node = Some(Frame {
                                name: value,
                                ..Default::default()
                            })
                        }
                        Role::PropName => {}
                        Role::Value => {
                            if let Some(n) = node.as_mut() {
                                if pending_prop.as_deref() == Some("component") {
                                    n.component = Some(value);
                                } else if pending_prop.is_none() && n.arg.is_none() {
                                    n.arg = Some(value);
                                }
                            }
                        }
                    }
                }
                pending_prop = if is_prop { Some(unquote(w)) } else { None };
                if is_prop {
                    i += 1; // the `=`
                    if let Some((s, _)) = toks.get(i)
                        && *s < offset
                        && !matches!(toks.get(i + 1), Some((_, Tok::Word(_))))
                    {
                        // Cursor right after `key=`: an empty value.
                        word = Some(Word {
                            text: String::new(),
                            start: offset,
                            end: offset,
                            role: Role::Value,
                            prop: pending_prop.clone(),
                        });
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    Cursor { stack, node, word }
}

/// A string's value: quotes and `#` removed (escapes left as written).
fn unquote(w: &str) -> String {
    let t = w.trim_matches('#');
    if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
        t[1..t.len() - 1].to_string()
    } else {
        w.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_finds_enclosing_blocks_and_roles() {
        let text =
            "env \"staging\" {\n    flavor \"small\"\n    app \"web\" {\n        repl\n    }\n}\n";
        let cx = context(text, text.find("small").unwrap() + 1);
        assert_eq!(cx.stack.len(), 1);
        assert_eq!(cx.node.as_ref().unwrap().name, "flavor");
        assert_eq!(cx.word.as_ref().unwrap().role, Role::Value);
        let cx = context(text, text.find("repl").unwrap() + 4);
        assert_eq!(cx.stack.len(), 2);
        assert_eq!(cx.stack[1].arg.as_deref(), Some("web"));
        assert_eq!(cx.word.as_ref().unwrap().role, Role::NodeName);
    }

    #[test]
    fn context_after_equals_is_a_value() {
        let text = "app \"a\" component=";
        let cx = context(text, text.len());
        let w = cx.word.unwrap();
        assert_eq!(w.role, Role::Value);
        assert_eq!(w.prop.as_deref(), Some("component"));
    }

    #[test]
    fn context_never_panics() {
        for t in ["", "}}}", "{{{", "a=", "=", "\"", "/-", "a \"é", "😀😀"] {
            for o in 0..=t.len() {
                let _ = context(t, o);
            }
        }
    }
}
