//! The limits of the whole pipeline: deep nesting is refused with a clear
//! error or works, never a stack overflow; long programs finish quickly;
//! values too large to hold are refused; the same input always prints the
//! same output.
//!
//! Nothing after the parser may recurse on the depth of an expression (the
//! IR is processed in id order): the deep programs run on a thread with a
//! small stack, so a recursion would overflow it and abort the test.

use std::time::{Duration, Instant};

use matdiff::syntax::MAX_DEPTH;
use matdiff::{Error, Format, Options};

/// The whole pipeline, check included, on a thread with 4 MiB of stack (the
/// parser takes its own): its result and how long it took.
fn run_small_stack(src: &str, opts: &Options) -> (Result<String, Error>, Duration) {
    let (src, opts) = (src.to_string(), opts.clone());
    let worker = std::thread::Builder::new()
        .stack_size(4 << 20)
        .spawn(move || {
            let start = Instant::now();
            let result = matdiff::run(&src, &opts);
            (result, start.elapsed())
        })
        .unwrap();
    worker.join().unwrap_or_else(|_| panic!("the pipeline panicked"))
}

fn wrt(names: &[&str]) -> Options {
    Options { wrt: names.iter().map(|s| s.to_string()).collect(), ..Options::default() }
}

fn error_message(result: Result<String, Error>, src: &str) -> String {
    match result {
        Ok(out) => panic!("expected an error, got\n{out}"),
        Err(e) => {
            assert_eq!(e.exit_code(), 2, "{}", e.render(src, None));
            e.render(src, None)
        }
    }
}

// ---- nesting ----

#[test]
fn tens_of_thousands_of_nested_brackets_calls_signs_and_transposes_are_refused() {
    let n = 30_000;
    let programs = [
        format!("E = {}x{}^T x", "(".repeat(n), ")".repeat(n)),
        format!("E = sum({}x{})", "exp(".repeat(n), ")".repeat(n)),
        format!("E = sum({}x{})", "σ(".repeat(n), ")".repeat(n)),
        format!("E = x^T ({}x)", "-".repeat(n)),
        format!("E = x^T ({}x)", "- ".repeat(n)),
        format!("E = tr(A{})", "^T".repeat(n)),
        format!("E = tr(A{})", "'".repeat(n)),
        format!("E = tr(A{})", "ᵀ".repeat(n)),
        format!("E = {}x{}", "‖".repeat(n), "‖".repeat(n)),
        format!("E = sum({}A{})", "inv(".repeat(n), ")".repeat(n)),
        format!("E = {}x{}", "||(".repeat(n), ")||".repeat(n)),
    ];
    for src in &programs {
        let (result, elapsed) = run_small_stack(src, &Options::default());
        let message = error_message(result, src);
        assert!(message.contains("nested too deeply"), "{}…: {message}", &src[..40.min(src.len())]);
        assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    }
}

#[test]
fn nesting_up_to_the_limit_is_differentiated() {
    let n = MAX_DEPTH - 8;
    let programs = [
        format!("E = {}x{}^T x", "(".repeat(n), ")".repeat(n)),
        format!("E = sum({}x{})", "σ(".repeat(n), ")".repeat(n)),
        format!("E = sum({}x{})", "sin(".repeat(n), ")".repeat(n)),
        format!("E = x^T ({}x)", "-".repeat(n)),
        format!("E = tr(A{})", "^T".repeat(n)),
        format!("E = tr({}A{})", "(I + ".repeat(n), ")".repeat(n)),
        format!("E = ‖{}x{}‖^2", "(x + ".repeat(n), ")".repeat(n)),
    ];
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    for src in &programs {
        let (result, elapsed) = run_small_stack(src, &Options::default());
        if let Err(e) = &result {
            panic!("{}…: {}", &src[..40], e.render(src, None));
        }
        assert!(elapsed < budget(), "{}… took {elapsed:?}", &src[..40]);
    }
}

// ---- long programs ----

