//! Differentiation by the differential method: the differential of each
//! binding (`differential`), reverse accumulation of `df = G : dX` for
//! gradients (`gradient`, moving `G` across `:` in `adjoint`), forward
//! accumulation of `vec(dF) = J vec(dX)` for Jacobians (`jacobian`), and
//! Hessians as Jacobians of the simplified gradient.
//!
//! [`derive`] runs the right one and simplifies what it produced.

pub mod adjoint;
pub mod chain;
pub mod differential;
mod fold;
pub mod gradient;
pub mod jacobian;
pub mod steps;

use std::collections::HashMap;

use egg::Id;

use crate::ir::{Graph, NameKind};
use crate::name::Name;
use crate::numeric::stability::steadiest;
use crate::simplify;
use chain::Chain;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `∂f/∂X`, shaped like `X`, for a scalar `f`.
    Gradient,
    /// `∂vec(F)/∂vec(X)`.
    Jacobian,
    /// `∂²f/∂vec(X)∂vec(X)ᵀ`, and with several variables the cross blocks
    /// `∂²f/∂vec(X)∂vec(Y)ᵀ` too.
    Hessian,
}

/// One derivative, with respect to one variable (or, for a Hessian's cross
/// block, two).
#[derive(Clone, Debug)]
pub struct Entry {
    pub wrt: Name,
    /// For a Hessian's cross block `∂²f/∂vec(X)∂vec(Y)ᵀ` (`X` is `wrt`),
    /// `Y`: one row per entry of `vec(X)`, one column per entry of
    /// `vec(Y)`. `None` for every other result.
    pub cross: Option<Name>,
    /// As a person would write it.
    pub readable: Id,
    /// As NumPy should compute it.
    pub numpy: Id,
}

#[derive(Clone, Debug)]
pub struct Derivative {
    pub kind: Kind,
    pub of: Name,
    /// Named adjoints (`δ_h`) the results use, in dependency order; the
    /// definition in the name table is the readable form.
    pub adjoints: Vec<Name>,
    /// The NumPy form of each adjoint's definition.
    pub numpy_defs: HashMap<Name, Id>,
    pub entries: Vec<Entry>,
    /// For a Hessian, the gradients it is the Jacobian of (checked too,
    /// and computed by the NumPy module beside the Hessian); empty
    /// otherwise.
    pub gradients: Vec<Entry>,
}

/// The definitions of the intermediate names (`v = Wx`).
pub(crate) fn intermediates(g: &Graph) -> HashMap<Name, Id> {
    g.names
        .iter()
        .filter(|(_, i)| i.kind == NameKind::Intermediate)
        .map(|(n, i)| (*n, i.def.expect("intermediates are defined")))
        .collect()
}

/// `root` with the intermediate names written out, so that the simplifier
/// sees through them.
pub(crate) fn inline_intermediates(g: &mut Graph, defs: &HashMap<Name, Id>, root: Id) -> Id {
    g.substitute(root, &|n| defs.get(&n).copied())
}

/// Simplifies the adjoints' definitions (in place) and the results. The
/// form for NumPy is the flop-cheapest simplified one, or the form as
/// derived where that one computes another number (see
/// [`crate::numeric::stability`]: distributing can make terms cancel).
fn simplify_all(g: &mut Graph, adjoints: &[Name], results: &[(Name, Id)]) -> (HashMap<Name, Id>, Vec<Entry>) {
    // collected once: once per result made thousands of results quadratic
    let mut defs = intermediates(g);
    let mut numpy_defs = HashMap::new();
    for &a in adjoints {
        let def = g.info(a).def.expect("adjoints are defined");
        let inlined = inline_intermediates(g, &defs, def);
        let s = simplify::simplify(g, &[inlined]);
        g.names.get_mut(&a).expect("declared").def = Some(s.readable[0]);
        // an adjoint that simplifies to zero is written out in what uses it,
        // which then simplifies with it: as a leaf it would leave `A : δ`
        // and `αδ`, printed `A : 0` and `α0_{n×n}` (`sum(softmax(αA))`)
        if g.is_zero(s.readable[0]) {
            defs.insert(a, s.readable[0]);
        }
        numpy_defs.insert(a, steadiest(g, s.flops[0], def));
    }
    let entries = results
        .iter()
        .map(|&(wrt, r)| {
            let inlined = inline_intermediates(g, &defs, r);
            let s = simplify::simplify(g, &[inlined]);
            Entry { wrt, cross: None, readable: folded(g, s.readable[0]), numpy: steadiest(g, s.flops[0], r) }
        })
        .collect();
    (numpy_defs, entries)
}

