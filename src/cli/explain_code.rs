//! `kiln explain-code [CODE]`: what a diagnostic code means, with an
//! example that triggers it.
//!
//! The text is `docs/diagnostics.md`, embedded in the binary, so the
//! command and the documentation cannot disagree: one section per code,
//! under a `## `CODE`` heading.

use clap::Args;

use super::Context;
use crate::diag::{CODES, Diagnostic, codes, suggest};

/// The diagnostics reference, as committed in `docs/`.
const PAGE: &str = include_str!("../../docs/diagnostics.md");

/// `kiln explain-code` flags.
#[derive(Args, Debug)]
pub struct ExplainCodeArgs {
    /// A code such as `kiln::check::type_mismatch` (`kiln::` may be left out); none lists them all
    code: Option<String>,
}

/// The section of `docs/diagnostics.md` about `code`: from its heading to
/// the next heading (outside code blocks, where `#` may start a comment).
pub fn section(code: &str) -> Option<&'static str> {
    let heading = format!("## `{code}`");
    let start = PAGE.match_indices(&heading).map(|(i, _)| i).find(|&i| {
        (i == 0 || PAGE[..i].ends_with('\n')) && PAGE[i + heading.len()..].starts_with(['\n', ' '])
    })?;
    let body = &PAGE[start..];
    let mut end = body.len();
    let mut offset = 0;
    let mut fenced = false;
    for (n, line) in body.split_inclusive('\n').enumerate() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if n > 0 && !fenced && line.starts_with('#') {
            end = offset;
            break;
        }
        offset += line.len();
    }
    Some(body[..end].trim_end())
}

/// Prints one code's section, or every code with its one-line explanation.
pub fn run(ctx: &Context, args: ExplainCodeArgs) -> i32 {
    let Some(asked) = args.code else {
        for c in CODES {
            println!("{:<34} {}", c.0, c.1);
        }
        println!("\nrun `kiln explain-code CODE` for an example of each");
        return 0;
    };
    let full = if asked.starts_with("kiln::") {
        asked.clone()
    } else {
        format!("kiln::{asked}")
    };
    match section(&full) {
        Some(text) => {
            println!("{text}");
            0
        }
        None => {
            let d = Diagnostic::error(codes::USAGE, format!("unknown diagnostic code `{asked}`"))
                .help(suggest(&full, CODES.iter().map(|c| c.0), "the codes are"));
            ctx.emit(&[d], &crate::span::Sources::default(), None);
            2
        }
    }
}

#[cfg(test)]
mod tests {
    use super::section;

    #[test]
    fn a_section_ends_at_the_next_code() {
        let s = section("kiln::syntax::parse").expect("a section");
        assert!(s.starts_with("## `kiln::syntax::parse`"));
        assert!(!s.contains("kiln::syntax::kdl_v1`\n"));
        let last = section("kiln::internal").expect("a section");
        assert!(!last.contains("# The gitops repository"), "{last}");
        assert!(section("kiln::nothing").is_none());
    }
}
