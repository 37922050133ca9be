//! RFC 6901 JSON pointers, as `patch` nodes use them: `set` creates the
//! maps on its way, `remove` needs the path to exist.

use serde_json::{Map, Value as Json};

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// RFC 6901 `set`: creates missing maps on the way.
pub fn set(root: &mut Json, pointer: &str, value: Json) -> Result<(), String> {
    if pointer.is_empty() {
        *root = value;
        return Ok(());
    }
    let tokens: Vec<String> = pointer.split('/').skip(1).map(unescape).collect();
    let mut cur = root;
    for (i, t) in tokens.iter().enumerate() {
        let last = i + 1 == tokens.len();
        cur = match cur {
            Json::Object(m) => {
                if last {
                    m.insert(t.clone(), value);
                    return Ok(());
                }
                m.entry(t.clone())
                    .or_insert_with(|| Json::Object(Map::new()))
            }
            Json::Array(a) => {
                let idx = if t == "-" {
                    a.len()
                } else {
                    t.parse::<usize>().map_err(|_| {
                        format!(
                            "`{t}` is not an index of the list at `{}`",
                            tokens[..i].join("/")
                        )
                    })?
                };
                if last {
                    if idx == a.len() {
                        a.push(value);
                    } else if idx < a.len() {
                        a[idx] = value;
                    } else {
                        return Err(format!(
                            "index {idx} is past the end of a list of {}",
                            a.len()
                        ));
                    }
                    return Ok(());
                }
                a.get_mut(idx).ok_or_else(|| {
                    format!(
                        "index {idx} is past the end of the list at `/{}`",
                        tokens[..i].join("/")
                    )
                })?
            }
            _ => {
                return Err(format!(
                    "`/{}` is not a map or a list",
                    tokens[..i].join("/")
                ));
            }
        };
    }
    Ok(())
}

/// RFC 6901 `remove`: the path must exist.
pub fn remove(root: &mut Json, pointer: &str) -> Result<(), String> {
    let tokens: Vec<String> = pointer.split('/').skip(1).map(unescape).collect();
    let Some((last, parents)) = tokens.split_last() else {
        return Err("cannot remove the whole object".to_string());
    };
    let mut cur = root;
    for t in parents {
        cur = match cur {
            Json::Object(m) => m.get_mut(t),
            Json::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        }
        .ok_or_else(|| format!("`{pointer}` does not exist"))?;
    }
    let removed = match cur {
        Json::Object(m) => m.shift_remove(last).is_some(),
        Json::Array(a) => match last.parse::<usize>() {
            Ok(i) if i < a.len() => {
                a.remove(i);
                true
            }
            _ => false,
        },
        _ => false,
    };
    if removed {
        Ok(())
    } else {
        Err(format!("`{pointer}` does not exist"))
    }
}
