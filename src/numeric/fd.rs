//! Central finite differences with one Richardson step: the independent
//! reference every symbolic derivative is checked against.
//!
//! A central difference with step `h` is `f′ + c₂h² + c₄h⁴ + …`; combining
//! the steps `h` and `h/2` as `(4·D(h/2) − D(h))/3` cancels the `h²` term.
//! With the truncation error `O(h⁴)` and the rounding error `O(ε/h)` (first
//! derivatives) or `O(ε/h²)` (second), the best steps are near `ε^{1/5}` and
//! `ε^{1/6}`: relative to the scale of the point, `2⁻¹⁰` and `2⁻⁹`. The
//! errors are then around 10⁻¹² and 10⁻¹⁰ of the function's scale. A third
//! step, `h/4`, confirms the estimate: where rounding dominates, the point
//! is refused, not trusted.
//!
//! The step is measured in the variable's units: `h·‖dir‖_max` is that
//! fraction of `max(1, ‖x‖_max)`, so the perturbation is small against the
//! value however the direction is scaled (and an SPD point stays SPD). It is
//! rounded down to a power of two, so that `t·dir` and the halved step are
//! exact.

use super::eval::{EvalError, Point, Value};
use crate::name::Name;

/// The relative step for first derivatives, ≈ ε^{1/5}.
const STEP: f64 = 1.0 / 1024.0;
/// The relative step for second derivatives, ≈ ε^{1/6}.
const STEP2: f64 = 1.0 / 512.0;

/// How closely two Richardson estimates must agree (first and second
/// derivatives), well inside the check's tolerance.
const CONSISTENT: f64 = 1e-7;
const CONSISTENT2: f64 = 1e-6;

type Result<T> = std::result::Result<T, EvalError>;

/// `d/dt f(at with var += t·dir)` at `t = 0`.
///
/// The direction is the caller's: for a variable declared symmetric it
/// should be symmetric too, or the difference leaves the set the symbolic
/// result assumes.
pub fn directional(f: &mut dyn FnMut(&Point) -> Result<Value>, at: &Point, var: Name, dir: &Value) -> Result<Value> {
    directional_along(f, at, &[(var, dir)])
}

/// `d/dt f(at with every var += t·dir)` at `t = 0`: the directional
/// derivative when several variables move at once (each step the smallest
/// any of them asks for).
pub fn directional_along(f: &mut dyn FnMut(&Point) -> Result<Value>, at: &Point, dirs: &[(Name, &Value)]) -> Result<Value> {
    let mut bases = Vec::with_capacity(dirs.len());
    let mut h = f64::INFINITY;
    for &(var, dir) in dirs {
        let x = base(at, var, &[dir])?;
        h = h.min(step(&x, dir, STEP));
        bases.push(x);
    }
    let mut moved = at.clone();
    let central = |h: f64| -> Result<Value> {
        for (&(var, dir), x) in dirs.iter().zip(&bases) {
            moved.values.insert(var, x + dir * h);
        }
        let plus = f(&moved)?;
        for (&(var, dir), x) in dirs.iter().zip(&bases) {
            moved.values.insert(var, x - dir * h);
        }
        let minus = f(&moved)?;
        difference(&plus, &minus, 1.0 / (2.0 * h))
    };
    extrapolated(central, h, CONSISTENT)
}

/// `∂²/∂s∂t f(at with var += s·u + t·v)` at `s = t = 0`: the bilinear form
/// `uᵀ H v` of the Hessian, by the four-point formula
/// `(f(+,+) − f(+,−) − f(−,+) + f(−,−)) / 4 hᵤ hᵥ`.
pub fn mixed_second(f: &mut dyn FnMut(&Point) -> Result<Value>, at: &Point, var: Name, u: &Value, v: &Value) -> Result<Value> {
    mixed_second_along(f, at, &[(var, u)], &[(var, v)])
}

