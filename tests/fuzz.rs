//! The whole pipeline on arbitrary input (issue: robustness): whatever is
//! typed, matdiff answers with a checked result or one clear error (exit
//! 2) that points inside the program, quickly. Never a panic or internal error (exit 1), never a result
//! that fails its own check (exit 3: a wrong derivative), never a hang.
//!
//! Three sources of input: soups of the tokens people type, real programs
//! (`examples/`, the acceptance cases) with random edits, and
//! `tests/regressions/`, inputs that once broke matdiff (each says what it
//! broke). The same property runs for a long while under `cargo fuzz`
//! (`fuzz/`, see its README); what it finds is added to the regressions.
//!
//! `MATDIFF_FUZZ_CASES=20000 MATDIFF_FUZZ_SEED=7 cargo test --release --test
//! fuzz` runs longer, on other inputs (the default is 600 of each, from seed
//! 0, the same on every run).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use matdiff::diagnostic::{Diagnostic, Label, Span};
use matdiff::{Error, Options};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// Longer than any input here should take, check included: 5 s in a
/// release build (the slowest inputs, Hessians of every block of a
/// six-variable program, take about 0.4 s), and ten times that in a debug
/// build, which is about ten times slower (and may share two cores with
/// other tests).
fn budget() -> Duration {
    if cfg!(debug_assertions) { Duration::from_secs(50) } else { Duration::from_secs(5) }
}

/// What people type: names of every kind, operators in ASCII and Unicode,
/// functions (and misspellings), constants, declarations, numbers, and
/// the pieces of structure (brackets, norms, lines, comments).
const TOKENS: &[&str] = &[
    "x",
    "y",
    "W",
    "X",
    "A",
    "b",
    "W_1",
    "W_{12}",
    "α",
    "θ",
    "S",
    "I",
    "I_3",
    "I_n",
    "𝟙",
    "1_n",
    "ones",
    "E",
    "f",
    "s",
    " = ",
    "=",
    " + ",
    "-",
    " - ",
    "*",
    "·",
    "/",
    " : ",
    ":",
    "∘",
    "⊙",
    ".*",
    "⊗",
    "^T",
    "ᵀ",
    "'",
    "^{-1}",
    "⁻¹",
    "^2",
    "²",
    ".^2",
    "^",
    "(",
    ")",
    "{",
    "}",
    "||",
    "‖",
    "_F",
    "σ(",
    "sigma(",
    "tanh(",
    "exp(",
    "log(",
    "sqrt(",
    "softplus(",
    "relu(",
    "abs(",
    "sin(",
    "softmax(",
    "logsumexp(",
    "tr(",
    "det(",
    "logdet(",
    "inv(",
    "Diag(",
    "diag(",
    "vec(",
    "kron(",
    "sum(",
    "sigmod(",
    ",",
    " ",
    "\n",
    ";",
    "# c\n",
    "2",
    "1/2",
    "0.5",
    "1e-3",
    "0",
    " : n×m\n",
    " : n\n",
    " : scalar\n",
    " ∈ ℝ^{m×n}\n",
    " : 3×3\n",
    "×",
    "x ",
    "\t",
    "$",
    "é",
];

