//! Two ways to pick a term from an e-class.
//!
//! `Readable` approximates how long the formula is on paper: juxtaposition
//! and superscripts are nearly free, `Diag(s)` of a name is one letter (it
//! prints as `S`), named functions cost their name. `Flops` counts
//! arithmetic for the NumPy module, at a nominal size for symbolic
//! dimensions; a product with a diagonal factor costs an elementwise
//! product, since the emitted code never forms the diagonal matrix.

use egg::{CostFunction, Id, Language};

use super::analysis::MathGraph;
use crate::ir::{Constant, Math};
use crate::shape::{Dim, Shape};

/// Terms no rule should have built (ill-shaped) are never picked.
const NEVER: f64 = f64::INFINITY;

pub struct Readable<'a> {
    pub egraph: &'a MathGraph,
}

impl CostFunction<Math> for Readable<'_> {
    type Cost = f64;
    fn cost<C: FnMut(Id) -> f64>(&mut self, enode: &Math, mut costs: C) -> f64 {
        let eg = self.egraph;
        let shape = |id: Id| eg[id].data.shape.clone();
        if enode.children().iter().any(|&c| shape(c).is_none()) {
            return NEVER;
        }
        let is_leaf = |id: Id| eg[id].nodes.iter().any(|n| matches!(n, Math::Sym(_) | Math::Const(_)));
        // `Diag(s)` of a defined vector prints as the letter `S`
        let abbreviated = |id: Id| {
            eg[id]
                .nodes
                .iter()
                .any(|n| matches!(n, Math::Sym(s) if eg.analysis.names.get(s).is_some_and(|f| f.defined && f.shape.is_column())))
        };
        // a sum that starts with a minus reads worse: q − p, not −p + q
        let negated = |id: Id| {
            eg[id].nodes.iter().any(|n| matches!(n, Math::Mul([c, _]) if eg[*c].data.num.is_some_and(|x| x.is_negative())))
        };
        let scaled = |id: Id| eg[id].nodes.iter().any(|n| matches!(n, Math::Mul([c, _]) if eg[*c].data.num.is_some()));
        let own = match enode {
            Math::Sym(_) => 1.0,
            // I and 𝟙 are lighter than names: (I − T²)y over y − T²y
            Math::Const(_) => 0.8,
            Math::Num(n) => {
                if n.is_integer() {
                    1.0
                } else {
                    1.5
                }
            }
            Math::Fun(_) => 0.0,
            // …and one that starts with a power: S − S², not S² − S
            Math::Add([a, _]) => {
                let power = eg[*a].nodes.iter().any(|n| matches!(n, Math::Pow(_) | Math::EPow(_)));
                1.0 + if negated(*a) { 0.25 } else { 0.0 } + if power { 0.1 } else { 0.0 }
            }
            Math::Mul([a, b]) => {
                // a scalar factor reads best in front: αA, not Aα
                let behind = shape(*b).is_some_and(|s| s.is_scalar()) && !shape(*a).is_some_and(|s| s.is_scalar());
                // …and in front of the whole chain: βAB, not AβB (for a
                // named scalar: numbers are kept in front by the normal form)
                let named_scalar = |c: Id| shape(c).is_some_and(|s| s.is_scalar()) && eg[c].data.num.is_none();
                let inside = !shape(*a).is_some_and(|s| s.is_scalar())
                    && eg[*b].nodes.iter().any(|n| matches!(n, Math::Mul([c, _]) if named_scalar(*c)));
                (if behind { 1.0 } else { 0.5 }) + if inside { 0.25 } else { 0.0 }
            }
            // a sign inside reads worse than in front: −(A ⊗ B), not A ⊗ −B;
            // so does any number: 2(xxᵀ ⊗ I), not xxᵀ ⊗ 2I
            Math::Had([a, b]) | Math::Kron([a, b]) | Math::Frob([a, b]) => {
                1.5 + if scaled(*a) || scaled(*b) { 0.25 } else { 0.0 }
            }
            // Aᵀ is a superscript; (AB)ᵀ also needs parentheses (a sum has
            // them anyway: (x − μ)ᵀ is no longer than (xᵀ − μᵀ))
            Math::Trans(a) => {
                let sum = eg[*a].nodes.iter().any(|n| matches!(n, Math::Add(_)));
                if is_leaf(*a) || sum { 0.5 } else { 1.5 }
            }
            // the exponent is a superscript: count the base only
            Math::Pow([a, _]) | Math::EPow([a, _]) => {
                return 0.5 + costs(*a) + if matches!(enode, Math::EPow(_)) { 1.0 } else { 0.0 };
            }
            Math::Map(_) => 2.0,
            Math::Softmax(_) | Math::Lse(_) => 3.0,
            Math::Sum(_) | Math::Tr(_) | Math::Det(_) | Math::Logdet(_) | Math::Vec(_) => 2.0,
            Math::DiagM(a) if abbreviated(*a) => return 1.0,
            Math::DiagM(_) | Math::DiagV(_) | Math::Unvec(_) => 3.0,
            Math::Norm(_) => 1.5,
            Math::Diff(_) => 1.0,
        };
        enode.fold(own, |acc, c| acc + costs(c))
    }
}

