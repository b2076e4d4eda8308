//! `--format latex` compiles as pasted (CONTRACT §3): the whole output of
//! every program, `%` remarks and all, renders as the body of one display in
//! KaTeX itself in strict mode (`tests/latex/katex.rs`) and in LaTeX with
//! amsmath (`tests/latex/amsmath.rs`).
//!
//! The programs are data, one file each: `examples/*.mdiff`, the public
//! acceptance cases (`tests/latex/acceptance/`, copied from
//! `shared/acceptance/cases.py`) and one program per printed construct
//! (`tests/latex/constructs/`). A leading comment gives the options, as in
//! the examples: `# wrt: A, B`, `# hessian`, `# of: NAME`.
//!
//! Each checker has a negative control proving it can fail. Output a
//! renderer rejects today is listed in `KNOWN_FAILURES` and asserted to fail
//! as it does, with a FIXME: the printer is fixed, not the test.

#[path = "latex/amsmath.rs"]
mod amsmath;
#[path = "latex/katex.rs"]
mod katex;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use matdiff::{Format, Options};

/// The folders of programs, relative to the repository.
const FOLDERS: &[&str] = &["examples", "tests/latex/acceptance", "tests/latex/constructs"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Checker {
    Katex,
    Amsmath,
}

/// Programs whose LaTeX a renderer rejects today: (program, checker, a part
/// of the error it gives). Each entry is a FIXME for the printer.
const KNOWN_FAILURES: &[(&str, Checker, &str)] = &[];

struct Program {
    /// The path from the repository's root: `examples/ridge.mdiff`.
    name: String,
    src: String,
}

/// The options a program's comment lines give: `# wrt: A, B` (the
/// variables), `# hessian`, `# of: NAME`.
fn options_of(src: &str) -> Options {
    let mut opts = Options { format: Format::Latex, ..Default::default() };
    for line in src.lines() {
        let Some(comment) = line.trim().strip_prefix('#') else { continue };
        let comment = comment.trim();
        if let Some(wrt) = comment.strip_prefix("wrt:") {
            opts.wrt.push(wrt.trim().to_string());
        } else if let Some(of) = comment.strip_prefix("of:") {
            opts.of = Some(of.trim().to_string());
        } else if comment == "hessian" {
            opts.hessian = true;
        }
    }
    opts
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every program of [`FOLDERS`], in order of path.
fn programs() -> Vec<Program> {
    let mut paths: Vec<PathBuf> = Vec::new();
    for folder in FOLDERS {
        let Ok(entries) = std::fs::read_dir(root().join(folder)) else { continue };
        paths.extend(
            entries.map(|e| e.expect("a readable folder").path()).filter(|p| p.extension().is_some_and(|e| e == "mdiff")),
        );
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| Program {
            name: path.strip_prefix(root()).expect("under the root").to_string_lossy().replace('\\', "/"),
            src: std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display())),
        })
        .collect()
}

/// Every program with its LaTeX, computed once for all the tests.
fn outputs() -> &'static [(Program, String)] {
    static OUTPUTS: OnceLock<Vec<(Program, String)>> = OnceLock::new();
    OUTPUTS.get_or_init(|| {
        let programs = programs();
        assert!(programs.len() >= 20, "expected the acceptance cases at least, found {} programs in {FOLDERS:?}", programs.len());
        let mut failed = Vec::new();
        let mut out = Vec::new();
        for p in programs {
            match matdiff::run_guarded(&p.src, &options_of(&p.src)) {
                Ok(latex) => out.push((p, latex)),
                Err(e) => failed.push(format!("{}: matdiff failed: {e:?}", p.name)),
            }
        }
        assert!(failed.is_empty(), "{}", failed.join("\n"));
        out
    })
}

/// Checks each program's output with `checker` (given the bodies, it
/// returns one verdict each) against [`KNOWN_FAILURES`].
fn check_all(checker: Checker, check: impl Fn(&[&str]) -> Vec<Result<(), String>>) {
    let outputs = outputs();
    let bodies: Vec<&str> = outputs.iter().map(|(_, latex)| latex.as_str()).collect();
    let verdicts = check(&bodies);
    let mut wrong = Vec::new();
    for ((program, latex), verdict) in outputs.iter().zip(verdicts) {
        let known = KNOWN_FAILURES.iter().find(|(name, c, _)| *name == program.name && *c == checker);
        match (verdict, known) {
            (Ok(()), None) => {}
            (Err(e), Some((_, _, expected))) if e.contains(expected) => {}
            (Ok(()), Some(_)) => {
                wrong.push(format!("{}: renders now; remove it from KNOWN_FAILURES\n{latex}", program.name));
            }
            (Err(e), _) => wrong.push(format!("{}: {checker:?} rejects\n{latex}\n--> {e}", program.name)),
        }
    }
    assert!(wrong.is_empty(), "{} of {} programs:\n\n{}", wrong.len(), outputs.len(), wrong.join("\n\n"));
}