/// `∂²/∂s∂t f(at with each var of `us` += s·u, each of `vs` += t·v)` at
/// `s = t = 0`, by the same four-point formula: for `us = [(X, U)]` and
/// `vs = [(Y, V)]`, `vec(U)ᵀ H_XY vec(V)` with the cross block
/// `H_XY = ∂²f/∂vec(X)∂vec(Y)ᵀ`; with several variables in `vs`, the sum
/// of such terms (a variable may be in both).
pub fn mixed_second_along(
    f: &mut dyn FnMut(&Point) -> Result<Value>,
    at: &Point,
    us: &[(Name, &Value)],
    vs: &[(Name, &Value)],
) -> Result<Value> {
    // each moved variable once: its value, and its directions along s and t
    let mut moves: Vec<(Name, Value, Option<&Value>, Option<&Value>)> = Vec::new();
    for &(var, _) in us.iter().chain(vs) {
        if moves.iter().any(|m| m.0 == var) {
            continue;
        }
        let u = us.iter().find(|m| m.0 == var).map(|m| m.1);
        let v = vs.iter().find(|m| m.0 == var).map(|m| m.1);
        let dirs: Vec<&Value> = u.into_iter().chain(v).collect();
        moves.push((var, base(at, var, &dirs)?, u, v));
    }
    let (mut hu, mut hv) = (f64::INFINITY, f64::INFINITY);
    for (_, x, u, v) in &moves {
        if let Some(u) = u {
            hu = hu.min(step(x, u, STEP2));
        }
        if let Some(v) = v {
            hv = hv.min(step(x, v, STEP2));
        }
    }
    let mut moved = at.clone();
    let mut four_point = |hu: f64, hv: f64| -> Result<Value> {
        let mut at_corner = |s: f64, t: f64| -> Result<Value> {
            for (var, x, u, v) in &moves {
                let mut y = x.clone();
                if let Some(u) = u {
                    y += *u * s;
                }
                if let Some(v) = v {
                    y += *v * t;
                }
                moved.values.insert(*var, y);
            }
            f(&moved)
        };
        let pp = at_corner(hu, hv)?;
        let pm = at_corner(hu, -hv)?;
        let mp = at_corner(-hu, hv)?;
        let mm = at_corner(-hu, -hv)?;
        let plus = difference(&pp, &pm, 1.0)?;
        let minus = difference(&mp, &mm, 1.0)?;
        difference(&plus, &minus, 1.0 / (4.0 * hu * hv))
    };
    extrapolated(|k| four_point(hu * k, hv * k), 1.0, CONSISTENT2)
}

/// `max|got − want| / max(1, max|want|)`: relative for large values,
/// absolute for small ones. Infinite when the shapes differ or anything is
/// not finite.
pub fn relative_error(got: &Value, want: &Value) -> f64 {
    if got.shape() != want.shape() {
        return f64::INFINITY;
    }
    let mut diff: f64 = 0.0;
    let mut scale: f64 = 1.0;
    for (g, w) in got.iter().zip(want.iter()) {
        let d = (g - w).abs();
        if !d.is_finite() {
            return f64::INFINITY;
        }
        diff = diff.max(d);
        scale = scale.max(w.abs());
    }
    diff / scale
}

/// The value of `var` at `at`, which the directions must match in shape.
fn base(at: &Point, var: Name, dirs: &[&Value]) -> Result<Value> {
    let x = at.values.get(&var).ok_or_else(|| EvalError::Missing(format!("no value for {var}")))?;
    for d in dirs {
        if d.shape() != x.shape() {
            return Err(EvalError::Size(format!("a {:?} direction for {var}, which is {:?}", d.shape(), x.shape())));
        }
        if !d.iter().all(|e| e.is_finite()) {
            return Err(EvalError::Domain(format!("the direction for {var} is not finite")));
        }
    }
    Ok(x.clone())
}

/// `rel · max(1, ‖x‖_max) / ‖dir‖_max`, rounded down to a power of two; `rel`
/// itself for a zero (or uselessly tiny) direction.
fn step(x: &Value, dir: &Value, rel: f64) -> f64 {
    let scale = x.amax().max(1.0);
    let h = rel * scale / dir.amax();
    if h.is_normal() { pow2_floor(h) } else { rel }
}

/// The largest power of two not above a positive normal `x`.
fn pow2_floor(x: f64) -> f64 {
    f64::from_bits(x.to_bits() & 0xfff0_0000_0000_0000)
}

/// `(a − b)·scale`, refusing values of different shapes.
fn difference(a: &Value, b: &Value, scale: f64) -> Result<Value> {
    if a.shape() != b.shape() {
        return Err(EvalError::Size(format!("the function gave a {:?} and a {:?} value near one point", a.shape(), b.shape())));
    }
    Ok((a - b) * scale)
}

/// The Richardson estimate from the steps `h` and `h/2`, if the one from
/// `h/2` and `h/4` confirms it to `consistent` (relative to
/// `max(1, |estimate|)`); otherwise the point is no good. Truncation error
/// is `O(h⁴)` in both, far below the bound, so only rounding can make them
/// differ: a function computed inexactly here (`log(1 − σ(z))` at a large
/// `z`, where `1 − σ(z)` has lost its digits) would otherwise pass its
/// noise off as a derivative, and a right result would fail its check.
fn extrapolated(mut central: impl FnMut(f64) -> Result<Value>, h: f64, consistent: f64) -> Result<Value> {
    let (d1, d2, d4) = (central(h)?, central(h / 2.0)?, central(h / 4.0)?);
    let estimate = richardson(&d2, &d1)?;
    let confirmation = richardson(&d4, &d2)?;
    if (&confirmation - &estimate).amax() > consistent * estimate.amax().max(1.0) {
        return Err(EvalError::Domain(
            "finite differences at steps h, h/2 and h/4 disagree: the function is computed inexactly here".into(),
        ));
    }
    Ok(estimate)
}

