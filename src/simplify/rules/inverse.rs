//! Inverses, determinants and norms: `AA⁻¹ = I`, `(A⁻¹)⁻¹ = A`,
//! `det(A⁻¹) = 1/det A`, `det Aᵀ = det A`.

use super::Pred::*;
use super::{Rule, make, rule};
use crate::simplify::apply::Make;

#[rustfmt::skip]
pub const RULES: &[Rule] = &[
    make("inverse-cancel-right", "(* ?a (pow ?a -1))",          Make::Identity,                   "AA⁻¹ = I"),
    make("inverse-cancel-left",  "(* (pow ?a -1) ?a)",          Make::Identity,                   "A⁻¹A = I"),
    rule("inverse-involution",   "(pow (pow ?a -1) -1)",        "?a",                             "(A⁻¹)⁻¹ = A"),
    rule("determinant-inverse",  "(det (pow ?a -1))",           "(pow (det ?a) -1)",              "det(A⁻¹) = 1/det(A)"),
    rule("determinant-transpose", "(det (T ?a))",               "(det ?a)",                       "det(Aᵀ) = det(A)"),
    rule("inverse-product",      "(pow (* ?a ?b) -1)",          "(* (pow ?b -1) (pow ?a -1))",    "(AB)⁻¹ = B⁻¹A⁻¹ for square A, B").when(&[(Square, "?a"), (Square, "?b")]).normalize(),
    rule("inverse-product-back", "(* (pow ?b -1) (pow ?a -1))", "(pow (* ?a ?b) -1)",             "B⁻¹A⁻¹ = (AB)⁻¹").when(&[(Square, "?a"), (Square, "?b")]).factor(),
    rule("logdet-transpose",     "(logdet (T ?a))",             "(logdet ?a)",                    "log|det Aᵀ| = log|det A|"),
];
