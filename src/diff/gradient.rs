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
//! gradient `∇` ([`restrict`]). Not `∇ + ∇ᵀ − Diag(∇)`, which some
//! references give and which is no gradient for the Frobenius product
//! (Srinivasan and Panda, arXiv:1911.06491). Jacobians and Hessians with
//! respect to a symmetric `X` take the same convention on `vec`: the
//! symmetrizer `P = ½(I + K_{n,n})` on the variable's side ([`restrict_columns`]),
//! so that `J P vec(dX) = J vec(dX)` for symmetric `dX`, `J P` is zero on
//! antisymmetric directions, and for a scalar `vec(∇)ᵀP = vec(sym ∇)ᵀ`; a
//! Hessian is `P H P`, the Jacobian of the symmetric gradient along
//! symmetric directions. A diagonal variable likewise moves only along
//! diagonal directions: its gradient is `Diag(diag(∇))` and its projector
//! `Diag(vec I)` ([`Moves`]).

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
                Some(&a) => restrict(g, x, a),
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

/// The directions a variable moves in, by its declaration: derivatives
/// with respect to it act on those directions only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moves {
    /// Any direction: undeclared, `positive`, `probability` (an open set,
    /// or a constraint the derivative does not take into account), scalars.
    Freely,
    /// Symmetric directions: declared `symmetric` or `spd`.
    Symmetrically,
    /// Diagonal directions: declared `diagonal`.
    Diagonally,
}

/// How `x` moves (see [`Moves`]).
pub fn moves(g: &Graph, x: Name) -> Moves {
    let info = g.info(x);
    if info.kind != NameKind::Variable || info.shape.is_scalar() {
        Moves::Freely
    } else if info.props.diagonal {
        Moves::Diagonally
    } else if info.props.symmetric {
        Moves::Symmetrically
    } else {
        Moves::Freely
    }
}

/// The gradient `grad` of a scalar with respect to `x`, restricted to the
/// directions `x` moves in: for a symmetric `x`, `½(grad + gradᵀ)` (the
/// symmetric `G` with `G : dX = grad : dX` for symmetric `dX`); for a
/// diagonal one, `Diag(diag(grad))` (likewise for diagonal `dX`);
/// otherwise `grad` itself.
pub fn restrict(g: &mut Graph, x: Name, grad: Id) -> Id {
    match moves(g, x) {
        Moves::Freely => grad,
        Moves::Symmetrically => {
            let t = g.trans(grad);
            let sum = g.add(grad, t);
            let half = g.num(crate::num::Number::Rat(1, 2));
            g.mul(half, sum)
        }
        Moves::Diagonally => {
            let d = g.diag_v(grad);
            g.diag_m(d)
        }
    }
}

/// A Jacobian `j` (`∂vec F/∂vec x`, one column per entry of `x`) in the
/// convention for `x`: for a symmetric `x`, `j ½(I + K_{n,n})`, whose
/// columns for `x_ij` and `x_ji` are their average; for a diagonal one,
/// `j Diag(vec I_n)`, zero in the columns of off-diagonal entries;
/// otherwise `j` itself.
pub fn restrict_columns(g: &mut Graph, x: Name, j: Id) -> Id {
    let n = g.info(x).shape.rows.clone();
    match moves(g, x) {
        Moves::Freely => j,
        Moves::Symmetrically => {
            let k = g.constant(crate::ir::Constant::Commutation(n.clone(), n));
            let jk = g.mul(j, k);
            let sum = g.add(j, jk);
            let half = g.num(crate::num::Number::Rat(1, 2));
            g.mul(half, sum)
        }
        Moves::Diagonally => {
            let i = g.identity(n);
            let v = g.vec(i);
            let p = g.diag_m(v);
            g.mul(j, p)
        }
    }
}

/// The remark that states the convention for a symmetric or diagonal
/// variable `x` (CONTRACT §2: the output says which convention it used);
/// `None` for any other variable.
pub fn convention(g: &Graph, x: Name, kind: super::Kind) -> Option<String> {
    let n = &g.info(x).shape.rows;
    let (what, projector) = match moves(g, x) {
        Moves::Freely => return None,
        Moves::Symmetrically => ("symmetric", format!("½(I + K_{{{n},{n}}})")),
        Moves::Diagonally => ("diagonal", format!("Diag(vec(I_{n}))")),
    };
    Some(match (kind, moves(g, x)) {
        (super::Kind::Gradient, Moves::Symmetrically) => format!(
            "{x} is symmetric: ∂/∂{x} is the symmetric G with df = G : d{x} for every symmetric d{x}, \
             the symmetric part ½(∇ + ∇ᵀ) of the unconstrained gradient ∇ (not ∇ + ∇ᵀ − Diag(∇))"
        ),
        (super::Kind::Gradient, _) => format!(
            "{x} is diagonal: ∂/∂{x} is the diagonal G with df = G : d{x} for every diagonal d{x}, \
             Diag(diag(∇)) of the unconstrained gradient ∇"
        ),
        (super::Kind::Jacobian, _) => format!(
            "{x} is {what}: the Jacobian is J·{projector}, the unconstrained J with the projector onto {what} \
             matrices on the {x} side: right on every {what} d{x}, zero on the other directions"
        ),
        (super::Kind::Hessian, _) => format!(
            "{x} is {what}: the Hessian is P H P with P = {projector} and H the unconstrained one: \
             the Jacobian of the {what} gradient along {what} directions"
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
