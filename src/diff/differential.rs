//! The differential of an expression, one rule per operator: `d(AB) = dA B +
//! A dB` and so on. The result is linear in the `d(name)` leaves of the
//! names that are live (that depend on a variable being differentiated);
//! `None` means the differential is zero.
//!
//! Rules are applied bottom-up over the expression's nodes in id order: no
//! recursion, and a shared subexpression is differentiated once.

use std::collections::HashMap;

use egg::{Id, Language};

use crate::ir::{Func, Graph, Math};
use crate::name::Name;
use crate::num::Number;

/// `d(root)`, where the value of `root` may be called `out` (its binding's
/// name, so that `d σ(v) = s ∘ (𝟙 − s) ∘ dv` refers to `s`).
pub fn differential(g: &mut Graph, root: Id, out: Id, live: &dyn Fn(Name) -> bool) -> Option<Id> {
    let nodes = g.reachable(&[root]);
    let mut d: HashMap<Id, Id> = HashMap::new();
    for id in nodes {
        let node = g.node(id).clone();
        // Sym leaves have no children, so names are never looked through.
        if node.children().iter().all(|c| !d.contains_key(c)) && !matches!(node, Math::Sym(_)) {
            continue;
        }
        let value = if id == root { out } else { id };
        // a differential that folded to zero (`0 ⊙ dx`) is no differential:
        // callers read `None` as zero and anything else as linear in a `d(name)`
        if let Some(di) = rule(g, &node, value, &|c| d.get(&c).copied(), live).filter(|&di| !g.is_zero(di)) {
            d.insert(id, di);
        }
    }
    d.get(&root).copied()
}

/// Adds the two parts of a product rule, either of which may be zero.
fn plus(g: &mut Graph, a: Option<Id>, b: Option<Id>) -> Option<Id> {
    match (a, b) {
        (Some(a), Some(b)) => Some(g.add(a, b)),
        (a, b) => a.or(b),
    }
}

