//! The differentials of the batch functions (issue 13), one program per
//! row: softmax, logsoftmax and logsumexp of a matrix (column by column),
//! of rows by transposes, `mean`, and sizes as numbers (`1/n`, `sqrt(d)`).
//!
//! Each row is a program and an independent reference of its function,
//! written here in plain `f64` arithmetic. Every row is checked in every
//! variant that applies to it:
//!
//! - the differential itself (`diff::differential` of the function's
//!   expression, definitions written out), evaluated with `d(x)` set to a
//!   random direction, against the central difference of the reference
//!   along that direction;
//! - the gradient of a scalar, or the Jacobian `∂vec(F)/∂vec(X)` of a
//!   vector or matrix, entry by entry;
//! - the Hessian of a scalar, every block (cross blocks included), by the
//!   four-point formula.
//!
//! matdiff's results (the form for people and the form for NumPy) are
//! evaluated by its evaluator at the point; the finite differences are of
//! the reference, never of matdiff's evaluation (which only has to agree
//! with the reference at the point, so that the row tests what it says).
//!
//! Shapes are rectangular (3×4, 4×3, 3×2…) so that a rule that confuses
//! rows with columns meets a point that shows it. The negative control:
//! rows whose reference is a plausible misreading (softmax per row,
//! logsumexp per row, mean over rows only) and hand-built wrong
//! differentials must fail the same comparison.

use std::collections::HashMap;

use egg::Id;
use matdiff::diff::differential::differential;
use matdiff::ir::{Graph, NameKind};
use matdiff::name::Name;
use matdiff::numeric::{Point, Rng, Value, eval_one, size_of};
use matdiff::{Derived, Options, derive};

type Env = HashMap<Name, Value>;

/// The function of a row, written independently of matdiff.
type Reference = fn(&Env) -> Value;

struct Row {
    src: &'static str,
    /// The variables, comma-separated.
    wrt: &'static str,
    /// Sizes of the named dimensions.
    sizes: &'static [(&'static str, usize)],
    reference: Reference,
    /// For a scalar function: check the Hessian too.
    hessian: bool,
}

/// Tolerance on `max|got − want| / max(1, max|want|)` for first
/// derivatives and differentials (steps of 1e-5: errors near 1e-10).
const TOL1: f64 = 1e-6;
/// For Hessians (four-point differences with steps of 2e-4).
const TOL2: f64 = 1e-4;
/// A reference that disagrees with the program's own value by more than
/// this is a wrong row, not a finding.
const SAME_FUNCTION: f64 = 1e-10;

// ---- the reference arithmetic ---------------------------------------------

fn var<'a>(e: &'a Env, name: &str) -> &'a Value {
    e.get(&Name::new(name)).unwrap_or_else(|| panic!("no value for {name}"))
}

fn scalar(x: f64) -> Value {
    Value::from_element(1, 1, x)
}

/// Softmax of each column.
fn softmax_cols(z: &Value) -> Value {
    let mut s = z.clone();
    for mut col in s.column_iter_mut() {
        let m = col.max();
        col.apply(|x| *x = (*x - m).exp());
        let total = col.sum();
        col /= total;
    }
    s
}

/// Softmax of each row.
fn softmax_rows(z: &Value) -> Value {
    softmax_cols(&z.transpose()).transpose()
}

/// `log Σᵢ exp(zᵢⱼ)` for each column j: a row.
fn lse_cols(z: &Value) -> Value {
    Value::from_fn(1, z.ncols(), |_, j| {
        let col = z.column(j);
        let m = col.max();
        m + col.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
    })
}

/// `log Σⱼ exp(zᵢⱼ)` for each row i: a column.
fn lse_rows(z: &Value) -> Value {
    lse_cols(&z.transpose()).transpose()
}

/// `A : B`.
fn frob(a: &Value, b: &Value) -> f64 {
    a.component_mul(b).sum()
}

fn mean(a: &Value) -> f64 {
    a.sum() / a.len() as f64
}