/// `(4·fine − coarse)/3 = fine + (fine − coarse)/3`.
fn richardson(fine: &Value, coarse: &Value) -> Result<Value> {
    let r = fine + difference(fine, coarse, 1.0 / 3.0)?;
    if r.iter().all(|x| x.is_finite()) { Ok(r) } else { Err(EvalError::Domain("a finite difference is not finite".into())) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::rng::Rng;

    fn normal(r: usize, c: usize, rng: &mut Rng) -> Value {
        Value::from_fn(r, c, |_, _| rng.normal())
    }

    /// A point with one variable `X`.
    fn at(x: Value) -> (Point, Name) {
        let name = Name::new("X");
        (Point::new().with(name, x), name)
    }

    fn value_of(p: &Point) -> Value {
        p.values[&Name::new("X")].clone()
    }

    #[test]
    fn exact_for_cubics() {
        // For a cubic, both differences are the derivative plus an h² term
        // only, which Richardson removes: d/dt (x+t)³ = 3x² and
        // ∂²/∂s∂t (x+s+t)³ = 6x, both 12 at x = 2.
        let (p, x) = at(Value::from_element(1, 1, 2.0));
        let mut cube = |p: &Point| Ok(value_of(p).map(|v| v * v * v));
        let d = directional(&mut cube, &p, x, &Value::from_element(1, 1, 1.0)).unwrap();
        assert!((d[0] - 12.0).abs() < 1e-11, "{d}");
        let dd = mixed_second(&mut cube, &p, x, &Value::from_element(1, 1, 1.0), &Value::from_element(1, 1, 1.0)).unwrap();
        assert!((dd[0] - 12.0).abs() < 1e-8, "{dd}");
    }

    #[test]
    fn relative_error_is_relative_above_one() {
        let a = Value::from_row_slice(1, 2, &[100.0, 1.0]);
        let b = Value::from_row_slice(1, 2, &[101.0, 1.0]);
        assert!((relative_error(&b, &a) - 0.01).abs() < 1e-15);
        let c = Value::from_row_slice(1, 2, &[0.001, 0.0]);
        assert_eq!(relative_error(&c, &Value::zeros(1, 2)), 0.001);
        assert_eq!(relative_error(&c, &Value::zeros(2, 1)), f64::INFINITY);
        assert_eq!(relative_error(&Value::from_element(1, 1, f64::NAN), &Value::zeros(1, 1)), f64::INFINITY);
    }

    #[test]
    fn directions_must_fit_the_variable() {
        let (p, x) = at(Value::zeros(2, 2));
        let mut f = |p: &Point| Ok(value_of(p));
        assert!(matches!(directional(&mut f, &p, x, &Value::zeros(2, 1)), Err(EvalError::Size(_))));
        assert!(matches!(directional(&mut f, &p, Name::new("Y"), &Value::zeros(2, 2)), Err(EvalError::Missing(_))));
        let zero = directional(&mut f, &p, x, &Value::zeros(2, 2)).unwrap();
        assert_eq!(zero, Value::zeros(2, 2));
    }

    #[test]
    fn errors_of_the_function_pass_through() {
        let (p, x) = at(Value::from_element(1, 1, 1e-6));
        let mut log = |p: &Point| {
            let v = value_of(p)[0];
            if v > 0.0 { Ok(Value::from_element(1, 1, v.ln())) } else { Err(EvalError::Domain("log".into())) }
        };
        let r = directional(&mut log, &p, x, &Value::from_element(1, 1, 1.0));
        assert!(matches!(r, Err(EvalError::Domain(_))));
    }

    #[test]
    fn second_differences_of_a_quadratic_form() {
        // f(x) = xᵀAx: uᵀ(A + Aᵀ)v.
        let mut rng = Rng::new(8);
        let a = normal(5, 5, &mut rng);
        let (p, x) = at(normal(5, 1, &mut rng));
        let (u, v) = (normal(5, 1, &mut rng), normal(5, 1, &mut rng));
        let mut f = |p: &Point| {
            let x = value_of(p);
            Ok(x.transpose() * &a * x)
        };
        let got = mixed_second(&mut f, &p, x, &u, &v).unwrap();
        let want = u.transpose() * (&a + a.transpose()) * &v;
        assert!(relative_error(&got, &want) < 1e-8, "{got} {want}");
    }
}
