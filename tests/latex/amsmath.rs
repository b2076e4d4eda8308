//! LaTeX itself, with amsmath: a body pasted between `\[` and `\]` in an
//! `article` that loads amsmath and amssymb, compiled by `pdflatex
//! -halt-on-error`. A machine without pdflatex — a newcomer's `cargo test`
//! with only the Rust toolchain — builds the tests that need it ignored, with
//! the reason (`build.rs`, cfg `has_pdflatex`); in CI (`CI` set, as
//! `.ci/run` does) they run, and a missing pdflatex fails them.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// What to do when pdflatex cannot run.
pub const HOW_TO_GET_IT: &str = "the LaTeX tests compile with pdflatex and amsmath: on Debian, \
     `apt-get install --no-install-recommends texlive-latex-base` (about 40 MB to download, 240 MB installed; .ci/run does it); \
     set MATDIFF_PDFLATEX to use a `pdflatex` that is not on PATH";

/// The document a user's notes would be: each body between `\[` and `\]`,
/// each on its own line, as pasted.
pub fn document(bodies: &[&str]) -> String {
    let displays: String = bodies.iter().map(|body| format!("\\[\n{body}\\]\n")).collect();
    format!("\\documentclass{{article}}\n\\usepackage{{amsmath,amssymb}}\n\\begin{{document}}\n{displays}\\end{{document}}\n")
}

/// A fresh folder for one compilation.
fn scratch() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("matdiff-amsmath-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// What the log says went wrong: TeX's `!` errors with the lines that
/// locate them, and what TeX only warns about but prints wrong or not at
/// all: characters missing from the fonts, text commands in math mode.
fn problems(log: &str) -> Vec<String> {
    let lines: Vec<&str> = log.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("! ") {
            let context = lines[i..].iter().take(8).take_while(|l| !l.is_empty()).copied().collect::<Vec<_>>().join("\n");
            out.push(context);
        } else if line.starts_with("Missing character:") || line.contains("invalid in math mode") {
            out.push(line.to_string());
        }
    }
    out
}

/// Compiles each body as the display of a document ([`document`]): `Ok`,
/// or what TeX said. All in one document first, since TeX starts slowly;
/// only if that fails, one document each, to tell which.
pub fn compile_all(bodies: &[&str]) -> Vec<Result<(), String>> {
    match compile(bodies) {
        Ok(()) => vec![Ok(()); bodies.len()],
        Err(_) => bodies.iter().map(|b| compile(&[b])).collect(),
    }
}

/// Compiles the bodies as the displays of one document ([`document`]):
/// `Ok`, or what TeX said. Panics, saying how to get it, when pdflatex is
/// missing.
pub fn compile(bodies: &[&str]) -> Result<(), String> {
    let dir = scratch();
    std::fs::write(dir.join("case.tex"), document(bodies)).expect("the scratch folder is writable");
    let pdflatex = std::env::var("MATDIFF_PDFLATEX").unwrap_or_else(|_| "pdflatex".to_string());
    let output = Command::new(&pdflatex)
        .args(["-halt-on-error", "-interaction=nonstopmode", "-no-shell-escape", "-draftmode", "case.tex"])
        .current_dir(&dir)
        // one message a line: TeX wraps its log at 79 columns otherwise
        .env("max_print_line", "100000")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{pdflatex}` ({e}): {HOW_TO_GET_IT}"));
    // the log is in the input's bytes where TeX quotes it, not always UTF-8
    let log = String::from_utf8_lossy(&std::fs::read(dir.join("case.log")).unwrap_or_default()).into_owned();
    let _ = std::fs::remove_dir_all(&dir);
    let problems = problems(&log);
    match (output.status.success(), problems.is_empty()) {
        (true, true) => Ok(()),
        (_, false) => Err(problems.join("\n")),
        (false, true) => Err(format!(
            "pdflatex failed ({}) with no error in its log:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout)
        )),
    }
}
