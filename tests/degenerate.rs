//! Degenerate but valid programs (issue: robustness): scalars everywhere,
//! 1×1 matrices, variables the function does not use, constant functions.
//! Each is derived and checked by `run` (finite differences included), and
//! its result is pinned here.

use matdiff::{Format, Options};

/// `(program, --wrt, --hessian, the Unicode result lines before the shapes
/// and check lines)`.
const CASES: &[(&str, &str, bool, &str)] = &[
    // scalars everywhere
    ("α, β : scalar\nf = α β + sin(α)", "", false, "∂f/∂α = β + cos(α)\n∂f/∂β = α"),
    ("α : scalar\nf = exp(α)^2 / 2", "", true, "∂²f/∂α² = 2r²\n  where r = exp(α)"),
    // 1×1 matrices and one-element vectors behave as scalars would
    ("a : 1×1\nf = a : a", "", false, "∂f/∂a = 2a"),
    ("X : 1×1\nf = logdet(X X^T + I)", "", false, "∂f/∂X = (2X)/(1 + X²)"),
    ("x : 1\nf = x^T x", "", false, "∂f/∂x = 2x"),
    // a variable the function does not use: zero, with its shape
    ("x : n\nA : n×m\nf = x^T x", "A,x", false, "∂f/∂A = 0_{n×m}\n∂f/∂x = 2x"),
    ("x : n\nu : 1×n\nf = x^T x", "u", false, "∂f/∂u = 0_{1×n}"),
    ("x : n\ny : 3\nF = 2x", "y", false, "∂F/∂y = 0_{n×3}"),
    // a constant function of declared variables: every derivative is zero
    ("x : n\nA : n×n\nf = 2", "", false, "∂f/∂x = 0_n\n∂f/∂A = 0_{n×n}"),
    ("x : n\nf = tr(I_n)", "", true, "∂²f/∂x∂xᵀ = 0_{n×n}"),
    // constant through a softmax (its columns sum to one): the adjoint of
    // αA is zero, and so is every result that uses it, not `α0_{n×n}`
    ("A : n×n\nf = sum(softmax(α A))", "", false, "∂f/∂α = 0\n∂f/∂A = 0_{n×n}"),
];

#[test]
fn degenerate_programs_have_checked_results() {
    for &(src, wrt, hessian, want) in CASES {
        let wrt = wrt.split(',').filter(|w| !w.is_empty()).map(String::from).collect();
        let opts = Options { wrt, hessian, format: Format::Unicode, ..Options::default() };
        let out = matdiff::run(src, &opts).unwrap_or_else(|e| panic!("{src}:\n{}", e.render(src, None)));
        let (result, check) = out.split_once("\n  checked: ").unwrap_or_else(|| panic!("{src}: no check line in\n{out}"));
        // (the shapes line, `  for x : n, …`, is pinned by the snapshots)
        let (result, shapes) = result.rsplit_once("\n  for ").unwrap_or_else(|| panic!("{src}: no shapes line in\n{out}"));
        assert!(!shapes.is_empty(), "{src}");
        assert_eq!(result, want, "{src}");
        assert!(check.starts_with("max relative error"), "{src}: {check}");
    }
}
