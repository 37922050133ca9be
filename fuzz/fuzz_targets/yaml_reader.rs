//! The fast YAML reader against serde-saphyr on arbitrary text: wherever
//! the fast reader gives documents, the full reader gives the same ones.
#![no_main]

use kiln::render::fastyaml::read_documents;
use kiln::render::yaml::full_documents;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(fast) = read_documents(text) {
        let full = full_documents(text)
            .unwrap_or_else(|e| panic!("fast reader took {text:?}, full one refuses: {}", e.message));
        let full: Vec<serde_json::Value> = full.into_iter().filter(|d| !d.is_null()).collect();
        assert_eq!(fast, full, "the readers disagree on {text:?}");
    }
});