/// The differential of one node whose value is `out`, given those of its
/// children (`d`).
fn rule(g: &mut Graph, node: &Math, out: Id, d: &dyn Fn(Id) -> Option<Id>, live: &dyn Fn(Name) -> bool) -> Option<Id> {
    // `da ⋆ b + a ⋆ db` for a bilinear `⋆`.
    let bilinear = |g: &mut Graph, a: Id, b: Id, op: fn(&mut Graph, Id, Id) -> Id| {
        let left = d(a).map(|da| op(g, da, b));
        let right = d(b).map(|db| op(g, a, db));
        plus(g, left, right)
    };
    match *node {
        Math::Sym(n) => live(n).then(|| g.diff(n)),
        Math::Num(_) | Math::Const(_) | Math::Fun(_) | Math::Diff(_) => None,
        Math::Add([a, b]) => plus(g, d(a), d(b)),
        // d(AB) = dA B + A dB (also for scaling by a scalar)
        Math::Mul([a, b]) => bilinear(g, a, b, Graph::mul),
        // d(A ∘ B) = dA ∘ B + A ∘ dB
        Math::Had([a, b]) => bilinear(g, a, b, Graph::had),
        // d(A ⊗ B) = dA ⊗ B + A ⊗ dB
        Math::Kron([a, b]) => bilinear(g, a, b, Graph::kron),
        // d(A : B) = dA : B + A : dB
        Math::Frob([a, b]) => bilinear(g, a, b, Graph::frob),
        // d(Aᵀ) = (dA)ᵀ
        Math::Trans(a) => d(a).map(|da| g.trans(da)),
        Math::Pow([a, k]) => {
            let k = g.num_value(k).expect("exponent is a number");
            // d‖x‖^k = k ‖x‖^(k−2) (x : dx): going through d‖x‖ would divide
            // by ‖x‖ only to multiply it back (and ‖x‖² becomes 2x : dx).
            if let Math::Norm(x) = *g.node(a) {
                let dx = d(x)?;
                let km2 = k.checked_add(Number::int(-2)).expect("small exponent");
                let p = g.pow(a, km2);
                let kn = g.num(k);
                let c = g.mul(kn, p);
                let f = g.frob(x, dx);
                return Some(g.mul(c, f));
            }
            let da = d(a)?;
            Some(power(g, a, k, da, out))
        }
        // d(A^∘k) = k A^∘(k−1) ∘ dA
        Math::EPow([a, k]) => {
            let da = d(a)?;
            let k = g.num_value(k).expect("exponent is a number");
            let km1 = k.checked_add(Number::MINUS_ONE).expect("small exponent");
            let p = g.epow(a, km1);
            let kn = g.num(k);
            let coef = g.mul(kn, p);
            Some(g.had(coef, da))
        }
        // d f(A) = f'(A) ∘ dA, elementwise; for a vector the seeds' form
        // df(v) = Diag(f'(v)) dv, e.g. ds = (S − S²) dv for s = σ(v), and
        // for a row ds = dv (S − S²)
        Math::Map([f, a]) => {
            let da = d(a)?;
            let Math::Fun(f) = *g.node(f) else { unreachable!("map of a non-function") };
            if g.shape(a).is_column() {
                let jac = diagonal_derivative(g, f, a, out)?;
                return Some(g.mul(jac, da));
            }
            if g.shape(a).is_row() {
                let jac = diagonal_derivative(g, f, a, out)?;
                return Some(g.mul(da, jac));
            }
            let fp = elementwise_derivative(g, f, a, out)?;
            Some(g.had(fp, da))
        }
        // p = softmax(a): dp = (Diag(p) − ppᵀ) da for a column,
        // dp = da (Diag(p) − pᵀp) for a row; of a matrix, column by column:
        // dS = S ∘ (dZ − 𝟙𝟙ᵀ(S ∘ dZ)), each column's (Diag(s) − ssᵀ)dz
        Math::Softmax(a) => {
            let da = d(a)?;
            if !g.shape(a).is_vector() {
                let sd = g.had(out, da);
                let spread = ones_times_column_sums(g, sd);
                let centred = g.sub(da, spread);
                return Some(g.had(out, centred));
            }
            let row = g.shape(a).is_row();
            let p = if row { g.trans(out) } else { out };
            let diag = g.diag_m(p);
            let pt = g.trans(p);
            let outer = g.mul(p, pt);
            let jac = g.sub(diag, outer);
            Some(if row { g.mul(da, jac) } else { g.mul(jac, da) })
        }
        // d lse(a) = softmax(a) : da; of a matrix, column by column (a row
        // vector): d lse(Z) = 𝟙ᵀ(softmax(Z) ∘ dZ)
        Math::Lse(a) => {
            let da = d(a)?;
            let p = g.softmax(a);
            if !g.shape(a).is_vector() {
                let pd = g.had(p, da);
                let ones = g.ones(g.shape(a).rows.clone());
                let ot = g.trans(ones);
                return Some(g.mul(ot, pd));
            }
            Some(g.frob(p, da))
        }
        Math::Sum(a) => d(a).map(|da| g.sum(da)),
        Math::Tr(a) => d(a).map(|da| g.tr(da)),
        // d det(A) = det(A) tr(A⁻¹ dA) = det(A) A⁻ᵀ : dA   (Jacobi's formula)
        Math::Det(a) => {
            let da = d(a)?;
            let inv_t = inverse_transpose(g, a);
            let f = g.frob(inv_t, da);
            Some(g.mul(out, f))
        }
        // d log|det A| = A⁻ᵀ : dA
        Math::Logdet(a) => {
            let da = d(a)?;
            let inv_t = inverse_transpose(g, a);
            Some(g.frob(inv_t, da))
        }
        Math::DiagM(a) => d(a).map(|da| g.diag_m(da)),
        Math::DiagV(a) => d(a).map(|da| g.diag_v(da)),
        Math::Vec(a) => d(a).map(|da| g.vec(da)),
        Math::Unvec([v, w]) => {
            let dv = d(v)?;
            let shape = g.shape(w).clone();
            Some(g.unvec(dv, shape))
        }
        // d‖A‖ = (A : dA) / ‖A‖
        Math::Norm(a) => {
            let da = d(a)?;
            let f = g.frob(a, da);
            let r = g.inv(out);
            Some(g.mul(r, f))
        }
    }
}

/// `A⁻ᵀ`.
fn inverse_transpose(g: &mut Graph, a: Id) -> Id {
    let inv = g.inv(a);
    g.trans(inv)
}

