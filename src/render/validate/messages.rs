//! The paths and messages of validation problems: serde's and
//! k8s-openapi's wording turned into kiln's ("expected X, found Y").

pub(super) fn ignored_path(path: &serde_ignored::Path<'_>) -> Vec<String> {
    let mut segments = Vec::new();
    let mut cursor = path;
    loop {
        cursor = match cursor {
            serde_ignored::Path::Root => break,
            serde_ignored::Path::Seq { parent, index } => {
                segments.push(index.to_string());
                parent
            }
            serde_ignored::Path::Map { parent, key } => {
                segments.push(key.clone());
                parent
            }
            serde_ignored::Path::Some { parent }
            | serde_ignored::Path::NewtypeStruct { parent }
            | serde_ignored::Path::NewtypeVariant { parent } => parent,
        };
    }
    segments.reverse();
    segments
}

pub(super) fn error_path(path: &serde_path_to_error::Path) -> Vec<String> {
    path.iter()
        .filter_map(|segment| match segment {
            serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
            serde_path_to_error::Segment::Map { key } => Some(key.clone()),
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {
                None
            }
        })
        .collect()
}

/// Rewrites serde's messages (`invalid type: string "3", expected i32`) in
/// kiln's words (`expected an integer, found a string`); others pass as
/// they are, already lower case.
pub(super) fn describe_error(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.rsplit_once(", expected ")
    {
        return format!(
            "expected {}, found {}",
            describe_expected(expected, false),
            describe_found(found)
        );
    }
    if let Some(rest) = message.strip_prefix("invalid value: ")
        && let Some((found, expected)) = rest.rsplit_once(", expected ")
    {
        let found = found
            .split_once(' ')
            .map_or(found, |(_, value)| value)
            .trim_matches('`');
        return format!(
            "expected {}, found `{found}`",
            describe_expected(expected, true)
        );
    }
    tidy(message)
}

/// Brings messages from other crates' parsers (base64, timestamps) to
/// kiln's style: lower case, no trailing period, saying what failed.
fn tidy(message: &str) -> String {
    let message = message.trim().trim_end_matches('.');
    let mut chars = message.chars();
    let message = match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            format!("{}{}", first.to_lowercase(), &message[first.len_utf8()..])
        }
        _ => message.to_owned(),
    };
    let base64 = [
        "invalid symbol",
        "invalid last symbol",
        "invalid padding",
        "invalid byte",
        "encoded text",
    ];
    if base64.iter().any(|prefix| message.starts_with(prefix)) {
        return format!("invalid base64: {message}");
    }
    message
}

fn describe_found(found: &str) -> &str {
    let head = found.split([' ', '(']).next().unwrap_or(found);
    match head {
        "string" | "char" => "a string",
        "integer" => "an integer",
        "floating" => "a number",
        "boolean" => "a boolean",
        "map" => "a map",
        "sequence" => "a list",
        "null" | "unit" => "null",
        _ => found,
    }
}

fn describe_expected(expected: &str, with_range: bool) -> String {
    let described = match expected {
        "i8" | "i16" | "i32" | "i64" | "i128" | "u8" | "u16" | "u32" | "u64" | "u128" => {
            if with_range {
                return format!("an integer that fits in {expected}");
            }
            "an integer"
        }
        "f32" | "f64" => "a number",
        "a string" | "string" => "a string",
        "a boolean" => "a boolean",
        "a sequence" => "a list",
        "a map" => "a map",
        "IntOrString" => "an integer or a string",
        "Quantity" => "a quantity",
        "Time" | "MicroTime" => "a timestamp",
        other
            if other.starts_with("struct ")
                || (other.starts_with(|c: char| c.is_ascii_uppercase())
                    && other.chars().all(|c| c.is_ascii_alphanumeric())) =>
        {
            "a map"
        }
        other => other,
    };
    described.to_owned()
}