fn sigmoid(a: &Value) -> Value {
    a.map(|x| 1.0 / (1.0 + (-x).exp()))
}

/// `a` with `v` added to each column (`a + v𝟙ᵀ`).
fn add_column(a: &Value, v: &Value) -> Value {
    Value::from_fn(a.nrows(), a.ncols(), |i, j| a[(i, j)] + v[i])
}

/// Layer normalization of a column: `(x − mean(x)) / sqrt(mean(c∘c) + 1/100)`.
fn layer_norm(x: &Value) -> Value {
    let c = x.map(|v| v - mean(x));
    let s = (mean(&c.component_mul(&c)) + 0.01).sqrt();
    c / s
}

/// `softmax(K Qᵀ / sqrt(d))`, `d` the columns of Q.
fn attention_weights(e: &Env) -> Value {
    let (q, k) = (var(e, "Q"), var(e, "K"));
    softmax_cols(&((k * q.transpose()) / (q.ncols() as f64).sqrt()))
}

// ---- the table --------------------------------------------------------------

/// No named dimension.
const NONE: &[(&str, usize)] = &[];

const ROWS: &[Row] = &[
    // softmax of a matrix, column by column
    Row { src: "Z : 3×4\nY = softmax(Z)", wrt: "Z", sizes: NONE, reference: |e| softmax_cols(var(e, "Z")), hessian: false },
    Row {
        src: "Z : 3×4\nG : 3×4\nf = G : softmax(Z)",
        wrt: "Z,G",
        sizes: NONE,
        reference: |e| scalar(frob(var(e, "G"), &softmax_cols(var(e, "Z")))),
        hessian: true,
    },
    Row {
        src: "Z : 4×3\nu : 4\nv : 3\nf = u^T softmax(Z) v",
        wrt: "Z",
        sizes: NONE,
        reference: |e| var(e, "u").transpose() * softmax_cols(var(e, "Z")) * var(e, "v"),
        hessian: true,
    },
    // of a one-column matrix (a vector), and of a row vector: over its entries
    Row { src: "z : 4\nY = softmax(z)", wrt: "z", sizes: NONE, reference: |e| softmax_cols(var(e, "z")), hessian: false },
    Row { src: "z : 1×4\nY = softmax(z)", wrt: "z", sizes: NONE, reference: |e| softmax_rows(var(e, "z")), hessian: false },
    // rows by transposes
    Row { src: "Z : 3×4\nY = softmax(Z^T)^T", wrt: "Z", sizes: NONE, reference: |e| softmax_rows(var(e, "Z")), hessian: false },
    Row {
        src: "Z : 3×4\nG : 3×4\nf = G : softmax(Z^T)^T",
        wrt: "Z",
        sizes: NONE,
        reference: |e| scalar(frob(var(e, "G"), &softmax_rows(var(e, "Z")))),
        hessian: true,
    },
    // logsoftmax, as its own function and as the composition people write
    Row {
        src: "Z : 3×4\nY = logsoftmax(Z)",
        wrt: "Z",
        sizes: NONE,
        reference: |e| softmax_cols(var(e, "Z")).map(f64::ln),
        hessian: false,
    },
    Row {
        src: "Z : 3×4\nY = log(softmax(Z))",
        wrt: "Z",
        sizes: NONE,
        reference: |e| softmax_cols(var(e, "Z")).map(f64::ln),
        hessian: false,
    },
    Row {
        src: "Z : 3×4\nG : 3×4\nf = G : logsoftmax(Z)",
        wrt: "Z",
        sizes: NONE,
        reference: |e| scalar(frob(var(e, "G"), &softmax_cols(var(e, "Z")).map(f64::ln))),
        hessian: true,
    },
    Row {
        src: "Z : 3×4\nG : 3×4\nf = G : log(softmax(Z))",
        wrt: "Z",
        sizes: NONE,
        reference: |e| scalar(frob(var(e, "G"), &softmax_cols(var(e, "Z")).map(f64::ln))),
        hessian: true,
    },
    Row {
        src: "Z : 3×4\nG : 3×4\nf = G : logsoftmax(Z^T)^T",
        wrt: "Z",
        sizes: NONE,
        reference: |e| scalar(frob(var(e, "G"), &softmax_rows(var(e, "Z")).map(f64::ln))),
        hessian: true,
    },
    // logsumexp of a matrix: a row, one entry per column
    Row { src: "Z : 3×4\nL = logsumexp(Z)", wrt: "Z", sizes: NONE, reference: |e| lse_cols(var(e, "Z")), hessian: false },
    Row {
        src: "Z : 3×4\nG : 1×4\nf = G : logsumexp(Z)",
        wrt: "Z,G",
        sizes: NONE,
        reference: |e| scalar(frob(var(e, "G"), &lse_cols(var(e, "Z")))),
        hessian: true,
    },
    Row {
        src: "Z : 4×3\nu : 3\nf = logsumexp(Z) u",
        wrt: "Z,u",
        sizes: NONE,
        reference: |e| lse_cols(var(e, "Z")) * var(e, "u"),
        hessian: true,
    },
    Row {
        src: "Z : 3×4\nf = sum(logsumexp(Z^T))",
        wrt: "Z",
        sizes: NONE,
        reference: |e| scalar(lse_rows(var(e, "Z")).sum()),
        hessian: true,
    },
    Row { src: "Z : 3×4\nL = logsumexp(Z^T)^T", wrt: "Z", sizes: NONE, reference: |e| lse_rows(var(e, "Z")), hessian: false },
    // batch softmax cross-entropy with a bias, samples as columns
    Row {
        src: "W : k×d\nX : d×n\nb : k\nY : k×n\nL = -Y : log(softmax(W X + b 𝟙^T))",
        wrt: "W,b,X",
        sizes: &[("k", 3), ("d", 2), ("n", 4)],
        reference: |e| {
            let z = add_column(&(var(e, "W") * var(e, "X")), var(e, "b"));
            scalar(-frob(var(e, "Y"), &softmax_cols(&z).map(f64::ln)))
        },
        hessian: true,
    },
    // mean
    Row { src: "X : 3×4\nf = mean(X)", wrt: "X", sizes: NONE, reference: |e| scalar(mean(var(e, "X"))), hessian: true },
    Row {
        src: "X : 3×4\nf = mean(X ∘ X)",
        wrt: "X",
        sizes: NONE,
        reference: |e| scalar(mean(&var(e, "X").component_mul(var(e, "X")))),
        hessian: true,
    },
    Row {
        src: "x : n\nf = mean(exp(x))",
        wrt: "x",
        sizes: &[("n", 5)],
        reference: |e| scalar(mean(&var(e, "x").map(f64::exp))),
        hessian: true,
    },
    Row {
        src: "X : 3×4\nY = X - mean(X) 𝟙 𝟙^T",
        wrt: "X",
        sizes: NONE,
        reference: |e| var(e, "X").map(|v| v - mean(var(e, "X"))),
        hessian: false,
    },
    Row {
        src: "X : 3×4\nY = mean(σ(X^T))",
        wrt: "X",
        sizes: NONE,
        reference: |e| scalar(mean(&sigmoid(var(e, "X")))),
        hessian: false,
    },
    // sizes as numbers
    Row {
        src: "X : n×d\nw : d\ny : n\nf = 1/n ||X w - y||^2",
        wrt: "w,X",
        sizes: &[("n", 5), ("d", 3)],
        reference: |e| scalar((var(e, "X") * var(e, "w") - var(e, "y")).norm_squared() / 5.0),
        hessian: true,
    },
    Row {
        src: "x : n\nA : n×m\nu : m\nf = sqrt(m) x^T A u / n + mean(x ∘ x)",
        wrt: "x,A",
        sizes: &[("n", 4), ("m", 3)],
        reference: |e| {
            let (x, a, u) = (var(e, "x"), var(e, "A"), var(e, "u"));
            scalar(3f64.sqrt() * (x.transpose() * a * u)[0] / 4.0 + mean(&x.component_mul(x)))
        },
        hessian: true,
    },
    Row {
        src: "X : d×n\nY = n X / sqrt(d) - X 𝟙 𝟙^T",
        wrt: "X",
        sizes: &[("n", 4), ("d", 3)],
        reference: |e| {
            let x = var(e, "X");
            let sums = Value::from_fn(3, 4, |i, _| x.row(i).sum());
            x * (4.0 / 3f64.sqrt()) - sums
        },
        hessian: false,
    },
    // attention, scaled by sqrt(d)
    Row {
        src: "Q : m×d\nK : n×d\nY = softmax(K Q^T / sqrt(d))",
        wrt: "Q,K",
        sizes: &[("m", 3), ("n", 4), ("d", 2)],
        reference: attention_weights,
        hessian: false,
    },
    Row {
        src: "Q : m×d\nK : n×d\nV : n×e\nG : e×m\nP = softmax(K Q^T / sqrt(d))\nf = G : (V^T P)",
        wrt: "Q,K,V",
        sizes: &[("m", 3), ("n", 4), ("d", 2), ("e", 2)],
        reference: |e| scalar(frob(var(e, "G"), &(var(e, "V").transpose() * attention_weights(e)))),
        hessian: true,
    },
    // layer normalization
    Row {
        src: "x : n\nc = x - mean(x) 𝟙\ns = sqrt(mean(c ∘ c) + 1/100)\nz = c / s",
        wrt: "x",
        sizes: &[("n", 5)],
        reference: |e| layer_norm(var(e, "x")),
        hessian: false,
    },
    Row {
        src: "x : n\nu : n\nc = x - mean(x) 𝟙\ns = sqrt(mean(c ∘ c) + 1/100)\nf = u^T c / s",
        wrt: "x",
        sizes: &[("n", 5)],
        reference: |e| var(e, "u").transpose() * layer_norm(var(e, "x")),
        hessian: true,
    },
];

