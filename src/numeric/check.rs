//! The cross-check every result passes before it is printed: at random
//! points (sizes drawn for symbolic dimensions, values drawn inside each
//! variable's domain), the derivative applied to a random direction must
//! match central differences of the *original* program along it:
//!
//! - gradient `G`: `G : V` against `d/dt f(X + tV)`;
//! - Jacobian `J`: `J vec(V)` against `d/dt vec F(X + tV)`;
//!   (for several variables, the sum over all of them against one
//!   difference that moves them all);
//! - Hessian `H`: `vec(U)ᵀ H vec(V)` against `∂²/∂s∂t f(X + sU + tV)`;
//!   a cross block `H_XY` against `∂²/∂s∂t f(X + sU, Y + tV)`.
//!
//! Both forms of each result (for people, for NumPy) are checked, and the
//! NumPy form of every named adjoint against its readable form.
//!
//! Architecture invariant: the differences are taken of the program as
//! lowered, never of anything the differentiator or simplifier produced.

use std::collections::HashMap;

use egg::Id;

use super::{
    Domain, EvalError, Point, Rng, Value, directional_along, draw, draw_point, draw_sizes, eval, eval_one, infer_domains,
    mixed_second_along,
};
use crate::diff::{Derivative, Entry, Kind};
use crate::ir::Graph;
use crate::name::Name;

/// How many points are checked.
pub const POINTS: usize = 3;
/// A result whose worst error exceeds this disagrees. Differences with one
/// Richardson step are good to about 1e-9 on well-scaled values; a wrong
/// derivative is off by far more.
pub const TOLERANCE: f64 = 1e-5;
/// Points drawn before giving up on finding one inside every domain.
const ATTEMPTS: usize = 40;

#[derive(Clone, Debug)]
pub struct Report {
    /// The worst error over all results and points.
    pub worst: f64,
    pub points: usize,
}

#[derive(Clone, Debug)]
pub enum Failure {
    /// A result disagrees with finite differences.
    Disagrees { wrt: Name, error: f64, numpy: bool },
    /// No point could be found where the program is defined.
    NoPoint(String),
    /// The program's values are too large to evaluate (declared sizes).
    TooLarge(String),
}

/// `max |got − want| / max(1, max |want|)`, as the acceptance check measures.
fn error(got: &Value, want: &Value) -> f64 {
    super::relative_error(got, want)
}

fn column(v: &Value) -> Value {
    Value::from_column_slice(v.len(), 1, v.as_slice())
}

fn scalar(x: f64) -> Value {
    Value::from_element(1, 1, x)
}

/// Checks `d` against the program whose variables, named dimensions and
/// differentiated binding are given.
pub fn check(g: &Graph, d: &Derivative, variables: &[Name], dims: &[Name], seed: u64) -> Result<Report, Failure> {
    let f_root = g.info(d.of).def.expect("the function is a definition");
    let domains = infer_domains(g, &[f_root]);
    let mut rng = Rng::new(seed);
    let mut function = |p: &Point| eval_one(g, f_root, p);
    let (mut worst, mut checked, mut misses, mut retries) = (0.0f64, 0, 0, 0);
    while checked < POINTS {
        // After many misses, draw everything positive: logs of products of
        // variables are defined there.
        let domains: HashMap<Name, Domain> = if misses >= ATTEMPTS / 2 {
            variables.iter().map(|&v| (v, domains.get(&v).copied().unwrap_or_default().merge(Domain::Positive))).collect()
        } else {
            domains.clone()
        };
        let sizes = draw_sizes(dims.iter().copied(), &mut rng);
        // declared sizes too large to hold a value: no other point will do
        for &v in variables {
            if let Some(info) = g.names.get(&v)
                && let Err(e @ EvalError::TooLarge(_)) = super::size_of(&info.shape, &sizes)
            {
                return Err(Failure::TooLarge(format!("`{v}`: {e}")));
            }
        }
        let point = draw_point(g, variables, &domains, &sizes, &mut rng);
        match check_point(g, d, &point, &mut function, &mut rng) {
            Ok(e) => {
                worst = worst.max(e);
                checked += 1;
            }
            Err(PointError::TooLarge(why)) => return Err(Failure::TooLarge(why)),
            Err(PointError::Undefined(why)) => {
                misses += 1;
                if misses >= ATTEMPTS {
                    return Err(Failure::NoPoint(why));
                }
            }
            // A point next to a kink (relu, abs) or of extreme curvature can
            // fool the differences: look elsewhere before accusing.
            Err(PointError::Disagrees(..)) if retries < 2 => retries += 1,
            Err(PointError::Disagrees(wrt, error, numpy)) => return Err(Failure::Disagrees { wrt, error, numpy }),
        }
    }
    Ok(Report { worst, points: checked })
}

