//! Reading a gradient off `df = G : L(dX)`: moving `G` across `:` through
//! the linear expression `L` until it stands alone against each `d(name)`.
//!
//! Each operator has its rule, the identity that moves a factor across the
//! Frobenius product (`A : BC = BᵀA : C = ACᵀ : B`, `A : (B ∘ C) = (A ∘ B) :
//! C`, `A : Cᵀ = Aᵀ : C`…). Over a DAG this is reverse accumulation: nodes
//! are visited parents first (decreasing id), each passing its accumulated
//! `G` to its linear children, so shared parts are moved once.

use std::collections::HashMap;

use egg::{Id, Language};
use indexmap::IndexMap;

use crate::ir::{Constant, Graph, Math};
use crate::name::Name;
use crate::shape::Dim;

/// The nodes under `root` whose value depends on a `d(name)` leaf.
pub fn linear_nodes(g: &Graph, root: Id) -> Vec<Id> {
    let mut linear: HashMap<Id, bool> = HashMap::new();
    for id in g.reachable(&[root]) {
        let node = g.node(id);
        let is = matches!(node, Math::Diff(_)) || node.children().iter().any(|c| linear[c]);
        linear.insert(id, is);
    }
    let mut ids: Vec<Id> = linear.into_iter().filter_map(|(id, l)| l.then_some(id)).collect();
    ids.sort_unstable();
    ids
}

/// `G : L = Σ Gₙ : d(n)`: the `Gₙ`, by name, in order of appearance.
pub fn transpose(g: &mut Graph, lin: Id, adjoint: Id) -> IndexMap<Name, Id> {
    transpose_observed(g, lin, adjoint, &mut |_, _, _, _| {})
}

/// What `transpose_observed` reports after each move: the rule, the terms
/// still to move (`(linear node, its G)`), and the `G`s of names so far.
pub type Observer<'a> = dyn FnMut(&mut Graph, &'static str, &[(Id, Id)], &IndexMap<Name, Id>) + 'a;

/// [`transpose`], reporting each move to `observe`: after it, `G : L`
/// equals the sum of `G' : L'` over the pending terms and `Gₙ : d(n)` over
/// the names reached (the lines of a derivation, see `diff::steps`).
pub fn transpose_observed(g: &mut Graph, lin: Id, adjoint: Id, observe: &mut Observer) -> IndexMap<Name, Id> {
    let linear = linear_nodes(g, lin);
    let is_linear = |id: Id| linear.binary_search(&id).is_ok();
    let mut adj: IndexMap<Id, Id> = IndexMap::from([(lin, adjoint)]);
    let mut out: IndexMap<Name, Id> = IndexMap::new();
    for &id in linear.iter().rev() {
        let Some(a) = adj.shift_remove(&id) else { continue };
        let node = g.node(id).clone();
        if let Math::Diff(s) = node {
            let Math::Sym(name) = *g.node(s) else { unreachable!("d of a non-name") };
            accumulate(g, &mut out, name, a);
            continue;
        }
        let (rule, contributions) = moves(g, &node, a, &is_linear);
        for (child, contribution) in contributions {
            match adj.get(&child) {
                Some(&prev) => {
                    let sum = g.add(prev, contribution);
                    adj.insert(child, sum);
                }
                None => {
                    adj.insert(child, contribution);
                }
            }
        }
        let pending: Vec<(Id, Id)> = adj.iter().map(|(&n, &a)| (n, a)).collect();
        observe(g, rule, &pending, &out);
    }
    out
}

fn accumulate(g: &mut Graph, out: &mut IndexMap<Name, Id>, name: Name, a: Id) {
    let total = match out.get(&name) {
        Some(&prev) => g.add(prev, a),
        None => a,
    };
    out.insert(name, total);
}

