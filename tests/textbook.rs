//! Results and derivations as short as a textbook's (issue 15).
//!
//! - Lengths: each program's printed Unicode result (its formula, without
//!   spaces, continued lines included, the `where` list not) is at most 1.2
//!   times the length of the form a textbook gives (the Matrix Cookbook's,
//!   numbered, or the table), itself without spaces. Running a
//!   program is also its numeric check: `run` fails on a disagreement.
//! - Derivations: in every example's `--steps`, no line of a block (a
//!   substitution and the moves and simplifications after it) is longer
//!   than twice the longer of the block's first and last lines (nothing
//!   balloons between substitutions), and the logistic regression
//!   reaches `(p − y) : dv` within a few lines.

use matdiff::Options;

/// (program, wrt, Hessian?, the book's form).
const BOOK: &[(&str, &str, bool, &str)] = &[
    // issue 15's table
    ("X : n×n; f = det(X)^{1/2}", "X", false, "½ det(X)^(1/2) X⁻ᵀ"),
    ("X : n×n; f = tr(X^4)", "X", false, "4(Xᵀ)³"),
    ("A : m×m; X : n×n; f = tr(A ⊗ X)", "X", false, "tr(A) I"),
    ("X : n×n; f = log(abs(det(X)))", "X", false, "X⁻ᵀ"),
    ("X : n×n; f = det(X^3)", "X", false, "3 det(X³) X⁻ᵀ"),
    (
        "x : n; A : n×n; B : n×n; f = (x^T A x)(x^T B x)",
        "x",
        true,
        "(xᵀAx)(B + Bᵀ) + (xᵀBx)(A + Aᵀ) + (B + Bᵀ)xxᵀ(A + Aᵀ) + (A + Aᵀ)xxᵀ(B + Bᵀ)",
    ),
    ("h : 1×m; W : m×k; f = logsumexp(h W)", "W", true, "(Diag(p) − pᵀp) ⊗ hᵀh"),
    ("x : n; u = x/||x||", "x", false, "(I − uuᵀ)/‖x‖"),
    ("x, y : n; f = cos(x^T y/(||x|| ||y||))", "x", false, "−sin(xᵀy/(‖x‖‖y‖))(y/(‖x‖‖y‖) − (xᵀy)x/(‖x‖³‖y‖))"),
    // the Gaussian over a batch: 𝟙ᵀ𝟙 is the batch size
    ("Σ : d×d, spd; X : d×n; μ : d; C = X - μ 𝟙^T; f = n/2 logdet(Σ) + 1/2 tr(Σ^{-1} C C^T)", "μ", true, "nΣ⁻¹"),
    // issue 13: layer normalization
    ("x : n; c = x - mean(x) 𝟙; σ = sqrt(mean(c ∘ c) + ε); z = c/σ", "x", false, "(I − 𝟙𝟙ᵀ/n − zzᵀ/n)/σ"),
    // the Matrix Cookbook
    ("X : n×n; f = det(X)", "X", false, "det(X) X⁻ᵀ"), // (49)
    ("X : n×n; A : n×n; B : n×n; f = det(A X B)", "X", false, "det(AXB) X⁻ᵀ"), // (51)
    ("X : n×m; f = det(X^T X)", "X", false, "2 det(XᵀX) X(XᵀX)⁻¹"), // (55)
    ("X : n×n; f = logdet(X)", "X", false, "X⁻ᵀ"),     // (57)
    ("X : n×n; A : n×n; B : n×n; f = tr(A X^{-1} B)", "X", false, "−X⁻ᵀAᵀBᵀX⁻ᵀ"), // (63)
    ("a : n; b : m; X : n×m; f = a^T X b", "X", false, "abᵀ"), // (70)
    ("a : m; b : n; X : n×m; f = a^T X^T b", "X", false, "baᵀ"), // (71)
    ("b : m; c : m; X : n×m; f = b^T X^T X c", "X", false, "X(bcᵀ + cbᵀ)"), // (77)
    ("x : n; A : n×n; f = x^T A x", "x", false, "(A + Aᵀ)x"), // (81)
    ("A : p×n; B : m×p; X : n×m; f = tr(A X B)", "X", false, "AᵀBᵀ"), // (102)
    ("X : n×m; f = tr(X^T X)", "X", false, "2X"),      // (103)
    ("X : n×n; f = tr(X^2)", "X", false, "2Xᵀ"),       // (104)
    ("X : n×n; f = tr(X^4)", "X", false, "4(X³)ᵀ"),    // (106)
    ("X : n×n; A : n×n; f = tr(X A X^T)", "X", false, "X(Aᵀ + A)"), // (117)
    ("X : n×n; f = tr(X^{-1})", "X", false, "−(X⁻²)ᵀ"), // (113)
    ("A : m×n; x : n; b : m; f = (A x - b)^T (A x - b)", "x", false, "2Aᵀ(Ax − b)"),
];

