//! Arbitrary bytes as `kiln.kdl`, through load, check, resolve and render.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kiln_fuzz::check(&kiln_fuzz::one_file(data));
});
