//! `kiln schema [COMPONENT]`: the components and their parameters.

use clap::Args;

use super::{Context, ResolveFlags, schema_markdown};
use crate::check::schema::{Component, ParamSchema, ValueSchema};
use crate::diag::{Diagnostic, codes, suggest};

/// `kiln schema` flags.
#[derive(Args, Debug)]
pub struct SchemaArgs {
    /// One component, in full
    component: Option<String>,
    /// `text` for reading, `markdown` for the reference pages of docs/components/
    #[arg(long, value_enum, default_value = "text")]
    format: SchemaFormat,
}

/// `kiln schema --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaFormat {
    Text,
    Markdown,
}

/// Lists components, or one component's parameters with types, defaults and docs.
pub fn run(ctx: &Context, args: SchemaArgs) -> i32 {
    // Outside a project, show the standard library alone.
    let compiled = if ctx.project_root().is_ok() {
        match ctx.compile(
            crate::compile::Selection::Named(Vec::new()),
            &ResolveFlags::default(),
            Vec::new(),
        ) {
            Ok(c) => c,
            Err((d, s)) => {
                ctx.emit(&d, &s, None);
                return super::EXIT_ERRORS;
            }
        }
    } else {
        schema_markdown::stdlib_only()
    };
    let comps: Vec<&Component> = compiled
        .model
        .components
        .values()
        .filter(|c| !c.is_abstract)
        .collect();
    let markdown = args.format == SchemaFormat::Markdown;
    match &args.component {
        None if markdown => {
            print!("{}", schema_markdown::index(&comps));
            0
        }
        None => {
            for c in comps {
                println!(
                    "{:<20} {}{}",
                    c.name.value,
                    c.doc.as_deref().unwrap_or(""),
                    if c.stdlib { "" } else { " (project)" }
                );
            }
            println!("\nrun `kiln schema COMPONENT` for its parameters");
            0
        }
        Some(name) => {
            let Some(c) = comps.iter().find(|c| &c.name.value == name) else {
                let d = Diagnostic::error(
                    codes::UNKNOWN_COMPONENT,
                    format!("unknown component `{name}`"),
                )
                .help(suggest(
                    name,
                    comps.iter().map(|c| c.name.value.as_str()),
                    "the components are",
                ));
                ctx.emit(&[d], &compiled.sources, None);
                return super::EXIT_ERRORS;
            };
            if markdown {
                print!("{}", schema_markdown::component(c));
                return 0;
            }
            println!(
                "component {}: {}",
                c.name.value,
                c.doc.as_deref().unwrap_or("")
            );
            for p in c.params.values() {
                print_param(p, 1);
            }
            println!("\n  every app may also use:");
            for n in crate::check::extras::LANGUAGE_NODES {
                println!("  {}: {}", n.usage, n.doc);
            }
            0
        }
    }
}

/// A value's type and constraints in words; "required" only when
/// `show_required` (a parameter's shorthand value says it in the
/// parameter's flags instead, once).
fn value_desc(v: &ValueSchema, show_required: bool) -> String {
    let mut s = v.ty.name().to_string();
    if v.ty == crate::check::types::Type::Url && !v.values.is_empty() {
        s = format!("url ({}://)", v.values.join("://|"));
    } else if !v.values.is_empty() {
        s = v.values.join("|");
    }
    if v.required && show_required {
        s.push_str(", required");
    }
    if let Some(d) = &v.default {
        s.push_str(&format!(", default {d}"));
    }
    if let Some(m) = v.min {
        s.push_str(&format!(", min {m}"));
    }
    if let Some(m) = v.max {
        s.push_str(&format!(", max {m}"));
    }
    s
}

fn print_param(p: &ParamSchema, depth: usize) {
    let pad = "  ".repeat(depth);
    let mut flags = Vec::new();
    if p.required || p.shorthand.as_ref().is_some_and(|v| v.required) {
        flags.push("required".to_string());
    }
    if let Some(doc) = &p.document {
        flags.push(format!("repeated, merged into the document `{}`", doc.name));
    } else if p.repeated {
        flags.push(if p.key.is_empty() {
            "repeated".to_string()
        } else {
            "repeated, merged by key".to_string()
        });
    }
    let ty = p
        .shorthand
        .as_ref()
        .map(|v| format!(" ({})", value_desc(v, false)))
        .unwrap_or_default();
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!(" [{}]", flags.join(", "))
    };
    println!("\n{pad}{}{ty}{flags}", p.usage());
    if let Some(d) = &p.doc {
        println!("{pad}  {d}");
    }
    for a in &p.args {
        println!(
            "{pad}  arg {}{}: {}{}",
            a.name,
            if a.variadic { "…" } else { "" },
            value_desc(&a.value, true),
            a.value
                .doc
                .as_ref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        );
    }
    for (n, v) in &p.props {
        println!(
            "{pad}  {n}=: {}{}",
            value_desc(v, true),
            v.doc.as_ref().map(|d| format!(": {d}")).unwrap_or_default()
        );
    }
    for c in p.children.values() {
        print_param(c, depth + 1);
    }
}
