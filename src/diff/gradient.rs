//! Gradients by reverse accumulation over the chain: `df = Σ G_b : d(b)`,
//! walked from the last binding back. For each binding `b` with adjoint
//! `G_b`, its differential `d(b) = L(d(names))` is substituted and `G_b` is
//! moved across `:` (`adjoint::transpose`), adding to the adjoints of the
//! names `b` uses. The adjoints of the variables are the gradients.
//!
//! An adjoint that feeds several names (the δ_l of a network layer, shared
//! by ∂/∂W_l and ∂/∂h_{l−1}) is named `δ_b` and defined once, so that the
//! gradients of an L-layer network stay linear in L.
//!
//! A symmetric variable (declared `symmetric` or `spd`) varies only
//! symmetrically, so its gradient is the symmetric `G` with `df = G : dX`
//! for every symmetric `dX`: `sym(∇) = ½(∇ + ∇ᵀ)` of the unconstrained
//! gradient `∇` ([`symmetrize`]). Not `∇ + ∇ᵀ − Diag(∇)`, which some
//! references give and which is no gradient for the Frobenius product
//! (Srinivasan and Panda, arXiv:1911.06491). Jacobians and Hessians with
//! respect to a symmetric `X` take the same convention on `vec`: the
//! symmetrizer `P = ½(I + K_{n,n})` on the variable's side ([`symmetrize_columns`]),
//! so that `J P vec(dX) = J vec(dX)` for symmetric `dX`, `J P` is zero on
//! antisymmetric directions, and for a scalar `vec(∇)ᵀP = vec(sym ∇)ᵀ`; a
//! Hessian is `P H P`, the Jacobian of the symmetric gradient along
//! symmetric directions.

use egg::Id;
use indexmap::IndexMap;

use super::adjoint;
use super::chain::Chain;
use super::differential::differential;
use crate::ir::{Graph, Math, NameInfo, NameKind};
use crate::name::Name;

/// An inlined adjoint larger than this (as a tree) is named anyway, which
/// keeps every expression handed to the simplifier small.
const INLINE_LIMIT: usize = 40;

pub struct Gradient {
    /// Adjoints given names (`δ_h`), in the order they were defined.
    pub adjoints: Vec<Name>,
    /// `∂f/∂X` for each `X` of `wrt`, in order.
    pub results: Vec<(Name, Id)>,
}

/// The names whose value depends on one of `wrt`.
pub fn live_names(g: &Graph, chain: &Chain, wrt: &[Name]) -> Vec<Name> {
    let mut live: Vec<Name> = wrt.to_vec();
    for &(name, expr) in &chain.bindings {
        let uses_live = g.reachable(&[expr]).into_iter().any(|id| matches!(g.node(id), Math::Sym(n) if live.contains(n)));
        if uses_live {
            live.push(name);
        }
    }
    live
}

/// `∂f/∂X` for every `X` in `wrt`; `f` must be a scalar binding of `chain`.
pub fn gradients(g: &mut Graph, chain: &Chain, f: Name, wrt: &[Name]) -> Gradient {
    let live = live_names(g, chain, wrt);
    let is_live = |n: Name| live.contains(&n);
    let mut adjoints: IndexMap<Name, Id> = IndexMap::new();
    adjoints.insert(f, g.int(1));
    let mut named = Vec::new();
    for &(b, expr) in chain.bindings.iter().rev() {
        let Some(&adj) = adjoints.get(&b) else { continue };
        if !is_live(b) {
            continue;
        }
        let out = g.sym(b);
        let Some(lin) = differential(g, expr, out, &is_live) else { continue };
        let targets = adjoint::linear_nodes(g, lin).into_iter().filter(|&id| matches!(g.node(id), Math::Diff(_))).count();
        let adj = if b != f && (targets >= 2 || tree_size(g, adj) > INLINE_LIMIT) && !is_trivial(g, adj) {
            let delta = adjoint_name(g, b);
            let info = NameInfo {
                shape: g.shape(adj).clone(),
                props: g.props(adj),
                kind: NameKind::Adjoint(b),
                def: Some(adj),
                span: None,
            };
            g.declare(delta, info);
            named.push(delta);
            g.sym(delta)
        } else {
            adj
        };
        for (name, contribution) in adjoint::transpose(g, lin, adj) {
            let total = match adjoints.get(&name) {
                Some(&prev) => g.add(prev, contribution),
                None => contribution,
            };
            adjoints.insert(name, total);
        }
    }
    let results = wrt
        .iter()
        .map(|&x| {
            let grad = match adjoints.get(&x) {
                Some(&a) => symmetrize(g, x, a),
                None => {
                    let shape = g.info(x).shape.clone();
                    g.zero(shape)
                }
            };
            (x, grad)
        })
        .collect();
    Gradient { adjoints: named, results }
}

