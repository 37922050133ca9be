//! `url`: an absolute URL with a scheme and a host, such as a Helm
//! repository (`https://…`) or an OCI registry (`oci://…`).
//!
//! A parameter's `values` lists the schemes it accepts, so a component can
//! say "an OCI URL" without a type of its own.

/// Checks `s`; the error is the help text. `schemes` (lower case) limits
/// the scheme when it is not empty.
pub fn check(s: &str, schemes: &[String]) -> Result<(), String> {
    let example = match schemes.first() {
        Some(scheme) => format!("`{scheme}://charts.example.com/…`"),
        None => "`https://charts.example.com`".to_string(),
    };
    let Some((scheme, rest)) = s.split_once("://") else {
        return Err(format!("write the scheme and the host, such as {example}"));
    };
    let valid_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if !valid_scheme {
        return Err(format!("`{scheme}` is not a URL scheme; such as {example}"));
    }
    if !schemes.is_empty() && !schemes.iter().any(|w| w.eq_ignore_ascii_case(scheme)) {
        let list = schemes
            .iter()
            .map(|w| format!("`{w}://`"))
            .collect::<Vec<_>>()
            .join(" or ");
        return Err(format!(
            "this URL must start with {list}, such as {example}"
        ));
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() {
        return Err(format!("the URL has no host after `{scheme}://`"));
    }
    if let Some(c) = s.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "a URL holds no spaces or control characters (found {c:?}); encode them, such as `%20`"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    fn schemes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn urls_with_a_scheme_and_a_host() {
        assert_eq!(check("https://stefanprodan.github.io/podinfo", &[]), Ok(()));
        assert_eq!(
            check(
                "oci://ghcr.io/stefanprodan/charts/podinfo",
                &schemes(&["oci"])
            ),
            Ok(())
        );
        assert_eq!(check("HTTPS://example.com", &schemes(&["https"])), Ok(()));
    }

    #[test]
    fn what_is_wrong_is_said() {
        let cases: &[(&str, &[&str], &str)] = &[
            ("stefanprodan.github.io/podinfo", &[], "write the scheme"),
            (
                "https://stefanprodan.github.io",
                &["oci"],
                "must start with `oci://`",
            ),
            ("oci:///charts", &["oci"], "no host"),
            ("1http://x", &[], "not a URL scheme"),
            ("https://exa mple.com", &[], "no spaces"),
        ];
        for (url, allowed, part) in cases {
            let err = check(url, &schemes(allowed)).expect_err(url);
            assert!(err.contains(part), "{url}: {err}");
        }
    }
}
