//! Hadamard (elementwise) products and their diagonal-matrix form: for
//! vectors `a ∘ b = Diag(a) b` (the seed answers' `S = Diag(s)` notation),
//! and `Diag` is linear and multiplicative.

use super::Pred::*;
use super::{Rule, Unit, make, rule, with_unit};
use crate::simplify::apply::Make;

#[rustfmt::skip]
pub const RULES: &[Rule] = &[
    rule("hadamard-commute",     "(∘ ?a ?b)",                   "(∘ ?b ?a)",                      "A ∘ B = B ∘ A"),
    rule("hadamard-associate",   "(∘ (∘ ?a ?b) ?c)",            "(∘ ?a (∘ ?b ?c))",               "(A ∘ B) ∘ C = A ∘ (B ∘ C)"),
    rule("hadamard-ones",        "(∘ ?a ?o)",                   "?a",                             "A ∘ 𝟙𝟙ᵀ = A").when(&[(AllOnes, "?o")]),
    make("hadamard-zero",        "(∘ ?a ?z)",                   Make::Zero,                       "A ∘ 0 = 0").when(&[(Zero, "?z")]),
    rule("hadamard-scalar",      "(∘ ?a (* ?k ?b))",            "(* ?k (∘ ?a ?b))",               "A ∘ (βB) = β(A ∘ B)").when(&[(Scalar, "?k")]),
    rule("hadamard-scalar-in",   "(* ?k (∘ ?a ?b))",            "(∘ ?a (* ?k ?b))",               "β(A ∘ B) = A ∘ βB, to factor A out").when(&[(Scalar, "?k"), (NotScalar, "?a")]).factor(),
    rule("hadamard-square",      "(∘ ?a ?a)",                   "(epow ?a 2)",                    "A ∘ A = A^∘2"),
    make("hadamard-reciprocal",  "(∘ ?a (epow ?a -1))",         Make::Ones,                       "A ∘ A^∘−1 = 𝟙𝟙ᵀ for A without zeros").when(&[(Positive, "?a")]),
    rule("hadamard-powers",      "(∘ (epow ?a ?j) (epow ?a ?k))", "(epow ?a (+ ?j ?k))",          "A^∘j ∘ A^∘k = A^∘(j+k)").when(&[(Integer, "?j"), (Integer, "?k")]),
    rule("hadamard-power",       "(∘ ?a (epow ?a ?k))",         "(epow ?a (+ ?k 1))",             "A ∘ A^∘k = A^∘(k+1)").when(&[(Integer, "?k")]),
    rule("hadamard-factor",      "(+ (∘ ?a ?b) (∘ ?a ?c))",     "(∘ ?a (+ ?b ?c))",               "A ∘ B + A ∘ C = A ∘ (B + C)").factor(),
    with_unit("hadamard-factor-ones", "(+ ?a (∘ ?a ?b))",       "(∘ ?a (+ ?i ?b))", Unit::Ones,   "A + A ∘ B = A ∘ (𝟙𝟙ᵀ + B)").factor().when(&[(NotScalar, "?a")]),
    rule("hadamard-diag",        "(∘ ?a ?b)",                   "(* (Diag ?a) ?b)",               "a ∘ b = Diag(a) b for column vectors").when(&[(Column, "?a")]),
    rule("hadamard-diag-row",    "(∘ ?a ?b)",                   "(* ?b (Diag ?a))",               "a ∘ b = b Diag(a) for row vectors").when(&[(Row, "?a")]),
    rule("diag-transpose",       "(Diag (T ?a))",               "(Diag ?a)",                      "Diag(aᵀ) = Diag(a)"),
    rule("diag-ones-vector",     "(* (Diag ?a) ?o)",            "?a",                             "Diag(a) 𝟙 = a").when(&[(AllOnes, "?o"), (Column, "?a")]),
    rule("ones-diag-vector",     "(* (T ?o) (Diag ?a))",        "(T ?a)",                         "𝟙ᵀDiag(a) = aᵀ").when(&[(AllOnes, "?o"), (NotScalar, "?o"), (Column, "?a")]),
    rule("ones-diag-chain",      "(* (T ?o) (* (Diag ?a) ?rest))", "(* (T ?a) ?rest)",            "𝟙ᵀDiag(a)B = aᵀB (at the head of a product chain)").when(&[(AllOnes, "?o"), (NotScalar, "?o"), (Column, "?a")]),
    rule("diag-factor",          "(+ (Diag ?a) (Diag ?b))",     "(Diag (+ ?a ?b))",               "Diag(a) + Diag(b) = Diag(a + b)").factor(),
    rule("diag-scalar",          "(Diag (* ?k ?a))",            "(* ?k (Diag ?a))",               "Diag(βa) = β Diag(a)").when(&[(Scalar, "?k")]),
    rule("diag-hadamard",        "(Diag (∘ ?a ?b))",            "(* (Diag ?a) (Diag ?b))",        "Diag(a ∘ b) = Diag(a) Diag(b)"),
    rule("diag-product",         "(* (Diag ?a) (Diag ?b))",     "(Diag (∘ ?a ?b))",               "Diag(a) Diag(b) = Diag(a ∘ b)").factor(),
    rule("diag-power-inside",    "(pow (Diag ?a) ?k)",          "(Diag (epow ?a ?k))",            "Diag(a)ᵏ = Diag(a^∘k)").factor().when(&[(Integer, "?k")]),
    rule("diag-hadamard-back",   "(* (Diag ?a) ?b)",            "(∘ ?a ?b)",                      "Diag(a) b = a ∘ b for a column b").factor().when(&[(Column, "?b")]),
    rule("diag-hadamard-back-row", "(* ?b (Diag ?a))",          "(∘ ?b (T ?a))",                  "b Diag(a) = b ∘ aᵀ for a row b, a column a").factor().when(&[(Row, "?b"), (Column, "?a")]),
    rule("diag-hadamard-back-rows", "(* ?b (Diag ?a))",         "(∘ ?b ?a)",                      "b Diag(a) = b ∘ a for rows a, b").factor().when(&[(Row, "?b"), (Row, "?a")]),
    rule("hadamard-square-back", "(epow ?a 2)",                 "(∘ ?a ?a)",                      "A^∘2 = A ∘ A").factor(),
    rule("diag-scalar-back",     "(* ?k (Diag ?a))",            "(Diag (* ?k ?a))",               "β Diag(a) = Diag(βa)").factor().when(&[(Scalar, "?k")]),
    rule("diag-power",           "(Diag (epow ?a ?k))",         "(pow (Diag ?a) ?k)",             "Diag(a^∘k) = Diag(a)ᵏ").when(&[(Integer, "?k")]),
    make("diag-ones",            "(Diag ?o)",                   Make::Identity,                   "Diag(𝟙) = I").when(&[(AllOnes, "?o")]),
    rule("diagonal-commute",     "(* ?a ?b)",                   "(* ?b ?a)",                      "diagonal matrices commute").when(&[(Diagonal, "?a"), (Diagonal, "?b")]),
    rule("diag-of-diag",         "(diag (Diag ?a))",            "?a",                             "diag(Diag(a)) = a").when(&[(Column, "?a")]),
    make("diag-inverse-vector",  "(* (pow (Diag ?a) -1) ?a)",   Make::Ones,                       "Diag(a)⁻¹a = 𝟙 for a without zeros").when(&[(Positive, "?a")]),
    make("diag-inverse-transposed", "(* (pow (Diag ?a) -1) (T ?a))", Make::Ones,                   "Diag(a)⁻¹aᵀ = 𝟙 for a row a without zeros").when(&[(Positive, "?a"), (Row, "?a")]),
    make("diag-inverse-row",     "(* (T ?a) (pow (Diag ?a) -1))", Make::Ones,                     "aᵀDiag(a)⁻¹ = 𝟙ᵀ for a without zeros").when(&[(Positive, "?a")]),
];
