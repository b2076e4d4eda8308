//! The cross-check every result passes before it is printed: at random
//! points (sizes drawn for symbolic dimensions, values drawn inside each
//! variable's domain), the derivative applied to a random direction must
//! match central differences of the *original* program along it:
//!
//! - gradient `G`: `G : V` against `d/dt f(X + tV)`;
//! - Jacobian `J`: `J vec(V)` against `d/dt vec F(X + tV)`;
//! - Hessian `H`: `vec(U)ᵀ H vec(V)` against `∂²/∂s∂t f(X + sU + tV)`.
//!
//! Both forms of each result (for people, for NumPy) are checked, and the
//! NumPy form of every named adjoint against its readable form.
//!
//! Architecture invariant: the differences are taken of the program as
//! lowered, never of anything the differentiator or simplifier produced.

use std::collections::HashMap;

use egg::Id;

use super::{
    Domain, EvalError, Point, Rng, Value, directional, directional_all, draw, draw_point, draw_sizes, eval, eval_one,
    infer_domains, mixed_second,
};
use crate::diff::{Derivative, Kind};
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

/// With more results than this, gradients and Jacobians are first checked
/// all together (see [`check_point`]).
const JOINT_ABOVE: usize = 8;

/// The worst error at one point, or why the point is no good.
///
/// Each result is checked alone, along a random direction of its variable.
/// With more than [`JOINT_ABOVE`] results of a gradient or Jacobian, they
/// are first checked together, along a random direction of all the
/// variables at once (`Σ G_X : V_X` against `d/dt f(… X + tV_X …)`), which
/// costs a few evaluations of the program instead of a few per variable: a
/// sum of thousands of variables would otherwise take minutes. A random
/// direction misses a wrong result with probability zero; only when the
/// joint check disagrees are the results checked one by one, to say which.
fn check_point(
    g: &Graph,
    d: &Derivative,
    at: &Point,
    f: &mut dyn FnMut(&Point) -> Result<Value, EvalError>,
    rng: &mut Rng,
) -> Result<f64, PointError> {
    f(at)?;
    let mut worst: f64 = 0.0;
    // the NumPy forms of the adjoints against their readable forms
    let pairs: Vec<Id> = d.adjoints.iter().flat_map(|a| [g.info(*a).def.expect("defined"), d.numpy_defs[a]]).collect();
    let values = eval_all(g, &pairs, at)?;
    for (a, pair) in d.adjoints.iter().zip(values.chunks(2)) {
        let e = error(&pair[1], &pair[0]);
        if e > TOLERANCE {
            return Err(PointError::Disagrees(*a, e, true));
        }
    }
    // second differences are less accurate than first ones
    let tolerance = if d.kind == Kind::Hessian { 10.0 * TOLERANCE } else { TOLERANCE };
    let forms: Vec<Id> = d.entries.iter().flat_map(|e| [e.readable, e.numpy]).collect();
    let values = eval_all(g, &forms, at)?;
    if d.kind != Kind::Hessian && d.entries.len() > JOINT_ABOVE {
        let mut directions = Vec::with_capacity(d.entries.len());
        for entry in &d.entries {
            let info = g.info(entry.wrt);
            let (rows, cols) = super::size_of(&info.shape, &at.sizes)?;
            directions.push((entry.wrt, draw(Domain::Any, rows, cols, info.props.symmetric, rng)));
        }
        let want = column(&directional_all(f, at, &directions)?);
        for numpy in [false, true] {
            let mut got = Value::zeros(want.nrows(), 1);
            for (form, (_, v)) in values.chunks(2).zip(&directions) {
                let value = &form[usize::from(numpy)];
                got += match d.kind {
                    Kind::Gradient => scalar(value.dot(v)),
                    _ => value * column(v),
                };
            }
            let e = error(&got, &want);
            if e > tolerance {
                return check_each(g, d, at, f, rng, &values, tolerance);
            }
            worst = worst.max(e);
        }
        return Ok(worst);
    }
    check_each(g, d, at, f, rng, &values, tolerance)
}

/// Each result alone: the readable and NumPy forms (`values`, in pairs)
/// against differences along a random direction of its variable.
fn check_each(
    g: &Graph,
    d: &Derivative,
    at: &Point,
    f: &mut dyn FnMut(&Point) -> Result<Value, EvalError>,
    rng: &mut Rng,
    values: &[Value],
    tolerance: f64,
) -> Result<f64, PointError> {
    let mut worst: f64 = 0.0;
    for (entry, forms) in d.entries.iter().zip(values.chunks(2)) {
        let info = g.info(entry.wrt);
        let (rows, cols) = super::size_of(&info.shape, &at.sizes)?;
        let symmetric = info.props.symmetric;
        let v = draw(Domain::Any, rows, cols, symmetric, rng);
        let u = draw(Domain::Any, rows, cols, symmetric, rng);
        let want = match d.kind {
            Kind::Gradient => directional(f, at, entry.wrt, &v)?,
            Kind::Jacobian => column(&directional(f, at, entry.wrt, &v)?),
            Kind::Hessian => mixed_second(f, at, entry.wrt, &u, &v)?,
        };
        for (value, numpy) in [(&forms[0], false), (&forms[1], true)] {
            let got = match d.kind {
                Kind::Gradient => scalar(value.dot(&v)),
                Kind::Jacobian => value * column(&v),
                Kind::Hessian => column(&u).transpose() * (value * column(&v)),
            };
            let e = error(&got, &want);
            if e > tolerance {
                return Err(PointError::Disagrees(entry.wrt, e, numpy));
            }
            worst = worst.max(e);
        }
    }
    Ok(worst)
}

/// The seed of the check for a program: fixed, so runs are reproducible.
pub fn seed_of(source: &str) -> u64 {
    // FNV-1a
    source.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}
