//! The parser at its boundary: programs → s-expressions, one snapshot per
//! construct; bad programs → rendered errors, one file each under
//! `tests/errors/syntax/`; the limits on nesting and size; and a property
//! test that no string of the notation's characters makes it panic.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use matdiff::diagnostic::Diagnostic;
use matdiff::syntax::{MAX_DEPTH, ast, parse, sexpr};
use proptest::prelude::*;

/// The program and its AST, for a snapshot.
fn check(src: &str) -> String {
    match parse(src) {
        Ok(program) => format!("{src}\n---\n{}", sexpr::program(&program)),
        Err(e) => panic!("expected {src:?} to parse, got:\n{}", e.render(src)),
    }
}

/// One test and one snapshot per construct.
macro_rules! parses {
    ($($name:ident: $src:expr;)*) => {$(
        #[test]
        fn $name() {
            insta::assert_snapshot!(check($src));
        }
    )*};
}

parses! {
    // The seed programs (shared/seeds), as students write them.
    seed_000_backprop: "W : 5×4            # declaration (optional): shape of a variable\ns = σ(W x)         # definition: a name for an expression\nE = 1/2 (s-y):(s-y)";
    seed_000_norm: "E = 1/2 ||σ(W x) - y||^2";
    seed_002_affine_layer: "Y = Uσ(WX + b𝟙^T) + c𝟙ᵀ";
    seed_003_two_layers: "a = W_1^Tx + b_1\nh = σ(a)\nθ = W_2^T h + b_2\ny = softmax(θ)\nL = -p:log(y)";
    seed_003_gradient: "W_1(H - H^2)W_2(y - p)";

    // Statements.
    declarations_with_colon: "W : 5×4\nx : n\nV : m x n\nU : 5x4\nc : scalar\nA, B : 3×3\nr : 1×n\nD : d_1 \\times d_{2}\nE = 1";
    declarations_with_in: "x ∈ R^n; W ∈ ℝ^{m×n}; a ∈ R; b \\in \\mathbb{R}^{d_1}; C ∈ R^{5 \\times 4}\nE = 1";
    definitions_in_order: "v = Wx\ns = σ(v)\nE = 1/2 (s-y):(s-y)";
    lone_trailing_expression: "W : 5×4\nx : 4\n‖Wx‖^2";
    frobenius_alone_is_an_expression: "x : y";
    frobenius_after_declarations_is_an_expression: "x : n\ny : n\nx : y";
    colon_before_a_definition_is_a_declaration: "x : y\nE = x'x";
    colon_with_a_non_shape_is_an_expression: "x : y + z";
    semicolons_and_blank_statements: "a = 1; b = 2;; c = a + b;";
    comments_everywhere: "# a header\nx : n   # a vector\n\n   # indented\nE = x'x # the end";
    empty_program: "";
    only_comments: "# nothing here\n\n   # at all\n";
    lines_continue_after_operators: "E = a +\n  b -\n  c :\n  d";
    lines_continue_inside_brackets: "E = (a\n + b) ∘ ‖x\n - y‖ + kron(A,\n B)";

    // Names and juxtaposition.
    juxtaposition_of_letters: "Wx + sx^T + 2x + 2 x + W1x + x_1y";
    names_with_digits_subscripts: "W_{12} + W_12 + x_i + x_{ij} + x_i1 + W1 + d_1 + x0";
    greek_names: "θ + μΣ + λx + σ(θ) + αβγ";
    function_suffix_of_a_run: "Wexp(x) + xtr(A) + xlogdet(X) + W1σ(x)";
    two_letters_before_a_paren_multiply: "Wx(a + b) + ab(c)";
    primes_transpose_undeclared_names: "x'Ax + (x)' + x''";
    primes_name_declared_heads: "b' = 2b\nE = b'^T b' + b'' + b'x";
    primes_longest_declared_name_wins: "y'' = 1\nE = y''' + y' + y''";
    primed_declaration: "x' : n\nE = x'x'";

    // Constants and numbers.
    identity_and_ones: "I + I_n + I_3 + I_{d_1} + 𝟙 + 𝟙_n + 1_n + 1_3 + ones + ones_m + AI";
    numbers: "2 + 0.5 + .5 + 1e-3 + 2.5E3 + 1E+2 + 007";
    e_after_a_number_is_a_name: "2e + 3E + 2ex";
    dot_operators_after_numbers: "2.*x + 2./x + 2.^3";

    // Operators and precedence (CONTRACT §1).
    precedence_ladder: "a + b : c ⊗ d ∘ e f^2";
    precedence_ladder_reversed: "a^2 b ∘ c ⊗ d : e + f";
    // What matdiff prints reads back (CONTRACT §1).
    printed_unicode: "f = ½X⁻ᵀ + x^∘2 + x^∘−1 + sign(x) + step(x) + log det(X) + W₁₂ + S² + 𝟙_p";
    printed_latex: r"f = \frac{1}{2} X^{-\top} + x^{\circ 2} + x^{\circ -1} + \operatorname{sign}(x) + \operatorname{Diag}(x) \mathbin{:} \operatorname{vec}(X) + \mathbf{1}_{p} + \log\det(X)";
    printed_fractional_powers: "f = (xᵀx)^(1/2) + sum(x^∘(3/2)) + sum(x.^(1/2))";
    printed_zeros: r"f = 0_{m×n} : X + 0_n : x + \mathbf{0}_{m \times n} \mathbin{:} X + 0_{3}";
    printed_unvec: "f = unvec(a) : X + unvec_{3×2}(b) : X + unvec_{m n×p}(c) : Y";
    printed_sizes: "F = K_{m,n} vec(X) + I_{mn} y + I_{m n} y + I_{2n} z + I_{n^{2}} z + I_{n²} z + W_{1,12} y";
    frobenius_binds_tighter_than_a_sum: "f = A : X + B : X^T";
    frobenius_after_a_sum_term: "f = sum(A x) + X : Y";
    frobenius_after_a_minus: "a - y : x";
    frobenius_looser_than_kronecker: "A ⊗ B : C + -p : log(q)";
    chains_are_flat: "a + b - c + d; a b c d; a ∘ b ⊘ c; a ⊗ b ⊗ c; a : b : c";
    product_spellings: "A * B · C ⋅ D / 2 E";
    hadamard_spellings: "a ∘ b ⊙ c .* d ⊘ e ./ f";
    minus_spellings: "a − b - c";
    unary_minus_binds_tighter_than_products: "-A B; -p:log(q); a - -b; -x^T; -2x";
    unary_minus_inside_products: "A * -B + A ∘ -B + (-A)(-B)";
    half_is_a_division: "1/2 x + 1/2(x)";

    // Postfix operators.
    transposes: "x^T + x^{T} + x^⊤ + x^{⊤} + xᵀ + x⊤ + x'";
    inverses: "X^{-1} + X^-1 + X⁻¹ + X^{-T} + X^-T";
    powers: "X^2 + X^{3} + x^{-2} + x^-2 + x^{1/2} + x^{-1/2} + x^0.5 + x² + x³ + x⁻² + x¹⁰";
    elementwise_powers: "x.^2 + x.^{2} + x.^{-1} + x.^{1/2} + x.^-1";
    postfix_chains: "X^T^2' + Xᵀ⁻¹ + (A B)^T' + ‖x‖'";
    exponent_letter_then_juxtaposition: "x^Ty + x^TAx + x^2y";

    // Calls and norms.
    every_function: "σ(x) + tanh(x) + exp(x) + log(x) + sqrt(x) + softplus(x) + relu(x) + sin(x) + cos(x) + abs(x) + softmax(x) + logsumexp(x) + sum(x) + tr(A) + det(A) + logdet(A) + inv(A) + Diag(v) + diag(A) + vec(A) + kron(A, B)";
    function_aliases: "sigma(x) + sigmoid(x) + logistic(x) + ln(x) + lse(x) + trace(A)";
    function_space_before_paren: "exp (x) + tr  (A)";
    nested_calls: "σ(W2 σ(W1 x + b1) + b2)";
    norms: "||e|| + ‖e‖ + ||X||_F + ‖X‖_F + ‖X‖_2 + ||X||_{F} + ||x||^2 + ‖x‖²";
    norms_side_by_side_and_nested: "‖a‖‖b‖ + ‖ ‖x‖ y ‖ + ||a|| ||b|| + ‖(‖a‖‖b‖)‖";
}