#[test]
fn every_program_renders_in_katex() {
    check_all(Checker::Katex, |bodies| katex::render(bodies).into_iter().map(|r| r.map(|_| ())).collect());
}

#[test]
fn every_program_compiles_with_amsmath() {
    check_all(Checker::Amsmath, |bodies| bodies.iter().map(|b| amsmath::compile(b)).collect());
}

/// KaTeX's HTML without the TeX source it carries in MathML's `<annotation>`.
fn without_source(html: &str) -> String {
    match (html.find("<annotation"), html.find("</annotation>")) {
        (Some(start), Some(end)) if start < end => format!("{}{}", &html[..start], &html[end..]),
        _ => panic!("no <annotation> in KaTeX's output: {html}"),
    }
}

/// Every output has its `%` remark (the numeric check), and KaTeX ignores
/// it: the output renders exactly as it does without its comment lines.
#[test]
fn comment_lines_are_ignored_by_katex() {
    let outputs = outputs();
    let mut bodies = Vec::new();
    for (program, latex) in outputs {
        assert!(latex.lines().any(|l| l.starts_with("% checked: ")), "{}: no `% checked:` remark in\n{latex}", program.name);
        let without: String = latex.lines().filter(|l| !l.starts_with('%')).map(|l| format!("{l}\n")).collect();
        bodies.push(latex.clone());
        bodies.push(without);
    }
    let bodies: Vec<&str> = bodies.iter().map(String::as_str).collect();
    let rendered = katex::render(&bodies);
    for ((program, latex), pair) in outputs.iter().zip(rendered.chunks(2)) {
        if let [Ok(with), Ok(without)] = pair {
            let same = without_source(with) == without_source(without);
            assert!(same, "{}: the comment lines change KaTeX's rendering of\n{latex}", program.name);
        }
    }
}

/// Input either renderer must reject, with a part of what it says: proof
/// that a check can fail.
const BAD: &[(&str, &str, &str)] = &[
    // (LaTeX, what KaTeX says, what TeX says)
    ("\\notacommand x\n", "Undefined control sequence", "Undefined control sequence"),
    ("\\left( x\n", "Expected '\\right'", "Missing \\right. inserted"),
    ("\\frac{a}{b\n", "expected '}'", "File ended while scanning use of \\frac"),
    ("a & b\n", "Expected 'EOF'", "Misplaced alignment tab character &"),
    // the last line a comment with no newline comments out the closing delimiter
    ("x % remark", "commentAtEnd", "Missing $ inserted"),
    // a text symbol in math mode: a strict-mode error in KaTeX, a warning
    // (and no symbol printed) in LaTeX
    ("\u{20ac} x\n", "unknownSymbol", "invalid in math mode"),
    ("\u{e9} = 1\n", "unicodeTextInMathMode", "Please use \\mathaccent"),
    // Greek in Unicode: KaTeX accepts it, even strict; pdflatex does not
    ("\u{3b8} = 1\n", "", "Unicode character \u{3b8} (U+03B8)"),
    // a blank line ends the paragraph in TeX's math mode (KaTeX does not mind)
    ("x\n\ny\n", "", "Missing $ inserted"),
];

#[test]
fn katex_check_can_fail() {
    let bodies: Vec<&str> = BAD.iter().filter(|b| !b.1.is_empty()).map(|b| b.0).collect();
    let rendered = katex::render(&bodies);
    for ((latex, expected, _), result) in BAD.iter().filter(|b| !b.1.is_empty()).zip(rendered) {
        match result {
            Ok(_) => panic!("KaTeX accepts {latex:?}"),
            Err(e) => assert!(e.contains(expected), "KaTeX rejects {latex:?} with {e:?}, expected {expected:?}"),
        }
    }
}

#[test]
fn amsmath_check_can_fail() {
    for (latex, _, expected) in BAD {
        match amsmath::compile(latex) {
            Ok(()) => panic!("pdflatex accepts {latex:?} in\n{}", amsmath::document(latex)),
            Err(e) => assert!(e.contains(expected), "pdflatex rejects {latex:?} with\n{e}\nexpected {expected:?}"),
        }
    }
}

/// The positive controls: what the printer relies on, accepted by both.
#[test]
fn both_checks_accept_what_the_printer_relies_on() {
    let good = [
        "\\frac{\\partial E}{\\partial W} = \\left(s - y\\right) x^{\\top}\n% checked: a remark\n",
        "\\begin{aligned}\nf &= \\operatorname{Diag}(s) \\mathbf{1} \\\\\n\\text{where}\\quad S &= x\n\\end{aligned}\n% remark\n",
        "A \\mathbin{:} B \\otimes C \\circ D \\oslash E^{\\circ 2} + \\left\\lVert X\\right\\rVert_F + \\log\\det(X^{-\\top})\n",
    ];
    for (latex, result) in good.iter().zip(katex::render(&good)) {
        assert!(result.is_ok(), "KaTeX rejects {latex:?}: {result:?}");
        assert_eq!(amsmath::compile(latex), Ok(()), "pdflatex rejects {latex:?}");
    }
}
