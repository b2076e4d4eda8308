//! Jacobians `∂vec(F)/∂vec(X)` by reading `vec(dF) = J vec(dX)`: forward
//! accumulation over the chain, each binding's differential turned into
//! its Jacobian by the vec identities (Magnus & Neudecker, ch. 2):
//!
//! | differential | Jacobian |
//! |---|---|
//! | `A dX B` | `(Bᵀ ⊗ A) J` |
//! | `A ∘ dX` | `Diag(vec A) J` |
//! | `dXᵀ` (X `m×n`) | `K_{m,n} J` |
//! | `A : dX` | `vec(A)ᵀ J` |
//! | `A ⊗ dX`, `dX ⊗ B` | `P (vec A ⊗ I) J`, `P (I ⊗ vec B) J`, `P = I ⊗ K ⊗ I` |

use std::collections::HashMap;

use egg::Id;

use super::adjoint::{kron_vec_permutation, linear_nodes};
use super::differential::differential;
use crate::ir::{Constant, Graph, Math};
use crate::name::Name;
use crate::shape::Dim;

/// `∂vec(root)/∂vec(x)`, where `root` may use the names of `bindings` (in
/// dependency order; those that depend on `x` are differentiated through).
pub fn jacobian(g: &mut Graph, bindings: &[(Name, Id)], root: Id, x: Name) -> Id {
    let mut live: Vec<Name> = vec![x];
    let mut jac: HashMap<Name, Id> = HashMap::new();
    let n = g.info(x).shape.len().expect("size fits");
    jac.insert(x, g.identity(n));
    for &(b, expr) in bindings {
        let is_live = |n: Name| live.contains(&n);
        let out = g.sym(b);
        if let Some(lin) = differential(g, expr, out, &is_live) {
            let j = vec_read(g, lin, &jac);
            jac.insert(b, j);
            live.push(b);
        }
    }
    let is_live = |n: Name| live.contains(&n);
    let rows = g.shape(root).len().expect("size fits");
    let cols = g.info(x).shape.len().expect("size fits");
    match differential(g, root, root, &is_live) {
        Some(lin) => vec_read(g, lin, &jac),
        None => g.zero(crate::shape::Shape::new(rows, cols)),
    }
}

/// `J` with `vec(lin) = J vec(dx)`, given the Jacobian of each name.
pub fn vec_read(g: &mut Graph, lin: Id, jac: &HashMap<Name, Id>) -> Id {
    let mut j: HashMap<Id, Id> = HashMap::new();
    for id in linear_nodes(g, lin) {
        let node = g.node(id).clone();
        let ji = rule(g, &node, &|c| j.get(&c).copied(), jac);
        j.insert(id, ji);
    }
    j[&lin]
}

fn identity_of(g: &mut Graph, d: &Dim) -> Id {
    g.identity(d.clone())
}

