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
    Domain, EvalError, Point, Rng, Value, directional_along, draw_point, draw_sizes, eval, eval_one, infer_domains,
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
/// Points drawn before giving up on finding one inside every domain (see
/// [`attempt_point`]).
pub const ATTEMPTS: usize = 64;

/// Each point's values are moved by this relative amount, entry by entry,
/// node by node, to see how much rounding moves a result (a few units in
/// the last place: ε = 2⁻⁵²).
const ROUNDING: f64 = 4.0 * f64::EPSILON;
/// A disagreement is explained by rounding when it is within this many
/// times the largest move of the perturbed evaluations.
const ROUNDING_MARGIN: f64 = 8.0;
/// How many perturbed evaluations estimate the rounding of a result.
const PERTURBED_RUNS: usize = 3;

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
        let sizes = draw_sizes(dims.iter().copied(), &mut rng);
        // declared sizes too large to hold a value: no other point will do
        for &v in variables {
            if let Some(info) = g.names.get(&v)
                && let Err(e @ EvalError::TooLarge(_)) = super::size_of(&info.shape, &sizes)
            {
                return Err(Failure::TooLarge(format!("`{v}`: {e}")));
            }
        }
        let point = attempt_point(g, variables, &domains, &sizes, misses, &mut rng);
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

/// The point for the check's attempt after `misses` points that were no
/// good: drawn from each variable's domain, then scaled down as the misses
/// mount — by ½ every [`ATTEMPTS`]/16 misses, so that a program that
/// overflows or underflows at standard normal values (`W^∘21`, a softmax
/// of it) is checked where it is well-conditioned — and, for the second
/// half of the attempts, with every variable positive (logs of products of
/// variables are defined there), again from scale 1.
pub fn attempt_point(
    g: &Graph,
    variables: &[Name],
    domains: &HashMap<Name, Domain>,
    sizes: &HashMap<Name, usize>,
    misses: usize,
    rng: &mut Rng,
) -> Point {
    let positive = misses >= ATTEMPTS / 2;
    let domains: HashMap<Name, Domain> = if positive {
        variables.iter().map(|&v| (v, domains.get(&v).copied().unwrap_or_default().merge(Domain::Positive))).collect()
    } else {
        domains.clone()
    };
    let mut point = draw_point(g, variables, &domains, sizes, rng);
    let halvings = (misses % (ATTEMPTS / 2)) / (ATTEMPTS / 16);
    let scale = 0.5f64.powi(halvings as i32);
    // declared properties (a probability vector) may not survive scaling
    if halvings > 0 {
        for (name, v) in point.values.iter_mut().filter(|(n, _)| g.info(**n).props == crate::ir::Props::NONE) {
            if domains.get(name).copied().unwrap_or_default() <= Domain::Positive {
                *v *= scale;
            }
        }
    }
    point
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

/// What rounding can do to the values of some roots at a point: their
/// values under [`PERTURBED_RUNS`] perturbed evaluations (see
/// [`super::eval::eval_perturbed`]), made only when a comparison fails.
struct Rounding<'a> {
    g: &'a Graph,
    roots: &'a [Id],
    at: &'a Point,
    runs: Option<Vec<Vec<Value>>>,
}

impl Rounding<'_> {
    /// `ROUNDING_MARGIN` times the largest move of `measure` (a function
    /// of the roots' values) under perturbation, from its value at
    /// `exact`, relative to `max(1, |want|)` as [`error`] measures.
    fn allowance(
        &mut self,
        exact: &[Value],
        measure: &dyn Fn(&[Value]) -> Value,
        want: &Value,
        rng: &mut Rng,
    ) -> Result<f64, EvalError> {
        if self.runs.is_none() {
            let runs: Result<Vec<Vec<Value>>, EvalError> =
                (0..PERTURBED_RUNS).map(|_| super::eval::eval_perturbed(self.g, self.roots, self.at, rng, ROUNDING)).collect();
            self.runs = Some(runs?);
        }
        let base = measure(exact);
        let mut moved: f64 = 0.0;
        for run in self.runs.as_ref().expect("just made") {
            moved = moved.max((measure(run) - &base).amax());
        }
        Ok(ROUNDING_MARGIN * moved / want.amax().max(1.0))
    }
}

