//! Evaluation checked against independently computed values, one operator
//! and one function at a time; finite differences through evaluation
//! against known derivatives (Matrix Cookbook (46), (59), (60), (57));
//! domain errors; depth.

use std::collections::HashMap;

use egg::Id;

use super::*;
use crate::ir::{Constant, Func, Graph, Math, NameInfo, NameKind, Props};
use crate::name::Name;
use crate::num::Number;
use crate::shape::{Dim, Shape};

fn n(s: &str) -> Name {
    Name::new(s)
}

fn dim(s: &str) -> Dim {
    Dim::named(n(s))
}

fn int(k: u64) -> Dim {
    Dim::int(k)
}

fn var(g: &mut Graph, name: &str, rows: Dim, cols: Dim) -> Id {
    g.declare(
        n(name),
        NameInfo { shape: Shape::new(rows, cols), props: Props::NONE, kind: NameKind::Variable, def: None, span: None },
    );
    g.sym(n(name))
}

fn define(g: &mut Graph, name: &str, def: Id) -> Id {
    let shape = g.shape(def).clone();
    g.declare(n(name), NameInfo { shape, props: Props::NONE, kind: NameKind::Definition, def: Some(def), span: None });
    g.sym(n(name))
}

/// A matrix written row by row.
fn mat(rows: usize, cols: usize, entries: &[f64]) -> Value {
    Value::from_row_slice(rows, cols, entries)
}

fn col(entries: &[f64]) -> Value {
    Value::from_column_slice(entries.len(), 1, entries)
}

fn num(x: f64) -> Value {
    Value::from_element(1, 1, x)
}

fn point(values: &[(&str, Value)]) -> Point {
    let mut p = Point::new();
    for (name, v) in values {
        p.values.insert(n(name), v.clone());
    }
    p
}

fn normal(rows: usize, cols: usize, rng: &mut Rng) -> Value {
    Value::from_fn(rows, cols, |_, _| rng.normal())
}

#[track_caller]
fn assert_close(got: &Value, want: &Value, tol: f64) {
    let e = relative_error(got, want);
    assert!(e <= tol, "relative error {e:e}\n got {got}\nwant {want}");
}

/// Evaluates `root` where `A` is 2×3, `B` 2×3, `C` 3×2, `S` 3×3 and `x` 3.
struct Fixture {
    g: Graph,
    a: Id,
    b: Id,
    c: Id,
    s: Id,
    x: Id,
    at: Point,
}

impl Fixture {
    fn new() -> Fixture {
        let mut g = Graph::new();
        let a = var(&mut g, "A", int(2), int(3));
        let b = var(&mut g, "B", int(2), int(3));
        let c = var(&mut g, "C", int(3), int(2));
        let s = var(&mut g, "S", int(3), int(3));
        let x = var(&mut g, "x", int(3), int(1));
        let at = point(&[
            ("A", mat(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])),
            ("B", mat(2, 3, &[0.5, -1.0, 2.0, 0.0, 3.0, -2.0])),
            ("C", mat(3, 2, &[1.0, 0.0, -1.0, 2.0, 0.5, 1.0])),
            ("S", mat(3, 3, &[4.0, 1.0, 0.0, 1.0, 3.0, 1.0, 0.0, 1.0, 2.0])),
            ("x", col(&[1.0, -2.0, 0.5])),
        ]);
        Fixture { g, a, b, c, s, x, at }
    }
    fn value(&self, id: Id) -> Value {
        self.at.values[&match self.g.node(id) {
            Math::Sym(name) => *name,
            _ => panic!("not a variable"),
        }]
            .clone()
    }
    fn eval(&self, root: Id) -> Value {
        eval_one(&self.g, root, &self.at).unwrap()
    }
    fn fails(&self, root: Id) -> EvalError {
        eval_one(&self.g, root, &self.at).unwrap_err()
    }
}

// ---- operators --------------------------------------------------------------

