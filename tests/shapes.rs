//! Read as typed (CONTRACT §1): programs whose shapes inference must take as
//! written — numbers broadcast in sums, sizes used as numbers, `mean`, sizes
//! that are products, names declared with a size 1. Each is checked twice:
//! its value, as lowered, against an independent computation with nalgebra
//! (so the *reading* is verified, not only the derivative), and the whole
//! pipeline, whose check compares every derivative with finite differences.
//!
//! The programs that must be refused instead are in
//! `tests/errors/shapes/reinterpret_*.mdiff` (run by `tests/errors.rs`).

use std::collections::HashMap;

use matdiff::Options;
use matdiff::name::Name;
use matdiff::numeric::{Point, eval_one};
use nalgebra::DMatrix;

type M = DMatrix<f64>;
type Values = HashMap<String, M>;

/// A program and an independent computation of its function.
struct Case {
    src: &'static str,
    reference: fn(&Values) -> M,
}

fn scalar(x: f64) -> M {
    M::from_element(1, 1, x)
}

fn vec(a: &M) -> M {
    M::from_column_slice(a.len(), 1, a.as_slice())
}

fn sum(a: &M) -> f64 {
    a.iter().sum()
}

fn ones(a: &M) -> M {
    a.map(|_| 1.0)
}

/// Entries in (0.1, 0.9): inside the domain of every function used here.
fn values(src: &str, shapes: &[(Name, usize, usize)]) -> Values {
    let mut state = src.bytes().fold(0x9e37_79b9_u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let mut next = move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        0.1 + 0.8 * ((state >> 11) as f64 / (1u64 << 53) as f64)
    };
    shapes.iter().map(|(n, r, c)| (n.as_str().to_string(), M::from_fn(*r, *c, |_, _| next()))).collect()
}

/// The value of the program's function as matdiff reads it, and the
/// reference's, at one point (sizes 2, 3, 4… for the named dimensions).
fn both(case: &Case) -> (M, M) {
    let program = matdiff::syntax::parse(case.src).unwrap_or_else(|e| panic!("{}: {e:?}", case.src));
    let shapes = matdiff::shape::infer::infer(&program, case.src)
        .unwrap_or_else(|e| panic!("{}: refused:\n{}", case.src, e.render(case.src)));
    let lowered = matdiff::lower::lower(&program, &shapes, None).unwrap_or_else(|e| panic!("{}: {e:?}", case.src));
    let g = &lowered.graph;
    let mut point = Point::new();
    for (i, &d) in lowered.dims.iter().enumerate() {
        point.sizes.insert(d, 2 + i);
    }
    let size = |d: &matdiff::shape::Dim| d.eval(&|n| point.sizes[&n]);
    let shapes: Vec<(Name, usize, usize)> = lowered
        .variables
        .iter()
        .map(|&v| {
            let s = &g.info(v).shape;
            (v, size(&s.rows), size(&s.cols))
        })
        .collect();
    let vals = values(case.src, &shapes);
    for (name, value) in &vals {
        point.values.insert(Name::new(name), value.clone());
    }
    let def = g.info(lowered.function).def.expect("a definition");
    let got = eval_one(g, def, &point).unwrap_or_else(|e| panic!("{}: {e:?}", case.src));
    (got, (case.reference)(&vals))
}

fn assert_read_as_typed(cases: &[Case]) {
    for case in cases {
        let (got, want) = both(case);
        assert_eq!(got.shape(), want.shape(), "{}: read with another shape", case.src);
        let scale = want.iter().fold(1.0_f64, |m, x| m.max(x.abs()));
        let err = (&got - &want).iter().fold(0.0_f64, |m, x| m.max(x.abs())) / scale;
        assert!(err < 1e-12, "{}: {got} against {want}", case.src);
        if let Err(e) = matdiff::run(case.src, &Options::default()) {
            panic!("{}: {}", case.src, e.render(case.src, None));
        }
    }
}

fn v<'a>(vals: &'a Values, name: &str) -> &'a M {
    &vals[name]
}