fn cases() -> u32 {
    std::env::var("MATDIFF_FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(600)
}

/// The same inputs on every run of `cargo test` (a find is a regression to
/// keep, not a flaky CI); `MATDIFF_FUZZ_SEED=N` explores others.
fn seed() -> RngSeed {
    RngSeed::Fixed(std::env::var("MATDIFF_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0))
}

/// Options a user might pass along.
fn options(wrt: &str, hessian: bool) -> Options {
    let wrt = if wrt.is_empty() { Vec::new() } else { vec![wrt.to_string()] };
    Options { wrt, hessian, ..Options::default() }
}

/// The property: a result, or an error a person can act on, in time.
fn verdict(src: &str, opts: &Options) -> Result<(), String> {
    // MATDIFF_FUZZ_TRACE=1: each input before it runs (what an abort, such
    // as a stack overflow, would otherwise take with it)
    if std::env::var_os("MATDIFF_FUZZ_TRACE").is_some() {
        eprintln!("input: {src:?} {opts:?}");
    }
    let start = Instant::now();
    let result = matdiff::run_guarded(src, opts);
    judge(src, result, start.elapsed())
}

fn judge(src: &str, result: Result<String, Error>, elapsed: Duration) -> Result<(), String> {
    if elapsed > budget() {
        return Err(format!("took {elapsed:?}"));
    }
    match result {
        Ok(_) => Ok(()),
        Err(e @ (Error::CheckFailed(_) | Error::Internal(_))) => Err(format!("exit {}: {e:?}", e.exit_code())),
        Err(e) => {
            // every place it points at is in the program, between characters
            if let Error::Program(d) = &e {
                for label in &d.labels {
                    let Span { start, end } = label.span;
                    if start > end || end > src.len() || !src.is_char_boundary(start) || !src.is_char_boundary(end) {
                        return Err(format!("{e:?}: a label outside the program or inside a character"));
                    }
                }
            }
            let rendered = std::panic::catch_unwind(|| e.render(src, None)).map_err(|_| format!("{e:?}: rendering panics"))?;
            if !rendered.starts_with("error: ") || rendered.lines().filter(|l| l.starts_with("error")).count() != 1 {
                return Err(format!("not one error message:\n{rendered}"));
            }
            Ok(())
        }
    }
}

fn programs() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = ["examples", "tests/latex/acceptance"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).unwrap().map(|e| e.unwrap().path()))
        .filter(|p| p.extension().is_some_and(|x| x == "mdiff"))
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
}

/// One edit of a program: at a fraction of its length, delete the next
/// character, or insert a token, or replace the next character by one.
#[derive(Clone, Debug)]
enum Edit {
    Delete(f64),
    Insert(f64, &'static str),
    Replace(f64, &'static str),
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    let at = 0.0..1.0f64;
    let token = proptest::sample::select(TOKENS);
    prop_oneof![
        at.clone().prop_map(Edit::Delete),
        (at.clone(), token.clone()).prop_map(|(a, t)| Edit::Insert(a, t)),
        (at, token).prop_map(|(a, t)| Edit::Replace(a, t)),
    ]
}

fn apply(src: &str, edit: &Edit) -> String {
    let boundary = |fraction: f64| {
        let mut i = ((src.len() as f64) * fraction) as usize;
        while !src.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let next = |i: usize| src[i..].chars().next().map_or(i, |c| i + c.len_utf8());
    match *edit {
        Edit::Delete(a) => {
            let i = boundary(a);
            format!("{}{}", &src[..i], &src[next(i)..])
        }
        Edit::Insert(a, t) => {
            let i = boundary(a);
            format!("{}{t}{}", &src[..i], &src[i..])
        }
        Edit::Replace(a, t) => {
            let i = boundary(a);
            format!("{}{t}{}", &src[..i], &src[next(i)..])
        }
    }
}

fn wrt_strategy() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(&["", "", "W", "x", "X", "W_1", "A"][..])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), rng_seed: seed(), ..ProptestConfig::default() })]

    #[test]
    fn token_soup(pieces in proptest::collection::vec(proptest::sample::select(TOKENS), 0..30),
                  wrt in wrt_strategy(), hessian in any::<bool>()) {
        let src = pieces.concat();
        if let Err(why) = verdict(&src, &options(wrt, hessian)) {
            prop_assert!(false, "{src:?} --wrt {wrt:?} hessian={hessian}: {why}");
        }
    }

    #[test]
    fn edited_programs(which in any::<proptest::sample::Index>(),
                       edits in proptest::collection::vec(edit_strategy(), 1..4),
                       wrt in wrt_strategy(), hessian in any::<bool>()) {
        let all = programs();
        let mut src = which.get(&all).clone();
        for edit in &edits {
            src = apply(&src, edit);
        }
        if let Err(why) = verdict(&src, &options(wrt, hessian)) {
            prop_assert!(false, "{src:?} --wrt {wrt:?} hessian={hessian}: {why}");
        }
    }
}

/// Inputs that once broke matdiff, one per file; options in header lines
/// (`# wrt: W`, `# hessian`).
#[test]
fn regressions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(!files.is_empty(), "no regression inputs in {}", dir.display());
    for path in files {
        let src = std::fs::read_to_string(&path).unwrap();
        if let Err(why) = verdict(&src, &Options::from_comments(&src)) {
            panic!("{}: {why}", path.display());
        }
    }
}

/// The negative control: the property rejects what it must.
#[test]
fn the_verdict_can_fail() {
    let fast = Duration::from_millis(1);
    assert!(verdict("x : n\nf = x^T x", &Options::default()).is_ok());
    assert!(verdict("f = x^T (", &Options::default()).is_ok(), "a syntax error is a right answer");
    let outside = Diagnostic::new("points past the end").label(Span::new(3, 99), "here");
    let inside = Diagnostic { labels: vec![Label { span: Span::new(1, 1), text: "inside `é`".into() }], ..Diagnostic::new("m") };
    let bad = [
        (Err(Error::Internal("a bug".into())), fast),
        (Err(Error::CheckFailed("a wrong derivative".into())), fast),
        (Err(Error::Program(outside)), fast),
        (Err(Error::Program(inside)), fast),
        (Ok(String::new()), budget() * 2),
    ];
    for (result, elapsed) in bad {
        let shown = format!("{result:?}");
        let judged = judge("é = x", result, elapsed);
        assert!(judged.is_err(), "{shown} in {elapsed:?} passes");
    }
}