#[test]
fn sums_products_and_scaling() {
    let mut f = Fixture::new();
    let (a, b, c) = (f.value(f.a), f.value(f.b), f.value(f.c));
    let sum = f.g.add(f.a, f.b);
    let diff = f.g.sub(f.a, f.b);
    let prod = f.g.mul(f.a, f.c);
    let two = f.g.int(2);
    let scaled = f.g.mul(two, f.a);
    // scaling with the scalar on the right, which `mul` would reorder
    let right = f.g.raw(Math::Mul([f.a, two]));
    assert_eq!(f.eval(sum), mat(2, 3, &[1.5, 1.0, 5.0, 4.0, 8.0, 4.0]));
    assert_eq!(f.eval(diff), &a - &b);
    // row i of A times column j of C, written out
    let want = Value::from_fn(2, 2, |i, j| (0..3).map(|k| a[(i, k)] * c[(k, j)]).sum());
    assert_eq!(f.eval(prod), want);
    assert_eq!(f.eval(scaled), &a * 2.0);
    assert_eq!(f.eval(right), &a * 2.0);
    let half = f.g.num(Number::Rat(1, 2));
    let h = f.g.mul(half, f.a);
    assert_eq!(f.eval(h), &a * 0.5);
}

#[test]
fn hadamard_transpose_frobenius() {
    let mut f = Fixture::new();
    let (a, b) = (f.value(f.a), f.value(f.b));
    let had = f.g.had(f.a, f.b);
    assert_eq!(f.eval(had), Value::from_fn(2, 3, |i, j| a[(i, j)] * b[(i, j)]));
    let t = f.g.trans(f.a);
    assert_eq!(f.eval(t), mat(3, 2, &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]));
    // A : B = Σ A∘B = tr(AᵀB)
    let frob = f.g.frob(f.a, f.b);
    let got = f.eval(frob);
    let mut sum = 0.0;
    for i in 0..2 {
        for j in 0..3 {
            sum += a[(i, j)] * b[(i, j)];
        }
    }
    assert_eq!(got, num(sum));
    assert!((got[0] - (a.transpose() * &b).trace()).abs() < 1e-12);
}

#[test]
fn kronecker_is_the_block_matrix() {
    let mut f = Fixture::new();
    let (a, c) = (f.value(f.a), f.value(f.c));
    let k = f.g.kron(f.a, f.c);
    let got = f.eval(k);
    assert_eq!(got.shape(), (6, 6));
    // block (i, j) is A[i,j]·C
    for i in 0..2 {
        for j in 0..3 {
            for p in 0..3 {
                for q in 0..2 {
                    assert_eq!(got[(3 * i + p, 2 * j + q)], a[(i, j)] * c[(p, q)]);
                }
            }
        }
    }
}

#[test]
fn matrix_and_scalar_powers() {
    let mut f = Fixture::new();
    let s = f.value(f.s);
    let sq = f.g.pow(f.s, Number::int(2));
    assert_close(&f.eval(sq), &(&s * &s), 1e-15);
    let cube = f.g.pow(f.s, Number::int(3));
    assert_close(&f.eval(cube), &(&s * &s * &s), 1e-15);
    let zero = f.g.pow(f.s, Number::ZERO);
    assert_eq!(f.eval(zero), Value::identity(3, 3));
    let inv = f.g.inv(f.s);
    assert_close(&(f.eval(inv) * &s), &Value::identity(3, 3), 1e-14);
    let inv2 = f.g.pow(f.s, Number::int(-2));
    assert_close(&(f.eval(inv2) * &s * &s), &Value::identity(3, 3), 1e-14);
    let root = f.g.pow(f.s, Number::Rat(1, 2));
    assert!(matches!(f.fails(root), EvalError::Unsupported(_)));

    let mut g = Graph::new();
    let k = var(&mut g, "κ", int(1), int(1));
    let at = |x: f64| point(&[("κ", num(x))]);
    let half = g.pow(k, Number::Rat(1, 2));
    let cube = g.pow(k, Number::int(3));
    let recip = g.inv(k);
    let real = g.pow(k, Number::Real(1.5e-3));
    assert_close(&eval_one(&g, half, &at(2.0)).unwrap(), &num(2f64.sqrt()), 1e-16);
    assert_eq!(eval_one(&g, cube, &at(-2.0)).unwrap(), num(-8.0));
    assert_eq!(eval_one(&g, recip, &at(-4.0)).unwrap(), num(-0.25));
    assert_close(&eval_one(&g, real, &at(3.0)).unwrap(), &num(3f64.powf(1.5e-3)), 1e-16);
    assert!(eval_one(&g, half, &at(-2.0)).unwrap_err().is_domain());
    assert!(eval_one(&g, recip, &at(0.0)).unwrap_err().is_domain());
}

