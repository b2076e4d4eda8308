//! The rewrite rules, as data: one table per family, one line per rule,
//! each with its guard and the identity it states. `tests/rules.rs` checks
//! every rule numerically, by name, on sampled points; the rules rejected as
//! unsound stay in [`REJECTED`] with their counterexample, as the negative
//! control that proves that test can fail.

mod elementwise;
mod hadamard;
mod inverse;
mod kronecker;
mod product;
mod sum;
mod trace;
mod transpose;

use egg::{ConditionalApplier, ENodeOrVar, Id, Pattern, PatternAst, Rewrite, Subst, Var};

use super::analysis::{self, MathGraph, MatrixAnalysis};
use super::apply::{Extended, Make, Shaped};
use crate::ir::Math;

/// A fact a pattern variable must have for the rule to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pred {
    Scalar,
    NotScalar,
    /// A column vector.
    Column,
    /// A row vector.
    Row,
    Symmetric,
    /// Every entry positive (so nonzero).
    Positive,
    /// A diagonal matrix (so it commutes with other diagonal ones).
    Diagonal,
    Identity,
    Zero,
    AllOnes,
    /// A number that is an integer.
    Integer,
}

/// The right-hand side: a pattern, a pattern whose `?i` is an identity
/// sized by the match (for factoring `A + BA = (I + B)A`), or a constant
/// shaped like the match.
#[derive(Clone, Copy, Debug)]
pub enum Rhs {
    Pattern(&'static str),
    WithIdentity(&'static str, Side),
    Make(Make),
}

pub use super::apply::Side;

#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// `family-what`, shown in `--steps`.
    pub name: &'static str,
    pub lhs: &'static str,
    pub rhs: Rhs,
    /// Every `(pred, var)` must hold.
    pub guard: &'static [(Pred, &'static str)],
    /// The phases it runs in.
    pub phases: Phases,
    /// The identity, with its source where it has one.
    pub why: &'static str,
}

/// Simplification runs in two phases, so that no phase holds a rule and
/// its inverse (which makes e-graphs explode): `normalize` expands,
/// collects and cancels; `factor` factors back and picks notation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Normalize,
    Factor,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Phases {
    pub normalize: bool,
    pub factor: bool,
}

impl Phases {
    pub fn has(self, p: Phase) -> bool {
        match p {
            Phase::Normalize => self.normalize,
            Phase::Factor => self.factor,
        }
    }
}

/// `lhs => rhs`, in both phases.
pub const fn rule(name: &'static str, lhs: &'static str, rhs: &'static str, why: &'static str) -> Rule {
    Rule { name, lhs, rhs: Rhs::Pattern(rhs), guard: &[], phases: Phases { normalize: true, factor: true }, why }
}

/// `lhs => rhs`, with `?i` in `rhs` the identity of the match's rows
/// (`Side::Rows`) or columns (`Side::Cols`).
pub const fn with_identity(name: &'static str, lhs: &'static str, rhs: &'static str, side: Side, why: &'static str) -> Rule {
    Rule { name, lhs, rhs: Rhs::WithIdentity(rhs, side), guard: &[], phases: Phases { normalize: true, factor: true }, why }
}

/// `lhs =>` a constant shaped like the match.
pub const fn make(name: &'static str, lhs: &'static str, what: Make, why: &'static str) -> Rule {
    Rule { name, lhs, rhs: Rhs::Make(what), guard: &[], phases: Phases { normalize: true, factor: true }, why }
}

impl Rule {
    /// The same rule, applying only when `guard` holds.
    pub const fn when(mut self, guard: &'static [(Pred, &'static str)]) -> Rule {
        self.guard = guard;
        self
    }
    /// The same rule, in the normalize phase only.
    pub const fn normalize(mut self) -> Rule {
        self.phases = Phases { normalize: true, factor: false };
        self
    }
    /// The same rule, in the factor phase only.
    pub const fn factor(mut self) -> Rule {
        self.phases = Phases { normalize: false, factor: true };
        self
    }
}