/// A nominal size for symbolic dimensions when counting flops.
const NOMINAL: usize = 64;

pub(crate) fn size(d: &Dim) -> f64 {
    d.eval(&|_| NOMINAL) as f64
}

fn entries(s: &Shape) -> f64 {
    size(&s.rows) * size(&s.cols)
}

pub struct Flops<'a> {
    pub egraph: &'a MathGraph,
}

impl CostFunction<Math> for Flops<'_> {
    type Cost = f64;
    fn cost<C: FnMut(Id) -> f64>(&mut self, enode: &Math, mut costs: C) -> f64 {
        let eg = self.egraph;
        let shape = |id: Id| eg[id].data.shape.clone();
        let child_shapes: Option<Vec<Shape>> = enode.children().iter().map(|&c| shape(c)).collect();
        let Some(cs) = child_shapes else { return NEVER };
        let diagonal = |id: Id| eg[id].nodes.iter().any(|n| matches!(n, Math::DiagM(_) | Math::Const(Constant::Identity(_))));
        let own = match enode {
            Math::Sym(_) | Math::Num(_) | Math::Fun(_) | Math::Trans(_) | Math::Vec(_) | Math::Unvec(_) | Math::Diff(_) => 0.0,
            Math::Const(c) => entries(&c.shape()),
            Math::Mul([a, b]) => {
                let (sa, sb) = (&cs[0], &cs[1]);
                if sa.is_scalar() || sb.is_scalar() || diagonal(*a) || diagonal(*b) {
                    entries(sa).max(entries(sb))
                } else {
                    size(&sa.rows) * size(&sa.cols) * size(&sb.cols)
                }
            }
            // elementwise work is bound by memory, not arithmetic: each entry
            // is read from both operands and written once, where a product
            // reads an entry of its matrix once per flop it does (so
            // `Ax + Aᵀx` beats `(A + Aᵀ)x`, which also allocates)
            Math::Add(_) | Math::Had(_) => 3.0 * entries(&cs[0]),
            Math::Frob(_) | Math::EPow(_) | Math::Sum(_) | Math::Norm(_) => entries(&cs[0]),
            Math::Map(_) => 4.0 * entries(&cs[1]),
            Math::Softmax(_) | Math::Lse(_) => 4.0 * entries(&cs[0]),
            Math::Kron([_, _]) => entries(&cs[0]) * entries(&cs[1]),
            Math::Tr(_) | Math::DiagM(_) | Math::DiagV(_) => size(&cs[0].rows),
            Math::Det(_) | Math::Logdet(_) => size(&cs[0].rows).powi(3),
            Math::Pow([_, _]) => {
                let n = size(&cs[0].rows);
                if cs[0].is_scalar() { 1.0 } else { n * n * n }
            }
        };
        enode.fold(own + 1.0, |acc, c| acc + costs(c))
    }
}