#[test]
fn elementwise_powers() {
    let mut f = Fixture::new();
    let a = f.value(f.a);
    let sq = f.g.epow(f.a, Number::int(2));
    assert_eq!(f.eval(sq), a.map(|x| x * x));
    let recip = f.g.epow(f.a, Number::MINUS_ONE);
    assert_close(&f.eval(recip), &a.map(|x| 1.0 / x), 1e-16);
    let root = f.g.epow(f.a, Number::Rat(1, 2));
    assert_close(&f.eval(root), &a.map(f64::sqrt), 1e-16);
    // B has a negative entry and a zero
    let root_b = f.g.epow(f.b, Number::Rat(1, 2));
    assert!(f.fails(root_b).is_domain());
    let recip_b = f.g.epow(f.b, Number::MINUS_ONE);
    assert!(f.fails(recip_b).is_domain());
    let cube_b = f.g.epow(f.b, Number::int(3));
    assert_eq!(f.eval(cube_b), f.value(f.b).map(|x| x * x * x));
}

#[test]
fn every_function_elementwise() {
    let xs = [-800.0, -3.0, -0.5, 0.0, 0.25, 2.0, 800.0];
    let mut g = Graph::new();
    let x = var(&mut g, "x", int(7), int(1));
    let at = point(&[("x", col(&xs))]);
    // independent closed forms, written naively and evaluated where they are exact enough
    let want = |f: Func, x: f64| -> f64 {
        match f {
            Func::Sigmoid if x.abs() > 700.0 => (x > 0.0) as u8 as f64,
            Func::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Func::Tanh => x.tanh(),
            Func::Exp => x.exp(),
            Func::Log => x.ln(),
            Func::Sqrt => x.sqrt(),
            Func::Softplus if x > 700.0 => x,
            Func::Softplus => (1.0 + x.exp()).ln(),
            Func::Relu => x.max(0.0),
            Func::Sin => x.sin(),
            Func::Cos => x.cos(),
            Func::Abs => x.abs(),
            Func::Step => (x > 0.0) as u8 as f64,
            Func::Sign => (x > 0.0) as u8 as f64 - (x < 0.0) as u8 as f64,
        }
    };
    for f in Func::ALL {
        let root = g.map(f, x);
        match f {
            Func::Exp => assert!(eval_one(&g, root, &at).unwrap_err().is_domain(), "exp(800) overflows"),
            Func::Log | Func::Sqrt => assert!(eval_one(&g, root, &at).unwrap_err().is_domain(), "{f} of negatives"),
            _ => {
                let got = eval_one(&g, root, &at).unwrap();
                let expected = col(&xs.map(|x| want(f, x)));
                assert_close(&got, &expected, 1e-15);
            }
        }
    }
    let ys = [0.5, 1.0, 3.0];
    let y = var(&mut g, "y", int(3), int(1));
    let at = point(&[("y", col(&ys))]);
    for f in [Func::Exp, Func::Log, Func::Sqrt] {
        let root = g.map(f, y);
        assert_close(&eval_one(&g, root, &at).unwrap(), &col(&ys.map(|x| want(f, x))), 1e-15);
    }
    // the sign and step of zero are zero, sigmoid(0) is ½
    let z = g.map(Func::Sign, y);
    let zero = point(&[("y", Value::zeros(3, 1))]);
    assert_eq!(eval_one(&g, z, &zero).unwrap(), Value::zeros(3, 1));
    let s = g.map(Func::Sigmoid, y);
    assert_eq!(eval_one(&g, s, &zero).unwrap(), Value::from_element(3, 1, 0.5));
}

