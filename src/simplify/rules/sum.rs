//! Sums: commutativity and associativity, zeros, collecting like terms,
//! and factoring common factors out (`Ax + Aᵀx = (A + Aᵀ)x`). Distributing
//! is the normal form's job (`simplify::canon`), not a rule's.

use super::Pred::*;
use super::{Rule, Unit, make, rule, with_unit};
use crate::simplify::apply::Make;

#[rustfmt::skip]
pub const RULES: &[Rule] = &[
    // only in the factor phase: normalize keeps sums canonical (simplify::canon)
    rule("sum-commute",          "(+ ?a ?b)",                     "(+ ?b ?a)",                 "A + B = B + A").factor(),
    rule("sum-associate-right",  "(+ (+ ?a ?b) ?c)",              "(+ ?a (+ ?b ?c))",          "(A + B) + C = A + (B + C)").factor(),
    rule("sum-associate-left",   "(+ ?a (+ ?b ?c))",              "(+ (+ ?a ?b) ?c)",          "A + (B + C) = (A + B) + C").factor(),
    rule("sum-zero",             "(+ ?a ?z)",                     "?a",                        "A + 0 = A").when(&[(Zero, "?z")]),
    rule("sum-double",           "(+ ?a ?a)",                     "(* 2 ?a)",                  "A + A = 2A"),
    rule("sum-collect-one",      "(+ (* ?k ?a) ?a)",              "(* (+ ?k 1) ?a)",           "αA + A = (α + 1)A").when(&[(Scalar, "?k")]),
    rule("sum-collect",          "(+ (* ?j ?a) (* ?k ?a))",       "(* (+ ?j ?k) ?a)",          "αA + βA = (α + β)A").when(&[(Scalar, "?j"), (Scalar, "?k")]),
    make("sum-cancel",           "(+ ?a (* -1 ?a))",              Make::Zero,                  "A − A = 0"),
    rule("sum-negate-twice",     "(* -1 (* -1 ?a))",              "?a",                        "−(−A) = A"),
    rule("sum-negate-difference", "(* -1 (+ ?a (* -1 ?b)))",      "(+ ?b (* -1 ?a))",          "−(A − B) = B − A").factor(),
    rule("sum-negate-pull",      "(+ ?b (* -1 ?a))",              "(* -1 (+ ?a (* -1 ?b)))",   "B − A = −(A − B)").factor(),
    rule("sum-factor-left",      "(+ (* ?a ?b) (* ?a ?c))",       "(* ?a (+ ?b ?c))",          "AB + AC = A(B + C)").factor(),
    rule("sum-factor-right",     "(+ (* ?a ?c) (* ?b ?c))",       "(* (+ ?a ?b) ?c)",          "AC + BC = (A + B)C").factor(),
    with_unit("sum-factor-right-identity", "(+ ?c (* ?b ?c))", "(* (+ ?i ?b) ?c)", Unit::RowIdentity, "C + BC = (I + B)C").factor().when(&[(NotScalar, "?c")]),
    with_unit("sum-factor-left-identity", "(+ ?a (* ?a ?b))", "(* ?a (+ ?i ?b))", Unit::ColIdentity, "A + AB = A(I + B)").factor().when(&[(NotScalar, "?a")]),
];
