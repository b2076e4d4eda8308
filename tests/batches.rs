//! Batches: softmax, logsoftmax and logsumexp of a matrix, column by column
//! (samples are columns), and Hessians in several variables with their
//! cross blocks. `run` checks every result against finite differences of
//! the program before it returns, so each program here is a numeric test of
//! the differentials it goes through (dS = S ∘ (dZ − 𝟙𝟙ᵀ(S ∘ dZ)),
//! d logsumexp(Z) = 𝟙ᵀ(S ∘ dZ)), of their adjoints, Jacobians and Hessians.

use matdiff::ir::{Graph, NameInfo, NameKind, Props};
use matdiff::name::Name;
use matdiff::numeric::{Point, Value, eval};
use matdiff::shape::{Dim, Shape};
use matdiff::{Format, Options};

fn run(src: &str, wrt: &str, hessian: bool, format: Format) -> String {
    let opts = Options { wrt: vec![wrt.to_string()], hessian, format, ..Options::default() };
    matdiff::run(src, &opts).unwrap_or_else(|e| panic!("{src} --wrt {wrt}: {e:?}"))
}

/// Gradients, Jacobians, Hessians (with cross blocks) and derivations
/// through matrix softmax, logsoftmax and logsumexp, each checked.
#[test]
fn column_by_column_functions_are_differentiated_and_checked() {
    let grads = [
        ("L = -Y : log(softmax(W X + b 𝟙^T))", "W,b,X"),
        ("L = -Y : logsoftmax(W X)", "W,X,Y"),
        ("L = -Y : log(softmax((X W)^T)^T)", "W,X"),
        ("f = logsumexp(W X) u", "W,X,u"),
        ("f = sum(logsumexp(A)) + tr(softmax(A) B)", "A,B"),
        ("P = softmax(K Q^T / sqrt(τ)); f = G : (V^T P)", "Q,K,V,τ"),
        ("S = softmax(A ∘ B); f = ||S - C||_F^2", "A,B"),
    ];
    for (src, wrt) in grads {
        let out = run(src, wrt, false, Format::Unicode);
        assert!(out.contains("column by column"), "{src}: no remark on columns\n{out}");
        let steps = Options { wrt: vec![wrt.to_string()], steps: true, ..Options::default() };
        matdiff::run(src, &steps).unwrap_or_else(|e| panic!("{src} --steps: {e:?}"));
    }
    // Jacobians of the matrices themselves
    for (src, wrt) in [("S = softmax(W X)", "W,X"), ("L = logsumexp(A)", "A"), ("Z = logsoftmax(A B)", "A,B")] {
        run(src, wrt, false, Format::Unicode);
    }
    // Hessians, every block
    for (src, wrt) in [("f = logsumexp(A) u", "A,u"), ("L = -Y : log(softmax(W X))", "W,X")] {
        run(src, wrt, true, Format::Unicode);
    }
}

/// The attention gradient applies the softmax Jacobian column by column,
/// with no Kronecker product or Diag of a vec in sight, and the NumPy
/// module vectorizes softmax along axis 0.
#[test]
fn attention_gradients_stay_column_by_column() {
    let src = "Q : m×d\nK : n×d\nV : n×e\nP = softmax(K Q^T / sqrt(d))\nf = G : (V^T P)";
    let out = run(src, "Q,K,V", false, Format::Unicode);
    assert!(!out.contains('⊗') && !out.contains("Diag"), "{out}");
    assert!(out.contains("P ∘ (VG − 𝟙𝟙ᵀ(P ∘ VG))"), "{out}");
    let py = run(src, "Q,K,V", false, Format::Numpy);
    // no loop over columns (the argument checks loop over arguments)
    assert!(py.contains("axis=0") && !py.contains("range("), "{py}");
}

