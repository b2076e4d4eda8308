//! Kronecker products and vec: the mixed-product rule, scalars, the
//! products with a vector and an identity that a Hessian's vec form is full
//! of, and linearity of vec (Magnus & Neudecker, ch. 2).

use super::Pred::*;
use super::{Rule, rule};

#[rustfmt::skip]
pub const RULES: &[Rule] = &[
    rule("kronecker-mixed-product", "(* (⊗ ?a ?b) (⊗ ?c ?d))",  "(⊗ (* ?a ?c) (* ?b ?d))",        "(A ⊗ B)(C ⊗ D) = AC ⊗ BD"),
    rule("kronecker-scalar-left", "(⊗ (* ?k ?a) ?b)",           "(* ?k (⊗ ?a ?b))",               "(βA) ⊗ B = β(A ⊗ B)").when(&[(Scalar, "?k")]).normalize(),
    rule("kronecker-scalar-right", "(⊗ ?a (* ?k ?b))",          "(* ?k (⊗ ?a ?b))",               "A ⊗ (βB) = β(A ⊗ B)").when(&[(Scalar, "?k")]).normalize(),
    // A column a is a ⊗ 1 and 1 ⊗ a, a row likewise, so the mixed product
    // moves a neighbour into the other factor: (a ⊗ B)M = (a ⊗ B)(1 ⊗ M).
    rule("kronecker-column-left", "(* (⊗ ?a ?b) ?m)",           "(⊗ ?a (* ?b ?m))",               "(a ⊗ B)M = a ⊗ BM for a column a").when(&[(Column, "?a")]),
    rule("kronecker-column-right", "(* (⊗ ?b ?a) ?m)",          "(⊗ (* ?b ?m) ?a)",               "(B ⊗ a)M = BM ⊗ a for a column a").when(&[(Column, "?a")]),
    rule("kronecker-row-left",   "(* ?m (⊗ ?a ?b))",            "(⊗ ?a (* ?m ?b))",               "M(aᵀ ⊗ B) = aᵀ ⊗ MB for a row aᵀ").when(&[(Row, "?a")]),
    rule("kronecker-row-right",  "(* ?m (⊗ ?b ?a))",            "(⊗ (* ?m ?b) ?a)",               "M(B ⊗ aᵀ) = MB ⊗ aᵀ for a row aᵀ").when(&[(Row, "?a")]),
    rule("kronecker-outer",      "(⊗ ?a ?b)",                   "(* ?a ?b)",                      "a ⊗ bᵀ = abᵀ for a column a and a row bᵀ").when(&[(Column, "?a"), (Row, "?b")]),
    rule("kronecker-outer-swapped", "(⊗ ?b ?a)",                "(* ?a ?b)",                      "bᵀ ⊗ a = abᵀ for a column a and a row bᵀ").when(&[(Column, "?a"), (Row, "?b")]),
    rule("kronecker-associate-left", "(⊗ ?a (⊗ ?b ?c))",        "(⊗ (⊗ ?a ?b) ?c)",               "A ⊗ (B ⊗ C) = (A ⊗ B) ⊗ C"),
    rule("kronecker-scalar-in",  "(* ?k (⊗ ?a ?b))",            "(⊗ ?a (* ?k ?b))",               "β(A ⊗ B) = A ⊗ βB, to factor A out").when(&[(Scalar, "?k"), (NotScalar, "?a")]).factor(),
    rule("kronecker-factor-left", "(+ (⊗ ?a ?b) (⊗ ?a ?c))",    "(⊗ ?a (+ ?b ?c))",               "A ⊗ B + A ⊗ C = A ⊗ (B + C)").factor(),
    rule("kronecker-factor-right", "(+ (⊗ ?a ?c) (⊗ ?b ?c))",   "(⊗ (+ ?a ?b) ?c)",               "A ⊗ C + B ⊗ C = (A + B) ⊗ C").factor(),
    rule("vec-hadamard",         "(vec (∘ ?a ?b))",             "(∘ (vec ?a) (vec ?b))",          "vec(A ∘ B) = vec A ∘ vec B"),
    rule("vec-hadamard-back",    "(∘ (vec ?a) (vec ?b))",       "(vec (∘ ?a ?b))",                "vec A ∘ vec B = vec(A ∘ B)").factor(),
    rule("vec-factor",           "(+ (vec ?a) (vec ?b))",       "(vec (+ ?a ?b))",                "vec A + vec B = vec(A + B)").factor(),
    rule("vec-scalar-back",      "(* ?k (vec ?a))",             "(vec (* ?k ?a))",                "β vec A = vec(βA)").factor().when(&[(Scalar, "?k")]),
    rule("vec-scalar",           "(vec (* ?k ?a))",             "(* ?k (vec ?a))",                "vec(βA) = β vec A").when(&[(Scalar, "?k")]),
    // in the direction people read them: the matrix form, without vec
    rule("kronecker-trace",      "(tr (⊗ ?a ?b))",              "(* (tr ?a) (tr ?b))",            "tr(A ⊗ B) = tr(A) tr(B)").normalize(),
    rule("kronecker-vec",        "(* (⊗ ?a ?b) (vec ?x))",      "(vec (* ?b (* ?x (T ?a))))",     "(A ⊗ B) vec X = vec(BXAᵀ) (Magnus & Neudecker, Thm 2.2)").normalize(),
    rule("kronecker-vec-row",    "(* (T (vec ?x)) (⊗ ?a ?b))",  "(T (vec (* (T ?b) (* ?x ?a))))", "vec(X)ᵀ(A ⊗ B) = vec(BᵀXA)ᵀ").normalize(),
    rule("unvec-vec",            "(unvec (vec ?a) ?w)",         "?a",                             "unvec(vec A) = A, reshaped to A's own shape (the applier refuses any other)"),
    rule("vec-column",           "(vec ?a)",                    "?a",                             "vec(a) = a for a column a").when(&[(Column, "?a")]).normalize(),
    rule("vec-row",              "(vec ?a)",                    "(T ?a)",                         "vec(aᵀ) = a for a row aᵀ").when(&[(Row, "?a")]).normalize(),
    rule("kronecker-factor-right-difference", "(+ (⊗ ?a ?c) (* -1 (⊗ ?b ?c)))", "(⊗ (+ ?a (* -1 ?b)) ?c)", "A ⊗ C − B ⊗ C = (A − B) ⊗ C").factor(),
    rule("kronecker-factor-left-difference", "(+ (⊗ ?a ?b) (* -1 (⊗ ?a ?c)))", "(⊗ ?a (+ ?b (* -1 ?c)))", "A ⊗ B − A ⊗ C = A ⊗ (B − C)").factor(),
];
