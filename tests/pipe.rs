//! A closed output pipe (`matdiff … | head -1`, `matdiff … | true`) ends
//! the program quietly (CONTRACT §4): no message, no panic's exit code 101.
//! The pipe's reading end is closed before matdiff starts, so every write
//! it makes fails with EPIPE, whatever the timing.

use std::process::{Command, Stdio};

/// Runs matdiff with `args` and a standard output whose reader has gone:
/// its exit status and what it wrote on standard error.
fn run_into_closed_pipe(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let output = Command::new(env!("CARGO_BIN_EXE_matdiff"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("matdiff runs");
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let long = ["-f", "examples/two-layer-mlp.mdiff", "--steps", "--format", "latex"];
    for args in
        [&["s = σ(W x); E = 1/2 (s-y):(s-y)", "--wrt", "W"][..], &long, &["f = x^T A x", "--format", "numpy"], &["--help"]]
    {
        let (code, stderr) = run_into_closed_pipe(args);
        assert_eq!((code, stderr.as_str()), (Some(0), ""), "matdiff {args:?} into a closed pipe");
    }
}

/// An error goes to standard error, which is open: it is still reported,
/// with its exit code.
#[test]
fn an_error_is_still_reported() {
    let (code, stderr) = run_into_closed_pipe(&["f = x +"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
}

/// Output that cannot be written for another reason is exit 1 with a
/// message, never a panic.
#[test]
fn a_full_disk_is_an_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else { return };
    let output = Command::new(env!("CARGO_BIN_EXE_matdiff")).args(["f = x^T A x"]).stdout(full).output().expect("matdiff runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: cannot write the output"), "{stderr}");
}
