//! The whole pipeline under libFuzzer: the first byte chooses the options,
//! the rest is the program. A panic, an internal error (exit 1) or a result
//! that fails its own check (exit 3) is a crash; libFuzzer's `-timeout`
//! catches hangs. The property is `tests/fuzz.rs`'s; finds go to
//! `tests/regressions/`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use matdiff::{Error, Options};

const WRT: &[&str] = &["", "W", "x", "X", "A", "W_1"];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    let Ok(src) = std::str::from_utf8(rest) else { return };
    let wrt = WRT[usize::from(first >> 1) % WRT.len()];
    let opts = Options {
        wrt: if wrt.is_empty() { Vec::new() } else { vec![wrt.to_string()] },
        hessian: first & 1 == 1,
        ..Options::default()
    };
    match matdiff::run(src, &opts) {
        Ok(_) => {}
        Err(e @ (Error::CheckFailed(_) | Error::Internal(_))) => panic!("exit {}: {e:?}", e.exit_code()),
        // rendering reads the spans: it must not panic either
        Err(e) => drop(e.render(src, None)),
    }
});
