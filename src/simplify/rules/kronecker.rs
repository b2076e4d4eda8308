//! Kronecker products and vec: the mixed-product rule, scalars, and
//! linearity of vec (Magnus & Neudecker, ch. 2).

use super::Pred::*;
use super::{Rule, rule};

#[rustfmt::skip]
pub const RULES: &[Rule] = &[
    rule("kronecker-mixed-product", "(* (⊗ ?a ?b) (⊗ ?c ?d))",  "(⊗ (* ?a ?c) (* ?b ?d))",        "(A ⊗ B)(C ⊗ D) = AC ⊗ BD"),
    rule("kronecker-scalar-left", "(⊗ (* ?k ?a) ?b)",           "(* ?k (⊗ ?a ?b))",               "(βA) ⊗ B = β(A ⊗ B)").when(&[(Scalar, "?k")]),
    rule("kronecker-scalar-right", "(⊗ ?a (* ?k ?b))",          "(* ?k (⊗ ?a ?b))",               "A ⊗ (βB) = β(A ⊗ B)").when(&[(Scalar, "?k")]),
    rule("vec-hadamard",         "(vec (∘ ?a ?b))",             "(∘ (vec ?a) (vec ?b))",          "vec(A ∘ B) = vec A ∘ vec B"),
    rule("vec-hadamard-back",    "(∘ (vec ?a) (vec ?b))",       "(vec (∘ ?a ?b))",                "vec A ∘ vec B = vec(A ∘ B)").factor(),
    rule("vec-factor",           "(+ (vec ?a) (vec ?b))",       "(vec (+ ?a ?b))",                "vec A + vec B = vec(A + B)").factor(),
    rule("vec-scalar-back",      "(* ?k (vec ?a))",             "(vec (* ?k ?a))",                "β vec A = vec(βA)").factor().when(&[(Scalar, "?k")]),
    rule("vec-scalar",           "(vec (* ?k ?a))",             "(* ?k (vec ?a))",                "vec(βA) = β vec A").when(&[(Scalar, "?k")]),
];
