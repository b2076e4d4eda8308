//! Transposes, pushed inward: through products (reversing them), sums,
//! Hadamard and Kronecker products, powers and elementwise functions; gone
//! on symmetric values. (Matrix Cookbook (4)–(6).)

use super::Pred::*;
use super::{Rule, rule};

#[rustfmt::skip]
pub const RULES: &[Rule] = &[
    rule("transpose-involution", "(T (T ?a))",        "?a",                        "(Aᵀ)ᵀ = A"),
    rule("transpose-symmetric",  "(T ?a)",            "?a",                        "Aᵀ = A for symmetric A (scalars, Diag(v), I…)").when(&[(Symmetric, "?a")]),
    rule("transpose-product",    "(T (* ?a ?b))",     "(* (T ?b) (T ?a))",         "(AB)ᵀ = BᵀAᵀ"),
    rule("transpose-sum",        "(T (+ ?a ?b))",     "(+ (T ?a) (T ?b))",         "(A + B)ᵀ = Aᵀ + Bᵀ"),
    rule("transpose-hadamard",   "(T (∘ ?a ?b))",     "(∘ (T ?a) (T ?b))",         "(A ∘ B)ᵀ = Aᵀ ∘ Bᵀ"),
    rule("transpose-kronecker",  "(T (⊗ ?a ?b))",     "(⊗ (T ?a) (T ?b))",         "(A ⊗ B)ᵀ = Aᵀ ⊗ Bᵀ"),
    rule("transpose-power",      "(T (pow ?a ?k))",   "(pow (T ?a) ?k)",           "(Aᵏ)ᵀ = (Aᵀ)ᵏ, (A⁻¹)ᵀ = (Aᵀ)⁻¹"),
    rule("transpose-epower",     "(T (epow ?a ?k))",  "(epow (T ?a) ?k)",          "(A^∘k)ᵀ = (Aᵀ)^∘k"),
    rule("transpose-map",        "(T (map ?f ?a))",   "(map ?f (T ?a))",           "f(A)ᵀ = f(Aᵀ) for elementwise f"),
    rule("transpose-sum-out",    "(+ (T ?a) (T ?b))", "(T (+ ?a ?b))",             "Aᵀ + Bᵀ = (A + B)ᵀ").factor(),
    rule("transpose-difference-out", "(+ (T ?a) (* -1 (T ?b)))", "(T (+ ?a (* -1 ?b)))", "Aᵀ − Bᵀ = (A − B)ᵀ").factor(),
];