/// The negative control: each reference is a plausible misreading of its
/// program (rows for columns, a mean over rows), so every variant must
/// disagree with matdiff.
const WRONG: &[Row] = &[
    Row { src: "Z : 3×4\nY = softmax(Z)", wrt: "Z", sizes: NONE, reference: |e| softmax_rows(var(e, "Z")), hessian: false },
    Row {
        src: "Z : 3×4\nG : 3×4\nf = G : softmax(Z)",
        wrt: "Z",
        sizes: NONE,
        reference: |e| scalar(frob(var(e, "G"), &softmax_rows(var(e, "Z")))),
        hessian: true,
    },
    Row { src: "Z : 3×4\nY = softmax(Z^T)^T", wrt: "Z", sizes: NONE, reference: |e| softmax_cols(var(e, "Z")), hessian: false },
    Row {
        src: "Z : 3×4\nY = logsoftmax(Z)",
        wrt: "Z",
        sizes: NONE,
        reference: |e| softmax_rows(var(e, "Z")).map(f64::ln),
        hessian: false,
    },
    Row {
        src: "Z : 3×4\nf = sum(logsumexp(Z))",
        wrt: "Z",
        sizes: NONE,
        reference: |e| scalar(lse_rows(var(e, "Z")).sum()),
        hessian: true,
    },
    Row {
        src: "X : 3×4\nf = mean(X ∘ X)",
        wrt: "X",
        sizes: NONE,
        reference: |e| scalar(var(e, "X").component_mul(var(e, "X")).sum() / 3.0),
        hessian: true,
    },
    Row {
        src: "X : n×d\nw : d\ny : n\nf = 1/n ||X w - y||^2",
        wrt: "w",
        sizes: &[("n", 5), ("d", 3)],
        reference: |e| scalar((var(e, "X") * var(e, "w") - var(e, "y")).norm_squared() / 3.0),
        hessian: true,
    },
];

