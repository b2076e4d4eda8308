//! Appliers: `Shaped` instantiates a right-hand side only when every node
//! of it is well-shaped and its shape is that of the matched class, so no
//! rule can build an ill-shaped term (regrouping `(ab)c → a(bc)` is refused
//! where `bc` does not exist, for instance). `Make` builds the constants
//! whose size comes from the matched class (`I`, `0`, `𝟙𝟙ᵀ`).

use egg::{Applier, ENodeOrVar, Id, Pattern, PatternAst, Subst, Symbol, Var};

use super::analysis::{MathGraph, MatrixAnalysis};
use crate::ir::{Constant, Math, graph::shape_of};
use crate::num::Number;
use crate::shape::Shape;

/// A pattern applier; with a `Unit`, the pattern's `?i` is bound to that
/// unit, sized by the matched class.
pub struct Shaped(pub Pattern<Math>, pub Option<Unit>);

/// What `?i` stands for in a factoring rule's right-hand side: the unit of
/// the product being factored out, which takes its size from the match
/// (`A + BA = (I + B)A`, `A + A ∘ B = A ∘ (𝟙𝟙ᵀ + B)`).
#[derive(Clone, Copy, Debug)]
pub enum Unit {
    /// The identity of the match's rows.
    RowIdentity,
    /// The identity of the match's columns.
    ColIdentity,
    /// The all-ones array of the match's shape, the unit of `∘`.
    Ones,
}

impl Unit {
    /// The constant and the shape to build it with, for a match of `shape`.
    pub fn make(self, shape: &Shape) -> (Make, Shape) {
        match self {
            Unit::RowIdentity => (Make::Identity, Shape::square(shape.rows.clone())),
            Unit::ColIdentity => (Make::Identity, Shape::square(shape.cols.clone())),
            Unit::Ones => (Make::Ones, shape.clone()),
        }
    }
}

/// The shape `ast` would have under `subst`, if every node fits.
fn instantiated_shape(egraph: &MathGraph, ast: &PatternAst<Math>, subst: &Subst) -> Option<Shape> {
    let mut shapes: Vec<Shape> = Vec::with_capacity(ast.len());
    for node in ast.as_ref() {
        let s = match node {
            ENodeOrVar::Var(v) => egraph[subst[*v]].data.shape.clone()?,
            ENodeOrVar::ENode(n) => {
                shape_of(n, |c| shapes[usize::from(c)].clone(), |name| egraph.analysis.names.get(&name).map(|x| x.shape.clone()))?
            }
        };
        shapes.push(s);
    }
    shapes.pop()
}

impl Applier<Math, MatrixAnalysis> for Shaped {
    fn apply_one(&self, egraph: &mut MathGraph, eclass: Id, subst: &Subst, _: Option<&PatternAst<Math>>, _: Symbol) -> Vec<Id> {
        let want = egraph[eclass].data.shape.clone();
        let Some(shape) = want.clone() else { return vec![] };
        let mut subst = subst.clone();
        if let Some(unit) = self.1 {
            let (what, shape) = unit.make(&shape);
            let Some(i) = what.build(egraph, &shape) else { return vec![] };
            subst.insert("?i".parse().expect("a variable"), i);
        }
        if instantiated_shape(egraph, &self.0.ast, &subst) != want {
            return vec![];
        }
        let id = egraph.add_instantiation(&self.0.ast, &subst);
        if egraph.union(eclass, id) { vec![eclass] } else { vec![] }
    }

    fn vars(&self) -> Vec<Var> {
        let i: Var = "?i".parse().expect("a variable");
        self.0.vars().into_iter().filter(|v| self.1.is_none() || *v != i).collect()
    }
}

/// Constants shaped like the matched class.
#[derive(Clone, Copy, Debug)]
pub enum Make {
    Zero,
    Identity,
    /// `𝟙` for a column, `𝟙ᵀ` for a row, `𝟙𝟙ᵀ` for a matrix, 1 for a scalar.
    Ones,
}

impl Make {
    /// The constant of `shape`; `None` for a non-square identity.
    pub fn build(self, egraph: &mut MathGraph, shape: &Shape) -> Option<Id> {
        let shape = shape.clone();
        Some(match self {
            _ if shape.is_scalar() => {
                let one = matches!(self, Make::Identity | Make::Ones);
                egraph.add(Math::Num(if one { Number::ONE } else { Number::ZERO }))
            }
            Make::Zero => egraph.add(Math::Const(Constant::Zero(shape))),
            Make::Identity if shape.is_square() => egraph.add(Math::Const(Constant::Identity(shape.rows))),
            Make::Identity => return None,
            Make::Ones => {
                let col = ones(egraph, &shape.rows);
                if shape.cols.is_one() {
                    col
                } else if shape.rows.is_one() {
                    let row = ones(egraph, &shape.cols);
                    egraph.add(Math::Trans(row))
                } else {
                    let row = ones(egraph, &shape.cols);
                    let row = egraph.add(Math::Trans(row));
                    egraph.add(Math::Mul([col, row]))
                }
            }
        })
    }
}

impl Applier<Math, MatrixAnalysis> for Make {
    fn apply_one(&self, egraph: &mut MathGraph, eclass: Id, _: &Subst, _: Option<&PatternAst<Math>>, _: Symbol) -> Vec<Id> {
        let Some(shape) = egraph[eclass].data.shape.clone() else { return vec![] };
        let Some(id) = self.build(egraph, &shape) else { return vec![] };
        if egraph.union(eclass, id) { vec![eclass] } else { vec![] }
    }
}

/// A `Make` rule inside a right-associated chain: `(* X (* Y ?rest))`
/// where the pair `(* X Y)` makes a constant `C`, rewritten to `C ?rest`.
/// `C` takes the shape of the pair (a scalar pair makes the number).
pub struct Extended {
    pub what: Make,
    pub pair: Pattern<Math>,
    pub rest: Var,
}

impl Applier<Math, MatrixAnalysis> for Extended {
    fn apply_one(&self, egraph: &mut MathGraph, eclass: Id, subst: &Subst, _: Option<&PatternAst<Math>>, _: Symbol) -> Vec<Id> {
        let Some(shape) = instantiated_shape(egraph, &self.pair.ast, subst) else { return vec![] };
        let Some(c) = self.what.build(egraph, &shape) else { return vec![] };
        let id = egraph.add(Math::Mul([c, subst[self.rest]]));
        if egraph[id].data.shape != egraph[eclass].data.shape {
            return vec![];
        }
        if egraph.union(eclass, id) { vec![eclass] } else { vec![] }
    }

    fn vars(&self) -> Vec<Var> {
        let mut v = self.pair.vars();
        v.push(self.rest);
        v
    }
}

fn ones(egraph: &mut MathGraph, n: &crate::shape::Dim) -> Id {
    if n.is_one() { egraph.add(Math::Num(Number::ONE)) } else { egraph.add(Math::Const(Constant::Ones(n.clone()))) }
}