#[test]
fn numbers_broadcast_in_sums() {
    assert_read_as_typed(&[
        Case {
            src: "f = sum((1 - X w).^2)",
            reference: |x| {
                let r = (v(x, "X") * v(x, "w")).map(|e| (1.0 - e).powi(2));
                scalar(sum(&r))
            },
        },
        Case { src: "f = 1 - p", reference: |x| v(x, "p").map(|e| 1.0 - e) },
        Case { src: "F = 2 - A", reference: |x| v(x, "A").map(|e| 2.0 - e) },
        Case { src: "f = sum(log(1 + exp(x)))", reference: |x| scalar(v(x, "x").iter().map(|e| (1.0 + e.exp()).ln()).sum()) },
        Case {
            // binary cross-entropy (parenthesized: `:` binds loosest in this parser)
            src: "L = -((y : log(p)) + ((1 - y) : log(1 - p)))",
            reference: |x| {
                let (y, p) = (v(x, "y"), v(x, "p"));
                scalar(-y.iter().zip(p.iter()).map(|(y, p)| y * p.ln() + (1.0 - y) * (1.0 - p).ln()).sum::<f64>())
            },
        },
        Case {
            src: "f = sum(log(1 + exp(-y ∘ (X w))))",
            reference: |x| {
                let z = v(x, "X") * v(x, "w");
                scalar(v(x, "y").iter().zip(z.iter()).map(|(y, z)| (1.0 + (-y * z).exp()).ln()).sum())
            },
        },
        Case {
            src: "f = logsumexp(x) - (y : x)",
            reference: |x| {
                let lse = v(x, "x").iter().map(|e| e.exp()).sum::<f64>().ln();
                scalar(lse - v(x, "y").dot(v(x, "x")))
            },
        },
        Case { src: "f = sum(1/2 - X)", reference: |x| scalar(sum(&v(x, "X").map(|e| 0.5 - e))) },
        Case { src: "f = sum(0.5 + 2 X - 3)", reference: |x| scalar(sum(&v(x, "X").map(|e| 0.5 + 2.0 * e - 3.0))) },
        Case { src: "f = x^T (1 - x) + 1", reference: |x| scalar(v(x, "x").dot(&v(x, "x").map(|e| 1.0 - e)) + 1.0) },
        Case {
            // a declared row vector: the number is added along the row (𝟙ᵀ)
            src: "x : 1×n\nf = (1 - x) y",
            reference: |x| v(x, "x").map(|e| 1.0 - e) * v(x, "y"),
        },
        Case { src: "f = sum(-(1 + 2) + x)", reference: |x| scalar(sum(&v(x, "x").map(|e| e - 3.0))) },
    ]);
}

#[test]
fn broadcasts_write_the_ones() {
    for (src, shown) in [("f = sum((1 - X w).^2)", "𝟙 − Xw"), ("f = sum(1/2 - X)", "𝟙𝟙ᵀ")] {
        let out = matdiff::run(src, &Options::default()).unwrap_or_else(|e| panic!("{src}: {}", e.render(src, None)));
        assert!(out.contains(shown), "{src}: no `{shown}` in\n{out}");
    }
}

#[test]
fn sizes_are_numbers() {
    assert_read_as_typed(&[
        Case {
            src: "X : n×d\nf = 1/n ||X w - y||^2",
            reference: |x| {
                let r = v(x, "X") * v(x, "w") - v(x, "y");
                scalar(r.norm_squared() / v(x, "X").nrows() as f64)
            },
        },
        Case {
            src: "K : n×d\nQ : m×d\nf = sum(K Q^T / sqrt(d))",
            reference: |x| scalar(sum(&(v(x, "K") * v(x, "Q").transpose())) / (v(x, "K").ncols() as f64).sqrt()),
        },
        Case { src: "x : n\nf = n x^T x", reference: |x| scalar(x["x"].nrows() as f64 * v(x, "x").norm_squared()) },
        Case { src: "x : n\nf = mean(x)", reference: |x| scalar(v(x, "x").mean()) },
        Case { src: "f = mean(X ∘ X)", reference: |x| scalar(v(x, "X").map(|e| e * e).mean()) },
        Case { src: "X : 3×4\nf = mean(X)", reference: |x| scalar(v(x, "X").mean()) },
        Case {
            src: "X : n×d\nf = mean((X w - y).^2)",
            reference: |x| scalar((v(x, "X") * v(x, "w") - v(x, "y")).map(|e| e * e).mean()),
        },
        Case { src: "f = mean(x) ones - x", reference: |x| ones(v(x, "x")) * v(x, "x").mean() - v(x, "x") },
    ]);
}

#[test]
fn sizes_as_numbers_print_their_names() {
    let src = "X : n×d\nf = 1/n ||X w - y||^2";
    let out = matdiff::run(src, &Options::default()).unwrap();
    assert!(out.contains("/n"), "{out}");
}