#[test]
fn spans_point_at_what_was_typed() {
    let src = "s = σ(W x)\nE = 1/2 (s-y):(s-y)";
    let program = parse(src).unwrap();
    let ast::Stmt::Def { expr, span, .. } = &program.stmts[0] else { panic!() };
    assert_eq!(&src[span.start..span.end], "s = σ(W x)");
    assert_eq!(&src[expr.span.start..expr.span.end], "σ(W x)");
    let ast::Stmt::Def { expr, .. } = &program.stmts[1] else { panic!() };
    let ast::ExprKind::Frob(items) = &expr.kind else { panic!() };
    assert_eq!(&src[items[1].span.start..items[1].span.end], "(s-y)");
    let ast::ExprKind::Product(_, rest) = &items[0].kind else { panic!() };
    let (op, op_span, factor) = &rest[1];
    assert_eq!(*op, ast::ProdOp::Juxtapose);
    assert_eq!((op_span.start, op_span.end), (factor.span.start, factor.span.start));
}

// ---- errors: one program per file ----

fn error_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/errors/syntax");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "mdiff"))
        .collect();
    files.sort();
    files
}

#[test]
fn syntax_errors() {
    let files = error_files();
    assert!(files.len() >= 30, "only {} error cases", files.len());
    for path in files {
        let src = std::fs::read_to_string(&path).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let rendered = match parse(&src) {
            Err(e) => e.render(&src),
            Ok(program) => panic!("{name}.mdiff parsed:\n{}", sexpr::program(&program)),
        };
        insta::with_settings!({ input_file => &path, prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("syntax_error__{name}"), rendered);
        });
    }
}