/// For `A : node`, the `(child, Gc)` with `A : node = Σ Gc : child` over the
/// linear children, and the identity that says so.
fn moves(g: &mut Graph, node: &Math, a: Id, linear: &dyn Fn(Id) -> bool) -> (&'static str, Vec<(Id, Id)>) {
    let mut out = Vec::new();
    let rule = match *node {
        Math::Add([b, c]) => {
            for x in [b, c] {
                if linear(x) {
                    out.push((x, a));
                }
            }
            "A : (B + C) = A : B + A : C"
        }
        Math::Mul([b, c]) => {
            let (sb, sc) = (g.is_scalar(b), g.is_scalar(c));
            if linear(b) {
                let gb = if sb && !sc {
                    // A : (β C) = (A : C) β
                    g.frob(a, c)
                } else if sc {
                    // A : (B γ) = γA : B
                    g.mul(c, a)
                } else {
                    // A : BC = ACᵀ : B
                    let ct = g.trans(c);
                    g.mul(a, ct)
                };
                out.push((b, gb));
            }
            if linear(c) {
                let gc = if sc && !sb {
                    // A : (B γ) = (A : B) γ
                    g.frob(a, b)
                } else if sb {
                    // A : (β C) = βA : C
                    g.mul(b, a)
                } else {
                    // A : BC = BᵀA : C
                    let bt = g.trans(b);
                    g.mul(bt, a)
                };
                out.push((c, gc));
            }
            match (linear(b), g.is_scalar(b) || g.is_scalar(c)) {
                (_, true) => "A : (βC) = βA : C, A : (dβ C) = (A : C) dβ",
                (true, false) => "move C across ':' (A : BC = ACᵀ : B)",
                (false, false) => "move B across ':' (A : BC = BᵀA : C)",
            }
        }
        Math::Had([b, c]) => {
            if linear(b) {
                out.push((b, g.had(a, c)));
            }
            if linear(c) {
                out.push((c, g.had(a, b)));
            }
            "A : (B ∘ C) = (A ∘ B) : C"
        }
        Math::Kron([b, c]) => {
            if let Some((a1, a2)) = kron_factors(g, a, b, c) {
                // (A₁ ⊗ A₂) : (B ⊗ C) = (A₁ : B)(A₂ : C)
                if linear(b) {
                    let k = g.frob(a2, c);
                    out.push((b, g.mul(k, a1)));
                }
                if linear(c) {
                    let k = g.frob(a1, b);
                    out.push((c, g.mul(k, a2)));
                }
                return ("(A₁ ⊗ A₂) : (B ⊗ C) = (A₁ : B)(A₂ : C)", out);
            }
            if linear(b) {
                out.push((b, kron_adjoint(g, a, b, c, Side::Left)));
            }
            if linear(c) {
                out.push((c, kron_adjoint(g, a, b, c, Side::Right)));
            }
            "A : (B ⊗ C) through vec(B ⊗ C) = P (vec B ⊗ vec C)"
        }
        Math::Frob([b, c]) => {
            if linear(b) {
                out.push((b, g.mul(a, c)));
            }
            if linear(c) {
                out.push((c, g.mul(a, b)));
            }
            "α(B : C) = αB : C"
        }
        Math::Trans(b) => {
            out.push((b, g.trans(a)));
            "A : Bᵀ = Aᵀ : B"
        }
        Math::Sum(b) => {
            let shape = g.shape(b).clone();
            let ones = g.ones_like(&shape);
            out.push((b, g.mul(a, ones)));
            "α sum(B) = α𝟙𝟙ᵀ : B"
        }
        Math::Tr(b) => {
            let n = g.shape(b).rows.clone();
            let i = g.identity(n);
            out.push((b, g.mul(a, i)));
            "α tr(B) = αI : B"
        }
        Math::DiagM(b) => {
            let d = g.diag_v(a);
            let d = if g.shape(b).is_row() { g.trans(d) } else { d };
            out.push((b, d));
            "A : Diag(b) = diag(A) : b"
        }
        Math::DiagV(b) => {
            out.push((b, g.diag_m(a)));
            "a : diag(B) = Diag(a) : B"
        }
        Math::Vec(b) => {
            let shape = g.shape(b).clone();
            out.push((b, g.unvec(a, shape)));
            "a : vec(B) = unvec(a) : B"
        }
        Math::Unvec([v, _]) => {
            out.push((v, g.vec(a)));
            "A : unvec(b) = vec(A) : b"
        }
        _ => unreachable!("{node:?} is not linear in its children"),
    };
    (rule, out)
}

