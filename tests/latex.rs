//! `--format latex` compiles as pasted (CONTRACT §3): the whole output of
//! every program, `%` remarks and all, renders as the body of one display in
//! KaTeX itself in strict mode (`tests/latex/katex.rs`) and in LaTeX with
//! amsmath (`tests/latex/amsmath.rs`); so does each `"latex"` field of
//! `--format json`. Line breaks `\\` stay inside `aligned`, the only place
//! both renderers honour them.
//!
//! The programs are data, one file each: `examples/*.mdiff`, the public
//! acceptance cases (`tests/latex/acceptance/`, copied from
//! `shared/acceptance/cases.py`) and one program per printed construct
//! (`tests/latex/constructs/`). A leading comment gives the options, as in
//! the examples: `# wrt: A, B`, `# hessian`, `# of: NAME`.
//!
//! The tests that need Node.js (KaTeX) or pdflatex are built ignored, with
//! the reason, where `build.rs` did not find them, unless `CI` is set.
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
    /// `\\` only inside `aligned` ([`breaks_outside_aligned`]).
    LineBreaks,
}

/// Output a check rejects today: (program, or program and JSON field as in
/// the failure message; checker; a part of the error it gives). Each entry
/// is a FIXME for the printer.
const KNOWN_FAILURES: &[(&str, Checker, &str)] = &[];

#[derive(Clone)]
struct Program {
    /// The path from the repository's root: `examples/ridge.mdiff`.
    name: String,
    src: String,
}