/// `d(A^k)` for a number `k`, where `out` is `A^k`.
fn power(g: &mut Graph, a: Id, k: Number, da: Id, out: Id) -> Id {
    if g.is_scalar(a) {
        // d(α^k) = k α^(k−1) dα
        let km1 = k.checked_add(Number::MINUS_ONE).expect("small exponent");
        let p = g.pow(a, km1);
        let kn = g.num(k);
        let c = g.mul(kn, p);
        return g.mul(c, da);
    }
    let kk = k.as_int().expect("matrix powers are integers (checked by inference)");
    if kk == -1 {
        // d(A⁻¹) = −A⁻¹ dA A⁻¹
        let left = g.mul(out, da);
        let prod = g.mul(left, out);
        return g.neg(prod);
    }
    // d(B^n) = Σ_{i<n} B^i dB B^(n−1−i), with B = A (n = k) or B = A⁻¹ (n = −k)
    let (base, dbase, n) = if kk > 0 {
        (a, da, kk)
    } else {
        let inv = g.inv(a);
        let left = g.mul(inv, da);
        let prod = g.mul(left, inv);
        (inv, g.neg(prod), -kk)
    };
    let terms: Vec<Id> = (0..n)
        .map(|i| {
            let l = g.pow(base, Number::int(i));
            let r = g.pow(base, Number::int(n - 1 - i));
            let ld = g.mul(l, dbase);
            g.mul(ld, r)
        })
        .collect();
    let shape = g.shape(a).clone();
    g.sum_of(terms, &shape)
}

/// `Diag(f'(v))` for a vector `v`, written as the seeds write it:
/// `S − S²` for σ (with `S = Diag(s)`), `I − T²` for tanh, `V⁻¹` for log.
fn diagonal_derivative(g: &mut Graph, f: Func, v: Id, out: Id) -> Option<Id> {
    let n = if g.shape(v).is_row() { g.shape(v).cols.clone() } else { g.shape(v).rows.clone() };
    Some(match f {
        Func::Sigmoid => {
            let s = g.diag_m(out);
            let s2 = g.pow(s, Number::int(2));
            g.sub(s, s2)
        }
        Func::Tanh => {
            let t = g.diag_m(out);
            let t2 = g.pow(t, Number::int(2));
            let i = g.identity(n);
            g.sub(i, t2)
        }
        Func::Exp => g.diag_m(out),
        Func::Log => {
            let dv = g.diag_m(v);
            g.inv(dv)
        }
        Func::Sqrt => {
            let r = g.diag_m(out);
            let ri = g.inv(r);
            let half = g.num(Number::Rat(1, 2));
            g.mul(half, ri)
        }
        _ => {
            let fp = elementwise_derivative(g, f, v, out)?;
            g.diag_m(fp)
        }
    })
}

/// `f'(a)` as an expression, elementwise, preferring the function's value
/// `out` where the derivative is a function of it (σ' = σ(1−σ)). `None` for
/// functions whose derivative is zero almost everywhere.
pub fn elementwise_derivative(g: &mut Graph, f: Func, a: Id, out: Id) -> Option<Id> {
    let shape = g.shape(a).clone();
    Some(match f {
        // σ' = σ ∘ (𝟙 − σ)
        Func::Sigmoid => {
            let one = g.ones_like(&shape);
            let c = g.sub(one, out);
            g.had(out, c)
        }
        // tanh' = 𝟙 − tanh²
        Func::Tanh => {
            let one = g.ones_like(&shape);
            let sq = g.epow(out, Number::int(2));
            g.sub(one, sq)
        }
        // exp' = exp
        Func::Exp => out,
        // log' = 1/a
        Func::Log => g.epow(a, Number::MINUS_ONE),
        // sqrt' = ½ / sqrt
        Func::Sqrt => {
            let r = g.epow(out, Number::MINUS_ONE);
            let half = g.num(Number::Rat(1, 2));
            g.mul(half, r)
        }
        // softplus' = σ
        Func::Softplus => g.map(Func::Sigmoid, a),
        // relu' = step (taken as 0 at 0)
        Func::Relu => g.map(Func::Step, a),
        Func::Sin => g.map(Func::Cos, a),
        Func::Cos => {
            let s = g.map(Func::Sin, a);
            g.neg(s)
        }
        // abs' = sign (taken as 0 at 0)
        Func::Abs => g.map(Func::Sign, a),
        Func::Step | Func::Sign => return None,
    })
}

/// `𝟙𝟙ᵀA`: each column of `A` replaced by its sum, in every entry.
fn ones_times_column_sums(g: &mut Graph, a: Id) -> Id {
    let ones = g.ones(g.shape(a).rows.clone());
    let ot = g.trans(ones);
    let sums = g.mul(ot, a);
    g.mul(ones, sums)
}