#[derive(Clone, Copy)]
enum Side {
    Left,
    Right,
}

/// `A` as `A₁ ⊗ A₂`, `A₁` shaped like `B` and `A₂` like `C`, where it
/// visibly is one: a Kronecker product of such factors, an identity
/// `I_mn = I_m ⊗ I_n` for square `B` and `C` (what `tr(B ⊗ C)` passes), or
/// a scalar times one of these. Then `A : (B ⊗ C) = (A₁ : B)(A₂ : C)`
/// needs no vec (Magnus & Neudecker, ch. 2: `tr(B ⊗ C) = tr B tr C`).
fn kron_factors(g: &mut Graph, a: Id, b: Id, c: Id) -> Option<(Id, Id)> {
    let (bs, cs) = (g.shape(b).clone(), g.shape(c).clone());
    match g.node(a).clone() {
        Math::Kron([a1, a2]) if g.shape(a1) == &bs && g.shape(a2) == &cs => Some((a1, a2)),
        Math::Const(Constant::Identity(_)) if bs.is_square() && cs.is_square() => {
            let (i1, i2) = (g.identity(bs.rows.clone()), g.identity(cs.rows.clone()));
            Some((i1, i2))
        }
        Math::Mul([k, rest]) if g.is_scalar(k) && !g.is_scalar(rest) => {
            let (a1, a2) = kron_factors(g, rest, b, c)?;
            Some((g.mul(k, a1), a2))
        }
        _ => None,
    }
}

/// The gradient of `A : (B ⊗ C)` with respect to one factor, through
/// `vec(B ⊗ C) = P (vec B ⊗ vec C)`, `P = I_n ⊗ K_{q,m} ⊗ I_p` for `B`
/// `m×n`, `C` `p×q` (Magnus & Neudecker, Thm 3.10).
fn kron_adjoint(g: &mut Graph, a: Id, b: Id, c: Id, side: Side) -> Id {
    let (bs, cs) = (g.shape(b).clone(), g.shape(c).clone());
    let p = kron_vec_permutation(g, &bs.rows, &bs.cols, &cs.rows, &cs.cols);
    let pt = g.trans(p);
    let va = g.vec(a);
    let pva = g.mul(pt, va);
    let (factor, shape) = match side {
        // d(B ⊗ C) with dC: (vec B ⊗ I_{pq})
        Side::Right => {
            let vb = g.vec(b);
            let i = g.identity(cs.len().expect("size fits"));
            (g.kron(vb, i), cs)
        }
        // with dB: (I_{mn} ⊗ vec C)
        Side::Left => {
            let vc = g.vec(c);
            let i = g.identity(bs.len().expect("size fits"));
            (g.kron(i, vc), bs)
        }
    };
    let ft = g.trans(factor);
    let v = g.mul(ft, pva);
    g.unvec(v, shape)
}

/// `P = I_n ⊗ K_{q,m} ⊗ I_p` with `vec(B ⊗ C) = P (vec B ⊗ vec C)` for `B`
/// `m×n`, `C` `p×q`.
pub fn kron_vec_permutation(g: &mut Graph, m: &Dim, n: &Dim, p: &Dim, q: &Dim) -> Id {
    let k = if q.is_one() || m.is_one() {
        g.identity(q.times(m).expect("size fits"))
    } else {
        g.constant(Constant::Commutation(q.clone(), m.clone()))
    };
    let i_n = g.identity(n.clone());
    let i_p = g.identity(p.clone());
    let left = g.kron(i_n, k);
    g.kron(left, i_p)
}
