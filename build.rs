//! Two facts about the machine the crate is built on, decided at build time:
//!
//! - `MATDIFF_VERSION`, what `matdiff --version` prints: the package version
//!   and the commit it was built from (`0.1.0 (7dad5da)`), or the version
//!   alone where there is no git or no repository (a crate's download);
//! - the tools the tests that render or run the output need, as cfgs:
//!   `has_katex` (Node.js, and npm or an installed `tests/katex`),
//!   `has_pdflatex`, `has_numpy` (Python 3 that imports NumPy). A test that
//!   needs an absent one is built `#[ignore]`d with the reason, so that
//!   `cargo test` on a machine with only the Rust toolchain passes and says
//!   what it did not run. With `CI` set they are all taken as present: a
//!   test that then finds its tool missing fails.
//!
//! Installing a tool later changes nothing until the build script runs
//! again: `touch build.rs` (it reruns by itself when `PATH`, `CI` or a
//! `MATDIFF_*` override changes).

use std::path::Path;
use std::process::{Command, Stdio};

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    version();
    tools();
}

/// Whether `program args…` runs and succeeds.
fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The program an environment variable names, or the default.
fn program(var: &str, default: &str) -> String {
    println!("cargo::rerun-if-env-changed={var}");
    std::env::var(var).unwrap_or_else(|_| default.to_string())
}

fn tools() {
    for var in ["CI", "PATH"] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    let katex_installed = Path::new("tests/katex/node_modules/katex/package.json");
    // (a watched file that does not exist would rerun this script every build)
    println!("cargo::rerun-if-changed=tests/katex");
    let node = program("MATDIFF_NODE", "node");
    let npm = program("MATDIFF_NPM", "npm");
    let pdflatex = program("MATDIFF_PDFLATEX", "pdflatex");
    let python = program("MATDIFF_PYTHON", "python3");
    let found = [
        ("has_katex", runs(&node, &["--version"]) && (katex_installed.is_file() || runs(&npm, &["--version"]))),
        ("has_pdflatex", runs(&pdflatex, &["--version"])),
        ("has_numpy", runs(&python, &["-c", "import numpy"])),
    ];
    for (cfg, present) in found {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        if present || ci {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}

/// The version and the commit the binary is built from: `0.1.0 (7dad5da)`,
/// `0.1.0 (7dad5da, modified)` when what goes into the binary differs from
/// that commit, `0.1.0` without git. It is worked out again when the code
/// changes or another commit is checked out, not at each commit (that would
/// rebuild the library and every test after each one): a build from
/// changes since committed still says `modified`, truthfully.
fn version() {
    let version = std::env::var("CARGO_PKG_VERSION").expect("cargo sets it");
    let git = |args: &[&str]| -> Option<(bool, String)> {
        let out = Command::new("git").args(args).stderr(Stdio::null()).output().ok()?;
        Some((out.status.success(), String::from_utf8(out.stdout).ok()?.trim().to_string()))
    };
    let built_from = ["src", "build.rs", "Cargo.toml", "Cargo.lock"];
    for path in built_from {
        println!("cargo::rerun-if-changed={path}");
    }
    let full = match git(&["rev-parse", "--short=7", "HEAD"]) {
        Some((true, commit)) if !commit.is_empty() => {
            // another branch or commit checked out
            if let Some((true, head)) = git(&["rev-parse", "--path-format=absolute", "--git-path", "HEAD"]) {
                println!("cargo::rerun-if-changed={head}");
            }
            let mut diff = vec!["diff", "--quiet", "HEAD", "--"];
            diff.extend(built_from);
            match git(&diff) {
                Some((false, _)) => format!("{version} ({commit}, modified)"),
                _ => format!("{version} ({commit})"),
            }
        }
        _ => version,
    };
    println!("cargo::rustc-env=MATDIFF_VERSION={full}");
}
