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
mod properties;
mod scalar;
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
    /// Nonnegative entries, each column summing to one (`ir::Props::probability`).
    Probability,
    /// Each column summing to zero (`ir::Props::centered`).
    Centered,
    Identity,
    Zero,
    AllOnes,
    /// A number that is an integer.
    Integer,
    /// A square matrix (not a scalar).
    Square,
}

/// The right-hand side: a pattern, a pattern whose `?i` is a unit sized by
/// the match (for factoring `A + BA = (I + B)A`), or a constant shaped like
/// the match.
#[derive(Clone, Copy, Debug)]
pub enum Rhs {
    Pattern(&'static str),
    WithUnit(&'static str, Unit),
    Make(Make),
    /// `(* C ?rest)` in an in-chain extension (see [`in_chain`]): `C` is
    /// the constant shaped like the pair pattern `(* X Y)` it replaces.
    MakeThen(Make, &'static str),
}

pub use super::apply::Unit;

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

/// `lhs => rhs`, with `?i` in `rhs` the `unit` sized by the match.
pub const fn with_unit(name: &'static str, lhs: &'static str, rhs: &'static str, unit: Unit, why: &'static str) -> Rule {
    Rule { name, lhs, rhs: Rhs::WithUnit(rhs, unit), guard: &[], phases: Phases { normalize: true, factor: true }, why }
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
        ("properties", properties::RULES),
        ("scalar", scalar::RULES),
    ]
}

/// Every rule: the tables', and the in-chain extension of each rule about
/// two adjacent factors (see [`in_chain`]).
pub fn all_rules() -> Vec<Rule> {
    static ALL: std::sync::OnceLock<Vec<Rule>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let base: Vec<Rule> = tables().into_iter().flat_map(|(_, t)| t.iter().copied()).collect();
        let extended: Vec<Rule> = base.iter().filter_map(in_chain).collect();
        base.into_iter().chain(extended).collect()
    })
    .clone()
}

/// What the rules named in `applied` did, in words, for a derivation's
/// reader (`--steps`): one phrase per family that acted, in a fixed order
/// (`collect like terms, cancel inverses`), not the rules' internal names.
pub fn describe(applied: &[String]) -> String {
    const WORDS: &[(&str, &str)] = &[
        ("sum", "collect and factor terms"),
        ("product", "multiply out"),
        ("scalar", "merge powers"),
        ("inverse", "cancel inverses"),
        ("transpose", "transpose"),
        ("hadamard", "write ∘ as Diag"),
        ("trace", "trace and ':' identities"),
        ("kronecker", "Kronecker and vec identities"),
        ("elementwise", "cancel inverse functions"),
    ];
    let tables = tables();
    let family = |rule: &str| {
        let rule = rule.strip_suffix("-in-chain").unwrap_or(rule);
        tables.iter().find(|(_, t)| t.iter().any(|r| r.name == rule)).map(|(f, _)| *f)
    };
    let acted: Vec<&str> = applied.iter().filter_map(|r| family(r)).collect();
    let words: Vec<&str> = WORDS.iter().filter(|(f, _)| acted.contains(f)).map(|(_, w)| *w).collect();
    if words.is_empty() { "expand and collect".to_string() } else { words.join(", ") }
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
    (
        make("probability-ones-scalar", "(* (T ?o) ?p)", super::apply::Make::Ones, "𝟙ᵀp = 1 with any ones, the number 1 too")
            .when(&[(Pred::AllOnes, "?o"), (Pred::Probability, "?p"), (Pred::Scalar, "?o")]),
        "the number 1 is all ones, but 1ᵀp = p, not 𝟙",
    ),
    (
        make("centered-ones-unguarded", "(* (T ?o) ?c)", super::apply::Make::Zero, "𝟙ᵀc = 0 for any c")
            .when(&[(Pred::AllOnes, "?o"), (Pred::NotScalar, "?o")]),
        "only columns that sum to zero (centered) vanish against 𝟙",
    ),
    (
        rule("unvec-vec-transposed", "(unvec (vec ?a) ?w)", "(T ?a)", "unvec(vec A) = Aᵀ"),
        "vec stacks columns and unvec unstacks them the same way: a square A comes back as A",
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
        // a row's softmax sums to one along the row, not down its columns
        Pred::Probability => data.props.probability && shape.is_some_and(|s| !s.rows.is_one()),
        Pred::Centered => data.props.centered && shape.is_some_and(|s| !s.rows.is_one()),
        Pred::Identity => analysis::is_identity(egraph, id),
        Pred::Zero => analysis::is_zero(egraph, id),
        Pred::AllOnes => analysis::is_all_ones(egraph, id),
        Pred::Integer => data.num.is_some_and(|n| n.is_integer()),
        Pred::Square => shape.is_some_and(|s| s.is_square() && !s.is_scalar()),
    }
}