// ---- finite differences of the reference -------------------------------------

/// `env` with the entries `k` of `vec(x)` moved by `delta`, in turn.
fn nudged(env: &Env, moves: &[(Name, usize, f64)]) -> Env {
    let mut e = env.clone();
    for &(x, k, delta) in moves {
        e.get_mut(&x).expect("a variable")[k] += delta;
    }
    e
}

/// `vec(a)`, as a column.
fn vec(a: &Value) -> Value {
    Value::from_column_slice(a.len(), 1, a.as_slice())
}

const H1: f64 = 1e-5;
const H2: f64 = 2e-4;

/// `∂vec(F)/∂vec(x)`: one column per entry of `x`.
fn fd_jacobian(f: Reference, env: &Env, x: Name) -> Value {
    let n = env[&x].len();
    let cols: Vec<Value> =
        (0..n).map(|k| (vec(&f(&nudged(env, &[(x, k, H1)]))) - vec(&f(&nudged(env, &[(x, k, -H1)])))) / (2.0 * H1)).collect();
    Value::from_columns(&cols.iter().map(|c| c.column(0)).collect::<Vec<_>>())
}

/// `∂²f/∂vec(x)∂vec(y)ᵀ` of a scalar `f`, by the four-point formula.
fn fd_hessian(f: Reference, env: &Env, x: Name, y: Name) -> Value {
    let at = |moves: &[(Name, usize, f64)]| f(&nudged(env, moves))[0];
    Value::from_fn(env[&x].len(), env[&y].len(), |i, j| {
        let pp = at(&[(x, i, H2), (y, j, H2)]);
        let pm = at(&[(x, i, H2), (y, j, -H2)]);
        let mp = at(&[(x, i, -H2), (y, j, H2)]);
        let mm = at(&[(x, i, -H2), (y, j, -H2)]);
        (pp - pm - mp + mm) / (4.0 * H2 * H2)
    })
}

