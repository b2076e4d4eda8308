//! matdiff: symbolic matrix calculus, checked numerically.
//!
//! The pipeline, in reading order: `syntax` (text → AST), `shape` (inference),
//! `lower` (AST → IR bindings), `diff` (differentials, gradients, Jacobians,
//! Hessians), `simplify` (egg), `numeric` (the cross-check), `print`.

pub mod diagnostic;
pub mod error;
pub mod ir;
pub mod name;
pub mod num;
pub mod numeric;
pub mod shape;
pub mod syntax;