fn rule(g: &mut Graph, node: &Math, j: &dyn Fn(Id) -> Option<Id>, jac: &HashMap<Name, Id>) -> Id {
    // Sum of the linear children's contributions.
    let mut terms: Vec<Id> = Vec::new();
    match *node {
        Math::Diff(s) => {
            let Math::Sym(n) = *g.node(s) else { unreachable!("d of a non-name") };
            return jac[&n];
        }
        Math::Add([a, b]) => terms.extend([a, b].into_iter().filter_map(j)),
        Math::Mul([a, b]) => {
            let (sa, sb) = (g.is_scalar(a), g.is_scalar(b));
            if let Some(ja) = j(a) {
                terms.push(if sa && !sb {
                    // vec(dα B) = vec(B) dα
                    let vb = g.vec(b);
                    g.mul(vb, ja)
                } else if sb {
                    // vec(dA β) = β vec(dA)
                    g.mul(b, ja)
                } else {
                    // vec(dA B) = (Bᵀ ⊗ I) vec(dA)
                    let bt = g.trans(b);
                    let rows = g.shape(a).rows.clone();
                    let i = identity_of(g, &rows);
                    let k = g.kron(bt, i);
                    g.mul(k, ja)
                });
            }
            if let Some(jb) = j(b) {
                terms.push(if sb && !sa {
                    let va = g.vec(a);
                    g.mul(va, jb)
                } else if sa {
                    g.mul(a, jb)
                } else {
                    // vec(A dB) = (I ⊗ A) vec(dB)
                    let cols = g.shape(b).cols.clone();
                    let i = identity_of(g, &cols);
                    let k = g.kron(i, a);
                    g.mul(k, jb)
                });
            }
        }
        // vec(A ∘ dB) = Diag(vec A) vec(dB)
        Math::Had([a, b]) => {
            for (lin, other) in [(a, b), (b, a)] {
                if let Some(jl) = j(lin) {
                    let v = g.vec(other);
                    let d = g.diag_m(v);
                    terms.push(g.mul(d, jl));
                }
            }
        }
        Math::Kron([a, b]) => {
            let (sa, sb) = (g.shape(a).clone(), g.shape(b).clone());
            let p = kron_vec_permutation(g, &sa.rows, &sa.cols, &sb.rows, &sb.cols);
            if let Some(ja) = j(a) {
                // vec(dA ⊗ B) = P (I_{mn} ⊗ vec B) vec(dA)
                let vb = g.vec(b);
                let i = g.identity(sa.len().expect("size fits"));
                let f = g.kron(i, vb);
                let pf = g.mul(p, f);
                terms.push(g.mul(pf, ja));
            }
            if let Some(jb) = j(b) {
                // vec(A ⊗ dB) = P (vec A ⊗ I_{pq}) vec(dB)
                let va = g.vec(a);
                let i = g.identity(sb.len().expect("size fits"));
                let f = g.kron(va, i);
                let pf = g.mul(p, f);
                terms.push(g.mul(pf, jb));
            }
        }
        // A : dB = vec(A)ᵀ vec(dB)
        Math::Frob([a, b]) => {
            for (lin, other) in [(a, b), (b, a)] {
                if let Some(jl) = j(lin) {
                    let v = g.vec(other);
                    let vt = g.trans(v);
                    terms.push(g.mul(vt, jl));
                }
            }
        }
        // vec(dAᵀ) = K_{m,n} vec(dA); for a vector, vec(dAᵀ) = vec(dA)
        Math::Trans(a) => {
            let ja = j(a).expect("linear child");
            let s = g.shape(a).clone();
            terms.push(if s.rows.is_one() || s.cols.is_one() {
                ja
            } else {
                let k = g.constant(Constant::Commutation(s.rows, s.cols));
                g.mul(k, ja)
            });
        }
        // sum(dA) = 𝟙ᵀ vec(dA)
        Math::Sum(a) => {
            let ja = j(a).expect("linear child");
            let n = g.shape(a).len().expect("size fits");
            let ones = g.ones(n);
            let ot = g.trans(ones);
            terms.push(g.mul(ot, ja));
        }
        // tr(dA) = vec(I)ᵀ vec(dA)
        Math::Tr(a) => {
            let ja = j(a).expect("linear child");
            let n = g.shape(a).rows.clone();
            let i = g.identity(n);
            let vi = g.vec(i);
            let vt = g.trans(vi);
            terms.push(g.mul(vt, ja));
        }
        // vec(Diag(da)) = Diag(vec I)(𝟙 ⊗ I) da
        Math::DiagM(a) => {
            let ja = j(a).expect("linear child");
            let sel = diagonal_selector(g, a);
            terms.push(g.mul(sel, ja));
        }
        // diag(dA) = (𝟙ᵀ ⊗ I) Diag(vec I) vec(dA)
        Math::DiagV(a) => {
            let ja = j(a).expect("linear child");
            let v = g.diag_v(a);
            let sel = diagonal_selector(g, v);
            let st = g.trans(sel);
            terms.push(g.mul(st, ja));
        }
        Math::Vec(a) | Math::Unvec([a, _]) => terms.push(j(a).expect("linear child")),
        _ => unreachable!("{node:?} is not linear in its children"),
    }
    let rows = g.shape(terms[0]).clone();
    g.sum_of(terms, &rows)
}

/// `Diag(vec I_n)(𝟙_n ⊗ I_n)`, the `n²×n` matrix with `vec(Diag(v)) = S v`
/// (`v` a column or a row vector of length `n`).
fn diagonal_selector(g: &mut Graph, v: Id) -> Id {
    let n = g.shape(v).len().expect("size fits");
    let i = g.identity(n.clone());
    let vi = g.vec(i);
    let mask = g.diag_m(vi);
    let ones = g.ones(n);
    let spread = g.kron(ones, i);
    g.mul(mask, spread)
}