/// What "quickly" means. The aim is well under a second in an optimised
/// build (each program's time is printed: `-- --nocapture`); the bound
/// leaves room for a machine shared with other builds, and catches what
/// matters most, a cost that grows faster than the program (these took
/// from tens of seconds to beyond ten minutes before). Unoptimised builds
/// (`cargo test`) are many times slower.
fn budget() -> Duration {
    if cfg!(debug_assertions) { Duration::from_secs(60) } else { Duration::from_secs(2) }
}

/// Timed runs one at a time: tests run in parallel, and two cores shared
/// by several long programs would time the sharing.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs a long program, which must succeed within the budget; returns the
/// output.
fn long(what: &str, src: &str, opts: &Options) -> String {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let (result, elapsed) = run_small_stack(src, opts);
    let out = result.unwrap_or_else(|e| panic!("{what}: {}", e.render(src, None)));
    eprintln!("{what}: {elapsed:?}");
    assert!(elapsed < budget(), "{what} took {elapsed:?}");
    out
}

#[test]
fn a_sum_of_twenty_thousand_terms() {
    let terms: Vec<String> = (0..20_000).map(|i| format!("x_{{{i}}}^T y")).collect();
    let src = format!("E = {}", terms.join(" + "));
    let out = long("a sum of 20 000 inner products, by y", &src, &wrt(&["y"]));
    assert!(out.starts_with("∂E/∂y = x_0\n    + x_1\n    + x_2\n"), "{}", head(&out));
    assert!(out.contains("\n    + x_19999\n"));

    let terms: Vec<String> = (0..20_000).map(|i| format!("α_{{{i}}}")).collect();
    let src = format!("E = {}", terms.join(" + "));
    let out = long("a sum of 20 000 scalars, by each", &src, &Options::default());
    assert_eq!(out.lines().filter(|l| l.ends_with(" = 1")).count(), 20_000);
}

#[test]
fn long_chains_of_every_other_operator() {
    // Deep in the IR (a left-nested chain), flat in the syntax.
    let factors: Vec<String> = (0..10_000).map(|i| format!("x_{{{i}}}")).collect();
    let src = format!("E = sum({})", factors.join(" ∘ "));
    let out = long("a Hadamard product of 10 000 vectors, by one", &src, &wrt(&["x_1"]));
    assert!(out.starts_with("∂E/∂x_1 = x_9999 ∘ x_9998 ∘ "), "{}", head(&out));

    let factors: Vec<String> = (0..10_000).map(|i| format!("α_{{{i}}}")).collect();
    let src = format!("E = {}", factors.join(" "));
    let out = long("a product of 10 000 scalars, by one", &src, &wrt(&["α_1"]));
    assert!(out.starts_with("∂E/∂α_1 = "), "{}", head(&out));

    let terms: Vec<String> = (0..10_000).map(|i| format!("(x_{{{i}}} : y)")).collect();
    let src = format!("E = {}", terms.join(" + "));
    let out = long("a sum of 10 000 Frobenius products, by y", &src, &wrt(&["y"]));
    assert!(out.starts_with("∂E/∂y = x_0\n"), "{}", head(&out));
}

#[test]
fn two_hundred_chained_definitions() {
    let mut lines = vec!["h_1 = σ(W x)".to_string()];
    lines.extend((2..=200).map(|i| format!("h_{i} = σ(W h_{})", i - 1)));
    lines.push("E = 1/2 ‖h_200 - y‖^2".into());
    let src = lines.join("\n");
    let out = long("200 chained layers", &src, &Options::default());
    assert!(out.starts_with("∂E/∂W = "), "{out}");
}

/// The first 100 characters of an output, for a failure message.
fn head(out: &str) -> String {
    out.chars().take(100).collect()
}

#[test]
fn a_product_of_three_hundred_matrices() {
    let factors: Vec<String> = (0..300).map(|i| format!("A_{{{i}}}")).collect();
    let src = format!("E = x^T {} y", factors.join(" "));
    let out = long("a product of 300 matrices, by x and by one of them", &src, &wrt(&["x", "A_150"]));
    assert!(out.starts_with("∂E/∂x = A_0 A_1 A_2 "), "{}", head(&out));

    let src = format!("E = x^T {} x", vec!["A"; 300].join(" "));
    let out = long("a product of 300 copies of A, by x", &src, &wrt(&["x"]));
    // (the order of the two terms is the normal form's, not the point)
    assert!(out.starts_with("∂E/∂x = ((Aᵀ)³⁰⁰ + A³⁰⁰)x") || out.starts_with("∂E/∂x = (A³⁰⁰ + (Aᵀ)³⁰⁰)x"), "{out}");
}

