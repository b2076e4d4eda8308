//! Scalar algebra, as a textbook writes it: powers of one base merged
//! (`det(X) det(X)^(−1/2) = det(X)^(1/2)`), a power of a power, and `sign`
//! against its neighbours (`sign(t)/abs(t) = 1/t`). The normal form
//! (`simplify::canon`) applies these to every product's scalar factors;
//! each holds wherever its left side is defined (a fractional power asks
//! for a base ≥ 0, a negative one for a nonzero base). They run in the
//! normalize phase only: factoring does not make new ones.

use super::Pred::*;
use super::{Rule, rule};

#[rustfmt::skip]
pub const RULES: &[Rule] = &[
    rule("scalar-powers",        "(* (pow ?a ?j) (pow ?a ?k))", "(pow ?a (+ ?j ?k))",             "aʲaᵏ = aʲ⁺ᵏ for a scalar a").when(&[(Scalar, "?a")]).normalize(),
    rule("scalar-power",         "(* ?a (pow ?a ?k))",          "(pow ?a (+ ?k 1))",              "a·aᵏ = aᵏ⁺¹ for a scalar a").when(&[(Scalar, "?a")]).normalize(),
    rule("scalar-power-left",    "(* (pow ?a ?k) ?a)",          "(pow ?a (+ ?k 1))",              "aᵏ·a = aᵏ⁺¹ for a scalar a").when(&[(Scalar, "?a")]).normalize(),
    rule("power-of-power",       "(pow (pow ?a ?j) ?k)",        "(pow ?a (* ?j ?k))",             "(Aʲ)ᵏ = Aʲᵏ for an integer k").when(&[(Integer, "?k")]).normalize(),
    rule("scalar-power-product", "(pow (* ?a ?b) ?k)",          "(* (pow ?a ?k) (pow ?b ?k))",    "(ab)ᵏ = aᵏbᵏ for scalars a, b and an integer k").when(&[(Scalar, "?a"), (Scalar, "?b"), (Integer, "?k")]).normalize(),
    rule("sign-times",           "(* ?t (map sign ?t))",        "(map abs ?t)",                   "t sign(t) = abs(t)").when(&[(Scalar, "?t")]).normalize(),
    rule("sign-times-left",      "(* (map sign ?t) ?t)",        "(map abs ?t)",                   "sign(t) t = abs(t)").when(&[(Scalar, "?t")]).normalize(),
    rule("sign-over-abs",        "(* (map sign ?t) (pow (map abs ?t) -1))", "(pow ?t -1)",       "sign(t)/abs(t) = 1/t").when(&[(Scalar, "?t")]).normalize(),
    rule("sign-over-abs-left",   "(* (pow (map abs ?t) -1) (map sign ?t))", "(pow ?t -1)",       "sign(t)/abs(t) = 1/t").when(&[(Scalar, "?t")]).normalize(),
];
