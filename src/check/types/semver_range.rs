//! `semver-range`: version constraints as Flux reads them (Masterminds
//! semver: `>=1.0.0 <2.0.0`, `1.x`, `~1.2`, `^1.2`, `1.2.x || 2.x`,
//! `1.2 - 1.4.5`).
//!
//! Flux hands the range to Masterminds' parser only when it reconciles, so
//! a typo would surface in a controller's status, minutes after the commit.
//! This checker accepts what that parser accepts (a little stricter: every
//! version part is a number or one wildcard) and says which piece is wrong.

/// The operators a constraint may start with, longest first so that `>=`
/// is not read as `>` followed by `=`.
const OPERATORS: &[&str] = &[">=", "=>", "<=", "=<", "!=", "~>", ">", "<", "=", "~", "^"];

/// Checks a whole range; the error is the help text, naming the bad piece.
pub fn check(range: &str) -> Result<(), String> {
    if range.trim() == "latest" {
        return Err("leave `version=` out for the latest version, or write `*`".into());
    }
    if range.trim().is_empty() {
        return Err(
            "an empty range: leave `version=` out for the latest version, or write `*`".into(),
        );
    }
    if range.contains("&&") {
        return Err(
            "constraints that must all hold are separated by a space or a comma, such as `>=1.0.0 <2.0.0`, not `&&`".into(),
        );
    }
    for group in range.split("||") {
        if group.trim().is_empty() {
            return Err("`||` needs a range on both sides, such as `1.2.x || 2.x`".into());
        }
        check_group(group)?;
    }
    Ok(())
}

/// One alternative: constraints separated by commas or spaces, or a
/// hyphen range `A - B`.
fn check_group(group: &str) -> Result<(), String> {
    for part in group.split(',') {
        let words: Vec<&str> = part.split_whitespace().collect();
        if words.is_empty() {
            return Err(format!(
                "a comma with nothing after it in `{}`",
                group.trim()
            ));
        }
        let mut i = 0;
        while i < words.len() {
            let word = words[i];
            // `A - B`: an inclusive range between two plain versions.
            if words.get(i + 1) == Some(&"-") {
                let Some(upper) = words.get(i + 2) else {
                    return Err(format!(
                        "`{word} -` needs an upper version, such as `{word} - 2.0.0`"
                    ));
                };
                version(word).map_err(|e| in_piece(word, &e))?;
                version(upper).map_err(|e| in_piece(upper, &e))?;
                i += 3;
                continue;
            }
            if word == "-" {
                return Err(
                    "a hyphen range needs a version on both sides, such as `1.2 - 1.4.5`".into(),
                );
            }
            // `>= 1.0`: an operator alone takes the next word as its version.
            let piece = if OPERATORS.contains(&word) {
                let Some(next) = words.get(i + 1) else {
                    return Err(format!(
                        "`{word}` needs a version after it, such as `{word}1.2.0`"
                    ));
                };
                i += 1;
                format!("{word}{next}")
            } else {
                word.to_string()
            };
            constraint(&piece)?;
            i += 1;
        }
    }
    Ok(())
}

/// One constraint: an optional operator, then a version.
fn constraint(piece: &str) -> Result<(), String> {
    let op = OPERATORS.iter().find(|op| piece.starts_with(**op));
    let rest = op.map_or(piece, |op| &piece[op.len()..]);
    if let Some(op) = op
        && let Some(next) = rest.chars().next()
        && "<>=!~^".contains(next)
    {
        return Err(format!(
            "`{piece}` is not a constraint: after `{op}` comes a version; the operators are {}",
            OPERATORS
                .iter()
                .map(|o| format!("`{o}`"))
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    if rest.is_empty() {
        return Err(format!("`{piece}` needs a version after the operator"));
    }
    if op.is_none() {
        return version(rest);
    }
    version(rest).map_err(|e| in_piece(piece, &e))
}

fn in_piece(piece: &str, problem: &str) -> String {
    format!("in `{piece}`: {problem}")
}

/// `v1`, `1.2`, `1.2.x`, `1.2.3-rc.1+build.5`, `*`.
fn version(text: &str) -> Result<(), String> {
    let text = text.strip_prefix('v').unwrap_or(text);
    let core_end = text.find(['-', '+']).unwrap_or(text.len());
    let (core, tail) = text.split_at(core_end);
    if core.is_empty() {
        return Err("a version starts with a number, such as `1.2.0`".into());
    }
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() > 3 {
        return Err(format!(
            "`{core}` has {} parts; a version has at most three (MAJOR.MINOR.PATCH)",
            parts.len()
        ));
    }
    let mut wildcard = false;
    for p in &parts {
        let is_wild = matches!(*p, "x" | "X" | "*");
        if is_wild {
            wildcard = true;
        } else if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(if p.is_empty() {
                format!("`{core}` has an empty part")
            } else {
                format!("`{p}` is not a number or a wildcard (`x`, `X` or `*`)")
            });
        } else if wildcard {
            return Err(format!(
                "`{core}`: after a wildcard every part is a wildcard, such as `1.x.x`"
            ));
        } else if p.parse::<u64>().is_err() {
            return Err(format!("`{p}` is too large for a version number"));
        }
    }
    let (pre, build) = match tail.split_once('+') {
        Some((pre, build)) => (pre, Some(build)),
        None => (tail, None),
    };
    if let Some(pre) = pre.strip_prefix('-') {
        identifiers(pre, "pre-release")?;
    }
    if let Some(build) = build {
        identifiers(build, "build metadata")?;
    }
    Ok(())
}

/// Dot-separated identifiers of letters, digits and `-`.
fn identifiers(s: &str, what: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err(format!("the {what} after the version is empty"));
    }
    for id in s.split('.') {
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(format!(
                "`{s}` is not valid {what}: dot-separated letters, digits and `-`"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn accepts_what_flux_documents() {
        for ok in [
            ">=1.0.0",
            "1.x",
            "~1.2",
            "^1.2",
            ">=1.0.0 <2.0.0",
            ">=1.0.0, <2.0.0",
            "1.2.x || 2.x",
            "*",
            "6.5.0",
            "v6.5.0",
            ">= 1.2",
            "~>1.2.3",
            "1.2 - 1.4.5",
            "=1.2.3-rc.1+build.5",
            "!=1.3.0",
            "1.X",
            "1.*",
            ">=1.23.0-0",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refuses_with_the_bad_piece_named() {
        let cases = [
            ("", "empty range"),
            ("latest", "leave `version=` out"),
            ("1.2.3.4", "has 4 parts"),
            (">1.0 && <2.0", "`&&`"),
            ("==1.2", "`==1.2` is not a constraint"),
            ("=>>2", "not a constraint"),
            (">=1.0.0,", "comma with nothing"),
            ("1.x ||", "both sides"),
            ("1.x.3", "after a wildcard"),
            ("1.2.3-", "pre-release"),
            ("1.2.3+b..1", "build metadata"),
            ("1.2 -", "upper version"),
            (">=", "needs a version"),
            ("1..2", "empty part"),
            ("99999999999999999999999", "too large"),
        ];
        for (bad, part) in cases {
            let err = check(bad).expect_err(bad);
            assert!(err.contains(part), "{bad}: {err}");
        }
    }
}