#[test]
fn softmax_and_logsumexp_of_columns_and_rows() {
    let mut g = Graph::new();
    let x = var(&mut g, "x", int(4), int(1));
    let r = var(&mut g, "r", int(1), int(4));
    let xs: [f64; 4] = [0.5, -1.0, 2.0, 0.0];
    let naive: Vec<f64> = {
        let e: Vec<f64> = xs.iter().map(|x| x.exp()).collect();
        let s: f64 = e.iter().sum();
        e.iter().map(|e| e / s).collect()
    };
    let lse_naive = xs.iter().map(|x| x.exp()).sum::<f64>().ln();
    let (sx, sr) = (g.softmax(x), g.softmax(r));
    let (lx, lr) = (g.lse(x), g.lse(r));
    for shift in [0.0, 1000.0, -1000.0] {
        let shifted: Vec<f64> = xs.iter().map(|x| x + shift).collect();
        let at = point(&[("x", col(&shifted)), ("r", mat(1, 4, &shifted))]);
        let got = eval(&g, &[sx, sr, lx, lr], &at).unwrap();
        assert_close(&got[0], &col(&naive), 1e-15);
        assert_close(&got[1], &mat(1, 4, &naive), 1e-15);
        assert!((got[0].sum() - 1.0).abs() < 1e-15);
        // lse(x + c) = lse(x) + c
        assert!((got[2][0] - (lse_naive + shift)).abs() <= 1e-15 * (1.0 + shift.abs()));
        assert_eq!(got[2], got[3]);
    }
}

#[test]
fn reductions_det_and_logdet() {
    let mut f = Fixture::new();
    let (a, s) = (f.value(f.a), f.value(f.s));
    let sum = f.g.sum(f.a);
    assert_eq!(f.eval(sum), num(21.0));
    let tr = f.g.tr(f.s);
    assert_eq!(f.eval(tr), num(9.0));
    let norm = f.g.norm(f.a);
    assert_close(&f.eval(norm), &num(a.iter().map(|x| x * x).sum::<f64>().sqrt()), 1e-16);
    let vnorm = f.g.norm(f.x);
    assert_close(&f.eval(vnorm), &num((1.0f64 + 4.0 + 0.25).sqrt()), 1e-16);

    // S is SPD: logdet S = 2 Σ log diag(chol S)
    let logdet = f.g.logdet(f.s);
    let chol = s.clone().cholesky().unwrap();
    let want = 2.0 * chol.l().diagonal().iter().map(|d| d.ln()).sum::<f64>();
    assert_close(&f.eval(logdet), &num(want), 1e-15);

    // det of a triangular matrix is the product of its diagonal
    let mut g = Graph::new();
    let t = var(&mut g, "T", int(4), int(4));
    let det = g.det(t);
    let ld = g.logdet(t);
    let upper = mat(4, 4, &[2.0, 7.0, -1.0, 3.0, 0.0, -3.0, 5.0, 1.0, 0.0, 0.0, 0.5, 9.0, 0.0, 0.0, 0.0, 4.0]);
    let got = eval(&g, &[det, ld], &point(&[("T", upper.clone())])).unwrap();
    assert_close(&got[0], &num(-12.0), 1e-15);
    assert_close(&got[1], &num(12f64.ln()), 1e-15);
    let got = eval(&g, &[det], &point(&[("T", upper.transpose())])).unwrap();
    assert_close(&got[0], &num(-12.0), 1e-15);
    // a row swap changes the sign
    let mut swapped = upper.clone();
    swapped.swap_rows(0, 3);
    assert_close(&eval_one(&g, det, &point(&[("T", swapped)])).unwrap(), &num(12.0), 1e-15);
}

#[test]
fn diagonals_vec_and_unvec() {
    let mut f = Fixture::new();
    let (a, s) = (f.value(f.a), f.value(f.s));
    let dm = f.g.diag_m(f.x);
    assert_eq!(f.eval(dm), mat(3, 3, &[1.0, 0.0, 0.0, 0.0, -2.0, 0.0, 0.0, 0.0, 0.5]));
    let xt = f.g.trans(f.x);
    let dmr = f.g.diag_m(xt);
    assert_eq!(f.eval(dmr), f.eval(dm));
    let dv = f.g.diag_v(f.s);
    assert_eq!(f.eval(dv), col(&[4.0, 3.0, 2.0]));
    // vec stacks columns
    let v = f.g.vec(f.a);
    assert_eq!(f.eval(v), col(&[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]));
    let back = f.g.unvec(v, Shape::new(int(2), int(3)));
    assert_eq!(f.eval(back), a);
    let other = f.g.unvec(v, Shape::new(int(3), int(2)));
    assert_eq!(f.eval(other), mat(3, 2, &[1.0, 5.0, 4.0, 3.0, 2.0, 6.0]));
    let vs = f.g.vec(f.s);
    let back = f.g.unvec(vs, Shape::new(int(3), int(3)));
    assert_eq!(f.eval(back), s);
}