/// `readable` written with the program's normalized vectors
/// ([`fold`]), simplified again, where that is no larger.
fn folded(g: &mut Graph, readable: Id) -> Id {
    let Some(f) = fold::fold(g, readable) else { return readable };
    let again = simplify::simplify(g, &[f]).readable[0];
    if gradient::tree_size(g, again) <= gradient::tree_size(g, readable) { again } else { readable }
}

/// The derivative of kind `kind` of the binding `of` with respect to each
/// of `wrt`, simplified.
pub fn derive(g: &mut Graph, chain: &Chain, of: Name, wrt: &[Name], kind: Kind) -> Derivative {
    match kind {
        Kind::Gradient => {
            let grad = gradient::gradients(g, chain, of, wrt);
            let (numpy_defs, entries) = simplify_all(g, &grad.adjoints, &grad.results);
            Derivative { kind, of, adjoints: grad.adjoints, numpy_defs, entries, gradients: Vec::new() }
        }
        Kind::Jacobian => {
            let root = g.sym(of);
            let results: Vec<(Name, Id)> = wrt
                .iter()
                .map(|&x| {
                    let j = jacobian::jacobian(g, &chain.bindings, root, x);
                    (x, gradient::restrict_columns(g, x, j))
                })
                .collect();
            let (numpy_defs, entries) = simplify_all(g, &[], &results);
            Derivative { kind, of, adjoints: Vec::new(), numpy_defs, entries, gradients: Vec::new() }
        }
        Kind::Hessian => {
            let mut adjoints = Vec::new();
            let mut numpy_defs = HashMap::new();
            let mut entries = Vec::new();
            let mut gradients = Vec::new();
            // 𝟙ᵀx = 1 holds on the simplex, not around it: a gradient
            // simplified with it has the wrong derivative, in x and in any
            // other variable (a cross block)
            let declared: Vec<_> = wrt.iter().map(|&x| (x, g.info(x).props)).collect();
            for &x in wrt {
                g.names.get_mut(&x).expect("declared").props.probability = false;
            }
            for &x in wrt {
                // the Jacobian of the simplified gradient, through the chain
                // and the adjoints the gradient defines: with respect to x
                // the diagonal block, to every other variable a cross block
                // ∂vec(∂f/∂x)/∂vec(y) = ∂²f/∂vec(x)∂vec(y)ᵀ
                let grad = gradient::gradients(g, chain, of, &[x]);
                let (defs, grad_entries) = simplify_all(g, &grad.adjoints, &grad.results);
                let mut bindings = chain.bindings.clone();
                bindings.extend(grad.adjoints.iter().map(|&a| (a, g.info(a).def.expect("defined"))));
                for &y in wrt {
                    // f is twice differentiable, so its Hessian is symmetric:
                    // a cross block below the diagonal is the transpose of
                    // the one above it, ∂²f/∂vec(Y)∂vec(X)ᵀ = (∂²f/∂vec(X)∂vec(Y)ᵀ)ᵀ,
                    // which halves the work of k variables' k² blocks (it is
                    // printed so, `(A + 4xyᵀ)ᵀ`: simplifying it again would
                    // cost as much as deriving it)
                    if let Some(above) = entries.iter().find(|e: &&Entry| e.wrt == y && e.cross == Some(x)) {
                        let (readable, numpy) = (above.readable, above.numpy);
                        let (readable, numpy) = (g.trans(readable), g.trans(numpy));
                        entries.push(Entry { wrt: x, cross: Some(y), readable, numpy });
                        continue;
                    }
                    let h = jacobian::jacobian(g, &bindings, grad_entries[0].readable, y);
                    let h = gradient::restrict_columns(g, y, h);
                    let (_, mut e) = simplify_all(g, &[], &[(x, h)]);
                    e[0].cross = (y != x).then_some(y);
                    entries.append(&mut e);
                }
                adjoints.extend(grad.adjoints);
                numpy_defs.extend(defs);
                gradients.extend(grad_entries);
            }
            for (x, props) in declared {
                g.names.get_mut(&x).expect("declared").props = props;
            }
            Derivative { kind, of, adjoints, numpy_defs, entries, gradients }
        }
    }
}