/// The course form of batch softmax cross-entropy, as honest as the
/// declarations allow (without Y's columns summing to one, 𝟙𝟙ᵀY stays).
#[test]
fn batch_cross_entropy_reads_like_a_course() {
    let out = run("W : k×d\nX : d×n\nY : k×n\nL = -Y : log(softmax(W X + b 𝟙^T))", "W", false, Format::Unicode);
    assert!(out.starts_with("∂L/∂W = (P ∘ 𝟙𝟙ᵀY − Y)Xᵀ\n"), "{out}");
}

/// Evaluation: a matrix column by column, a row vector over its entries.
#[test]
fn softmax_and_logsumexp_of_a_matrix_work_per_column() {
    let mut g = Graph::new();
    let z = Name::new("Z");
    g.declare(
        z,
        NameInfo {
            shape: Shape::new(Dim::int(2), Dim::int(3)),
            props: Props::NONE,
            kind: NameKind::Variable,
            def: None,
            span: None,
        },
    );
    let zs = g.sym(z);
    let (s, l) = (g.softmax(zs), g.lse(zs));
    assert_eq!(g.shape(l), &Shape::new(Dim::int(1), Dim::int(3)));
    let mut at = Point::new();
    let value = Value::from_row_slice(2, 3, &[0.0, 1.0, 1000.0, 0.0, -1.0, 1000.0]);
    at.values.insert(z, value.clone());
    let got = eval(&g, &[s, l], &at).unwrap();
    for j in 0..3 {
        let (a, b) = (value[(0, j)], value[(1, j)]);
        let m = a.max(b);
        let lse = m + ((a - m).exp() + (b - m).exp()).ln();
        assert!((got[1][(0, j)] - lse).abs() < 1e-12 * lse.abs().max(1.0));
        assert!((got[0][(0, j)] - (a - lse).exp()).abs() < 1e-12);
        assert!((got[0][(1, j)] - (b - lse).exp()).abs() < 1e-12);
    }
}

/// Hessians in several variables: every block, the cross blocks keyed
/// `"x,y"` in NumPy (rows vec(x), columns vec(y)), named in every format.
#[test]
fn hessian_cross_blocks_in_every_format() {
    let src = "f = x^T A y + (x^T x)(y^T y)";
    let out = run(src, "x,y", true, Format::Unicode);
    assert!(out.contains("∂²f/∂x∂yᵀ = A + 4xyᵀ\n") && out.contains("∂²f/∂y∂xᵀ = (A + 4xyᵀ)ᵀ\n"), "{out}");
    let latex = run(src, "x,y", true, Format::Latex);
    assert!(latex.contains("\\frac{\\partial^{2} f}{\\partial x\\,\\partial y^{\\top}}"), "{latex}");
    let py = run(src, "x,y", true, Format::Numpy);
    assert!(py.contains("\"x,y\": np.reshape(") && py.contains("(np.size(x), np.size(y))"), "{py}");
    let json: serde_json::Value = serde_json::from_str(&run(src, "x,y", true, Format::Json)).unwrap();
    let wrts: Vec<&str> = json["results"].as_array().unwrap().iter().map(|r| r["wrt"].as_str().unwrap()).collect();
    assert_eq!(wrts, ["x", "x,y", "y,x", "y"]);
    // a scalar and a matrix: ∂²f/∂α∂vec(X)ᵀ is a row
    let out = run("f = α tr(X^T X) + α^3", "α,X", true, Format::Unicode);
    assert!(out.contains("∂²f/∂α∂vec(X)ᵀ = ") && out.contains("∂²f/∂vec(X)∂α = "), "{out}");
    // the derivation writes vec d(∂f/∂x) = H_xx vec(dx) + H_xy vec(dy)
    let opts = Options { wrt: vec!["x,y".into()], hessian: true, steps: true, ..Options::default() };
    let steps = matdiff::run(src, &opts).unwrap();
    assert!(steps.contains("vec(d(∂f/∂x)) = 2(yᵀy)Idx + (A + 4xyᵀ)dy"), "{steps}");
}
