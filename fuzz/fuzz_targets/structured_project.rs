//! Plausible projects (apps with stdlib parameters, flavors, envs,
//! overrides) through the whole pipeline.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|p: kiln_fuzz::Project| {
    let _ = kiln_fuzz::check(&p.world());
});