fn guard(checks: &'static [(Pred, &'static str)]) -> impl Fn(&mut MathGraph, Id, &Subst) -> bool {
    let vars: Vec<(Pred, Var)> = checks.iter().map(|(p, v)| (*p, v.parse().expect("a pattern variable"))).collect();
    move |egraph, _, subst| vars.iter().all(|(p, v)| holds(egraph, subst[*v], *p))
}

fn rest_var() -> Var {
    "?rest".parse().expect("a variable")
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
        Rhs::WithUnit(rhs, unit) => {
            let rhs: Pattern<Math> = rhs.parse().unwrap_or_else(|e| panic!("rule {}: {e}", r.name));
            Rewrite::new(r.name, lhs, ConditionalApplier { condition: guard(r.guard), applier: Shaped(rhs, Some(unit)) })
        }
        Rhs::MakeThen(what, pair) => {
            let pair: Pattern<Math> = pair.parse().unwrap_or_else(|e| panic!("rule {}: {e}", r.name));
            let applier = Extended { what, pair, rest: rest_var() };
            Rewrite::new(r.name, lhs, ConditionalApplier { condition: guard(r.guard), applier })
        }
    };
    made.unwrap_or_else(|e| panic!("rule {}: {e}", r.name))
}

/// For a rule `(* X Y) → R` (`Y` not itself a product), the rule
/// `(* X (* Y ?rest)) → (* R ?rest)`, named `name-in-chain`, in the normalize
/// phase. Normalize keeps products right-associated (associativity both ways
/// would blow its e-graphs up), so a rule about two adjacent factors must
/// also match them at the head of a longer chain. Generated once; its
/// strings live as long as the program.
pub fn in_chain(r: &Rule) -> Option<Rule> {
    if !r.phases.normalize {
        return None;
    }
    let lhs: Pattern<Math> = r.lhs.parse().ok()?;
    let nodes = lhs.ast.as_ref();
    let ENodeOrVar::ENode(Math::Mul([x, y])) = nodes.last()? else { return None };
    // A free variable as the second factor matches a chain already; only a
    // structured one (`(pow ?a -1)`) or one the rule repeats (`?a ?a`) must
    // be looked for at the head of the rest of the chain.
    let uses = |v: &Var| nodes.iter().filter(|n| matches!(n, ENodeOrVar::Var(w) if w == v)).count();
    match &nodes[usize::from(*y)] {
        ENodeOrVar::ENode(Math::Mul(_) | Math::Add(_)) => return None,
        ENodeOrVar::Var(v) if uses(v) < 2 => return None,
        _ => {}
    }
    if matches!(nodes[usize::from(*x)], ENodeOrVar::ENode(Math::Mul(_) | Math::Add(_))) {
        return None;
    }
    let show = |id: Id| -> String {
        let sub: PatternAst<Math> = nodes[..=usize::from(id)].to_vec().into();
        sub.to_string()
    };
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let rhs = match r.rhs {
        Rhs::Pattern(p) => Rhs::Pattern(leak(format!("(* {p} ?rest)"))),
        // the identity is that of the rows; the chain has other columns
        Rhs::WithUnit(p, Unit::RowIdentity) => Rhs::WithUnit(leak(format!("(* {p} ?rest)")), Unit::RowIdentity),
        Rhs::WithUnit(_, Unit::ColIdentity | Unit::Ones) | Rhs::MakeThen(..) => return None,
        Rhs::Make(Make::Zero) => Rhs::Make(Make::Zero),
        Rhs::Make(what) => Rhs::MakeThen(what, leak(format!("(* {} {})", show(*x), show(*y)))),
    };
    Some(Rule {
        name: leak(format!("{}-in-chain", r.name)),
        lhs: leak(format!("(* {} (* {} ?rest))", show(*x), show(*y))),
        rhs,
        guard: r.guard,
        phases: Phases { normalize: true, factor: false },
        why: r.why,
    })
}

/// The rules of one phase, ready for a `Runner`.
pub fn phase(p: Phase) -> Vec<Rewrite<Math, MatrixAnalysis>> {
    all_rules().iter().filter(|r| r.phases.has(p)).map(rewrite).collect()
}
