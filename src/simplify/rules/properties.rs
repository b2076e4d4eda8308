//! Rules that hold by a declared (or derived) property of a value, each
//! guarded by the fact it needs (`ir::Props`):
//!
//! - probability columns (`p : n, probability`, `softmax`): `𝟙ᵀp = 1`,
//!   `𝟙ᵀY = 𝟙ᵀ`, `pᵀ𝟙 = 1`, `sum(p) = 1`;
//!   (`𝟙` a vector or matrix of ones: the number 1 is "all ones" too, and
//!   `1ᵀp = p`);
//! - centered columns (`c = x − mean(x)𝟙`, found by evaluation): `𝟙ᵀc = 0`,
//!   `cᵀ𝟙 = 0`, at the head of a product chain too (so that
//!   `ccᵀ(I − 𝟙𝟙ᵀ/n) = ccᵀ`, as in the Jacobian of layer normalization);
//! - positive values: `|a| = a`, `sign(a) = 𝟙` (so `log|a|` is `log a`).
//!
//! Symmetric and diagonal values need no rule of their own here: the
//! general rules guarded by `Symmetric` and `Diagonal` apply to them
//! (`transpose-symmetric` gives `Σᵀ = Σ`, `Σ⁻ᵀ = Σ⁻¹`, `Dᵀ = D`, since an
//! inverse of a symmetric matrix is symmetric; `diagonal-commute` lets
//! diagonal products commute).

use super::Pred::*;
use super::{Rhs, Rule, make, rule};
use crate::simplify::apply::Make;

#[rustfmt::skip]
pub const RULES: &[Rule] = &[
    make("probability-ones-left",  "(* (T ?o) ?p)",               Make::Ones,                       "𝟙ᵀp = 1 for a probability vector p; 𝟙ᵀY = 𝟙ᵀ when each column of Y is one").when(&[(AllOnes, "?o"), (NotScalar, "?o"), (Probability, "?p")]),
    make("probability-ones-right", "(* (T ?p) ?o)",               Make::Ones,                       "pᵀ𝟙 = 1 for a probability vector p; Yᵀ𝟙 = 𝟙 when each column of Y is one").when(&[(AllOnes, "?o"), (NotScalar, "?o"), (Probability, "?p")]),
    Rule {
        name: "probability-ones-chain",
        lhs: "(* (T ?o) (* ?p ?rest))",
        rhs: Rhs::MakeThen(Make::Ones, "(* (T ?o) ?p)"),
        ..make("probability-ones-chain", "", Make::Ones, "𝟙ᵀYB = 𝟙ᵀB when each column of Y sums to one (at the head of a product chain)")
    }.when(&[(AllOnes, "?o"), (NotScalar, "?o"), (Probability, "?p")]).normalize(),
    rule("probability-sum",        "(sum ?p)",                    "1",                              "sum(p) = 1 for a probability vector p").when(&[(Probability, "?p"), (Column, "?p")]),
    make("centered-ones-left",     "(* (T ?o) ?c)",               Make::Zero,                       "𝟙ᵀc = 0 when each column of c sums to zero").when(&[(AllOnes, "?o"), (NotScalar, "?o"), (Centered, "?c")]),
    make("centered-ones-right",    "(* (T ?c) ?o)",               Make::Zero,                       "cᵀ𝟙 = 0 when each column of c sums to zero").when(&[(AllOnes, "?o"), (NotScalar, "?o"), (Centered, "?c")]),
    make("centered-ones-chain",    "(* (T ?o) (* ?c ?rest))",     Make::Zero,                       "𝟙ᵀcB = 0 when each column of c sums to zero").when(&[(AllOnes, "?o"), (NotScalar, "?o"), (Centered, "?c")]),
    make("centered-ones-chain-right", "(* (T ?c) (* ?o ?rest))",  Make::Zero,                       "cᵀ𝟙B = 0 when each column of c sums to zero").when(&[(AllOnes, "?o"), (Column, "?o"), (NotScalar, "?o"), (Centered, "?c")]),
    rule("abs-positive",           "(map abs ?a)",                "?a",                             "|a| = a for a > 0, so log|a| = log a").when(&[(Positive, "?a")]),
    make("sign-positive",          "(map sign ?a)",               Make::Ones,                       "sign(a) = 1 for a > 0").when(&[(Positive, "?a")]),
];