// ---- the grammar's documents ----

#[test]
fn grammar_is_in_step_with_the_parser() {
    use matdiff::syntax::ops::{Level, TABLE};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |path: PathBuf| std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let ebnf = read(root.join("grammar/matdiff.ebnf"));
    let readme = read(root.join("grammar/README.md"));
    let sources: String =
        ["parser.rs", "decl.rs", "lexer.rs", "names.rs"].map(|f| read(root.join("src/syntax").join(f))).concat();
    let levels = [Level::Frobenius, Level::Sum, Level::Kronecker, Level::Hadamard, Level::Product]
        .map(|level| format!("{level:?}").to_lowercase());
    let mut productions = 0;
    for line in ebnf.lines() {
        let Some((name, _)) = line.split_once("::=") else {
            continue;
        };
        let name = name.trim();
        productions += 1;
        let parsed_by_a_function = sources.contains(&format!("fn {name}(")) || sources.contains(&format!("fn {name}<"));
        assert!(parsed_by_a_function || levels.iter().any(|l| l == name), "production `{name}` names no parser function");
    }
    assert!(productions > 30);
    for row in TABLE {
        for spelling in row.spellings {
            assert!(readme.contains(&format!("`{spelling}`")), "grammar/README.md does not list `{spelling}`");
        }
    }
    for (spelling, _) in ast::Function::SPELLINGS {
        assert!(readme.contains(&format!("`{spelling}`")), "grammar/README.md does not list `{spelling}`");
    }
}

// ---- limits ----

/// What "quickly" means here. Tests run unoptimised, where the lexer is
/// several times slower; the 100 ms of the brief holds for optimised builds.
const BUDGET: Duration = if cfg!(debug_assertions) { Duration::from_millis(600) } else { Duration::from_millis(100) };

fn timed(src: &str) -> (Result<ast::Program, Diagnostic>, Duration) {
    let start = Instant::now();
    let result = parse(src);
    (result, start.elapsed())
}

fn assert_too_deep(src: &str) {
    let (result, elapsed) = timed(src);
    let error = result.expect_err("should be too deep");
    assert_eq!(error.message, format!("expression nested too deeply (more than {MAX_DEPTH} levels)"));
    assert!(elapsed < BUDGET, "took {elapsed:?}");
}

#[test]
fn nesting_up_to_the_limit_parses_and_beyond_it_is_refused() {
    let n = MAX_DEPTH;
    let shapes: [(&str, &str); 5] = [("(", ")"), ("exp(", ")"), ("‖", "‖"), ("||(", ")||"), ("-(", ")")];
    for (open, close) in shapes {
        let depth = if open == "-(" || open == "||(" { n / 2 } else { n };
        let ok = format!("{}x{}", open.repeat(depth), close.repeat(depth));
        assert!(parse(&ok).is_ok(), "{open}…{close} × {depth}");
        let deep = format!("{}x{}", open.repeat(depth + 1), close.repeat(depth + 1));
        assert_too_deep(&deep);
    }
    assert!(parse(&format!("{}x", "-".repeat(n))).is_ok());
    assert_too_deep(&format!("{}x", "-".repeat(n + 1)));
    assert!(parse(&format!("x{}", "'".repeat(n))).is_ok());
    assert_too_deep(&format!("x{}", "'".repeat(n + 1)));
}

