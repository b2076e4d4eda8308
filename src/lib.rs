//! matdiff: symbolic matrix calculus, checked numerically.
//!
//! The pipeline, in reading order: `syntax` (text → AST), `shape` (inference),
//! `lower` (AST → IR bindings), `diff` (differentials, gradients, Jacobians,
//! Hessians), `simplify` (egg), `numeric` (the cross-check), `print`.

pub mod diagnostic;
pub mod diff;
pub mod error;
pub mod ir;
pub mod lower;
pub mod name;
pub mod num;
pub mod present;
pub mod print;
pub mod numeric;
pub mod shape;
pub mod simplify;
pub mod syntax;
