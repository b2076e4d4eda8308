//! Traces and Frobenius products: cyclic traces, `a : b = aᵀb` for
//! vectors, `𝟙𝟙ᵀ : A = sum(A)`, and linearity.

use super::Pred::*;
use super::{Rule, rule};

#[rustfmt::skip]
pub const RULES: &[Rule] = &[
    rule("trace-cyclic",         "(tr (* ?a ?b))",              "(tr (* ?b ?a))",                 "tr(AB) = tr(BA)"),
    rule("trace-transpose",      "(tr (T ?a))",                 "(tr ?a)",                        "tr(Aᵀ) = tr(A)"),
    rule("trace-factor",         "(+ (tr ?a) (tr ?b))",         "(tr (+ ?a ?b))",                 "tr A + tr B = tr(A + B)").factor(),
    rule("trace-scalar",         "(tr (* ?k ?a))",              "(* ?k (tr ?a))",                 "tr(βA) = β tr A").when(&[(Scalar, "?k")]),
    rule("trace-frobenius",      "(tr (* (T ?a) ?b))",          "(: ?a ?b)",                      "tr(AᵀB) = A : B"),
    rule("frobenius-commute",    "(: ?a ?b)",                   "(: ?b ?a)",                      "A : B = B : A"),
    rule("frobenius-vectors",    "(: ?a ?b)",                   "(* (T ?a) ?b)",                  "a : b = aᵀb for column vectors").when(&[(Column, "?a")]),
    rule("frobenius-rows",       "(: ?a ?b)",                   "(* ?a (T ?b))",                  "a : b = abᵀ for row vectors").when(&[(Row, "?a")]),
    rule("frobenius-scalar",     "(: ?a (* ?k ?b))",            "(* ?k (: ?a ?b))",               "A : βB = β(A : B)").when(&[(Scalar, "?k")]),
    rule("frobenius-factor",     "(+ (: ?a ?b) (: ?a ?c))",     "(: ?a (+ ?b ?c))",               "A : B + A : C = A : (B + C)").factor(),
    rule("frobenius-ones",       "(: ?o ?a)",                   "(sum ?a)",                       "𝟙𝟙ᵀ : A = sum(A)").when(&[(AllOnes, "?o"), (NotScalar, "?o")]),
    rule("sum-transpose",        "(sum (T ?a))",                "(sum ?a)",                       "sum(Aᵀ) = sum(A)"),
    rule("frobenius-identity",   "(: ?i ?a)",                   "(tr ?a)",                        "I : A = tr(A)").when(&[(Identity, "?i"), (NotScalar, "?i")]).normalize(),
];
