//! Strings written into KDL documents (`kiln import`'s projects, `kiln set
//! image`'s edits, `kiln explain`'s values): quoted so that they read back
//! exactly.

/// A quoted string: raw (`#"…"#`) when it holds quotes or backslashes and
/// nothing a raw string cannot hold, escaped otherwise.
pub fn quote(s: &str) -> String {
    let needs_escape = |c: char| c.is_control() || disallowed(c);
    if s.contains(['"', '\\']) && !s.chars().any(needs_escape) && !s.contains("\"#") {
        return format!("#\"{s}\"#");
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Code points KDL 2.0 does not allow to appear literally in a document,
/// and the ones it reads as newlines.
fn disallowed(c: char) -> bool {
    matches!(c as u32,
        0x85 | 0x200E..=0x200F | 0x2028..=0x2029 | 0x202A..=0x202E | 0x2066..=0x2069 | 0xFEFF)
}

/// A node name or property name: bare when it is a plain ASCII word
/// (letters, digits, `_`, `-`, `.`, starting with a letter or `_`, not a
/// keyword), quoted otherwise (`"prometheus.io/scrape"`, `"true"`).
pub fn identifier(name: &str) -> String {
    let bare = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !matches!(name, "true" | "false" | "null" | "inf" | "nan");
    if bare { name.to_string() } else { quote(name) }
}

#[cfg(test)]
mod tests {
    use super::identifier;

    #[test]
    fn names_are_quoted_when_kdl_needs_it() {
        assert_eq!(identifier("tag"), "tag");
        assert_eq!(identifier("image-tag"), "image-tag");
        assert_eq!(identifier("true"), "\"true\"");
        assert_eq!(identifier("1x"), "\"1x\"");
        assert_eq!(identifier("a.b"), "a.b");
        assert_eq!(identifier(""), "\"\"");
        assert_eq!(identifier("caf\u{e9}"), "\"caf\u{e9}\"");
        assert_eq!(
            identifier("prometheus.io/scrape"),
            "\"prometheus.io/scrape\""
        );
    }
}
