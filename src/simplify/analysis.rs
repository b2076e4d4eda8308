//! The e-graph analysis: every e-class carries its shape (by the same rules
//! as the IR), the facts guards need (symmetry, positivity), and the value
//! of a scalar constant (constant folding).

use std::collections::HashMap;

use egg::{Analysis, DidMerge, EGraph, Id, Language};

use crate::ir::{Constant, Graph, Math, Props, graph::shape_of};
use crate::name::Name;
use crate::num::Number;
use crate::shape::Shape;

pub type MathGraph = EGraph<Math, MatrixAnalysis>;

#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    /// `None` only for a node no rule should have built: such nodes are never
    /// extracted (see `cost`), and `Shaped` keeps rules from building them.
    pub shape: Option<Shape>,
    pub props: Props,
    /// The value, when the class is a known number.
    pub num: Option<Number>,
}

/// What the analysis knows of a name.
#[derive(Clone, Debug)]
pub struct NameFacts {
    pub shape: Shape,
    pub props: Props,
    /// A defined (not free) quantity: `Diag(s)` of one is written `S`.
    pub defined: bool,
}

/// Shapes and facts of the names an expression mentions.
#[derive(Default)]
pub struct MatrixAnalysis {
    pub names: HashMap<Name, NameFacts>,
}

impl MatrixAnalysis {
    /// The facts of the names `nodes` use (only those: copying the whole
    /// name table for every e-graph made deep programs quadratic).
    pub fn of(g: &Graph, nodes: &[Math]) -> MatrixAnalysis {
        let facts = |i: &crate::ir::NameInfo| NameFacts { shape: i.shape.clone(), props: i.props, defined: i.def.is_some() };
        let names = nodes.iter().filter_map(|n| match n {
            Math::Sym(name) => Some((*name, facts(g.info(*name)))),
            _ => None,
        });
        MatrixAnalysis { names: names.collect() }
    }
}

/// The value of a scalar node whose children are known numbers.
fn fold(node: &Math, num: impl Fn(Id) -> Option<Number>) -> Option<Number> {
    match *node {
        Math::Num(n) => Some(n),
        Math::Add([a, b]) => num(a)?.checked_add(num(b)?),
        Math::Mul([a, b]) | Math::Frob([a, b]) | Math::Had([a, b]) => num(a)?.checked_mul(num(b)?),
        Math::Pow([a, k]) | Math::EPow([a, k]) => num(a)?.pow(num(k)?),
        Math::Trans(a) | Math::Tr(a) | Math::Sum(a) | Math::Det(a) | Math::DiagM(a) | Math::DiagV(a) | Math::Vec(a) => num(a),
        _ => None,
    }
}

impl Analysis<Math> for MatrixAnalysis {
    type Data = Data;

    fn make(egraph: &mut MathGraph, enode: &Math, _id: Id) -> Data {
        let data = |c: Id| &egraph[c].data;
        let shape = if enode.children().iter().all(|&c| data(c).shape.is_some()) {
            shape_of(
                enode,
                |c| data(c).shape.clone().expect("checked"),
                |n| egraph.analysis.names.get(&n).map(|x| x.shape.clone()),
            )
        } else {
            None
        };
        let is_scalar = shape.as_ref().is_some_and(Shape::is_scalar);
        let leaf = match enode {
            Math::Sym(n) => egraph.analysis.names.get(n).map(|x| x.props).unwrap_or_default(),
            _ => Props::NONE,
        };
        let props =
            Props::of(enode, |c| data(c).props, |c| data(c).shape.as_ref().is_some_and(Shape::is_scalar), is_scalar, leaf);
        let mut props = props;
        // A Aᵀ and Aᵀ A are symmetric
        if let Math::Mul([a, b]) = *enode {
            let transposes =
                |x: Id, of: Id| egraph[x].nodes.iter().any(|n| matches!(n, Math::Trans(y) if egraph.find(*y) == egraph.find(of)));
            if transposes(b, a) || transposes(a, b) {
                props.symmetric = true;
            }
        }
        let num = if is_scalar { fold(enode, |c| data(c).num) } else { None };
        Data { shape, props, num }
    }

    fn merge(&mut self, to: &mut Data, from: Data) -> DidMerge {
        debug_assert!(
            to.shape.is_none() || from.shape.is_none() || to.shape == from.shape,
            "merged classes of shapes {:?} and {:?}",
            to.shape,
            from.shape
        );
        let before = to.clone();
        if to.shape.is_none() {
            to.shape = from.shape.clone();
        }
        // Facts proven of either side hold of both.
        to.props = to.props.union(from.props);
        if to.num.is_none() {
            to.num = from.num;
        }
        let changed_to = *to != before;
        let changed_from = to.shape != from.shape || to.props != from.props || to.num != from.num;
        DidMerge(changed_to, changed_from)
    }

    fn modify(egraph: &mut MathGraph, id: Id) {
        if let Some(n) = egraph[id].data.num {
            let c = egraph.add(Math::Num(n));
            egraph.union(id, c);
        }
        // 𝟙_nᵀ𝟙_n = n, the size as a number
        if let Some(n) = ones_inner_product(egraph, id) {
            let c = egraph.add(Math::Const(Constant::Size(n)));
            egraph.union(id, c);
        }
    }
}

/// `n` if the class holds `𝟙_nᵀ𝟙_n`.
fn ones_inner_product(egraph: &MathGraph, id: Id) -> Option<crate::shape::Dim> {
    // every class is modified, again and again: only scalars can hold it
    if !egraph[id].data.shape.as_ref().is_some_and(|s| s.is_scalar()) {
        return None;
    }
    let ones = |c: Id| {
        egraph[c].nodes.iter().find_map(|n| match n {
            Math::Const(Constant::Ones(n)) => Some(n.clone()),
            _ => None,
        })
    };
    egraph[id].nodes.iter().find_map(|node| {
        let Math::Mul([a, b]) = *node else { return None };
        let n = ones(b)?;
        let transposed = egraph[a].nodes.iter().any(|m| matches!(*m, Math::Trans(c) if ones(c).as_ref() == Some(&n)));
        transposed.then_some(n)
    })
}

/// Whether the class contains a node satisfying `f`.
pub fn contains(egraph: &MathGraph, id: Id, f: impl Fn(&Math) -> bool) -> bool {
    egraph[id].nodes.iter().any(f)
}

/// `I`, `𝟙`-matrix or zero: the constants some guards look for.
pub fn is_identity(egraph: &MathGraph, id: Id) -> bool {
    contains(egraph, id, |n| matches!(n, Math::Const(Constant::Identity(_)))) || egraph[id].data.num == Some(Number::ONE)
}

pub fn is_zero(egraph: &MathGraph, id: Id) -> bool {
    contains(egraph, id, |n| matches!(n, Math::Const(Constant::Zero(_)))) || egraph[id].data.num.is_some_and(Number::is_zero)
}

/// `𝟙`, `𝟙𝟙ᵀ`, `𝟙ᵀ` or 1.
pub fn is_all_ones(egraph: &MathGraph, id: Id) -> bool {
    let ones = |c: Id| contains(egraph, c, |n| matches!(n, Math::Const(Constant::Ones(_))));
    egraph[id].data.num == Some(Number::ONE)
        || ones(id)
        || contains(egraph, id, |n| match *n {
            Math::Trans(a) => ones(a),
            Math::Mul([a, b]) => ones(a) && contains(egraph, b, |m| matches!(*m, Math::Trans(c) if ones(c))),
            _ => false,
        })
}