/// The derivative of `f` along `dirs` (every variable at once).
fn fd_directional(f: Reference, env: &Env, dirs: &Env) -> Value {
    let moved = |t: f64| {
        let mut e = env.clone();
        for (x, d) in dirs {
            let v = e.get_mut(x).expect("a variable");
            *v += d * t;
        }
        f(&e)
    };
    (moved(H1) - moved(-H1)) / (2.0 * H1)
}

/// `max|got − want| / max(1, max|want|)`; infinite for shapes that differ.
fn error(got: &Value, want: &Value) -> f64 {
    if got.shape() != want.shape() {
        return f64::INFINITY;
    }
    let scale = want.iter().fold(1f64, |m, w| m.max(w.abs()));
    got.iter().zip(want.iter()).fold(0f64, |m, (g, w)| m.max((g - w).abs())) / scale
}

// ---- running a row -------------------------------------------------------------

fn wrt_names(row: &Row) -> Vec<Name> {
    row.wrt.split(',').map(Name::new).collect()
}

fn derived(row: &Row, hessian: bool) -> Derived {
    let opts = Options { wrt: vec![row.wrt.to_string()], hessian, check: false, ..Options::default() };
    derive(row.src, &opts).unwrap_or_else(|e| panic!("{}: {e:?}", row.src))
}

/// A random point for the variables of `d`, at the row's sizes.
fn point(row: &Row, d: &Derived, seed: u64) -> Point {
    let mut at = Point::new();
    for &(n, s) in row.sizes {
        at.sizes.insert(Name::new(n), s);
    }
    let mut rng = Rng::new(seed);
    for &v in &d.variables {
        let (r, c) = size_of(&d.graph.info(v).shape, &at.sizes).unwrap_or_else(|e| panic!("{}: {v}: {e}", row.src));
        at.values.insert(v, Value::from_fn(r, c, |_, _| rng.normal()));
    }
    at
}