/// Every family's table.
pub fn tables() -> Vec<(&'static str, &'static [Rule])> {
    vec![
        ("transpose", transpose::RULES),
        ("product", product::RULES),
        ("sum", sum::RULES),
        ("hadamard", hadamard::RULES),
        ("trace", trace::RULES),
        ("inverse", inverse::RULES),
        ("kronecker", kronecker::RULES),
        ("elementwise", elementwise::RULES),
    ]
}

pub fn all_rules() -> Vec<Rule> {
    tables().into_iter().flat_map(|(_, t)| t.iter().copied()).collect()
}

/// Rules once considered and found unsound, kept with the counterexample
/// that disproved them; `tests/rules.rs` checks that they do fail.
pub const REJECTED: &[(Rule, &str)] = &[
    (rule("product-commute", "(* ?a ?b)", "(* ?b ?a)", "AB = BA"), "false for most square A, B: matrix products do not commute"),
    (
        rule("transpose-product-same-order", "(T (* ?a ?b))", "(* (T ?a) (T ?b))", "(AB)ᵀ = AᵀBᵀ"),
        "the order reverses: (AB)ᵀ = BᵀAᵀ",
    ),
    (
        rule("trace-swap-inner", "(tr (* ?a (* ?b ?c)))", "(tr (* ?a (* ?c ?b)))", "tr(ABC) = tr(ACB)"),
        "only cyclic permutations keep the trace",
    ),
    (
        rule("inverse-sum", "(pow (+ ?a ?b) -1)", "(+ (pow ?a -1) (pow ?b -1))", "(A+B)⁻¹ = A⁻¹ + B⁻¹"),
        "false already for A = B = I",
    ),
];

fn holds(egraph: &MathGraph, id: Id, pred: Pred) -> bool {
    let data = &egraph[id].data;
    let shape = data.shape.as_ref();
    match pred {
        Pred::Scalar => shape.is_some_and(|s| s.is_scalar()),
        Pred::NotScalar => shape.is_some_and(|s| !s.is_scalar()),
        Pred::Column => shape.is_some_and(|s| s.is_column()),
        Pred::Row => shape.is_some_and(|s| s.is_row()),
        Pred::Symmetric => data.props.symmetric,
        Pred::Positive => data.props.positive,
        Pred::Diagonal => data.props.diagonal && shape.is_some_and(|s| !s.is_scalar()),
        Pred::Identity => analysis::is_identity(egraph, id),
        Pred::Zero => analysis::is_zero(egraph, id),
        Pred::AllOnes => analysis::is_all_ones(egraph, id),
        Pred::Integer => data.num.is_some_and(|n| n.is_integer()),
    }
}

fn guard(checks: &'static [(Pred, &'static str)]) -> impl Fn(&mut MathGraph, Id, &Subst) -> bool {
    let vars: Vec<(Pred, Var)> = checks.iter().map(|(p, v)| (*p, v.parse().expect("a pattern variable"))).collect();
    move |egraph, _, subst| vars.iter().all(|(p, v)| holds(egraph, subst[*v], *p))
}

/// The egg rewrite of one rule.
pub fn rewrite(r: &Rule) -> Rewrite<Math, MatrixAnalysis> {
    let lhs: Pattern<Math> = r.lhs.parse().unwrap_or_else(|e| panic!("rule {}: {e}", r.name));
    let made = match r.rhs {
        Rhs::Make(what) => Rewrite::new(r.name, lhs, ConditionalApplier { condition: guard(r.guard), applier: what }),
        Rhs::Pattern(rhs) => {
            let rhs: Pattern<Math> = rhs.parse().unwrap_or_else(|e| panic!("rule {}: {e}", r.name));
            Rewrite::new(r.name, lhs, ConditionalApplier { condition: guard(r.guard), applier: Shaped(rhs, None) })
        }
        Rhs::WithIdentity(rhs, side) => {
            let rhs: Pattern<Math> = rhs.parse().unwrap_or_else(|e| panic!("rule {}: {e}", r.name));
            Rewrite::new(r.name, lhs, ConditionalApplier { condition: guard(r.guard), applier: Shaped(rhs, Some(side)) })
        }
    };
    made.unwrap_or_else(|e| panic!("rule {}: {e}", r.name))
}