enum PointError {
    Disagrees(Name, f64, bool),
    Undefined(String),
    TooLarge(String),
}

impl From<EvalError> for PointError {
    fn from(e: EvalError) -> PointError {
        match e {
            EvalError::TooLarge(_) => PointError::TooLarge(e.to_string()),
            _ => PointError::Undefined(e.to_string()),
        }
    }
}

/// At most this many entries are held at once when results are evaluated
/// together (as [`eval`] holds every root's value to the end).
const BATCH_ENTRIES: usize = 1 << 22;

/// The values of `roots` at `at`, evaluated together in batches: one
/// evaluation each would evaluate what they share (a chain of named
/// adjoints, say) once per root, quadratic in the length of the chain.
fn eval_all(g: &Graph, roots: &[Id], at: &Point) -> Result<Vec<Value>, EvalError> {
    let mut values = Vec::with_capacity(roots.len());
    let mut batch: Vec<Id> = Vec::new();
    let mut entries = 0usize;
    for &r in roots {
        let (rows, cols) = super::size_of(g.shape(r), &at.sizes)?;
        if !batch.is_empty() && entries.saturating_add(rows * cols) > BATCH_ENTRIES {
            values.extend(eval(g, &batch, at)?);
            (batch, entries) = (Vec::new(), 0);
        }
        batch.push(r);
        entries = entries.saturating_add(rows * cols);
    }
    if !batch.is_empty() {
        values.extend(eval(g, &batch, at)?);
    }
    Ok(values)
}

/// The worst error at one point, or why the point is no good.
///
/// Every form is evaluated in one pass, so what they share is computed
/// once. First derivatives are checked along one random direction that
/// moves every variable at once (one finite difference for all of them,
/// not one per variable: checking a deep network's weights is then linear
/// in its depth); each variable's part of the direction is scaled to its
/// result's size, so that a small result cannot hide behind a large one.
/// Only when that disagrees is each variable checked alone, to name the
/// wrong one. Hessians are checked block by block, cross blocks too.
fn check_point(
    g: &Graph,
    d: &Derivative,
    at: &Point,
    f: &mut dyn FnMut(&Point) -> Result<Value, EvalError>,
    rng: &mut Rng,
) -> Result<f64, PointError> {
    f(at)?;
    let adjoints: Vec<Id> = d.adjoints.iter().flat_map(|&a| [g.info(a).def.expect("defined"), d.numpy_defs[&a]]).collect();
    let forms: Vec<Id> = d.entries.iter().flat_map(|e| [e.readable, e.numpy]).collect();
    let values = eval_all(g, &[adjoints.as_slice(), forms.as_slice()].concat(), at)?;
    let (adjoint_values, form_values) = values.split_at(adjoints.len());
    // the NumPy forms of the adjoints against their readable forms
    for (&a, pair) in d.adjoints.iter().zip(adjoint_values.chunks(2)) {
        let e = error(&pair[1], &pair[0]);
        if e > TOLERANCE {
            return Err(PointError::Disagrees(a, e, true));
        }
    }
    let results: Vec<(&Entry, &[Value])> = d.entries.iter().zip(form_values.chunks(2)).collect();
    if d.kind == Kind::Hessian {
        let mut worst: f64 = 0.0;
        for &(entry, values) in &results {
            // a cross block ∂²f/∂vec(X)∂vec(Y)ᵀ moves X along u, Y along v
            let y = entry.cross.unwrap_or(entry.wrt);
            let u = direction(g, entry.wrt, at, 1.0, rng)?;
            let v = direction(g, y, at, 1.0, rng)?;
            let want = mixed_second_along(f, at, &[(entry.wrt, &u)], &[(y, &v)])?;
            let applied = values.iter().map(|h| column(&u).transpose() * (h * column(&v)));
            // second differences are less accurate than first ones
            worst = worst.max(compare(entry.wrt, applied, &want, 10.0 * TOLERANCE)?);
        }
        return Ok(worst);
    }
    let mut dirs = Vec::with_capacity(results.len());
    for &(entry, values) in &results {
        let size = values[0].iter().fold(0.0f64, |m, x| m.max(x.abs()));
        dirs.push(direction(g, entry.wrt, at, 1.0 / size.max(1.0), rng)?);
    }
    let applied = |form: usize, which: &mut dyn Iterator<Item = usize>| -> Value {
        let mut sum: Option<Value> = None;
        for i in which {
            let values = results[i].1;
            let term = match d.kind {
                Kind::Jacobian => &values[form] * column(&dirs[i]),
                _ => scalar(values[form].dot(&dirs[i])),
            };
            sum = Some(match sum {
                Some(s) => s + term,
                None => term,
            });
        }
        sum.expect("at least one result")
    };
    let differences = |f: &mut dyn FnMut(&Point) -> Result<Value, EvalError>, along: &[usize]| -> Result<Value, EvalError> {
        let moves: Vec<(Name, &Value)> = along.iter().map(|&i| (results[i].0.wrt, &dirs[i])).collect();
        let want = directional_along(f, at, &moves)?;
        Ok(if d.kind == Kind::Jacobian { column(&want) } else { want })
    };
    let all: Vec<usize> = (0..results.len()).collect();
    let want = differences(f, &all)?;
    let joint = [0, 1].map(|form| applied(form, &mut all.iter().copied()));
    let culprit = results[0].0.wrt;
    match compare(culprit, joint.into_iter(), &want, TOLERANCE) {
        Ok(worst) => Ok(worst),
        Err(joint_failure) => {
            for (i, (entry, _)) in results.iter().enumerate() {
                let want = differences(f, &[i])?;
                compare(entry.wrt, [0, 1].map(|form| applied(form, &mut std::iter::once(i))).into_iter(), &want, TOLERANCE)?;
            }
            Err(joint_failure)
        }
    }
}