/// The function's expression with the user's definitions written out.
fn function_expr(g: &mut Graph, of: Name) -> Id {
    let defs: HashMap<Name, Id> =
        g.names.iter().filter(|(_, i)| i.kind == NameKind::Definition).filter_map(|(n, i)| Some((*n, i.def?))).collect();
    let root = g.info(of).def.expect("the function is defined");
    g.substitute(root, &|n| defs.get(&n).copied())
}

/// One comparison: its name and the worst relative error (or why none).
type Outcome = (String, Result<f64, String>);

fn value(g: &Graph, id: Id, at: &Point) -> Result<Value, String> {
    eval_one(g, id, at).map_err(|e| e.to_string())
}

/// matdiff's differential of the function, `d(x)` set to random directions,
/// against the reference's directional difference.
fn differential_variant(row: &Row, seed: u64) -> Outcome {
    let mut d = derived(row, false);
    let mut at = point(row, &d, seed);
    let wrt = wrt_names(row);
    let g = &mut d.graph;
    let root = function_expr(g, d.derivative.of);
    let out = g.sym(d.derivative.of);
    let lin = differential(g, root, out, &|n| wrt.contains(&n));
    let mut rng = Rng::new(seed ^ 0x5eed);
    for &x in &wrt {
        let v = &at.values[&x];
        let dir = Value::from_fn(v.nrows(), v.ncols(), |_, _| rng.normal());
        at.diffs.insert(x, dir);
    }
    let want = fd_directional(row.reference, &at.values, &at.diffs);
    let got = match lin {
        Some(lin) => value(g, lin, &at),
        None => Ok(Value::zeros(want.nrows(), want.ncols())),
    };
    ("differential".into(), got.map(|got| error(&got, &want)))
}

/// The gradient or Jacobian (`hessian` false), or every Hessian block.
fn derivative_variants(row: &Row, hessian: bool, seed: u64) -> Vec<Outcome> {
    let d = derived(row, hessian);
    let at = point(row, &d, seed);
    let scalar_f = d.graph.info(d.derivative.of).shape.is_scalar();
    let mut out = Vec::new();
    for e in &d.derivative.entries {
        let (kind, want) = match (hessian, scalar_f) {
            (true, _) => {
                let y = e.cross.unwrap_or(e.wrt);
                (format!("hessian {},{y}", e.wrt), fd_hessian(row.reference, &at.values, e.wrt, y))
            }
            (false, true) => {
                // a 1×len Jacobian, its entries in the order of vec(x)
                let j = fd_jacobian(row.reference, &at.values, e.wrt);
                let x = &at.values[&e.wrt];
                (format!("gradient {}", e.wrt), Value::from_column_slice(x.nrows(), x.ncols(), j.as_slice()))
            }
            (false, false) => (format!("jacobian {}", e.wrt), fd_jacobian(row.reference, &at.values, e.wrt)),
        };
        for (form, id) in [("readable", e.readable), ("numpy", e.numpy)] {
            out.push((format!("{kind} ({form})"), value(&d.graph, id, &at).map(|got| error(&got, &want))));
        }
    }
    out
}

/// Every variant of `row`, with the tolerance each must meet.
fn variants(row: &Row, seed: u64) -> Vec<(Outcome, f64)> {
    let mut out = vec![(differential_variant(row, seed), TOL1)];
    out.extend(derivative_variants(row, false, seed).into_iter().map(|o| (o, TOL1)));
    if row.hessian {
        out.extend(derivative_variants(row, true, seed).into_iter().map(|o| (o, TOL2)));
    }
    out
}

/// The reference of a row computes the program's function: matdiff's value
/// of it at a point equals the reference's.
fn same_function(row: &Row, seed: u64) -> Result<(), String> {
    let mut d = derived(row, false);
    let at = point(row, &d, seed);
    let f = d.graph.sym(d.derivative.of);
    let got = value(&d.graph, f, &at)?;
    let err = error(&got, &(row.reference)(&at.values));
    if err > SAME_FUNCTION {
        return Err(format!("the reference is not the program's function (error {err:.1e})"));
    }
    Ok(())
}

const SEEDS: [u64; 2] = [13, 1013];

