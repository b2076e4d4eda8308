//! Facts about the program's definitions found by evaluating them, where
//! no structural rule derives them: a definition whose columns sum to zero
//! at random points (`c = x − mean(x)𝟙`, `(I − 𝟙𝟙ᵀ/n)X`) is `centered`, so
//! that the simplifier may use `𝟙ᵀc = 0` (the Jacobian of layer
//! normalization needs it).
//!
//! A polynomial identity that holds at random points holds everywhere but
//! on a set of measure zero (Schwartz–Zippel); these definitions are not
//! all polynomials, so a fact found here is a strong guess, not a proof.
//! A wrong one could not print silently: every result, and every printed
//! formula, is checked numerically against the program itself.

use crate::ir::{Graph, Props};
use crate::name::Name;

use super::{Rng, draw_point, draw_sizes, eval, infer_domains};

/// Points each fact must hold at.
const POINTS: usize = 2;
/// A column sum counts as zero below this fraction of the column's entries'
/// magnitudes (rounding leaves about 1e-16 of them).
const ZERO: f64 = 1e-10;

/// Marks each definition in `definitions` whose columns sum to zero at
/// random points as `centered` (see [`Props::centered`]); `variables` and
/// `dims` are the program's.
pub fn mark_centered(g: &mut Graph, definitions: &[Name], variables: &[Name], dims: &[Name], seed: u64) {
    let candidates: Vec<Name> = definitions
        .iter()
        .copied()
        .filter(|&n| {
            let info = g.info(n);
            !info.shape.rows.is_one() && !info.props.probability && info.def.is_some()
        })
        .collect();
    if candidates.is_empty() {
        return;
    }
    let roots: Vec<egg::Id> = candidates.iter().map(|&n| g.sym(n)).collect();
    let domains = infer_domains(g, &roots);
    let mut rng = Rng::new(seed ^ 0x63656e7465726564);
    let mut holds = vec![true; candidates.len()];
    for _ in 0..POINTS {
        let sizes = draw_sizes(dims.iter().copied(), &mut rng);
        let at = draw_point(g, variables, &domains, &sizes, &mut rng);
        let Ok(values) = eval(g, &roots, &at) else { return };
        for (h, v) in holds.iter_mut().zip(&values) {
            *h &= v
                .column_iter()
                .all(|col| col.sum().abs() <= ZERO * col.iter().map(|x| x.abs()).sum::<f64>().max(f64::MIN_POSITIVE));
        }
    }
    for (&name, _) in candidates.iter().zip(&holds).filter(|(_, h)| **h) {
        g.add_facts(name, Props { centered: true, ..Props::NONE });
    }
}