// ---- sizes ----

#[test]
fn values_too_large_to_evaluate_are_refused_not_allocated() {
    // These aborted the process (an allocation of 80 GB) or reported a
    // missing value; sizes this large can only be declared.
    let programs = [
        ("x : 100000\nE = x^T x", true),
        ("x : 100000\nE = sum(x x^T)", false),
        ("x : 100000\nE = sum(Diag(x))", false),
        ("x : 100000000\nE = x^T x", false),
        ("A : 3000×3000\nE = logdet(A)", false),
        ("x : 18446744073709551615\nE = x^T x", false),
    ];
    for (src, hessian) in programs {
        let opts = Options { hessian, ..Options::default() };
        let (result, _) = run_small_stack(src, &opts);
        let message = error_message(result, src);
        assert!(message.starts_with("error: cannot check the result at the declared sizes: "), "{src}: {message}");
        assert!(message.contains("too large to evaluate") && message.contains("--no-check"), "{src}: {message}");
        // unchecked, the result is printed
        let unchecked = Options { check: false, ..opts };
        assert!(matdiff::run(src, &unchecked).is_ok(), "{src} --no-check");
    }
}

#[test]
fn products_of_sizes_beyond_64_bits_are_errors() {
    let src = "A : 4294967296×4294967296\nE = sum(vec(A))";
    let message = error_message(matdiff::run(src, &Options::default()), src);
    assert!(message.contains("does not fit in 64 bits"), "{message}");
}

// ---- determinism ----

/// Programs with every kind of result; each is run twice in this process
/// and twice by the binary, in every format.
const DETERMINISM: &[(&str, &[&str])] = &[
    ("s = σ(W x)\nE = 1/2 (s - y):(s - y)", &[]),
    ("p = σ(X w)\nf = -((y : log(p)) + ((𝟙 - y) : log(𝟙 - p)))", &["--hessian"]),
    ("Y = U σ(W X + b 𝟙^T) + c 𝟙^T", &["--wrt", "X"]),
    ("μ : n\nΣ : n×n\nf = 1/2 logdet(Σ) + 1/2 (x - μ)^T Σ^{-1} (x - μ)", &[]),
    ("a = W_1^Tx + b_1\nh = σ(a)\nθ = W_2^T h + b_2\ny = softmax(θ)\nL = -p:log(y)", &[]),
];

#[test]
fn the_same_input_prints_the_same_output() {
    for (src, args) in DETERMINISM {
        for format in [Format::Unicode, Format::Latex, Format::Numpy, Format::Json] {
            let opts = Options {
                hessian: args.contains(&"--hessian"),
                wrt: args.iter().skip_while(|a| **a != "--wrt").nth(1).map(|w| vec![w.to_string()]).unwrap_or_default(),
                format,
                ..Options::default()
            };
            let first = matdiff::run(src, &opts).unwrap();
            // other programs in between: nothing carries over
            let _ = matdiff::run("E = x^T A x + tr(B C)", &Options::default());
            let second = matdiff::run(src, &opts).unwrap();
            assert_eq!(first, second, "{src} ({format:?})");
        }
    }
}

#[test]
fn the_same_input_prints_the_same_output_in_separate_processes() {
    // Separate processes: anything keyed by a randomly seeded hash, or by
    // the interning order of names, would show here.
    for (src, args) in DETERMINISM {
        for format in ["unicode", "latex", "numpy", "json"] {
            let run = || {
                let out = std::process::Command::new(env!("CARGO_BIN_EXE_matdiff"))
                    .arg(src)
                    .args(*args)
                    .args(["--format", format])
                    .output()
                    .unwrap();
                assert!(out.status.success(), "{src}: {}", String::from_utf8_lossy(&out.stderr));
                out.stdout
            };
            assert_eq!(run(), run(), "{src} ({format})");
        }
    }
}