/// How much rounding can explain of the difference between `got` (roots
/// `got_roots` of `got_g`) and `want` (roots `want_roots` of `want_g`) at
/// `at`, relative as [`error`] measures: [`ROUNDING_MARGIN`] times the
/// largest move of either side when every operation is perturbed by a few
/// ulps. The same expression evaluated in another order (a printed formula
/// read back) differs by about that much where its terms cancel.
pub fn rounding_allowance(
    (got_g, got_roots): (&Graph, &[Id]),
    (want_g, want_roots): (&Graph, &[Id]),
    at: &Point,
    rng: &mut Rng,
) -> Result<Vec<f64>, EvalError> {
    let mut moved = vec![0.0f64; want_roots.len()];
    for (g, roots) in [(got_g, got_roots), (want_g, want_roots)] {
        let exact = eval(g, roots, at)?;
        for _ in 0..PERTURBED_RUNS {
            let run = super::eval::eval_perturbed(g, roots, at, rng, ROUNDING)?;
            for ((m, r), e) in moved.iter_mut().zip(&run).zip(&exact) {
                *m = m.max((r - e).amax() / e.amax().max(1.0));
            }
        }
    }
    Ok(moved.into_iter().map(|m| ROUNDING_MARGIN * m).collect())
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
///
/// A disagreement beyond the tolerance is reported only when rounding in
/// the compared expressions cannot explain it: when perturbing every
/// operation by a few units in the last place moves the result by less
/// (a factor distributed into terms that cancel makes a form noisy, not
/// wrong). A comparison so explained is left out of the worst error.
fn check_point(
    g: &Graph,
    d: &Derivative,
    at: &Point,
    f: &mut dyn FnMut(&Point) -> Result<Value, EvalError>,
    rng: &mut Rng,
) -> Result<f64, PointError> {
    f(at)?;
    // the gradients a Hessian was derived from, as first derivatives
    let gradients_worst = if d.gradients.is_empty() {
        0.0
    } else {
        let gradients = Derivative { kind: Kind::Gradient, entries: d.gradients.clone(), gradients: Vec::new(), ..d.clone() };
        check_point(g, &gradients, at, f, rng)?
    };
    let adjoints: Vec<Id> = d.adjoints.iter().flat_map(|&a| [g.info(a).def.expect("defined"), d.numpy_defs[&a]]).collect();
    let forms: Vec<Id> = d.entries.iter().flat_map(|e| [e.readable, e.numpy]).collect();
    let roots = [adjoints.as_slice(), forms.as_slice()].concat();
    let values = eval_all(g, &roots, at)?;
    let mut rounding = Rounding { g, roots: &roots, at, runs: None };
    let n_adjoints = adjoints.len();
    // the NumPy forms of the adjoints against their readable forms
    for (k, &a) in d.adjoints.iter().enumerate() {
        let (readable, numpy) = (&values[2 * k], &values[2 * k + 1]);
        let e = error(numpy, readable);
        if e > TOLERANCE {
            // both forms round
            let difference = |v: &[Value]| &v[2 * k + 1] - &v[2 * k];
            if e > TOLERANCE + rounding.allowance(&values, &difference, readable, rng)? {
                return Err(PointError::Disagrees(a, e, true));
            }
        }
    }
    let entry_values =
        |v: &[Value], i: usize| -> [Value; 2] { [v[n_adjoints + 2 * i].clone(), v[n_adjoints + 2 * i + 1].clone()] };
    let results: Vec<(&Entry, &[Value])> = d.entries.iter().zip(values[n_adjoints..].chunks(2)).collect();
    restricted_where_declared(g, d, &results)?;
    if d.kind == Kind::Hessian {
        let mut worst: f64 = 0.0;
        for (i, entry) in d.entries.iter().enumerate() {
            // a cross block ∂²f/∂vec(X)∂vec(Y)ᵀ moves X along u, Y along v
            let y = entry.cross.unwrap_or(entry.wrt);
            let u = direction(g, entry.wrt, at, 1.0, rng)?;
            let v = direction(g, y, at, 1.0, rng)?;
            let want = mixed_second_along(f, at, &[(entry.wrt, &u)], &[(y, &v)])?;
            let apply = |h: &Value| column(&u).transpose() * (h * column(&v));
            let applied = entry_values(&values, i).map(|h| apply(&h));
            let measure = |form: usize| move |vals: &[Value]| apply(&vals[n_adjoints + 2 * i + form]);
            // second differences are less accurate than first ones
            let e = compare(entry.wrt, applied, &want, 10.0 * TOLERANCE, &mut |form| {
                rounding.allowance(&values, &measure(form), &want, rng)
            })?;
            worst = worst.max(e);
        }
        return Ok(worst.max(gradients_worst));
    }
    let mut dirs = Vec::with_capacity(d.entries.len());
    for (i, entry) in d.entries.iter().enumerate() {
        let size = values[n_adjoints + 2 * i].iter().fold(0.0f64, |m, x| m.max(x.abs()));
        dirs.push(direction(g, entry.wrt, at, 1.0 / size.max(1.0), rng)?);
    }
    // the results of `which`, in one form, applied to their directions and summed
    let applied = |vals: &[Value], form: usize, which: &[usize]| -> Value {
        let mut sum: Option<Value> = None;
        for &i in which {
            let value = &vals[n_adjoints + 2 * i + form];
            let term = match d.kind {
                Kind::Jacobian => value * column(&dirs[i]),
                _ => scalar(value.dot(&dirs[i])),
            };
            sum = Some(match sum {
                Some(s) => s + term,
                None => term,
            });
        }
        sum.expect("at least one result")
    };
    let differences = |f: &mut dyn FnMut(&Point) -> Result<Value, EvalError>, along: &[usize]| -> Result<Value, EvalError> {
        let moves: Vec<(Name, &Value)> = along.iter().map(|&i| (d.entries[i].wrt, &dirs[i])).collect();
        let want = directional_along(f, at, &moves)?;
        Ok(if d.kind == Kind::Jacobian { column(&want) } else { want })
    };
    let mut compare_along = |which: &[usize], want: &Value, rng: &mut Rng| -> Result<f64, PointError> {
        let wrt = d.entries[which[0]].wrt;
        let got = [0, 1].map(|form| applied(&values, form, which));
        compare(wrt, got, want, TOLERANCE, &mut |form| {
            rounding.allowance(&values, &|vals: &[Value]| applied(vals, form, which), want, rng)
        })
    };
    let all: Vec<usize> = (0..d.entries.len()).collect();
    let want = differences(f, &all)?;
    match compare_along(&all, &want, rng) {
        Ok(worst) => Ok(worst),
        Err(joint_failure) => {
            for i in 0..d.entries.len() {
                let want = differences(f, &[i])?;
                compare_along(&[i], &want, rng)?;
            }
            Err(joint_failure)
        }
    }
}

/// A gradient or Hessian with respect to a symmetric (diagonal) variable
/// must itself be symmetric (diagonal, for a gradient) (CONTRACT §2):
/// directions that respect the variable's declaration cannot see the rest
/// of a result, so it is checked here, in both forms.
fn restricted_where_declared(g: &Graph, d: &Derivative, results: &[(&Entry, &[Value])]) -> Result<(), PointError> {
    use crate::diff::gradient::{Moves, moves};
    if d.kind == Kind::Jacobian {
        return Ok(());
    }
    // a cross block is not square: each side was restricted when derived
    for &(entry, values) in results.iter().filter(|r| r.0.cross.is_none()) {
        let moving = moves(g, entry.wrt);
        if moving == Moves::Freely {
            continue;
        }
        for (value, numpy) in values.iter().zip([false, true]) {
            let mut want = value.transpose();
            if moving == Moves::Diagonally && d.kind == Kind::Gradient {
                want = Value::from_diagonal(&value.diagonal());
            }
            let e = error(value, &want);
            if e > TOLERANCE {
                return Err(PointError::Disagrees(entry.wrt, e, numpy));
            }
        }
    }
    Ok(())
}

/// A random direction for `var` at `at` (symmetric for a symmetric
/// variable, diagonal for a diagonal one, so the differences stay in the
/// set the result assumes), scaled by `scale`.
fn direction(g: &Graph, var: Name, at: &Point, scale: f64, rng: &mut Rng) -> Result<Value, EvalError> {
    let info = g.info(var);
    let (rows, cols) = super::size_of(&info.shape, &at.sizes)?;
    Ok(super::draw_direction(info.props, rows, cols, rng) * scale)
}

/// The worst error of the readable and the NumPy form of a result
/// (applied to the directions), or the first that disagrees by more than
/// `tolerance` plus what rounding explains (`allowance`, by form, asked
/// only of a form beyond the tolerance; such a form is left out of the
/// worst error).
fn compare(
    wrt: Name,
    applied: [Value; 2],
    want: &Value,
    tolerance: f64,
    allowance: &mut dyn FnMut(usize) -> Result<f64, EvalError>,
) -> Result<f64, PointError> {
    let mut worst: f64 = 0.0;
    for (form, got) in applied.iter().enumerate() {
        let e = error(got, want);
        if e <= tolerance {
            worst = worst.max(e);
        } else if e > tolerance + allowance(form)? {
            return Err(PointError::Disagrees(wrt, e, form == 1));
        }
    }
    Ok(worst)
}

/// The seed of the check for a program: fixed, so runs are reproducible,
/// and a function of the program as parsed (its statements as
/// s-expressions), so that spacing, line breaks and comments do not move
/// the points; the text itself when it does not parse.
pub fn seed_of(source: &str) -> u64 {
    match crate::syntax::parse(source) {
        Ok(program) => fnv(&crate::syntax::sexpr::program(&program)),
        Err(_) => fnv(source),
    }
}

/// FNV-1a of the bytes of `text`.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
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
        let mut at = attempt_point(g, variables, &domains, &sizes, attempts - 1, &mut rng);
        let mut dirs: Vec<(Name, Value)> = Vec::new();
        for &x in wrt {
            let Ok((r, c)) = super::size_of(&g.info(x).shape, &at.sizes) else { continue };
            dirs.push((x, super::draw_direction(g.info(x).props, r, c, &mut rng)));
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
                    // like v: the gradient of a symmetric (diagonal) variable
                    // is defined by its action on such directions only
                    let u = super::draw_direction(g.info(x).props, v.nrows(), v.ncols(), &mut rng);
                    // differences that cannot be trusted here: another point
                    let Ok(h) = mixed_second_along(&mut |p| eval_one(g, def, p), &at, &[(x, &u)], &along) else {
                        continue 'points;
                    };
                    (h, Some(u))
                }
            };
            for (i, line) in section.lines.iter().enumerate() {
                let value = eval_one(g, line.expr, &at).map_err(|e| format!("line {}: {e}", i + 1))?;
                let project = |value: Value| match &weight {
                    None if matches!(section.of, Of::Vectorized(_)) => column(&value),
                    None => value,
                    Some(u) => scalar(column(u).dot(&column(&value))),
                };
                let got = project(value);
                let e = error(&got, &want);
                let tolerance = if weight.is_some() { 10.0 * TOLERANCE } else { TOLERANCE };
                if e <= tolerance {
                    worst = worst.max(e);
                    continue;
                }
                // before accusing the line: is it rounding (terms that cancel)?
                let mut moved: f64 = 0.0;
                for _ in 0..PERTURBED_RUNS {
                    let Ok(mut v) = super::eval::eval_perturbed(g, &[line.expr], &at, &mut rng, ROUNDING) else {
                        continue 'points;
                    };
                    moved = moved.max((project(v.remove(0)) - &got).amax());
                }
                if e > tolerance + ROUNDING_MARGIN * moved / want.amax().max(1.0) {
                    return Err(format!("{}, line {} ({}): error {e:.1e}", section.title, i + 1, line.rule));
                }
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