/// `(* X (* Y ?rest))` for `(* X Y)` when `Y` is not itself a product:
/// the left-hand side of `r` inside a right-associated product chain.
fn nested(lhs: &PatternAst<Math>) -> Option<PatternAst<Math>> {
    let nodes = lhs.as_ref();
    let ENodeOrVar::ENode(Math::Mul([x, y])) = nodes.last()? else { return None };
    if matches!(nodes[usize::from(*y)], ENodeOrVar::ENode(Math::Mul(_))) {
        return None;
    }
    let mut ast: PatternAst<Math> = nodes[..nodes.len() - 1].to_vec().into();
    let rest = ast.add(ENodeOrVar::Var(rest_var()));
    let inner = ast.add(ENodeOrVar::ENode(Math::Mul([*y, rest])));
    ast.add(ENodeOrVar::ENode(Math::Mul([*x, inner])));
    Some(ast)
}

fn rest_var() -> Var {
    "?rest".parse().expect("a variable")
}

/// `(* R ?rest)` for a right-hand side `R`.
fn times_rest(rhs: &PatternAst<Math>) -> PatternAst<Math> {
    let mut ast: PatternAst<Math> = rhs.as_ref().to_vec().into();
    let root = Id::from(ast.as_ref().len() - 1);
    let rest = ast.add(ENodeOrVar::Var(rest_var()));
    ast.add(ENodeOrVar::ENode(Math::Mul([root, rest])));
    ast
}

/// For a rule `(* X Y) → R` (with `Y` not a product), the rule
/// `(* X (* Y ?rest)) → (* R ?rest)`, named `name-in-chain`: the normalize
/// phase keeps products right-associated (so that associativity cannot blow
/// the e-graph up), and a rule about two adjacent factors must then also
/// match them at the head of a longer chain.
fn extension(r: &Rule) -> Option<Rewrite<Math, MatrixAnalysis>> {
    let lhs: Pattern<Math> = r.lhs.parse().ok()?;
    let lhs = Pattern::new(nested(&lhs.ast)?);
    let name = format!("{}-in-chain", r.name);
    let made = match r.rhs {
        Rhs::Make(what) => {
            Rewrite::new(name, lhs, ConditionalApplier { condition: guard(r.guard), applier: Extended { what, rest: rest_var() } })
        }
        // the identity must be that of the rows: the chain has other columns
        Rhs::WithIdentity(_, Side::Cols) => return None,
        Rhs::Pattern(rhs) | Rhs::WithIdentity(rhs, _) => {
            let side = match r.rhs {
                Rhs::WithIdentity(_, side) => Some(side),
                _ => None,
            };
            let rhs: Pattern<Math> = rhs.parse().ok()?;
            Rewrite::new(name, lhs, ConditionalApplier { condition: guard(r.guard), applier: Shaped(Pattern::new(times_rest(&rhs.ast)), side) })
        }
    };
    Some(made.unwrap_or_else(|e| panic!("rule {}: {e}", r.name)))
}

/// The rules of one phase, ready for a `Runner`; in the normalize phase,
/// with the in-chain extension of each rule about two adjacent factors.
pub fn phase(p: Phase) -> Vec<Rewrite<Math, MatrixAnalysis>> {
    let rules: Vec<Rule> = all_rules().into_iter().filter(|r| r.phases.has(p)).collect();
    let mut out: Vec<_> = rules.iter().map(rewrite).collect();
    if p == Phase::Normalize {
        out.extend(rules.iter().filter_map(extension));
    }
    out
}