/// Characters other than spaces.
fn length(s: &str) -> usize {
    s.chars().filter(|c| !c.is_whitespace()).count()
}

/// The formula of the first result in Unicode output: after its ` = `,
/// with the lines that continue it (`    + …`).
fn formula(out: &str) -> String {
    let mut lines = out.lines();
    let first = lines.next().expect("a result line");
    let (_, rhs) = first.split_once(" = ").expect("a result `… = …`");
    let mut text = rhs.to_string();
    for l in lines {
        let t = l.trim_start();
        if l.starts_with("    ") && (t.starts_with('+') || t.starts_with('−')) {
            text.push_str(t);
        } else {
            break;
        }
    }
    text
}

#[test]
fn results_are_as_short_as_the_books() {
    let mut failures = Vec::new();
    let mut ratios = Vec::new();
    for &(program, wrt, hessian, book) in BOOK {
        let opts = Options { wrt: vec![wrt.to_string()], hessian, ..Options::default() };
        let out = matdiff::run(program, &opts).unwrap_or_else(|e| panic!("{program}: {e:?}"));
        let ours = formula(&out);
        let ratio = length(&ours) as f64 / length(book) as f64;
        println!("{ratio:4.2}  {ours}   (book: {book})");
        ratios.push(ratio);
        if ratio > 1.2 {
            failures.push(format!("{program}: `{ours}` is {ratio:.2} times the book's `{book}`"));
        }
    }
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ratios.len() / 2];
    assert!(median <= 1.0, "the median length is {median:.2} times the book's");
    assert!(failures.is_empty(), "longer than the book:\n{}", failures.join("\n"));
}

/// The right-hand sides of a derivation's lines (from `--format json`),
/// in blocks: each from a substitution (or a section's first line) through
/// the moves and simplifications that follow it.
fn blocks(source: &str) -> Vec<Vec<String>> {
    let opts = Options { steps: true, ..Options::from_comments(source) };
    let derived = matdiff::derive(source, &opts).expect("a derivation");
    let definitions = derived.steps.as_ref().expect("steps").definitions.len();
    let json = matdiff::run(source, &Options { format: matdiff::Format::Json, ..opts }).expect("a derivation");
    let doc: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let mut blocks: Vec<Vec<String>> = Vec::new();
    for step in doc["steps"].as_array().expect("steps").iter().skip(definitions) {
        let (rule, text) = (step["rule"].as_str().expect("a rule"), step["unicode"].as_str().expect("a line"));
        let rhs = text.split_once(" = ").map_or(text, |(_, r)| r).to_string();
        let starts = rule.starts_with("substitute") || rule.starts_with("the differential") || rule.starts_with("read off");
        match blocks.last_mut() {
            Some(block) if !starts => block.push(rhs),
            _ => blocks.push(vec![rhs]),
        }
    }
    blocks
}

#[test]
fn no_derivation_line_balloons() {
    let mut paths: Vec<_> = std::fs::read_dir("examples")
        .expect("the examples folder")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "mdiff"))
        .collect();
    paths.sort();
    let mut failures = Vec::new();
    for path in paths {
        let source = std::fs::read_to_string(&path).expect("readable");
        for block in blocks(&source) {
            let bound = 2 * length(&block[0]).max(length(block.last().expect("a line")));
            for l in &block {
                if length(l) > bound {
                    failures.push(format!("{}: `{l}` is longer than {bound}", path.display()));
                }
            }
        }
    }
    assert!(failures.is_empty(), "lines longer than twice their block's ends:\n{}", failures.join("\n"));
}

#[test]
fn logistic_regression_reaches_p_minus_y_in_a_few_lines() {
    let program = "X : n×d; w : d; y : n; p = σ(X w); L = -((y : log(p)) + ((𝟙 - y) : log(𝟙 - p)))";
    let opts = Options { wrt: vec!["w".into()], steps: true, ..Options::default() };
    let out = matdiff::run(program, &opts).expect("a derivation");
    let substituting: Vec<&str> = out.lines().skip_while(|l| *l != "Substituting").skip(1).collect();
    let at = substituting.iter().position(|l| l.contains("(p − y) : dv"));
    assert!(at.is_some_and(|i| i < 8), "(p − y) : dv not within 8 lines:\n{out}");
}
