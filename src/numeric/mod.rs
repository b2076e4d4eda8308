//! Numbers for the cross-check: evaluation of IR nodes, random points that
//! respect each variable's domain, finite differences.
//!
//! Architecture invariant: nothing here knows about derivatives. The check
//! differentiates the original program by finite differences
//! ([`directional`], [`mixed_second`]) and compares with the symbolic result
//! evaluated by the same [`eval`]; it never reuses the symbolic path.

pub mod check;
mod eval;
pub mod facts;
mod fd;
mod rng;
mod sample;
pub mod stability;
#[cfg(test)]
mod tests;

pub use eval::{EvalError, Point, Value, eval, eval_one, size_of};
pub use fd::{directional, directional_along, mixed_second, mixed_second_along, relative_error};
pub use rng::Rng;
pub use sample::{Domain, draw, draw_direction, draw_point, draw_sizes, infer_domains};
