//! String templates with arbitrary sources, in the context every app's
//! strings see.
#![no_main]

use std::sync::OnceLock;

use kiln::resolve::strings;
use kiln::span::{Sources, Span};
use libfuzzer_sys::fuzz_target;

fn ctx() -> &'static serde_json::Value {
    static CTX: OnceLock<serde_json::Value> = OnceLock::new();
    CTX.get_or_init(|| {
        serde_json::json!({
            "app": {"name": "web", "component": "web-service"},
            "env": {"name": "production", "namespace": "prod"},
            "project": {"name": "shop"},
            "vars": {"tag": "1.2.3", "domain": "shop.example.com", "list": [1, 2, 3]},
            "git": {"sha": "0123456789abcdef", "branch": "main"},
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = Sources::default();
    let written = format!("{source:?}");
    let len = written.len();
    let id = sources.add("kiln.kdl", None, written);
    let _ = strings::render(source, Span::new(id, 0, len), ctx(), &sources);
});