/// The options a program's comment lines give, in LaTeX.
fn options_of(src: &str) -> Options {
    Options { format: Format::Latex, ..Options::from_comments(src) }
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

/// A piece of LaTeX to check and where it comes from.
struct Piece {
    /// The program's path, and for a JSON field its place: `examples/ridge.mdiff`,
    /// `examples/ridge.mdiff: results[0].name.latex`.
    label: String,
    latex: String,
}

/// Runs every program with `format`, once for all the tests.
fn run_all(format: Format) -> Vec<(Program, String)> {
    let programs = programs();
    assert!(programs.len() >= 20, "expected the acceptance cases at least, found {} programs in {FOLDERS:?}", programs.len());
    let mut failed = Vec::new();
    let mut out = Vec::new();
    for p in programs {
        // each program as it is, and with its derivation (--steps)
        for steps in [false, true] {
            match matdiff::run_guarded(&p.src, &Options { format, steps, ..options_of(&p.src) }) {
                Ok(text) => {
                    let name = if steps { format!("{} --steps", p.name) } else { p.name.clone() };
                    out.push((Program { name, ..p.clone() }, text));
                }
                Err(e) => failed.push(format!("{}: matdiff failed: {e:?}", p.name)),
            }
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    out
}

/// The whole `--format latex` output of every program.
fn outputs() -> &'static [Piece] {
    static OUTPUTS: OnceLock<Vec<Piece>> = OnceLock::new();
    OUTPUTS.get_or_init(|| run_all(Format::Latex).into_iter().map(|(p, latex)| Piece { label: p.name, latex }).collect())
}

/// Every `"latex"` field of every program's `--format json` output.
fn json_fields() -> &'static [Piece] {
    fn collect(value: &serde_json::Value, place: &str, label: &str, out: &mut Vec<Piece>) {
        match value {
            serde_json::Value::Object(fields) => {
                for (key, v) in fields {
                    let place = if place.is_empty() { key.clone() } else { format!("{place}.{key}") };
                    match v {
                        serde_json::Value::String(latex) if key == "latex" => {
                            out.push(Piece { label: format!("{label}: {place}"), latex: format!("{latex}\n") })
                        }
                        _ => collect(v, &place, label, out),
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    collect(v, &format!("{place}[{i}]"), label, out);
                }
            }
            _ => {}
        }
    }
    static FIELDS: OnceLock<Vec<Piece>> = OnceLock::new();
    FIELDS.get_or_init(|| {
        let mut out = Vec::new();
        for (p, json) in run_all(Format::Json) {
            let value: serde_json::Value =
                serde_json::from_str(&json).unwrap_or_else(|e| panic!("{}: --format json is not JSON ({e}):\n{json}", p.name));
            collect(&value, "", &p.name, &mut out);
        }
        assert!(!out.is_empty(), "no \"latex\" field in any JSON output");
        out
    })
}

/// Checks each piece with `checker` (given the texts, it returns one
/// verdict each) against [`KNOWN_FAILURES`].
fn check_all(pieces: &[Piece], checker: Checker, check: impl Fn(&[&str]) -> Vec<Result<(), String>>) {
    let texts: Vec<&str> = pieces.iter().map(|p| p.latex.as_str()).collect();
    let verdicts = check(&texts);
    assert_eq!(verdicts.len(), pieces.len(), "one verdict per piece");
    let mut wrong = Vec::new();
    for (piece, verdict) in pieces.iter().zip(verdicts) {
        let known = KNOWN_FAILURES.iter().find(|(label, c, _)| *label == piece.label && *c == checker);
        match (verdict, known) {
            (Ok(()), None) => {}
            (Err(e), Some((_, _, expected))) if e.contains(expected) => {}
            (Ok(()), Some(_)) => {
                wrong.push(format!("{}: passes {checker:?} now; remove it from KNOWN_FAILURES\n{}", piece.label, piece.latex))
            }
            (Err(e), _) => wrong.push(format!("{}: {checker:?} rejects\n{}--> {e}", piece.label, piece.latex)),
        }
    }
    assert!(wrong.is_empty(), "{} of {}:\n\n{}", wrong.len(), pieces.len(), wrong.join("\n\n"));
}

fn katex_verdicts(texts: &[&str]) -> Vec<Result<(), String>> {
    katex::render(texts).into_iter().map(|r| r.map(|_html| ())).collect()
}

#[test]
#[cfg_attr(not(has_katex), ignore = "needs Node.js with npm (or KaTeX in tests/katex): not found when the tests were built")]
fn every_program_renders_in_katex() {
    check_all(outputs(), Checker::Katex, katex_verdicts);
}

#[test]
#[cfg_attr(not(has_pdflatex), ignore = "needs pdflatex with amsmath (texlive-latex-base): not found when the tests were built")]
fn every_program_compiles_with_amsmath() {
    check_all(outputs(), Checker::Amsmath, amsmath::compile_all);
}

/// The LaTeX of `--format json` (results, their names, definitions) is
/// pasted one field at a time: each field renders as one display.
#[test]
#[cfg_attr(not(has_katex), ignore = "needs Node.js with npm (or KaTeX in tests/katex): not found when the tests were built")]
fn every_json_latex_field_renders_in_katex() {
    check_all(json_fields(), Checker::Katex, katex_verdicts);
}

#[test]
#[cfg_attr(not(has_pdflatex), ignore = "needs pdflatex with amsmath (texlive-latex-base): not found when the tests were built")]
fn every_json_latex_field_compiles_with_amsmath() {
    check_all(json_fields(), Checker::Amsmath, amsmath::compile_all);
}

/// A line break `\\` outside an `aligned` environment: TeX does nothing
/// with it in display math, KaTeX breaks the line there unless it is strict.
fn breaks_outside_aligned(body: &str) -> Result<(), String> {
    let mut depth = 0usize;
    for (i, line) in body.lines().enumerate() {
        if line.starts_with('%') {
            continue;
        }
        let mut rest = line;
        while !rest.is_empty() {
            let next = [("\\begin{aligned}", 1), ("\\end{aligned}", -1), ("\\\\", 0)]
                .iter()
                .filter_map(|&(token, step)| rest.find(token).map(|at| (at, token, step)))
                .min_by_key(|&(at, _, _)| at);
            let Some((at, token, step)) = next else { break };
            match step {
                1 => depth += 1,
                -1 => depth = depth.saturating_sub(1),
                _ if depth == 0 => {
                    return Err(format!("line {}: `\\\\` outside `aligned`, where TeX ignores it: {line}", i + 1));
                }
                _ => {}
            }
            rest = &rest[at + token.len()..];
        }
    }
    Ok(())
}

#[test]
fn line_break_check_can_fail() {
    assert!(breaks_outside_aligned("f = a \\\\\n\\quad + b\n% remark \\\\\n").is_err());
    assert!(breaks_outside_aligned("\\begin{aligned}\nf &= a \\\\\ng &= b\n\\end{aligned} \\\\ c\n").is_err());
    assert_eq!(breaks_outside_aligned("\\begin{aligned}\nf &= a \\\\\n&\\quad + b\n\\end{aligned}\n% a \\\\ b\n"), Ok(()));
}

#[test]
fn line_breaks_are_inside_aligned() {
    check_all(outputs(), Checker::LineBreaks, |bodies| bodies.iter().map(|b| breaks_outside_aligned(b)).collect());
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
#[cfg_attr(not(has_katex), ignore = "needs Node.js with npm (or KaTeX in tests/katex): not found when the tests were built")]
fn comment_lines_are_ignored_by_katex() {
    let outputs = outputs();
    let mut bodies = Vec::new();
    for Piece { label, latex } in outputs {
        assert!(latex.lines().any(|l| l.starts_with("% checked: ")), "{label}: no `% checked:` remark in\n{latex}");
        let without: String = latex.lines().filter(|l| !l.starts_with('%')).map(|l| format!("{l}\n")).collect();
        bodies.push(latex.clone());
        bodies.push(without);
    }
    let bodies: Vec<&str> = bodies.iter().map(String::as_str).collect();
    let rendered = katex::render(&bodies);
    for (Piece { label, latex }, pair) in outputs.iter().zip(rendered.chunks(2)) {
        if let [Ok(with), Ok(without)] = pair {
            let same = without_source(with) == without_source(without);
            assert!(same, "{label}: the comment lines change KaTeX's rendering of\n{latex}");
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
    // a character the font lacks: TeX only logs it, and prints nothing
    ("\\text{\\char200} x\n", "", "Missing character"),
    // a blank line ends the paragraph in TeX's math mode (KaTeX does not mind)
    ("x\n\ny\n", "", "Missing $ inserted"),
];

#[test]
#[cfg_attr(not(has_katex), ignore = "needs Node.js with npm (or KaTeX in tests/katex): not found when the tests were built")]
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
#[cfg_attr(not(has_pdflatex), ignore = "needs pdflatex with amsmath (texlive-latex-base): not found when the tests were built")]
fn amsmath_check_can_fail() {
    for (latex, _, expected) in BAD {
        match amsmath::compile(&[latex]) {
            Ok(()) => panic!("pdflatex accepts {latex:?} in\n{}", amsmath::document(&[latex])),
            Err(e) => assert!(e.contains(expected), "pdflatex rejects {latex:?} with\n{e}\nexpected {expected:?}"),
        }
    }
    // one bad body among good ones is found, and only it
    let verdicts = amsmath::compile_all(&["x\n", "\\notacommand\n", "y\n% remark\n"]);
    assert!(matches!(verdicts.as_slice(), [Ok(()), Err(_), Ok(())]), "{verdicts:?}");
}

/// The positive controls: what the printer relies on, accepted by both.
const GOOD: &[&str] = &[
    "\\frac{\\partial E}{\\partial W} = \\left(s - y\\right) x^{\\top}\n% checked: a remark\n",
    "\\begin{aligned}\nf &= \\operatorname{Diag}(s) \\mathbf{1} \\\\\n\\text{where}\\quad S &= x\n\\end{aligned}\n% remark\n",
    "A \\mathbin{:} B \\otimes C \\circ D \\oslash E^{\\circ 2} + \\left\\lVert X\\right\\rVert_F + \\log\\det(X^{-\\top})\n",
];

#[test]
#[cfg_attr(not(has_katex), ignore = "needs Node.js with npm (or KaTeX in tests/katex): not found when the tests were built")]
fn katex_accepts_what_the_printer_relies_on() {
    for (latex, result) in GOOD.iter().zip(katex::render(GOOD)) {
        assert!(result.is_ok(), "KaTeX rejects {latex:?}: {result:?}");
    }
}

#[test]
#[cfg_attr(not(has_pdflatex), ignore = "needs pdflatex with amsmath (texlive-latex-base): not found when the tests were built")]
fn amsmath_accepts_what_the_printer_relies_on() {
    for latex in GOOD {
        assert_eq!(amsmath::compile(&[latex]), Ok(()), "pdflatex rejects {latex:?}");
    }
}
