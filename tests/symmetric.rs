//! Derivatives with respect to a symmetric variable (declared `symmetric`
//! or `spd`), against the convention of CONTRACT §2, evaluated at random
//! points that have the declared properties:
//!
//! - a gradient is symmetric and gives `df = G : dX` for every symmetric
//!   `dX` (so it is `sym(∇) = ½(∇ + ∇ᵀ)`, the only such matrix); the
//!   negative control: `∇ + ∇ᵀ − Diag(∇)`, which some references give, is
//!   symmetric too but fails the second half;
//! - a Jacobian `J` is the unconstrained one times `P = ½(I + K)`: `J K = J`,
//!   and `J vec(V)` is the derivative along every symmetric `V`;
//! - a Hessian `H` is `P H P`: `K H = H K = H`, and `vec(U)ᵀ H vec(V)` is the
//!   mixed second derivative along symmetric `U`, `V`;
//! - a diagonal variable likewise: a diagonal gradient, right along
//!   diagonal directions;
//! - a probability variable's derivatives are the unconstrained ones, its
//!   Hessian too (not simplified with `𝟙ᵀp = 1`).

use matdiff::name::Name;
use matdiff::numeric::{self, Point, Rng, Value};
use matdiff::{Derived, Options};

/// `derive` without the check (the test checks), for `wrt`.
fn derived(src: &str, wrt: &str, hessian: bool) -> Derived {
    let opts = Options { wrt: vec![wrt.to_string()], hessian, check: false, ..Options::default() };
    matdiff::derive(src, &opts).unwrap_or_else(|e| panic!("{src}: {e:?}"))
}

/// A point with the declared properties, and the function at it.
fn point(d: &Derived, rng: &mut Rng) -> Point {
    let g = &d.graph;
    let f = g.info(d.derivative.of).def.expect("a definition");
    let domains = numeric::infer_domains(g, &[f]);
    let sizes = numeric::draw_sizes(d.dims.iter().copied(), rng);
    numeric::draw_point(g, &d.variables, &domains, &sizes, rng)
}

fn symmetric_direction(n: usize, rng: &mut Rng) -> Value {
    numeric::draw(numeric::Domain::Any, n, n, true, rng)
}

/// The commutation matrix `K_{n,n}`: `K vec(X) = vec(Xᵀ)`.
fn commutation(n: usize) -> Value {
    let mut k = Value::zeros(n * n, n * n);
    for i in 0..n {
        for j in 0..n {
            k[(j + i * n, i + j * n)] = 1.0;
        }
    }
    k
}

fn vec(v: &Value) -> Value {
    Value::from_column_slice(v.len(), 1, v.as_slice())
}

fn close(got: f64, want: f64, tol: f64) -> bool {
    (got - want).abs() <= tol * want.abs().max(1.0)
}

/// Whether `grad` is symmetric and `grad : V = df(X)[V]` along three
/// symmetric `V` at `at`.
fn is_symmetric_gradient(d: &Derived, x: Name, grad: &Value, at: &Point, rng: &mut Rng) -> bool {
    let g = &d.graph;
    let f = g.info(d.derivative.of).def.expect("a definition");
    let symmetric = numeric::relative_error(&grad.transpose(), grad) < 1e-12;
    let gives_df = (0..3).all(|_| {
        let v = symmetric_direction(grad.nrows(), rng);
        let want = numeric::directional(&mut |p| numeric::eval_one(g, f, p), at, x, &v).expect("differences")[0];
        close(grad.dot(&v), want, 1e-6)
    });
    symmetric && gives_df
}

const GRADIENTS: &[(&str, &str)] = &[
    ("S : n×n, symmetric\nf = a^T S b", "S"),
    ("S : n×n, symmetric\nf = tr(S A S B)", "S"),
    ("Σ : n×n, spd\nμ : n\nf = -1/2 logdet(Σ) - 1/2 (x - μ)^T Σ^{-1} (x - μ)", "Σ"),
    ("Σ : n×n, spd\nf = logdet(Σ) + tr(A Σ^{-1})", "Σ"),
    ("S : n×n, symmetric\nf = sum(exp(S) ∘ A)", "S"),
];

#[test]
fn a_symmetric_gradient_is_symmetric_and_gives_df_on_symmetric_directions() {
    let mut rng = Rng::new(41);
    for &(src, x) in GRADIENTS {
        let d = derived(src, x, false);
        let x = Name::new(x);
        for _ in 0..3 {
            let at = point(&d, &mut rng);
            let grad = numeric::eval_one(&d.graph, d.derivative.entries[0].readable, &at).expect("defined at the point");
            assert!(is_symmetric_gradient(&d, x, &grad, &at, &mut rng), "{src}: ∂f/∂{x} = {grad}");
            let numpy = numeric::eval_one(&d.graph, d.derivative.entries[0].numpy, &at).expect("defined");
            assert!(numeric::relative_error(&numpy, &grad) < 1e-10, "{src}: the NumPy form differs");
        }
    }
}

/// The negative control: the form `∇ + ∇ᵀ − Diag(∇)` (here `2G − Diag(G)`,
/// for the symmetric `G`) is symmetric, and fails the test above.
#[test]
fn the_duplication_form_fails_that_test() {
    let mut rng = Rng::new(42);
    for &(src, x) in GRADIENTS {
        let d = derived(src, x, false);
        let at = point(&d, &mut rng);
        let grad = numeric::eval_one(&d.graph, d.derivative.entries[0].readable, &at).expect("defined at the point");
        let wrong = &grad * 2.0 - Value::from_diagonal(&grad.diagonal());
        assert!(!is_symmetric_gradient(&d, Name::new(x), &wrong, &at, &mut rng), "{src}: the test cannot fail");
        // and the unconstrained-looking halves fail the symmetry half
        let lopsided =
            &grad + (&grad - grad.transpose()) + Value::from_fn(grad.nrows(), grad.ncols(), |i, j| (i < j) as u8 as f64);
        assert!(!is_symmetric_gradient(&d, Name::new(x), &lopsided, &at, &mut rng), "{src}: an asymmetric form passes");
    }
}

