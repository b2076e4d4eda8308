//! Products: associativity (the applier refuses groupings that do not
//! exist), scalars to the front, identities, zeros, powers.

use super::Pred::*;
use super::{Rule, Unit, make, rule, with_unit};
use crate::simplify::apply::Make;

#[rustfmt::skip]
pub const RULES: &[Rule] = &[
    rule("product-associate-right", "(* (* ?a ?b) ?c)", "(* ?a (* ?b ?c))",         "(AB)C = A(BC)"),
    // only in the factor phase: normalize keeps chains right-associated
    rule("product-associate-left", "(* ?a (* ?b ?c))", "(* (* ?a ?b) ?c)",          "A(BC) = (AB)C").factor(),
    rule("product-scalar-front", "(* ?a (* ?k ?b))",  "(* ?k (* ?a ?b))",          "A(βB) = β(AB) for a scalar β").when(&[(Scalar, "?k")]),
    rule("product-scalar-left",  "(* ?a ?k)",         "(* ?k ?a)",                 "Aβ = βA for a scalar β").when(&[(Scalar, "?k")]),
    rule("product-scalar-inward", "(* ?k (* ?a ?b))", "(* ?a (* ?k ?b))",          "β(AB) = A(βB), to factor A out").when(&[(Scalar, "?k"), (NotScalar, "?a")]).factor(),
    rule("product-identity-left", "(* ?i ?a)",        "?a",                        "IA = A, 1·A = A").when(&[(Identity, "?i")]),
    rule("product-identity-right", "(* ?a ?i)",       "?a",                        "AI = A").when(&[(Identity, "?i")]),
    make("product-zero-left",    "(* ?z ?a)",         Make::Zero,                  "0A = 0").when(&[(Zero, "?z")]),
    make("product-zero-right",   "(* ?a ?z)",         Make::Zero,                  "A0 = 0").when(&[(Zero, "?z")]),
    rule("product-square",       "(* ?a ?a)",         "(pow ?a 2)",                "AA = A²"),
    with_unit("product-factor-square", "(+ ?a (* -1 (pow ?a 2)))", "(* ?a (+ ?i (* -1 ?a)))", Unit::RowIdentity, "A − A² = A(I − A), as σ′ = S − S² = S(I − S)").when(&[(NotScalar, "?a")]),
    rule("product-power",        "(* ?a (pow ?a ?k))", "(pow ?a (+ ?k 1))",        "A·Aᵏ = Aᵏ⁺¹").when(&[(Integer, "?k")]),
    rule("product-powers",       "(* (pow ?a ?j) (pow ?a ?k))", "(pow ?a (+ ?j ?k))", "AʲAᵏ = Aʲ⁺ᵏ").when(&[(Integer, "?j"), (Integer, "?k")]),
];