/// A random direction for `var` at `at` (symmetric for a symmetric
/// variable, so the differences stay in the set the result assumes),
/// scaled by `scale`.
fn direction(g: &Graph, var: Name, at: &Point, scale: f64, rng: &mut Rng) -> Result<Value, EvalError> {
    let info = g.info(var);
    let (rows, cols) = super::size_of(&info.shape, &at.sizes)?;
    Ok(draw(Domain::Any, rows, cols, info.props.symmetric, rng) * scale)
}

/// The worst error of the readable and the NumPy form of a result
/// (applied to the directions), or the first that disagrees.
fn compare(wrt: Name, applied: impl Iterator<Item = Value>, want: &Value, tolerance: f64) -> Result<f64, PointError> {
    let mut worst: f64 = 0.0;
    for (got, numpy) in applied.zip([false, true]) {
        let e = error(&got, want);
        if e > tolerance {
            return Err(PointError::Disagrees(wrt, e, numpy));
        }
        worst = worst.max(e);
    }
    Ok(worst)
}

/// The seed of the check for a program: fixed, so runs are reproducible.
pub fn seed_of(source: &str) -> u64 {
    // FNV-1a
    source.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// Checks a derivation line by line (`--steps`): at random points, with a
/// random direction for each variable differentiated, every line of every
/// section must equal what its section derives — `df` (or `vec dF`) by
/// central differences of the program, or for the differential of a
/// gradient, the mixed second difference `∂²f/∂s∂t (X + sU + tV)` against
/// `U : line` — with each `d(name)` in it the directional derivative of
/// that name (also by differences). Each definition's differential is
/// checked against the differences of its name. Returns the worst error,
/// or the first line that disagrees.
pub fn verify_steps(
    g: &Graph,
    steps: &crate::diff::steps::Steps,
    variables: &[Name],
    dims: &[Name],
    wrt: &[Name],
    seed: u64,
) -> Result<f64, String> {
    use crate::diff::steps::Of;
    let mut rng = Rng::new(seed);
    let mut worst: f64 = 0.0;
    let mut checked = 0;
    let mut attempts = 0;
    let names: Vec<Name> = steps
        .definitions
        .iter()
        .flat_map(|d| [d.2])
        .chain(steps.sections.iter().flat_map(|s| s.lines.iter().map(|l| l.expr)))
        .flat_map(|root| diff_names(g, root))
        .chain(steps.definitions.iter().map(|d| d.0))
        .collect::<indexmap::IndexSet<Name>>()
        .into_iter()
        .collect();
    'points: while checked < POINTS {
        attempts += 1;
        if attempts > ATTEMPTS {
            return Err("no point where the program is defined".into());
        }
        let f_root = g.info(steps_function(steps)).def.expect("a definition");
        let domains = infer_domains(g, &[f_root]);
        let sizes = draw_sizes(dims.iter().copied(), &mut rng);
        let mut at = draw_point(g, variables, &domains, &sizes, &mut rng);
        let mut dirs: Vec<(Name, Value)> = Vec::new();
        for &x in wrt {
            let Ok((r, c)) = super::size_of(&g.info(x).shape, &at.sizes) else { continue };
            dirs.push((x, draw(Domain::Any, r, c, g.info(x).props.symmetric, &mut rng)));
        }
        let along: Vec<(Name, &Value)> = dirs.iter().map(|(n, v)| (*n, v)).collect();
        // the directional derivative of each name, by differences
        let mut ok = true;
        for &n in &names {
            let value = match dirs.iter().find(|d| d.0 == n) {
                Some((_, v)) => v.clone(),
                None => match g.info(n).def {
                    Some(def) => match super::directional_along(&mut |p| eval_one(g, def, p), &at, &along) {
                        Ok(v) => v,
                        Err(_) => {
                            ok = false;
                            break;
                        }
                    },
                    None => {
                        let (r, c) = super::size_of(&g.info(n).shape, &at.sizes).map_err(|e| e.to_string())?;
                        Value::zeros(r, c)
                    }
                },
            };
            at.diffs.insert(n, value);
        }
        if !ok || eval_one(g, f_root, &at).is_err() {
            continue;
        }
        // each definition's differential against the differences of its name
        for &(name, _, diff) in &steps.definitions {
            let got = eval_one(g, diff, &at).map_err(|e| e.to_string())?;
            let e = error(&got, &at.diffs[&name]);
            if e > TOLERANCE {
                return Err(format!("the differential of {name} disagrees (error {e:.1e})"));
            }
            worst = worst.max(e);
        }
        for section in &steps.sections {
            let (want, weight): (Value, Option<Value>) = match section.of {
                Of::Differential(f) => (at.diffs[&f].clone(), None),
                Of::Vectorized(f) => (column(&at.diffs[&f]), None),
                Of::Gradient(f, x) | Of::VectorizedGradient(f, x) => {
                    // d(∂f/∂x) moves every variable differentiated (the
                    // cross blocks' terms): U : d(∂f/∂x) = ∂²/∂s∂t f(x + sU, · + t d·)
                    let def = g.info(f).def.expect("a definition");
                    let v = dirs.iter().find(|d| d.0 == x).map(|d| d.1.clone()).expect("a direction for x");
                    let u = draw(Domain::Any, v.nrows(), v.ncols(), false, &mut rng);
                    // differences that cannot be trusted here: another point
                    let Ok(h) = mixed_second_along(&mut |p| eval_one(g, def, p), &at, &[(x, &u)], &along) else {
                        continue 'points;
                    };
                    (h, Some(u))
                }
            };
            for (i, line) in section.lines.iter().enumerate() {
                let value = eval_one(g, line.expr, &at).map_err(|e| format!("line {}: {e}", i + 1))?;
                let got = match &weight {
                    None if matches!(section.of, Of::Vectorized(_)) => column(&value),
                    None => value,
                    Some(u) => scalar(column(u).dot(&column(&value))),
                };
                let e = error(&got, &want);
                let tolerance = if weight.is_some() { 10.0 * TOLERANCE } else { TOLERANCE };
                if e > tolerance {
                    return Err(format!("{}, line {} ({}): error {e:.1e}", section.title, i + 1, line.rule));
                }
                worst = worst.max(e);
            }
        }
        checked += 1;
    }
    Ok(worst)
}

/// The names whose differentials appear under `root`.
fn diff_names(g: &Graph, root: egg::Id) -> Vec<Name> {
    g.reachable(&[root])
        .into_iter()
        .filter_map(|id| match *g.node(id) {
            crate::ir::Math::Diff(s) => match *g.node(s) {
                crate::ir::Math::Sym(n) => Some(n),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The function a derivation derives (what its first section differentiates).
fn steps_function(steps: &crate::diff::steps::Steps) -> Name {
    use crate::diff::steps::Of;
    match steps.sections[0].of {
        Of::Differential(f) | Of::Vectorized(f) | Of::Gradient(f, _) | Of::VectorizedGradient(f, _) => f,
    }
}
