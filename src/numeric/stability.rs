//! Which of two equal forms of a result to evaluate: the simplified one,
//! or the one the chain rule built, when the simplified one computes a
//! different number.
//!
//! The simplifier's normal form distributes products over sums, and its
//! factoring does not always gather the terms again: a Hessian through
//! `σ` then holds `s − 2s² + s³` spread over separate terms, each
//! multiplied by `(W^∘20)²`, whose sum cancels to nearly nothing — the
//! formula is exact, its value in floating point is noise (for
//! `p : log(softmax(σ(x W^∘21)))`, off by more than 10⁻⁶ at half of the
//! random points, against 0 of 120 for the chain rule's form). The form as
//! derived keeps each factor (`σ′(v)`) whole, computed once, as automatic
//! differentiation does; where the two forms disagree beyond rounding at a
//! few random points, the derived one is evaluated.

use egg::Id;

use super::check::attempt_point;
use super::eval::{EvalError, eval};
use super::{Rng, draw_sizes, infer_domains, relative_error, sample::names_under};
use crate::ir::{Graph, NameKind};
use crate::name::Name;

/// Forms with more nodes than this are not compared (the simplified one is
/// kept): evaluating them would cost more than the check itself.
const LARGEST: usize = 20_000;
/// Points at which the forms are compared.
const POINTS: usize = 3;
/// Draws before giving up on points where both forms are defined.
const ATTEMPTS: usize = 16;
/// The forms agree when they differ by at most this, relative to the
/// derived one (at least 1), as [`relative_error`] measures.
const AGREE: f64 = 1e-9;

/// `simplified`, unless at one of a few random points (from a fixed seed:
/// the choice is deterministic) it differs from `derived`, an equal
/// expression as the chain rule built it, by more than [`AGREE`]: then
/// `derived`.
pub fn steadiest(g: &Graph, simplified: Id, derived: Id) -> Id {
    if simplified == derived || g.reachable(&[simplified, derived]).len() > LARGEST {
        return simplified;
    }
    let forms = [simplified, derived];
    let mut variables: Vec<Name> = names_under(g, &forms).into_iter().filter(|n| g.info(*n).kind == NameKind::Variable).collect();
    variables.sort();
    variables.dedup();
    let dims: Vec<Name> =
        variables.iter().flat_map(|v| g.info(*v).shape.rows.names().chain(g.info(*v).shape.cols.names())).collect();
    let domains = infer_domains(g, &forms);
    let mut rng = Rng::new(0x5354_4541_4459);
    let (mut points, mut misses) = (0, 0);
    while points < POINTS && misses < ATTEMPTS {
        let sizes = draw_sizes(dims.iter().copied(), &mut rng);
        let at = attempt_point(g, &variables, &domains, &sizes, misses * 4, &mut rng);
        match eval(g, &forms, &at) {
            Ok(values) if relative_error(&values[0], &values[1]) > AGREE => return derived,
            Ok(_) => points += 1,
            Err(EvalError::TooLarge(_)) => break,
            Err(_) => misses += 1,
        }
    }
    simplified
}