#[test]
fn huge_nesting_is_refused_quickly() {
    assert_too_deep(&"(".repeat(100_000));
    assert_too_deep(&format!("{}x", "-".repeat(100_000)));
    assert_too_deep(&format!("x{}", "'".repeat(100_000)));
    assert_too_deep(&"‖".repeat(100_000));
    assert_too_deep(&format!("{}x", "σ(".repeat(100_000)));
}

#[test]
fn the_callers_stack_does_not_matter() {
    // The deepest mixture of every level, parsed from a thread whose own
    // stack could not hold it.
    let level = "(a + b c ∘ d ⊗ e : -f^T(";
    let src = format!("{}x{}", level.repeat(MAX_DEPTH / 2 - 1), "))".repeat(MAX_DEPTH / 2 - 1));
    // The AST is handed back whole: dropping it recurses with its depth,
    // which is the caller's business (here the test thread's), not parsing's.
    let handle = std::thread::Builder::new().stack_size(64 << 10).spawn(move || parse(&src).map_err(|e| e.render(&src))).unwrap();
    let program = handle.join().unwrap();
    assert!(program.is_ok(), "{program:?}");
}

#[test]
fn long_sums_and_products_parse_fast() {
    let sum: Vec<String> = (0..20_000).map(|i| format!("x{i}")).collect();
    let (result, elapsed) = timed(&sum.join(" + "));
    let ast::Stmt::Expr(ast::Expr { kind: ast::ExprKind::Sum(_, terms), .. }) = &result.unwrap().stmts[0] else {
        panic!("not a sum")
    };
    assert_eq!(terms.len(), 19_999);
    assert!(elapsed < BUDGET, "20 000 terms took {elapsed:?}");

    let product: Vec<String> = (0..300).map(|i| format!("A{i}")).collect();
    let (result, elapsed) = timed(&product.join(" "));
    assert!(result.is_ok());
    assert!(elapsed < BUDGET / 10, "300 factors took {elapsed:?}");
}

// ---- properties ----

/// Pieces of the notation, and some of what students get wrong.
const ALPHABET: &[&str] = &[
    "x",
    "W",
    "A",
    "b",
    "e",
    "I",
    "T",
    "R",
    "σ",
    "θ",
    "Σ",
    "1",
    "2",
    "0",
    ".",
    "5",
    "(",
    ")",
    "‖",
    "||",
    "|",
    "^",
    "'",
    "ᵀ",
    "²",
    "⁻¹",
    "⁻",
    "-",
    "−",
    "+",
    "*",
    "/",
    "∘",
    "⊗",
    ":",
    "=",
    ",",
    "_",
    "{",
    "}",
    "[",
    " ",
    "\n",
    ";",
    "#",
    "exp",
    "tr",
    "kron",
    "sigmod",
    "ones",
    "scalar",
    "𝟙",
    "ℝ",
    "∈",
    "×",
    "\\in",
    "\\times",
    "\t",
    ".^",
    "ab",
    "é",
    " : ",
    "R^{",
    "5×4",
    "∈ R^",
    "\\mathbb{R}",
    "e+",
    "E-",
    "1_",
    "_{",
    "\r\n",
    "θ×",
    "x, ",
    "\\frac{",
    "\\sqrt",
    "\\hat{",
    "\\bar ",
    "\\left(",
    "\\right",
    "\\\\",
    "&",
    "\\sigma",
    "\\mathbf{",
    "\\operatorname{",
    "\\begin{aligned}",
    "\\|",
    "^{\\circ ",
    "^∘",
    "ŷ",
    "\u{304}",
    "½",
    "⁻ᵀ",
    "₁₂",
    "%",
];

fn assert_within(src: &str, span: matdiff::diagnostic::Span) {
    assert!(span.start <= span.end && span.end <= src.len(), "span {span:?} outside {src:?}");
    assert!(src.is_char_boundary(span.start) && src.is_char_boundary(span.end), "span {span:?} splits a char");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics_and_stays_in_bounds(pieces in proptest::collection::vec(proptest::sample::select(ALPHABET), 0..40)) {
        let src: String = pieces.concat();
        let (result, elapsed) = timed(&src);
        prop_assert!(elapsed < BUDGET, "{src:?} took {elapsed:?}");
        match result {
            Ok(program) => {
                let _ = sexpr::program(&program);
            }
            Err(error) => {
                prop_assert!(!error.message.is_empty());
                for label in &error.labels {
                    assert_within(&src, label.span);
                }
                let rendered = error.render(&src);
                prop_assert!(rendered.starts_with("error: "));
            }
        }
    }
}