#[test]
fn products_of_sizes_unify() {
    assert_read_as_typed(&[
        Case { src: "f = vec(A)^T vec(X)", reference: |x| vec(v(x, "A")).transpose() * vec(v(x, "X")) },
        // a product size declared as matdiff prints it (`for x : mn`)
        Case { src: "A : m×n\nx : mn\nf = vec(A)^T x", reference: |x| vec(v(x, "A")).transpose() * v(x, "x") },
        Case { src: "f = vec(X) : vec(Y)", reference: |x| scalar(vec(v(x, "X")).dot(&vec(v(x, "Y")))) },
        Case {
            src: "f = vec(X)^T (A ⊗ B) vec(X)",
            reference: |x| vec(v(x, "X")).transpose() * v(x, "A").kronecker(v(x, "B")) * vec(v(x, "X")),
        },
        Case { src: "f = tr(A ⊗ X)", reference: |x| scalar(v(x, "A").kronecker(v(x, "X")).trace()) },
        Case {
            src: "f = (kron(C, s)(W_2 ⊗ y_0))(y_0 + y_0)",
            reference: |x| {
                let k = v(x, "C").kronecker(v(x, "s"));
                k * v(x, "W_2").kronecker(v(x, "y_0")) * (v(x, "y_0") * 2.0)
            },
        },
        Case { src: "f = sum(vec(A) + x)", reference: |x| scalar(sum(v(x, "A")) + sum(v(x, "x"))) },
    ]);
}

#[test]
fn declared_shapes_allow_what_conventions_refuse() {
    assert_read_as_typed(&[
        Case { src: "μ : m\nf = μ^T A x", reference: |x| v(x, "μ").transpose() * v(x, "A") * v(x, "x") },
        Case { src: "A : 1×n\nf = μ A x", reference: |x| v(x, "A") * v(x, "x") * v(x, "μ")[0] },
        Case {
            src: "A : n×1\nl = -(x - A μ)^T (x - A μ)",
            reference: |x| {
                let r = v(x, "x") - v(x, "A") * v(x, "μ")[0];
                scalar(-r.norm_squared())
            },
        },
        Case { src: "A : 1×m\nf = x A y", reference: |x| v(x, "x") * v(x, "A") * v(x, "y") },
        Case { src: "a : scalar\nf = tr(a)", reference: |x| v(x, "a").clone() },
        Case { src: "A : scalar\nf = sum(A + α)", reference: |x| v(x, "A").map(|e| e + v(x, "α")[0]) },
    ]);
}

#[test]
fn conventional_readings_stay() {
    assert_read_as_typed(&[
        Case { src: "F = α A", reference: |x| v(x, "A") * v(x, "α")[0] },
        Case { src: "f = x^T y", reference: |x| v(x, "x").transpose() * v(x, "y") },
        Case { src: "F = A x", reference: |x| v(x, "A") * v(x, "x") },
        Case { src: "f = x^T A x", reference: |x| v(x, "x").transpose() * v(x, "A") * v(x, "x") },
        Case {
            // a sum of Frobenius products, all three matrices m×n (n×m for B)
            src: "f = (A : X) + (B : X^T)",
            reference: |x| scalar(v(x, "A").dot(v(x, "X")) + v(x, "B").dot(&v(x, "X").transpose())),
        },
    ]);
}

/// Where a product of sizes must be factored, the factors are those of the
/// identities people use: `vec(A)ᵀvec(X)` with `A` and `X` alike, and
/// `(A ⊗ B) vec(X) = vec(B X Aᵀ)` with `X` of `B`'s columns by `A`'s.
#[test]
fn products_of_sizes_factor_as_the_identities_do() {
    let out = matdiff::run("f = vec(A)^T vec(X)", &Options::default()).unwrap();
    assert!(out.contains("∂f/∂A = X") && out.contains("∂f/∂X = A"), "{out}");
    let src = "F = (A ⊗ B) vec(X)";
    let program = matdiff::syntax::parse(src).unwrap();
    let shapes = matdiff::shape::infer::infer(&program, src).unwrap();
    let (a, b, x) = (&shapes.variables["A"], &shapes.variables["B"], &shapes.variables["X"]);
    assert_eq!((&x.rows, &x.cols), (&b.cols, &a.cols), "A {a}, B {b}, X {x}");
}