#[test]
fn constants_and_the_commutation_matrix() {
    let mut g = Graph::new();
    let x = var(&mut g, "X", dim("m"), dim("n"));
    let (m, nn) = (dim("m"), dim("n"));
    let id = g.constant(Constant::Identity(m.clone()));
    let ones = g.constant(Constant::Ones(nn.clone()));
    let zero = g.constant(Constant::Zero(Shape::new(m.clone(), nn.clone())));
    let k = g.constant(Constant::Commutation(m.clone(), nn.clone()));
    let vx = g.vec(x);
    let kvx = g.mul(k, vx);
    let xt = g.trans(x);
    let vxt = g.vec(xt);
    let mut rng = Rng::new(4);
    let mut at = point(&[("X", normal(3, 4, &mut rng))]);
    at.sizes = HashMap::from([(n("m"), 3), (n("n"), 4)]);
    let got = eval(&g, &[id, ones, zero, kvx, vxt, k], &at).unwrap();
    assert_eq!(got[0], Value::identity(3, 3));
    assert_eq!(got[1], Value::from_element(4, 1, 1.0));
    assert_eq!(got[2], Value::zeros(3, 4));
    // K vec(X) = vec(Xᵀ), and K is a permutation matrix
    assert_eq!(got[3], got[4]);
    assert_eq!(got[5].shape(), (12, 12));
    assert_eq!(&got[5] * got[5].transpose(), Value::identity(12, 12));
    // K_{m,n}ᵀ = K_{n,m}
    let knm = g.constant(Constant::Commutation(nn, m));
    assert_eq!(eval_one(&g, knm, &at).unwrap(), got[5].transpose());
}

#[test]
fn definitions_are_evaluated_and_can_be_overridden() {
    let mut g = Graph::new();
    let w = var(&mut g, "W", int(2), int(3));
    let x = var(&mut g, "x", int(3), int(1));
    let wx = g.mul(w, x);
    let s = define(&mut g, "s", wx);
    let e = g.map(Func::Exp, s);
    let f = g.sum(e);
    let wv = mat(2, 3, &[1.0, 0.0, -1.0, 0.5, 0.5, 0.5]);
    let xv = col(&[1.0, 2.0, 3.0]);
    let sv = &wv * &xv;
    let at = point(&[("W", wv), ("x", xv)]);
    assert_close(&eval_one(&g, f, &at).unwrap(), &num(sv.map(f64::exp).sum()), 1e-15);
    assert_eq!(eval_one(&g, s, &at).unwrap(), sv);
    // a value for s overrides its definition: W and x are not needed then
    let only_s = point(&[("s", col(&[0.0, 1.0]))]);
    assert_close(&eval_one(&g, f, &only_s).unwrap(), &num(1.0 + 1f64.exp()), 1e-15);
    // but without either, x is missing
    let only_w = point(&[("W", mat(2, 3, &[0.0; 6]))]);
    assert_eq!(eval_one(&g, f, &only_w), Err(EvalError::Missing("no value for x".into())));
}

#[test]
fn differentials_take_their_values_from_the_point() {
    let mut g = Graph::new();
    let x = var(&mut g, "X", int(2), int(2));
    let dx = g.diff(n("X"));
    let xdx = g.mul(x, dx);
    let xv = mat(2, 2, &[1.0, 2.0, 3.0, 4.0]);
    let dv = mat(2, 2, &[0.0, 1.0, 1.0, 0.0]);
    let mut at = point(&[("X", xv.clone())]);
    assert!(matches!(eval_one(&g, xdx, &at), Err(EvalError::Missing(_))));
    at.diffs.insert(n("X"), dv.clone());
    assert_eq!(eval_one(&g, xdx, &at).unwrap(), &xv * &dv);
    // dX alone needs no value of X
    let at = Point { diffs: HashMap::from([(n("X"), dv.clone())]), ..Point::new() };
    assert_eq!(eval_one(&g, dx, &at).unwrap(), dv);
}