#[test]
fn each_differential_agrees_with_finite_differences_of_an_independent_reference() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for row in ROWS {
        for seed in SEEDS {
            if let Err(why) = same_function(row, seed) {
                failures.push(format!("{:?}: {why}", row.src));
                continue;
            }
            for ((what, result), tol) in variants(row, seed) {
                match result {
                    Ok(err) if err <= tol => checked += 1,
                    Ok(err) => failures.push(format!("{:?} --wrt {}: {what}: relative error {err:.1e}", row.src, row.wrt)),
                    Err(why) => failures.push(format!("{:?} --wrt {}: {what}: {why}", row.src, row.wrt)),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    println!("{checked} comparisons over {} rows", ROWS.len());
}

/// The negative control: against a misread reference, every variant of
/// every row fails (the comparison tells rows from columns).
#[test]
fn misread_references_are_rejected() {
    let mut accepted = Vec::new();
    for row in WRONG {
        for ((what, result), tol) in variants(row, SEEDS[0]) {
            match result {
                Ok(err) if err <= tol * 1e3 => accepted.push(format!("{:?}: {what}: error only {err:.1e}", row.src)),
                _ => {}
            }
        }
    }
    assert!(accepted.is_empty(), "misread references accepted:\n{}", accepted.join("\n"));
}

/// The negative control on the symbolic side: hand-made wrong differentials
/// of `Y = softmax(Z)` (the row rule `S ∘ (dZ − (S ∘ dZ)𝟙𝟙ᵀ)`, the column
/// rule without its centring `S ∘ dZ`, and the vector rule applied to
/// `vec(Z)`) fail the comparison the right one passes.
#[test]
fn wrong_softmax_differentials_are_rejected() {
    let row = &ROWS[0];
    assert_eq!(row.src, "Z : 3×4\nY = softmax(Z)");
    let mut d = derived(row, false);
    let mut at = point(row, &d, SEEDS[0]);
    let z = Name::new("Z");
    let mut rng = Rng::new(99);
    at.diffs.insert(z, Value::from_fn(3, 4, |_, _| rng.normal()));
    let want = fd_directional(row.reference, &at.values, &at.diffs);
    let g = &mut d.graph;
    let s = g.sym(d.derivative.of);
    let dz = g.diff(z);
    let sd = g.had(s, dz);
    let (rows, cols) = (g.shape(s).rows.clone(), g.shape(s).cols.clone());
    // the right rule, built the same way: S ∘ (dZ − 𝟙𝟙ᵀ(S ∘ dZ))
    let ones_r = g.ones(rows.clone());
    let ones_rt = g.trans(ones_r);
    let col_sums = g.mul(ones_rt, sd);
    let spread = g.mul(ones_r, col_sums);
    let centred = g.sub(dz, spread);
    let right = g.had(s, centred);
    // per row: S ∘ (dZ − (S ∘ dZ)𝟙𝟙ᵀ)
    let ones_c = g.ones(cols);
    let ones_ct = g.trans(ones_c);
    let row_sums = g.mul(sd, ones_c);
    let spread = g.mul(row_sums, ones_ct);
    let centred = g.sub(dz, spread);
    let per_row = g.had(s, centred);
    // the whole matrix as one vector: S ∘ (dZ − (S : dZ)𝟙𝟙ᵀ)
    let total = g.frob(s, dz);
    let ones_m = g.ones_like(&matdiff::shape::Shape::new(rows, g.shape(s).cols.clone()));
    let spread = g.mul(total, ones_m);
    let centred = g.sub(dz, spread);
    let whole = g.had(s, centred);
    let err = |id: Id| error(&value(g, id, &at).expect("defined"), &want);
    assert!(err(right) <= TOL1, "the right rule fails: {:.1e}", err(right));
    for (what, id) in [("per row", per_row), ("uncentred", sd), ("as one vector", whole)] {
        assert!(err(id) > 1e-2, "the {what} rule passes: error {:.1e}", err(id));
    }
}
