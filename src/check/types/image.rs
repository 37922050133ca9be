//! Container image references (the `image` type): their parts, and the
//! distribution reference grammar, with a help text for the usual mistakes.

use super::all_digits;

/// A reference cut into its parts: `[registry/]path[:tag][@digest]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reference<'a> {
    /// Everything before the tag and digest (`ghcr.io/acme/web`).
    pub repository: &'a str,
    pub tag: Option<&'a str>,
    /// `sha256:…`, without the `@`.
    pub digest: Option<&'a str>,
}

/// Cuts `image` into repository, tag and digest. A colon belongs to the
/// tag only after the last `/` (`localhost:5000/web` has no tag).
pub fn split_reference(image: &str) -> Reference<'_> {
    let (name_tag, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let last_slash = name_tag.rfind('/');
    match name_tag.rfind(':') {
        Some(colon) if last_slash.is_none_or(|slash| colon > slash) => Reference {
            repository: &name_tag[..colon],
            tag: Some(&name_tag[colon + 1..]),
            digest,
        },
        _ => Reference {
            repository: name_tag,
            tag: None,
            digest,
        },
    }
}

/// Checks a container image reference against the distribution reference
/// grammar: `[host[:port]/]path[:tag][@algorithm:hex]`. The error is a help
/// text, when there is a specific one.
pub(super) fn image_help(s: &str) -> Result<(), Option<String>> {
    let Reference {
        repository: name,
        tag,
        digest,
    } = split_reference(s);
    if let Some(d) = digest {
        let ok = match d.split_once(':') {
            Some(("sha256", hex)) => is_lower_hex(hex, 64),
            Some(("sha512", hex)) => is_lower_hex(hex, 128),
            _ => false,
        };
        if !ok {
            return Err(Some(
                "a digest is `@sha256:` followed by 64 lower-case hex digits".to_string(),
            ));
        }
    }
    if let Some(tag) = tag
        && !is_tag(tag)
    {
        return Err(Some(
            "a tag has at most 128 letters, digits, `_`, `.` and `-`, \
             and does not start with `.` or `-`"
                .to_string(),
        ));
    }
    if name.is_empty() {
        return Err(None);
    }
    if name.len() > 255 {
        return Err(Some("an image name has at most 255 characters".to_string()));
    }
    let (domain, path) = match name.split_once('/') {
        Some((first, rest)) if is_domain_like(first) => (Some(first), rest),
        _ => (None, name),
    };
    if let Some(domain) = domain
        && !is_registry(domain)
    {
        return Err(Some(
            "a registry is a host name or address, with an optional `:port`".to_string(),
        ));
    }
    if path.split('/').all(is_path_component) {
        return Ok(());
    }
    // The whole name in lower case, the tag and digest as written: host
    // names are case-insensitive, and a first part that only its capitals
    // made a registry (`Acme/Web`) was meant as the repository's.
    let lower = name.to_ascii_lowercase();
    let fixed = format!("{lower}{}", s.get(name.len()..).unwrap_or(""));
    if lower != name && image_help(&fixed).is_ok() {
        return Err(Some(format!("repository names are lower case: `{fixed}`")));
    }
    Err(Some(
        "a repository name is lower-case letters and digits, separated by `/`, \
         `.`, `_`, `__` or dashes"
            .to_string(),
    ))
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn is_tag(tag: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    (1..=128).contains(&tag.len())
        && tag.as_bytes().first().is_some_and(|b| word(*b))
        && tag.bytes().all(|b| word(b) || b == b'.' || b == b'-')
}

/// Whether the first component of a name is a registry rather than part of
/// the repository path, as docker decides it.
fn is_domain_like(first: &str) -> bool {
    first.contains(['.', ':'])
        || first == "localhost"
        || first.bytes().any(|b| b.is_ascii_uppercase())
}

/// `host[:port]`, where host is a domain name, an IPv4 address, or `[IPv6]`.
fn is_registry(domain: &str) -> bool {
    let (host, port) = if let Some(v6) = domain.strip_prefix('[') {
        let Some((addr, after)) = v6.split_once(']') else {
            return false;
        };
        if addr.is_empty()
            || !addr
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return false;
        }
        match after {
            "" => return true,
            _ => match after.strip_prefix(':') {
                Some(port) => ("v6", Some(port)),
                None => return false,
            },
        }
    } else {
        match domain.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (domain, None),
        }
    };
    let component = |c: &str| {
        let b = c.as_bytes();
        !c.is_empty()
            && c.bytes().all(|x| x.is_ascii_alphanumeric() || x == b'-')
            && b.first().is_some_and(u8::is_ascii_alphanumeric)
            && b.last().is_some_and(u8::is_ascii_alphanumeric)
    };
    host.split('.').all(component) && port.is_none_or(all_digits)
}

/// `[a-z0-9]+` joined by separators `.`, `_`, `__` or runs of `-`.
fn is_path_component(c: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let b = c.as_bytes();
    if !b.first().is_some_and(|x| alnum(*x)) || !b.last().is_some_and(|x| alnum(*x)) {
        return false;
    }
    c.split(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
        .filter(|sep| !sep.is_empty())
        .all(|sep| matches!(sep, "." | "_" | "__") || sep.bytes().all(|x| x == b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_references() {
        assert_eq!(
            split_reference("localhost:5000/web"),
            Reference {
                repository: "localhost:5000/web",
                tag: None,
                digest: None
            }
        );
        let r = split_reference("ghcr.io/acme/web:1.9.0@sha256:abc");
        assert_eq!(r.repository, "ghcr.io/acme/web");
        assert_eq!(r.tag, Some("1.9.0"));
        assert_eq!(r.digest, Some("sha256:abc"));
    }
}
