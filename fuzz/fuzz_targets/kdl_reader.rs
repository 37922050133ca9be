//! The fast KDL reader against the `kdl` crate on arbitrary text: wherever
//! the fast reader gives a document, kdl reads the same names, values and
//! spans.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        kiln::syntax::fastkdl::assert_agrees(text);
    }
});