// ---- errors -----------------------------------------------------------------

#[test]
fn domain_errors_are_errors() {
    let mut g = Graph::new();
    let k = var(&mut g, "κ", int(1), int(1));
    let x = var(&mut g, "X", int(3), int(3));
    let log = g.map(Func::Log, k);
    let inv = g.inv(x);
    let logdet = g.logdet(x);
    let det = g.det(x);
    let singular = mat(3, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    let at = point(&[("κ", num(-1.0)), ("X", singular.clone())]);
    let err = eval_one(&g, log, &at).unwrap_err();
    assert_eq!(err, EvalError::Domain("log of a non-positive entry".into()));
    assert_eq!(eval_one(&g, inv, &at).unwrap_err(), EvalError::Domain("inverse of a singular matrix".into()));
    assert_eq!(eval_one(&g, logdet, &at).unwrap_err(), EvalError::Domain("logdet of a singular matrix".into()));
    // det of a singular matrix is (nearly) 0, not an error
    assert!(eval_one(&g, det, &at).unwrap()[0].abs() < 1e-12);
    // exactly singular and all zero
    let zeros = point(&[("X", Value::zeros(3, 3))]);
    assert!(eval_one(&g, inv, &zeros).unwrap_err().is_domain());
    assert!(eval_one(&g, logdet, &zeros).unwrap_err().is_domain());
    // badly conditioned, though no pivot is tiny
    let bad = mat(3, 3, &[1.0, 1e7, 0.0, 0.0, 1.0, 1e7, 0.0, 0.0, 1.0]);
    assert!(eval_one(&g, inv, &point(&[("X", bad)])).unwrap_err().is_domain());
    // a non-finite result anywhere
    let e = g.map(Func::Exp, k);
    let ee = g.map(Func::Exp, e);
    let err = eval_one(&g, ee, &point(&[("κ", num(10.0))])).unwrap_err();
    assert_eq!(err, EvalError::Domain("exp is not finite".into()));
    // a non-finite value given
    let err = eval_one(&g, e, &point(&[("κ", num(f64::NAN))])).unwrap_err();
    assert_eq!(err, EvalError::Domain("the value of κ is not finite".into()));
    assert!(err.to_string().starts_with("outside the domain"));
}

#[test]
fn inconsistent_points_are_errors_not_panics() {
    let mut g = Graph::new();
    let w = var(&mut g, "W", dim("m"), dim("n"));
    let x = var(&mut g, "x", dim("n"), int(1));
    let wx = g.mul(w, x);
    let mut at = point(&[("W", Value::zeros(3, 4)), ("x", Value::zeros(4, 1))]);
    assert!(matches!(eval_one(&g, wx, &at), Err(EvalError::Missing(m)) if m.contains("size")));
    at.sizes = HashMap::from([(n("m"), 3), (n("n"), 5)]);
    assert!(matches!(eval_one(&g, wx, &at), Err(EvalError::Size(_))));
    at.sizes.insert(n("n"), 4);
    assert_eq!(eval_one(&g, wx, &at).unwrap(), Value::zeros(3, 1));
    at.values.insert(n("x"), Value::zeros(3, 1));
    assert!(matches!(eval_one(&g, wx, &at), Err(EvalError::Size(_))));
    at.sizes.insert(n("n"), 0);
    assert!(matches!(eval_one(&g, wx, &at), Err(EvalError::Size(_))));
    at.sizes.insert(n("n"), usize::MAX);
    assert!(matches!(eval_one(&g, wx, &at), Err(EvalError::TooLarge(_))));
    assert!(matches!(eval(&g, &[Id::from(1000)], &at), Err(EvalError::Malformed(_))));
}

#[test]
fn a_definition_built_after_its_name_is_evaluated_first() {
    // simplification replaces an adjoint's definition by a newer node
    let mut g = Graph::new();
    let x = var(&mut g, "x", int(1), int(1));
    let s = var(&mut g, "s", int(1), int(1));
    let late = g.map(Func::Exp, x);
    g.names.get_mut(&n("s")).unwrap().def = Some(late);
    let at = point(&[("x", num(0.0))]);
    assert_eq!(eval_one(&g, s, &at).unwrap(), num(1.0));
}

#[test]
fn a_name_defined_through_itself_is_refused() {
    let mut g = Graph::new();
    let x = var(&mut g, "x", int(1), int(1));
    let s = var(&mut g, "s", int(1), int(1));
    let cyclic = g.add(x, s);
    g.names.get_mut(&n("s")).unwrap().def = Some(cyclic);
    let at = point(&[("x", num(0.0))]);
    assert!(matches!(eval_one(&g, s, &at), Err(EvalError::Malformed(_))));
}

#[test]
fn unreachable_nodes_are_not_evaluated() {
    let mut g = Graph::new();
    let x = var(&mut g, "x", int(1), int(1));
    let y = var(&mut g, "y", int(1), int(1));
    let bad = g.map(Func::Log, y);
    let good = g.map(Func::Exp, x);
    let both = g.add(good, bad);
    let at = point(&[("x", num(0.0))]);
    assert_eq!(eval_one(&g, good, &at).unwrap(), num(1.0));
    assert!(eval_one(&g, both, &at).is_err());
    // several roots, repeated and sharing nodes
    let got = eval(&g, &[good, x, good], &at).unwrap();
    assert_eq!(got, vec![num(1.0), num(0.0), num(1.0)]);
}

#[test]
fn a_chain_of_a_hundred_thousand_sums_is_not_recursion() {
    let mut g = Graph::new();
    let x = var(&mut g, "x", int(2), int(1));
    let mut acc = x;
    for _ in 0..100_000 {
        acc = g.add(acc, x);
    }
    let at = point(&[("x", col(&[1.0, -0.5]))]);
    // a small stack, so that recursion on depth would overflow it
    let got = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let domains = infer_domains(&g, &[acc]);
            (eval_one(&g, acc, &at), domains.len())
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(got.0.unwrap(), col(&[100_001.0, -50_000.5]));
    assert_eq!(got.1, 0);
}

// ---- finite differences through evaluation ---------------------------------

/// Directional derivative of `root` in `var` at `at`, by finite differences.
fn fd(g: &Graph, root: Id, at: &Point, var: &str, dir: &Value) -> Value {
    directional(&mut |p| eval_one(g, root, p), at, n(var), dir).unwrap()
}

#[test]
fn finite_differences_of_exp_and_sigmoid() {
    let mut g = Graph::new();
    let x = var(&mut g, "X", int(3), int(2));
    let e = g.map(Func::Exp, x);
    let s = g.map(Func::Sigmoid, x);
    let mut rng = Rng::new(17);
    for _ in 0..10 {
        let xv = normal(3, 2, &mut rng);
        let d = normal(3, 2, &mut rng);
        let at = point(&[("X", xv.clone())]);
        // d exp(X) = exp(X) ∘ dX
        assert_close(&fd(&g, e, &at, "X", &d), &xv.map(f64::exp).component_mul(&d), 1e-8);
        // dσ(X) = σ(X) ∘ (1 − σ(X)) ∘ dX
        let sv = eval_one(&g, s, &at).unwrap();
        let want = sv.zip_map(&d, |s, d| s * (1.0 - s) * d);
        assert_close(&fd(&g, s, &at, "X", &d), &want, 1e-8);
    }
}

#[test]
fn finite_differences_of_det_and_inverse() {
    let mut g = Graph::new();
    let x = var(&mut g, "X", dim("n"), dim("n"));
    let det = g.det(x);
    let inv = g.inv(x);
    let ld = g.logdet(x);
    let domains = infer_domains(&g, &[det, inv]);
    assert_eq!(domains[&n("X")], Domain::WellConditioned);
    let mut rng = Rng::new(23);
    for size in 2..=6 {
        let sizes = HashMap::from([(n("n"), size)]);
        let at = draw_point(&g, &[n("X")], &domains, &sizes, &mut rng);
        let xv = at.values[&n("X")].clone();
        let xi = xv.clone().try_inverse().unwrap();
        let d = normal(size, size, &mut rng);
        // d det X = det X · tr(X⁻¹ dX)   (Matrix Cookbook (46))
        let want = num(xv.determinant() * (&xi * &d).trace());
        assert_close(&fd(&g, det, &at, "X", &d), &want, 1e-8);
        // d X⁻¹ = −X⁻¹ dX X⁻¹   (Matrix Cookbook (59))
        assert_close(&fd(&g, inv, &at, "X", &d), &-(&xi * &d * &xi), 1e-8);
        // d log|det X| = tr(X⁻¹ dX)   (Matrix Cookbook (57))
        assert_close(&fd(&g, ld, &at, "X", &d), &num((&xi * &d).trace()), 1e-8);
    }
}

#[test]
fn second_differences_of_logdet() {
    // ∂² logdet X [U, V] = −tr(X⁻¹ U X⁻¹ V)
    let mut g = Graph::new();
    let x = var(&mut g, "X", int(4), int(4));
    let ld = g.logdet(x);
    let domains = infer_domains(&g, &[ld]);
    assert_eq!(domains[&n("X")], Domain::Spd);
    let mut rng = Rng::new(29);
    for _ in 0..5 {
        let at = draw_point(&g, &[n("X")], &domains, &HashMap::new(), &mut rng);
        let xi = at.values[&n("X")].clone().try_inverse().unwrap();
        let (u, v) = (normal(4, 4, &mut rng), normal(4, 4, &mut rng));
        let got = mixed_second(&mut |p| eval_one(&g, ld, p), &at, n("X"), &u, &v).unwrap();
        let want = num(-(&xi * &u * &xi * &v).trace());
        assert_close(&got, &want, 1e-8);
    }
}

#[test]
fn drawn_points_are_inside_every_domain() {
    // f = sum(log X) + logdet S + tr(A⁻¹) + sqrt(Σ x) + sum(y ⊘ z)
    let mut g = Graph::new();
    let (nn, m) = (dim("n"), dim("m"));
    let xm = var(&mut g, "X", nn.clone(), m.clone());
    let s = var(&mut g, "S", nn.clone(), nn.clone());
    let a = var(&mut g, "A", m.clone(), m.clone());
    let x = var(&mut g, "x", nn.clone(), int(1));
    let y = var(&mut g, "y", m.clone(), int(1));
    let z = var(&mut g, "z", m.clone(), int(1));
    let t1 = g.map(Func::Log, xm);
    let t1 = g.sum(t1);
    let t2 = g.logdet(s);
    let ai = g.inv(a);
    let t3 = g.tr(ai);
    let sx = g.sum(x);
    let t4 = g.map(Func::Sqrt, sx);
    let zi = g.epow(z, Number::MINUS_ONE);
    let q = g.had(y, zi);
    let t5 = g.sum(q);
    let f = g.sum_of([t1, t2, t3, t4, t5], &Shape::scalar());
    let domains = infer_domains(&g, &[f]);
    let vars: Vec<Name> = ["X", "S", "A", "x", "y", "z"].map(n).to_vec();
    let mut rng = Rng::new(31);
    for _ in 0..50 {
        let sizes = draw_sizes([n("m"), n("n")], &mut rng);
        let at = draw_point(&g, &vars, &domains, &sizes, &mut rng);
        assert!(eval_one(&g, f, &at).is_ok());
        assert!(at.values[&n("S")].clone().cholesky().is_some());
        assert!(at.values[&n("A")].clone().try_inverse().is_some());
        // distinct sizes, so that a transposition mistake shows
        assert_ne!(sizes[&n("m")], sizes[&n("n")]);
    }
    let p = draw_point(&g, &vars, &domains, &draw_sizes([n("m"), n("n")], &mut Rng::new(1)), &mut Rng::new(2));
    // the same seeds give the same point, bit for bit
    let q = draw_point(&g, &vars, &domains, &draw_sizes([n("n"), n("m")], &mut Rng::new(1)), &mut Rng::new(2));
    assert_eq!(p.values, q.values);
}