#[test]
fn a_jacobian_takes_the_symmetrizer_on_the_variable_side() {
    let mut rng = Rng::new(43);
    for src in ["S : n×n, symmetric\nF = A S B", "S : n×n, spd\nF = S^{-1} a"] {
        let d = derived(src, "S", false);
        let g = &d.graph;
        let x = Name::new("S");
        let f = g.info(d.derivative.of).def.expect("a definition");
        let at = point(&d, &mut rng);
        let j = numeric::eval_one(g, d.derivative.entries[0].readable, &at).expect("defined");
        let n = at.values[&x].nrows();
        assert!(numeric::relative_error(&(&j * commutation(n)), &j) < 1e-12, "{src}: J K ≠ J");
        let v = symmetric_direction(n, &mut rng);
        let want = numeric::directional(&mut |p| numeric::eval_one(g, f, p), &at, x, &v).expect("differences");
        assert!(numeric::relative_error(&(&j * vec(&v)), &vec(&want)) < 1e-6, "{src}: J vec(V) ≠ dF");
    }
}

#[test]
fn a_hessian_is_p_h_p() {
    let mut rng = Rng::new(44);
    for src in ["S : n×n, symmetric\nf = tr(S A S B)", "Σ : n×n, spd\nf = logdet(Σ)", "S : n×n, symmetric\nf = x^T S^2 x"] {
        let d = derived(src, if src.contains('Σ') { "Σ" } else { "S" }, true);
        let g = &d.graph;
        let entry = &d.derivative.entries[0];
        let f = g.info(d.derivative.of).def.expect("a definition");
        let at = point(&d, &mut rng);
        let h = numeric::eval_one(g, entry.readable, &at).expect("defined");
        let n = at.values[&entry.wrt].nrows();
        let k = commutation(n);
        assert!(numeric::relative_error(&(&h * &k), &h) < 1e-12, "{src}: H K ≠ H");
        assert!(numeric::relative_error(&(&k * &h), &h) < 1e-12, "{src}: K H ≠ H");
        let (u, v) = (symmetric_direction(n, &mut rng), symmetric_direction(n, &mut rng));
        let want = numeric::mixed_second(&mut |p| numeric::eval_one(g, f, p), &at, entry.wrt, &u, &v).expect("differences");
        let got = (vec(&u).transpose() * &h * vec(&v))[0];
        assert!(close(got, want[0], 1e-4), "{src}: uᵀHv = {got}, differences {}", want[0]);
    }
}

/// The output says which convention it used, and `--steps` shows the step.
#[test]
fn the_convention_is_stated() {
    let src = "S : n×n, symmetric\nf = a^T S b";
    let out = matdiff::run(src, &Options::default()).expect("runs");
    assert!(out.contains("∂f/∂S = ½(abᵀ + baᵀ)"), "{out}");
    assert!(out.contains("S is symmetric: ∂/∂S is the symmetric G with df = G : dS for every symmetric dS"), "{out}");
    let steps = matdiff::run(src, &Options { steps: true, format: matdiff::Format::Json, ..Options::default() }).expect("runs");
    assert!(steps.contains("symmetrize: dS symmetric"), "{steps}");
}

#[test]
fn a_diagonal_gradient_is_diagonal_and_gives_df_on_diagonal_directions() {
    let mut rng = Rng::new(45);
    for src in ["D : n×n, diagonal\nf = tr(D^T A)", "D : n×n, diagonal\nf = tr(D A D B)", "D : n×n, diagonal\nf = x^T D^{-1} x"]
    {
        let d = derived(src, "D", false);
        let g = &d.graph;
        let f = g.info(d.derivative.of).def.expect("a definition");
        let x = Name::new("D");
        let at = point(&d, &mut rng);
        let grad = numeric::eval_one(g, d.derivative.entries[0].readable, &at).expect("defined");
        assert_eq!(grad, Value::from_diagonal(&grad.diagonal()), "{src}: not diagonal");
        let n = grad.nrows();
        let v = Value::from_diagonal(&numeric::draw(numeric::Domain::Any, n, 1, false, &mut rng).column(0).into_owned());
        let want = numeric::directional(&mut |p| numeric::eval_one(g, f, p), &at, x, &v).expect("differences")[0];
        assert!(close(grad.dot(&v), want, 1e-6), "{src}: G : V ≠ df");
    }
}

/// `(𝟙ᵀp)²` has the Hessian `2𝟙𝟙ᵀ` off the simplex too: the run's check
/// (unconstrained directions) would fail a Hessian taken from a gradient
/// simplified with `𝟙ᵀp = 1`.
#[test]
fn a_probability_hessian_is_the_unconstrained_one() {
    let src = "p : n, probability\nf = (1_n^T p)^2 + p^T p";
    let out = matdiff::run(src, &Options { hessian: true, ..Options::default() }).expect("checked");
    assert!(out.contains("∂²f/∂p∂pᵀ = 2(I + 𝟙𝟙ᵀ)"), "{out}");
    let grad = matdiff::run(src, &Options::default()).expect("checked");
    assert!(grad.contains("∂f/∂p = 2(𝟙 + p)"), "{grad}");
}