/// Whether `x` is a matrix variable that varies only symmetrically:
/// declared `symmetric` or `spd`. A `diagonal` one is symmetric in value
/// but, like a `positive` or `probability` one, has the unconstrained
/// gradient (CONTRACT §2); a scalar has nothing to symmetrize.
pub fn is_symmetric_variable(g: &Graph, x: Name) -> bool {
    let info = g.info(x);
    info.kind == NameKind::Variable && info.props.symmetric && !info.props.diagonal && !info.shape.is_scalar()
}

/// The gradient `grad` of a scalar with respect to `x`, restricted to the
/// directions `x` may move in: for a symmetric `x`, `½(grad + gradᵀ)` (the
/// symmetric `G` with `G : dX = grad : dX` for symmetric `dX`); otherwise
/// `grad` itself.
pub fn symmetrize(g: &mut Graph, x: Name, grad: Id) -> Id {
    if !is_symmetric_variable(g, x) {
        return grad;
    }
    let t = g.trans(grad);
    let sum = g.add(grad, t);
    let half = g.num(crate::num::Number::Rat(1, 2));
    g.mul(half, sum)
}

/// A Jacobian `j` (`∂vec F/∂vec x`, one column per entry of `x`) in the
/// convention for a symmetric `x`: `j ½(I + K_{n,n})`, whose columns for
/// `x_ij` and `x_ji` are their average; otherwise `j` itself.
pub fn symmetrize_columns(g: &mut Graph, x: Name, j: Id) -> Id {
    if !is_symmetric_variable(g, x) {
        return j;
    }
    let n = g.info(x).shape.rows.clone();
    let k = g.constant(crate::ir::Constant::Commutation(n.clone(), n));
    let jk = g.mul(j, k);
    let sum = g.add(j, jk);
    let half = g.num(crate::num::Number::Rat(1, 2));
    g.mul(half, sum)
}

/// The remark that states the convention for a symmetric variable `x`
/// (CONTRACT §2: the output says which convention it used); `None` for
/// any other variable.
pub fn convention(g: &Graph, x: Name, kind: super::Kind) -> Option<String> {
    if !is_symmetric_variable(g, x) {
        return None;
    }
    let n = &g.info(x).shape.rows;
    Some(match kind {
        super::Kind::Gradient => format!(
            "{x} is symmetric: ∂/∂{x} is the symmetric G with df = G : d{x} for every symmetric d{x}, \
             the symmetric part ½(∇ + ∇ᵀ) of the unconstrained gradient ∇ (not ∇ + ∇ᵀ − Diag(∇))"
        ),
        super::Kind::Jacobian => format!(
            "{x} is symmetric: the Jacobian is J·½(I + K_{{{n},{n}}}), the unconstrained J with the symmetrizer \
             on the {x} side: right on every symmetric d{x}, zero on antisymmetric ones"
        ),
        super::Kind::Hessian => format!(
            "{x} is symmetric: the Hessian is P H P with P = ½(I + K_{{{n},{n}}}) and H the unconstrained one: \
             the Jacobian of the symmetric gradient along symmetric directions"
        ),
    })
}

/// `δ_b`, or `δ_b'`… if the program already uses it.
fn adjoint_name(g: &Graph, b: Name) -> Name {
    let base = format!("δ_{b}");
    std::iter::once(base.clone())
        .chain((1..).map(|i| format!("{base}{}", "'".repeat(i))))
        .map(|s| Name::new(&s))
        .find(|n| !g.names.contains_key(n))
        .expect("a free name")
}

fn is_trivial(g: &Graph, id: Id) -> bool {
    matches!(g.node(id), Math::Sym(_) | Math::Num(_) | Math::Const(_))
}

/// The size of `root` written out as a tree (shared parts counted each time).
pub fn tree_size(g: &Graph, root: Id) -> usize {
    let mut size: std::collections::HashMap<Id, usize> = std::collections::HashMap::new();
    for id in g.reachable(&[root]) {
        let s = egg::Language::children(g.node(id)).iter().fold(1usize, |acc, c| acc.saturating_add(size[c]));
        size.insert(id, s);
    }
    size[&root]
}
